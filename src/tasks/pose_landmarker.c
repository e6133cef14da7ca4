/*
 * Pose landmarker, as MediaPipe Tasks' PoseLandmarkerGraph
 * (mediapipe/tasks/cc/vision/pose_landmarker/pose_landmarker_graph.cc):
 *
 *   pose detector (mediapipe/tasks/cc/vision/pose_detector/pose_detector_graph.cc):
 *   whole frame letterboxed into 224×224, zero border, [-1,1]; SSD anchors
 *   (5 layers, strides 8,16,32,32,32, 2254 anchors); 4-keypoint decode;
 *   weighted NMS with min_suppression_threshold 0.5 (options proto default);
 *   letterbox removal; AlignmentPointsRects keypoint 0 → 1, 90 degrees;
 *   rect transformation 1.25, square_long; first num_poses rects.
 *
 *   landmarks (pose_landmarks_detector_graph.cc): rotated crop 256×256,
 *   replicated border, [0,1]; outputs 39×5 landmarks, presence, 256×256
 *   segmentation logits, 64×64×39 heatmap, 39×3 world landmarks; presence >
 *   min_pose_presence_confidence; visibility/presence through a sigmoid;
 *   RefineLandmarksFromHeatmap (kernel 7); landmarks 0–32 and auxiliary 33–34
 *   projected by the ROI; world landmarks 0–32 rotated by the ROI, with the
 *   image landmarks' visibility/presence copied; the mask is a sigmoid warped
 *   back to the frame (zero outside the ROI); next ROI from the auxiliary
 *   landmarks (AlignmentPoints 0 → 1, 90 degrees, 1.25, square_long).
 *
 *   VIDEO/LIVE: previous rects and detector rects (detector only while fewer
 *   than num_poses are tracked) merged by AssociationNormRectCalculator with
 *   min_tracking_confidence (detector rects replace overlapping ones).
 *   Smoothing (MediaPipe does it only for num_poses 1; here for every pose,
 *   per track id): visibility low-pass 0.1 and one-euro 0.05/80/1 scaled by
 *   the next-frame ROI on the landmarks; low-pass 0.1 and one-euro 0.1/40/1
 *   without value scaling on the world landmarks; masks blended with the
 *   previous one as SegmentationSmoothingCalculator (ratio 0.7, the legacy
 *   pose graph's mediapipe/modules/pose_landmark/pose_segmentation_filtering.pbtxt).
 *
 *   Multi-person (num_poses > 1), beyond MediaPipe: the detector also scans
 *   four overlapping quarter tiles (all of them on a still image, one per
 *   detector run in video) to find people too small for the whole frame;
 *   each person keeps an id
 *   while tracked (a detector rect that replaces tracked rects inherits the
 *   first one's id); poses whose landmark boxes overlap an earlier pose by
 *   IoU > 0.5 after the landmark model are dropped as duplicates.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tasks/body_calc.h"
#include "tasks/body_common.h"
#include "tasks/task_common.h"
#include "tasks/calc.h"

#define MAX_POSES 16
#define POSE_ANCHORS 2254
#define NUM_LM 39
#define HM 64
#define SEG 256

typedef struct pose_track {
  int64_t id; /* 0: free slot */
  vp__visibility_filter vis, wvis;
  vp__landmark_smoother sm, wsm;
  float *mask_prev; /* previous smoothed mask (frame size) */
  int32_t mask_w, mask_h;
  bool seen; /* used this frame */
} pose_track;

struct vp_pose_landmarker {
  vp_pose_landmarker_options opt;
  vp__net det, lm;
  vp__anchor *anchors;
  int32_t num_anchors;
  vp__detection *dets, *nms;
  vp__detection *all; /* detections of every detector crop, frame-normalised */
  int32_t tile_next;  /* round-robin tile for VIDEO/LIVE */
  float *seg; /* SEG*SEG sigmoid mask */

