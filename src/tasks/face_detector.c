/* Face detector: MediaPipe's BlazeFace short/full range pipeline (layer: tasks).
 *
 * Follows the Tasks FaceDetector graph
 * (mediapipe/tasks/cc/vision/face_detector/face_detector_graph.cc) and the legacy
 * face detection graphs it mirrors (mediapipe/modules/face_detection/):
 * 1. ImageToTensor on the whole image, keep_aspect_ratio (letterbox, PadRoi),
 *    BORDER_ZERO, range [−1, 1] (face_detection.pbtxt; face_detector_graph.cc
 *    set_keep_aspect_ratio / set_border_mode);
 * 2. the model;
 * 3. TensorsToDetections with the SSD anchors below, sigmoid scores clipped at
 *    100, min_score_thresh = min_detection_confidence;
 * 4. weighted NMS, IoU, min_suppression_threshold;
 * 5. projection back to the image (letterbox removal; DetectionProjection in Tasks);
 * 6. clip to max_results; integer-pixel boxes as DetectionTransformationCalculator
 *    (mediapipe/calculators/util/detection_transformation_calculator.cc):
 *    int(xmin·W), int(ymin·H), int(width·W), int(height·H), each clamped to [0, W|H].
 *
 * Anchors and decoding (face_detection_short_range_common.pbtxt,
 * face_detection_full_range_common.pbtxt, face_detector_graph.cc
 * ConfigureSsdAnchorsCalculator / ConfigureTensorsToDetectionsCalculator):
 *   short: 128×128, 4 layers, strides 8,16,16,16, min_scale 0.1484375,
 *          max_scale 0.75, offsets 0.5, aspect 1.0, fixed_anchor_size,
 *          interpolated_scale_aspect_ratio 1.0 → 896 anchors; scales 128.
 *   full:  192×192, 1 layer, stride 4, same scales, interpolated 0.0 → 2304; scales 192.
 *   both:  num_coords 16, box offset 0, keypoint offset 4, 6 keypoints × 2,
 *          reverse_output_order, sigmoid_score, score_clipping_thresh 100.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/warp.h"
#include "tasks/calc.h"
#include "tasks/face_internal.h"
#include "tasks/task_common.h"
#include "vpipe/model.h"

/* Per-frame state of the stage-wise path. A job carries a frame from
 * preprocess through inference to postprocess, so several frames can be in
 * flight on different threads (see tasks.h). */
struct vp_face_detector_job {
  float *input;         /* in_h·in_w·3 (+ padding), or NULL: the session's own buffer */
  float *boxes, *scores;/* copies of the raw outputs, or NULL: read the session's */
  int32_t img_w, img_h;
  float pad[4];
  int stage;            /* 0 idle, 1 preprocessed, 2 inferred */
  vp__detection *decoded, *kept;
  int32_t num_kept;
  vp_face_detection *faces;
  vp_face_detector_result result;
  vp_task_timings timings;
};

struct vp_face_detector {
  vp_face_detector_options opt;
  vp_model *model;
  vp_session *session;
  int32_t in_w, in_h;
  int32_t out_boxes, out_scores;
  vp__anchor *anchors;
  int32_t num_anchors;
  vp__decode_options dec;
  vp__nms_options nms;
  vp_face_detector_job own; /* the job of the one-call and stage-wise API */
  int64_t last_ts;
};

vp_face_detector_options vp_face_detector_options_default(void) {
  vp_face_detector_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.range = VP_FACE_RANGE_SHORT;
  o.running_mode = VP_RUNNING_MODE_IMAGE;
  o.min_detection_confidence = 0.5f;  /* face_detector_graph_options.proto */
  o.min_suppression_threshold = 0.3f; /* legacy face_detection.pbtxt (Tasks default 0.5) */
  o.max_results = -1;
  o.num_threads = 1;
  return o;
}

