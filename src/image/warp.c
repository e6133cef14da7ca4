/* Image → tensor warp, reproducing MediaPipe's CPU preprocessing (layer: image).
 *
 * MediaPipe's ImageToTensorCalculator on the CPU
 * (mediapipe/calculators/tensor/image_to_tensor_converter_opencv.cc, Convert)
 * builds a cv::RotatedRect from the ROI (angle = rotation·180/π degrees),
 * takes its cv::boxPoints, maps them onto the tensor corners (0,h), (0,0),
 * (w,0), (w,h) with getPerspectiveTransform, and runs cv::warpPerspective with
 * INTER_LINEAR on the 8-bit image; the 8-bit result is then converted with
 * scale (max−min)/255 and offset min (image_to_tensor_utils.cc,
 * GetValueRangeTransformation). Border: BORDER_CONSTANT 0 for letterboxed
 * detector inputs, replicate when unspecified (GetBorderMode).
 *
 * OpenCV's warp (modules/imgproc/src/imgwarp.cpp, WarpPerspectiveInvoker and
 * remapBilinear) works in fixed point:
 * - for each destination pixel the source position is computed in double
 *   through the inverse matrix, multiplied by INTER_TAB_SIZE = 32 and rounded
 *   to the nearest integer (cvRound: half to even); X >> 5 is the integer
 *   pixel and X & 31 the fraction, in 1/32 steps. Rows are processed in tiles
 *   (BLOCK_SZ = 32: bh0 × bw0), and X0 = M0·x_tile + M1·y + M2 is formed per
 *   tile before adding M0·x1, which we follow so the doubles round the same way;
 * - the bilinear weights are the 1/32 fractions' products scaled to 2^15
 *   (INTER_REMAP_COEF_BITS): w = (32−fx)(32−fy)·32 etc., which sum to 32768;
 *   the pixel is (Σ p·w + 2^14) >> 15, i.e. (Σ p·a·b + 512) >> 10;
 * - BORDER_CONSTANT: a pixel whose 2×2 neighbourhood lies entirely outside is
 *   0; otherwise outside neighbours count as 0. BORDER_REPLICATE clamps.
 * The only difference from MediaPipe is that we build the inverse map directly
 * from the float box points instead of solving and inverting a perspective
 * matrix in double: the two agree to ~1e-15 relative.
 *
 * YUV420P input is sampled per neighbour and converted with BT.601 (limited
 * range, or full range for YUVJ420P) before blending; this is our own path
 * (MediaPipe only sees RGB), so it is close to, not identical with, a
 * swscale conversion followed by the RGB path.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/error.h"
#include "image/warp.h"

#define TAB_BITS 5  /* INTER_BITS */
#define TAB_SIZE 32 /* INTER_TAB_SIZE */

typedef struct layout {
  int bpp;      /* bytes per pixel of packed formats; 0 for planar YUV */
  int r, g, b;  /* channel offsets */
  int yuv_full; /* YUV: 1 = full range */
} layout;

static vp_status get_layout(vp_pixfmt f, layout *l) {
  memset(l, 0, sizeof *l);
  switch (f) {
    case VP_PIXFMT_RGB24: l->bpp = 3; l->r = 0; l->g = 1; l->b = 2; return VP_OK;
    case VP_PIXFMT_BGR24: l->bpp = 3; l->r = 2; l->g = 1; l->b = 0; return VP_OK;
    case VP_PIXFMT_RGBA: l->bpp = 4; l->r = 0; l->g = 1; l->b = 2; return VP_OK;
    case VP_PIXFMT_BGRA: l->bpp = 4; l->r = 2; l->g = 1; l->b = 0; return VP_OK;
    case VP_PIXFMT_YUV420P: l->bpp = 0; return VP_OK;
    case VP_PIXFMT_YUVJ420P: l->bpp = 0; l->yuv_full = 1; return VP_OK;
    default: return vp__error(VP_EUNSUPPORTED, "warp: pixel format %d not supported", (int)f);
  }
}

