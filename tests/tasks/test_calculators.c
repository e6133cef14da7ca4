/* Unit tests of the shared MediaPipe calculators, with hand-computed cases. */
#include <math.h>

#include "common/check.h"
#include "tasks/calc.h"
#include "tasks/face_refinement.h"

static void test_anchors(void) {
  /* Face short range (face_detection_short_range_common.pbtxt): 16·16·2 + 8·8·6 = 896. */
  vp__ssd_anchor_options o = vp__ssd_anchor_options_default();
  o.input_width = o.input_height = 128;
  o.min_scale = 0.1484375f;
  o.max_scale = 0.75f;
  o.num_layers = 4;
  o.strides[0] = 8; o.strides[1] = 16; o.strides[2] = 16; o.strides[3] = 16;
  o.fixed_anchor_size = true;
  CHECK_INT_EQ(vp__ssd_anchor_count(&o), 896);
  vp__anchor a[2304];
  int32_t n = 0;
  CHECK_STATUS(vp__ssd_anchors_generate(&o, a, 2304, &n), VP_OK);
  CHECK_INT_EQ(n, 896);
  CHECK_NEAR(a[0].x_center, 0.5 / 16, 1e-7);
  CHECK_NEAR(a[1].x_center, 0.5 / 16, 1e-7); /* two anchors per cell */
  CHECK_NEAR(a[2].x_center, 1.5 / 16, 1e-7);
  CHECK_NEAR(a[32].y_center, 1.5 / 16, 1e-7); /* second row */
  CHECK_NEAR(a[0].w, 1.0, 0);
  CHECK_NEAR(a[512].x_center, 0.5 / 8, 1e-7); /* merged stride-16 layers: 6 per cell */
  CHECK_NEAR(a[517].x_center, 0.5 / 8, 1e-7);
  CHECK_NEAR(a[518].x_center, 1.5 / 8, 1e-7);
  CHECK_NEAR(a[895].y_center, 7.5 / 8, 1e-7);
  CHECK_STATUS(vp__ssd_anchors_generate(&o, a, 100, &n), VP_ERANGE);

  /* Full range: one layer, stride 4, no interpolated anchor: 48·48. */
  o.input_width = o.input_height = 192;
  o.num_layers = 1;
  o.strides[0] = 4;
  o.interpolated_scale_aspect_ratio = 0.0f;
  CHECK_INT_EQ(vp__ssd_anchor_count(&o), 2304);
  CHECK_STATUS(vp__ssd_anchors_generate(&o, a, 2304, &n), VP_OK);
  CHECK_NEAR(a[1].x_center, 1.5 / 48, 1e-7);
  CHECK_NEAR(a[48].y_center, 1.5 / 48, 1e-7);

  /* Palm (palm_detection_cpu.pbtxt): 24·24·2 + 12·12·6 = 2016; pose: 2254. */
  o = vp__ssd_anchor_options_default();
  o.input_width = o.input_height = 192; o.min_scale = 0.1484375f; o.max_scale = 0.75f;
  o.num_layers = 4; o.strides[0] = 8; o.strides[1] = o.strides[2] = o.strides[3] = 16;
  o.fixed_anchor_size = true;
  CHECK_INT_EQ(vp__ssd_anchor_count(&o), 2016);
  o.input_width = o.input_height = 224; o.num_layers = 5;
  o.strides[0] = 8; o.strides[1] = 16; o.strides[2] = o.strides[3] = o.strides[4] = 32;
  CHECK_INT_EQ(vp__ssd_anchor_count(&o), 2254);

  /* Non-fixed sizes: one layer → scale (0.2 + 0.8)/2 = 0.5; ratios 1 and 2,
   * then the interpolated anchor sqrt(0.5·1). */
  o = vp__ssd_anchor_options_default();
  o.input_width = o.input_height = 16; o.min_scale = 0.2f; o.max_scale = 0.8f;
  o.num_layers = 1; o.strides[0] = 16;
  o.num_aspect_ratios = 2; o.aspect_ratios[0] = 1.0f; o.aspect_ratios[1] = 2.0f;
  CHECK_STATUS(vp__ssd_anchors_generate(&o, a, 16, &n), VP_OK);
  CHECK_INT_EQ(n, 3);
  CHECK_NEAR(a[0].w, 0.5, 1e-6);
  CHECK_NEAR(a[1].w, 0.5 * sqrt(2.0), 1e-6);
  CHECK_NEAR(a[1].h, 0.5 / sqrt(2.0), 1e-6);
  CHECK_NEAR(a[2].w, sqrt(0.5), 1e-6);
  CHECK_NEAR(a[0].x_center, 0.5, 0);

  o.num_layers = 0;
  CHECK(vp__ssd_anchor_count(&o) < 0);
}

