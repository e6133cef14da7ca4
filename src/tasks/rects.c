/* Detections and landmarks → rotated rectangles (layer: tasks).
 *
 * - vp__normalize_radians: NormalizeRadians in
 *   mediapipe/calculators/util/detections_to_rects_calculator.h:
 *   a − 2π·floor((a + π) / 2π).
 * - vp__detection_to_rect: DetectionsToRectsCalculator
 *   (mediapipe/calculators/util/detections_to_rects_calculator.cc,
 *   DetectionToNormalizedRect, ComputeRotation): centre and size from the
 *   relative box; rotation = NormalizeRadians(target − atan2(−(y1 − y0), x1 − x0))
 *   with the two keypoints in pixels.
 * - vp__alignment_points_to_rect: AlignmentPointsRectsCalculator
 *   (mediapipe/calculators/util/alignment_points_to_rects_calculator.cc).
 * - vp__landmarks_to_rect: LandmarksToDetectionCalculator
 *   (mediapipe/calculators/util/landmarks_to_detection_calculator.cc: box =
 *   min/max of x, y) followed by DetectionsToRectsCalculator.
 */
#include <math.h>

#include "tasks/calc.h"

float vp__normalize_radians(float angle) {
  /* evaluated in double as in MediaPipe (M_PI is a double) */
  return (float)(angle - 2 * M_PI * floor((angle - (-M_PI)) / (2 * M_PI)));
}

static float rotation_px(float x0, float y0, float x1, float y1, float target, int32_t w,
                         int32_t h) {
  x0 *= (float)w; y0 *= (float)h;
  x1 *= (float)w; y1 *= (float)h;
  return vp__normalize_radians(target - atan2f(-(y1 - y0), x1 - x0));
}

void vp__detection_to_rect(const vp__detection *d, int32_t start, int32_t end,
                           float target_angle, int32_t image_w, int32_t image_h,
                           vp_norm_rect *out) {
  out->x_center = d->xmin + d->width / 2;
  out->y_center = d->ymin + d->height / 2;
  out->width = d->width;
  out->height = d->height;
  out->rotation = 0.0f;
  if (start >= 0 && start < d->num_keypoints && end >= 0 && end < d->num_keypoints)
    out->rotation = rotation_px(d->kp[start][0], d->kp[start][1], d->kp[end][0], d->kp[end][1],
                                target_angle, image_w, image_h);
}

void vp__alignment_points_to_rect(const float s[2], const float e[2], float target_angle,
                                  int32_t image_w, int32_t image_h, vp_norm_rect *out) {
  const float x0 = s[0] * (float)image_w, y0 = s[1] * (float)image_h;
  const float x1 = e[0] * (float)image_w, y1 = e[1] * (float)image_h;
  const float box = sqrtf((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)) * 2.0f;
  out->x_center = x0 / (float)image_w;
  out->y_center = y0 / (float)image_h;
  out->width = box / (float)image_w;
  out->height = box / (float)image_h;
  out->rotation = rotation_px(s[0], s[1], e[0], e[1], target_angle, image_w, image_h);
}

void vp__landmarks_to_rect(const vp_landmark *lm, int32_t n, int32_t start, int32_t end,
                           float target_angle, int32_t image_w, int32_t image_h,
                           vp_norm_rect *out) {
  float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (int32_t i = 0; i < n; i++) {
    x0 = fminf(x0, lm[i].x); x1 = fmaxf(x1, lm[i].x);
    y0 = fminf(y0, lm[i].y); y1 = fmaxf(y1, lm[i].y);
  }
  if (n <= 0) x0 = y0 = x1 = y1 = 0;
  const float w = x1 - x0, h = y1 - y0;
  out->x_center = x0 + w / 2;
  out->y_center = y0 + h / 2;
  out->width = w;
  out->height = h;
  out->rotation = 0.0f;
  if (start >= 0 && start < n && end >= 0 && end < n)
    out->rotation = rotation_px(lm[start].x, lm[start].y, lm[end].x, lm[end].y, target_angle,
                                image_w, image_h);
}
