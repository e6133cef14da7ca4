/* Letterbox padding and its removal; detection projection (layer: tasks).
 *
 * - vp__letterbox_pad_roi: PadRoi in mediapipe/calculators/tensor/image_to_tensor_utils.cc.
 *   With r_t = tensor_h/tensor_w and r_roi = roi_h/roi_w: if r_t > r_roi the
 *   ROI height becomes roi_w·r_t and the vertical padding is (1 − r_roi/r_t)/2
 *   per side, otherwise the width becomes roi_h/r_t with horizontal padding
 *   (1 − r_t/r_roi)/2.
 * - vp__letterbox_remove_*: DetectionLetterboxRemovalCalculator /
 *   LandmarkLetterboxRemovalCalculator (mediapipe/calculators/util/):
 *   x' = (x − left)/(1 − left − right), y' likewise, sizes divided by the same.
 * - vp__detection_project: DetectionProjectionCalculator
 *   (mediapipe/calculators/util/detection_projection_calculator.cc) with the
 *   ROI→image matrix of ImageToTensorCalculator: keypoints projected; the box
 *   becomes the bounding box of its four projected corners.
 */
#include <math.h>

#include "tasks/calc.h"

void vp__letterbox_pad_roi(int32_t tensor_w, int32_t tensor_h, float *roi_w, float *roi_h,
                           float pad[4]) {
  const float tensor_aspect = (float)tensor_h / (float)tensor_w;
  const float roi_aspect = *roi_h / *roi_w;
  float vpad = 0.0f, hpad = 0.0f;
  if (tensor_aspect > roi_aspect) {
    *roi_h = *roi_w * tensor_aspect;
    vpad = (1.0f - roi_aspect / tensor_aspect) / 2.0f;
  } else {
    *roi_w = *roi_h / tensor_aspect;
    hpad = (1.0f - tensor_aspect / roi_aspect) / 2.0f;
  }
  pad[0] = hpad;
  pad[1] = vpad;
  pad[2] = hpad;
  pad[3] = vpad;
}

void vp__letterbox_remove_detection(const float pad[4], vp__detection *d) {
  const float l = pad[0], t = pad[1];
  const float sx = 1.0f - pad[0] - pad[2], sy = 1.0f - pad[1] - pad[3];
  d->xmin = (d->xmin - l) / sx;
  d->ymin = (d->ymin - t) / sy;
  d->width = d->width / sx;
  d->height = d->height / sy;
  for (int k = 0; k < d->num_keypoints; k++) {
    d->kp[k][0] = (d->kp[k][0] - l) / sx;
    d->kp[k][1] = (d->kp[k][1] - t) / sy;
  }
}

void vp__letterbox_remove_landmarks(const float pad[4], vp_landmark *lm, int32_t n) {
  const float l = pad[0], t = pad[1];
  const float sx = 1.0f - pad[0] - pad[2], sy = 1.0f - pad[1] - pad[3];
  for (int32_t i = 0; i < n; i++) {
    lm[i].x = (lm[i].x - l) / sx;
    lm[i].y = (lm[i].y - t) / sy;
  }
}

static void project_pt(const vp_norm_rect *r, int32_t W, int32_t H, float x, float y,
                       float *ox, float *oy) {
  /* Tensor-normalised (x, y) → image pixels via the rotated ROI, then normalised. */
  const float c = cosf(r->rotation), s = sinf(r->rotation);
  const float rw = r->width * (float)W, rh = r->height * (float)H;
  const float dx = (x - 0.5f) * rw, dy = (y - 0.5f) * rh;
  *ox = (r->x_center * (float)W + c * dx - s * dy) / (float)W;
  *oy = (r->y_center * (float)H + s * dx + c * dy) / (float)H;
}

void vp__detection_project(const vp_norm_rect *roi, int32_t W, int32_t H, vp__detection *d) {
  float xs[4], ys[4];
  const float x0 = d->xmin, y0 = d->ymin, x1 = d->xmin + d->width, y1 = d->ymin + d->height;
  project_pt(roi, W, H, x0, y0, &xs[0], &ys[0]);
  project_pt(roi, W, H, x1, y0, &xs[1], &ys[1]);
  project_pt(roi, W, H, x1, y1, &xs[2], &ys[2]);
  project_pt(roi, W, H, x0, y1, &xs[3], &ys[3]);
  float a = xs[0], b = ys[0], c = xs[0], e = ys[0];
  for (int i = 1; i < 4; i++) {
    a = fminf(a, xs[i]); c = fmaxf(c, xs[i]);
    b = fminf(b, ys[i]); e = fmaxf(e, ys[i]);
  }
  d->xmin = a;
  d->ymin = b;
  d->width = c - a;
  d->height = e - b;
  for (int k = 0; k < d->num_keypoints; k++)
    project_pt(roi, W, H, d->kp[k][0], d->kp[k][1], &d->kp[k][0], &d->kp[k][1]);
}
