/* Live latency and memory benchmark for the pipeline (not a test).
 *
 * A synthetic live source delivers WxH YUV420P frames from a bounded pool at
 * a fixed rate (paced on the monotonic clock like a camera); an optional
 * "infer" stage burns a fixed amount of CPU per frame; the JSONL sink writes
 * one record per frame. Reports capture → JSONL-written latency (p50/p99/max),
 * drops, and the resident set size over time (it must stay flat: frames come
 * from pools).
 *
 *   bench_live [--seconds S] [--fps F] [--size WxH] [--work-ms MS] [--json FILE]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vpipe/io.h"
#include "vpipe/pipeline.h"

typedef struct {
  double fps;
  int32_t w, h;
  int64_t frames;
  vp_frame_pool *pool;
  int64_t n, next_ns;
  atomic_bool stop;
} live_src;

static vp_status src_init(vp_stage *st, vp_stream_info *info) {
  live_src *s = vp_stage_opaque(st);
  vp_frame_pool_options po = vp_frame_pool_options_default();
  po.width = s->w;
  po.height = s->h;
  po.format = VP_PIXFMT_YUV420P;
  po.capacity = 8;
  vp_status r = vp_frame_pool_create(&po, &s->pool);
  info->live = true;
  info->fps = s->fps;
  info->width = s->w;
  info->height = s->h;
  return r;
}

static vp_status src_read(vp_stage *st, const vp_source_hint *hint, vp_frame **out) {
  (void)hint;
  live_src *s = vp_stage_opaque(st);
  if (s->n >= s->frames || atomic_load(&s->stop)) return VP_EOF;
  if (!s->next_ns) s->next_ns = vp_time_ns();
  s->next_ns += (int64_t)(1e9 / s->fps);
  struct timespec ts = {s->next_ns / 1000000000, s->next_ns % 1000000000};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
  }
  vp_frame *f;
  vp_status r = vp_frame_pool_get(s->pool, &f);
  if (r) return r;
  /* touch the luma like a camera DMA would (first row of each 64) */
  for (int32_t y = 0; y < s->h; y += 64) memset(f->data[0] + (size_t)y * f->linesize[0], (int)s->n, (size_t)s->w);
  f->seq = s->n;
  f->pts_ns = (int64_t)((double)s->n * 1e9 / s->fps);
  f->capture_ns = vp_time_ns();
  s->n++;
  *out = f;
  return VP_OK;
}

static void src_interrupt(vp_stage *st) {
  live_src *s = vp_stage_opaque(st);
  atomic_store(&s->stop, true);
}
static void src_uninit(vp_stage *st) {
  live_src *s = vp_stage_opaque(st);
  vp_frame_pool_destroy(s->pool);
}

static const vp_stage_class live_class = {
    .name = "synthetic-live", .kind = VP_STAGE_SOURCE, .init = src_init, .read = src_read,
    .interrupt = src_interrupt, .uninit = src_uninit};

static double work_ms;
static vp_status work_process(vp_stage *st, vp_packet *pkt) {
  (void)st;
  if (pkt->flags & VP_FRAME_FLAG_SKIPPED) return VP_OK;
  int64_t until = vp_time_ns() + (int64_t)(work_ms * 1e6);
  volatile uint64_t x = 0;
  while (vp_time_ns() < until) x += pkt->frame->data[0][x & 63];
  return VP_OK;
}
static const vp_stage_class work_class = {
    .name = "busy-infer", .kind = VP_STAGE_INFER, .flags = VP_STAGE_FLAG_THREAD, .process = work_process};

typedef struct {
  vp_jsonl_writer *w;
  vp_json *j;
} jsonl_ctx;
static vp_status jsonl_process(vp_stage *st, vp_packet *pkt) {
  jsonl_ctx *c = vp_stage_opaque(st);
  vp_jsonl_record_begin(c->j, pkt->frame);
  return vp_jsonl_write(c->w, c->j);
}
static const vp_stage_class jsonl_class = {.name = "jsonl", .kind = VP_STAGE_SINK, .process = jsonl_process};

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, rss = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
    fclose(f);
  }
  return rss * 4;
}

int main(int argc, char **argv) {
  double seconds = 10, fps = 30;
  int w = 1920, h = 1080;
  const char *json = "/dev/null";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--fps")) fps = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--size")) sscanf(argv[i + 1], "%dx%d", &w, &h);
    else if (!strcmp(argv[i], "--work-ms")) work_ms = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--json")) json = argv[i + 1];
    else {
      fprintf(stderr, "usage: bench_live [--seconds S] [--fps F] [--size WxH] [--work-ms MS] [--json FILE]\n");
      return 2;
    }
  }
  live_src src = {.fps = fps, .w = w, .h = h, .frames = (int64_t)(seconds * fps)};
  jsonl_ctx jc;
  if (vp_jsonl_open(json, NULL, &jc.w) || vp_json_create(&jc.j)) {
    fprintf(stderr, "bench_live: %s\n", vp_last_error());
    return 1;
  }
  vp_pipeline_options o = vp_pipeline_options_default();
  o.threads = 1;
  vp_pipeline *p;
  if (vp_pipeline_create(&o, &p) || vp_pipeline_add(p, &live_class, &src, NULL) ||
      (work_ms > 0 && vp_pipeline_add(p, &work_class, NULL, NULL)) ||
      vp_pipeline_add(p, &jsonl_class, &jc, NULL) || vp_pipeline_start(p)) {
    fprintf(stderr, "bench_live: %s\n", vp_last_error());
    return 1;
  }
  long rss0 = rss_kib(), rss_max = rss0;
  int64_t t0 = vp_time_ns();
  printf("t_s   rss_kib  frames_done  dropped\n");
  while (vp_pipeline_wait(p, 1000) == VP_ETIMEDOUT) {
    vp_pipeline_stats s;
    vp_pipeline_stats_get(p, &s);
    long r = rss_kib();
    if (r > rss_max) rss_max = r;
    printf("%5.1f %8ld %12lld %8lld\n", (double)(vp_time_ns() - t0) / 1e9, r,
           (long long)s.frames_done, (long long)s.frames_dropped);
  }
  vp_pipeline_stats s;
  vp_pipeline_stats_get(p, &s);
  printf("%dx%d @ %.0f fps, %.0f s, work %.1f ms/frame: read %lld, done %lld, dropped %lld\n", w, h,
         fps, seconds, work_ms, (long long)s.frames_read, (long long)s.frames_done,
         (long long)s.frames_dropped);
  printf("capture -> JSONL written: p50 %.2f ms, p99 %.2f ms, max %.2f ms (frame interval %.2f ms)\n",
         s.e2e_p50_ms, s.e2e_p99_ms, s.e2e_max_ms, 1000.0 / fps);
  for (int32_t i = 0; i < s.n_stages; i++)
    printf("  stage %-15s p50 %.3f ms p99 %.3f ms\n", s.stages[i].name, s.stages[i].latency_p50_ms,
           s.stages[i].latency_p99_ms);
  printf("RSS: start %ld KiB, max %ld KiB\n", rss0, rss_max);
  vp_status st = vp_pipeline_status(p);
  vp_pipeline_destroy(p);
  vp_json_destroy(jc.j);
  vp_jsonl_close(jc.w);
  return st ? 1 : 0;
}
