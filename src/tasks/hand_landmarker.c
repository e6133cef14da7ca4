/*
 * Hand landmarker, as MediaPipe Tasks' HandLandmarkerGraph
 * (mediapipe/tasks/cc/vision/hand_landmarker/hand_landmarker_graph.cc):
 *
 *   palm detector (hand_detector_graph.cc): whole frame letterboxed into
 *   192×192, zero border, [0,1]; SSD anchors (4 layers, strides 8,16,16,16,
 *   2016 anchors); 7-keypoint decode; weighted NMS 0.3; projection back;
 *   rect from keypoints 0→2 with target angle 90 — set through the *radians*
 *   field in Tasks, so the rect is turned by 90 rad, kept here on purpose
 *   because MediaPipe's results (and our reference) come from it; rect
 *   transformation 2.6×2.6, shift_y −0.5, square_long; first num_hands rects.
 *
 *   landmarks (hand_landmarks_detector_graph.cc): rotated crop 224×224,
 *   replicated border, [0,1]; outputs landmarks (21×3), presence, handedness,
 *   world landmarks; presence > min_hand_presence_confidence
 *   (ThresholdingCalculator is strict); x/224, y/224, z/224/0.4; projection
 *   by the ROI; next ROI = HandLandmarksToRect, then 2.0×2.0, shift_y −0.1,
 *   square_long.
 *
 *   VIDEO/LIVE: the previous frame's rects are kept first
 *   (HandAssociationCalculator); the palm detector runs only while fewer than
 *   num_hands are tracked; its rects join when their IoU with every kept rect
 *   is <= min_tracking_confidence; then clipped to num_hands. Duplicates are
 *   removed after the landmarks (HandLandmarksDeduplicationCalculator), and
 *   the survivors' rects are tracked into the next frame. vpipe's extra
 *   box-overlap duplicate rule (remove_overlapping) is off by default, as
 *   MediaPipe keeps (and tracks) such doubled hands.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tasks/body_calc.h"
#include "tasks/body_common.h"
#include "tasks/task_common.h"
#include "tasks/calc.h"

#define MAX_HANDS 16
#define PALM_ANCHORS 2016
#define PALM_KEYPOINTS 7

struct vp_hand_landmarker {
  vp_hand_landmarker_options opt;
  vp__net palm, lm;
  vp__anchor *anchors;
  int32_t num_anchors;
  vp__detection *dets, *nms;

  /* tracking state (VIDEO/LIVE) */
  vp_norm_rect track[MAX_HANDS];
  int64_t track_id[MAX_HANDS];
  int32_t num_track;
  int64_t next_id;
  int32_t since_detect; /* frames since the detector last ran (VIDEO/LIVE) */
  int64_t last_ts;
  bool have_ts;

  vp_hand hands[MAX_HANDS];
  vp_norm_rect next_rect[MAX_HANDS];
  vp_hand_landmarker_result result;
  vp_task_timings timings;
};

vp_hand_landmarker_options vp_hand_landmarker_options_default(void) {
  vp_hand_landmarker_options o;
  memset(&o, 0, sizeof(o));
  o.struct_size = sizeof(o);
  o.running_mode = VP_RUNNING_MODE_IMAGE;
  o.model = VP_MODEL_FULL;
  o.num_hands = 1;
  o.min_hand_detection_confidence = 0.5f;
  o.min_hand_presence_confidence = 0.5f;
  o.min_tracking_confidence = 0.5f;
  o.remove_duplicates = true;
  o.num_threads = 1;
  o.detector_interval = 1;
  return o;
}

static bool in_unit(float v) { return v >= 0.0f && v <= 1.0f; }

