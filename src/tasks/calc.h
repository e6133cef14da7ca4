/* MediaPipe-compatible calculators shared by every task (layer: tasks).
 *
 * Each calculator lives in its own file and reproduces one MediaPipe
 * calculator; the file cites where its numbers and rules come from
 * (google-ai-edge/mediapipe, paths relative to the repository root).
 * Options are plain structs; nothing here allocates except the anchor
 * generator, and nothing keeps global state. All coordinates are normalised
 * to the image (or tensor) unless a name says "px".
 */
#ifndef VP_TASKS_CALC_H
#define VP_TASKS_CALC_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "vpipe/core.h"
#include "vpipe/tasks.h"

/* ---------------------------------------------------------------- anchors */

/* SsdAnchorsCalculator options (mediapipe/calculators/tflite/ssd_anchors_calculator.proto).
 * Only the single-scale path is implemented (multiscale_anchor_generation false). */
#define VP__SSD_MAX_LAYERS 8
#define VP__SSD_MAX_RATIOS 4
typedef struct vp__ssd_anchor_options {
  int32_t input_width, input_height;
  float min_scale, max_scale;
  float anchor_offset_x, anchor_offset_y; /* proto default 0.5 */
  int32_t num_layers;
  int32_t strides[VP__SSD_MAX_LAYERS];
  int32_t num_aspect_ratios;
  float aspect_ratios[VP__SSD_MAX_RATIOS];
  float interpolated_scale_aspect_ratio;  /* proto default 1.0; <= 0 disables */
  bool reduce_boxes_in_lowest_layer;      /* proto default false */
  bool fixed_anchor_size;                 /* proto default false */
} vp__ssd_anchor_options;

typedef struct vp__anchor {
  float x_center, y_center, w, h;
} vp__anchor;

/* Proto defaults (offsets 0.5, interpolated ratio 1.0, one aspect ratio 1.0). */
vp__ssd_anchor_options vp__ssd_anchor_options_default(void);

/* Number of anchors the options produce, or a negative status for bad options. */
int32_t vp__ssd_anchor_count(const vp__ssd_anchor_options *opt);

/* Fill @p out (capacity @p cap) with the anchors; *count gets their number. */
vp_status vp__ssd_anchors_generate(const vp__ssd_anchor_options *opt, vp__anchor *out,
                                   int32_t cap, int32_t *count);

/* ------------------------------------------------------------- detections */

#define VP__DET_MAX_KEYPOINTS 8

/* A detection with a relative bounding box (MediaPipe's Detection proto with
 * RELATIVE_BOUNDING_BOX location data). */
typedef struct vp__detection {
  float score;
  float xmin, ymin, width, height;
  int32_t num_keypoints;
  float kp[VP__DET_MAX_KEYPOINTS][2]; /* x, y */
} vp__detection;

/* TensorsToDetectionsCalculator options
 * (mediapipe/calculators/tensor/tensors_to_detections_calculator.proto). */
typedef struct vp__decode_options {
  int32_t num_classes, num_boxes, num_coords;
  int32_t box_coord_offset, keypoint_coord_offset;
  int32_t num_keypoints, num_values_per_keypoint;
  float x_scale, y_scale, w_scale, h_scale;
  bool apply_exponential_on_box_size;
  bool reverse_output_order; /* true: boxes are x_center, y_center, w, h */
  bool sigmoid_score;
  float score_clipping_thresh; /* used when > 0... and has_score_clipping_thresh */
  bool has_score_clipping_thresh;
  float min_score_thresh;
  bool has_min_score_thresh;
} vp__decode_options;

/* Decode raw model outputs into detections whose score passes the threshold.
 * @p raw_boxes is [num_boxes, num_coords], @p raw_scores [num_boxes, num_classes].
 * Writes at most @p cap detections to @p out; *count gets the number written.
 * Returns VP_ESHAPE when there are more anchors than boxes expected. */
vp_status vp__decode_detections(const vp__decode_options *opt, const float *raw_boxes,
                                const float *raw_scores, const vp__anchor *anchors,
                                int32_t num_anchors, vp__detection *out, int32_t cap,
                                int32_t *count);

