/*
 * HandAssociationCalculator of MediaPipe Tasks, after
 * mediapipe/tasks/cc/vision/hand_landmarker/calculators/hand_association_calculator.cc
 * (GetNonOverlappingElements) and mediapipe/util/rectangle_util.cc
 * (DoesRectOverlap, CalculateIou: axis-aligned, rotation ignored).
 */
#include <math.h>

#include "tasks/body_calc.h"

/* IoU of the axis-aligned boxes of two normalised rects (rotation ignored),
 * as rectangle_util.cc CalculateIou on ToRectangle(). */
static float rect_iou(const vp__body_rect *a, const vp__body_rect *b) {
  const float ax0 = a->x_center - a->width / 2.0f, ay0 = a->y_center - a->height / 2.0f;
  const float bx0 = b->x_center - b->width / 2.0f, by0 = b->y_center - b->height / 2.0f;
  const float ax1 = ax0 + a->width, ay1 = ay0 + a->height;
  const float bx1 = bx0 + b->width, by1 = by0 + b->height;
  const float ix0 = fmaxf(ax0, bx0), iy0 = fmaxf(ay0, by0);
  const float ix1 = fminf(ax1, bx1), iy1 = fminf(ay1, by1);
  if (ix1 <= ix0 || iy1 <= iy0) return 0.0f; /* Rectangle::Intersects is false */
  const float inter = (ix1 - ix0) * (iy1 - iy0);
  const float norm = a->width * a->height + b->width * b->height - inter;
  return norm > 0.0f ? inter / norm : 0.0f;
}

int32_t vp__hand_association(const vp__body_rect *base, int32_t n_base,
                             const vp__body_rect *rects, int32_t n_rects,
                             float min_similarity, int64_t *next_id, vp__body_rect *out,
                             int32_t max_out) {
  int32_t n = 0;
  /* Previous frame's rects have priority and are all kept. */
  for (int32_t i = 0; i < n_base && n < max_out; i++) {
    out[n] = base[i];
    if (out[n].id == 0) out[n].id = (*next_id)++;
    n++;
  }
  /* A detector rect joins only if it overlaps no kept rect by more than the
   * threshold (DoesRectOverlap: IoU > min_similarity means overlap). */
  for (int32_t i = 0; i < n_rects && n < max_out; i++) {
    if (rects[i].width < 0.0f || rects[i].height < 0.0f) continue;
    bool overlap = false;
    for (int32_t j = 0; j < n && !overlap; j++)
      overlap = rect_iou(&out[j], &rects[i]) > min_similarity;
    if (overlap) continue;
    out[n] = rects[i];
    if (out[n].id == 0) out[n].id = (*next_id)++;
    n++;
  }
  return n;
}