static vp_status configure(vp_face_detector *d) {
  const bool full = d->in_w == 192; /* face_detector_graph.cc: is_long_range = width 192 */
  vp__ssd_anchor_options a = vp__ssd_anchor_options_default();
  a.input_width = d->in_w;
  a.input_height = d->in_h;
  a.min_scale = 0.1484375f;
  a.max_scale = 0.75f;
  a.anchor_offset_x = a.anchor_offset_y = 0.5f;
  a.num_aspect_ratios = 1;
  a.aspect_ratios[0] = 1.0f;
  a.fixed_anchor_size = true;
  if (full) {
    a.num_layers = 1;
    a.strides[0] = 4;
    a.interpolated_scale_aspect_ratio = 0.0f;
  } else {
    a.num_layers = 4;
    a.strides[0] = 8;
    a.strides[1] = a.strides[2] = a.strides[3] = 16;
    a.interpolated_scale_aspect_ratio = 1.0f;
  }
  int32_t n = vp__ssd_anchor_count(&a);
  if (n <= 0) return vp__error(VP_EINVAL, "face detector: bad anchor configuration");
  d->anchors = malloc(sizeof(vp__anchor) * (size_t)n);
  if (!d->anchors) return vp__error(VP_ENOMEM, "face detector: %d anchors", (int)n);
  vp_status st = vp__ssd_anchors_generate(&a, d->anchors, n, &d->num_anchors);
  if (st != VP_OK) return st;

  memset(&d->dec, 0, sizeof d->dec);
  d->dec.num_classes = 1;
  d->dec.num_boxes = n;
  d->dec.num_coords = 16;
  d->dec.box_coord_offset = 0;
  d->dec.keypoint_coord_offset = 4;
  d->dec.num_keypoints = 6;
  d->dec.num_values_per_keypoint = 2;
  d->dec.x_scale = d->dec.y_scale = d->dec.w_scale = d->dec.h_scale = (float)d->in_w;
  d->dec.reverse_output_order = true;
  d->dec.sigmoid_score = true;
  d->dec.has_score_clipping_thresh = true;
  d->dec.score_clipping_thresh = 100.0f;
  d->dec.has_min_score_thresh = true;
  d->dec.min_score_thresh = d->opt.min_detection_confidence;

  d->nms = vp__nms_options_default();
  d->nms.algorithm = VP__NMS_WEIGHTED;
  d->nms.min_suppression_threshold = d->opt.min_suppression_threshold;

  /* Outputs: regressors [1, n, 16] and classificators [1, n, 1]. */
  d->out_boxes = vp__task_find_output_by_size(d->model, (size_t)n * 16, -1);
  d->out_scores = vp__task_find_output_by_size(d->model, (size_t)n, d->out_boxes);
  if (d->out_boxes < 0 || d->out_scores < 0)
    return vp__error(VP_ESHAPE, "face detector: model outputs are not [1,%d,16] and [1,%d,1]",
                     (int)n, (int)n);
  return VP_OK;
}

static vp_status job_init(const vp_face_detector *d, vp_face_detector_job *j, bool buffers) {
  memset(j, 0, sizeof *j);
  const size_t n = (size_t)d->num_anchors;
  j->decoded = malloc(sizeof(vp__detection) * n);
  j->kept = malloc(sizeof(vp__detection) * n);
  j->faces = malloc(sizeof(vp_face_detection) * n);
  if (buffers) {
    j->input = malloc(sizeof(float) * (size_t)d->in_w * d->in_h * 3 + VP_TENSOR_PADDING);
    j->boxes = malloc(sizeof(float) * n * 16);
    j->scores = malloc(sizeof(float) * n);
  }
  if (!j->decoded || !j->kept || !j->faces || (buffers && (!j->input || !j->boxes || !j->scores)))
    return vp__error(VP_ENOMEM, "face detector: job buffers");
  return VP_OK;
}

static void job_free(vp_face_detector_job *j) {
  free(j->decoded);
  free(j->kept);
  free(j->faces);
  free(j->input);
  free(j->boxes);
  free(j->scores);
}

vp_status vp_face_detector_job_create(const vp_face_detector *d, vp_face_detector_job **out) {
  if (!d || !out) return vp__error(VP_EINVAL, "face detector job: NULL argument");
  vp_face_detector_job *j = malloc(sizeof *j);
  if (!j) return vp__error(VP_ENOMEM, "face detector job");
  vp_status st = job_init(d, j, true);
  if (st != VP_OK) {
    job_free(j);
    free(j);
    return st;
  }
  *out = j;
  return VP_OK;
}

void vp_face_detector_job_destroy(vp_face_detector_job *j) {
  if (!j) return;
  job_free(j);
  free(j);
}

