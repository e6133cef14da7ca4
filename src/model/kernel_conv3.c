/* First-layer convolution (3 input channels) for x86-64 with AVX-512
 * (layer: model).
 *
 * Why: every MediaPipe network starts with a KxK stride-2 convolution of the
 * RGB image into 16-32 channels, the most expensive single operator of
 * face_landmark (11%) and selfie segmentation (10%), and in face_landmark,
 * palm detection and selfie segmentation it is followed by a PReLU or hard
 * swish that XNNPACK runs as a separate pass. This kernel computes the
 * convolution about as fast as XNNPACK (bench --profile, 3x3 to 16 channels:
 * 43 vs 40 GMAC/s; 5x5 to 24 channels only 33 vs 42, so the plan uses it
 * only where it absorbs one of those activations) and applies the activation
 * before the store. A tile of T neighbouring output pixels keeps T x NV
 * accumulators (NV = output channels / 16) in registers; the compiler
 * broadcasts each input value once for all the (pixel, kx) pairs it feeds.
 * Alternating runs (1 thread, medians): face_landmark 0.99x, selfie
 * segmentation 0.97x, palm_detection_lite 0.99x of the time without it.
 *
 * Layout: NHWC input and output, TFLite's [Cout, K, K, 3] filter repacked at
 * session creation into [K*K*3][Cp] with Cp = Cout rounded up to 16 (zero
 * padded). SAME/VALID padding as TFLite (pad before = total / 2) or a folded
 * PAD. Border pixels take a per-pixel path with bounds checks. Sums run in
 * (ky, kx, channel) order, as the reference does.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VP_HAVE_CONV3_AVX512 1
#endif

enum { C3_NONE, C3_CLAMP, C3_PRELU, C3_HSWISH };

typedef struct c3_state {
  int32_t in_t, out_t;
  int32_t ih, iw, oh, ow, k, s, pad_t, pad_l, cout, cp;
  int act;
  float lo, hi;
  float *w;     /* [k*k*3][cp] */
  float *bias;  /* [cp] */
  float *slope; /* [cp] (PReLU) */
  const float *in;
  float *out;
} c3_state;

#ifdef VP_HAVE_CONV3_AVX512

__attribute__((target("avx512f"), always_inline)) static inline __m512 c3_act(const c3_state *s, __m512 v, int q) {
  switch (s->act) {
    case C3_CLAMP: return _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(s->lo)), _mm512_set1_ps(s->hi));
    case C3_PRELU: {
      __mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
      return _mm512_mask_mul_ps(v, neg, v, _mm512_load_ps(s->slope + 16 * q));
    }
    case C3_HSWISH: {
      __m512 t = _mm512_fmadd_ps(v, _mm512_set1_ps(1.0f / 6.0f), _mm512_set1_ps(0.5f));
      t = _mm512_min_ps(_mm512_max_ps(t, _mm512_setzero_ps()), _mm512_set1_ps(1.0f));
      return _mm512_mul_ps(v, t);
    }
    default: return v;
  }
}

/* One output pixel with bounds checks (image borders). */
__attribute__((target("avx512f"))) static void c3_pixel(const c3_state *s, int32_t oy, int32_t ox) {
  const int32_t k = s->k, cp = s->cp, nv = cp / 16;
  const int32_t iy0 = oy * s->s - s->pad_t, ix0 = ox * s->s - s->pad_l;
  __m512 acc[2];
  for (int q = 0; q < nv; q++) acc[q] = _mm512_load_ps(s->bias + 16 * q);
  for (int32_t ky = 0; ky < k; ky++) {
    int32_t iy = iy0 + ky;
    if (iy < 0 || iy >= s->ih) continue;
    for (int32_t kx = 0; kx < k; kx++) {
      int32_t ix = ix0 + kx;
      if (ix < 0 || ix >= s->iw) continue;
      const float *x = s->in + ((size_t)iy * (size_t)s->iw + (size_t)ix) * 3;
      const float *w = s->w + (size_t)((ky * k + kx) * 3) * (size_t)cp;
      for (int ci = 0; ci < 3; ci++)
        for (int q = 0; q < nv; q++)
          acc[q] = _mm512_fmadd_ps(_mm512_set1_ps(x[ci]), _mm512_load_ps(w + (size_t)ci * (size_t)cp + 16 * q), acc[q]);
    }
  }
  float *o = s->out + ((size_t)oy * (size_t)s->ow + (size_t)ox) * (size_t)s->cout;
  for (int q = 0; q < nv; q++) {
    int32_t left = s->cout - 16 * q;
    __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
    _mm512_mask_storeu_ps(o + 16 * q, m, c3_act(s, acc[q], q));
  }
}

/* T interior output pixels from column ox, NV 16-channel vectors each; K and
 * S constant after inlining so that the loops unroll. */