static void test_decode(void) {
  vp__decode_options o = {0};
  o.num_classes = 1; o.num_boxes = 2; o.num_coords = 6;
  o.box_coord_offset = 0; o.keypoint_coord_offset = 4;
  o.num_keypoints = 1; o.num_values_per_keypoint = 2;
  o.x_scale = o.y_scale = o.w_scale = o.h_scale = 128;
  o.reverse_output_order = true; o.sigmoid_score = true;
  o.has_score_clipping_thresh = true; o.score_clipping_thresh = 100;
  o.has_min_score_thresh = true; o.min_score_thresh = 0.6f;
  const vp__anchor anchors[2] = {{0.5f, 0.5f, 1, 1}, {0.25f, 0.25f, 1, 1}};
  const float boxes[12] = {12.8f, -6.4f, 25.6f, 51.2f, 64, 0, /* second: */ 0, 0, 10, 10, 0, 0};
  const float scores[2] = {200.0f, 0.0f}; /* clipped to 100 → ~1; 0 → 0.5 < 0.6 */
  vp__detection d[2];
  int32_t n = -1;
  CHECK_STATUS(vp__decode_detections(&o, boxes, scores, anchors, 2, d, 2, &n), VP_OK);
  CHECK_INT_EQ(n, 1);
  CHECK_NEAR(d[0].score, 1.0, 1e-6);
  CHECK_NEAR(d[0].xmin, 0.5, 1e-6);    /* x_c 0.6, w 0.2 */
  CHECK_NEAR(d[0].ymin, 0.25, 1e-6);   /* y_c 0.45, h 0.4 */
  CHECK_NEAR(d[0].width, 0.2, 1e-6);
  CHECK_NEAR(d[0].height, 0.4, 1e-6);
  CHECK_NEAR(d[0].kp[0][0], 1.0, 1e-6);
  CHECK_NEAR(d[0].kp[0][1], 0.5, 1e-6);
  o.min_score_thresh = 0.5f; /* kept when equal */
  CHECK_STATUS(vp__decode_detections(&o, boxes, scores, anchors, 2, d, 2, &n), VP_OK);
  CHECK_INT_EQ(n, 2);
  CHECK_NEAR(d[1].score, 0.5, 1e-7);
  /* YXHW order: (y, x, h, w). */
  o.reverse_output_order = false;
  CHECK_STATUS(vp__decode_detections(&o, boxes, scores, anchors, 2, d, 2, &n), VP_OK);
  CHECK_NEAR(d[0].xmin, 0.25, 1e-6); /* x_c = 0.5 − 0.05, w = 51.2/128 = 0.4 */
  CHECK_NEAR(d[0].width, 0.4, 1e-6);
  CHECK_STATUS(vp__decode_detections(&o, boxes, scores, anchors, 1, d, 2, &n), VP_ESHAPE);
}

static vp__detection box(float x, float y, float w, float h, float s) {
  vp__detection d = {0};
  d.xmin = x; d.ymin = y; d.width = w; d.height = h; d.score = s;
  d.num_keypoints = 1; d.kp[0][0] = x; d.kp[0][1] = y;
  return d;
}

