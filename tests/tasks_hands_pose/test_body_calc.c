/* Unit tests of the hand/pose/segmentation calculators, on hand-computed cases. */
#include <math.h>

#include "common/check.h"
#include "vpipe/core.h"
#include "vpipe/tasks.h"
#include "tasks/body_calc.h"
#include "tasks/calc.h"

static void set(vp_landmark *l, float x, float y) {
  l->x = x;
  l->y = y;
  l->z = 0;
  l->visibility = l->presence = 1;
}

/* An upright hand in a 100x100 image: wrist at the bottom, fingers up. The
 * 12 landmarks MediaPipe uses span x 0.25..0.72, y 0.25..0.80; the other 9
 * are put far away to check that they are ignored. */
static void upright_hand(vp_landmark h[21]) {
  for (int i = 0; i < 21; i++) set(&h[i], 0.99f, 0.01f);
  set(&h[0], 0.5f, 0.8f);
  set(&h[1], 0.35f, 0.7f);
  set(&h[2], 0.3f, 0.6f);
  set(&h[3], 0.25f, 0.55f);
  set(&h[5], 0.4f, 0.5f);
  set(&h[6], 0.4f, 0.3f);
  set(&h[9], 0.5f, 0.5f);
  set(&h[10], 0.5f, 0.25f);
  set(&h[13], 0.6f, 0.5f);
  set(&h[14], 0.6f, 0.3f);
  set(&h[17], 0.7f, 0.55f);
  set(&h[18], 0.72f, 0.35f);
}

static void test_hand_rect(void) {
  vp_landmark h[21];
  vp_norm_rect r;
  upright_hand(h);
  vp__hand_landmarks_to_rect(h, 100, 100, &r);
  /* wrist -> ((index+ring)/2 + middle)/2 = (50,80) -> (50,50): straight up, rotation 0 */
  CHECK_NEAR(r.rotation, 0.0, 1e-6);
  CHECK_NEAR(r.x_center, 0.485, 1e-6);
  CHECK_NEAR(r.y_center, 0.525, 1e-6);
  CHECK_NEAR(r.width, 0.47, 1e-6);
  CHECK_NEAR(r.height, 0.55, 1e-6);

  /* The same hand turned by +90 degrees about (0.5, 0.5): (dx, dy) -> (-dy, dx).
   * Fingers now point right; rotation pi/2; the box keeps its size in the
   * hand's frame and its centre turns with it: (0.485,0.525) -> (0.475,0.485). */
  vp_landmark g[21];
  for (int i = 0; i < 21; i++) {
    g[i] = h[i];
    g[i].x = 0.5f - (h[i].y - 0.5f);
    g[i].y = 0.5f + (h[i].x - 0.5f);
  }
  vp__hand_landmarks_to_rect(g, 100, 100, &r);
  CHECK_NEAR(r.rotation, M_PI / 2, 1e-5);
  CHECK_NEAR(r.x_center, 0.475, 1e-5);
  CHECK_NEAR(r.y_center, 0.485, 1e-5);
  CHECK_NEAR(r.width, 0.47, 1e-5);
  CHECK_NEAR(r.height, 0.55, 1e-5);

  /* Pixels, not normalised units, set the angle: in a 200x100 image the
   * vector (0.1, -0.1) normalised is (20, -10) px: rotation = pi/2 - atan2(10, 20). */
  upright_hand(h);
  for (int i = 0; i < 21; i++) h[i].x += 0.0f;
  set(&h[0], 0.4f, 0.6f);
  set(&h[5], 0.5f, 0.5f);
  set(&h[9], 0.5f, 0.5f);
  set(&h[13], 0.5f, 0.5f);
  vp__hand_landmarks_to_rect(h, 200, 100, &r);
  CHECK_NEAR(r.rotation, M_PI / 2 - atan2(10.0, 20.0), 1e-5);
}

