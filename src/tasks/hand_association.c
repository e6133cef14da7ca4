/*
 * HandAssociationCalculator of MediaPipe Tasks, after
 * mediapipe/tasks/cc/vision/hand_landmarker/calculators/hand_association_calculator.cc
 * (GetNonOverlappingElements) and mediapipe/util/rectangle_util.cc
 * (DoesRectOverlap, CalculateIou: axis-aligned, rotation ignored).
 */
#include "tasks/body_calc.h"
#include "tasks/calc.h"

int32_t vp__hand_association(const vp_norm_rect *base, const int64_t *base_ids, int32_t n_base,
                             const vp_norm_rect *rects, int32_t n_rects, float min_similarity,
                             int64_t *next_id, vp_norm_rect *out, int64_t *out_ids,
                             int32_t max_out) {
  int32_t n = 0;
  /* Previous frame's rects have priority and are all kept. */
  for (int32_t i = 0; i < n_base && n < max_out; i++) {
    out[n] = base[i];
    out_ids[n] = base_ids && base_ids[i] ? base_ids[i] : (*next_id)++;
    n++;
  }
  /* A detector rect joins only if it overlaps no kept rect by more than the
   * threshold (DoesRectOverlap: IoU > min_similarity means overlap; IoU of
   * the axis-aligned boxes, rotation ignored, as vp__rect_iou). */
  for (int32_t i = 0; i < n_rects && n < max_out; i++) {
    if (rects[i].width < 0.0f || rects[i].height < 0.0f) continue;
    bool overlap = false;
    for (int32_t j = 0; j < n && !overlap; j++)
      overlap = vp__rect_iou(&out[j], &rects[i]) > min_similarity;
    if (overlap) continue;
    out[n] = rects[i];
    out_ids[n] = (*next_id)++;
    n++;
  }
  return n;
}