  vp_norm_rect track[MAX_POSES];
  int64_t track_id[MAX_POSES];
  int32_t num_track;
  int64_t next_id;
  int32_t since_detect; /* frames since the detector last ran (VIDEO/LIVE) */
  int64_t last_ts;
  bool have_ts;
  pose_track slots[MAX_POSES];

  vp_pose poses[MAX_POSES];
  vp_norm_rect next_rect[MAX_POSES];
  float *masks; /* MAX_POSES frame-size masks */
  size_t masks_cap;
  vp_pose_landmarker_result result;
  vp_task_timings timings;
};

vp_pose_landmarker_options vp_pose_landmarker_options_default(void) {
  vp_pose_landmarker_options o;
  memset(&o, 0, sizeof(o));
  o.struct_size = sizeof(o);
  o.running_mode = VP_RUNNING_MODE_IMAGE;
  o.model = VP_MODEL_FULL;
  o.num_poses = 1;
  o.min_pose_detection_confidence = 0.5f;
  o.min_pose_presence_confidence = 0.5f;
  o.min_tracking_confidence = 0.5f;
  o.smoothing = true;
  o.mask_smoothing = true;
  o.num_threads = 1;
  o.detector_interval = 1;
  return o;
}

static bool in_unit(float v) { return v >= 0.0f && v <= 1.0f; }

void vp_pose_landmarker_destroy(vp_pose_landmarker *p) {
  if (!p) return;
  vp__net_close(&p->det);
  vp__net_close(&p->lm);
  for (int i = 0; i < MAX_POSES; i++) {
    vp__landmark_smoother_free(&p->slots[i].sm);
    vp__landmark_smoother_free(&p->slots[i].wsm);
    free(p->slots[i].mask_prev);
  }
  free(p->anchors);
  free(p->dets);
  free(p->nms);
  free(p->all);
  free(p->seg);
  free(p->masks);
  free(p);
}

