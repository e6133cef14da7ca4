/* 3x3 convolution from 8 channels to a single channel, x86-64 AVX-512
 * (layer: model).
 *
 * Why: the pose landmark networks end their segmentation decoder with a 3x3
 * convolution of a [256, 256, 8] map to one channel. XNNPACK runs it as a
 * GEMM with one output column, at 3.2 GMAC/s: 1.48 ms, 3.4% of
 * pose_landmark_heavy (bench --profile, one operator per step). Here the
 * 3x3x8 window of one output pixel is three runs of 24 contiguous floats (3
 * pixels x 8 channels): one 512-bit and one 256-bit FMA per kernel row, a
 * horizontal sum per pixel. Border pixels (SAME padding) take a scalar path.
 * Alternating runs (1 thread, medians of 3 rounds): pose_landmark_heavy
 * 44.6 -> 42.8 ms, pose_landmark_lite 7.95 -> 6.03 ms.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VP_HAVE_C1_AVX512 1
#endif

typedef struct c1_state {
  int32_t in_t, out_t;
  int32_t h, w, pad_t, pad_l;
  float lo, hi, bias;
  float wt[3 * 24 + 8]; /* [ky][kx][c], 24 per kernel row */
  const float *in;
  float *out;
} c1_state;

#ifdef VP_HAVE_C1_AVX512
/* One output pixel with bounds checks, in (ky, kx, c) order. */
static float c1_pixel(const c1_state *s, int32_t y, int32_t x) {
  float acc = s->bias;
  for (int32_t ky = 0; ky < 3; ky++) {
    int32_t iy = y - s->pad_t + ky;
    if (iy < 0 || iy >= s->h) continue;
    for (int32_t kx = 0; kx < 3; kx++) {
      int32_t ix = x - s->pad_l + kx;
      if (ix < 0 || ix >= s->w) continue;
      const float *p = s->in + ((size_t)iy * (size_t)s->w + (size_t)ix) * 8;
      for (int c = 0; c < 8; c++) acc += p[c] * s->wt[ky * 24 + kx * 8 + c];
    }
  }
  return acc < s->lo ? s->lo : acc > s->hi ? s->hi : acc;
}

__attribute__((target("avx512f,avx512vl,fma"))) static void c1_row(void *ctx, size_t yy) {
  const c1_state *s = ctx;
  const int32_t y = (int32_t)yy, w = s->w;
  float *o = s->out + (size_t)y * (size_t)w;
  int32_t iy0 = y - s->pad_t;
  if (iy0 < 0 || iy0 + 3 > s->h) {
    for (int32_t x = 0; x < w; x++) o[x] = c1_pixel(s, y, x);
    return;
  }
  /* Interior columns: the window's columns x - pad_l .. x - pad_l + 2 inside. */
  int32_t x0 = s->pad_l, x1 = w - 2 + s->pad_l;
  if (x1 > w) x1 = w;
  if (x0 > x1) x0 = x1;
  const __m512 w0 = _mm512_loadu_ps(s->wt), w1 = _mm512_loadu_ps(s->wt + 24), w2 = _mm512_loadu_ps(s->wt + 48);
  const __m256 v0 = _mm256_loadu_ps(s->wt + 16), v1 = _mm256_loadu_ps(s->wt + 40), v2 = _mm256_loadu_ps(s->wt + 64);
  const float *r0 = s->in + (size_t)iy0 * (size_t)w * 8, *r1 = r0 + (size_t)w * 8, *r2 = r1 + (size_t)w * 8;
  int32_t x = 0;
  for (; x < x0; x++) o[x] = c1_pixel(s, y, x);
  for (; x < x1; x++) {
    size_t off = (size_t)(x - s->pad_l) * 8;
    __m512 a = _mm512_mul_ps(_mm512_loadu_ps(r0 + off), w0);
    __m256 b = _mm256_mul_ps(_mm256_loadu_ps(r0 + off + 16), v0);
    a = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + off), w1, a);
    b = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + off + 16), v1, b);
    a = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + off), w2, a);
    b = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + off + 16), v2, b);
    __m256 t = _mm256_add_ps(_mm256_add_ps(_mm512_castps512_ps256(a), _mm256_castpd_ps(_mm512_extractf64x4_pd(
                                                                            _mm512_castps_pd(a), 1))),
                             b);
    __m128 u = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
    u = _mm_add_ps(u, _mm_movehl_ps(u, u));
    u = _mm_add_ss(u, _mm_movehdup_ps(u));
    float v = _mm_cvtss_f32(u) + s->bias;
    o[x] = v < s->lo ? s->lo : v > s->hi ? s->hi : v;
  }
  for (; x < w; x++) o[x] = c1_pixel(s, y, x);
}

