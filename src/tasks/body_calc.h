/*
 * Private calculators of the hand landmarker, pose landmarker and segmenter
 * (the parts MediaPipe only uses for hands, pose and selfie segmentation).
 * The calculators shared with the face tasks (anchors, decoding, NMS, rect
 * transformation, projection, one-euro filter, image->tensor warp) live with
 * the face tasks; these reuse them.
 *
 * Every function reproduces one MediaPipe calculator; each .c file cites its
 * source. Coordinates follow MediaPipe: normalised rects (centre, size as a
 * fraction of the image, rotation in radians, clockwise in image space) and
 * normalised landmarks (x / W, y / H, z on the scale of x).
 */
#ifndef VP_TASKS_BODY_CALC_H
#define VP_TASKS_BODY_CALC_H

#include <stdbool.h>
#include <stdint.h>

#include "vpipe/tasks.h"

/* ---- hands ------------------------------------------------------------ */

#define VP_HAND_LANDMARKS 21

/**
 * HandLandmarksToRectCalculator: the hand rect from the 21 projected hand
 * landmarks (before the 2.0 / -0.1 rect transformation).
 */
void vp__hand_landmarks_to_rect(const vp_landmark lms[VP_HAND_LANDMARKS], int32_t image_w,
                                int32_t image_h, vp_norm_rect *out);

/**
 * HandAssociationCalculator (Tasks): keeps every @p base rect (previous
 * frame's tracked hands, ids in @p base_ids) and appends each detector rect
 * whose axis-aligned IoU with every rect kept so far is <= @p min_similarity;
 * those get new ids from @p next_id (NormalizedRect.rect_id). At most
 * @p max_out rects are written to @p out / @p out_ids.
 * @return the number of rects written.
 */
int32_t vp__hand_association(const vp_norm_rect *base, const int64_t *base_ids, int32_t n_base,
                             const vp_norm_rect *rects, int32_t n_rects, float min_similarity,
                             int64_t *next_id, vp_norm_rect *out, int64_t *out_ids,
                             int32_t max_out);

/**
 * Test hook: replace the hand landmarker's tracked hands (VIDEO/LIVE) by the
 * ROIs it would derive from these landmark sets (21 normalised landmarks
 * each, in order; at most num_hands used), as if the previous frame had
 * found them. Lets a test feed MediaPipe's own previous-frame landmarks.
 */
void vp__hand_landmarker_track_from(vp_hand_landmarker *h, const vp_landmark *const *hands,
                                    int32_t n, int32_t image_w, int32_t image_h);

/**
 * HandLandmarksDeduplicationCalculator (Tasks): marks hands that duplicate an
 * earlier kept hand; with @p box_overlap (a vpipe addition, not MediaPipe),
 * also a hand whose landmark box overlaps a kept hand's by IoU > 0.5.
 * @p hands[i] points at 21 normalised landmarks.
 * @param[out] suppressed n flags, true for a duplicate.
 * @return the number of hands kept.
 */
int32_t vp__hand_dedup(const vp_landmark *const *hands, int32_t n, int32_t image_w,
                       int32_t image_h, bool box_overlap, bool *suppressed);

/**
 * Handedness as the Tasks hand landmarker labels it (binary classification,
 * top 1, label map 0 "Right", 1 "Left"): @p raw is the model's score output.
 */
void vp__hand_handedness(float raw, const char **label, float *score);

/* ---- pose -------------------------------------------------------------- */

/**
 * RefineLandmarksFromHeatmapCalculator: moves each landmark (normalised to the
 * model input) to the sigmoid-weighted centroid of a kernel x kernel window of
 * its heatmap channel, when the window's maximum confidence is at least
 * @p min_confidence. @p heatmap is HWC with @p channels == @p n.
 */
void vp__refine_landmarks_from_heatmap(vp_landmark *lms, int32_t n, const float *heatmap,
                                       int32_t hm_h, int32_t hm_w, int32_t channels,
                                       int32_t kernel, float min_confidence);

/** MediaPipe's LowPassFilter (alpha * value + (1 - alpha) * previous). */
typedef struct vp__lowpass {
  float alpha, stored;
  bool initialized;
} vp__lowpass;
void vp__lowpass_init(vp__lowpass *f, float alpha);
float vp__lowpass_apply(vp__lowpass *f, float value);

/** VisibilitySmoothingCalculator with a low-pass filter per landmark. */
#define VP_VISIBILITY_MAX 64
typedef struct vp__visibility_filter {
  vp__lowpass f[VP_VISIBILITY_MAX];
  int32_t n; /**< 0 until the first landmarks arrive (or after a reset) */
  float alpha;
} vp__visibility_filter;
void vp__visibility_filter_init(vp__visibility_filter *v, float alpha);
/** Filters the visibility of @p n landmarks in place; n <= VP_VISIBILITY_MAX. */
void vp__visibility_filter_apply(vp__visibility_filter *v, vp_landmark *lms, int32_t n);
/** Called on a frame without landmarks, as MediaPipe resets the filters then. */
void vp__visibility_filter_reset(vp__visibility_filter *v);

/* ---- segmentation ------------------------------------------------------ */

/** Logistic sigmoid of @p n values in place. */
void vp__mask_sigmoid(float *v, int64_t n);

/**
 * WarpAffineCalculator with the inverse of the ROI crop (pose masks): writes
 * an out_w x out_h mask where each pixel (x, y) samples the in_w x in_h ROI
 * mask bilinearly (OpenCV's 1/32 coordinate steps) at the ROI position of
 * (x, y); outside the ROI is 0. The ROI is in pixels of the output image
 * (centre, size, rotation), exactly the rect the crop was taken from.
 */
void vp__mask_warp_from_roi(const float *in, int32_t in_w, int32_t in_h, float roi_cx,
                            float roi_cy, float roi_w, float roi_h, float roi_rotation,
                            float *out, int32_t out_w, int32_t out_h);

/** cv::resize INTER_LINEAR of a float mask (half-pixel centres, edge clamp). */
void vp__mask_resize_linear(const float *in, int32_t in_w, int32_t in_h, float *out,
                            int32_t out_w, int32_t out_h);

/**
 * SegmentationSmoothingCalculator: blends @p prev into @p cur in place, more
 * where @p cur is uncertain; @p ratio is combine_with_previous_ratio.
 */
void vp__mask_smooth(float *cur, const float *prev, int64_t n, float ratio);

#endif