vp_status vp_pose_landmarker_create(const vp_pose_landmarker_options *options,
                                    vp_pose_landmarker **out) {
  vp_pose_landmarker_options o = options ? *options : vp_pose_landmarker_options_default();
  if (!out) return vp__error(VP_EINVAL, "pose landmarker: out is NULL");
  if (o.struct_size != sizeof(o))
    return vp__error(VP_EINVAL, "pose landmarker options: struct_size %u, expected %zu "
                     "(use vp_pose_landmarker_options_default())", o.struct_size, sizeof(o));
  if (o.num_poses < 1 || o.num_poses > MAX_POSES)
    return vp__error(VP_EINVAL, "pose landmarker: num_poses %d not in 1..%d", (int)o.num_poses,
                     MAX_POSES);
  if (!in_unit(o.min_pose_detection_confidence) || !in_unit(o.min_pose_presence_confidence) ||
      !in_unit(o.min_tracking_confidence))
    return vp__error(VP_EINVAL, "pose landmarker: confidences must be in [0, 1]");
  if (o.model != VP_MODEL_LITE && o.model != VP_MODEL_FULL && o.model != VP_MODEL_HEAVY)
    return vp__error(VP_EINVAL, "pose landmarker: model must be lite, full or heavy");
  if (o.detector_interval < 1 || o.detector_interval > 1000)
    return vp__error(VP_EINVAL, "pose landmarker: detector_interval %d not in 1..1000",
                     (int)o.detector_interval);
  if (o.running_mode < VP_RUNNING_MODE_IMAGE || o.running_mode > VP_RUNNING_MODE_LIVE)
    return vp__error(VP_EINVAL, "pose landmarker: bad running mode %d", (int)o.running_mode);
  if (o.running_mode == VP_RUNNING_MODE_LIVE && !o.result_callback)
    return vp__error(VP_EINVAL, "pose landmarker: LIVE mode needs a result_callback");
  vp_status pst = vp__task_check_precision("pose landmarker", o.precision);
  if (pst != VP_OK) return pst;

  vp_pose_landmarker *p = calloc(1, sizeof(*p));
  if (!p) return vp__error(VP_ENOMEM, "pose landmarker: out of memory");
  p->opt = o;
  p->next_id = 1;
  const char *lm_name = o.model == VP_MODEL_LITE   ? "pose_landmark_lite"
                        : o.model == VP_MODEL_FULL ? "pose_landmark_full"
                                                   : "pose_landmark_heavy";
  vp_status st = vp__net_open(&p->det, "pose detection", "pose_detection", o.detector_model_path,
                              o.models_dir, o.num_threads, o.pool, o.precision, 2, 0);
  /* Without masks the segmentation decoder (output 2) is not run: about half
   * of pose_landmark_lite's time (8.5 -> 4.3 ms at 1 thread). */
  if (st == VP_OK)
    st = vp__net_open(&p->lm, "pose landmark", lm_name, o.landmark_model_path, o.models_dir,
                      o.num_threads, o.pool, o.precision, 5,
                      o.output_segmentation_masks ? 0 : 1u << 2);
  if (st == VP_OK && (vp__net_output_size(&p->det, 0) != POSE_ANCHORS * 12 ||
                      vp__net_output_size(&p->det, 1) != POSE_ANCHORS))
    st = vp__error(VP_ESHAPE, "pose detection model: expected outputs [1,2254,12] and [1,2254,1]");
  if (st == VP_OK &&
      (vp__net_output_size(&p->lm, 0) != NUM_LM * 5 || vp__net_output_size(&p->lm, 1) != 1 ||
       vp__net_output_size(&p->lm, 2) != SEG * SEG ||
       vp__net_output_size(&p->lm, 3) != HM * HM * NUM_LM ||
       vp__net_output_size(&p->lm, 4) != NUM_LM * 3))
    st = vp__error(VP_ESHAPE, "pose landmark model: expected outputs 195, 1, 256x256, "
                              "64x64x39, 117 floats");
  if (st != VP_OK) {
    vp_pose_landmarker_destroy(p);
    return st;
  }
  /* pose_detector_graph.cc ConfigureSsdAnchorsCalculator */
  vp__ssd_anchor_options ao = vp__ssd_anchor_options_default();
  ao.input_width = ao.input_height = 224;
  ao.min_scale = 0.1484375f;
  ao.max_scale = 0.75f;
  ao.anchor_offset_x = ao.anchor_offset_y = 0.5f;
  ao.num_layers = 5;
  ao.strides[0] = 8;
  ao.strides[1] = 16;
  ao.strides[2] = ao.strides[3] = ao.strides[4] = 32;
  ao.num_aspect_ratios = 1;
  ao.aspect_ratios[0] = 1.0f;
  ao.fixed_anchor_size = true;
  p->anchors = malloc(sizeof(vp__anchor) * POSE_ANCHORS);
  p->dets = malloc(sizeof(vp__detection) * POSE_ANCHORS);
  p->nms = malloc(sizeof(vp__detection) * POSE_ANCHORS);
  p->seg = malloc(sizeof(float) * SEG * SEG);
  p->all = malloc(sizeof(vp__detection) * POSE_ANCHORS * 2);
  if (!p->anchors || !p->dets || !p->nms || !p->seg || !p->all) {
    vp_pose_landmarker_destroy(p);
    return vp__error(VP_ENOMEM, "pose landmarker: out of memory");
  }
  st = vp__ssd_anchors_generate(&ao, p->anchors, POSE_ANCHORS, &p->num_anchors);
  if (st == VP_OK && p->num_anchors != POSE_ANCHORS)
    st = vp__error(VP_ESHAPE, "pose anchors: %d, expected 2254", (int)p->num_anchors);
  if (st != VP_OK) {
    vp_pose_landmarker_destroy(p);
    return st;
  }
  /* pose_landmarks_detector_graph.cc: SmoothLandmarks parameters */
  for (int i = 0; i < MAX_POSES; i++) {
    vp__smoothing_options so = vp__smoothing_options_default();
    so.min_cutoff = 0.05;
    so.beta = 80.0;
    so.derivate_cutoff = 1.0;
    vp__landmark_smoother_init(&p->slots[i].sm, &so);
    so.min_cutoff = 0.1;
    so.beta = 40.0;
    so.disable_value_scaling = true;
    vp__landmark_smoother_init(&p->slots[i].wsm, &so);
    vp__visibility_filter_init(&p->slots[i].vis, 0.1f);
    vp__visibility_filter_init(&p->slots[i].wvis, 0.1f);
  }
  *out = p;
  return VP_OK;
}

