/* Fused 8-channel residual block, x86-64 AVX-512 (layer: model).
 *
 * Why: the pose landmark networks' segmentation decoder runs, twice at
 * 256x256 with 8 channels,
 *   y = x + CONV_1x1_8to8(DEPTHWISE_3x3(x))
 * as three operators over 2 MB tensors: a depthwise convolution with half
 * its AVX-512 lanes idle (8 channels), an 8x8 GEMM XNNPACK runs at 17
 * GMAC/s and an addition; together 0.59 ms per block of pose_landmark_lite's
 * 6.0 ms (bench --profile). Here one pass computes two neighbouring pixels
 * per 512-bit vector (16 floats = 2 pixels x 8 channels): the nine depthwise
 * taps, the 8x8 product (each channel broadcast within its pixel's half by a
 * permute), the residual and the activations, reading x once and writing y
 * once. Sums run in the reference's order (taps by row then column; the
 * product by input channel). Per operator (bench --profile): 0.24-0.27 ms
 * per block instead of 0.59. Alternating runs (1 thread, medians of 3):
 * pose_landmark_lite 7.0 -> 5.7 ms, pose_landmark_heavy 44.6 -> 43.3 ms.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VP_HAVE_DWPW8_AVX512 1
#endif

typedef struct dwpw8_state {
  int32_t in_t, out_t;
  int32_t h, w;
  float wdw[9][16];  /* depthwise taps, each 8 weights twice */
  float bdw[16];     /* depthwise bias, twice */
  float wpw[8][16];  /* column ci of the 8x8 product: w[co][ci] over co, twice */
  float bpw[16];
  float lo[3], hi[3]; /* activations of the depthwise, the product, the addition */
  const float *in;
  float *out;
} dwpw8_state;