static inline int clamp_u8(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

/* BT.601 YUV → RGB in 16.16 fixed point. */
static inline void yuv_to_rgb(int y, int u, int v, int full, int rgb[3]) {
  const int d = u - 128, e = v - 128;
  if (full) {
    const int c = y << 16;
    rgb[0] = (c + 91881 * e + 32768) >> 16;
    rgb[1] = (c - 22554 * d - 46802 * e + 32768) >> 16;
    rgb[2] = (c + 116130 * d + 32768) >> 16;
  } else {
    const int c = (y - 16) * 76309;
    rgb[0] = (c + 104597 * e + 32768) >> 16;
    rgb[1] = (c - 25675 * d - 53279 * e + 32768) >> 16;
    rgb[2] = (c + 132201 * d + 32768) >> 16;
  }
  for (int i = 0; i < 3; i++) rgb[i] = clamp_u8(rgb[i]);
}

static inline void fetch_yuv(const vp_frame *s, int x, int y, int full, int rgb[3]) {
  const int Y = s->data[0][(size_t)y * s->linesize[0] + x];
  const int U = s->data[1][(size_t)(y >> 1) * s->linesize[1] + (x >> 1)];
  const int V = s->data[2][(size_t)(y >> 1) * s->linesize[2] + (x >> 1)];
  yuv_to_rgb(Y, U, V, full, rgb);
}

typedef struct sink {
  float *f;    /* float output or NULL */
  uint8_t *u8; /* 8-bit output or NULL */
  float scale, offset;
  float lut[256];
} sink;

/* dst[i] = lut[src[i]] with lut[v] = (float)v·scale + offset. The SSE2 path
 * computes the same two float operations (a multiply, then an add: no fused
 * multiply-add), so the values are bit-identical to the table's; it avoids a
 * dependent table load per channel (a quarter of the warp's time at 720p). */
static void to_float(const sink *k, const uint8_t *src, float *dst, int n) {
  int i = 0;
#if defined(__SSE2__)
  const __m128 sc = _mm_set1_ps(k->scale), of = _mm_set1_ps(k->offset);
  const __m128i z = _mm_setzero_si128();
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
    const __m128i lo = _mm_unpacklo_epi8(v, z), hi = _mm_unpackhi_epi8(v, z);
    const __m128i q[4] = {_mm_unpacklo_epi16(lo, z), _mm_unpackhi_epi16(lo, z),
                          _mm_unpacklo_epi16(hi, z), _mm_unpackhi_epi16(hi, z)};
    for (int j = 0; j < 4; j++)
      _mm_storeu_ps(dst + i + 4 * j, _mm_add_ps(_mm_mul_ps(_mm_cvtepi32_ps(q[j]), sc), of));
  }
#endif
  for (; i < n; i++) dst[i] = k->lut[src[i]];
}

/* OpenCV keeps the integer source coordinate as a saturated short. */
static inline int sat_short(int v) { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }

static inline double clamp_int_range(double v) {
  return v > 2147483647.0 ? 2147483647.0 : v < -2147483648.0 ? -2147483648.0 : v;
}

/* cvRound: nearest, ties to even (the default SSE rounding mode). */
static inline int round_even(double v) {
#if defined(__SSE2__)
  return _mm_cvtsd_si32(_mm_set_sd(v));
#else
  return (int)lrint(v);
#endif
}

/* Bilinear sample of one source pixel neighbourhood, OpenCV's fixed point:
 * (Σ p·a·b + 512) >> 10 with a, b the 1/32 weights (coefficients ·32 sum to
 * 2^15, rounding (+2^14) >> 15). Border: zero or replicate. */
