/* Landmark decoding and projection (layer: tasks).
 *
 * - vp__tensor_to_landmarks: TensorsToLandmarksCalculator
 *   (mediapipe/calculators/tensor/tensors_to_landmarks_calculator.cc):
 *   x/input_w, y/input_h, z/input_w/normalize_z; 4th value visibility, 5th
 *   presence, through a sigmoid when the activation is SIGMOID.
 * - vp__landmarks_project: LandmarkProjectionCalculator
 *   (mediapipe/calculators/util/landmark_projection_calculator.cc):
 *   (x − 0.5, y − 0.5) rotated by the ROI rotation, scaled by the ROI size,
 *   plus the ROI centre; z · ROI width.
 * - vp__world_landmarks_project: WorldLandmarkProjectionCalculator
 *   (mediapipe/calculators/util/world_landmark_projection_calculator.cc):
 *   x, y rotated by the ROI rotation, z unchanged.
 */
#include <math.h>

#include "tasks/calc.h"

void vp__tensor_to_landmarks(const float *raw, int32_t n, int32_t dims, int32_t input_w,
                             int32_t input_h, float normalize_z, bool sigmoid_vp,
                             vp_landmark *out) {
  for (int32_t i = 0; i < n; i++) {
    const float *p = raw + (size_t)i * dims;
    vp_landmark *l = &out[i];
    l->x = p[0] / (float)input_w;
    l->y = dims > 1 ? p[1] / (float)input_h : 0.0f;
    l->z = dims > 2 ? p[2] / (float)input_w / normalize_z : 0.0f;
    l->visibility = dims > 3 ? (sigmoid_vp ? vp__sigmoid(p[3]) : p[3]) : 0.0f;
    l->presence = dims > 4 ? (sigmoid_vp ? vp__sigmoid(p[4]) : p[4]) : 0.0f;
  }
}

void vp__landmarks_project(const vp_norm_rect *r, vp_landmark *lm, int32_t n) {
  const float c = cosf(r->rotation), s = sinf(r->rotation);
  for (int32_t i = 0; i < n; i++) {
    const float x = lm[i].x - 0.5f, y = lm[i].y - 0.5f;
    const float nx = c * x - s * y, ny = s * x + c * y;
    lm[i].x = nx * r->width + r->x_center;
    lm[i].y = ny * r->height + r->y_center;
    lm[i].z = lm[i].z * r->width;
  }
}

void vp__world_landmarks_project(const vp_norm_rect *r, vp_landmark *lm, int32_t n) {
  const float c = cosf(r->rotation), s = sinf(r->rotation);
  for (int32_t i = 0; i < n; i++) {
    const float x = lm[i].x, y = lm[i].y;
    lm[i].x = c * x - s * y;
    lm[i].y = s * x + c * y;
  }
}
