/*
 * Element-wise mask operations: the SIGMOID activation of
 * TensorsToSegmentationCalculator (pose masks; mediapipe/calculators/tensor/
 * tensors_to_segmentation_calculator.cc) and SegmentationSmoothingCalculator
 * (mediapipe/calculators/image/segmentation_smoothing_calculator.cc), whose
 * polynomial approximates the squared uncertainty of the new mask value; the
 * legacy pose graph uses combine_with_previous_ratio 0.7
 * (mediapipe/modules/pose_landmark/pose_segmentation_filtering.pbtxt).
 */
#include <math.h>

#include "tasks/body_calc.h"

void vp__mask_sigmoid(float *v, int64_t n) {
  for (int64_t i = 0; i < n; i++) v[i] = 1.0f / (1.0f + expf(-v[i]));
}

void vp__mask_smooth(float *cur, const float *prev, int64_t n, float ratio) {
  const float c1 = 5.68842f, c2 = -0.748699f, c3 = -57.8051f, c4 = 291.309f, c5 = -624.717f;
  for (int64_t i = 0; i < n; i++) {
    const float p = cur[i];
    const float t = p - 0.5f, x = t * t;
    const float unc = 1.0f - fminf(1.0f, x * (c1 + x * (c2 + x * (c3 + x * (c4 + x * c5)))));
    cur[i] = p + (prev[i] - p) * (unc * ratio);
  }
}
