/* Pipeline stage classes over the io layer (layer: cli).
 *
 * DESIGN: each stage runs on the worker the pipeline gives it; the io objects
 * are owned by the caller (cmd_run.c) and outlive the pipeline, except the
 * video sink, which the video stage's flush closes (drain encoder, finalise
 * the container) and marks closed in vp_run_io; the caller reads that after
 * vp_pipeline_destroy() has joined every worker. No locks of its own. */
#include "cli/run_stages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- source ------------------------------------------------------------- */

typedef struct source_priv {
  int64_t last_pts;
  vp_source_discard discard;
} source_priv;

static vp_status source_init(vp_stage *st, vp_stream_info *info) {
  vp_run_io *io = vp_stage_opaque(st);
  source_priv *s = vp_stage_priv(st);
  const vp_source_info *si = vp_source_get_info(io->source);
  info->live = si->is_live;
  info->frame_count = si->frame_count;
  info->fps = si->fps;
  info->width = si->width;
  info->height = si->height;
  s->last_pts = INT64_MIN;
  s->discard = VP_DISCARD_NONE;
  return VP_OK;
}

static vp_status source_read(vp_stage *st, const vp_source_hint *hint, vp_frame **out) {
  vp_run_io *io = vp_stage_opaque(st);
  source_priv *s = vp_stage_priv(st);
  /* Rate controller thinning and nobody needs the pixels of skipped frames:
   * let the decoder drop non-reference frames before decoding them. */
  const vp_source_info *si = vp_source_get_info(io->source);
  vp_source_discard want = VP_DISCARD_NONE;
  if (!hint->pixels_needed && si->fps > 0 && s->last_pts != INT64_MIN &&
      hint->skip_before_pts_ns > s->last_pts + (int64_t)(1.5e9 / si->fps))
    want = VP_DISCARD_NONREF;
  if (want != s->discard) {
    vp_source_set_discard(io->source, want);
    s->discard = want;
  }
  vp_status r = vp_source_read(io->source, out);
  if (r == VP_OK && (*out)->pts_ns != INT64_MIN) s->last_pts = (*out)->pts_ns;
  return r;
}

static void source_interrupt(vp_stage *st) {
  vp_run_io *io = vp_stage_opaque(st);
  vp_source_interrupt(io->source);
}

const vp_stage_class vp_run_source_class = {
    .name = "ffmpeg-source",
    .description = "demux and decode with FFmpeg",
    .kind = VP_STAGE_SOURCE,
    .priv_size = sizeof(source_priv),
    .init = source_init,
    .read = source_read,
    .interrupt = source_interrupt,
};

void vp_run_source_event(void *user, const vp_source_event *event) {
  vp_run_io *io = user;
  if (!io->source_stage) return;
  vp_stage_post_event(io->source_stage, VP_EVENT_SOURCE, (double)event->gap_ns / 1e6,
                      event->attempt, event->message[0] ? event->message : vp_source_event_name(event->type));
}

/* ---- JSONL sink ----------------------------------------------------------- */

typedef struct jsonl_priv {
  vp_json *json;
  char *buf; /* a result's JSON text */
  size_t len, cap;
  bool oom;
} jsonl_priv;

static vp_status jsonl_init(vp_stage *st, vp_stream_info *info) {
  (void)info;
  jsonl_priv *j = vp_stage_priv(st);
  return vp_json_create(&j->json);
}

static void buf_write(void *ctx, const char *text, size_t len) {
  jsonl_priv *j = ctx;
  if (j->len + len + 1 > j->cap) {
    size_t cap = j->cap ? j->cap : 4096;
    while (cap < j->len + len + 1) cap *= 2;
    char *b = realloc(j->buf, cap);
    if (!b) {
      j->oom = true;
      return;
    }
    j->buf = b;
    j->cap = cap;
  }
  memcpy(j->buf + j->len, text, len);
  j->len += len;
  j->buf[j->len] = 0;
}