static inline __attribute__((always_inline)) void sample_border(const vp_frame *s, const layout *L,
                                                                int zero, int X, int Y,
                                 uint8_t *out) {
  const int W = s->width, H = s->height;
  const int sx = sat_short(X >> TAB_BITS), sy = sat_short(Y >> TAB_BITS);
  const int fx = X & (TAB_SIZE - 1), fy = Y & (TAB_SIZE - 1);
  if (zero && (sx >= W || sx + 1 < 0 || sy >= H || sy + 1 < 0)) {
    out[0] = out[1] = out[2] = 0;
    return;
  }
  const int wq[4] = {(TAB_SIZE - fx) * (TAB_SIZE - fy), fx * (TAB_SIZE - fy), (TAB_SIZE - fx) * fy,
                     fx * fy};
  int acc0 = 0, acc1 = 0, acc2 = 0;
  for (int q = 0; q < 4; q++) {
    if (wq[q] == 0) continue;
    int px = sx + (q & 1), py = sy + (q >> 1);
    if (zero) {
      if (px < 0 || px >= W || py < 0 || py >= H) continue;
    } else {
      px = px < 0 ? 0 : px >= W ? W - 1 : px;
      py = py < 0 ? 0 : py >= H ? H - 1 : py;
    }
    int c[3];
    if (L->bpp) {
      const uint8_t *pp = s->data[0] + (size_t)py * s->linesize[0] + (size_t)px * L->bpp;
      c[0] = pp[L->r]; c[1] = pp[L->g]; c[2] = pp[L->b];
    } else {
      fetch_yuv(s, px, py, L->yuv_full, c);
    }
    acc0 += c[0] * wq[q];
    acc1 += c[1] * wq[q];
    acc2 += c[2] * wq[q];
  }
  out[0] = (uint8_t)((acc0 + 512) >> 10);
  out[1] = (uint8_t)((acc1 + 512) >> 10);
  out[2] = (uint8_t)((acc2 + 512) >> 10);
}

#define PREFETCH_AHEAD 16

static inline int clampi(int v, int n) { return v < 0 ? 0 : v >= n ? n - 1 : v; }

/* Whether both x taps and both y taps of a replicate-border sample clamp to
 * the same column and row. */
static inline bool replicated(int W, int H, int X, int Y) {
  const int sx = sat_short(X >> TAB_BITS), sy = sat_short(Y >> TAB_BITS);
  return clampi(sx, W) == clampi(sx + 1, W) && clampi(sy, H) == clampi(sy + 1, H);
}

/* Packed formats with constant layout: the interior needs no border checks. */
static inline __attribute__((always_inline)) void row_packed(const vp_frame *s, const int bpp,
                                                             const int ro, const int go,
                                                             const int bo, int zero,
                                                             const int *Xs, const int *Ys, int n,
                                                             uint8_t *rgb) {
  const int W = s->width, H = s->height, ls = s->linesize[0];
  const uint8_t *base = s->data[0];
  layout L = {bpp, ro, go, bo, 0};
  for (int x = 0; x < n; x++) {
    const int X = Xs[x], Y = Ys[x];
    /* The source is usually cold (a network ran since it was decoded): ask
     * for the pixels PREFETCH_AHEAD columns on now, or each sample waits on
     * memory in turn (a hand crop took 2.5x its warm time). */
    if (x + PREFETCH_AHEAD < n) {
      const int px = Xs[x + PREFETCH_AHEAD] >> TAB_BITS, py = Ys[x + PREFETCH_AHEAD] >> TAB_BITS;
      if ((unsigned)px < (unsigned)(W - 1) && (unsigned)py < (unsigned)(H - 1)) {
        const uint8_t *pa = base + (size_t)py * ls + (size_t)px * bpp;
        __builtin_prefetch(pa);
        __builtin_prefetch(pa + ls);
      }
    }
    const int sx = X >> TAB_BITS, sy = Y >> TAB_BITS;
    if ((unsigned)sx < (unsigned)(W - 1) && (unsigned)sy < (unsigned)(H - 1)) {
      const int fx = X & (TAB_SIZE - 1), fy = Y & (TAB_SIZE - 1);
#if defined(__SSE2__)
      /* Same integer sum, two steps: horizontal (a·(32−fx) + b·fx, ≤ 8160)
       * then vertical with 32-bit madd; exact, so identical results. The
       * 8-byte loads stay within the row plus the frame's padding. */
      const uint8_t *a = base + (size_t)sy * ls + (size_t)sx * bpp, *b = a + ls;
      const __m128i z = _mm_setzero_si128();
      const __m128i A = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)a), z);
      const __m128i B = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)b), z);
      const __m128i A1 = bpp == 3 ? _mm_srli_si128(A, 6) : _mm_srli_si128(A, 8);
      const __m128i B1 = bpp == 3 ? _mm_srli_si128(B, 6) : _mm_srli_si128(B, 8);
      const __m128i wx = _mm_set1_epi32((fx << 16) | (TAB_SIZE - fx));
      const __m128i wy = _mm_set1_epi32((fy << 16) | (TAB_SIZE - fy));
      const __m128i top = _mm_madd_epi16(_mm_unpacklo_epi16(A, A1), wx);
      const __m128i bot = _mm_madd_epi16(_mm_unpacklo_epi16(B, B1), wx);
      const __m128i tb = _mm_packs_epi32(top, bot);
      const __m128i v = _mm_madd_epi16(_mm_unpacklo_epi16(tb, _mm_srli_si128(tb, 8)), wy);
      const __m128i r = _mm_srli_epi32(_mm_add_epi32(v, _mm_set1_epi32(512)), 10);
      int32_t lanes[4];
      _mm_storeu_si128((__m128i *)lanes, r);
      rgb[3 * x + 0] = (uint8_t)lanes[ro];
      rgb[3 * x + 1] = (uint8_t)lanes[go];
      rgb[3 * x + 2] = (uint8_t)lanes[bo];