/* Pose detector on one crop @p roi (axis-aligned, normalised) of the frame:
 * appends the decoded detections, in frame coordinates, to p->all. */
static vp_status detect_in(vp_pose_landmarker *p, const vp_frame *f, const vp_norm_rect *roi,
                           int32_t *n_all, int32_t cap) {
  const int32_t W = f->width, H = f->height;
  float pad[4];
  int64_t t0 = vp_time_ns();
  vp_status st = vp__net_crop(&p->det, f, roi, true, true, -1.0f, 1.0f, pad, NULL);
  if (st != VP_OK) return st;
  int64_t t1 = vp_time_ns();
  st = vp_session_run(p->det.session);
  if (st != VP_OK) return st;
  int64_t t2 = vp_time_ns();
  p->timings.preprocess_ns += t1 - t0;
  p->timings.inference_ns += t2 - t1;
  p->timings.detector_runs++;

  /* pose_detector_graph.cc ConfigureTensorsToDetectionsCalculator */
  vp__decode_options d;
  memset(&d, 0, sizeof(d));
  d.num_classes = 1;
  d.num_boxes = POSE_ANCHORS;
  d.num_coords = 12;
  d.box_coord_offset = 0;
  d.keypoint_coord_offset = 4;
  d.num_keypoints = 4;
  d.num_values_per_keypoint = 2;
  d.sigmoid_score = true;
  d.score_clipping_thresh = 100.0f;
  d.has_score_clipping_thresh = true;
  d.reverse_output_order = true;
  d.min_score_thresh = p->opt.min_pose_detection_confidence;
  d.has_min_score_thresh = true;
  d.x_scale = d.y_scale = d.w_scale = d.h_scale = 224.0f;
  int32_t nd = 0;
  st = vp__decode_detections(&d, vp_session_output(p->det.session, 0),
                             vp_session_output(p->det.session, 1), p->anchors, p->num_anchors,
                             p->dets, POSE_ANCHORS, &nd);
  if (st != VP_OK) return st;
  const bool whole = roi->x_center == 0.5f && roi->y_center == 0.5f && roi->width == 1.0f &&
                     roi->height == 1.0f && roi->rotation == 0.0f;
  for (int32_t i = 0; i < nd && *n_all < cap; i++) {
    vp__detection *det = &p->dets[i];
    vp__letterbox_remove_detection(pad, det); /* DetectionLetterboxRemovalCalculator */
    if (!whole) vp__detection_project(roi, W, H, det);
    p->all[(*n_all)++] = *det;
  }
  p->timings.postprocess_ns += vp_time_ns() - t2;
  return VP_OK;
}

/* Multi-person tiles: 2×2 overlapping quarters (each 60% of the frame's
 * width and height), so that people too small for the whole-frame 224×224
 * detector are found; beyond MediaPipe, used only when num_poses > 1. */
static vp_norm_rect tile(int k) {
  vp_norm_rect r = {k % 2 ? 0.7f : 0.3f, k / 2 ? 0.7f : 0.3f, 0.6f, 0.6f, 0.0f};
  return r;
}