#ifdef VP_HAVE_DWPW8_AVX512
static float clampf(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

/* One pixel in plain C (borders of odd widths, and the reference order). */
static void dwpw8_pixel(const dwpw8_state *s, int32_t y, int32_t x) {
  float d[8], o[8];
  for (int c = 0; c < 8; c++) {
    float acc = s->bdw[c];
    for (int ky = 0; ky < 3; ky++) {
      int32_t iy = y + ky - 1;
      if (iy < 0 || iy >= s->h) continue;
      for (int kx = 0; kx < 3; kx++) {
        int32_t ix = x + kx - 1;
        if (ix < 0 || ix >= s->w) continue;
        acc += s->in[((size_t)iy * (size_t)s->w + (size_t)ix) * 8 + (size_t)c] * s->wdw[ky * 3 + kx][c];
      }
    }
    d[c] = clampf(acc, s->lo[0], s->hi[0]);
  }
  for (int co = 0; co < 8; co++) {
    float acc = s->bpw[co];
    for (int ci = 0; ci < 8; ci++) acc += s->wpw[ci][co] * d[ci];
    o[co] = clampf(acc, s->lo[1], s->hi[1]);
  }
  const float *xi = s->in + ((size_t)y * (size_t)s->w + (size_t)x) * 8;
  float *out = s->out + ((size_t)y * (size_t)s->w + (size_t)x) * 8;
  for (int c = 0; c < 8; c++) out[c] = clampf(xi[c] + o[c], s->lo[2], s->hi[2]);
}

typedef struct dwpw8_regs {
  __m512 wd[9], wp[8], bd, bp, lo0, hi0, lo1, hi1, lo2, hi2;
} dwpw8_regs;

/* P pixel pairs from column x (all columns x-1 .. x+2P inside the image
 * unless EDGE): P independent chains hide the FMA and permute latencies. */
__attribute__((target("avx512f"), always_inline)) static inline void dwpw8_pairs(const dwpw8_state *s,
                                                                                const dwpw8_regs *k,
                                                                                const float *const rows[3],
                                                                                const float *xrow, float *orow,
                                                                                int32_t x, const int P,
                                                                                const bool EDGE) {
  const int32_t w = s->w;
  __m512 acc[4];
#pragma GCC unroll 4
  for (int j = 0; j < P; j++) acc[j] = k->bd;
#pragma GCC unroll 3
  for (int ky = 0; ky < 3; ky++) {
    const float *r = rows[ky];
    if (!r) continue;
#pragma GCC unroll 3
    for (int kx = 0; kx < 3; kx++) {
#pragma GCC unroll 4
      for (int j = 0; j < P; j++) {
        int32_t c0 = x + 2 * j + kx - 1;
        __m512 v;
        if (EDGE && c0 < 0) /* only column 0 inside: the upper half */
          v = _mm512_shuffle_f32x4(_mm512_setzero_ps(), _mm512_zextps256_ps512(_mm256_loadu_ps(r)), 0x40);
        else if (EDGE && c0 + 1 >= w) /* only column c0 inside: the lower half */
          v = _mm512_zextps256_ps512(_mm256_loadu_ps(r + (size_t)c0 * 8));
        else
          v = _mm512_loadu_ps(r + (size_t)c0 * 8);
        acc[j] = _mm512_fmadd_ps(v, k->wd[ky * 3 + kx], acc[j]);
      }
    }
  }
  __m512 d[4], o[4];
#pragma GCC unroll 4
  for (int j = 0; j < P; j++) d[j] = _mm512_min_ps(_mm512_max_ps(acc[j], k->lo0), k->hi0), o[j] = k->bp;
#pragma GCC unroll 8
  for (int ci = 0; ci < 8; ci++) {
    const __m512i idx = _mm512_set_epi32(8 + ci, 8 + ci, 8 + ci, 8 + ci, 8 + ci, 8 + ci, 8 + ci, 8 + ci, ci, ci, ci,
                                         ci, ci, ci, ci, ci);
#pragma GCC unroll 4
    for (int j = 0; j < P; j++) o[j] = _mm512_fmadd_ps(k->wp[ci], _mm512_permutexvar_ps(idx, d[j]), o[j]);
  }
#pragma GCC unroll 4
  for (int j = 0; j < P; j++) {
    __m512 v = _mm512_min_ps(_mm512_max_ps(o[j], k->lo1), k->hi1);
    v = _mm512_add_ps(_mm512_loadu_ps(xrow + (size_t)(x + 2 * j) * 8), v);
    _mm512_storeu_ps(orow + (size_t)(x + 2 * j) * 8, _mm512_min_ps(_mm512_max_ps(v, k->lo2), k->hi2));
  }
}

__attribute__((target("avx512f"))) static void dwpw8_row(void *ctx, size_t yy) {
  const dwpw8_state *s = ctx;
  const int32_t y = (int32_t)yy, w = s->w;
  const size_t rs = (size_t)w * 8;
  const float *rows[3];
  for (int ky = 0; ky < 3; ky++) {
    int32_t iy = y + ky - 1;
    rows[ky] = iy >= 0 && iy < s->h ? s->in + (size_t)iy * rs : NULL;
  }
  dwpw8_regs k;
  for (int t = 0; t < 9; t++) k.wd[t] = _mm512_loadu_ps(s->wdw[t]);
  for (int c = 0; c < 8; c++) k.wp[c] = _mm512_loadu_ps(s->wpw[c]);
  k.bd = _mm512_loadu_ps(s->bdw), k.bp = _mm512_loadu_ps(s->bpw);
  k.lo0 = _mm512_set1_ps(s->lo[0]), k.hi0 = _mm512_set1_ps(s->hi[0]);
  k.lo1 = _mm512_set1_ps(s->lo[1]), k.hi1 = _mm512_set1_ps(s->hi[1]);
  k.lo2 = _mm512_set1_ps(s->lo[2]), k.hi2 = _mm512_set1_ps(s->hi[2]);
  float *orow = s->out + (size_t)y * rs;
  const float *xrow = s->in + (size_t)y * rs;
  int32_t x = 0;
  if (w >= 2) {
    dwpw8_pairs(s, &k, rows, xrow, orow, 0, 1, true);
    x = 2;
  }
  /* Interior pairs: columns x - 1 .. x + 2P stay inside while x + 2P < w. */
  for (; x + 8 < w; x += 8) dwpw8_pairs(s, &k, rows, xrow, orow, x, 4, false);
  for (; x + 2 <= w; x += 2) dwpw8_pairs(s, &k, rows, xrow, orow, x, 1, true);
  for (; x < w; x++) dwpw8_pixel(s, y, x);
}

#endif

static vp_status k_dwpw8(const vp__kernel_ctx *c) {
#ifdef VP_HAVE_DWPW8_AVX512
  dwpw8_state *s = c->state;
  s->in = c->ptr[s->in_t];
  s->out = c->ptr[s->out_t];
  vp__parallel_rows(c->threadpool, dwpw8_row, s, (size_t)s->h);
  return VP_OK;
#else
  (void)c;
  return vp__error(VP_EUNSUPPORTED, "fused 8-channel block not built for this CPU");
#endif
}

bool vp__dwpw8_cpu_ok(void) {
#ifdef VP_HAVE_DWPW8_AVX512
  if (getenv("VPIPE_NO_CUSTOM_KERNELS")) return false;
  return vp__cpu_has_avx512();
#else
  return false;
#endif
}

vp_status vp__dwpw8_prepare(const vp__graph *g, const vp__op *dw, const vp__op *pw, const vp__op *add, int32_t out,
                            vp__kernel_fn *fn, void **state, void (**state_free)(void *)) {
  const vp__tensor *a = &g->tensors[dw->inputs[0]];
  dwpw8_state *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "fused 8-channel block: out of memory");
  s->in_t = dw->inputs[0];
  s->out_t = out;
  s->h = a->dims[1];
  s->w = a->dims[2];
  const float *wd = g->tensors[dw->inputs[1]].data; /* [1][3][3][8] */
  for (int t = 0; t < 9; t++)
    for (int c = 0; c < 16; c++) s->wdw[t][c] = wd[t * 8 + (c & 7)];
  if (dw->num_inputs > 2 && dw->inputs[2] >= 0) {
    const float *b = g->tensors[dw->inputs[2]].data;
    for (int c = 0; c < 16; c++) s->bdw[c] = b[c & 7];
  }
  const float *wp = g->tensors[pw->inputs[1]].data; /* [8 out][1][1][8 in] */
  for (int ci = 0; ci < 8; ci++)
    for (int c = 0; c < 16; c++) s->wpw[ci][c] = wp[(c & 7) * 8 + ci];
  if (pw->num_inputs > 2 && pw->inputs[2] >= 0) {
    const float *b = g->tensors[pw->inputs[2]].data;
    for (int c = 0; c < 16; c++) s->bpw[c] = b[c & 7];
  }
  vp__act_bounds(dw->activation, &s->lo[0], &s->hi[0]);
  vp__act_bounds(pw->activation, &s->lo[1], &s->hi[1]);
  vp__act_bounds(add->activation, &s->lo[2], &s->hi[2]);
  *fn = k_dwpw8;
  *state = s;
  *state_free = free;
  return VP_OK;
}
