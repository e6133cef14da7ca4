/* Image → tensor warp: hand-computed cases of OpenCV's fixed-point bilinear
 * warp as MediaPipe's CPU ImageToTensorCalculator uses it. */
#include <stdint.h>

#include "common/check.h"
#include "image/warp.h"

static uint8_t pix[64 * 64 * 4 + 64];

static vp_frame rgb_frame(int w, int h, const uint8_t *gray) {
  vp_frame f;
  memset(&f, 0, sizeof f);
  f.width = w;
  f.height = h;
  f.format = VP_PIXFMT_RGB24;
  f.data[0] = pix;
  f.linesize[0] = w * 3;
  for (int i = 0; i < w * h; i++) {
    pix[i * 3] = gray[i];
    pix[i * 3 + 1] = (uint8_t)(255 - gray[i]);
    pix[i * 3 + 2] = 7;
  }
  return f;
}

static vp__warp_params full(int in_w, int in_h, int out_w, int out_h) {
  vp__warp_params p;
  memset(&p, 0, sizeof p);
  p.out_w = out_w;
  p.out_h = out_h;
  p.cx = in_w / 2.0f;
  p.cy = in_h / 2.0f;
  p.w = (float)in_w;
  p.h = (float)in_h;
  p.range_min = 0;
  p.range_max = 1;
  return p;
}