static vp_status detect_poses(vp_pose_landmarker *p, const vp_frame *f, vp_norm_rect *rects,
                              int32_t *count, bool all_tiles) {
  const int32_t W = f->width, H = f->height;
  const vp_norm_rect whole = vp__whole_frame();
  const int32_t cap = POSE_ANCHORS * 2;
  int32_t n_all = 0;
  vp_status st = detect_in(p, f, &whole, &n_all, cap);
  if (st == VP_OK && p->opt.num_poses > 1) {
    /* IMAGE mode scans every tile; VIDEO/LIVE one tile per detector run. */
    for (int k = 0; st == VP_OK && k < 4; k++) {
      if (!all_tiles && k != p->tile_next) continue;
      const vp_norm_rect t = tile(k);
      st = detect_in(p, f, &t, &n_all, cap);
    }
    p->tile_next = (p->tile_next + 1) % 4;
  }
  if (st != VP_OK) return st;
  int64_t t0 = vp_time_ns();
  int32_t nn = 0;
  vp__nms_options no = vp__nms_options_default();
  no.algorithm = VP__NMS_WEIGHTED;
  no.min_suppression_threshold = 0.5f; /* PoseDetectorGraphOptions default */
  st = vp__nms(&no, p->all, n_all, p->nms, POSE_ANCHORS, &nn);
  if (st != VP_OK) return st;
  vp__rect_transform rt = vp__rect_transform_default();
  rt.scale_x = rt.scale_y = 1.25f;
  rt.square_long = true;
  int32_t n = 0;
  for (int32_t i = 0; i < nn && n < p->opt.num_poses; i++) {
    const vp__detection *det = &p->nms[i];
    vp__alignment_points_to_rect(det->kp[0], det->kp[1], (float)(M_PI / 2), W, H, &rects[n]);
    vp__rect_transform_apply(&rt, W, H, &rects[n]);
    n++;
  }
  *count = n;
  p->timings.postprocess_ns += vp_time_ns() - t0;
  return VP_OK;
}

/* Landmarks (and mask into @p mask, frame size, when asked) of one ROI. */
static vp_status pose_in_roi(vp_pose_landmarker *p, const vp_frame *f, const vp_norm_rect *roi,
                             vp_pose *pose, vp_norm_rect *next, float *mask, bool *ok) {
  const int32_t W = f->width, H = f->height;
  *ok = false;
  if (!(roi->width > 0.0f) || !(roi->height > 0.0f)) return VP_OK;
  int64_t t0 = vp_time_ns();
  vp_norm_rect used;
  vp_status st = vp__net_crop(&p->lm, f, roi, false, false, 0.0f, 1.0f, NULL, &used);
  if (st != VP_OK) return st;
  int64_t t1 = vp_time_ns();
  st = vp_session_run(p->lm.session);
  if (st != VP_OK) return st;
  int64_t t2 = vp_time_ns();
  p->timings.preprocess_ns += t1 - t0;
  p->timings.inference_ns += t2 - t1;
  p->timings.landmark_runs++;

  const float presence = vp_session_output(p->lm.session, 1)[0];
  if ((double)presence > (double)p->opt.min_pose_presence_confidence) {
    vp_landmark lm[NUM_LM], world[NUM_LM];
    vp__tensor_to_landmarks(vp_session_output(p->lm.session, 0), NUM_LM, 5, p->lm.in_w,
                            p->lm.in_h, 1.0f, true, lm);
    vp__refine_landmarks_from_heatmap(lm, NUM_LM, vp_session_output(p->lm.session, 3), HM, HM,
                                      NUM_LM, 7, 0.5f);
    vp__landmarks_project(roi, lm, NUM_LM);
    const float *w = vp_session_output(p->lm.session, 4);
    for (int i = 0; i < VP_POSE_LANDMARK_COUNT; i++) {
      world[i].x = w[3 * i];
      world[i].y = w[3 * i + 1];
      world[i].z = w[3 * i + 2];
      world[i].visibility = lm[i].visibility; /* VisibilityCopyCalculator */
      world[i].presence = lm[i].presence;
    }
    vp__world_landmarks_project(roi, world, VP_POSE_LANDMARK_COUNT);
    memcpy(pose->landmarks, lm, sizeof(vp_landmark) * VP_POSE_LANDMARK_COUNT);
    memcpy(pose->world_landmarks, world, sizeof(vp_landmark) * VP_POSE_LANDMARK_COUNT);
    pose->presence = presence;
    pose->roi = *roi;
    /* Next ROI from the two auxiliary landmarks (33, 34). */
    const float a[2] = {lm[33].x, lm[33].y}, b[2] = {lm[34].x, lm[34].y};
    vp__alignment_points_to_rect(a, b, (float)(M_PI / 2), W, H, next);
    vp__rect_transform rt = vp__rect_transform_default();
    rt.scale_x = rt.scale_y = 1.25f;
    rt.square_long = true;
    vp__rect_transform_apply(&rt, W, H, next);
    if (mask) {
      memcpy(p->seg, vp_session_output(p->lm.session, 2), sizeof(float) * SEG * SEG);
      vp__mask_sigmoid(p->seg, SEG * SEG);
      vp__mask_warp_from_roi(p->seg, SEG, SEG, used.x_center * W, used.y_center * H,
                             used.width * W, used.height * H, used.rotation, mask, W, H);
    }
    *ok = true;
  }
  p->timings.postprocess_ns += vp_time_ns() - t2;
  return VP_OK;
}

