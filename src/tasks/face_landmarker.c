/* Face landmarker: MediaPipe's face mesh (468 points, or 478 refined) with
 * tracking (layer: tasks).
 *
 * Follows the legacy face mesh graph (mediapipe/modules/face_landmark/):
 * - face_landmark_front_cpu.pbtxt: the detector runs only when fewer than
 *   num_faces faces are tracked from the previous frame (always in IMAGE
 *   mode); its detections are clipped to num_faces
 *   (ClipDetectionVectorSizeCalculator); detection rects and previous rects are
 *   merged by AssociationNormRectCalculator with min_similarity_threshold 0.5
 *   (previous rects win);
 * - face_detection_front_detection_to_roi.pbtxt: ROI from a detection =
 *   DetectionsToRects with keypoints 0 → 1 (eyes), target angle 0, then
 *   RectTransformation scale 1.5 × 1.5, square_long;
 * - sampling: the legacy solution crops on its GPU path even with CPU
 *   inference (texture sampling, pixel centres to pixel centres); we default
 *   to that sampling (VP_SAMPLING_PIXEL_CENTERS), which matches its results to
 *   ~1e-4, and offer the Tasks CPU path as an option;
 * - face_landmark_cpu.pbtxt: ImageToTensor 192×192, range [0, 1], no
 *   keep_aspect_ratio, border unset (replicate); the face flag through a
 *   sigmoid is the presence, compared with the threshold (legacy: the
 *   tracking confidence); TensorsToLandmarks with 468 landmarks, input 192×192
 *   (z / 192); LandmarkProjection through the ROI;
 * - tensors_to_face_landmarks_with_attention.pbtxt for the 478-point model
 *   (face_refinement.c);
 * - face_landmark_landmarks_to_roi.pbtxt: next frame's ROI = landmarks' extent
 *   with rotation from landmark 33 → 133, target 0, scale 1.5, square_long.
 * Smoothing (our addition for every face; parameters of the Tasks face
 * landmarker, mediapipe/tasks/cc/vision/face_landmarker/face_landmarks_detector_graph.cc
 * ConfigureLandmarksSmoothingCalculator): One Euro min_cutoff 0.05, beta 80,
 * derivate_cutoff 1.0, object scale from the ROI, in VIDEO/LIVE mode. The
 * tracking ROI is computed from the unsmoothed landmarks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/warp.h"
#include "tasks/calc.h"
#include "tasks/face_internal.h"
#include "tasks/face_refinement.h"
#include "tasks/task_common.h"
#include "vpipe/model.h"

#define LM_INPUT 192
#define ASSOCIATION_THRESHOLD 0.5f /* face_landmark_front_cpu.pbtxt */
#define ROI_SCALE 1.5f             /* face_detection_front_detection_to_roi.pbtxt, *_landmarks_to_roi */

typedef struct tracked {
  vp_norm_rect roi;          /* ROI for the next frame */
  vp__landmark_smoother smoother;
} tracked;

struct vp_face_landmarker {
  vp_face_landmarker_options opt;
  vp_face_detector *detector;
  vp_model *model;
  vp_session *session;
  int32_t out_mesh, out_flag, out_lips, out_leye, out_reye, out_liris, out_riris;
  int32_t num_points;
  int32_t cap;               /* 2·num_faces: detections + tracked */
  tracked *tracks;           /* cap */
  int32_t num_tracks;
  tracked *next_tracks;      /* cap */
  vp_norm_rect *rects;       /* cap */
  int32_t *src;              /* cap */
  vp_norm_rect *det_rects;   /* cap */
  vp_norm_rect *prev_rects;  /* cap */
  vp_landmark *landmarks;    /* cap · 478 */
  vp_face_landmarks *faces;  /* cap */
  vp_face_landmarker_result result;
  int64_t last_ts;
  /* the frame in flight between the stage-wise calls */
  float *tensors;            /* crops_cap crops (crop 0 lives in the session) */
  float *raw;                /* crops_cap · RAW_FLOATS raw outputs */
  int32_t crops_cap, num_crops;
  int32_t frame_w, frame_h, ndet;
  int stage;                 /* 0 idle, 1 preprocessed, 2 inferred */
  int64_t pending_ts;
  vp_task_timings timings;
};

