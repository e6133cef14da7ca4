/* `vpipe run --task face` and `--task face-mesh` (layer: cli, public API only).
 *
 * face:      three stages sharing one vp_face_detector — preprocess (letterbox
 *            warp into the input tensor; starts the task worker), infer
 *            (the model), postprocess (decoding, NMS, projection). Each frame
 *            carries its own vp_face_detector_job, so the stages may run on
 *            different workers (they do with --task face,face-mesh).
 * face-mesh: one stage (its own worker): detection, ROI, landmark crops and
 *            tracking depend on each other within a frame and on the previous
 *            frame, so they run together; the split of the time is kept in
 *            the landmarker's timings.
 * render:    one stage for both tasks (added once per pipeline): boxes,
 *            keypoints, mesh points and contours, anti-aliased, and an
 *            fps/latency line.
 * Results go to the JSONL sink as `faces` and `face_landmarks` (RESULTS.md).
 * Ownership: each task's context is allocated by its add function and freed
 * by the uninit of the stage that owns it (face-preprocess, uninitialised
 * last of the three; the face-mesh stage itself); handles are made in init.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run_common.h"
#include "cli/run_face.h"
#include "vpipe/tasks.h"

/* ------------------------------------------------------------- JSON output */

typedef void (*write_fn)(void *ctx, const char *text, size_t len);