#endif

static vp_status k_conv_c1(const vp__kernel_ctx *c) {
#ifdef VP_HAVE_C1_AVX512
  c1_state *s = c->state;
  s->in = c->ptr[s->in_t];
  s->out = c->ptr[s->out_t];
  vp__parallel_rows(c->threadpool, c1_row, s, (size_t)s->h);
  return VP_OK;
#else
  (void)c;
  return vp__error(VP_EUNSUPPORTED, "single-channel convolution kernel not built for this CPU");
#endif
}

/* A float32 CONV_2D, 3x3, stride 1, dilation 1, SAME padding, 8 input
 * channels, one output channel, same height and width in and out, that
 * XNNPACK would otherwise run. */
bool vp__conv_c1_applies(const vp__graph *g, const vp__op *op) {
#ifdef VP_HAVE_C1_AVX512
  if (!vp__is_conv(op)) return false;
  if (getenv("VPIPE_NO_CUSTOM_KERNELS") || !vp__xnn_supports(g, op)) return false;
  if (!vp__cpu_has_avx512vl_fma()) return false;
  const vp__tensor *a = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  const vp__tensor *o = &g->tensors[op->outputs[0]];
  if (a->rank != 4 || a->dims[0] != 1 || a->dims[3] != 8 || o->rank != 4 || o->dims[3] != 1) return false;
  if (o->dims[1] != a->dims[1] || o->dims[2] != a->dims[2]) return false;
  if (!w->data || w->dtype != VP_DTYPE_F32 || w->rank != 4 || w->dims[0] != 1 || w->dims[1] != 3 ||
      w->dims[2] != 3 || w->dims[3] != 8)
    return false;
  if (op->stride_h != 1 || op->stride_w != 1 || op->dilation_h > 1 || op->dilation_w > 1) return false;
  if (op->padding != VP_PAD_SAME) return false;
  if (op->activation != VP_ACT_NONE && op->activation != VP_ACT_RELU && op->activation != VP_ACT_RELU6 &&
      op->activation != VP_ACT_RELU_N1_TO_1)
    return false;
  if (op->num_inputs > 2 && op->inputs[2] >= 0) {
    const vp__tensor *b = &g->tensors[op->inputs[2]];
    if (!b->data || b->dtype != VP_DTYPE_F32 || b->num_elements != 1) return false;
  }
  return true;
#else
  (void)g;
  (void)op;
  return false;
#endif
}

vp_status vp__conv_c1_prepare(const vp__graph *g, const vp__op *op, vp__kernel_fn *fn, void **state,
                              void (**state_free)(void *)) {
  const vp__tensor *a = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  c1_state *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "single-channel convolution: out of memory");
  s->in_t = op->inputs[0];
  s->out_t = op->outputs[0];
  s->h = a->dims[1];
  s->w = a->dims[2];
  s->pad_t = 1; /* SAME, 3x3, stride 1: (0 + 3 - 1) / 2 */
  s->pad_l = 1;
  memcpy(s->wt, w->data, 72 * sizeof(float)); /* [1][3][3][8] = [ky][kx][c] */
  if (op->num_inputs > 2 && op->inputs[2] >= 0) s->bias = *(const float *)g->tensors[op->inputs[2]].data;
  vp__act_bounds(op->activation, &s->lo, &s->hi);
  *fn = k_conv_c1;
  *state = s;
  *state_free = free;
  return VP_OK;
}