vp_face_landmarker_options vp_face_landmarker_options_default(void) {
  vp_face_landmarker_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.running_mode = VP_RUNNING_MODE_IMAGE;
  o.num_faces = 1;
  o.min_face_detection_confidence = 0.5f;
  o.min_face_presence_confidence = 0.5f;
  o.min_tracking_confidence = 0.5f;
  o.smoothing = true;
  o.detector_range = VP_FACE_RANGE_SHORT;
  o.sampling = VP_SAMPLING_PIXEL_CENTERS; /* the legacy solution's GPU image path */
  o.num_threads = 1;
  return o;
}

static int32_t find_out(const vp_model *m, const char *name, int32_t fallback) {
  int32_t i = vp_model_find_output(m, name);
  return i >= 0 ? i : fallback;
}

static vp_status check_output(const vp_model *m, int32_t idx, size_t elements, const char *what) {
  vp_tensor_info ti;
  if (idx < 0 || vp_model_output_info(m, idx, &ti) != VP_OK || ti.num_elements != elements)
    return vp__error(VP_ESHAPE, "face landmarker: model output %s is not %zu floats", what,
                     elements);
  return VP_OK;
}

void vp_face_landmarker_destroy(vp_face_landmarker *l) {
  if (!l) return;
  vp_face_detector_destroy(l->detector);
  vp_session_destroy(l->session);
  vp_model_destroy(l->model);
  if (l->tracks)
    for (int32_t i = 0; i < l->cap; i++) vp__landmark_smoother_free(&l->tracks[i].smoother);
  free(l->tracks);
  free(l->next_tracks);
  free(l->rects);
  free(l->src);
  free(l->det_rects);
  free(l->prev_rects);
  free(l->landmarks);
  free(l->faces);
  free(l->tensors);
  free(l->raw);
  free(l);
}