static void test_nms(void) {
  vp__detection in[3] = {box(0.1f, 0, 1, 1, 0.1f), box(5, 5, 1, 1, 0.5f), box(0, 0, 1, 1, 0.9f)};
  CHECK_NEAR(vp__box_iou(&in[0], &in[2]), 0.9 / 1.1, 1e-6);
  CHECK_NEAR(vp__box_iou(&in[0], &in[1]), 0, 0);
  vp__nms_options o = vp__nms_options_default();
  o.algorithm = VP__NMS_WEIGHTED;
  o.min_suppression_threshold = 0.3f;
  vp__detection out[3];
  int32_t n = 0;
  CHECK_STATUS(vp__nms(&o, in, 3, out, 3, &n), VP_OK);
  CHECK_INT_EQ(n, 2);
  CHECK_NEAR(out[0].score, 0.9, 1e-7);
  CHECK_NEAR(out[0].xmin, 0.01, 1e-6);   /* (0·0.9 + 0.1·0.1)/1.0 */
  CHECK_NEAR(out[0].width, 1.0, 1e-6);   /* (1·0.9 + 1.1·0.1)/1.0 − 0.01 */
  CHECK_NEAR(out[0].kp[0][0], 0.01, 1e-6);
  CHECK_NEAR(out[1].xmin, 5, 0);
  /* Threshold above the overlap: nothing merges. */
  o.min_suppression_threshold = 0.9f;
  CHECK_STATUS(vp__nms(&o, in, 3, out, 3, &n), VP_OK);
  CHECK_INT_EQ(n, 3);
  CHECK_NEAR(out[0].xmin, 0, 0);
  CHECK_NEAR(out[2].xmin, 0.1, 1e-7);
  /* DEFAULT: greedy, max 1. */
  o.algorithm = VP__NMS_DEFAULT;
  o.min_suppression_threshold = 0.3f;
  CHECK_STATUS(vp__nms(&o, in, 3, out, 3, &n), VP_OK);
  CHECK_INT_EQ(n, 2);
  CHECK_NEAR(out[0].xmin, 0, 0);
  CHECK_NEAR(out[1].xmin, 5, 0);
  o.max_num_detections = 1;
  CHECK_STATUS(vp__nms(&o, in, 3, out, 3, &n), VP_OK);
  CHECK_INT_EQ(n, 1);
  CHECK_STATUS(vp__nms(&o, in, 0, out, 3, &n), VP_OK);
  CHECK_INT_EQ(n, 0);
}

static void test_rects(void) {
  CHECK_NEAR(vp__normalize_radians((float)(1.5 * M_PI)), -0.5 * M_PI, 1e-6);
  CHECK_NEAR(vp__normalize_radians((float)M_PI), -M_PI, 1e-6); /* [−π, π) */
  CHECK_NEAR(vp__normalize_radians(0.25f), 0.25, 1e-7);
  /* 90 rad − π/2 (MEDIAPIPE-PARAMETERS palm note): 14·2π + 0.4646 */
  CHECK_NEAR(vp__normalize_radians((float)(90 - M_PI / 2)), 0.46459, 1e-4);

  vp__detection d = box(0.2f, 0.3f, 0.4f, 0.2f, 1);
  d.num_keypoints = 2;
  d.kp[0][0] = 0.3f; d.kp[0][1] = 0.4f;
  d.kp[1][0] = 0.5f; d.kp[1][1] = 0.4f;
  vp_norm_rect r;
  vp__detection_to_rect(&d, 0, 1, 0, 100, 200, &r);
  CHECK_NEAR(r.x_center, 0.4, 1e-6);
  CHECK_NEAR(r.y_center, 0.4, 1e-6);
  CHECK_NEAR(r.width, 0.4, 1e-6);
  CHECK_NEAR(r.rotation, 0, 1e-7);
  d.kp[1][0] = 0.3f; d.kp[1][1] = 0.5f; /* second point straight below → +π/2 */
  vp__detection_to_rect(&d, 0, 1, 0, 100, 200, &r);
  CHECK_NEAR(r.rotation, M_PI / 2, 1e-6);
  vp__detection_to_rect(&d, 0, 1, (float)(M_PI / 2), 100, 200, &r); /* palm-style target */
  CHECK_NEAR(r.rotation, -M_PI, 1e-6);

  /* Alignment points: centre at start, side 2·distance in pixels. */
  const float s[2] = {0.5f, 0.5f}, e[2] = {0.5f, 0.25f}; /* 50 px above in a 100x200 image */
  vp__alignment_points_to_rect(s, e, (float)(M_PI / 2), 100, 200, &r);
  CHECK_NEAR(r.width, 1.0, 1e-6);  /* 100 px / 100 */
  CHECK_NEAR(r.height, 0.5, 1e-6); /* 100 px / 200 */
  CHECK_NEAR(r.rotation, 0, 1e-6); /* upright: the vector points up */

  /* Landmarks → rect. */
  vp_landmark lm[3] = {{0.1f, 0.2f, 0, 0, 0}, {0.3f, 0.2f, 0, 0, 0}, {0.2f, 0.6f, 0, 0, 0}};
  vp__landmarks_to_rect(lm, 3, 0, 1, 0, 100, 100, &r);
  CHECK_NEAR(r.x_center, 0.2, 1e-6);
  CHECK_NEAR(r.y_center, 0.4, 1e-6);
  CHECK_NEAR(r.width, 0.2, 1e-6);
  CHECK_NEAR(r.height, 0.4, 1e-6);
  CHECK_NEAR(r.rotation, 0, 1e-7);

  /* Rect transformation. */
  vp__rect_transform t = vp__rect_transform_default();
  t.square_long = true;
  t.scale_x = t.scale_y = 1.5f;
  vp_norm_rect q = {0.5f, 0.5f, 0.2f, 0.05f, 0};
  vp__rect_transform_apply(&t, 100, 200, &q); /* 20 px × 10 px → 20 px square → ×1.5 */
  CHECK_NEAR(q.width, 0.3, 1e-6);
  CHECK_NEAR(q.height, 0.15, 1e-6);
  t = vp__rect_transform_default();
  t.square_short = true;
  q = (vp_norm_rect){0.5f, 0.5f, 0.2f, 0.05f, 0};
  vp__rect_transform_apply(&t, 100, 200, &q);
  CHECK_NEAR(q.width, 0.1, 1e-6);
  CHECK_NEAR(q.height, 0.05, 1e-6);
  t = vp__rect_transform_default();
  t.shift_y = -0.5f;
  q = (vp_norm_rect){0.5f, 0.5f, 0.2f, 0.1f, 0};
  vp__rect_transform_apply(&t, 100, 200, &q);
  CHECK_NEAR(q.y_center, 0.45, 1e-6);
  q = (vp_norm_rect){0.5f, 0.5f, 0.2f, 0.1f, (float)(M_PI / 2)};
  vp__rect_transform_apply(&t, 100, 200, &q); /* shift rotated: (200·0.1·0.5)/100 = +0.1 in x */
  CHECK_NEAR(q.x_center, 0.6, 1e-6);
  CHECK_NEAR(q.y_center, 0.5, 1e-6);
}