static void test_hand_association(void) {
  vp_norm_rect base[1] = {{0.5f, 0.5f, 0.2f, 0.2f, 1.0f}};
  int64_t base_id[1] = {7};
  vp_norm_rect det[3] = {
      {0.52f, 0.5f, 0.2f, 0.2f, 0}, /* IoU 0.818 with base: dropped */
      {0.2f, 0.2f, 0.1f, 0.1f, 0},  /* no overlap: kept, id 1 */
      {0.58f, 0.5f, 0.2f, 0.2f, 0}, /* IoU 0.4286 <= 0.5: kept, id 2 */
  };
  vp_norm_rect out[4];
  int64_t ids[4];
  int64_t next = 1;
  int32_t n = vp__hand_association(base, base_id, 1, det, 3, 0.5f, &next, out, ids, 4);
  CHECK_INT_EQ(n, 3);
  CHECK_INT_EQ(ids[0], 7);
  CHECK_NEAR(out[0].rotation, 1.0, 0); /* previous rect passes unchanged */
  CHECK_NEAR(out[1].x_center, 0.2, 1e-7);
  CHECK_INT_EQ(ids[1], 1);
  CHECK_NEAR(out[2].x_center, 0.58, 1e-7);
  CHECK_INT_EQ(ids[2], 2);
  CHECK_INT_EQ(next, 3);
  /* A lower threshold makes the third rect overlap (0.4286 > 0.4). */
  next = 1;
  n = vp__hand_association(base, base_id, 1, det, 3, 0.4f, &next, out, ids, 4);
  CHECK_INT_EQ(n, 2);
  /* The output is bounded. */
  next = 1;
  n = vp__hand_association(NULL, NULL, 0, det, 3, 0.5f, &next, out, ids, 1);
  CHECK_INT_EQ(n, 1);
  CHECK_NEAR(out[0].x_center, 0.52, 1e-7);
}

static void test_hand_dedup(void) {
  vp_landmark a[21], b[21], c[21], d[21], e[21];
  upright_hand(a);
  for (int i = 0; i < 21; i++) {
    a[i].x = 0.3f + 0.02f * (float)(i % 5); /* a compact 21-point hand */
    a[i].y = 0.3f + 0.02f * (float)(i / 5);
  }
  set(&a[0], 0.3f, 0.7f); /* wrist; baseline = max(|0-5|,|5-17|,|17-0|) px */
  for (int i = 0; i < 21; i++) {
    b[i] = a[i];
    b[i].x += 0.01f; /* 1 px away on 100 px: every landmark matches */
    c[i] = a[i];
    c[i].x += 0.3f; /* far away: nothing matches */
    d[i] = a[i];
    e[i] = a[i];
  }
  /* baseline of a: wrist (30,70), index MCP 5 (30,32), pinky MCP 17 (34,36):
   * max distance 38 px -> threshold 7.6 px. d: 11 landmarks moved 10 px right
   * (10 still match, box IoU 0.44 > 0.2: suppressed); e: 12 moved (9 match,
   * IoU 0.44 <= 0.5: kept). */
  for (int i = 1; i <= 11; i++) d[i].x += 0.1f;
  for (int i = 1; i <= 12; i++) e[i].x += 0.1f;
  const vp_landmark *hands[5] = {a, b, c, d, e};
  bool sup[5];
  int32_t kept = vp__hand_dedup(hands, 3, 100, 100, false, sup);
  CHECK_INT_EQ(kept, 2);
  CHECK(!sup[0] && sup[1] && !sup[2]);
  const vp_landmark *h2[2] = {a, d};
  kept = vp__hand_dedup(h2, 2, 100, 100, false, sup);
  CHECK_INT_EQ(kept, 1);
  CHECK(sup[1]);
  const vp_landmark *h3[2] = {a, e};
  kept = vp__hand_dedup(h3, 2, 100, 100, false, sup);
  CHECK_INT_EQ(kept, 2);
  /* vpipe's extra rule: every landmark 10 px lower (none within 7.6 px) but
   * the boxes (8 x 40 px) overlap by IoU 30/50 = 0.6 > 0.5: a duplicate. */
  vp_landmark g[21];
  for (int i = 0; i < 21; i++) {
    g[i] = a[i];
    g[i].y += 0.1f;
  }
  const vp_landmark *h5[2] = {a, g};
  kept = vp__hand_dedup(h5, 2, 100, 100, true, sup);
  CHECK_INT_EQ(kept, 1);
  /* ... and not MediaPipe's: without the option both are kept. */
  kept = vp__hand_dedup(h5, 2, 100, 100, false, sup);
  CHECK_INT_EQ(kept, 2);
  /* Order matters: the first of a duplicate pair is kept. */
  const vp_landmark *h4[2] = {b, a};
  vp__hand_dedup(h4, 2, 100, 100, false, sup);
  CHECK(!sup[0] && sup[1]);
}

static void test_handedness(void) {
  const char *l;
  float s;
  vp__hand_handedness(0.8f, &l, &s);
  CHECK(strcmp(l, "Right") == 0);
  CHECK_NEAR(s, 0.8, 1e-6);
  vp__hand_handedness(0.3f, &l, &s);
  CHECK(strcmp(l, "Left") == 0);
  CHECK_NEAR(s, 0.7, 1e-6);
  vp__hand_handedness(0.5f, &l, &s);
  CHECK(strcmp(l, "Right") == 0);
}