vp_status vp_face_detector_create(const vp_face_detector_options *options,
                                  vp_face_detector **out) {
  if (!out) return vp__error(VP_EINVAL, "face detector: NULL out");
  vp_face_detector_options o = options ? *options : vp_face_detector_options_default();
  if (!(o.min_detection_confidence >= 0 && o.min_detection_confidence <= 1))
    return vp__error(VP_EINVAL, "face detector: min_detection_confidence %g not in [0, 1]",
                     (double)o.min_detection_confidence);
  if (!(o.min_suppression_threshold >= 0 && o.min_suppression_threshold <= 1))
    return vp__error(VP_EINVAL, "face detector: min_suppression_threshold %g not in [0, 1]",
                     (double)o.min_suppression_threshold);
  if (o.running_mode < VP_RUNNING_MODE_IMAGE || o.running_mode > VP_RUNNING_MODE_LIVE)
    return vp__error(VP_EINVAL, "face detector: bad running mode %d", (int)o.running_mode);
  if (o.running_mode == VP_RUNNING_MODE_LIVE && !o.result_callback)
    return vp__error(VP_EINVAL, "face detector: LIVE mode needs a result callback");
  const char *name;
  switch (o.range) {
    case VP_FACE_RANGE_SHORT: name = "face_detection_short_range"; break;
    case VP_FACE_RANGE_FULL: name = "face_detection_full_range"; break;
    case VP_FACE_RANGE_FULL_SPARSE: name = "face_detection_full_range_sparse"; break;
    default: return vp__error(VP_EINVAL, "face detector: bad range %d", (int)o.range);
  }
  if (o.sampling != VP_SAMPLING_CPU && o.sampling != VP_SAMPLING_PIXEL_CENTERS)
    return vp__error(VP_EINVAL, "face detector: bad sampling %d", (int)o.sampling);
  vp_status pst = vp__task_check_precision("face detector", o.precision);
  if (pst != VP_OK) return pst;
  vp_face_detector *d = calloc(1, sizeof *d);
  if (!d) return vp__error(VP_ENOMEM, "face detector");
  d->opt = o;
  d->last_ts = INT64_MIN;
  vp_status st = vp__task_model_load(name, o.models_dir, o.model_path, &d->model);
  if (st == VP_OK) st = vp__task_input_size(d->model, &d->in_w, &d->in_h);
  if (st == VP_OK && !((d->in_w == 128 && d->in_h == 128) || (d->in_w == 192 && d->in_h == 192)))
    st = vp__error(VP_ESHAPE, "face detector: input %dx%d is neither 128x128 nor 192x192",
                   (int)d->in_w, (int)d->in_h);
  if (st == VP_OK) st = configure(d);
  if (st == VP_OK) st = vp__task_session_create(d->model, o.num_threads, o.pool, o.precision,
                                                    &d->session);
  if (st == VP_OK) st = job_init(d, &d->own, false);
  if (st != VP_OK) {
    vp_face_detector_destroy(d);
    return st;
  }
  *out = d;
  return VP_OK;
}

void vp_face_detector_destroy(vp_face_detector *d) {
  if (!d) return;
  vp_session_destroy(d->session);
  vp_model_destroy(d->model);
  free(d->anchors);
  job_free(&d->own);
  free(d);
}

vp_status vp_face_detector_job_preprocess(const vp_face_detector *d, const vp_frame *frame,
                                          vp_face_detector_job *j) {
  if (!d || !frame || !j) return vp__error(VP_EINVAL, "face detector: NULL argument");
  const int64_t t0 = vp_time_ns();
  /* GetRoi without a rect: the whole image; PadRoi for keep_aspect_ratio. */
  float rw = (float)frame->width, rh = (float)frame->height;
  vp__letterbox_pad_roi(d->in_w, d->in_h, &rw, &rh, j->pad);
  vp__warp_params p;
  memset(&p, 0, sizeof p);
  p.out_w = d->in_w;
  p.out_h = d->in_h;
  p.cx = 0.5f * (float)frame->width;
  p.cy = 0.5f * (float)frame->height;
  p.w = rw;
  p.h = rh;
  p.rotation = 0;
  p.border_zero = true;
  p.pixel_centers = d->opt.sampling == VP_SAMPLING_PIXEL_CENTERS;
  p.range_min = -1.0f;
  p.range_max = 1.0f;
  /* The detector's own job writes straight into the session's input. */
  float *in = j->input ? j->input : vp_session_input(d->session, 0);
  if (!in) return vp__error(VP_ESTATE, "face detector: no input buffer");
  vp_status st = vp__warp_to_tensor(frame, &p, in);
  if (st != VP_OK) return st;
  j->img_w = frame->width;
  j->img_h = frame->height;
  j->stage = 1;
  j->timings.preprocess_ns = vp_time_ns() - t0;
  return VP_OK;
}