static void test_letterbox_projection(void) {
  float w = 640, h = 480, pad[4];
  vp__letterbox_pad_roi(128, 128, &w, &h, pad);
  CHECK_NEAR(h, 640, 0);
  CHECK_NEAR(pad[1], 0.125, 1e-7);
  CHECK_NEAR(pad[0], 0, 0);
  w = 480; h = 640;
  vp__letterbox_pad_roi(128, 128, &w, &h, pad);
  CHECK_NEAR(w, 640, 1e-4);
  CHECK_NEAR(pad[0], 0.125, 1e-7);
  vp__detection d = box(0.25f, 0.125f, 0.5f, 0.375f, 1);
  const float p2[4] = {0, 0.125f, 0, 0.125f};
  vp__letterbox_remove_detection(p2, &d);
  CHECK_NEAR(d.ymin, 0, 1e-7);
  CHECK_NEAR(d.height, 0.5, 1e-7);
  CHECK_NEAR(d.kp[0][1], 0, 1e-7);

  vp_norm_rect roi = {0.5f, 0.5f, 0.5f, 0.5f, (float)(M_PI / 2)};
  vp_landmark lm = {1.0f, 0.5f, 0.2f, 0, 0};
  vp__landmarks_project(&roi, &lm, 1);
  CHECK_NEAR(lm.x, 0.5, 1e-6);
  CHECK_NEAR(lm.y, 0.75, 1e-6);
  CHECK_NEAR(lm.z, 0.1, 1e-6);
  vp_landmark wl = {1.0f, 0.0f, 0.3f, 0, 0};
  vp__world_landmarks_project(&roi, &wl, 1);
  CHECK_NEAR(wl.x, 0, 1e-6);
  CHECK_NEAR(wl.y, 1, 1e-6);
  CHECK_NEAR(wl.z, 0.3, 1e-7);

  /* Detection projection through an axis-aligned ROI equals letterbox removal. */
  vp_norm_rect r2 = {0.5f, 0.5f, 1.0f, 640.0f / 480.0f, 0};
  vp__detection e = box(0.25f, 0.125f, 0.5f, 0.375f, 1);
  vp__detection_project(&r2, 640, 480, &e);
  CHECK_NEAR(e.ymin, 0, 1e-6);
  CHECK_NEAR(e.height, 0.5, 1e-6);

  const float raw[5] = {96, 48, 19.2f, 0, 100};
  vp_landmark t;
  vp__tensor_to_landmarks(raw, 1, 5, 192, 96, 0.4f, true, &t);
  CHECK_NEAR(t.x, 0.5, 1e-7);
  CHECK_NEAR(t.y, 0.5, 1e-7);
  CHECK_NEAR(t.z, 0.25, 1e-6);
  CHECK_NEAR(t.visibility, 0.5, 1e-7);
  CHECK_NEAR(t.presence, 1, 1e-6);
}

