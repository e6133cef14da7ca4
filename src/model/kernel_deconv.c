/* Transpose convolution with kernel = stride = 2 and one output channel
 * (layer: model).
 *
 * selfie_segmentation ends in MediaPipe's Convolution2DTransposeBias
 * (mediapipe/util/tflite/operations/transpose_conv_bias.cc) from [H,W,Cin]
 * to [2H,2W,1]. The footprints do not overlap, so every input pixel p gives
 * its own 2x2 outputs out[2y+dy, 2x+dx] = bias + sum_c in[p,c] * w[dy,dx,c].
 * XNNPACK runs this (as a fully connected layer with 4 outputs followed by
 * depth-to-space, see xnn_build.c) at a few GMAC/s because 4 output channels
 * are far below its tile width. Here 16 pixels of a row are transposed in
 * registers (one lane per pixel), go through the channels at once, and the
 * 2x2 blocks are interleaved straight into the two output rows: one pass,
 * no intermediate tensor. Cin a multiple of 16 up to 64 and AVX-512 only;
 * otherwise the operator stays on XNNPACK.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VP_HAVE_DECONV_AVX512 1
#endif

#ifdef VP_HAVE_DECONV_AVX512
typedef struct deconv_state {
  int32_t in, out;      /* tensors */
  int32_t ih, iw, ci;   /* input shape (batch 1) */
  float w[4][64];       /* w[dy*2+dx][c], c < ci <= 64 */
  float bias;
  const float *pi;
  float *po;
} deconv_state;

/* Transposes 16 pixels x 16 channels (r[p] = channels of pixel p) into
 * col[c] = channel c of the 16 pixels: in-lane unpacks and shuffles, then a
 * 4x4 transpose of the 128-bit lanes (no gathers: they are slow on AMD). */
__attribute__((target("avx512f"))) static inline void transpose16(const __m512 r[16], __m512 col[16]) {
  __m512 u[4][4]; /* u[g][k]: lane L holds rows 4g..4g+3 of column 4L+k */
  for (int g = 0; g < 4; g++) {
    __m512 t0 = _mm512_unpacklo_ps(r[4 * g], r[4 * g + 1]), t1 = _mm512_unpackhi_ps(r[4 * g], r[4 * g + 1]);
    __m512 t2 = _mm512_unpacklo_ps(r[4 * g + 2], r[4 * g + 3]), t3 = _mm512_unpackhi_ps(r[4 * g + 2], r[4 * g + 3]);
    u[g][0] = _mm512_shuffle_ps(t0, t2, 0x44);
    u[g][1] = _mm512_shuffle_ps(t0, t2, 0xEE);
    u[g][2] = _mm512_shuffle_ps(t1, t3, 0x44);
    u[g][3] = _mm512_shuffle_ps(t1, t3, 0xEE);
  }
  for (int k = 0; k < 4; k++) {
    __m512 v0 = _mm512_shuffle_f32x4(u[0][k], u[1][k], 0x44), v1 = _mm512_shuffle_f32x4(u[0][k], u[1][k], 0xEE);
    __m512 v2 = _mm512_shuffle_f32x4(u[2][k], u[3][k], 0x44), v3 = _mm512_shuffle_f32x4(u[2][k], u[3][k], 0xEE);
    col[0 + k] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    col[4 + k] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
    col[8 + k] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    col[12 + k] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
  }
}