static void test_heatmap(void) {
  float hm[8 * 8 * 2];
  for (int i = 0; i < 8 * 8 * 2; i++) hm[i] = -100.0f;
  /* channel 0: one hot cell at row 4, col 5 -> x = 5/8, y = 4/8 */
  hm[(4 * 8 + 5) * 2 + 0] = 100.0f;
  /* channel 1: two cells at confidence 0.5 (logit 0): col 4 and 5 -> x = 4.5/8 */
  hm[(4 * 8 + 4) * 2 + 1] = 0.0f;
  hm[(4 * 8 + 5) * 2 + 1] = 0.0f;
  vp_landmark l[2];
  set(&l[0], 0.5f, 0.5f);
  set(&l[1], 0.5f, 0.5f);
  vp__refine_landmarks_from_heatmap(l, 2, hm, 8, 8, 2, 3, 0.5f);
  CHECK_NEAR(l[0].x, 0.625, 1e-6);
  CHECK_NEAR(l[0].y, 0.5, 1e-6);
  CHECK_NEAR(l[1].x, 0.5625, 1e-6);
  CHECK_NEAR(l[1].y, 0.5, 1e-6);
  /* The hot cell of channel 0 is 2 columns away from col 3: outside a 3x3
   * kernel at col 2, so nothing above the threshold -> unchanged. */
  set(&l[0], 0.3f, 0.5f);
  set(&l[1], 1.0f, 0.5f); /* col 8: outside the heatmap -> unchanged */
  vp__refine_landmarks_from_heatmap(l, 2, hm, 8, 8, 2, 3, 0.5f);
  CHECK_NEAR(l[0].x, 0.3, 1e-7);
  CHECK_NEAR(l[1].x, 1.0, 1e-7);
  /* Truncation toward zero: x = -0.05 gives column 0 (not skipped). With
   * kernel 7 the window reaches col 3..; a hot cell at (4,3) refines x to 3/8. */
  for (int i = 0; i < 8 * 8 * 2; i++) hm[i] = -100.0f;
  hm[(4 * 8 + 3) * 2 + 0] = 100.0f;
  set(&l[0], -0.05f, 0.5f);
  set(&l[1], 0.5f, 0.5f);
  vp__refine_landmarks_from_heatmap(l, 2, hm, 8, 8, 2, 7, 0.5f);
  CHECK_NEAR(l[0].x, 3.0 / 8, 1e-6);
  CHECK_NEAR(l[1].x, 0.5, 1e-7);
}

static void test_visibility(void) {
  vp__visibility_filter v;
  vp__visibility_filter_init(&v, 0.1f);
  vp_landmark l[2];
  set(&l[0], 0, 0);
  set(&l[1], 0, 0);
  l[0].visibility = 1.0f;
  l[1].visibility = 0.2f;
  vp__visibility_filter_apply(&v, l, 2); /* first values pass */
  CHECK_NEAR(l[0].visibility, 1.0, 1e-7);
  l[0].visibility = 0.0f;
  vp__visibility_filter_apply(&v, l, 2); /* 0.1*0 + 0.9*1 */
  CHECK_NEAR(l[0].visibility, 0.9, 1e-6);
  l[0].visibility = 0.0f;
  vp__visibility_filter_apply(&v, l, 2);
  CHECK_NEAR(l[0].visibility, 0.81, 1e-6);
  CHECK_NEAR(l[1].visibility, 0.2, 1e-6);
  vp__visibility_filter_reset(&v);
  l[0].visibility = 0.3f;
  vp__visibility_filter_apply(&v, l, 2);
  CHECK_NEAR(l[0].visibility, 0.3, 1e-7);
}

