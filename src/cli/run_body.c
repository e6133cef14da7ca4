/* `vpipe run --task hands`, `--task pose` and `--task selfie` (layer: cli,
 * public API only).
 *
 * Each task is one stage on its own worker (like face-mesh): detection,
 * crops, landmarks and tracking depend on each other within a frame and on
 * the previous frame. A still image runs in IMAGE mode, a stream in VIDEO
 * mode (tracking, and smoothing for pose unless --no-smoothing).
 * Results go to the JSONL sink as `hands`, `poses` (with `id` when tracking)
 * and `segmentation` (RESULTS.md); with --segmentation-mask DIR the masks are
 * written as 8-bit PNGs (DIR/mask_<frame>.png) and named in the record.
 * The pose task reports `segmentation` (its people's masks combined) when it
 * makes masks and the selfie task is not running.
 * render: one stage (added once per pipeline) composites the background
 * (--background blur|COLOR|IMAGE) or tints the person, then draws hand and
 * pose skeletons with MediaPipe's connections; pose landmarks fade with
 * their visibility.
 * Ownership: each task's context is allocated by its add function and freed
 * by its stage's uninit; the render context likewise by the render stage.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/run_body.h"
#include "cli/run_common.h"
#include "vpipe/tasks.h"

typedef void (*write_fn)(void *ctx, const char *text, size_t len);

static void put(write_fn w, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(write_fn w, void *ctx, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) w(ctx, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void put_points(write_fn w, void *ctx, const vp_landmark *l, int n, bool vis) {
  w(ctx, "[", 1);
  for (int k = 0; k < n; k++) {
    if (vis)
      put(w, ctx, "%s{\"x\":%.6g,\"y\":%.6g,\"z\":%.6g,\"visibility\":%.6g,\"presence\":%.6g}",
          k ? "," : "", l[k].x, l[k].y, l[k].z, l[k].visibility, l[k].presence);
    else
      put(w, ctx, "%s{\"x\":%.6g,\"y\":%.6g,\"z\":%.6g}", k ? "," : "", l[k].x, l[k].y, l[k].z);
  }
  w(ctx, "]", 1);
}

/* ----------------------------------------------------------------- results */

typedef struct hands_data {
  int32_t n;
  bool tracking;
  vp_hand hands[];
} hands_data;

static vp_status hands_json(const void *data, write_fn w, void *ctx) {
  const hands_data *d = data;
  w(ctx, "[", 1);
  for (int32_t i = 0; i < d->n; i++) {
    const vp_hand *h = &d->hands[i];
    w(ctx, i ? ",{" : "{", i ? 2 : 1);
    if (d->tracking) put(w, ctx, "\"id\":%lld,", (long long)h->id);
    put(w, ctx, "\"handedness\":\"%s\",\"handedness_score\":%.6g,\"presence\":%.6g,\"landmarks\":",
        h->handedness, h->handedness_score, h->presence);
    put_points(w, ctx, h->landmarks, VP_HAND_LANDMARK_COUNT, false);
    w(ctx, ",\"world_landmarks\":", 19);
    put_points(w, ctx, h->world_landmarks, VP_HAND_LANDMARK_COUNT, false);
    w(ctx, "}", 1);
  }
  w(ctx, "]", 1);
  return VP_OK;
}

static const vp_result_type hands_type = {"hands", free, hands_json};

typedef struct poses_data {
  int32_t n;
  bool tracking;
  vp_pose poses[]; /* mask pointers are not kept (see seg_data) */
} poses_data;

static vp_status poses_json(const void *data, write_fn w, void *ctx) {
  const poses_data *d = data;
  w(ctx, "[", 1);
  for (int32_t i = 0; i < d->n; i++) {
    const vp_pose *p = &d->poses[i];
    w(ctx, i ? ",{" : "{", i ? 2 : 1);
    if (d->tracking) put(w, ctx, "\"id\":%lld,", (long long)p->id);
    put(w, ctx, "\"presence\":%.6g,\"landmarks\":", p->presence);
    put_points(w, ctx, p->landmarks, VP_POSE_LANDMARK_COUNT, true);
    w(ctx, ",\"world_landmarks\":", 19);
    put_points(w, ctx, p->world_landmarks, VP_POSE_LANDMARK_COUNT, true);
    w(ctx, "}", 1);
  }
  w(ctx, "]", 1);
  return VP_OK;
}

