/*
 * Pose segmentation mask back from the ROI to the frame: MediaPipe runs
 * InverseMatrixCalculator on ImageToTensor's MATRIX and WarpAffineCalculator
 * (BORDER_ZERO) on the ROI mask (mediapipe/tasks/cc/vision/pose_landmarker/
 * pose_landmarks_detector_graph.cc). On the CPU that is cv::warpAffine with
 * INTER_LINEAR | WARP_INVERSE_MAP and BORDER_CONSTANT 0, the matrix scaled
 * from normalised to pixel coordinates without a half-pixel shift
 * (mediapipe/calculators/image/affine_transformation_runner_opencv.cc,
 * kOpenCvCompatibility). The forward crop matrix is
 * GetRotatedSubRectToRectTransformMatrix (mediapipe/calculators/tensor/
 * image_to_tensor_utils.cc): image = c + R(rotation) * ((u - 0.5) w, (v - 0.5) h).
 *
 * Sampling follows OpenCV's warpAffine: source coordinates in fixed point
 * with 10 fractional bits, rounded to 1/32 steps (INTER_BITS 5), bilinear
 * weights of those steps; pixels outside the source count as 0.
 */
#include <math.h>

#include "tasks/body_calc.h"

#define AB_BITS 10
#define AB_SCALE (1 << AB_BITS)
#define INTER_BITS 5
#define INTER_TAB (1 << INTER_BITS)

static inline int round_int(double v) { return (int)lrint(v); }

static inline float px(const float *in, int w, int h, int x, int y) {
  return (x < 0 || y < 0 || x >= w || y >= h) ? 0.0f : in[(int64_t)y * w + x];
}

void vp__mask_warp_from_roi(const float *in, int32_t in_w, int32_t in_h, float roi_cx,
                            float roi_cy, float roi_w, float roi_h, float roi_rotation,
                            float *out, int32_t out_w, int32_t out_h) {
  const double c = cos(roi_rotation), s = sin(roi_rotation);
  /* dst pixel (x, y) -> src pixel: the inverse of the crop, scaled to in_w/in_h. */
  const double m00 = c * in_w / roi_w, m01 = s * in_w / roi_w;
  const double m02 = in_w * (0.5 - (c * roi_cx + s * roi_cy) / roi_w);
  const double m10 = -s * in_h / roi_h, m11 = c * in_h / roi_h;
  const double m12 = in_h * (0.5 - (-s * roi_cx + c * roi_cy) / roi_h);
  const int round_delta = AB_SCALE / INTER_TAB / 2;
  for (int32_t y = 0; y < out_h; y++) {
    const int X0 = round_int((m01 * y + m02) * AB_SCALE) + round_delta;
    const int Y0 = round_int((m11 * y + m12) * AB_SCALE) + round_delta;
    float *o = out + (int64_t)y * out_w;
    for (int32_t x = 0; x < out_w; x++) {
      const int X = (X0 + round_int(m00 * x * AB_SCALE)) >> (AB_BITS - INTER_BITS);
      const int Y = (Y0 + round_int(m10 * x * AB_SCALE)) >> (AB_BITS - INTER_BITS);
      const int sx = X >> INTER_BITS, sy = Y >> INTER_BITS;
      const float fx = (float)(X & (INTER_TAB - 1)) / INTER_TAB;
      const float fy = (float)(Y & (INTER_TAB - 1)) / INTER_TAB;
      if (sx >= in_w || sy >= in_h || sx + 1 < 0 || sy + 1 < 0) {
        o[x] = 0.0f;
        continue;
      }
      const float v00 = px(in, in_w, in_h, sx, sy), v01 = px(in, in_w, in_h, sx + 1, sy);
      const float v10 = px(in, in_w, in_h, sx, sy + 1), v11 = px(in, in_w, in_h, sx + 1, sy + 1);
      o[x] = v00 * (1 - fx) * (1 - fy) + v01 * fx * (1 - fy) + v10 * (1 - fx) * fy + v11 * fx * fy;
    }
  }
}