#else
      const int w00 = (TAB_SIZE - fx) * (TAB_SIZE - fy), w01 = fx * (TAB_SIZE - fy);
      const int w10 = (TAB_SIZE - fx) * fy, w11 = fx * fy;
      const uint8_t *a = base + (size_t)sy * ls + (size_t)sx * bpp, *b = a + ls;
      rgb[3 * x + 0] = (uint8_t)((a[ro] * w00 + a[bpp + ro] * w01 + b[ro] * w10 + b[bpp + ro] * w11 + 512) >> 10);
      rgb[3 * x + 1] = (uint8_t)((a[go] * w00 + a[bpp + go] * w01 + b[go] * w10 + b[bpp + go] * w11 + 512) >> 10);
      rgb[3 * x + 2] = (uint8_t)((a[bo] * w00 + a[bpp + bo] * w01 + b[bo] * w10 + b[bpp + bo] * w11 + 512) >> 10);
#endif
    } else if (!zero && replicated(W, H, X, Y)) {
      /* All four taps clamp to one pixel: weights sum to 1024, so the
       * fixed-point blend returns that pixel exactly. Rotated hand and pose
       * crops often reach far past the frame. */
      const int cx = clampi(sat_short(X >> TAB_BITS), W), cy = clampi(sat_short(Y >> TAB_BITS), H);
      const uint8_t *pp = base + (size_t)cy * ls + (size_t)cx * bpp;
      rgb[3 * x + 0] = pp[ro];
      rgb[3 * x + 1] = pp[go];
      rgb[3 * x + 2] = pp[bo];
    } else {
      sample_border(s, &L, zero, X, Y, rgb + 3 * x);
    }
  }
}

static void row_generic(const vp_frame *s, const layout *L, int zero, const int *Xs,
                        const int *Ys, int n, uint8_t *rgb) {
  for (int x = 0; x < n; x++) sample_border(s, L, zero, Xs[x], Ys[x], rgb + 3 * x);
}

/* YUV 4:2:0: interior pixels convert their four neighbours through tables
 * (the same 16.16 BT.601 arithmetic as yuv_to_rgb, precomputed per value). */
typedef struct yuv_tables {
  int y[256], rv[256], gu[256], gv[256], bu[256];
} yuv_tables;

static void yuv_tables_init(yuv_tables *t, int full) {
  for (int i = 0; i < 256; i++) {
    const int d = i - 128;
    t->y[i] = full ? (i << 16) + 32768 : (i - 16) * 76309 + 32768;
    t->rv[i] = (full ? 91881 : 104597) * d;
    t->gu[i] = -(full ? 22554 : 25675) * d;
    t->gv[i] = -(full ? 46802 : 53279) * d;
    t->bu[i] = (full ? 116130 : 132201) * d;
  }
}

