/*
 * AlignmentPointsRectsCalculator, after
 * mediapipe/calculators/util/alignment_points_to_rects_calculator.cc
 * (DetectionToNormalizedRect) with the rotation of
 * mediapipe/calculators/util/detections_to_rects_calculator.cc (ComputeRotation).
 */
#include <math.h>

#include "tasks/body_calc.h"

void vp__alignment_points_rect(float cx, float cy, float ex, float ey, int32_t image_w,
                               int32_t image_h, float target_angle, vp__body_rect *out) {
  const float W = (float)image_w, H = (float)image_h;
  const float x_center = cx * W, y_center = cy * H;
  const float x_scale = ex * W, y_scale = ey * H;
  const float box = (float)(sqrtf((x_scale - x_center) * (x_scale - x_center) +
                                  (y_scale - y_center) * (y_scale - y_center)) *
                            2.0);
  out->x_center = x_center / W;
  out->y_center = y_center / H;
  out->width = box / W;
  out->height = box / H;
  out->rotation =
      vp__body_normalize_radians(target_angle - atan2f(-(y_scale - y_center), x_scale - x_center));
  out->id = 0;
}