static vp_status jsonl_process(vp_stage *st, vp_packet *pkt) {
  vp_run_io *io = vp_stage_opaque(st);
  jsonl_priv *j = vp_stage_priv(st);
  vp_json *js = j->json;
  if (pkt->frame) {
    vp_jsonl_record_begin(js, pkt->frame);
  } else { /* skipped before decoding: no pixels */
    vp_json_reset(js);
    vp_json_object_begin(js);
    vp_json_kv_int(js, "frame", pkt->seq);
    vp_json_key(js, "pts_ms");
    vp_json_fixed(js, pkt->pts_ns == INT64_MIN ? 0 : (double)pkt->pts_ns / 1e6, 3);
  }
  if (pkt->flags & VP_FRAME_FLAG_SKIPPED) vp_json_kv_bool(js, "skipped", true);
  if (pkt->flags & VP_FRAME_FLAG_LATE) vp_json_kv_bool(js, "late", true);
  for (int32_t i = 0; i < pkt->n_results; i++) {
    const vp_result *r = &pkt->results[i];
    if (!r->type->write_json || !r->data) continue;
    j->len = 0;
    j->oom = false;
    vp_status s = r->type->write_json(r->data, buf_write, j);
    if (s) return s;
    if (j->oom) return VP_ENOMEM;
    vp_json_key(js, r->type->name);
    vp_json_raw(js, j->len ? j->buf : "null");
  }
  if (pkt->n_events) {
    vp_json_key(js, "events");
    vp_json_array_begin(js);
    for (int32_t i = 0; i < pkt->n_events; i++) {
      const vp_event *e = &pkt->events[i];
      vp_json_object_begin(js);
      vp_json_kv_string(js, "type", vp_event_type_name(e->type));
      vp_json_kv_int(js, "at_frame", e->seq);
      switch (e->type) {
      case VP_EVENT_JITTER_ANOMALY:
      case VP_EVENT_JITTER_RECOVERED:
        vp_json_kv_float(js, "sigma_ms", e->value);
        vp_json_kv_float(js, "mean_ms", e->value2);
        break;
      case VP_EVENT_STALL:
        vp_json_kv_float(js, "interval_ms", e->value);
        vp_json_kv_int(js, "intervals", (int64_t)e->value2);
        break;
      case VP_EVENT_STALL_RECOVERED:
        vp_json_kv_float(js, "interval_ms", e->value);
        break;
      case VP_EVENT_RATE_CHANGE:
        vp_json_kv_float(js, "from_fps", e->value);
        vp_json_kv_float(js, "to_fps", e->value2);
        break;
      case VP_EVENT_SOURCE:
        vp_json_kv_float(js, "gap_ms", e->value);
        vp_json_kv_int(js, "attempt", (int64_t)e->value2);
        break;
      }
      vp_json_kv_string(js, "message", e->message);
      vp_json_object_end(js);
    }
    vp_json_array_end(js);
  }
  return vp_jsonl_write(io->jsonl, js);
}

static void jsonl_uninit(vp_stage *st) {
  jsonl_priv *j = vp_stage_priv(st);
  vp_json_destroy(j->json);
  free(j->buf);
}

const vp_stage_class vp_run_jsonl_class = {
    .name = "jsonl",
    .description = "one JSON record per frame",
    .kind = VP_STAGE_SINK,
    .priv_size = sizeof(jsonl_priv),
    .init = jsonl_init,
    .process = jsonl_process,
    .uninit = jsonl_uninit,
};

/* ---- video sink ----------------------------------------------------------- */

static vp_status video_process(vp_stage *st, vp_packet *pkt) {
  vp_run_io *io = vp_stage_opaque(st);
  if (!pkt->frame || !io->video) return VP_OK; /* skipped before decoding: nothing to show */
  vp_status s = vp_video_sink_write(io->video, pkt->frame);
  if (s == VP_OK) io->frames_encoded++;
  return s;
}

static vp_status video_flush(vp_stage *st) {
  vp_run_io *io = vp_stage_opaque(st);
  if (!io->video) return VP_OK;
  io->video_status = vp_video_sink_close(io->video);
  io->video = NULL;
  return io->video_status;
}

const vp_stage_class vp_run_video_class = {
    .name = "video-out",
    .description = "encode and mux the annotated video",
    .kind = VP_STAGE_SINK,
    .flags = VP_STAGE_FLAG_THREAD,
    .process = video_process,
    .flush = video_flush,
};