vp_status vp_hand_landmarker_create(const vp_hand_landmarker_options *options,
                                    vp_hand_landmarker **out) {
  vp_hand_landmarker_options o = options ? *options : vp_hand_landmarker_options_default();
  if (!out) return vp__error(VP_EINVAL, "hand landmarker: out is NULL");
  if (o.struct_size != sizeof(o))
    return vp__error(VP_EINVAL, "hand landmarker options: struct_size %u, expected %zu "
                     "(use vp_hand_landmarker_options_default())", o.struct_size, sizeof(o));
  if (o.num_hands < 1 || o.num_hands > MAX_HANDS)
    return vp__error(VP_EINVAL, "hand landmarker: num_hands %d not in 1..%d", (int)o.num_hands,
                     MAX_HANDS);
  if (!in_unit(o.min_hand_detection_confidence) || !in_unit(o.min_hand_presence_confidence) ||
      !in_unit(o.min_tracking_confidence))
    return vp__error(VP_EINVAL, "hand landmarker: confidences must be in [0, 1]");
  if (o.model != VP_MODEL_LITE && o.model != VP_MODEL_FULL)
    return vp__error(VP_EINVAL, "hand landmarker: model must be lite or full");
  if (o.detector_interval < 1 || o.detector_interval > 1000)
    return vp__error(VP_EINVAL, "hand landmarker: detector_interval %d not in 1..1000",
                     (int)o.detector_interval);
  if (o.running_mode < VP_RUNNING_MODE_IMAGE || o.running_mode > VP_RUNNING_MODE_LIVE)
    return vp__error(VP_EINVAL, "hand landmarker: bad running mode %d", (int)o.running_mode);
  if (o.running_mode == VP_RUNNING_MODE_LIVE && !o.result_callback)
    return vp__error(VP_EINVAL, "hand landmarker: LIVE mode needs a result_callback");
  vp_status pst = vp__task_check_precision("hand landmarker", o.precision);
  if (pst != VP_OK) return pst;

  vp_hand_landmarker *h = calloc(1, sizeof(*h));
  if (!h) return vp__error(VP_ENOMEM, "hand landmarker: out of memory");
  h->opt = o;
  h->next_id = 1;
  const bool lite = o.model == VP_MODEL_LITE;
  vp_status st = vp__net_open(&h->palm, "palm detection",
                              lite ? "palm_detection_lite" : "palm_detection_full",
                              o.palm_model_path, o.models_dir, o.num_threads, o.pool,
                              o.precision, 2, 0);
  if (st == VP_OK)
    st = vp__net_open(&h->lm, "hand landmark", lite ? "hand_landmark_lite" : "hand_landmark_full",
                      o.landmark_model_path, o.models_dir, o.num_threads, o.pool, o.precision, 4, 0);
  if (st == VP_OK && (vp__net_output_size(&h->palm, 0) != PALM_ANCHORS * 18 ||
                      vp__net_output_size(&h->palm, 1) != PALM_ANCHORS))
    st = vp__error(VP_ESHAPE, "palm detection model: expected outputs [1,2016,18] and [1,2016,1]");
  if (st == VP_OK && (vp__net_output_size(&h->lm, 0) != 63 || vp__net_output_size(&h->lm, 1) != 1 ||
                      vp__net_output_size(&h->lm, 2) != 1 || vp__net_output_size(&h->lm, 3) != 63))
    st = vp__error(VP_ESHAPE, "hand landmark model: expected outputs 63, 1, 1, 63 floats");
  if (st != VP_OK) {
    vp_hand_landmarker_destroy(h);
    return st;
  }

  /* SsdAnchorsCalculator options of hand_detector_graph.cc ConfigureSsdAnchorsCalculator. */
  vp__ssd_anchor_options ao = vp__ssd_anchor_options_default();
  ao.input_width = ao.input_height = 192;
  ao.min_scale = 0.1484375f;
  ao.max_scale = 0.75f;
  ao.anchor_offset_x = ao.anchor_offset_y = 0.5f;
  ao.num_layers = 4;
  ao.strides[0] = 8;
  ao.strides[1] = ao.strides[2] = ao.strides[3] = 16;
  ao.num_aspect_ratios = 1;
  ao.aspect_ratios[0] = 1.0f;
  ao.fixed_anchor_size = true;
  h->anchors = malloc(sizeof(vp__anchor) * PALM_ANCHORS);
  h->dets = malloc(sizeof(vp__detection) * PALM_ANCHORS);
  h->nms = malloc(sizeof(vp__detection) * PALM_ANCHORS);
  if (!h->anchors || !h->dets || !h->nms) {
    vp_hand_landmarker_destroy(h);
    return vp__error(VP_ENOMEM, "hand landmarker: out of memory");
  }
  st = vp__ssd_anchors_generate(&ao, h->anchors, PALM_ANCHORS, &h->num_anchors);
  if (st == VP_OK && h->num_anchors != PALM_ANCHORS)
    st = vp__error(VP_ESHAPE, "palm anchors: %d, expected 2016", (int)h->num_anchors);
  if (st != VP_OK) {
    vp_hand_landmarker_destroy(h);
    return st;
  }
  *out = h;
  return VP_OK;
}