__attribute__((target("avx512f"), always_inline)) static inline void c3_tile(const c3_state *s, int32_t oy, int32_t ox,
                                                                            const int K, const int S, const int T,
                                                                            const int NV) {
  const int32_t cp = s->cp, iw = s->iw;
  const float *in = s->in + ((size_t)(oy * S - s->pad_t) * (size_t)iw + (size_t)(ox * S - s->pad_l)) * 3;
  __m512 acc[12];
#pragma GCC unroll 12
  for (int j = 0; j < T * NV; j++) acc[j] = _mm512_load_ps(s->bias + 16 * (j % NV));
  for (int ky = 0; ky < K; ky++) {
    const float *row = in + (size_t)ky * (size_t)iw * 3;
    const float *wr = s->w + (size_t)(ky * K * 3) * (size_t)cp;
#pragma GCC unroll 15
    for (int t = 0; t < K * 3; t++) { /* t = kx * 3 + ci: contiguous in both */
      __m512 w0 = _mm512_load_ps(wr + (size_t)t * (size_t)cp), w1 = w0;
      if (NV == 2) w1 = _mm512_load_ps(wr + (size_t)t * (size_t)cp + 16);
#pragma GCC unroll 12
      for (int j = 0; j < T; j++) {
        const __m512 x = _mm512_set1_ps(row[j * S * 3 + t]);
        acc[j * NV] = _mm512_fmadd_ps(x, w0, acc[j * NV]);
        if (NV == 2) acc[j * NV + 1] = _mm512_fmadd_ps(x, w1, acc[j * NV + 1]);
      }
    }
  }
  float *o = s->out + ((size_t)oy * (size_t)s->ow + (size_t)ox) * (size_t)s->cout;
  const int32_t last = s->cout - 16 * (NV - 1);
  const __mmask16 m = last >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << last) - 1u);
#pragma GCC unroll 12
  for (int j = 0; j < T; j++) {
    if (NV == 2) _mm512_storeu_ps(o + (size_t)j * (size_t)s->cout, c3_act(s, acc[j * NV], 0));
    _mm512_mask_storeu_ps(o + (size_t)j * (size_t)s->cout + 16 * (NV - 1), m, c3_act(s, acc[j * NV + NV - 1], NV - 1));
  }
}

__attribute__((target("avx512f"), always_inline)) static inline void c3_row_impl(const c3_state *s, int32_t oy,
                                                                                const int K, const int S,
                                                                                const int NV) {
  const int T = NV == 1 ? 12 : 6;
  const int32_t ow = s->ow;
  int32_t iy0 = oy * S - s->pad_t;
  if (iy0 < 0 || iy0 + K > s->ih) { /* a border row */
    for (int32_t ox = 0; ox < ow; ox++) c3_pixel(s, oy, ox);
    return;
  }
  /* Interior columns [x0, x1): the whole window inside the image. */
  int32_t x0 = (s->pad_l + S - 1) / S;
  int32_t x1 = s->iw - K + s->pad_l >= 0 ? (s->iw - K + s->pad_l) / S + 1 : 0;
  if (x1 > ow) x1 = ow;
  if (x0 > x1) x0 = x1;
  int32_t ox = 0;
  for (; ox < x0; ox++) c3_pixel(s, oy, ox);
  if (x1 - x0 >= T) {
    for (; ox + T <= x1; ox += T) c3_tile(s, oy, ox, K, S, T, NV);
    if (ox < x1) c3_tile(s, oy, x1 - T, K, S, T, NV); /* shifted left: recomputes a few */
    ox = x1;
  }
  for (; ox < ow; ox++) c3_pixel(s, oy, ox);
}

#define C3_ROW(K, S, NV)                                                                         \
  __attribute__((target("avx512f"))) static void c3_row_k##K##s##S##v##NV(void *ctx, size_t oy) { \
    c3_row_impl(ctx, (int32_t)oy, K, S, NV);                                                     \
  }
C3_ROW(3, 2, 1)
C3_ROW(3, 2, 2)
C3_ROW(5, 2, 1)
C3_ROW(5, 2, 2)
#undef C3_ROW

#endif

static vp_status k_conv3(const vp__kernel_ctx *c) {
#ifdef VP_HAVE_CONV3_AVX512
  c3_state *s = c->state;
  s->in = c->ptr[s->in_t];
  s->out = c->ptr[s->out_t];
  int nv = s->cp / 16;
  void (*row)(void *, size_t) = s->k == 3 ? (nv == 1 ? c3_row_k3s2v1 : c3_row_k3s2v2)
                                         : (nv == 1 ? c3_row_k5s2v1 : c3_row_k5s2v2);
  vp__parallel_rows(c->threadpool, row, s, (size_t)s->oh);
  return VP_OK;
#else
  (void)c;
  return vp__error(VP_EUNSUPPORTED, "first-layer convolution kernel not built for this CPU");
#endif
}