static void test_mask_warp(void) {
  float in[16], out[64];
  for (int i = 0; i < 16; i++) in[i] = (float)i;
  /* ROI = the whole 4x4 image: identity. */
  vp__mask_warp_from_roi(in, 4, 4, 2, 2, 4, 4, 0, out, 4, 4);
  for (int i = 0; i < 16; i++) CHECK_NEAR(out[i], in[i], 1e-6);
  /* Rotated by pi: out(x,y) samples in(4-x, 4-y); x = 0 falls outside -> 0,
   * and column 4 of the source is outside, so (1,1) mixes nothing: in(3,3). */
  vp__mask_warp_from_roi(in, 4, 4, 2, 2, 4, 4, (float)M_PI, out, 4, 4);
  CHECK_NEAR(out[0], 0.0, 1e-6);
  CHECK_NEAR(out[1 * 4 + 1], in[3 * 4 + 3], 1e-5);
  CHECK_NEAR(out[2 * 4 + 3], in[2 * 4 + 1], 1e-5);
  /* An 8x8 ROI centred at (4,4): out pixel x samples source x/2. */
  vp__mask_warp_from_roi(in, 4, 4, 4, 4, 8, 8, 0, out, 8, 8);
  CHECK_NEAR(out[0], 0.0, 1e-6);
  CHECK_NEAR(out[1], 0.5, 1e-6);                  /* (in(0,0) + in(1,0)) / 2 */
  CHECK_NEAR(out[2 * 8 + 2], in[1 * 4 + 1], 1e-6); /* 5 */
  CHECK_NEAR(out[7], 0.5 * in[3], 1e-6);           /* half of in(3,0), half outside */
  /* A ROI in the right half of an 8x4 frame: the left half is 0. */
  vp__mask_warp_from_roi(in, 4, 4, 6, 2, 4, 4, 0, out, 8, 4);
  CHECK_NEAR(out[0], 0.0, 1e-6);
  CHECK_NEAR(out[4], in[0], 1e-6);
  CHECK_NEAR(out[3 * 8 + 7], in[15], 1e-6);
}

/* OpenCV's INTER_LINEAR source position of destination pixel @p d. */
static int32_t src_coord(int32_t d, int32_t in, int32_t out, float *frac) {
  float f = (float)((d + 0.5) * ((double)in / out) - 0.5);
  int32_t s = (int32_t)floorf(f);
  f -= (float)s;
  if (s < 0) s = 0, f = 0;
  if (s >= in - 1) s = in - 1, f = 0;
  *frac = f;
  return s;
}

static void test_mask_resize(void) {
  float in[2] = {0, 1}, out[4];
  vp__mask_resize_linear(in, 2, 1, out, 4, 1);
  CHECK_NEAR(out[0], 0.0, 1e-6);
  CHECK_NEAR(out[1], 0.25, 1e-6);
  CHECK_NEAR(out[2], 0.75, 1e-6);
  CHECK_NEAR(out[3], 1.0, 1e-6);
  /* 2x2 -> 1x1: source (0.5, 0.5): the mean of the four */
  float sq[4] = {0, 1, 2, 3}, one;
  vp__mask_resize_linear(sq, 2, 2, &one, 1, 1);
  CHECK_NEAR(one, 1.5, 1e-6);
  /* Against a plain per-pixel bilinear blend (OpenCV's float INTER_LINEAR:
   * horizontal, then vertical), bit for bit, up and down, odd sizes. */
  static const int32_t sizes[][4] = {{256, 256, 512, 512}, {256, 144, 641, 359}, {5, 7, 3, 2},
                                     {256, 256, 256, 300}, {3, 1, 9, 4}};
  for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
    const int32_t iw = sizes[t][0], ih = sizes[t][1], ow = sizes[t][2], oh = sizes[t][3];
    float *src = malloc(sizeof(float) * (size_t)(iw * ih)), *got = malloc(sizeof(float) * (size_t)(ow * oh));
    uint32_t seed = 7u + (uint32_t)t;
    for (int32_t i = 0; i < iw * ih; i++) {
      seed = seed * 1664525u + 1013904223u;
      src[i] = (float)(seed >> 8) / 16777216.0f;
    }
    vp__mask_resize_linear(src, iw, ih, got, ow, oh);
    int bad = 0;
    for (int32_t y = 0; y < oh; y++) {
      float fy;
      const int32_t sy = src_coord(y, ih, oh, &fy), sy1 = sy + 1 < ih ? sy + 1 : sy;
      for (int32_t x = 0; x < ow; x++) {
        float fx;
        const int32_t sx = src_coord(x, iw, ow, &fx), sx1 = sx + 1 < iw ? sx + 1 : sx;
        const float a = src[sy * iw + sx] * (1 - fx) + src[sy * iw + sx1] * fx;
        const float b = src[sy1 * iw + sx] * (1 - fx) + src[sy1 * iw + sx1] * fx;
        const float want = a * (1 - fy) + b * fy;
        bad += memcmp(&want, &got[y * ow + x], sizeof want) != 0;
      }
    }
    if (bad) fprintf(stderr, "mask resize %dx%d -> %dx%d: %d pixels differ\n", iw, ih, ow, oh, bad);
    CHECK_INT_EQ(bad, 0);
    free(src);
    free(got);
  }
}