void vp_hand_landmarker_destroy(vp_hand_landmarker *h) {
  if (!h) return;
  vp__net_close(&h->palm);
  vp__net_close(&h->lm);
  free(h->anchors);
  free(h->dets);
  free(h->nms);
  free(h);
}

/* Palm detection: fills @p rects with up to num_hands hand rects. */
static vp_status detect_palms(vp_hand_landmarker *h, const vp_frame *f, vp_norm_rect *rects,
                              int32_t *count) {
  const int32_t W = f->width, H = f->height;
  float pad[4];
  const vp_norm_rect whole = vp__whole_frame();
  int64_t t0 = vp_time_ns();
  vp_status st = vp__net_crop(&h->palm, f, &whole, true, true, 0.0f, 1.0f, pad, NULL);
  if (st != VP_OK) return st;
  int64_t t1 = vp_time_ns();
  st = vp_session_run(h->palm.session);
  if (st != VP_OK) return st;
  int64_t t2 = vp_time_ns();
  h->timings.preprocess_ns += t1 - t0;
  h->timings.inference_ns += t2 - t1;
  h->timings.detector_runs++;

  /* TensorsToDetectionsCalculator options of hand_detector_graph.cc. */
  vp__decode_options d;
  memset(&d, 0, sizeof(d));
  d.num_classes = 1;
  d.num_boxes = PALM_ANCHORS;
  d.num_coords = 18;
  d.box_coord_offset = 0;
  d.keypoint_coord_offset = 4;
  d.num_keypoints = PALM_KEYPOINTS;
  d.num_values_per_keypoint = 2;
  d.sigmoid_score = true;
  d.score_clipping_thresh = 100.0f;
  d.has_score_clipping_thresh = true;
  d.reverse_output_order = true;
  d.min_score_thresh = h->opt.min_hand_detection_confidence;
  d.has_min_score_thresh = true;
  d.x_scale = d.y_scale = d.w_scale = d.h_scale = 192.0f;
  int32_t nd = 0, nn = 0;
  st = vp__decode_detections(&d, vp_session_output(h->palm.session, 0),
                             vp_session_output(h->palm.session, 1), h->anchors, h->num_anchors,
                             h->dets, PALM_ANCHORS, &nd);
  if (st != VP_OK) return st;
  vp__nms_options no = vp__nms_options_default();
  no.algorithm = VP__NMS_WEIGHTED;
  no.min_suppression_threshold = 0.3f;
  st = vp__nms(&no, h->dets, nd, h->nms, PALM_ANCHORS, &nn);
  if (st != VP_OK) return st;

  vp__rect_transform rt = vp__rect_transform_default();
  rt.scale_x = rt.scale_y = 2.6f;
  rt.shift_y = -0.5f;
  rt.square_long = true;
  int32_t n = 0;
  for (int32_t i = 0; i < nn && n < h->opt.num_hands; i++) {
    vp__detection *det = &h->nms[i];
    vp__letterbox_remove_detection(pad, det);
    /* rotation_vector_target_angle(90): radians, as Tasks sets it. */
    vp__detection_to_rect(det, 0, 2, 90.0f, W, H, &rects[n]);
    vp__rect_transform_apply(&rt, W, H, &rects[n]);
    n++;
  }
  *count = n;
  h->timings.postprocess_ns += vp_time_ns() - t2;
  return VP_OK;
}

/* The next frame's ROI from a hand's landmarks (hand_landmarks_detector_graph.cc:
 * HandLandmarksToRect, then 2.0x2.0, shift_y -0.1, square_long). */
static void next_roi(const vp_landmark *lms, int32_t W, int32_t H, vp_norm_rect *next) {
  vp__hand_landmarks_to_rect(lms, W, H, next);
  vp__rect_transform rt = vp__rect_transform_default();
  rt.scale_x = rt.scale_y = 2.0f;
  rt.shift_y = -0.1f;
  rt.square_long = true;
  vp__rect_transform_apply(&rt, W, H, next);
}