vp_status vp_face_landmarker_create(const vp_face_landmarker_options *options,
                                    vp_face_landmarker **out) {
  if (!out) return vp__error(VP_EINVAL, "face landmarker: NULL out");
  vp_face_landmarker_options o = options ? *options : vp_face_landmarker_options_default();
  if (o.num_faces < 1 || o.num_faces > 64)
    return vp__error(VP_EINVAL, "face landmarker: num_faces %d not in [1, 64]", (int)o.num_faces);
  const float th[3] = {o.min_face_detection_confidence, o.min_face_presence_confidence,
                       o.min_tracking_confidence};
  const char *thn[3] = {"min_face_detection_confidence", "min_face_presence_confidence",
                        "min_tracking_confidence"};
  for (int i = 0; i < 3; i++)
    if (!(th[i] >= 0 && th[i] <= 1))
      return vp__error(VP_EINVAL, "face landmarker: %s %g not in [0, 1]", thn[i], (double)th[i]);
  if (o.running_mode < VP_RUNNING_MODE_IMAGE || o.running_mode > VP_RUNNING_MODE_LIVE)
    return vp__error(VP_EINVAL, "face landmarker: bad running mode %d", (int)o.running_mode);
  if (o.running_mode == VP_RUNNING_MODE_LIVE && !o.result_callback)
    return vp__error(VP_EINVAL, "face landmarker: LIVE mode needs a result callback");
  vp_status pst = vp__task_check_precision("face landmarker", o.precision);
  if (pst != VP_OK) return pst;

  vp_face_landmarker *l = calloc(1, sizeof *l);
  if (!l) return vp__error(VP_ENOMEM, "face landmarker");
  l->opt = o;
  l->last_ts = INT64_MIN;
  l->num_points = o.refine_landmarks ? VP_FACE_LANDMARKS_REFINED : VP_FACE_LANDMARKS;
  l->cap = 2 * o.num_faces;
  l->tracks = calloc((size_t)l->cap, sizeof(tracked));
  l->next_tracks = calloc((size_t)l->cap, sizeof(tracked));
  l->rects = calloc((size_t)l->cap, sizeof(vp_norm_rect));
  l->src = calloc((size_t)l->cap, sizeof(int32_t));
  l->det_rects = calloc((size_t)l->cap, sizeof(vp_norm_rect));
  l->prev_rects = calloc((size_t)l->cap, sizeof(vp_norm_rect));
  l->landmarks = calloc((size_t)l->cap * VP_FACE_LANDMARKS_REFINED, sizeof(vp_landmark));
  l->faces = calloc((size_t)l->cap, sizeof(vp_face_landmarks));
  vp_status st = VP_OK;
  if (!l->tracks || !l->next_tracks || !l->rects || !l->src || !l->det_rects || !l->prev_rects ||
      !l->landmarks || !l->faces)
    st = vp__error(VP_ENOMEM, "face landmarker: %d faces", (int)o.num_faces);

  if (st == VP_OK) {
    vp_face_detector_options d = vp_face_detector_options_default();
    d.range = o.detector_range;
    d.model_path = o.detector_model_path;
    d.models_dir = o.models_dir;
    d.min_detection_confidence = o.min_face_detection_confidence;
    d.min_suppression_threshold = 0.3f; /* face_detection.pbtxt */
    d.max_results = o.num_faces;        /* ClipDetectionVectorSizeCalculator */
    d.num_threads = o.num_threads;
    d.sampling = o.sampling;
    d.pool = o.pool;
    d.precision = o.precision;
    st = vp_face_detector_create(&d, &l->detector);
  }
  if (st == VP_OK)
    st = vp__task_model_load(o.refine_landmarks ? "face_landmark_with_attention" : "face_landmark",
                             o.models_dir, o.landmark_model_path, &l->model);
  int32_t iw = 0, ih = 0;
  if (st == VP_OK) st = vp__task_input_size(l->model, &iw, &ih);
  if (st == VP_OK && (iw != LM_INPUT || ih != LM_INPUT))
    st = vp__error(VP_ESHAPE, "face landmarker: model input %dx%d, expected 192x192", (int)iw,
                   (int)ih);
  if (st == VP_OK) {
    if (o.refine_landmarks) {
      l->out_mesh = find_out(l->model, "output_mesh_identity", 0);
      l->out_lips = find_out(l->model, "output_lips", 1);
      l->out_leye = find_out(l->model, "output_left_eye", 2);
      l->out_reye = find_out(l->model, "output_right_eye", 3);
      l->out_liris = find_out(l->model, "output_left_iris", 4);
      l->out_riris = find_out(l->model, "output_right_iris", 5);
      l->out_flag = find_out(l->model, "conv_faceflag", 6);
      st = check_output(l->model, l->out_lips, 160, "lips");
      if (st == VP_OK) st = check_output(l->model, l->out_leye, 142, "left eye");
      if (st == VP_OK) st = check_output(l->model, l->out_reye, 142, "right eye");
      if (st == VP_OK) st = check_output(l->model, l->out_liris, 10, "left iris");
      if (st == VP_OK) st = check_output(l->model, l->out_riris, 10, "right iris");
    } else {
      l->out_mesh = vp__task_find_output_by_size(l->model, 1404, -1);
      l->out_flag = vp__task_find_output_by_size(l->model, 1, -1);
    }
    if (st == VP_OK) st = check_output(l->model, l->out_mesh, 1404, "mesh");
    if (st == VP_OK) st = check_output(l->model, l->out_flag, 1, "face flag");
  }
  if (st == VP_OK) st = vp__task_session_create(l->model, o.num_threads, o.pool, o.precision,
                                                    &l->session);
  if (st != VP_OK) {
    vp_face_landmarker_destroy(l);
    return st;
  }
  vp__smoothing_options so = vp__smoothing_options_default();
  so.min_cutoff = 0.05; /* face_landmarks_detector_graph.cc */
  so.beta = 80.0;
  so.derivate_cutoff = 1.0;
  for (int32_t i = 0; i < l->cap; i++) {
    vp__landmark_smoother_init(&l->tracks[i].smoother, &so);
    vp__landmark_smoother_init(&l->next_tracks[i].smoother, &so);
  }
  *out = l;
  return VP_OK;
}

#define RAW_FLOATS (1404 + 1 + 160 + 142 + 142 + 10 + 10)
#define TENSOR_FLOATS ((size_t)LM_INPUT * LM_INPUT * 3)

/* Make room for @p n crops: crop 0 is the session's own input buffer, the
 * others are ours (copied in before their run). */
static vp_status ensure_crops(vp_face_landmarker *l, int32_t n) {
  if (n <= l->crops_cap) return VP_OK;
  float *t = realloc(l->tensors, sizeof(float) * TENSOR_FLOATS * (size_t)n);
  if (!t) return vp__error(VP_ENOMEM, "face landmarker: %d crops", (int)n);
  l->tensors = t;
  float *r = realloc(l->raw, sizeof(float) * RAW_FLOATS * (size_t)n);
  if (!r) return vp__error(VP_ENOMEM, "face landmarker: %d crops", (int)n);
  l->raw = r;
  l->crops_cap = n;
  return VP_OK;
}

