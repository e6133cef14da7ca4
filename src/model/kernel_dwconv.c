/* Depthwise convolution kernel for x86-64 with AVX-512 (layer: model).
 *
 * Why: this XNNPACK build's depthwise kernels run one accumulator chain per
 * 16 channels through all k*k taps, so a 5x5 depthwise convolution is bound by
 * FMA latency (PERFORMANCE-NOTES.md measured 26% of palm detection's time in
 * it). Here every 16-channel vector computes 4 neighbouring output pixels at
 * once (four independent chains), which keeps the FMA units busy.
 *
 * Layout: NHWC input/output, TFLite's [1, KH, KW, C] filter repacked at
 * session creation into [KH*KW][Cp] with Cp = C rounded up to 16 (zero
 * padded) plus a padded bias, so the inner loop has no channel tail except via
 * an AVX-512 mask on loads/stores of the activations. SAME/VALID padding as
 * TFLite (pad before = total / 2). Depth multiplier 1 only. Rows of the output
 * are spread over the thread pool.
 *
 * The kernel is used only when the CPU has AVX-512F (checked once); otherwise
 * the operator stays on XNNPACK.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VP_HAVE_DW_AVX512 1
#endif

typedef struct dw_state {
  int32_t ih, iw, c, oh, ow, kh, kw, sh, sw, pad_t, pad_l, cp;
  float lo, hi;
  float *w;    /* [kh*kw][cp] */
  float *bias; /* [cp] */
  const float *in;
  float *out;
} dw_state;

#ifdef VP_HAVE_DW_AVX512

/* One output pixel with bounds checks (edges of the image). */
__attribute__((target("avx512f"))) static inline void dw_pixel(const dw_state *s, int32_t oy, int32_t ox, int32_t cb,
                                                               __mmask16 m, __m512 b, float *o) {
  const int32_t c = s->c, cp = s->cp, iw = s->iw, kw = s->kw;
  int32_t iy0 = oy * s->sh - s->pad_t, ix0 = ox * s->sw - s->pad_l;
  __m512 acc = b;
  for (int32_t ky = 0; ky < s->kh; ky++) {
    int32_t iy = iy0 + ky;
    if (iy < 0 || iy >= s->ih) continue;
    const float *r = s->in + (size_t)iy * (size_t)iw * (size_t)c + cb;
    const float *wr = s->w + (size_t)ky * (size_t)kw * (size_t)cp + cb;
    for (int32_t kx = 0; kx < kw; kx++) {
      int32_t ix = ix0 + kx;
      if (ix < 0 || ix >= iw) continue;
      __m512 x = _mm512_maskz_loadu_ps(m, r + (size_t)ix * (size_t)c);
      acc = _mm512_fmadd_ps(x, _mm512_load_ps(wr + (size_t)kx * (size_t)cp), acc);
    }
  }
  acc = _mm512_min_ps(_mm512_max_ps(acc, _mm512_set1_ps(s->lo)), _mm512_set1_ps(s->hi));
  _mm512_mask_storeu_ps(o, m, acc);
}

__attribute__((target("avx512f"))) static void dw_row(void *ctx, size_t oy_) {
  const dw_state *s = ctx;
  const int32_t oy = (int32_t)oy_, c = s->c, cp = s->cp, iw = s->iw, ow = s->ow, kw = s->kw, sw = s->sw;
  const __m512 vlo = _mm512_set1_ps(s->lo), vhi = _mm512_set1_ps(s->hi);
  /* Valid kernel rows for this output row. */
  int32_t iy0 = oy * s->sh - s->pad_t;
  int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = s->kh;
  if (iy0 + ky1 > s->ih) ky1 = s->ih - iy0;
  /* Output columns whose whole footprint lies inside the input: [x0, x1). */
  int32_t x0 = (s->pad_l + sw - 1) / sw;
  int32_t x1 = iw - kw + s->pad_l >= 0 ? (iw - kw + s->pad_l) / sw + 1 : 0;
  if (x1 > ow) x1 = ow;
  if (x0 > x1) x0 = x1;
  float *orow = s->out + (size_t)oy * (size_t)ow * (size_t)c;
  const ptrdiff_t step = (ptrdiff_t)sw * c;
  for (int32_t cb = 0; cb < c; cb += 16) {
    __mmask16 m = c - cb >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (c - cb)) - 1u);
    const __m512 b = _mm512_load_ps(s->bias + cb);
    int32_t ox = 0;
    for (; ox < x0; ox++) dw_pixel(s, oy, ox, cb, m, b, orow + (size_t)ox * (size_t)c + cb);
    /* Interior: four output pixels per pass, four independent chains. */
    for (; ox + 4 <= x1; ox += 4) {
      __m512 a0 = b, a1 = b, a2 = b, a3 = b;
      int32_t ix0 = ox * sw - s->pad_l;
      for (int32_t ky = ky0; ky < ky1; ky++) {
        const float *r = s->in + ((size_t)(iy0 + ky) * (size_t)iw + (size_t)ix0) * (size_t)c + cb;
        const float *wr = s->w + (size_t)ky * (size_t)kw * (size_t)cp + cb;
        for (int32_t kx = 0; kx < kw; kx++) {
          const __m512 w = _mm512_load_ps(wr + (size_t)kx * (size_t)cp);
          const float *p = r + (ptrdiff_t)kx * c;
          a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p), w, a0);
          a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p + step), w, a1);
          a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p + 2 * step), w, a2);
          a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p + 3 * step), w, a3);
        }
      }
      float *o = orow + (size_t)ox * (size_t)c + cb;
      _mm512_mask_storeu_ps(o, m, _mm512_min_ps(_mm512_max_ps(a0, vlo), vhi));
      _mm512_mask_storeu_ps(o + c, m, _mm512_min_ps(_mm512_max_ps(a1, vlo), vhi));
      _mm512_mask_storeu_ps(o + 2 * c, m, _mm512_min_ps(_mm512_max_ps(a2, vlo), vhi));
      _mm512_mask_storeu_ps(o + 3 * c, m, _mm512_min_ps(_mm512_max_ps(a3, vlo), vhi));
    }
    for (; ox < ow; ox++) dw_pixel(s, oy, ox, cb, m, b, orow + (size_t)ox * (size_t)c + cb);
  }
}

