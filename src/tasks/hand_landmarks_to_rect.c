/*
 * HandLandmarksToRectCalculator, after
 * mediapipe/modules/hand_landmark/calculators/hand_landmarks_to_rect_calculator.cc
 * (ComputeRotation, NormalizedLandmarkListToRect, GetPartialLandmarks).
 */
#include <float.h>
#include <math.h>

#include "tasks/body_calc.h"
#include "tasks/calc.h"

/* The 12 landmarks MediaPipe keeps from the 21: wrist, thumb CMC/MCP/IP,
 * index/middle/ring/pinky MCP and PIP (GetPartialLandmarks). */
static const int kPartial[12] = {0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18};
/* Indices into the partial list used for the rotation: 0 wrist, 4 index MCP,
 * 6 middle MCP, 8 ring MCP (kWristJoint, kIndexFingerPIPJoint,
 * kMiddleFingerPIPJoint, kRingFingerPIPJoint of the partial list). */
enum { kWrist = 0, kIndex = 4, kMiddle = 6, kRing = 8 };

void vp__hand_landmarks_to_rect(const vp_landmark lms[VP_HAND_LANDMARKS], int32_t image_w,
                                int32_t image_h, vp_norm_rect *out) {
  float px[12], py[12];
  for (int i = 0; i < 12; i++) {
    px[i] = lms[kPartial[i]].x;
    py[i] = lms[kPartial[i]].y;
  }
  const float W = (float)image_w, H = (float)image_h;

  /* Rotation: wrist -> midpoint of (mid(index, ring), middle), target pi/2. */
  const float x0 = px[kWrist] * W, y0 = py[kWrist] * H;
  float x1 = (px[kIndex] + px[kRing]) / 2.f;
  float y1 = (py[kIndex] + py[kRing]) / 2.f;
  x1 = (x1 + px[kMiddle]) / 2.f * W;
  y1 = (y1 + py[kMiddle]) / 2.f * H;
  const float target = (float)(M_PI * 0.5f);
  const float rotation = vp__normalize_radians(target - atan2f(-(y1 - y0), x1 - x0));
  const float reverse = vp__normalize_radians(-rotation);

  /* MediaPipe starts the maxima at numeric_limits<float>::min() (FLT_MIN, the
   * smallest positive float), kept here so results match bit for bit. */
  float max_x = FLT_MIN, max_y = FLT_MIN, min_x = FLT_MAX, min_y = FLT_MAX;
  for (int i = 0; i < 12; i++) {
    max_x = fmaxf(max_x, px[i]);
    max_y = fmaxf(max_y, py[i]);
    min_x = fminf(min_x, px[i]);
    min_y = fminf(min_y, py[i]);
  }
  const float acx = (max_x + min_x) / 2.f, acy = (max_y + min_y) / 2.f;

  const float c = cosf(reverse), s = sinf(reverse);
  max_x = FLT_MIN, max_y = FLT_MIN, min_x = FLT_MAX, min_y = FLT_MAX;
  for (int i = 0; i < 12; i++) {
    const float ox = (px[i] - acx) * W, oy = (py[i] - acy) * H;
    const float qx = ox * c - oy * s, qy = ox * s + oy * c;
    max_x = fmaxf(max_x, qx);
    max_y = fmaxf(max_y, qy);
    min_x = fminf(min_x, qx);
    min_y = fminf(min_y, qy);
  }
  const float pcx = (max_x + min_x) / 2.f, pcy = (max_y + min_y) / 2.f;
  const float cr = cosf(rotation), sr = sinf(rotation);
  const float cx = pcx * cr - pcy * sr + W * acx;
  const float cy = pcx * sr + pcy * cr + H * acy;

  out->x_center = cx / W;
  out->y_center = cy / H;
  out->width = (max_x - min_x) / W;
  out->height = (max_y - min_y) / H;
  out->rotation = rotation;
}