static float *crop_tensor(vp_face_landmarker *l, int32_t i) {
  return i == 0 ? vp_session_input(l->session, 0) : l->tensors + TENSOR_FLOATS * (size_t)i;
}

/* Stage 1: ROIs (previous landmarks, detector when fewer than num_faces are
 * tracked, association) and their crops. */
static vp_status lm_preprocess(vp_face_landmarker *l, const vp_frame *frame) {
  const bool stream = l->opt.running_mode != VP_RUNNING_MODE_IMAGE;
  const int32_t W = frame->width, H = frame->height;
  vp_task_timings tm = {0};
  const int32_t nprev = stream ? l->num_tracks : 0;
  for (int32_t i = 0; i < nprev; i++) l->prev_rects[i] = l->tracks[i].roi;

  int32_t ndet = 0;
  if (nprev < l->opt.num_faces) {
    const vp__detection *dets = NULL;
    int32_t n = 0;
    vp_status st = vp__face_detector_run(l->detector, frame, &dets, &n);
    if (st != VP_OK) return st;
    vp_task_timings dt;
    vp_face_detector_timings(l->detector, &dt);
    tm.preprocess_ns += dt.preprocess_ns;
    tm.inference_ns += dt.inference_ns;
    tm.postprocess_ns += dt.postprocess_ns;
    tm.detector_runs = 1;
    vp__rect_transform t = vp__rect_transform_default();
    t.scale_x = t.scale_y = ROI_SCALE;
    t.square_long = true;
    for (int32_t i = 0; i < n && ndet < l->opt.num_faces; i++) {
      vp_norm_rect *r = &l->det_rects[ndet++];
      vp__detection_to_rect(&dets[i], 0, 1, 0.0f, W, H, r);
      vp__rect_transform_apply(&t, W, H, r);
    }
  }
  const int32_t nr = vp__associate_rects(l->det_rects, ndet, l->prev_rects, nprev,
                                         ASSOCIATION_THRESHOLD, l->rects, l->src);
  /* Degenerate rects (NaN from a broken model output, or empty) are dropped
   * rather than failing the frame. */
  int32_t nv = 0;
  for (int32_t i = 0; i < nr; i++) {
    const vp_norm_rect *rr = &l->rects[i];
    if (!(isfinite(rr->x_center) && isfinite(rr->y_center) && isfinite(rr->rotation) &&
          rr->width > 0 && rr->height > 0 && rr->width < 1e4f && rr->height < 1e4f))
      continue;
    l->rects[nv] = l->rects[i];
    l->src[nv] = l->src[i];
    nv++;
  }
  vp_status st = ensure_crops(l, nv > 0 ? nv : 1);
  if (st != VP_OK) return st;
  const int64_t t0 = vp_time_ns();
  for (int32_t i = 0; i < nv; i++) {
    const vp_norm_rect *roi = &l->rects[i];
    vp__warp_params p;
    memset(&p, 0, sizeof p);
    p.out_w = p.out_h = LM_INPUT;
    /* GetRoi: centre and size in pixels (image_to_tensor_utils.cc). */
    p.cx = roi->x_center * (float)W;
    p.cy = roi->y_center * (float)H;
    p.w = roi->width * (float)W;
    p.h = roi->height * (float)H;
    p.rotation = roi->rotation;
    p.border_zero = false;
    p.pixel_centers = l->opt.sampling == VP_SAMPLING_PIXEL_CENTERS;
    p.range_min = 0.0f;
    p.range_max = 1.0f;
    float *in = crop_tensor(l, i);
    if (!in) return vp__error(VP_ESTATE, "face landmarker: no input buffer");
    st = vp__warp_to_tensor(frame, &p, in);
    if (st != VP_OK) return st;
  }
  tm.preprocess_ns += vp_time_ns() - t0;
  l->timings = tm;
  l->frame_w = W;
  l->frame_h = H;
  l->ndet = ndet;
  l->num_crops = nv;
  l->stage = 1;
  return VP_OK;
}