void vp__hand_landmarker_track_from(vp_hand_landmarker *h, const vp_landmark *const *hands,
                                    int32_t n, int32_t image_w, int32_t image_h) {
  if (n > h->opt.num_hands) n = h->opt.num_hands;
  for (int32_t i = 0; i < n; i++) {
    next_roi(hands[i], image_w, image_h, &h->track[i]);
    h->track_id[i] = h->next_id++;
  }
  h->num_track = n;
}

/* Hand landmarks in @p roi. *ok is false when the presence is too low. */
static vp_status hand_in_roi(vp_hand_landmarker *h, const vp_frame *f, const vp_norm_rect *roi,
                             vp_hand *hand, vp_norm_rect *next, bool *ok) {
  const int32_t W = f->width, H = f->height;
  *ok = false;
  if (!(roi->width > 0.0f) || !(roi->height > 0.0f)) return VP_OK;
  int64_t t0 = vp_time_ns();
  vp_status st = vp__net_crop(&h->lm, f, roi, false, false, 0.0f, 1.0f, NULL, NULL);
  if (st != VP_OK) return st;
  int64_t t1 = vp_time_ns();
  st = vp_session_run(h->lm.session);
  if (st != VP_OK) return st;
  int64_t t2 = vp_time_ns();
  h->timings.preprocess_ns += t1 - t0;
  h->timings.inference_ns += t2 - t1;
  h->timings.landmark_runs++;

  const float presence = vp_session_output(h->lm.session, 1)[0];
  if ((double)presence > (double)h->opt.min_hand_presence_confidence) {
    hand->presence = presence;
    vp__hand_handedness(vp_session_output(h->lm.session, 2)[0], &hand->handedness,
                        &hand->handedness_score);
    vp__tensor_to_landmarks(vp_session_output(h->lm.session, 0), VP_HAND_LANDMARK_COUNT, 3,
                            h->lm.in_w, h->lm.in_h, 0.4f, false, hand->landmarks);
    vp__landmarks_project(roi, hand->landmarks, VP_HAND_LANDMARK_COUNT);
    /* World landmarks: unscaled (TensorsToLandmarks without input size), then rotated. */
    const float *w = vp_session_output(h->lm.session, 3);
    for (int i = 0; i < VP_HAND_LANDMARK_COUNT; i++) {
      vp_landmark *l = &hand->world_landmarks[i];
      l->x = w[3 * i];
      l->y = w[3 * i + 1];
      l->z = w[3 * i + 2];
      l->visibility = l->presence = 0.0f;
    }
    vp__world_landmarks_project(roi, hand->world_landmarks, VP_HAND_LANDMARK_COUNT);
    hand->roi = *roi;

    next_roi(hand->landmarks, W, H, next);
    *ok = true;
  }
  h->timings.postprocess_ns += vp_time_ns() - t2;
  return VP_OK;
}