/* NonMaxSuppressionCalculator (mediapipe/calculators/util/non_max_suppression_calculator.cc). */
typedef enum vp__nms_algorithm { VP__NMS_DEFAULT = 0, VP__NMS_WEIGHTED = 1 } vp__nms_algorithm;
typedef struct vp__nms_options {
  vp__nms_algorithm algorithm;
  float min_suppression_threshold; /* proto default 1.0 */
  float min_score_threshold;       /* proto default -1 (off) */
  int32_t max_num_detections;      /* proto default -1 (no limit); DEFAULT only */
} vp__nms_options;
vp__nms_options vp__nms_options_default(void);

/* IoU of two relative boxes (OverlapSimilarity, INTERSECTION_OVER_UNION). */
float vp__box_iou(const vp__detection *a, const vp__detection *b);

/* Run NMS on @p in (n entries, not modified); writes up to @p cap to @p out. */
vp_status vp__nms(const vp__nms_options *opt, const vp__detection *in, int32_t n,
                  vp__detection *out, int32_t cap, int32_t *count);

/* -------------------------------------------------------------- rectangles */

/* NormalizeRadians (mediapipe/calculators/util/detections_to_rects_calculator.h). */
float vp__normalize_radians(float angle);

/* DetectionsToRectsCalculator: rect from the relative box; rotation from
 * keypoints start→end scaled to pixels, relative to @p target_angle (radians).
 * @p start < 0 means no rotation. */
void vp__detection_to_rect(const vp__detection *d, int32_t start, int32_t end,
                           float target_angle, int32_t image_w, int32_t image_h,
                           vp_norm_rect *out);

/* AlignmentPointsRectsCalculator: centre = kp[start], side = 2·|kp[end]−kp[start]|
 * in pixels, rotation as above. */
void vp__alignment_points_to_rect(const float start_xy[2], const float end_xy[2],
                                  float target_angle, int32_t image_w, int32_t image_h,
                                  vp_norm_rect *out);

/* LandmarksToDetectionCalculator + DetectionsToRectsCalculator for landmark
 * lists: the box is the landmarks' extent (x, y), rotation from landmarks
 * @p start → @p end (pixels). */
void vp__landmarks_to_rect(const vp_landmark *lm, int32_t n, int32_t start, int32_t end,
                           float target_angle, int32_t image_w, int32_t image_h,
                           vp_norm_rect *out);

/* RectTransformationCalculator options
 * (mediapipe/calculators/util/rect_transformation_calculator.proto). */
typedef struct vp__rect_transform {
  float scale_x, scale_y; /* default 1 */
  float shift_x, shift_y; /* default 0 */
  float rotation;         /* extra rotation, radians, default 0 */
  bool square_long, square_short;
} vp__rect_transform;
vp__rect_transform vp__rect_transform_default(void);
void vp__rect_transform_apply(const vp__rect_transform *t, int32_t image_w, int32_t image_h,
                              vp_norm_rect *rect);

/* ---------------------------------------------------------------- letterbox */

/* PadRoi (mediapipe/calculators/tensor/image_to_tensor_utils.cc): grow the ROI
 * (pixels, w/h) to the tensor's aspect ratio; @p pad gets the normalised
 * (left, top, right, bottom) padding. */
void vp__letterbox_pad_roi(int32_t tensor_w, int32_t tensor_h, float *roi_w, float *roi_h,
                           float pad[4]);

/* DetectionLetterboxRemovalCalculator on a detection (box and keypoints). */
void vp__letterbox_remove_detection(const float pad[4], vp__detection *d);
/* The same on landmarks (x, y only; z unchanged) — LandmarkLetterboxRemovalCalculator. */
void vp__letterbox_remove_landmarks(const float pad[4], vp_landmark *lm, int32_t n);

/* Project a detection decoded in ROI-normalised coordinates back to the image
 * (DetectionProjectionCalculator with ImageToTensor's matrix): box corners and
 * keypoints through the ROI (rotation included; the box becomes the extent of
 * its projected corners). */
void vp__detection_project(const vp_norm_rect *roi, int32_t image_w, int32_t image_h,
                           vp__detection *d);