/* Stage 2: the landmark model on every crop; raw outputs kept per crop. */
static vp_status lm_infer(vp_face_landmarker *l) {
  if (l->stage != 1) return vp__error(VP_ESTATE, "face landmarker: infer before preprocess");
  const int64_t t0 = vp_time_ns();
  for (int32_t i = 0; i < l->num_crops; i++) {
    if (i > 0)
      memcpy(vp_session_input(l->session, 0), crop_tensor(l, i), sizeof(float) * TENSOR_FLOATS);
    vp_status st = vp_session_run(l->session);
    if (st != VP_OK) return st;
    float *raw = l->raw + (size_t)RAW_FLOATS * i;
    memcpy(raw, vp_session_output(l->session, l->out_mesh), sizeof(float) * 1404);
    raw[1404] = vp_session_output(l->session, l->out_flag)[0];
    if (l->opt.refine_landmarks) {
      memcpy(raw + 1405, vp_session_output(l->session, l->out_lips), sizeof(float) * 160);
      memcpy(raw + 1565, vp_session_output(l->session, l->out_leye), sizeof(float) * 142);
      memcpy(raw + 1707, vp_session_output(l->session, l->out_reye), sizeof(float) * 142);
      memcpy(raw + 1849, vp_session_output(l->session, l->out_liris), sizeof(float) * 10);
      memcpy(raw + 1859, vp_session_output(l->session, l->out_riris), sizeof(float) * 10);
    }
  }
  l->timings.inference_ns += vp_time_ns() - t0;
  l->timings.landmark_runs = l->num_crops;
  l->stage = 2;
  return VP_OK;
}

/* Stage 3: presence, landmarks, projection, next ROIs, smoothing. */
static vp_status lm_postprocess(vp_face_landmarker *l, int64_t ts,
                                const vp_face_landmarker_result **out) {
  if (l->stage != 2) return vp__error(VP_ESTATE, "face landmarker: postprocess before infer");
  l->stage = 0;
  const int64_t t0 = vp_time_ns();
  const bool stream = l->opt.running_mode != VP_RUNNING_MODE_IMAGE;
  const int32_t W = l->frame_w, H = l->frame_h, ndet = l->ndet;
  int32_t nfaces = 0, ntracks = 0;
  for (int32_t i = 0; i < l->num_crops; i++) {
    const float *raw = l->raw + (size_t)RAW_FLOATS * i;
    vp_landmark *lm = l->landmarks + (size_t)nfaces * VP_FACE_LANDMARKS_REFINED;
    /* TensorsToFloats with SIGMOID (face_landmark_cpu.pbtxt). */
    const float presence = vp__sigmoid(raw[1404]);
    vp__tensor_to_landmarks(raw, VP_FACE_LANDMARKS, 3, LM_INPUT, LM_INPUT, 1.0f, false, lm);
    if (l->opt.refine_landmarks)
      vp__face_refine_landmarks(raw + 1405, raw + 1565, raw + 1707, raw + 1849, raw + 1859, lm);
    vp__landmarks_project(&l->rects[i], lm, l->num_points);
    /* The smoother follows the face: a previous track keeps its filters. */
    tracked *prev = l->src[i] >= ndet ? &l->tracks[l->src[i] - ndet] : NULL;
    if (presence >= l->opt.min_tracking_confidence && stream) {
      tracked *nt = &l->next_tracks[ntracks++];
      vp__landmark_smoother_reset(&nt->smoother);
      if (prev) { /* move the filters */
        vp__landmark_smoother tmp = nt->smoother;
        nt->smoother = prev->smoother;
        prev->smoother = tmp;
      }
      vp__rect_transform t = vp__rect_transform_default();
      t.scale_x = t.scale_y = ROI_SCALE;
      t.square_long = true;
      vp__landmarks_to_rect(lm, VP_FACE_LANDMARKS, 33, 133, 0.0f, W, H, &nt->roi);
      vp__rect_transform_apply(&t, W, H, &nt->roi);
      if (presence >= l->opt.min_face_presence_confidence && l->opt.smoothing) {
        vp_status st = vp__landmark_smoother_apply(&nt->smoother, lm, l->num_points, W, H,
                                                   &l->rects[i], ts);
        if (st != VP_OK) return st;
      }
    }
    if (presence >= l->opt.min_face_presence_confidence) {
      vp_face_landmarks *f = &l->faces[nfaces++];
      f->presence = presence;
      f->num_landmarks = l->num_points;
      f->landmarks = lm;
      f->roi = l->rects[i];
    }
  }
  /* Swap track lists; filters of faces no longer tracked are reset. */
  for (int32_t i = 0; i < l->num_tracks; i++) vp__landmark_smoother_reset(&l->tracks[i].smoother);
  tracked *tmp = l->tracks;
  l->tracks = l->next_tracks;
  l->next_tracks = tmp;
  l->num_tracks = ntracks;

  l->timings.postprocess_ns += vp_time_ns() - t0;
  l->result.count = nfaces;
  l->result.faces = l->faces;
  l->result.timestamp_ns = ts;
  *out = &l->result;
  return VP_OK;
}

