/*
 * Visibility smoothing of the pose landmarker: MediaPipe's LowPassFilter
 * (mediapipe/util/filtering/low_pass_filter.cc) applied per landmark by
 * VisibilitySmoothingCalculator (mediapipe/calculators/util/
 * visibility_smoothing_calculator.cc), which resets its filters on a frame
 * without landmarks. The pose graph uses alpha 0.1 for both the image and the
 * world landmarks (pose_landmarks_detector_graph.cc, SmoothLandmarksVisibility).
 */
#include "tasks/body_calc.h"

void vp__lowpass_init(vp__lowpass *f, float alpha) {
  f->alpha = alpha;
  f->stored = 0.0f;
  f->initialized = false;
}

float vp__lowpass_apply(vp__lowpass *f, float value) {
  float r;
  if (f->initialized) {
    r = (float)(f->alpha * value + (1.0 - f->alpha) * f->stored);
  } else {
    r = value;
    f->initialized = true;
  }
  f->stored = r;
  return r;
}

void vp__visibility_filter_init(vp__visibility_filter *v, float alpha) {
  v->alpha = alpha;
  v->n = 0;
}

void vp__visibility_filter_reset(vp__visibility_filter *v) { v->n = 0; }

void vp__visibility_filter_apply(vp__visibility_filter *v, vp_landmark *lms, int32_t n) {
  if (n > VP_VISIBILITY_MAX) n = VP_VISIBILITY_MAX;
  if (v->n != n) { /* first frame (or after a reset): fresh filters */
    for (int32_t i = 0; i < n; i++) vp__lowpass_init(&v->f[i], v->alpha);
    v->n = n;
  }
  for (int32_t i = 0; i < n; i++) lms[i].visibility = vp__lowpass_apply(&v->f[i], lms[i].visibility);
}
