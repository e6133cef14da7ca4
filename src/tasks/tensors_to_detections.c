/* Raw detector tensors → detections (layer: tasks).
 *
 * Reproduces the CPU path of MediaPipe's TensorsToDetectionsCalculator
 * (mediapipe/calculators/tensor/tensors_to_detections_calculator.cc,
 * ProcessCPU, DecodeBoxes, ConvertToDetection):
 * - box format: reverse_output_order → (x_center, y_center, w, h), else
 *   (y_center, x_center, h, w); keypoints (x, y) resp. (y, x);
 * - x_c = raw_x / x_scale · anchor.w + anchor.x_c (y likewise);
 *   w = raw_w / w_scale · anchor.w, or exp(raw_w / w_scale) · anchor.w with
 *   apply_exponential_on_box_size (h likewise);
 * - corners ymin = y_c − h/2, xmin = x_c − w/2, ymax = y_c + h/2, xmax = x_c + w/2;
 *   the relative box is (xmin, ymin, xmax − xmin, ymax − ymin);
 * - score = max over classes; with sigmoid_score the raw value is first
 *   clamped to ±score_clipping_thresh (when set), then 1/(1 + e^−x);
 * - kept when score ≥ min_score_thresh (when set); boxes with negative or NaN
 *   width/height are dropped.
 */
#include <math.h>

#include "core/error.h"
#include "tasks/calc.h"

vp_status vp__decode_detections(const vp__decode_options *o, const float *raw_boxes,
                                const float *raw_scores, const vp__anchor *anchors,
                                int32_t num_anchors, vp__detection *out, int32_t cap,
                                int32_t *count) {
  if (!o || !raw_boxes || !raw_scores || !anchors || !out || !count)
    return vp__error(VP_EINVAL, "decode detections: NULL argument");
  if (num_anchors != o->num_boxes)
    return vp__error(VP_ESHAPE, "decode detections: %d anchors for %d boxes", (int)num_anchors,
                     (int)o->num_boxes);
  if (o->num_keypoints > VP__DET_MAX_KEYPOINTS || o->num_keypoints < 0)
    return vp__error(VP_EUNSUPPORTED, "decode detections: %d keypoints (max %d)",
                     (int)o->num_keypoints, VP__DET_MAX_KEYPOINTS);
  if (o->num_classes < 1 || o->num_coords < 4 ||
      o->box_coord_offset + 4 > o->num_coords ||
      o->keypoint_coord_offset + o->num_keypoints * o->num_values_per_keypoint > o->num_coords ||
      (o->num_keypoints > 0 && o->num_values_per_keypoint < 2))
    return vp__error(VP_EINVAL, "decode detections: inconsistent layout (coords %d, box offset %d, "
                     "keypoint offset %d, %d keypoints x %d)", (int)o->num_coords,
                     (int)o->box_coord_offset, (int)o->keypoint_coord_offset,
                     (int)o->num_keypoints, (int)o->num_values_per_keypoint);
  int32_t n = 0;
  for (int32_t i = 0; i < o->num_boxes; i++) {
    /* Score first: most boxes are rejected here, so skip their decoding. */
    const float *sc = raw_scores + (size_t)i * o->num_classes;
    float best = -INFINITY;
    for (int c = 0; c < o->num_classes; c++) {
      float s = sc[c];
      if (o->sigmoid_score) {
        if (o->has_score_clipping_thresh) {
          if (s < -o->score_clipping_thresh) s = -o->score_clipping_thresh;
          if (s > o->score_clipping_thresh) s = o->score_clipping_thresh;
        }
        s = 1.0f / (1.0f + expf(-s));
      }
      if (c == 0 || s > best) best = s;
    }
    if (o->has_min_score_thresh && best < o->min_score_thresh) continue;

    const float *rb = raw_boxes + (size_t)i * o->num_coords;
    const vp__anchor *a = &anchors[i];
    const int bo = o->box_coord_offset;
    float xc, yc, w, h;
    if (o->reverse_output_order) {
      xc = rb[bo + 0]; yc = rb[bo + 1]; w = rb[bo + 2]; h = rb[bo + 3];
    } else {
      yc = rb[bo + 0]; xc = rb[bo + 1]; h = rb[bo + 2]; w = rb[bo + 3];
    }
    xc = xc / o->x_scale * a->w + a->x_center;
    yc = yc / o->y_scale * a->h + a->y_center;
    if (o->apply_exponential_on_box_size) {
      h = expf(h / o->h_scale) * a->h;
      w = expf(w / o->w_scale) * a->w;
    } else {
      h = h / o->h_scale * a->h;
      w = w / o->w_scale * a->w;
    }
    const float ymin = yc - h / 2.f, xmin = xc - w / 2.f;
    const float ymax = yc + h / 2.f, xmax = xc + w / 2.f;
    const float bw = xmax - xmin, bh = ymax - ymin;
    if (!(bw >= 0.0f) || !(bh >= 0.0f)) continue; /* negative or NaN */
    if (n >= cap) break;
    vp__detection *d = &out[n++];
    d->score = best;
    d->xmin = xmin;
    d->ymin = ymin;
    d->width = bw;
    d->height = bh;
    d->num_keypoints = o->num_keypoints;
    for (int k = 0; k < o->num_keypoints; k++) {
      const float *kp = rb + o->keypoint_coord_offset + k * o->num_values_per_keypoint;
      float kx, ky;
      if (o->reverse_output_order) {
        kx = kp[0]; ky = kp[1];
      } else {
        ky = kp[0]; kx = kp[1];
      }
      d->kp[k][0] = kx / o->x_scale * a->w + a->x_center;
      d->kp[k][1] = ky / o->y_scale * a->h + a->y_center;
    }
  }
  *count = n;
  return VP_OK;
}