int main(void) {
  uint8_t out[64 * 64 * 3];
  float tf[64 * 64 * 3];

  /* Identity: same size, no shift → an exact copy. */
  const uint8_t g12[12] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255};
  vp_frame f = rgb_frame(4, 3, g12);
  vp__warp_params p = full(4, 3, 4, 3);
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_OK);
  for (int i = 0; i < 12; i++) {
    CHECK_INT_EQ(out[i * 3], g12[i]);
    CHECK_INT_EQ(out[i * 3 + 1], 255 - g12[i]);
    CHECK_INT_EQ(out[i * 3 + 2], 7);
  }

  /* 2× upscale: output x samples source x/2 (no half-pixel shift); 1/2 between
   * 0 and 255 gives (255·16·32 + 512) >> 10 = 128; right edge replicates. */
  const uint8_t g2[2] = {0, 255};
  f = rgb_frame(2, 1, g2);
  p = full(2, 1, 4, 1);
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_OK);
  CHECK_INT_EQ(out[0], 0);
  CHECK_INT_EQ(out[3], 128);
  CHECK_INT_EQ(out[6], 255);
  CHECK_INT_EQ(out[9], 255);
  CHECK_INT_EQ(out[4], 128); /* green 255 and 0: symmetric, 127.5 rounds up */

  /* 1/3 steps quantise to 1/32: x = 1/3 → round(32/3) = 11 → (255·11·32 + 512) >> 10 = 88. */
  p = full(2, 1, 6, 1);
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_OK);
  CHECK_INT_EQ(out[3], 88);
  CHECK_INT_EQ(out[6], 167); /* 2/3 → 21/32 → (255·21·32 + 512) >> 10 = 167 */

  /* Letterbox with BORDER_ZERO: 2×1 image into 2×2; the ROI grows to 2×2, so
   * row 0 samples y = −0.5 and row 1 y = 0.5: half weight on the image row. */
  const uint8_t g2b[2] = {200, 100};
  f = rgb_frame(2, 1, g2b);
  p = full(2, 1, 2, 2);
  p.h = 2;
  p.border_zero = true;
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_OK);
  CHECK_INT_EQ(out[0], 100); /* (200·16·32 + 512) >> 10 = 100 */
  CHECK_INT_EQ(out[3], 50);
  CHECK_INT_EQ(out[6], 100);
  /* Replicate instead: the row repeats. */
  p.border_zero = false;
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_OK);
  CHECK_INT_EQ(out[0], 200);
  CHECK_INT_EQ(out[9], 100);
  /* Far outside with BORDER_ZERO is 0. */
  p = full(2, 1, 2, 1);
  p.cx = 100;
  p.border_zero = true;
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_OK);
  CHECK_INT_EQ(out[0], 0);
  CHECK_INT_EQ(out[1], 0);

  /* Rotation by π with replicate: tensor x maps to source W − x. */
  const uint8_t g4[4] = {10, 20, 30, 40};
  f = rgb_frame(4, 1, g4);
  p = full(4, 1, 4, 1);
  p.rotation = (float)M_PI;
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_OK);
  CHECK_INT_EQ(out[0], 40);
  CHECK_INT_EQ(out[3], 40);
  CHECK_INT_EQ(out[6], 30);
  CHECK_INT_EQ(out[9], 20);

  /* Rotation by π/2 of a 2×2 block: the tensor's x axis runs down the image,
   * (u, v) → source (2 − v, u). */
  const uint8_t g22[4] = {1, 2, 3, 4};
  f = rgb_frame(2, 2, g22);
  p = full(2, 2, 2, 2);
  p.rotation = (float)(M_PI / 2);
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_OK);
  CHECK_INT_EQ(out[0], 2); /* (0,0) → source (2, 0) → clamped column 1 → 2 */
  CHECK_INT_EQ(out[3], 4); /* (1,0) → source (2, 1) → 4 */
  CHECK_INT_EQ(out[6], 2); /* (0,1) → source (1, 0) → 2 */

  /* Value range: [−1, 1] and [0, 1]. */
  f = rgb_frame(4, 3, g12);
  p = full(4, 3, 4, 3);
  p.range_min = -1;
  p.range_max = 1;
  CHECK_STATUS(vp__warp_to_tensor(&f, &p, tf), VP_OK);
  CHECK_NEAR(tf[0], -1, 0);
  CHECK_NEAR(tf[1], 1, 1e-6);
  CHECK_NEAR(tf[11 * 3], 1, 1e-6);
  CHECK_NEAR(tf[1 * 3], 10 * (2.0f / 255.0f) - 1, 1e-7);

  /* RGBA and BGR layouts give the same RGB. */
  uint8_t rgba[16];
  for (int i = 0; i < 4; i++) {
    rgba[i * 4] = g4[i]; rgba[i * 4 + 1] = 1; rgba[i * 4 + 2] = 2; rgba[i * 4 + 3] = 255;
  }
  vp_frame fa;
  memset(&fa, 0, sizeof fa);
  fa.width = 4; fa.height = 1; fa.format = VP_PIXFMT_RGBA; fa.data[0] = rgba; fa.linesize[0] = 16;
  p = full(4, 1, 4, 1);
  CHECK_STATUS(vp__warp_to_rgb8(&fa, &p, out), VP_OK);
  CHECK_INT_EQ(out[3], 20);
  CHECK_INT_EQ(out[4], 1);
  fa.format = VP_PIXFMT_BGRA;
  CHECK_STATUS(vp__warp_to_rgb8(&fa, &p, out), VP_OK);
  CHECK_INT_EQ(out[3], 2);
  CHECK_INT_EQ(out[5], 20);

  /* YUV420P grey: Y 126 (limited range) → 128. */
  uint8_t Y[4] = {126, 126, 126, 126}, U[1] = {128}, V[1] = {128};
  vp_frame fy;
  memset(&fy, 0, sizeof fy);
  fy.width = 2; fy.height = 2; fy.format = VP_PIXFMT_YUV420P;
  fy.data[0] = Y; fy.data[1] = U; fy.data[2] = V;
  fy.linesize[0] = 2; fy.linesize[1] = fy.linesize[2] = 1;
  p = full(2, 2, 2, 2);
  CHECK_STATUS(vp__warp_to_rgb8(&fy, &p, out), VP_OK);
  CHECK_INT_EQ(out[0], 128);
  CHECK_INT_EQ(out[4], 128);

  /* Pixel centres (GPU convention): 2× upscale samples (x + 0.5)/2 − 0.5:
   * x = 1 → 0.25 → 8/32 of the way: (255·8·32 + 512) >> 10 = 64. */
  f = rgb_frame(2, 1, g2);
  p = full(2, 1, 4, 1);
  p.pixel_centers = true;
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_OK);
  CHECK_INT_EQ(out[0], 0);  /* −0.25: replicate → 0 */
  CHECK_INT_EQ(out[3], 64);
  CHECK_INT_EQ(out[6], 191); /* 0.75 → 24/32 → 191.25 → 191 */
  CHECK_INT_EQ(out[9], 255);

  /* Errors. */
  fa.format = VP_PIXFMT_GRAYF32;
  CHECK_STATUS(vp__warp_to_rgb8(&fa, &p, out), VP_EUNSUPPORTED);
  p.out_w = 0;
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_EINVAL);
  p = full(4, 3, 4, 3);
  p.rotation = NAN;
  CHECK_STATUS(vp__warp_to_rgb8(&f, &p, out), VP_EINVAL);
  return TEST_EXIT();
}