static float lm_iou(const vp_landmark *a, const vp_landmark *b, int32_t n) {
  float ax0 = INFINITY, ay0 = INFINITY, ax1 = -INFINITY, ay1 = -INFINITY;
  float bx0 = INFINITY, by0 = INFINITY, bx1 = -INFINITY, by1 = -INFINITY;
  for (int32_t i = 0; i < n; i++) {
    ax0 = fminf(ax0, a[i].x); ax1 = fmaxf(ax1, a[i].x);
    ay0 = fminf(ay0, a[i].y); ay1 = fmaxf(ay1, a[i].y);
    bx0 = fminf(bx0, b[i].x); bx1 = fmaxf(bx1, b[i].x);
    by0 = fminf(by0, b[i].y); by1 = fmaxf(by1, b[i].y);
  }
  const float ix = fmaxf(0, fminf(ax1, bx1) - fmaxf(ax0, bx0));
  const float iy = fmaxf(0, fminf(ay1, by1) - fmaxf(ay0, by0));
  const float inter = ix * iy;
  const float u = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
  return u > 0 ? inter / u : 0.0f;
}

static pose_track *slot_for(vp_pose_landmarker *p, int64_t id) {
  pose_track *free_slot = NULL;
  for (int i = 0; i < MAX_POSES; i++) {
    if (p->slots[i].id == id) return &p->slots[i];
    if (!p->slots[i].id && !free_slot) free_slot = &p->slots[i];
  }
  if (free_slot) free_slot->id = id;
  return free_slot;
}

static void slot_release(pose_track *s) {
  s->id = 0;
  vp__landmark_smoother_reset(&s->sm);
  vp__landmark_smoother_reset(&s->wsm);
  vp__visibility_filter_reset(&s->vis);
  vp__visibility_filter_reset(&s->wvis);
  s->mask_w = s->mask_h = 0;
}