static int cpu_ok = -1;

static bool have_avx512(void) {
  if (cpu_ok < 0) {
    __builtin_cpu_init();
    cpu_ok = __builtin_cpu_supports("avx512f") ? 1 : 0;
  }
  return cpu_ok == 1;
}

#endif

static vp_status k_dwconv(const vp__kernel_ctx *c) {
#ifdef VP_HAVE_DW_AVX512
  dw_state *s = c->state;
  s->in = c->ptr[c->op->inputs[0]];
  s->out = c->ptr[c->op->outputs[0]];
  if (c->threadpool)
    pthreadpool_parallelize_1d(c->threadpool, dw_row, s, (size_t)s->oh, 0);
  else
    for (int32_t y = 0; y < s->oh; y++) dw_row(s, (size_t)y);
  return VP_OK;
#else
  (void)c;
  return vp__error(VP_EUNSUPPORTED, "depthwise kernel not built for this CPU");
#endif
}

static void dw_free(void *p) {
  dw_state *s = p;
  if (!s) return;
  free(s->w);
  free(s->bias);
  free(s);
}

/* Whether the kernel applies: float32 NHWC, depth multiplier 1, 3x3 or 5x5,
 * dilation 1, and (because XNNPACK already checked everything else) an
 * operator vp__xnn_supports() accepts. */
bool vp__dwconv_applies(const vp__graph *g, const vp__op *op) {
#ifdef VP_HAVE_DW_AVX512
  if (op->code != VP_OP_DEPTHWISE_CONV_2D || !vp__xnn_supports(g, op) || !have_avx512()) return false;
  if (getenv("VPIPE_NO_CUSTOM_KERNELS")) return false;
  const vp__tensor *a = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  if (w->dims[3] != a->dims[3]) return false; /* multiplier 1 */
  if ((op->dilation_h > 1) || (op->dilation_w > 1)) return false;
  if (w->dims[1] != w->dims[2] || (w->dims[1] != 3 && w->dims[1] != 5)) return false;
  if (a->dims[0] != 1) return false;
  return true;
#else
  (void)g;
  (void)op;
  return false;
#endif
}

vp_status vp__dwconv_prepare(const vp__graph *g, const vp__op *op, vp__kernel_fn *fn, void **state,
                             void (**state_free)(void *)) {
  const vp__tensor *a = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  const vp__tensor *o = &g->tensors[op->outputs[0]];
  const vp__tensor *bias = op->num_inputs > 2 && op->inputs[2] >= 0 ? &g->tensors[op->inputs[2]] : NULL;
  dw_state *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "depthwise kernel: out of memory");
  s->ih = a->dims[1];
  s->iw = a->dims[2];
  s->c = a->dims[3];
  s->oh = o->dims[1];
  s->ow = o->dims[2];
  s->kh = w->dims[1];
  s->kw = w->dims[2];
  s->sh = op->stride_h;
  s->sw = op->stride_w;
  s->cp = (s->c + 15) / 16 * 16;
  if (op->padding == VP_PAD_SAME) {
    int32_t th = (s->oh - 1) * s->sh + s->kh - s->ih, tw = (s->ow - 1) * s->sw + s->kw - s->iw;
    s->pad_t = th > 0 ? th / 2 : 0;
    s->pad_l = tw > 0 ? tw / 2 : 0;
  }
  switch (op->activation) {
    case VP_ACT_RELU: s->lo = 0.0f; s->hi = INFINITY; break;
    case VP_ACT_RELU6: s->lo = 0.0f; s->hi = 6.0f; break;
    case VP_ACT_RELU_N1_TO_1: s->lo = -1.0f; s->hi = 1.0f; break;
    default: s->lo = -INFINITY; s->hi = INFINITY; break;
  }
  size_t taps = (size_t)s->kh * (size_t)s->kw;
  s->w = aligned_alloc(64, taps * (size_t)s->cp * sizeof(float));
  s->bias = aligned_alloc(64, (size_t)s->cp * sizeof(float));
  if (!s->w || !s->bias) {
    dw_free(s);
    return vp__error(VP_ENOMEM, "depthwise kernel: out of memory");
  }
  memset(s->w, 0, taps * (size_t)s->cp * sizeof(float));
  memset(s->bias, 0, (size_t)s->cp * sizeof(float));
  const float *wsrc = w->data;
  for (size_t t = 0; t < taps; t++) memcpy(s->w + t * (size_t)s->cp, wsrc + t * (size_t)s->c, (size_t)s->c * sizeof(float));
  if (bias) memcpy(s->bias, bias->data, (size_t)s->c * sizeof(float));
  *fn = k_dwconv;
  *state = s;
  *state_free = dw_free;
  return VP_OK;
}
