/* Writing pipeline stages: a source over the io layer, a task stage that
 * attaches a per-frame result, and a sink that prints one JSON line per frame.
 * Built with the tests so that it cannot drift from the API.
 *
 *   example_pipeline_stages VIDEO
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "vpipe/io.h"
#include "vpipe/pipeline.h"

/* ---- a source: frames from vp_source (opaque: the vp_source) ------------ */
static vp_status src_init(vp_stage *st, vp_stream_info *info) {
  const vp_source_info *si = vp_source_get_info(vp_stage_opaque(st));
  info->live = si->is_live; /* live: queues drop the oldest instead of blocking */
  info->frame_count = si->frame_count;
  info->fps = si->fps;
  return VP_OK;
}
static vp_status src_read(vp_stage *st, const vp_source_hint *hint, vp_frame **out) {
  (void)hint;
  return vp_source_read(vp_stage_opaque(st), out); /* VP_EOF ends the stream */
}
static void src_interrupt(vp_stage *st) { vp_source_interrupt(vp_stage_opaque(st)); }
static const vp_stage_class source_class = {
    .name = "source", .kind = VP_STAGE_SOURCE, .init = src_init, .read = src_read,
    .interrupt = src_interrupt};

/* ---- a task: mean luma of the first plane, as a per-frame result --------- */
typedef struct { double mean; } luma_result;
static vp_status luma_json(const void *data, void (*write)(void *, const char *, size_t), void *ctx) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%.2f", ((const luma_result *)data)->mean);
  write(ctx, buf, (size_t)n);
  return VP_OK;
}
static const vp_result_type luma_type = {.name = "mean_luma", .free = free, .write_json = luma_json};

typedef struct { int32_t step; } luma_priv; /* options live in the private state */
static const vp_option luma_options[] = {
    {"step", "sample every STEP-th pixel", offsetof(luma_priv, step), VP_OPT_INT, "4", 1, 64, NULL, "STEP"},
    {NULL},
};
static vp_status luma_process(vp_stage *st, vp_packet *pkt) {
  const luma_priv *lp = vp_stage_priv(st);
  if (!pkt->frame || (pkt->flags & VP_FRAME_FLAG_SKIPPED)) return VP_OK; /* rate controller said no */
  const vp_frame *f = pkt->frame;
  uint64_t sum = 0, n = 0;
  for (int32_t y = 0; y < f->height; y += lp->step)
    for (int32_t x = 0; x < f->width; x += lp->step, n++) sum += f->data[0][(size_t)y * f->linesize[0] + x];
  luma_result *r = malloc(sizeof *r);
  if (!r) return VP_ENOMEM;
  r->mean = n ? (double)sum / (double)n : 0;
  return vp_packet_set_result(pkt, &luma_type, r); /* the packet owns r now */
}
static const vp_stage_class luma_class = {
    .name = "luma", .kind = VP_STAGE_INFER, .flags = VP_STAGE_FLAG_THREAD, /* its own worker */
    .priv_size = sizeof(luma_priv), .options = luma_options, .process = luma_process};

/* ---- a sink: print each result (frames arrive in order) ------------------ */
static vp_status print_process(vp_stage *st, vp_packet *pkt) {
  (void)st;
  const luma_result *r = vp_packet_get_result(pkt, &luma_type);
  printf("{\"frame\":%" PRId64 ",\"pts_ms\":%.3f", pkt->seq, pkt->pts_ns == INT64_MIN ? 0 : pkt->pts_ns / 1e6);
  if (r) printf(",\"mean_luma\":%.2f", r->mean);
  for (int32_t i = 0; i < pkt->n_events; i++) printf(",\"event\":\"%s\"", vp_event_type_name(pkt->events[i].type));
  printf("}\n");
  return VP_OK;
}
static const vp_stage_class print_class = {.name = "print", .kind = VP_STAGE_SINK, .process = print_process};

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s VIDEO\n", argv[0]);
    return 2;
  }
  vp_source *src;
  if (vp_source_open(argv[1], NULL, &src) != VP_OK) {
    fprintf(stderr, "%s\n", vp_last_error());
    return 1;
  }
  vp_pipeline_options o = vp_pipeline_options_default();
  o.max_frames = 100;
  vp_pipeline *p = NULL;
  vp_stage *luma;
  vp_status st = vp_pipeline_create(&o, &p);
  if (!st) st = vp_pipeline_add(p, &source_class, src, NULL);
  if (!st) st = vp_pipeline_add(p, &print_class, NULL, NULL); /* order comes from the kinds */
  if (!st) st = vp_pipeline_add(p, &luma_class, NULL, &luma);
  if (!st) st = vp_stage_set_option(luma, "step", "8");
  if (!st) st = vp_pipeline_start(p);
  if (!st) {
    vp_pipeline_wait(p, -1); /* or vp_pipeline_stop(p) from another thread */
    st = vp_pipeline_status(p);
    vp_pipeline_stats s;
    vp_pipeline_stats_get(p, &s);
    fprintf(stderr, "%" PRId64 " frames, %.1f fps, latency p99 %.2f ms\n", s.frames_done, s.fps, s.e2e_p99_ms);
  }
  if (st) fprintf(stderr, "error: %s\n", p && vp_pipeline_error(p)[0] ? vp_pipeline_error(p) : vp_last_error());
  vp_pipeline_destroy(p);
  vp_source_close(src);
  return st ? 1 : 0;
}