static vp_status process(vp_hand_landmarker *h, const vp_frame *f, int64_t ts, bool track) {
  if (!f || f->width < 1 || f->height < 1)
    return vp__error(VP_EINVAL, "hand landmarker: empty frame");
  memset(&h->timings, 0, sizeof(h->timings));
  vp_norm_rect rects[2 * MAX_HANDS], det[MAX_HANDS];
  int64_t ids[2 * MAX_HANDS];
  int32_t nr = 0, nd = 0;
  vp_status st;
  if (track) {
    /* MediaPipe runs the detector whenever fewer than num_hands are tracked;
     * detector_interval > 1 thins that while something is tracked. */
    const bool due = h->num_track == 0 || ++h->since_detect >= h->opt.detector_interval;
    if (h->num_track < h->opt.num_hands && due) {
      h->since_detect = 0;
      st = detect_palms(h, f, det, &nd);
      if (st != VP_OK) return st;
    }
    nr = vp__hand_association(h->track, h->track_id, h->num_track, det, nd,
                              h->opt.min_tracking_confidence, &h->next_id, rects, ids,
                              h->opt.num_hands);
  } else {
    st = detect_palms(h, f, rects, &nr);
    if (st != VP_OK) return st;
    for (int32_t i = 0; i < nr; i++) ids[i] = 0;
  }

  int32_t n = 0;
  int64_t hand_ids[MAX_HANDS];
  for (int32_t i = 0; i < nr; i++) {
    bool ok;
    st = hand_in_roi(h, f, &rects[i], &h->hands[n], &h->next_rect[n], &ok);
    if (st != VP_OK) return st;
    if (ok) hand_ids[n++] = ids[i];
  }

  /* HandLandmarksDeduplicationCalculator, then the survivors are tracked. */
  bool sup[MAX_HANDS] = {false};
  if (h->opt.remove_duplicates && n > 1) {
    const vp_landmark *lms[MAX_HANDS];
    for (int32_t i = 0; i < n; i++) lms[i] = h->hands[i].landmarks;
    vp__hand_dedup(lms, n, f->width, f->height, h->opt.remove_overlapping, sup);
  }
  int32_t k = 0;
  for (int32_t i = 0; i < n; i++) {
    if (sup[i]) continue;
    if (k != i) {
      h->hands[k] = h->hands[i];
      h->next_rect[k] = h->next_rect[i];
    }
    h->hands[k].id = track ? hand_ids[i] : 0;
    k++;
  }
  if (track) {
    for (int32_t i = 0; i < k; i++) {
      h->track[i] = h->next_rect[i];
      h->track_id[i] = h->hands[i].id;
    }
    h->num_track = k;
  }
  h->result.count = k;
  h->result.hands = h->hands;
  h->result.timestamp_ns = ts;
  return VP_OK;
}

vp_status vp_hand_landmarker_detect(vp_hand_landmarker *h, const vp_frame *frame,
                                    const vp_hand_landmarker_result **out) {
  if (!h || !out) return vp__error(VP_EINVAL, "hand landmarker: NULL argument");
  if (h->opt.running_mode != VP_RUNNING_MODE_IMAGE)
    return vp__error(VP_ESTATE, "hand landmarker: detect() needs IMAGE mode");
  vp_status st = process(h, frame, 0, false);
  if (st == VP_OK) *out = &h->result;
  return st;
}

static vp_status check_ts(vp_hand_landmarker *h, int64_t ts) {
  if (h->have_ts && ts <= h->last_ts)
    return vp__error(VP_EINVAL, "hand landmarker: timestamp %lld ns is not after %lld ns",
                     (long long)ts, (long long)h->last_ts);
  h->have_ts = true;
  h->last_ts = ts;
  return VP_OK;
}

vp_status vp_hand_landmarker_detect_for_video(vp_hand_landmarker *h, const vp_frame *frame,
                                              int64_t timestamp_ns,
                                              const vp_hand_landmarker_result **out) {
  if (!h || !out) return vp__error(VP_EINVAL, "hand landmarker: NULL argument");
  if (h->opt.running_mode != VP_RUNNING_MODE_VIDEO)
    return vp__error(VP_ESTATE, "hand landmarker: detect_for_video() needs VIDEO mode");
  if (!frame || frame->width < 1 || frame->height < 1)
    return vp__error(VP_EINVAL, "hand landmarker: empty frame");
  vp_status st = check_ts(h, timestamp_ns);
  if (st == VP_OK) st = process(h, frame, timestamp_ns, true);
  if (st == VP_OK) *out = &h->result;
  return st;
}

vp_status vp_hand_landmarker_detect_async(vp_hand_landmarker *h, const vp_frame *frame,
                                          int64_t timestamp_ns) {
  if (!h) return vp__error(VP_EINVAL, "hand landmarker: NULL argument");
  if (h->opt.running_mode != VP_RUNNING_MODE_LIVE)
    return vp__error(VP_ESTATE, "hand landmarker: detect_async() needs LIVE mode");
  if (!frame || frame->width < 1 || frame->height < 1)
    return vp__error(VP_EINVAL, "hand landmarker: empty frame");
  vp_status st = check_ts(h, timestamp_ns);
  if (st == VP_OK) st = process(h, frame, timestamp_ns, true);
  h->opt.result_callback(h->opt.user, st, st == VP_OK ? &h->result : NULL, frame);
  return st;
}

void vp_hand_landmarker_timings(const vp_hand_landmarker *h, vp_task_timings *out) {
  if (h && out) *out = h->timings;
}