static void row_yuv420(const vp_frame *s, const layout *L, const yuv_tables *t, int zero,
                       const int *Xs, const int *Ys, int n, uint8_t *rgb) {
  const int W = s->width, H = s->height;
  const uint8_t *yp = s->data[0], *up = s->data[1], *vp = s->data[2];
  const int ly = s->linesize[0], lu = s->linesize[1], lv = s->linesize[2];
  for (int x = 0; x < n; x++) {
    const int X = Xs[x], Y = Ys[x];
    const int sx = X >> TAB_BITS, sy = Y >> TAB_BITS;
    if (!((unsigned)sx < (unsigned)(W - 1) && (unsigned)sy < (unsigned)(H - 1))) {
      sample_border(s, L, zero, X, Y, rgb + 3 * x);
      continue;
    }
    const int fx = X & (TAB_SIZE - 1), fy = Y & (TAB_SIZE - 1);
    const int w[4] = {(TAB_SIZE - fx) * (TAB_SIZE - fy), fx * (TAB_SIZE - fy), (TAB_SIZE - fx) * fy,
                      fx * fy};
    int a0 = 0, a1 = 0, a2 = 0;
    for (int q = 0; q < 4; q++) {
      const int px = sx + (q & 1), py = sy + (q >> 1);
      const int yy = t->y[yp[(size_t)py * ly + px]];
      const int u = up[(size_t)(py >> 1) * lu + (px >> 1)], v = vp[(size_t)(py >> 1) * lv + (px >> 1)];
      a0 += clamp_u8((yy + t->rv[v]) >> 16) * w[q];
      a1 += clamp_u8((yy + t->gu[u] + t->gv[v]) >> 16) * w[q];
      a2 += clamp_u8((yy + t->bu[u]) >> 16) * w[q];
    }
    rgb[3 * x + 0] = (uint8_t)((a0 + 512) >> 10);
    rgb[3 * x + 1] = (uint8_t)((a1 + 512) >> 10);
    rgb[3 * x + 2] = (uint8_t)((a2 + 512) >> 10);
  }
}

