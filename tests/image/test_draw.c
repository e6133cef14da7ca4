/* Drawing: coverage-correct anti-aliasing (areas), clipping, alpha blending,
 * masks, text, YUV420P. */
#include "common/check.h"
#include "vpipe/image.h"

static vp_frame *black(int w, int h, vp_pixfmt fmt) {
  vp_frame *f = NULL;
  CHECK_STATUS(vp_frame_alloc(w, h, fmt, &f), VP_OK);
  for (int p = 0; p < vp_pixfmt_planes(fmt); p++) {
    int ph = p ? (h + 1) / 2 : h;
    memset(f->data[p], p && fmt == VP_PIXFMT_YUV420P ? 128 : 0, (size_t)f->linesize[p] * ph);
  }
  return f;
}

/* Sum of the red channel / 255 = covered area in pixels. */
static double red_area(const vp_frame *f) {
  double s = 0;
  for (int y = 0; y < f->height; y++)
    for (int x = 0; x < f->width; x++) s += f->data[0][y * f->linesize[0] + 3 * x];
  return s / 255.0;
}
static int R(const vp_frame *f, int x, int y) { return f->data[0][y * f->linesize[0] + 3 * x]; }
static int G(const vp_frame *f, int x, int y) { return f->data[0][y * f->linesize[0] + 3 * x + 1]; }

static const vp_color red = {255, 0, 0, 255};

static void test_shapes(void) {
  vp_frame *f = black(64, 48, VP_PIXFMT_RGB24);
  CHECK_STATUS(vp_draw_line(f, 10, 10.5f, 50, 10.5f, 3, red), VP_OK);
  CHECK_INT_EQ(R(f, 30, 10), 255);
  CHECK_INT_EQ(R(f, 30, 9), 255);
  CHECK_INT_EQ(R(f, 30, 11), 255);
  CHECK_INT_EQ(R(f, 30, 7), 0);
  CHECK_INT_EQ(R(f, 30, 13), 0);
  CHECK_INT_EQ(G(f, 30, 10), 0);
  /* 40 × 3 body plus two half-disc caps of radius 1.5. */
  CHECK_NEAR(red_area(f), 40 * 3 + 3.14159 * 1.5 * 1.5, 3.0);
  vp_frame_unref(&f);

  f = black(64, 48, VP_PIXFMT_RGB24);
  CHECK_STATUS(vp_draw_line(f, 5, 5, 45, 35, 2, red), VP_OK); /* diagonal, length 50 */
  CHECK_NEAR(red_area(f), 50 * 2 + 3.14159, 3.0);
  vp_frame_unref(&f);

  f = black(64, 48, VP_PIXFMT_RGB24);
  CHECK_STATUS(vp_draw_circle(f, 20.3f, 20.7f, 6, red), VP_OK);
  CHECK_NEAR(red_area(f), 3.14159 * 36, 1.5);
  CHECK_INT_EQ(R(f, 20, 20), 255);
  vp_frame_unref(&f);

  f = black(64, 48, VP_PIXFMT_RGB24);
  CHECK_STATUS(vp_draw_rect(f, 10.5f, 5.25f, 20, 10, 0, red), VP_OK); /* filled */
  CHECK_NEAR(red_area(f), 200, 0.5);
  CHECK_INT_EQ(R(f, 10, 10), 128); /* half-covered left column */
  vp_frame_unref(&f);

  f = black(64, 48, VP_PIXFMT_RGB24);
  CHECK_STATUS(vp_draw_rect(f, 10, 10, 20, 10, 2, red), VP_OK); /* outline */
  CHECK_NEAR(red_area(f), 22 * 12 - 18 * 8, 0.5);
  CHECK_INT_EQ(R(f, 20, 15), 0); /* inside is untouched */
  CHECK_INT_EQ(R(f, 20, 10), 255);
  vp_frame_unref(&f);

  /* Clipping: shapes partly or wholly outside, NaN coordinates: no crash. */
  f = black(16, 16, VP_PIXFMT_RGB24);
  CHECK_STATUS(vp_draw_line(f, -100, -100, 200, 200, 5, red), VP_OK);
  CHECK_STATUS(vp_draw_circle(f, 1e9f, 5, 3, red), VP_OK);
  CHECK_STATUS(vp_draw_circle(f, NAN, 5, 3, red), VP_OK);
  CHECK_STATUS(vp_draw_rect(f, -5, -5, 100, 100, 3, red), VP_OK);
  CHECK_STATUS(vp_draw_text(f, -7, -3, "clip me", 3, red, vp_rgba(0, 0, 0, 128)), VP_OK);
  CHECK_STATUS(vp_draw_text(f, 2000000000, 2000000000, "far", 64, red, vp_rgba(0, 0, 0, 128)), VP_OK);
  vp_frame_unref(&f);
}