static void test_one_euro(void) {
  vp__one_euro f;
  vp__one_euro_init(&f, 30, 1.0, 0.0, 1.0);
  CHECK_NEAR(vp__one_euro_apply(&f, 1000000000, 1.0, 10.0), 10.0, 0);
  /* Δt 0.1 s → frequency 10; alpha(1) = 1/(1 + (1/2π)/0.1) */
  const double a = 1.0 / (1.0 + (1.0 / (2 * M_PI)) / 0.1);
  CHECK_NEAR(vp__one_euro_apply(&f, 1100000000, 1.0, 20.0), a * 20 + (1 - a) * 10, 1e-9);
  CHECK_NEAR(a, 0.385869, 1e-6);
  /* A timestamp that does not advance returns the value unfiltered. */
  CHECK_NEAR(vp__one_euro_apply(&f, 1100000000, 1.0, 50.0), 50.0, 0);
  /* beta raises the cutoff with speed: less lag. */
  vp__one_euro g;
  vp__one_euro_init(&g, 30, 1.0, 1.0, 1.0);
  vp__one_euro_apply(&g, 1000000000, 1.0, 10.0);
  const double dv = (20.0 - 10.0) * 10.0; /* value_scale 1, frequency 10 */
  const double ad = a;                     /* derivate cutoff 1 */
  const double ed = ad * dv;               /* dx starts at 0 (first value passes) */
  (void)ed;
  /* The derivative filter's first value passes unfiltered: ed = 0 at first,
   * then ad·dv + (1 − ad)·0. */
  const double cutoff = 1.0 + fabs(ad * dv + (1 - ad) * 0.0);
  const double ac = 1.0 / (1.0 + (1.0 / (2 * M_PI * cutoff)) / 0.1);
  CHECK_NEAR(vp__one_euro_apply(&g, 1100000000, 1.0, 20.0), ac * 20 + (1 - ac) * 10, 1e-9);

  /* Landmark smoother: filters pixels; object scale from the ROI. */
  vp__smoothing_options so = vp__smoothing_options_default();
  vp__landmark_smoother sm;
  vp__landmark_smoother_init(&sm, &so);
  vp_landmark lm = {0.1f, 0.2f, 0, 0, 0};
  vp_norm_rect roi = {0.5f, 0.5f, 0.5f, 0.5f, 0};
  CHECK_STATUS(vp__landmark_smoother_apply(&sm, &lm, 1, 100, 100, &roi, 1000000000), VP_OK);
  CHECK_NEAR(lm.x, 0.1, 1e-7);
  lm.x = 0.2f;
  CHECK_STATUS(vp__landmark_smoother_apply(&sm, &lm, 1, 100, 100, &roi, 1100000000), VP_OK);
  CHECK_NEAR(lm.x, (a * 20 + (1 - a) * 10) / 100, 1e-6);
  CHECK_INT_EQ(sm.n, 1);
  CHECK_STATUS(vp__landmark_smoother_apply(&sm, &lm, 0, 100, 100, &roi, 1200000000), VP_OK);
  CHECK_INT_EQ(sm.n, 0); /* reset on empty */
  /* Tiny object: passes unfiltered. */
  vp_norm_rect tiny = {0.5f, 0.5f, 0, 0, 0};
  lm.x = 0.3f;
  CHECK_STATUS(vp__landmark_smoother_apply(&sm, &lm, 1, 100, 100, &tiny, 1300000000), VP_OK);
  CHECK_NEAR(lm.x, 0.3, 1e-7);
  vp__landmark_smoother_free(&sm);
}