static void put(write_fn w, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(write_fn w, void *ctx, const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) w(ctx, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

typedef struct faces_data {
  int32_t n;
  vp_face_detection faces[];
} faces_data;

static vp_status faces_json(const void *data, write_fn w, void *ctx) {
  const faces_data *d = data;
  w(ctx, "[", 1);
  for (int32_t i = 0; i < d->n; i++) {
    const vp_face_detection *f = &d->faces[i];
    put(w, ctx, "%s{\"score\":%.6g,\"box\":{\"x\":%.6g,\"y\":%.6g,\"w\":%.6g,\"h\":%.6g},\"keypoints\":[",
        i ? "," : "", f->score, f->box.x, f->box.y, f->box.w, f->box.h);
    for (int k = 0; k < VP_FACE_KEYPOINTS; k++)
      put(w, ctx, "%s{\"x\":%.6g,\"y\":%.6g}", k ? "," : "", f->keypoints[k].x, f->keypoints[k].y);
    w(ctx, "]}", 2);
  }
  w(ctx, "]", 1);
  return VP_OK;
}

static const vp_result_type faces_type = {"faces", free, faces_json};

typedef struct mesh_data {
  int32_t n, points;
  float *presence;   /* n */
  vp_landmark *lm;   /* n · points */
} mesh_data;

static void mesh_free(void *p) {
  mesh_data *d = p;
  if (!d) return;
  free(d->presence);
  free(d->lm);
  free(d);
}

static vp_status mesh_json(const void *data, write_fn w, void *ctx) {
  const mesh_data *d = data;
  w(ctx, "[", 1);
  for (int32_t i = 0; i < d->n; i++) {
    put(w, ctx, "%s{\"presence\":%.6g,\"landmarks\":[", i ? "," : "", d->presence[i]);
    const vp_landmark *l = d->lm + (size_t)i * d->points;
    for (int32_t k = 0; k < d->points; k++)
      put(w, ctx, "%s{\"x\":%.6g,\"y\":%.6g,\"z\":%.6g}", k ? "," : "", l[k].x, l[k].y, l[k].z);
    w(ctx, "]}", 2);
  }
  w(ctx, "]", 1);
  return VP_OK;
}

static const vp_result_type mesh_type = {"face_landmarks", mesh_free, mesh_json};

/* ------------------------------------------------------------- face stages */

/* The three face stages may land on different workers (e.g. with face-mesh
 * between them), so each frame carries its own detector job through the
 * packet; jobs are recycled through a small locked free list. */
#define FACE_MAX_FREE_JOBS 16

typedef struct face_ctx {
  vp_face_detector_options opt;
  vp_face_detector *det;
  pthread_mutex_t lock;
  vp_face_detector_job *free_jobs[FACE_MAX_FREE_JOBS];
  int32_t n_free;
} face_ctx;

typedef struct face_job_ref {
  face_ctx *ctx;
  vp_face_detector_job *job;
} face_job_ref;

static void face_job_release(void *p) {
  face_job_ref *r = p;
  if (!r) return;
  face_ctx *c = r->ctx;
  pthread_mutex_lock(&c->lock);
  if (c->n_free < FACE_MAX_FREE_JOBS) {
    c->free_jobs[c->n_free++] = r->job;
    r->job = NULL;
  }
  pthread_mutex_unlock(&c->lock);
  vp_face_detector_job_destroy(r->job);
  free(r);
}

static const vp_result_type face_job_type = {"face_detector_job", face_job_release, NULL};

static vp_status face_pre_init(vp_stage *st, vp_stream_info *info) {
  (void)info;
  face_ctx *c = vp_stage_opaque(st);
  /* One inference thread: these models take about a millisecond, and
   * intra-op threading of them loses to running stages on different cores
   * (PERFORMANCE-NOTES: two-thread timings on this VM kind are fragile); the
   * pipeline already decodes on another worker. */
  c->opt.num_threads = 1;
  return vp_face_detector_create(&c->opt, &c->det);
}

static vp_status face_pre_process(vp_stage *st, vp_packet *pkt) {
  face_ctx *c = vp_stage_opaque(st);
  if (!pkt->frame || (pkt->flags & VP_FRAME_FLAG_SKIPPED)) return VP_OK;
  face_job_ref *r = calloc(1, sizeof *r);
  if (!r) return VP_ENOMEM;
  r->ctx = c;
  pthread_mutex_lock(&c->lock);
  if (c->n_free > 0) r->job = c->free_jobs[--c->n_free];
  pthread_mutex_unlock(&c->lock);
  vp_status s = r->job ? VP_OK : vp_face_detector_job_create(c->det, &r->job);
  if (s == VP_OK) s = vp_face_detector_job_preprocess(c->det, pkt->frame, r->job);
  if (s != VP_OK) {
    face_job_release(r);
    return s;
  }
  return vp_packet_set_result(pkt, &face_job_type, r);
}

/* Runs last of the three at teardown (stages are uninitialised in reverse). */
static void face_pre_uninit(vp_stage *st) {
  face_ctx *c = vp_stage_opaque(st);
  for (int32_t i = 0; i < c->n_free; i++) vp_face_detector_job_destroy(c->free_jobs[i]);
  vp_face_detector_destroy(c->det);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

static vp_status face_infer_process(vp_stage *st, vp_packet *pkt) {
  face_ctx *c = vp_stage_opaque(st);
  face_job_ref *r = vp_packet_get_result(pkt, &face_job_type);
  return r ? vp_face_detector_job_infer(c->det, r->job) : VP_OK;
}

static vp_status face_post_process(vp_stage *st, vp_packet *pkt) {
  face_ctx *c = vp_stage_opaque(st);
  face_job_ref *j = vp_packet_get_result(pkt, &face_job_type);
  if (!j) return VP_OK;
  const vp_face_detector_result *r = NULL;
  vp_status s = vp_face_detector_job_postprocess(c->det, j->job, pkt->pts_ns, &r);
  if (s != VP_OK) return s;
  faces_data *d = malloc(sizeof *d + sizeof(vp_face_detection) * (size_t)r->count);
  if (!d) return VP_ENOMEM;
  d->n = r->count;
  memcpy(d->faces, r->faces, sizeof(vp_face_detection) * (size_t)r->count);
  return vp_packet_set_result(pkt, &faces_type, d);
}

static const vp_stage_class face_pre_class = {
    .name = "face-preprocess", .description = "face detector: letterbox crop into the tensor",
    .kind = VP_STAGE_PREPROCESS, .flags = VP_STAGE_FLAG_THREAD,
    .init = face_pre_init, .process = face_pre_process, .uninit = face_pre_uninit};
static const vp_stage_class face_infer_class = {
    .name = "face-infer", .description = "face detector: BlazeFace model",
    .kind = VP_STAGE_INFER, .process = face_infer_process};
static const vp_stage_class face_post_class = {
    .name = "face-postprocess", .description = "face detector: decoding, NMS, projection",
    .kind = VP_STAGE_POSTPROCESS, .process = face_post_process};

/* --------------------------------------------------------- face-mesh stage */

typedef struct mesh_ctx {
  vp_face_landmarker_options opt;
  vp_face_landmarker *lm;
  const vp_pipeline *pipeline;
  int64_t last_pts;
} mesh_ctx;

static vp_status mesh_init(vp_stage *st, vp_stream_info *info) {
  mesh_ctx *c = vp_stage_opaque(st);
  c->opt.num_threads = 1; /* see face_pre_init */
  /* A single still image is IMAGE mode; a stream tracks (VIDEO). */
  c->opt.running_mode = vp_run_still_image(c->pipeline, info) ? VP_RUNNING_MODE_IMAGE
                                                               : VP_RUNNING_MODE_VIDEO;
  c->last_pts = INT64_MIN;
  return vp_face_landmarker_create(&c->opt, &c->lm);
}

static vp_status mesh_process(vp_stage *st, vp_packet *pkt) {
  mesh_ctx *c = vp_stage_opaque(st);
  if (!pkt->frame || (pkt->flags & VP_FRAME_FLAG_SKIPPED)) return VP_OK;
  const vp_face_landmarker_result *r = NULL;
  vp_status s;
  if (c->opt.running_mode == VP_RUNNING_MODE_IMAGE) {
    s = vp_face_landmarker_detect(c->lm, pkt->frame, &r);
  } else {
    int64_t ts = vp_run_video_ts(&c->last_pts, pkt);
    s = vp_face_landmarker_detect_for_video(c->lm, pkt->frame, ts, &r);
  }
  if (s != VP_OK) return s;
  mesh_data *d = calloc(1, sizeof *d);
  if (!d) return VP_ENOMEM;
  d->n = r->count;
  d->points = r->count ? r->faces[0].num_landmarks : 0;
  d->presence = malloc(sizeof(float) * (size_t)(r->count + 1));
  d->lm = malloc(sizeof(vp_landmark) * (size_t)(r->count * d->points + 1));
  if (!d->presence || !d->lm) {
    mesh_free(d);
    return VP_ENOMEM;
  }
  for (int32_t i = 0; i < r->count; i++) {
    d->presence[i] = r->faces[i].presence;
    memcpy(d->lm + (size_t)i * d->points, r->faces[i].landmarks,
           sizeof(vp_landmark) * (size_t)d->points);
  }
  return vp_packet_set_result(pkt, &mesh_type, d);
}

static void mesh_uninit(vp_stage *st) {
  mesh_ctx *c = vp_stage_opaque(st);
  vp_face_landmarker_destroy(c->lm);
  free(c);
}

static const vp_stage_class mesh_class = {
    .name = "face-mesh", .description = "face landmarker: detection, crops, landmarks, tracking",
    .kind = VP_STAGE_INFER, .flags = VP_STAGE_FLAG_THREAD,
    .init = mesh_init, .process = mesh_process, .uninit = mesh_uninit};

/* ------------------------------------------------------------------ render */

/* Face contours as polylines of mesh indices: face oval (closed), lips,
 * eyes and eyebrows (MediaPipe's face mesh contour sets; the lip and eye
 * indices are those of tensors_to_face_landmarks_with_attention.pbtxt). */
static const int16_t k_oval[] = {10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288,
                                 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
                                 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109, 10};
static const int16_t k_lips_lo[] = {61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291};
static const int16_t k_lips_up[] = {61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291};
static const int16_t k_lips_in_lo[] = {78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308};
static const int16_t k_lips_in_up[] = {78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308};
static const int16_t k_leye_lo[] = {33, 7, 163, 144, 145, 153, 154, 155, 133};
static const int16_t k_leye_up[] = {33, 246, 161, 160, 159, 158, 157, 173, 133};
static const int16_t k_reye_lo[] = {263, 249, 390, 373, 374, 380, 381, 382, 362};
static const int16_t k_reye_up[] = {263, 466, 388, 387, 386, 385, 384, 398, 362};
static const int16_t k_lbrow[] = {46, 53, 52, 65, 55, 107, 66, 105, 63, 70, 46};
static const int16_t k_rbrow[] = {276, 283, 282, 295, 285, 336, 296, 334, 293, 300, 276};

typedef struct contour {
  const int16_t *idx;
  int n;
} contour;
#define C(a) {a, (int)(sizeof a / sizeof a[0])}
static const contour k_contours[] = {C(k_oval), C(k_lips_lo), C(k_lips_up), C(k_lips_in_lo),
                                     C(k_lips_in_up), C(k_leye_lo), C(k_leye_up), C(k_reye_lo),
                                     C(k_reye_up), C(k_lbrow), C(k_rbrow)};
#undef C

typedef struct render_priv {
  int64_t last_ns;
  double fps;
  double latency_ms;
} render_priv;

static vp_status render_process(vp_stage *st, vp_packet *pkt) {
  render_priv *r = vp_stage_priv(st);
  if (!pkt->frame) return VP_OK;
  const int64_t now = vp_time_ns();
  if (r->last_ns) {
    const double inst = 1e9 / (double)(now - r->last_ns + 1);
    r->fps = r->fps > 0 ? 0.9 * r->fps + 0.1 * inst : inst;
  }
  r->last_ns = now;
  const double lat = (double)(now - pkt->capture_ns) / 1e6;
  r->latency_ms = r->latency_ms > 0 ? 0.9 * r->latency_ms + 0.1 * lat : lat;

  if (!vp_frame_is_writable(pkt->frame)) { /* shared with the decoder: draw on a copy */
    vp_frame *copy = NULL;
    vp_status s = vp_frame_clone(pkt->frame, &copy);
    if (s != VP_OK) return s;
    vp_frame_unref(&pkt->frame);
    pkt->frame = copy;
  }
  vp_frame *f = pkt->frame;
  const float W = (float)f->width, H = (float)f->height;
  const float lw = W > 960 ? 2.0f : 1.5f;
  const mesh_data *m = vp_packet_get_result(pkt, &mesh_type);
  for (int32_t i = 0; m && i < m->n; i++) {
    const vp_landmark *l = m->lm + (size_t)i * m->points;
    for (size_t c = 0; c < sizeof k_contours / sizeof k_contours[0]; c++)
      for (int k = 0; k + 1 < k_contours[c].n; k++) {
        const vp_landmark *a = &l[k_contours[c].idx[k]], *b = &l[k_contours[c].idx[k + 1]];
        vp_draw_line(f, a->x * W, a->y * H, b->x * W, b->y * H, lw, vp_rgba(224, 224, 224, 230));
      }
    for (int32_t k = 0; k < m->points && k < VP_FACE_LANDMARKS; k++)
      vp_draw_circle(f, l[k].x * W, l[k].y * H, lw * 0.6f, vp_rgba(48, 255, 48, 200));
    if (m->points >= VP_FACE_LANDMARKS_REFINED)
      for (int e = 0; e < 2; e++) {
        const vp_landmark *c = &l[468 + 5 * e];
        float rad = 0;
        for (int k = 1; k < 5; k++) {
          const float dx = (c[k].x - c->x) * W, dy = (c[k].y - c->y) * H;
          rad += sqrtf(dx * dx + dy * dy) / 4;
        }
        for (int a = 0; a < 24; a++) {
          const float t0 = (float)a * 6.2831853f / 24, t1 = (float)(a + 1) * 6.2831853f / 24;
          vp_draw_line(f, c->x * W + rad * cosf(t0), c->y * H + rad * sinf(t0),
                       c->x * W + rad * cosf(t1), c->y * H + rad * sinf(t1), lw,
                       vp_rgba(48, 160, 255, 255));
        }
      }
  }
  const faces_data *d = vp_packet_get_result(pkt, &faces_type);
  for (int32_t i = 0; d && i < d->n; i++) {
    const vp_face_detection *fd = &d->faces[i];
    vp_draw_rect(f, fd->box.x * W, fd->box.y * H, fd->box.w * W, fd->box.h * H, 2 * lw,
                 vp_rgba(255, 64, 64, 255));
    for (int k = 0; k < VP_FACE_KEYPOINTS; k++)
      vp_draw_circle(f, fd->keypoints[k].x * W, fd->keypoints[k].y * H, 2.5f * lw,
                     vp_rgba(255, 210, 0, 255));
    char label[32];
    snprintf(label, sizeof label, "%.2f", fd->score);
    const int scale = W > 960 ? 2 : 1;
    vp_draw_text(f, (int32_t)(fd->box.x * W), (int32_t)(fd->box.y * H) - vp_draw_text_height(scale) - 2,
                 label, scale, vp_rgba(255, 255, 255, 255), vp_rgba(255, 64, 64, 200));
  }
  char line[96];
  if (r->fps > 0)
    snprintf(line, sizeof line, "%.1f fps  latency %.1f ms  frame %lld", r->fps, r->latency_ms,
             (long long)pkt->seq);
  else
    snprintf(line, sizeof line, "latency %.1f ms  frame %lld", r->latency_ms, (long long)pkt->seq);
  const int scale = W >= 1280 ? 3 : W >= 640 ? 2 : 1;
  vp_draw_text(f, 8, 8, line, scale, vp_rgba(255, 255, 255, 255), vp_rgba(0, 0, 0, 160));
  return VP_OK;
}

static const vp_stage_class render_class = {
    .name = "face-render", .description = "draw faces, meshes and an fps/latency line",
    .kind = VP_STAGE_RENDER, .priv_size = sizeof(render_priv), .process = render_process};

static const vp_pipeline *g_render_for; /* the render stage is added once per pipeline */

static vp_status add_render(vp_pipeline *p, const vp_run_args *a) {
  if (!a->output || g_render_for == p) return VP_OK;
  g_render_for = p;
  return vp_pipeline_add(p, &render_class, NULL, NULL);
}

static const vp_face_range k_ranges[3] = {VP_FACE_RANGE_SHORT, VP_FACE_RANGE_FULL,
                                          VP_FACE_RANGE_FULL_SPARSE};

vp_status vp_run_face_add(vp_pipeline *p, const vp_run_args *a) {
  face_ctx *c = calloc(1, sizeof *c);
  if (!c) return VP_ENOMEM;
  pthread_mutex_init(&c->lock, NULL);
  c->opt = vp_face_detector_options_default();
  c->opt.range = k_ranges[a->face_range];
  c->opt.min_detection_confidence = (float)a->min_detection_confidence;
  c->opt.min_suppression_threshold = (float)a->min_suppression_threshold;
  c->opt.max_results = a->max_results;
  c->opt.precision = vp_run_precision(a);
  c->opt.running_mode = VP_RUNNING_MODE_VIDEO; /* stage-wise calls; no state between frames */
  /* Once the preprocess stage is added, its uninit owns and frees the context. */
  vp_status s = vp_pipeline_add(p, &face_pre_class, c, NULL);
  if (s != VP_OK) {
    pthread_mutex_destroy(&c->lock);
    free(c);
    return s;
  }
  s = vp_pipeline_add(p, &face_infer_class, c, NULL);
  if (s == VP_OK) s = vp_pipeline_add(p, &face_post_class, c, NULL);
  if (s == VP_OK) s = add_render(p, a);
  return s;
}

vp_status vp_run_face_mesh_add(vp_pipeline *p, const vp_run_args *a) {
  mesh_ctx *c = calloc(1, sizeof *c);
  if (!c) return VP_ENOMEM;
  c->opt = vp_face_landmarker_options_default();
  c->opt.detector_range = k_ranges[a->face_range];
  c->opt.refine_landmarks = a->refine_landmarks;
  c->opt.num_faces = a->num_faces;
  c->opt.min_face_detection_confidence = (float)a->min_detection_confidence;
  c->opt.min_face_presence_confidence = (float)a->min_presence_confidence;
  c->opt.min_tracking_confidence = (float)a->min_tracking_confidence;
  c->opt.smoothing = !a->no_smoothing;
  c->opt.precision = vp_run_precision(a);
  c->pipeline = p;
  vp_status s = vp_pipeline_add(p, &mesh_class, c, NULL);
  if (s != VP_OK) {
    free(c);
    return s;
  }
  return add_render(p, a);
}