static void test_alpha_and_mask(void) {
  vp_frame *f = black(10, 10, VP_PIXFMT_RGB24);
  CHECK_STATUS(vp_draw_rect(f, 0, 0, 10, 10, 0, vp_rgba(200, 100, 0, 128)), VP_OK);
  CHECK_NEAR(R(f, 5, 5), 100, 1);
  CHECK_NEAR(G(f, 5, 5), 50, 1);
  vp_frame_unref(&f);

  f = black(10, 10, VP_PIXFMT_RGB24);
  const uint8_t m8[4] = {0, 255, 0, 255}; /* left column off, right on */
  CHECK_STATUS(vp_draw_mask_u8(f, m8, 2, 2, 2, red), VP_OK);
  CHECK_INT_EQ(R(f, 0, 5), 0);
  CHECK_INT_EQ(R(f, 9, 5), 255);
  CHECK(R(f, 4, 5) > 0 && R(f, 4, 5) < 255); /* bilinear ramp in the middle */
  CHECK(R(f, 3, 5) < R(f, 6, 5));
  vp_frame_unref(&f);

  f = black(10, 10, VP_PIXFMT_RGB24);
  const float mf[4] = {0.5f, 0.5f, NAN, 2.0f};
  CHECK_STATUS(vp_draw_mask_f32(f, mf, 2, 2, 2, red), VP_OK);
  CHECK_NEAR(R(f, 0, 0), 128, 1);
  CHECK_INT_EQ(R(f, 0, 9), 0);   /* NaN → 0 */
  CHECK_INT_EQ(R(f, 9, 9), 255); /* clamped */
  CHECK_STATUS(vp_draw_mask_f32(f, mf, 2, 2, 1, red), VP_EINVAL);
  vp_frame_unref(&f);
}

static void test_text(void) {
  CHECK_INT_EQ(vp_draw_text_width("fps 30", 2), 6 * 6 * 2);
  CHECK_INT_EQ(vp_draw_text_height(2), 18);
  vp_frame *f = black(40, 20, VP_PIXFMT_RGB24);
  CHECK_STATUS(vp_draw_text(f, 1, 1, "I", 2, red, vp_rgba(0, 0, 0, 0)), VP_OK);
  /* 'I' has 3 + 5 + 3 = 11 pixels, each 2×2. */
  CHECK_NEAR(red_area(f), 11 * 4, 0.01);
  CHECK_STATUS(vp_draw_text(f, 1, 1, "x", 0, red, vp_rgba(0, 0, 0, 0)), VP_EINVAL);
  CHECK_STATUS(vp_draw_text(f, 1, 1, "\x01\xff", 1, red, vp_rgba(0, 0, 0, 0)), VP_OK);
  vp_frame_unref(&f);
}

static void test_yuv(void) {
  vp_frame *f = black(32, 32, VP_PIXFMT_YUV420P), *rgb = NULL;
  CHECK_STATUS(vp_draw_rect(f, 8, 8, 16, 16, 0, red), VP_OK);
  CHECK_STATUS(vp_draw_circle(f, 4, 4, 2, red), VP_OK);
  CHECK_STATUS(vp_frame_alloc(32, 32, VP_PIXFMT_RGB24, &rgb), VP_OK);
  CHECK_STATUS(vp_frame_convert(f, rgb), VP_OK);
  CHECK_NEAR(R(rgb, 16, 16), 255, 6);
  CHECK_NEAR(G(rgb, 16, 16), 0, 6);
  CHECK_NEAR(R(rgb, 28, 28), 0, 6);
  vp_frame_unref(&rgb);
  vp_frame_unref(&f);
  vp_frame *g = NULL;
  CHECK_STATUS(vp_frame_alloc(8, 8, VP_PIXFMT_GRAYF32, &g), VP_OK);
  CHECK_STATUS(vp_draw_line(g, 0, 0, 5, 5, 1, red), VP_EUNSUPPORTED);
  vp_frame_unref(&g);
}

static void test_landmarks(void) {
  vp_frame *f = black(100, 50, VP_PIXFMT_RGB24);
  const float xy[] = {0.1f, 0.5f, 0.9f, 0.5f, NAN, 0.2f};
  const uint16_t edges[][2] = {{0, 1}, {1, 7}, {0, 2}};
  CHECK_STATUS(vp_draw_landmarks(f, xy, 3, true, edges, 3, 2, red, 3, vp_rgba(0, 255, 0, 255)), VP_OK);
  CHECK_INT_EQ(R(f, 50, 24), 255); /* on the line from (10, 25) to (90, 25) */
  CHECK_INT_EQ(G(f, 10, 24), 255); /* dot drawn over it */
  CHECK_INT_EQ(R(f, 50, 10), 0);
  CHECK_STATUS(vp_draw_landmarks(f, NULL, 3, true, NULL, 0, 1, red, 1, red), VP_EINVAL);
  vp_frame_unref(&f);
}

int main(void) {
  test_landmarks();
  test_shapes();
  test_alpha_and_mask();
  test_text();
  test_yuv();
  return TEST_EXIT();
}