vp_status vp_face_detector_job_infer(vp_face_detector *d, vp_face_detector_job *j) {
  if (!d || !j) return vp__error(VP_EINVAL, "face detector: NULL argument");
  if (j->stage != 1) return vp__error(VP_ESTATE, "face detector: infer before preprocess");
  const int64_t t0 = vp_time_ns();
  const size_t in_n = (size_t)d->in_w * d->in_h * 3, n = (size_t)d->num_anchors;
  if (j->input) memcpy(vp_session_input(d->session, 0), j->input, sizeof(float) * in_n);
  vp_status st = vp_session_run(d->session);
  if (st == VP_OK && j->boxes) {
    memcpy(j->boxes, vp_session_output(d->session, d->out_boxes), sizeof(float) * n * 16);
    memcpy(j->scores, vp_session_output(d->session, d->out_scores), sizeof(float) * n);
  }
  j->timings.inference_ns = vp_time_ns() - t0;
  if (st != VP_OK) return st;
  j->stage = 2;
  return VP_OK;
}

/* Decoding, NMS, letterbox removal, max_results; reads only immutable
 * detector state (and the session's outputs for the detector's own job). */
static vp_status decode(const vp_face_detector *d, vp_face_detector_job *j) {
  const float *boxes = j->boxes ? j->boxes : vp_session_output(d->session, d->out_boxes);
  const float *scores = j->scores ? j->scores : vp_session_output(d->session, d->out_scores);
  if (!boxes || !scores) return vp__error(VP_ESTATE, "face detector: no outputs");
  int32_t n = 0;
  vp_status st = vp__decode_detections(&d->dec, boxes, scores, d->anchors, d->num_anchors,
                                       j->decoded, d->num_anchors, &n);
  if (st != VP_OK) return st;
  st = vp__nms(&d->nms, j->decoded, n, j->kept, d->num_anchors, &j->num_kept);
  if (st != VP_OK) return st;
  for (int32_t i = 0; i < j->num_kept; i++) vp__letterbox_remove_detection(j->pad, &j->kept[i]);
  if (d->opt.max_results >= 0 && j->num_kept > d->opt.max_results)
    j->num_kept = d->opt.max_results;
  return VP_OK;
}

