/* Association of rectangles across frames (layer: tasks).
 *
 * AssociationNormRectCalculator (mediapipe/calculators/util/association_calculator.h,
 * association_norm_rect_calculator.cc): every input element, in stream order,
 * is compared with the elements kept so far; each kept element whose IoU with
 * it exceeds min_similarity_threshold is removed, then the new element is
 * appended. The rectangle of a NormalizedRect is its axis-aligned box
 * (rotation ignored): (x_center − w/2, y_center − h/2, w, h).
 */
#include "tasks/calc.h"

float vp__rect_iou(const vp_norm_rect *a, const vp_norm_rect *b) {
  const float ax0 = a->x_center - a->width / 2, ay0 = a->y_center - a->height / 2;
  const float bx0 = b->x_center - b->width / 2, by0 = b->y_center - b->height / 2;
  const float ax1 = ax0 + a->width, ay1 = ay0 + a->height;
  const float bx1 = bx0 + b->width, by1 = by0 + b->height;
  const float ix0 = ax0 > bx0 ? ax0 : bx0, iy0 = ay0 > by0 ? ay0 : by0;
  const float ix1 = ax1 < bx1 ? ax1 : bx1, iy1 = ay1 < by1 ? ay1 : by1;
  if (ix1 <= ix0 || iy1 <= iy0) return 0.0f;
  const float inter = (ix1 - ix0) * (iy1 - iy0);
  const float uni = a->width * a->height + b->width * b->height - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

int32_t vp__associate_rects(const vp_norm_rect *first, int32_t n_first,
                            const vp_norm_rect *second, int32_t n_second, float min_similarity,
                            vp_norm_rect *out, int32_t *src_index) {
  int32_t n = 0;
  for (int32_t i = 0; i < n_first + n_second; i++) {
    const vp_norm_rect *e = i < n_first ? &first[i] : &second[i - n_first];
    int32_t w = 0;
    for (int32_t j = 0; j < n; j++) {
      if (vp__rect_iou(e, &out[j]) > min_similarity) continue; /* erased */
      out[w] = out[j];
      if (src_index) src_index[w] = src_index[j];
      w++;
    }
    n = w;
    out[n] = *e;
    if (src_index) src_index[n] = i;
    n++;
  }
  return n;
}