static void c3_free(void *p) {
  c3_state *s = p;
  if (!s) return;
  free(s->w), free(s->bias), free(s->slope);
  free(s);
}

/* Whether the kernel applies: a float32 CONV_2D of a [1,H,W,3] tensor, 3x3
 * or 5x5, stride 2, dilation 1, at most 32 output channels, that XNNPACK
 * would otherwise run. */
bool vp__conv3_applies(const vp__graph *g, const vp__op *op) {
#ifdef VP_HAVE_CONV3_AVX512
  if (op->code != VP_OP_CONV_2D || op->num_inputs < 2 || op->inputs[0] < 0 || op->inputs[1] < 0) return false;
  if (getenv("VPIPE_NO_CUSTOM_KERNELS") || !vp__xnn_supports(g, op)) return false;
  if (!vp__cpu_has_avx512()) return false;
  const vp__tensor *a = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  if (a->rank != 4 || a->dims[0] != 1 || a->dims[3] != 3 || w->rank != 4 || w->dims[3] != 3) return false;
  if (w->dims[1] != w->dims[2] || (w->dims[1] != 3 && w->dims[1] != 5)) return false;
  if (w->dims[0] < 1 || w->dims[0] > 32 || !w->data || w->dtype != VP_DTYPE_F32) return false;
  if (op->stride_h != 2 || op->stride_w != 2 || op->dilation_h > 1 || op->dilation_w > 1) return false;
  return true;
#else
  (void)g;
  (void)op;
  return false;
#endif
}

vp_status vp__conv3_prepare(const vp__graph *g, const vp__op *op, const vp__fold *fold, const vp__op *act_op,
                            int32_t out, vp__kernel_fn *fn, void **state, void (**state_free)(void *)) {
  const vp__tensor *a = &g->tensors[fold ? fold->input : op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  const vp__tensor *o = &g->tensors[op->outputs[0]];
  const vp__tensor *bias = op->num_inputs > 2 && op->inputs[2] >= 0 ? &g->tensors[op->inputs[2]] : NULL;
  c3_state *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "first-layer convolution: out of memory");
  s->in_t = fold ? fold->input : op->inputs[0];
  s->out_t = out;
  s->ih = a->dims[1];
  s->iw = a->dims[2];
  s->oh = o->dims[1];
  s->ow = o->dims[2];
  s->k = w->dims[1];
  s->s = op->stride_h;
  s->cout = w->dims[0];
  s->cp = (s->cout + 15) / 16 * 16;
  if (fold) {
    s->pad_t = (int32_t)fold->top;
    s->pad_l = (int32_t)fold->left;
  } else if (op->padding == VP_PAD_SAME) {
    int32_t th = (s->oh - 1) * s->s + s->k - s->ih, tw = (s->ow - 1) * s->s + s->k - s->iw;
    s->pad_t = th > 0 ? th / 2 : 0;
    s->pad_l = tw > 0 ? tw / 2 : 0;
  }
  vp__act_bounds(vp__act_with(op->activation, act_op), &s->lo, &s->hi);
  s->act = s->lo > -INFINITY || s->hi < INFINITY ? C3_CLAMP : C3_NONE;
  size_t taps = (size_t)(s->k * s->k * 3);
  s->w = aligned_alloc(64, taps * (size_t)s->cp * sizeof(float));
  s->bias = aligned_alloc(64, (size_t)s->cp * sizeof(float));
  s->slope = aligned_alloc(64, (size_t)s->cp * sizeof(float));
  if (!s->w || !s->bias || !s->slope) {
    c3_free(s);
    return vp__error(VP_ENOMEM, "first-layer convolution: out of memory");
  }
  memset(s->w, 0, taps * (size_t)s->cp * sizeof(float));
  memset(s->bias, 0, (size_t)s->cp * sizeof(float));
  memset(s->slope, 0, (size_t)s->cp * sizeof(float));
  const float *wd = w->data;
  for (int32_t co = 0; co < s->cout; co++)
    for (size_t t = 0; t < taps; t++) s->w[t * (size_t)s->cp + (size_t)co] = wd[(size_t)co * taps + t];
  if (bias) memcpy(s->bias, bias->data, (size_t)s->cout * sizeof(float));
  if (act_op && act_op->code == VP_OP_PRELU) {
    /* The plan checked that the slope is a constant with one value per channel. */
    memcpy(s->slope, g->tensors[act_op->inputs[1]].data, (size_t)s->cout * sizeof(float));
    s->act = C3_PRELU;
  } else if (act_op && act_op->code == VP_OP_HARD_SWISH) {
    s->act = C3_HSWISH;
  }
  *fn = k_conv3;
  *state = s;
  *state_free = c3_free;
  return VP_OK;
}