static int32_t clamp_i(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

vp_status vp_face_detector_job_postprocess(const vp_face_detector *d, vp_face_detector_job *j,
                                           int64_t ts, const vp_face_detector_result **out) {
  if (!d || !j || !out) return vp__error(VP_EINVAL, "face detector: NULL argument");
  if (j->stage != 2) return vp__error(VP_ESTATE, "face detector: postprocess before infer");
  const int64_t t0 = vp_time_ns();
  vp_status st = decode(d, j);
  j->stage = 0;
  if (st != VP_OK) return st;
  const float W = (float)j->img_w, H = (float)j->img_h;
  for (int32_t i = 0; i < j->num_kept; i++) {
    const vp__detection *k = &j->kept[i];
    vp_face_detection *f = &j->faces[i];
    f->score = k->score;
    f->box_exact = (vp_box){k->xmin, k->ymin, k->width, k->height};
    /* C float→int conversion truncates toward zero, as the C++ cast. */
    f->box_px[0] = clamp_i((int32_t)(k->xmin * W), 0, j->img_w);
    f->box_px[1] = clamp_i((int32_t)(k->ymin * H), 0, j->img_h);
    f->box_px[2] = clamp_i((int32_t)(k->width * W), 0, j->img_w);
    f->box_px[3] = clamp_i((int32_t)(k->height * H), 0, j->img_h);
    f->box = (vp_box){(float)f->box_px[0] / W, (float)f->box_px[1] / H, (float)f->box_px[2] / W,
                      (float)f->box_px[3] / H};
    for (int q = 0; q < VP_FACE_KEYPOINTS; q++)
      f->keypoints[q] = (vp_point2){k->kp[q][0], k->kp[q][1]};
  }
  j->result.count = j->num_kept;
  j->result.faces = j->faces;
  j->result.timestamp_ns = ts;
  j->timings.postprocess_ns = vp_time_ns() - t0;
  j->timings.detector_runs = 1;
  *out = &j->result;
  return VP_OK;
}

void vp_face_detector_job_timings(const vp_face_detector_job *j, vp_task_timings *out) {
  if (j && out) *out = j->timings;
}

vp_status vp_face_detector_preprocess(vp_face_detector *d, const vp_frame *frame) {
  if (!d) return vp__error(VP_EINVAL, "face detector: NULL argument");
  return vp_face_detector_job_preprocess(d, frame, &d->own);
}

vp_status vp_face_detector_infer(vp_face_detector *d) {
  if (!d) return vp__error(VP_EINVAL, "face detector: NULL argument");
  return vp_face_detector_job_infer(d, &d->own);
}

vp_status vp_face_detector_postprocess(vp_face_detector *d, int64_t ts,
                                       const vp_face_detector_result **out) {
  if (!d) return vp__error(VP_EINVAL, "face detector: NULL argument");
  return vp_face_detector_job_postprocess(d, &d->own, ts, out);
}

vp_status vp__face_detector_run(vp_face_detector *d, const vp_frame *frame,
                                const vp__detection **dets, int32_t *count) {
  vp_status st = vp_face_detector_preprocess(d, frame);
  if (st == VP_OK) st = vp_face_detector_infer(d);
  if (st != VP_OK) return st;
  const int64_t t0 = vp_time_ns();
  st = decode(d, &d->own);
  d->own.stage = 0;
  d->own.timings.postprocess_ns = vp_time_ns() - t0;
  if (st != VP_OK) return st;
  *dets = d->own.kept;
  *count = d->own.num_kept;
  return VP_OK;
}

static vp_status run(vp_face_detector *d, const vp_frame *frame, int64_t ts,
                     const vp_face_detector_result **out) {
  vp_status st = vp_face_detector_preprocess(d, frame);
  if (st == VP_OK) st = vp_face_detector_infer(d);
  if (st == VP_OK) st = vp_face_detector_postprocess(d, ts, out);
  return st;
}

vp_status vp_face_detector_detect(vp_face_detector *d, const vp_frame *frame,
                                  const vp_face_detector_result **out) {
  if (!d || !frame || !out) return vp__error(VP_EINVAL, "face detector: NULL argument");
  if (d->opt.running_mode != VP_RUNNING_MODE_IMAGE)
    return vp__error(VP_ESTATE, "face detector: detect() needs IMAGE mode");
  return run(d, frame, 0, out);
}

static vp_status check_ts(vp_face_detector *d, int64_t ts) {
  if (d->last_ts != INT64_MIN && ts <= d->last_ts)
    return vp__error(VP_EINVAL, "face detector: timestamp %lld ns not after %lld ns",
                     (long long)ts, (long long)d->last_ts);
  d->last_ts = ts;
  return VP_OK;
}

vp_status vp_face_detector_detect_for_video(vp_face_detector *d, const vp_frame *frame,
                                            int64_t ts, const vp_face_detector_result **out) {
  if (!d || !frame || !out) return vp__error(VP_EINVAL, "face detector: NULL argument");
  if (d->opt.running_mode != VP_RUNNING_MODE_VIDEO)
    return vp__error(VP_ESTATE, "face detector: detect_for_video() needs VIDEO mode");
  vp_status st = check_ts(d, ts);
  if (st != VP_OK) return st;
  return run(d, frame, ts, out);
}

vp_status vp_face_detector_detect_async(vp_face_detector *d, const vp_frame *frame, int64_t ts) {
  if (!d || !frame) return vp__error(VP_EINVAL, "face detector: NULL argument");
  if (d->opt.running_mode != VP_RUNNING_MODE_LIVE)
    return vp__error(VP_ESTATE, "face detector: detect_async() needs LIVE mode");
  vp_status st = check_ts(d, ts);
  if (st != VP_OK) return st;
  const vp_face_detector_result *r = NULL;
  st = run(d, frame, ts, &r);
  d->opt.result_callback(d->opt.user, st, st == VP_OK ? r : NULL, frame);
  return st;
}

void vp_face_detector_timings(const vp_face_detector *d, vp_task_timings *out) {
  if (d && out) *out = d->own.timings;
}