static const vp_result_type poses_type = {"poses", free, poses_json};

typedef struct seg_data {
  int32_t w, h;
  float fg;
  float *mask;     /* w·h confidences */
  char path[1024]; /* PNG written, or "" */
} seg_data;

static void seg_free(void *p) {
  seg_data *d = p;
  if (d) free(d->mask);
  free(d);
}

static vp_status seg_json(const void *data, write_fn w, void *ctx) {
  const seg_data *d = data;
  put(w, ctx, "{\"width\":%d,\"height\":%d,\"foreground_fraction\":%.6g", (int)d->w, (int)d->h,
      d->fg);
  if (d->path[0]) {
    w(ctx, ",\"mask\":\"", 9);
    for (const char *c = d->path; *c; c++) { /* JSON-escape the path */
      if (*c == '"' || *c == '\\') w(ctx, "\\", 1);
      if ((unsigned char)*c < 0x20) continue;
      w(ctx, c, 1);
    }
    w(ctx, "\"", 1);
  }
  w(ctx, "}", 1);
  return VP_OK;
}

static const vp_result_type seg_type = {"segmentation", seg_free, seg_json};

/* Copy @p mask into a segmentation result; write the PNG when @p dir. */
static vp_status make_seg(vp_packet *pkt, const float *mask, int32_t w, int32_t h,
                          const char *dir) {
  seg_data *d = calloc(1, sizeof *d);
  if (!d) return VP_ENOMEM;
  const size_t n = (size_t)w * (size_t)h;
  d->w = w;
  d->h = h;
  d->mask = malloc(sizeof(float) * n);
  if (!d->mask) {
    free(d);
    return VP_ENOMEM;
  }
  size_t fg = 0;
  for (size_t i = 0; i < n; i++) {
    d->mask[i] = mask ? mask[i] : 0.0f;
    fg += d->mask[i] > 0.5f;
  }
  d->fg = n ? (float)((double)fg / (double)n) : 0.0f;
  if (dir) {
    vp_frame *g = NULL;
    vp_status s = vp_frame_alloc(w, h, VP_PIXFMT_GRAY8, &g);
    if (s == VP_OK) {
      for (int32_t y = 0; y < h; y++)
        for (int32_t x = 0; x < w; x++) {
          float v = d->mask[(size_t)y * w + x] * 255.0f + 0.5f;
          g->data[0][(int64_t)y * g->linesize[0] + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
      snprintf(d->path, sizeof d->path, "%s/mask_%06lld.png", dir, (long long)pkt->seq);
      s = vp_image_write_png(g, d->path);
      vp_frame_unref(&g);
    }
    if (s != VP_OK) {
      seg_free(d);
      return s;
    }
  }
  return vp_packet_set_result(pkt, &seg_type, d);
}

/* ------------------------------------------------------------------ hands */

typedef struct hands_ctx {
  vp_pipeline *pipeline; /* for the source's stream info at init */
  vp_hand_landmarker_options opt;
  vp_hand_landmarker *h;
  int64_t last_pts;
} hands_ctx;

static vp_status hands_init(vp_stage *st, vp_stream_info *info) {
  hands_ctx *c = vp_stage_opaque(st);
  c->opt.pool = vp_stage_threadpool(st);
  c->opt.running_mode = vp_run_still_image(c->pipeline, info) ? VP_RUNNING_MODE_IMAGE
                                                        : VP_RUNNING_MODE_VIDEO;
  c->last_pts = INT64_MIN;
  return vp_hand_landmarker_create(&c->opt, &c->h);
}

static vp_status hands_process(vp_stage *st, vp_packet *pkt) {
  hands_ctx *c = vp_stage_opaque(st);
  if (!pkt->frame || (pkt->flags & VP_FRAME_FLAG_SKIPPED)) return VP_OK;
  const vp_hand_landmarker_result *r = NULL;
  const bool video = c->opt.running_mode != VP_RUNNING_MODE_IMAGE;
  vp_status s = video ? vp_hand_landmarker_detect_for_video(c->h, pkt->frame,
                                                            vp_run_video_ts(&c->last_pts, pkt), &r)
                      : vp_hand_landmarker_detect(c->h, pkt->frame, &r);
  if (s != VP_OK) return s;
  hands_data *d = malloc(sizeof *d + sizeof(vp_hand) * (size_t)r->count);
  if (!d) return VP_ENOMEM;
  d->n = r->count;
  d->tracking = video;
  memcpy(d->hands, r->hands, sizeof(vp_hand) * (size_t)r->count);
  return vp_packet_set_result(pkt, &hands_type, d);
}

static void hands_uninit(vp_stage *st) {
  hands_ctx *c = vp_stage_opaque(st);
  vp_hand_landmarker_destroy(c->h);
  free(c);
}

static const vp_stage_class hands_class = {
    .name = "hands", .description = "hand landmarker: palms, crops, landmarks, tracking",
    .kind = VP_STAGE_INFER, .flags = VP_STAGE_FLAG_THREAD,
    .init = hands_init, .process = hands_process, .uninit = hands_uninit};

/* ------------------------------------------------------------------- pose */

typedef struct pose_ctx {
  vp_pipeline *pipeline; /* for the source's stream info at init */
  vp_pose_landmarker_options opt;
  vp_pose_landmarker *p;
  int64_t last_pts;
  bool report_seg; /* this task owns the `segmentation` field */
  const char *mask_dir;
  float *combined;
  size_t combined_cap;
} pose_ctx;

static vp_status pose_init(vp_stage *st, vp_stream_info *info) {
  pose_ctx *c = vp_stage_opaque(st);
  c->opt.pool = vp_stage_threadpool(st);
  c->opt.running_mode = vp_run_still_image(c->pipeline, info) ? VP_RUNNING_MODE_IMAGE
                                                        : VP_RUNNING_MODE_VIDEO;
  c->last_pts = INT64_MIN;
  return vp_pose_landmarker_create(&c->opt, &c->p);
}

static vp_status pose_process(vp_stage *st, vp_packet *pkt) {
  pose_ctx *c = vp_stage_opaque(st);
  if (!pkt->frame || (pkt->flags & VP_FRAME_FLAG_SKIPPED)) return VP_OK;
  const vp_pose_landmarker_result *r = NULL;
  const bool video = c->opt.running_mode != VP_RUNNING_MODE_IMAGE;
  vp_status s = video ? vp_pose_landmarker_detect_for_video(c->p, pkt->frame,
                                                            vp_run_video_ts(&c->last_pts, pkt), &r)
                      : vp_pose_landmarker_detect(c->p, pkt->frame, &r);
  if (s != VP_OK) return s;
  poses_data *d = malloc(sizeof *d + sizeof(vp_pose) * (size_t)r->count);
  if (!d) return VP_ENOMEM;
  d->n = r->count;
  d->tracking = video;
  memcpy(d->poses, r->poses, sizeof(vp_pose) * (size_t)r->count);
  for (int32_t i = 0; i < d->n; i++) d->poses[i].mask = NULL;
  s = vp_packet_set_result(pkt, &poses_type, d);
  if (s != VP_OK || !c->report_seg || !r->mask_width) return s;
  /* As the reference: no pose, no segmentation record. */
  if (r->count == 0) return VP_OK;
  const size_t n = (size_t)r->mask_width * (size_t)r->mask_height;
  if (c->combined_cap < n) {
    float *m = realloc(c->combined, sizeof(float) * n);
    if (!m) return VP_ENOMEM;
    c->combined = m;
    c->combined_cap = n;
  }
  memcpy(c->combined, r->poses[0].mask, sizeof(float) * n);
  for (int32_t i = 1; i < r->count; i++)
    for (size_t k = 0; k < n; k++)
      if (r->poses[i].mask[k] > c->combined[k]) c->combined[k] = r->poses[i].mask[k];
  return make_seg(pkt, c->combined, r->mask_width, r->mask_height, c->mask_dir);
}

static void pose_uninit(vp_stage *st) {
  pose_ctx *c = vp_stage_opaque(st);
  vp_pose_landmarker_destroy(c->p);
  free(c->combined);
  free(c);
}

static const vp_stage_class pose_class = {
    .name = "pose", .description = "pose landmarker: detection, crops, landmarks, masks, tracking",
    .kind = VP_STAGE_INFER, .flags = VP_STAGE_FLAG_THREAD,
    .init = pose_init, .process = pose_process, .uninit = pose_uninit};

/* ----------------------------------------------------------------- selfie */

typedef struct selfie_ctx {
  vp_pipeline *pipeline; /* for the source's stream info at init */
  vp_segmenter_options opt;
  vp_segmenter *s;
  int64_t last_pts;
  const char *mask_dir;
} selfie_ctx;

static vp_status selfie_init(vp_stage *st, vp_stream_info *info) {
  selfie_ctx *c = vp_stage_opaque(st);
  c->opt.pool = vp_stage_threadpool(st);
  c->opt.running_mode = vp_run_still_image(c->pipeline, info) ? VP_RUNNING_MODE_IMAGE
                                                        : VP_RUNNING_MODE_VIDEO;
  c->last_pts = INT64_MIN;
  return vp_segmenter_create(&c->opt, &c->s);
}

static vp_status selfie_process(vp_stage *st, vp_packet *pkt) {
  selfie_ctx *c = vp_stage_opaque(st);
  if (!pkt->frame || (pkt->flags & VP_FRAME_FLAG_SKIPPED)) return VP_OK;
  const vp_segmenter_result *r = NULL;
  vp_status s = c->opt.running_mode != VP_RUNNING_MODE_IMAGE
                    ? vp_segmenter_segment_for_video(c->s, pkt->frame,
                                                     vp_run_video_ts(&c->last_pts, pkt), &r)
                    : vp_segmenter_segment(c->s, pkt->frame, &r);
  if (s != VP_OK) return s;
  return make_seg(pkt, r->confidence, r->width, r->height, c->mask_dir);
}

static void selfie_uninit(vp_stage *st) {
  selfie_ctx *c = vp_stage_opaque(st);
  vp_segmenter_destroy(c->s);
  free(c);
}

static const vp_stage_class selfie_class = {
    .name = "selfie", .description = "selfie segmentation: confidence mask at frame size",
    .kind = VP_STAGE_INFER, .flags = VP_STAGE_FLAG_THREAD,
    .init = selfie_init, .process = selfie_process, .uninit = selfie_uninit};

/* ----------------------------------------------------------------- render */

/* MediaPipe's HAND_CONNECTIONS and POSE_CONNECTIONS
 * (mediapipe/python/solutions/hands_connections.py, pose_connections.py). */
static const uint8_t k_hand_edges[][2] = {
    {0, 1}, {1, 2}, {2, 3}, {3, 4}, {0, 5}, {5, 6}, {6, 7}, {7, 8}, {5, 9}, {9, 10}, {10, 11},
    {11, 12}, {9, 13}, {13, 14}, {14, 15}, {15, 16}, {13, 17}, {0, 17}, {17, 18}, {18, 19},
    {19, 20}};
static const uint8_t k_pose_edges[][2] = {
    {0, 1}, {1, 2}, {2, 3}, {3, 7}, {0, 4}, {4, 5}, {5, 6}, {6, 8}, {9, 10}, {11, 12},
    {11, 13}, {13, 15}, {15, 17}, {15, 19}, {15, 21}, {17, 19}, {12, 14}, {14, 16}, {16, 18},
    {16, 20}, {16, 22}, {18, 20}, {11, 23}, {12, 24}, {23, 24}, {23, 25}, {24, 26}, {25, 27},
    {26, 28}, {27, 29}, {28, 30}, {29, 31}, {30, 32}, {27, 31}, {28, 32}};

typedef struct render_ctx {
  vp_mask_render_options mode;
  bool have_mode; /* --background given */
  vp_frame *background;
} render_ctx;

static const vp_color k_palette[] = {{255, 80, 80, 255}, {80, 200, 255, 255}, {255, 200, 40, 255},
                                     {120, 255, 120, 255}, {220, 120, 255, 255}};

static uint8_t fade(float v) { /* visibility → alpha: hidden points fade out */
  if (!(v > 0)) v = 0;
  if (v > 1) v = 1;
  return (uint8_t)(40 + 215 * v);
}

static vp_status render_process(vp_stage *st, vp_packet *pkt) {
  render_ctx *c = vp_stage_opaque(st);
  if (!pkt->frame) return VP_OK;
  const seg_data *seg = vp_packet_get_result(pkt, &seg_type);
  const hands_data *hd = vp_packet_get_result(pkt, &hands_type);
  const poses_data *pd = vp_packet_get_result(pkt, &poses_type);
  if (!seg && !hd && !pd) return VP_OK;
  const vp_pixfmt fmt = pkt->frame->format;
  const bool packed = fmt == VP_PIXFMT_RGB24 || fmt == VP_PIXFMT_BGR24 ||
                      fmt == VP_PIXFMT_RGBA || fmt == VP_PIXFMT_BGRA;
  if (seg && !packed) { /* masks composite on RGB: convert (--task-pixfmt native) */
    vp_frame *rgb = NULL;
    vp_status s = vp_frame_alloc(pkt->frame->width, pkt->frame->height, VP_PIXFMT_RGB24, &rgb);
    if (s == VP_OK) s = vp_frame_convert(pkt->frame, rgb);
    if (s != VP_OK) {
      vp_frame_unref(&rgb);
      return s;
    }
    vp_frame_unref(&pkt->frame);
    pkt->frame = rgb;
  } else if (!vp_frame_is_writable(pkt->frame)) {
    vp_frame *copy = NULL;
    vp_status s = vp_frame_clone(pkt->frame, &copy);
    if (s != VP_OK) return s;
    vp_frame_unref(&pkt->frame);
    pkt->frame = copy;
  }
  vp_frame *f = pkt->frame;
  const float W = (float)f->width, H = (float)f->height;
  const float lw = W > 960 ? 3.0f : 2.0f;
  if (seg && seg->w == f->width && seg->h == f->height) {
    vp_mask_render_options o = c->mode;
    if (!c->have_mode) {
      o.mode = VP_MASK_OVERLAY;
      o.color = vp_rgba(0, 160, 255, 110);
    }
    vp_status s = vp_mask_render(f, seg->mask, seg->w, seg->h, &o);
    if (s != VP_OK) return s;
  }
  for (int32_t i = 0; pd && i < pd->n; i++) {
    const vp_landmark *l = pd->poses[i].landmarks;
    vp_color col = k_palette[(pd->poses[i].id > 0 ? pd->poses[i].id : i) % 5];
    for (size_t e = 0; e < sizeof k_pose_edges / sizeof k_pose_edges[0]; e++) {
      const vp_landmark *a = &l[k_pose_edges[e][0]], *b = &l[k_pose_edges[e][1]];
      vp_color cc = vp_rgba(255, 255, 255, fade(fminf(a->visibility, b->visibility)));
      vp_draw_line(f, a->x * W, a->y * H, b->x * W, b->y * H, lw, cc);
    }
    for (int k = 0; k < VP_POSE_LANDMARK_COUNT; k++) {
      col.a = fade(l[k].visibility);
      vp_draw_circle(f, l[k].x * W, l[k].y * H, 1.6f * lw, col);
    }
    if (pd->tracking) {
      char label[32];
      snprintf(label, sizeof label, "#%lld", (long long)pd->poses[i].id);
      const int scale = W > 960 ? 2 : 1;
      vp_draw_text(f, (int32_t)(l[0].x * W), (int32_t)(l[0].y * H) - 24 * scale, label, scale,
                   vp_rgba(255, 255, 255, 255), vp_rgba(0, 0, 0, 160));
    }
  }
  for (int32_t i = 0; hd && i < hd->n; i++) {
    const vp_landmark *l = hd->hands[i].landmarks;
    const bool left = hd->hands[i].handedness && hd->hands[i].handedness[0] == 'L';
    for (size_t e = 0; e < sizeof k_hand_edges / sizeof k_hand_edges[0]; e++) {
      const vp_landmark *a = &l[k_hand_edges[e][0]], *b = &l[k_hand_edges[e][1]];
      vp_draw_line(f, a->x * W, a->y * H, b->x * W, b->y * H, lw, vp_rgba(255, 255, 255, 230));
    }
    for (int k = 0; k < VP_HAND_LANDMARK_COUNT; k++)
      vp_draw_circle(f, l[k].x * W, l[k].y * H, 1.5f * lw,
                     left ? vp_rgba(255, 64, 64, 255) : vp_rgba(64, 200, 64, 255));
    const int scale = W > 960 ? 2 : 1;
    vp_draw_text(f, (int32_t)(l[0].x * W), (int32_t)(l[0].y * H) + 6, hd->hands[i].handedness,
                 scale, vp_rgba(255, 255, 255, 255), vp_rgba(0, 0, 0, 160));
  }
  return VP_OK;
}

static void render_uninit(vp_stage *st) {
  render_ctx *c = vp_stage_opaque(st);
  vp_frame_unref(&c->background);
  free(c);
}

static const vp_stage_class render_class = {
    .name = "body-render", .description = "draw masks/backgrounds, hand and pose skeletons",
    .kind = VP_STAGE_RENDER, .process = render_process, .uninit = render_uninit};

static const struct {
  const char *name;
  uint8_t r, g, b;
} k_colors[] = {{"black", 0, 0, 0},     {"white", 255, 255, 255}, {"green", 0, 177, 64},
                {"blue", 0, 71, 171},   {"red", 220, 30, 30},     {"gray", 128, 128, 128},
                {"grey", 128, 128, 128}};

/* Parse --background: "blur", "#RRGGBB", a colour name, or an image file. */
static vp_status parse_background(const char *s, render_ctx *c) {
  memset(&c->mode, 0, sizeof c->mode);
  c->mode.blur_radius = 15;
  if (!strcmp(s, "blur")) {
    c->mode.mode = VP_MASK_BLUR;
    return VP_OK;
  }
  unsigned r, g, b;
  if (s[0] == '#' && strlen(s) == 7 && sscanf(s + 1, "%2x%2x%2x", &r, &g, &b) == 3) {
    c->mode.mode = VP_MASK_COLOR;
    c->mode.color = vp_rgba((uint8_t)r, (uint8_t)g, (uint8_t)b, 255);
    return VP_OK;
  }
  for (size_t i = 0; i < sizeof k_colors / sizeof k_colors[0]; i++)
    if (!strcmp(s, k_colors[i].name)) {
      c->mode.mode = VP_MASK_COLOR;
      c->mode.color = vp_rgba(k_colors[i].r, k_colors[i].g, k_colors[i].b, 255);
      return VP_OK;
    }
  vp_status st = vp_image_load(s, &c->background);
  if (st != VP_OK) return st; /* message says why the file could not be read */
  c->mode.mode = VP_MASK_IMAGE;
  c->mode.background = c->background;
  return VP_OK;
}

static const vp_pipeline *g_render_for; /* one body render stage per pipeline */

static vp_status add_render(vp_pipeline *p, const vp_run_args *a) {
  if (!a->output || g_render_for == p) return VP_OK;
  render_ctx *c = calloc(1, sizeof *c);
  if (!c) return VP_ENOMEM;
  if (a->background) {
    vp_status s = parse_background(a->background, c);
    if (s != VP_OK) {
      free(c);
      return s;
    }
    c->have_mode = true;
  }
  vp_status s = vp_pipeline_add(p, &render_class, c, NULL);
  if (s != VP_OK) {
    vp_frame_unref(&c->background);
    free(c);
    return s;
  }
  g_render_for = p;
  return VP_OK;
}

static bool task_listed(const vp_run_args *a, const char *name) {
  const char *s = a->task;
  const size_t n = strlen(name);
  while (s && *s) {
    const char *comma = strchr(s, ',');
    const size_t len = comma ? (size_t)(comma - s) : strlen(s);
    if (len == n && !strncmp(s, name, n)) return true;
    s = comma ? comma + 1 : NULL;
  }
  return false;
}

static vp_status check_mask_dir(const char *dir) {
  struct stat sb;
  if (!dir) return VP_OK;
  if (stat(dir, &sb) != 0 && mkdir(dir, 0777) != 0) {
    fprintf(stderr, "vpipe run: cannot create --segmentation-mask folder %s\n", dir);
    return VP_EIO;
  }
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
    fprintf(stderr, "vpipe run: --segmentation-mask %s is not a folder\n", dir);
    return VP_EINVAL;
  }
  return VP_OK;
}

vp_status vp_run_hands_add(vp_pipeline *p, const vp_run_args *a) {
  hands_ctx *c = calloc(1, sizeof *c);
  if (!c) return VP_ENOMEM;
  c->opt = vp_hand_landmarker_options_default();
  c->opt.model = a->hand_model == 0 ? VP_MODEL_LITE : VP_MODEL_FULL;
  c->opt.num_hands = a->num_hands;
  c->opt.min_hand_detection_confidence = (float)a->min_detection_confidence;
  c->opt.min_hand_presence_confidence = (float)a->min_presence_confidence;
  c->opt.min_tracking_confidence = (float)a->min_tracking_confidence;
  c->opt.detector_interval = a->detector_interval;
  c->opt.remove_overlapping = a->hand_remove_overlaps;
  c->opt.precision = vp_run_precision(a);
  c->pipeline = p;
  vp_status s = vp_pipeline_add(p, &hands_class, c, NULL);
  if (s != VP_OK) {
    free(c);
    return s;
  }
  return add_render(p, a);
}

vp_status vp_run_pose_add(vp_pipeline *p, const vp_run_args *a) {
  vp_status s = check_mask_dir(a->segmentation_mask);
  if (s != VP_OK) return s;
  pose_ctx *c = calloc(1, sizeof *c);
  if (!c) return VP_ENOMEM;
  c->opt = vp_pose_landmarker_options_default();
  c->opt.model = a->pose_model == 0 ? VP_MODEL_LITE : a->pose_model == 1 ? VP_MODEL_FULL
                                                                         : VP_MODEL_HEAVY;
  c->opt.num_poses = a->num_poses;
  c->opt.min_pose_detection_confidence = (float)a->min_detection_confidence;
  c->opt.min_pose_presence_confidence = (float)a->min_presence_confidence;
  c->opt.min_tracking_confidence = (float)a->min_tracking_confidence;
  c->opt.smoothing = !a->no_smoothing;
  c->opt.detector_interval = a->detector_interval;
  c->opt.mask_smoothing = !a->no_smoothing;
  c->opt.precision = vp_run_precision(a);
  const bool selfie = task_listed(a, "selfie");
  /* Masks when asked for (PNG folder, or a background to composite) and
   * the selfie task is not making them. */
  c->opt.output_segmentation_masks = !selfie && (a->segmentation_mask || a->background);
  c->report_seg = c->opt.output_segmentation_masks;
  c->mask_dir = a->segmentation_mask;
  c->pipeline = p;
  s = vp_pipeline_add(p, &pose_class, c, NULL);
  if (s != VP_OK) {
    free(c);
    return s;
  }
  return add_render(p, a);
}

vp_status vp_run_selfie_add(vp_pipeline *p, const vp_run_args *a) {
  vp_status s = check_mask_dir(a->segmentation_mask);
  if (s != VP_OK) return s;
  selfie_ctx *c = calloc(1, sizeof *c);
  if (!c) return VP_ENOMEM;
  c->opt = vp_segmenter_options_default();
  c->opt.model = a->selfie_model == 0 ? VP_SEGMENTER_SQUARE : VP_SEGMENTER_LANDSCAPE;
  c->opt.precision = vp_run_precision(a);
  c->mask_dir = a->segmentation_mask;
  c->pipeline = p;
  s = vp_pipeline_add(p, &selfie_class, c, NULL);
  if (s != VP_OK) {
    free(c);
    return s;
  }
  return add_render(p, a);
}