__attribute__((target("avx512f"))) static void deconv_row(void *ctx, size_t y) {
  const deconv_state *s = ctx;
  const int32_t iw = s->iw, ci = s->ci, ow = 2 * iw;
  const float *row = s->pi + (size_t)y * (size_t)iw * (size_t)ci;
  float *o0 = s->po + (size_t)(2 * y) * (size_t)ow, *o1 = o0 + ow;
  /* Interleave a (dx = 0) and b (dx = 1): a0 b0 a1 b1 ... */
  const __m512i lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i hi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  const __m512 bias = _mm512_set1_ps(s->bias);
  for (int32_t x = 0; x < iw; x += 16) {
    int32_t n = iw - x < 16 ? iw - x : 16;
    const float *px = row + (size_t)x * (size_t)ci;
    __m512 a00 = bias, a01 = bias, a10 = bias, a11 = bias;
    for (int32_t cc = 0; cc < ci; cc += 16) {
      __m512 r[16], col[16];
      for (int p = 0; p < 16; p++)
        r[p] = p < n ? _mm512_loadu_ps(px + (size_t)p * (size_t)ci + (size_t)cc) : _mm512_setzero_ps();
      transpose16(r, col);
      for (int c = 0; c < 16; c++) {
        a00 = _mm512_fmadd_ps(col[c], _mm512_set1_ps(s->w[0][cc + c]), a00);
        a01 = _mm512_fmadd_ps(col[c], _mm512_set1_ps(s->w[1][cc + c]), a01);
        a10 = _mm512_fmadd_ps(col[c], _mm512_set1_ps(s->w[2][cc + c]), a10);
        a11 = _mm512_fmadd_ps(col[c], _mm512_set1_ps(s->w[3][cc + c]), a11);
      }
    }
    int32_t n2 = 2 * n;
    __mmask16 mlo = (__mmask16)(n2 >= 16 ? 0xffffu : (1u << n2) - 1u);
    __mmask16 mhi = (__mmask16)(n2 >= 32 ? 0xffffu : n2 <= 16 ? 0u : (1u << (n2 - 16)) - 1u);
    _mm512_mask_storeu_ps(o0 + 2 * x, mlo, _mm512_permutex2var_ps(a00, lo, a01));
    _mm512_mask_storeu_ps(o0 + 2 * x + 16, mhi, _mm512_permutex2var_ps(a00, hi, a01));
    _mm512_mask_storeu_ps(o1 + 2 * x, mlo, _mm512_permutex2var_ps(a10, lo, a11));
    _mm512_mask_storeu_ps(o1 + 2 * x + 16, mhi, _mm512_permutex2var_ps(a10, hi, a11));
  }
}

static vp_status k_deconv(const vp__kernel_ctx *c) {
  deconv_state *s = c->state;
  s->pi = c->ptr[s->in];
  s->po = c->ptr[s->out];
  vp__parallel_rows(s->ih > 1 ? c->threadpool : NULL, deconv_row, s, (size_t)s->ih);
  return VP_OK;
}
#endif

bool vp__deconv_applies(const vp__graph *g, const vp__op *op) {
#ifdef VP_HAVE_DECONV_AVX512
  if (op->code != VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS || op->num_inputs < 3 || op->num_outputs != 1) return false;
  if (getenv("VPIPE_NO_CUSTOM_KERNELS") || !vp__xnn_supports(g, op)) return false;
  if (!vp__cpu_has_avx512()) return false;
  const vp__tensor *a = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  const vp__tensor *o = &g->tensors[op->outputs[0]];
  /* vp__xnn_supports checked ranks, constant f32 weights and bias, shapes. */
  if (op->custom.stride_h != 2 || op->custom.stride_w != 2 || w->dims[1] != 2 || w->dims[2] != 2) return false;
  if (w->dims[0] != 1 || a->dims[0] != 1 || a->dims[3] < 16 || a->dims[3] > 64 || a->dims[3] % 16) return false;
  /* No padding: the output is exactly twice the input. */
  return o->dims[1] == 2 * a->dims[1] && o->dims[2] == 2 * a->dims[2];
#else
  (void)g;
  (void)op;
  return false;
#endif
}

vp_status vp__deconv_prepare(const vp__graph *g, const vp__op *op, vp__kernel_fn *fn, void **state,
                             void (**state_free)(void *)) {
#ifdef VP_HAVE_DECONV_AVX512
  const vp__tensor *a = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  deconv_state *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "operator %d (%s): out of memory", op->index, op->name);
  s->in = op->inputs[0];
  s->out = op->outputs[0];
  s->ih = a->dims[1];
  s->iw = a->dims[2];
  s->ci = a->dims[3];
  const float *wd = w->data; /* OHWI, O = 1: [dy][dx][c] */
  for (int q = 0; q < 4; q++) memcpy(s->w[q], wd + (size_t)q * (size_t)s->ci, (size_t)s->ci * sizeof(float));
  s->bias = ((const float *)g->tensors[op->inputs[2]].data)[0];
  *fn = k_deconv;
  *state = s;
  *state_free = free;
  return VP_OK;
#else
  (void)g;
  (void)fn;
  (void)state;
  (void)state_free;
  return vp__error(VP_EUNSUPPORTED, "operator %d (%s): no transpose-convolution kernel in this build", op->index,
                   op->name);
#endif
}