static vp_status process(vp_pose_landmarker *p, const vp_frame *f, int64_t ts, bool track) {
  if (!f || f->width < 1 || f->height < 1)
    return vp__error(VP_EINVAL, "pose landmarker: empty frame");
  const int32_t W = f->width, H = f->height;
  memset(&p->timings, 0, sizeof(p->timings));
  const size_t plane = (size_t)W * (size_t)H;
  /* One frame-size mask per pose slot (at most num_poses poses per frame). */
  const size_t need = plane * (size_t)p->opt.num_poses;
  if (p->opt.output_segmentation_masks && p->masks_cap < need) {
    float *m = realloc(p->masks, sizeof(float) * need);
    if (!m) return vp__error(VP_ENOMEM, "pose landmarker: masks of %dx%d", (int)W, (int)H);
    p->masks = m;
    p->masks_cap = need;
  }

  vp_norm_rect rects[2 * MAX_POSES], det[MAX_POSES];
  int64_t ids[2 * MAX_POSES];
  int32_t nr = 0, nd = 0;
  vp_status st;
  if (track) {
    /* MediaPipe runs the detector whenever fewer than num_poses are tracked;
     * detector_interval > 1 thins that while something is tracked. */
    const bool due = p->num_track == 0 || ++p->since_detect >= p->opt.detector_interval;
    if (p->num_track < p->opt.num_poses && due) {
      p->since_detect = 0;
      st = detect_poses(p, f, det, &nd, false);
      if (st != VP_OK) return st;
    }
    /* AssociationNormRectCalculator: later (detector) rects replace the tracked
     * rects they overlap; a replacing rect inherits the first replaced id. */
    int32_t src[2 * MAX_POSES];
    nr = vp__associate_rects(p->track, p->num_track, det, nd, p->opt.min_tracking_confidence,
                             rects, src);
    for (int32_t i = 0; i < nr; i++) {
      if (src[i] < p->num_track) {
        ids[i] = p->track_id[src[i]];
        continue;
      }
      ids[i] = 0;
      for (int32_t j = 0; j < p->num_track && !ids[i]; j++) {
        bool still = false; /* a tracked rect that survived keeps its own id */
        for (int32_t k = 0; k < nr; k++) still |= src[k] == j;
        if (!still && vp__rect_iou(&p->track[j], &rects[i]) > p->opt.min_tracking_confidence)
          ids[i] = p->track_id[j];
      }
      for (int32_t k = 0; k < i && ids[i]; k++)
        if (ids[k] == ids[i]) ids[i] = 0;
      if (!ids[i]) ids[i] = p->next_id++;
    }
    if (nr > p->opt.num_poses) nr = p->opt.num_poses;
  } else {
    st = detect_poses(p, f, rects, &nr, true);
    if (st != VP_OK) return st;
    for (int32_t i = 0; i < nr; i++) ids[i] = 0;
  }

  int32_t n = 0;
  int64_t pose_ids[MAX_POSES];
  for (int32_t i = 0; i < nr; i++) {
    bool ok;
    float *mask = p->opt.output_segmentation_masks ? p->masks + plane * (size_t)n : NULL;
    st = pose_in_roi(p, f, &rects[i], &p->poses[n], &p->next_rect[n], mask, &ok);
    if (st != VP_OK) return st;
    if (!ok) continue;
    /* Two ROIs that converged on one person: keep the first. */
    bool dup = false;
    for (int32_t j = 0; j < n && !dup; j++)
      dup = lm_iou(p->poses[j].landmarks, p->poses[n].landmarks, VP_POSE_LANDMARK_COUNT) > 0.5f;
    if (dup) continue;
    pose_ids[n++] = ids[i];
  }

  for (int i = 0; i < MAX_POSES; i++) p->slots[i].seen = false;
  for (int32_t i = 0; i < n; i++) {
    vp_pose *ps = &p->poses[i];
    ps->id = track ? pose_ids[i] : 0;
    ps->mask = p->opt.output_segmentation_masks ? p->masks + plane * (size_t)i : NULL;
    if (!track) continue;
    pose_track *s = slot_for(p, ps->id);
    if (!s) continue;
    s->seen = true;
    if (p->opt.smoothing) {
      vp__visibility_filter_apply(&s->vis, ps->landmarks, VP_POSE_LANDMARK_COUNT);
      st = vp__landmark_smoother_apply(&s->sm, ps->landmarks, VP_POSE_LANDMARK_COUNT, W, H,
                                       &p->next_rect[i], ts);
      if (st != VP_OK) return st;
      vp__visibility_filter_apply(&s->wvis, ps->world_landmarks, VP_POSE_LANDMARK_COUNT);
      st = vp__landmark_smoother_apply(&s->wsm, ps->world_landmarks, VP_POSE_LANDMARK_COUNT, 1, 1,
                                       NULL, ts);
      if (st != VP_OK) return st;
    }
    if (ps->mask && p->opt.mask_smoothing) {
      if (s->mask_w == W && s->mask_h == H && s->mask_prev)
        vp__mask_smooth((float *)ps->mask, s->mask_prev, (int64_t)plane, 0.7f);
      if (s->mask_w != W || s->mask_h != H || !s->mask_prev) {
        free(s->mask_prev);
        s->mask_prev = malloc(sizeof(float) * plane);
        s->mask_w = s->mask_prev ? W : 0;
        s->mask_h = s->mask_prev ? H : 0;
      }
      if (s->mask_prev) memcpy(s->mask_prev, ps->mask, sizeof(float) * plane);
    }
  }
  if (track) {
    for (int i = 0; i < MAX_POSES; i++)
      if (p->slots[i].id && !p->slots[i].seen) slot_release(&p->slots[i]);
    for (int32_t i = 0; i < n; i++) {
      p->track[i] = p->next_rect[i];
      p->track_id[i] = p->poses[i].id;
    }
    p->num_track = n;
  }
  p->result.count = n;
  p->result.poses = p->poses;
  p->result.mask_width = p->opt.output_segmentation_masks ? W : 0;
  p->result.mask_height = p->opt.output_segmentation_masks ? H : 0;
  p->result.timestamp_ns = ts;
  return VP_OK;
}