/* ------------------------------------------------------------- projection */

/* LandmarkProjectionCalculator: ROI-normalised landmarks → image-normalised. */
void vp__landmarks_project(const vp_norm_rect *roi, vp_landmark *lm, int32_t n);
/* WorldLandmarkProjectionCalculator: rotate world x, y by the ROI rotation. */
void vp__world_landmarks_project(const vp_norm_rect *roi, vp_landmark *lm, int32_t n);

/* TensorsToLandmarksCalculator (normalised output): @p raw has @p dims floats per
 * landmark (x, y, z[, visibility[, presence]]). Visibility/presence get a
 * sigmoid when @p sigmoid_vis_presence. */
void vp__tensor_to_landmarks(const float *raw, int32_t n, int32_t dims, int32_t input_w,
                             int32_t input_h, float normalize_z, bool sigmoid_vis_presence,
                             vp_landmark *out);

static inline float vp__sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/* -------------------------------------------------------------- smoothing */

/* mediapipe/util/filtering/low_pass_filter.cc */
typedef struct vp__low_pass {
  double raw, stored;
  bool initialized;
} vp__low_pass;

/* mediapipe/util/filtering/one_euro_filter.cc */
typedef struct vp__one_euro {
  double frequency, min_cutoff, beta, derivate_cutoff;
  vp__low_pass x, dx;
  int64_t last_time_ns;
} vp__one_euro;

void vp__one_euro_init(vp__one_euro *f, double frequency, double min_cutoff, double beta,
                       double derivate_cutoff);
double vp__one_euro_apply(vp__one_euro *f, int64_t timestamp_ns, double value_scale,
                          double value);

/* LandmarksSmoothingCalculator one-euro options
 * (mediapipe/calculators/util/landmarks_smoothing_calculator.proto). */
typedef struct vp__smoothing_options {
  double frequency;       /* 30 */
  double min_cutoff;      /* 1.0 */
  double beta;            /* 0.0 */
  double derivate_cutoff; /* 1.0 */
  double min_allowed_object_scale; /* 1e-6 */
  bool disable_value_scaling;
} vp__smoothing_options;
vp__smoothing_options vp__smoothing_options_default(void);

/* Per-object landmark smoother (x, y, z filters per landmark). */
typedef struct vp__landmark_smoother {
  vp__smoothing_options opt;
  int32_t n;              /* landmarks the filters were made for; 0 = empty */
  vp__one_euro *filters;  /* 3·n */
} vp__landmark_smoother;

void vp__landmark_smoother_init(vp__landmark_smoother *s, const vp__smoothing_options *opt);
void vp__landmark_smoother_reset(vp__landmark_smoother *s);
void vp__landmark_smoother_free(vp__landmark_smoother *s);
/* Smooth normalised landmarks in place (filtered in pixels: x·W, y·H, z·W).
 * @p roi (may be NULL) gives the object scale, else the landmarks' extent. */
vp_status vp__landmark_smoother_apply(vp__landmark_smoother *s, vp_landmark *lm, int32_t n,
                                      int32_t image_w, int32_t image_h,
                                      const vp_norm_rect *roi, int64_t timestamp_ns);

/* ------------------------------------------------------------ association */

/* IoU of two rects as axis-aligned boxes (rotation ignored), normalised. */
float vp__rect_iou(const vp_norm_rect *a, const vp_norm_rect *b);

/* AssociationNormRectCalculator (mediapipe/calculators/util/association_calculator.h,
 * association_norm_rect_calculator.cc): the elements of @p first, then of
 * @p second, are added in order; each new element removes every kept element
 * it overlaps (axis-aligned IoU > @p min_similarity) and is appended. So later
 * elements win. @p out needs n_first + n_second entries; @p src_index (may be
 * NULL) gets for each output its input index (second list offset by n_first).
 * Returns the output count. */
int32_t vp__associate_rects(const vp_norm_rect *first, int32_t n_first,
                            const vp_norm_rect *second, int32_t n_second, float min_similarity,
                            vp_norm_rect *out, int32_t *src_index);

#endif