static void test_mask_ops(void) {
  float v[3] = {0, 100, -100};
  vp__mask_sigmoid(v, 3);
  CHECK_NEAR(v[0], 0.5, 1e-7);
  CHECK_NEAR(v[1], 1.0, 1e-7);
  CHECK_NEAR(v[2], 0.0, 1e-7);
  /* Fully uncertain (0.5): 70% of the previous value; certain (1.0): kept. */
  float cur[2] = {0.5f, 1.0f}, prev[2] = {1.0f, 0.0f};
  vp__mask_smooth(cur, prev, 2, 0.7f);
  CHECK_NEAR(cur[0], 0.85, 1e-6);
  CHECK_NEAR(cur[1], 1.0, 1e-4);
}

static vp_frame *rgb_row(int w, uint8_t v) {
  vp_frame *f = NULL;
  CHECK_STATUS(vp_frame_alloc(w, 1, VP_PIXFMT_RGB24, &f), VP_OK);
  if (f) memset(f->data[0], v, (size_t)w * 3);
  return f;
}

static void test_mask_render(void) {
  const float m[4] = {0.0f, 0.5f, 1.0f, 2.0f}; /* 2.0 is clamped to 1 */
  vp_mask_render_options o;
  memset(&o, 0, sizeof o);
  vp_frame *f = rgb_row(4, 100);
  if (!f) return;
  /* COLOR: out = bg + (px - bg) * m */
  o.mode = VP_MASK_COLOR;
  o.color = vp_rgba(0, 0, 200, 255);
  CHECK_STATUS(vp_mask_render(f, m, 4, 1, &o), VP_OK);
  const uint8_t *p = f->data[0];
  CHECK_INT_EQ(p[0], 0);
  CHECK_INT_EQ(p[2], 200);
  CHECK_INT_EQ(p[3], 50);
  CHECK_INT_EQ(p[5], 150);
  CHECK_INT_EQ(p[6], 100);
  CHECK_INT_EQ(p[11], 100);
  /* OVERLAY: the person (m = 1) takes the colour at its alpha, background stays */
  memset(f->data[0], 100, 12);
  o.mode = VP_MASK_OVERLAY;
  o.color = vp_rgba(255, 0, 0, 255);
  CHECK_STATUS(vp_mask_render(f, m, 4, 1, &o), VP_OK);
  CHECK_INT_EQ(p[0], 100);
  CHECK_INT_EQ(p[3], 178); /* 100 + 155 * 0.5 */
  CHECK_INT_EQ(p[6], 255);
  CHECK_INT_EQ(p[7], 0);
  /* IMAGE: a 2x1 background scaled to 4 columns (nearest): 0,0,1,1 */
  vp_frame *bg = NULL;
  CHECK_STATUS(vp_frame_alloc(2, 1, VP_PIXFMT_RGB24, &bg), VP_OK);
  if (bg) {
    const uint8_t px[6] = {10, 20, 30, 40, 50, 60};
    memcpy(bg->data[0], px, 6);
    memset(f->data[0], 100, 12);
    o.mode = VP_MASK_IMAGE;
    o.background = bg;
    const float zero[4] = {0, 0, 0, 0};
    CHECK_STATUS(vp_mask_render(f, zero, 4, 1, &o), VP_OK);
    CHECK_INT_EQ(p[0], 10);
    CHECK_INT_EQ(p[3], 10);
    CHECK_INT_EQ(p[6], 40);
    CHECK_INT_EQ(p[11], 60);
    vp_frame_unref(&bg);
  }
  /* BLUR of a constant picture leaves it constant. */
  memset(f->data[0], 77, 12);
  o.mode = VP_MASK_BLUR;
  o.blur_radius = 3;
  const float zero[4] = {0, 0, 0, 0};
  CHECK_STATUS(vp_mask_render(f, zero, 4, 1, &o), VP_OK);
  for (int i = 0; i < 12; i++) CHECK_INT_EQ(p[i], 77);
  /* Wrong sizes and formats are errors, not crashes. */
  CHECK_STATUS(vp_mask_render(f, m, 3, 1, &o), VP_EINVAL);
  vp_frame *y = NULL;
  CHECK_STATUS(vp_frame_alloc(4, 2, VP_PIXFMT_YUV420P, &y), VP_OK);
  if (y) CHECK_STATUS(vp_mask_render(y, m, 4, 2, &o), VP_EUNSUPPORTED);
  vp_frame_unref(&y);
  vp_frame_unref(&f);
}

int main(void) {
  test_hand_rect();
  test_hand_association();
  test_hand_dedup();
  test_handedness();
  test_heatmap();
  test_visibility();
  test_mask_warp();
  test_mask_resize();
  test_mask_ops();
  test_mask_render();
  return TEST_EXIT();
}