static vp_status warp(const vp_frame *src, const vp__warp_params *p, sink *k) {
  if (!src || !p) return vp__error(VP_EINVAL, "warp: NULL argument");
  if (p->out_w <= 0 || p->out_h <= 0 || p->out_w > 16384 || p->out_h > 16384)
    return vp__error(VP_EINVAL, "warp: output size %dx%d", (int)p->out_w, (int)p->out_h);
  if (src->width <= 0 || src->height <= 0 || !src->data[0])
    return vp__error(VP_EINVAL, "warp: empty source frame");
  if (!(isfinite(p->cx) && isfinite(p->cy) && isfinite(p->w) && isfinite(p->h) &&
        isfinite(p->rotation)))
    return vp__error(VP_EINVAL, "warp: non-finite ROI");
  layout L;
  vp_status st = get_layout(src->format, &L);
  if (st != VP_OK) return st;
  if (L.bpp == 0 && (!src->data[1] || !src->data[2]))
    return vp__error(VP_EINVAL, "warp: YUV frame without chroma planes");

  /* cv::RotatedRect(centre, size, degrees) and cv::boxPoints, in float as OpenCV. */
  const float deg = (float)(p->rotation * 180.f / M_PI);
  const double rad = deg * M_PI / 180.;
  const float b = (float)cos(rad) * 0.5f, a = (float)sin(rad) * 0.5f;
  const float p0x = p->cx - a * p->h - b * p->w, p0y = p->cy + b * p->h - a * p->w;
  const float p1x = p->cx + a * p->h - b * p->w, p1y = p->cy - b * p->h - a * p->w;
  const float p2x = 2 * p->cx - p0x, p2y = 2 * p->cy - p0y;
  /* Inverse map tensor (u, v) → source: p1 + (p2 − p1)·u/w + (p0 − p1)·v/h. */
  const double ow = p->out_w, oh = p->out_h;
  const double M0 = ((double)p2x - p1x) / ow, M1 = ((double)p0x - p1x) / oh;
  const double M3 = ((double)p2y - p1y) / ow, M4 = ((double)p0y - p1y) / oh;
  double M2 = p1x, M5 = p1y;
  if (p->pixel_centers) { /* GPU convention: centres of output and source pixels */
    M2 += 0.5 * M0 + 0.5 * M1 - 0.5;
    M5 += 0.5 * M3 + 0.5 * M4 - 0.5;
  }

  /* Tiles as WarpPerspectiveInvoker (BLOCK_SZ 32). */
  int bh0 = p->out_h < 16 ? p->out_h : 16;
  int bw0 = 1024 / bh0;
  if (bw0 > p->out_w) bw0 = p->out_w;

  const int zero = p->border_zero;
  /* Axis-aligned ROI (no rotation): X depends on the column only and Y on the
   * row only, so both are computed once, with the same double expressions as
   * the general path (the zero terms do not change the rounding). */
  const bool separable = M1 == 0.0 && M3 == 0.0;
  /* When every mapped coordinate (an affine map: extremes at the corners) is
   * far inside the int range, the clamps can be skipped. */
  bool in_range = true;
  for (int c = 0; c < 4; c++) {
    const double u = (c & 1) ? p->out_w : 0, v = (c & 2) ? p->out_h : 0;
    if (fabs((M0 * u + M1 * v + M2) * TAB_SIZE) > 1e9 || fabs((M3 * u + M4 * v + M5) * TAB_SIZE) > 1e9)
      in_range = false;
  }
  const int n = p->out_w;
  int *buf = malloc(sizeof(int) * 2 * (size_t)n + (size_t)n * 3 + 16);
  if (!buf) return vp__error(VP_ENOMEM, "warp: %d columns", n);
  int *Xs = buf, *Ys = buf + n;
  yuv_tables yt;
  if (L.bpp == 0) yuv_tables_init(&yt, L.yuv_full);
  uint8_t *rgb = (uint8_t *)(buf + 2 * n);
  for (int y = 0; y < p->out_h; y++) {
    /* Pass 1: fixed-point source coordinates of the row (tiles as OpenCV). */
    if (!separable || y == 0) {
      for (int xb = 0; xb < n; xb += bw0) {
        const int bw = n - xb < bw0 ? n - xb : bw0;
        const double X0 = M0 * xb + M1 * y + M2;
        const double Y0 = M3 * xb + M4 * y + M5;
        for (int x1 = 0; x1 < bw; x1++) {
          const double fx = (X0 + M0 * x1) * TAB_SIZE, fy = (Y0 + M3 * x1) * TAB_SIZE;
          Xs[xb + x1] = in_range ? round_even(fx) : (int)lrint(clamp_int_range(fx));
          Ys[xb + x1] = in_range ? round_even(fy) : (int)lrint(clamp_int_range(fy));
        }
      }
    } else {
      const double fy = (M4 * y + M5) * TAB_SIZE;
      const int Y = in_range ? round_even(fy) : (int)lrint(clamp_int_range(fy));
      for (int x = 0; x < n; x++) Ys[x] = Y;
    }
    /* Pass 2: bilinear samples. */
    switch (src->format) {
      case VP_PIXFMT_RGB24: row_packed(src, 3, 0, 1, 2, zero, Xs, Ys, n, rgb); break;
      case VP_PIXFMT_BGR24: row_packed(src, 3, 2, 1, 0, zero, Xs, Ys, n, rgb); break;
      case VP_PIXFMT_RGBA: row_packed(src, 4, 0, 1, 2, zero, Xs, Ys, n, rgb); break;
      case VP_PIXFMT_BGRA: row_packed(src, 4, 2, 1, 0, zero, Xs, Ys, n, rgb); break;
      case VP_PIXFMT_YUV420P:
      case VP_PIXFMT_YUVJ420P: row_yuv420(src, &L, &yt, zero, Xs, Ys, n, rgb); break;
      default: row_generic(src, &L, zero, Xs, Ys, n, rgb); break;
    }
    const size_t o = (size_t)y * n * 3;
    if (k->f) {
      to_float(k, rgb, k->f + o, 3 * n);
    } else {
      memcpy(k->u8 + o, rgb, (size_t)n * 3);
    }
  }
  free(buf);
  return VP_OK;
}

vp_status vp__warp_to_tensor(const vp_frame *src, const vp__warp_params *p, float *out) {
  if (!out || !p) return vp__error(VP_EINVAL, "warp: NULL argument");
  sink k;
  k.f = out;
  k.u8 = NULL;
  /* GetValueRangeTransformation: scale = (max − min)/(255 − 0), offset = min;
   * cv::Mat::convertTo computes v·scale + offset in float. */
  const float scale = (p->range_max - p->range_min) / 255.0f;
  const float offset = p->range_min;
  k.scale = scale;
  k.offset = offset;
  for (int i = 0; i < 256; i++) k.lut[i] = (float)i * scale + offset;
  return warp(src, p, &k);
}

vp_status vp__warp_to_rgb8(const vp_frame *src, const vp__warp_params *p, uint8_t *out) {
  if (!out) return vp__error(VP_EINVAL, "warp: NULL argument");
  sink k;
  k.f = NULL;
  k.u8 = out;
  return warp(src, p, &k);
}