static void test_association(void) {
  vp_norm_rect a = {0.3f, 0.3f, 0.2f, 0.2f, 0};
  vp_norm_rect a2 = {0.31f, 0.3f, 0.2f, 0.2f, 0.5f};
  vp_norm_rect b = {0.8f, 0.8f, 0.1f, 0.1f, 0};
  CHECK_NEAR(vp__rect_iou(&a, &a), 1, 1e-6);
  CHECK_NEAR(vp__rect_iou(&a, &a2), 0.19 * 0.2 / (0.08 - 0.19 * 0.2), 1e-5);
  vp_norm_rect out[4];
  int32_t idx[4];
  const vp_norm_rect second[2] = {a2, b};
  int32_t n = vp__associate_rects(&a, 1, second, 2, 0.5f, out, idx);
  CHECK_INT_EQ(n, 2);
  CHECK_INT_EQ(idx[0], 1); /* a2 replaced a */
  CHECK_INT_EQ(idx[1], 2);
  CHECK_NEAR(out[0].rotation, 0.5, 0);
  n = vp__associate_rects(&a, 1, second, 2, 0.95f, out, idx); /* high threshold: all kept */
  CHECK_INT_EQ(n, 3);
}

static void test_face_refinement(void) {
  /* tensors_to_face_landmarks_with_attention.pbtxt: lips/eyes overwrite x, y
   * of listed mesh points (z kept); irises go to 468.. and 473.. with z = the
   * mean z of the 16 eye-contour points. */
  static vp_landmark lm[478];
  for (int i = 0; i < 468; i++) lm[i] = (vp_landmark){0.5f, 0.5f, (float)i / 1000.0f, 0, 0};
  float lips[160], leye[142], reye[142], liris[10], riris[10];
  for (int i = 0; i < 160; i++) lips[i] = 19.2f;  /* → 0.1 */
  for (int i = 0; i < 142; i++) leye[i] = 38.4f;  /* → 0.2 */
  for (int i = 0; i < 142; i++) reye[i] = 57.6f;  /* → 0.3 */
  for (int i = 0; i < 10; i++) liris[i] = 96.0f;  /* → 0.5 */
  for (int i = 0; i < 10; i++) riris[i] = 192.0f; /* → 1.0 */
  vp__face_refine_landmarks(lips, leye, reye, liris, riris, lm);
  CHECK_NEAR(lm[61].x, 0.1, 1e-6);   /* first lip point */
  CHECK_NEAR(lm[61].z, 0.061, 1e-7); /* z kept */
  CHECK_NEAR(lm[407].y, 0.1, 1e-6);  /* last lip point */
  CHECK_NEAR(lm[33].x, 0.2, 1e-6);   /* first left-eye point */
  CHECK_NEAR(lm[193].x, 0.2, 1e-6);  /* last left-eye point */
  CHECK_NEAR(lm[263].x, 0.3, 1e-6);  /* first right-eye point */
  CHECK_NEAR(lm[1].x, 0.5, 0);       /* untouched */
  CHECK_NEAR(lm[468].x, 0.5, 1e-6);
  CHECK_NEAR(lm[477].y, 1.0, 1e-6);
  /* left eye contour: 33 7 163 144 145 153 154 155 133 246 161 160 159 158 157 173 */
  const int le[16] = {33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173};
  double z = 0;
  for (int i = 0; i < 16; i++) z += le[i] / 1000.0;
  CHECK_NEAR(lm[468].z, z / 16, 1e-6);
  CHECK_NEAR(lm[472].z, z / 16, 1e-6);
  const int re[16] = {263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398};
  z = 0;
  for (int i = 0; i < 16; i++) z += re[i] / 1000.0;
  CHECK_NEAR(lm[473].z, z / 16, 1e-6);
}

int main(void) {
  test_face_refinement();
  test_anchors();
  test_decode();
  test_nms();
  test_rects();
  test_letterbox_projection();
  test_one_euro();
  test_association();
  return TEST_EXIT();
}