vp_status vp_pose_landmarker_detect(vp_pose_landmarker *p, const vp_frame *frame,
                                    const vp_pose_landmarker_result **out) {
  if (!p || !out) return vp__error(VP_EINVAL, "pose landmarker: NULL argument");
  if (p->opt.running_mode != VP_RUNNING_MODE_IMAGE)
    return vp__error(VP_ESTATE, "pose landmarker: detect() needs IMAGE mode");
  vp_status st = process(p, frame, 0, false);
  if (st == VP_OK) *out = &p->result;
  return st;
}

static vp_status check_ts(vp_pose_landmarker *p, int64_t ts) {
  if (p->have_ts && ts <= p->last_ts)
    return vp__error(VP_EINVAL, "pose landmarker: timestamp %lld ns is not after %lld ns",
                     (long long)ts, (long long)p->last_ts);
  p->have_ts = true;
  p->last_ts = ts;
  return VP_OK;
}

vp_status vp_pose_landmarker_detect_for_video(vp_pose_landmarker *p, const vp_frame *frame,
                                              int64_t timestamp_ns,
                                              const vp_pose_landmarker_result **out) {
  if (!p || !out) return vp__error(VP_EINVAL, "pose landmarker: NULL argument");
  if (p->opt.running_mode != VP_RUNNING_MODE_VIDEO)
    return vp__error(VP_ESTATE, "pose landmarker: detect_for_video() needs VIDEO mode");
  if (!frame || frame->width < 1 || frame->height < 1)
    return vp__error(VP_EINVAL, "pose landmarker: empty frame");
  vp_status st = check_ts(p, timestamp_ns);
  if (st == VP_OK) st = process(p, frame, timestamp_ns, true);
  if (st == VP_OK) *out = &p->result;
  return st;
}

vp_status vp_pose_landmarker_detect_async(vp_pose_landmarker *p, const vp_frame *frame,
                                          int64_t timestamp_ns) {
  if (!p) return vp__error(VP_EINVAL, "pose landmarker: NULL argument");
  if (p->opt.running_mode != VP_RUNNING_MODE_LIVE)
    return vp__error(VP_ESTATE, "pose landmarker: detect_async() needs LIVE mode");
  if (!frame || frame->width < 1 || frame->height < 1)
    return vp__error(VP_EINVAL, "pose landmarker: empty frame");
  vp_status st = check_ts(p, timestamp_ns);
  if (st == VP_OK) st = process(p, frame, timestamp_ns, true);
  p->opt.result_callback(p->opt.user, st, st == VP_OK ? &p->result : NULL, frame);
  return st;
}

void vp_pose_landmarker_timings(const vp_pose_landmarker *p, vp_task_timings *out) {
  if (p && out) *out = p->timings;
}