static vp_status process(vp_face_landmarker *l, const vp_frame *frame, int64_t ts,
                         const vp_face_landmarker_result **out) {
  vp_status st = lm_preprocess(l, frame);
  if (st == VP_OK) st = lm_infer(l);
  if (st == VP_OK) st = lm_postprocess(l, ts, out);
  if (st != VP_OK) l->stage = 0;
  return st;
}

vp_status vp_face_landmarker_preprocess(vp_face_landmarker *l, const vp_frame *frame,
                                        int64_t timestamp_ns) {
  if (!l || !frame) return vp__error(VP_EINVAL, "face landmarker: NULL argument");
  if (l->opt.running_mode != VP_RUNNING_MODE_IMAGE) {
    if (l->last_ts != INT64_MIN && timestamp_ns <= l->last_ts)
      return vp__error(VP_EINVAL, "face landmarker: timestamp %lld ns not after %lld ns",
                       (long long)timestamp_ns, (long long)l->last_ts);
    l->last_ts = timestamp_ns;
  }
  l->pending_ts = timestamp_ns;
  return lm_preprocess(l, frame);
}

vp_status vp_face_landmarker_infer(vp_face_landmarker *l) {
  if (!l) return vp__error(VP_EINVAL, "face landmarker: NULL argument");
  return lm_infer(l);
}

vp_status vp_face_landmarker_postprocess(vp_face_landmarker *l,
                                         const vp_face_landmarker_result **out) {
  if (!l || !out) return vp__error(VP_EINVAL, "face landmarker: NULL argument");
  return lm_postprocess(l, l->pending_ts, out);
}

vp_status vp_face_landmarker_detect(vp_face_landmarker *l, const vp_frame *frame,
                                    const vp_face_landmarker_result **out) {
  if (!l || !frame || !out) return vp__error(VP_EINVAL, "face landmarker: NULL argument");
  if (l->opt.running_mode != VP_RUNNING_MODE_IMAGE)
    return vp__error(VP_ESTATE, "face landmarker: detect() needs IMAGE mode");
  return process(l, frame, 0, out);
}

static vp_status check_ts(vp_face_landmarker *l, int64_t ts) {
  if (l->last_ts != INT64_MIN && ts <= l->last_ts)
    return vp__error(VP_EINVAL, "face landmarker: timestamp %lld ns not after %lld ns",
                     (long long)ts, (long long)l->last_ts);
  l->last_ts = ts;
  return VP_OK;
}

vp_status vp_face_landmarker_detect_for_video(vp_face_landmarker *l, const vp_frame *frame,
                                              int64_t ts, const vp_face_landmarker_result **out) {
  if (!l || !frame || !out) return vp__error(VP_EINVAL, "face landmarker: NULL argument");
  if (l->opt.running_mode != VP_RUNNING_MODE_VIDEO)
    return vp__error(VP_ESTATE, "face landmarker: detect_for_video() needs VIDEO mode");
  vp_status st = check_ts(l, ts);
  if (st != VP_OK) return st;
  return process(l, frame, ts, out);
}

vp_status vp_face_landmarker_detect_async(vp_face_landmarker *l, const vp_frame *frame,
                                          int64_t ts) {
  if (!l || !frame) return vp__error(VP_EINVAL, "face landmarker: NULL argument");
  if (l->opt.running_mode != VP_RUNNING_MODE_LIVE)
    return vp__error(VP_ESTATE, "face landmarker: detect_async() needs LIVE mode");
  vp_status st = check_ts(l, ts);
  if (st != VP_OK) return st;
  const vp_face_landmarker_result *r = NULL;
  st = process(l, frame, ts, &r);
  l->opt.result_callback(l->opt.user, st, st == VP_OK ? r : NULL, frame);
  return st;
}

void vp_face_landmarker_timings(const vp_face_landmarker *l, vp_task_timings *out) {
  if (l && out) *out = l->timings;
}
