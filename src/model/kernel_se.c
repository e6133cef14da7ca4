/* Fused squeeze-and-excitation gate (layer: model).
 *
 * The selfie segmentation network (MobileNetV3 style) scales feature maps by
 * a per-channel gate ten times:
 *   g = LOGISTIC(CONV_1x1(RELU(CONV_1x1(AVERAGE_POOL_global(src)))))
 *   out = x * g            (MUL broadcasting g over the pixels)
 *   [out = out + y]        (often followed by a residual ADD)
 * On XNNPACK that is six or seven operators, four of them on 1x1 tensors,
 * and the broadcasting MUL ran at about 3 G elements/s (bench --profile:
 * 0.20 ms for the ten MULs of one selfie run). This kernel does one pass to
 * average src, the two tiny matrix-vector products and the sigmoid on at
 * most a few hundred values, and one pass x * g (+ y). Alternating runs of
 * selfie_segmentation at 1 thread (5 rounds of 200, medians): 2.20 -> 1.89 ms.
 *
 * Summation orders: the mean adds the pixels in order per channel and
 * multiplies by 1/(H*W) (four interleaved partial sums measured no faster on
 * selfie segmentation); each convolution output adds its inputs in order.
 * The sigmoid uses expf().
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VP_HAVE_SE_AVX512 1
#endif

typedef struct se_conv {
  int32_t cin, cout;
  float *wt;   /* [cin][cout]: transposed so that outputs are contiguous */
  float *bias; /* [cout] */
  float lo, hi;
} se_conv;

typedef struct se_state {
  int32_t src, x, y, out; /* tensors; y = -1 without the ADD */
  int32_t csrc, c;        /* channels of src and of x / out */
  size_t npix_src, npix;
  int32_t nconv;
  se_conv conv[2];
  float lo, hi; /* the ADD's fused activation */
  float *mean, *h, *gate; /* scratch: [csrc], [hidden], [c padded to 16] */
  bool avx512;
  const float *px, *py;
  float *po;
} se_state;

static float clampf(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

/* out[j] = act(bias[j] + sum_k v[k] * w[j][k]), k in order. */
static void se_conv_run(const se_conv *cv, const float *v, float *out) {
  for (int32_t j = 0; j < cv->cout; j++) out[j] = cv->bias[j];
  for (int32_t k = 0; k < cv->cin; k++) {
    const float *w = cv->wt + (size_t)k * (size_t)cv->cout, vk = v[k];
    for (int32_t j = 0; j < cv->cout; j++) out[j] += w[j] * vk;
  }
  for (int32_t j = 0; j < cv->cout; j++) out[j] = clampf(out[j], cv->lo, cv->hi);
}

static void se_mul_c(const se_state *s, size_t p0, size_t np) {
  const int32_t c = s->c;
  for (size_t p = p0; p < p0 + np; p++) {
    const float *x = s->px + p * (size_t)c, *y = s->py ? s->py + p * (size_t)c : NULL;
    float *o = s->po + p * (size_t)c;
    for (int32_t k = 0; k < c; k++) {
      float v = x[k] * s->gate[k];
      if (y) v += y[k];
      o[k] = clampf(v, s->lo, s->hi);
    }
  }
}

#ifdef VP_HAVE_SE_AVX512
__attribute__((target("avx512f"))) static void se_mean_avx512(const float *src, size_t npix, int32_t c, float *mean) {
  for (int32_t k = 0; k < c; k += 16) {
    __mmask16 m = c - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (c - k)) - 1u);
    __m512 acc = _mm512_setzero_ps();
    const float *p = src + k;
    for (size_t i = 0; i < npix; i++, p += c) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, p));
    _mm512_mask_storeu_ps(mean + k, m, _mm512_mul_ps(acc, _mm512_set1_ps(1.0f / (float)npix)));
  }
}

__attribute__((target("avx512f"))) static void se_mul_avx512(const se_state *s, size_t p0, size_t np) {
  const int32_t c = s->c;
  const float *px = s->px + p0 * (size_t)c, *py = s->py ? s->py + p0 * (size_t)c : NULL, *gate = s->gate;
  float *po = s->po + p0 * (size_t)c;
  const bool clamp = s->lo > -INFINITY || s->hi < INFINITY;
  const __m512 lo = _mm512_set1_ps(s->lo), hi = _mm512_set1_ps(s->hi);
  for (size_t p = 0; p < np; p++, px += c, po += c, py = py ? py + c : NULL) {
    for (int32_t k = 0; k < c; k += 16) {
      __mmask16 m = c - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (c - k)) - 1u);
      __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, px + k), _mm512_load_ps(gate + k));
      if (py) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, py + k));
      if (clamp) v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
      _mm512_mask_storeu_ps(po + k, m, v);
    }
  }
}

#endif

static void se_tile(void *ctx, size_t p0, size_t np) {
  const se_state *s = ctx;
#ifdef VP_HAVE_SE_AVX512
  if (s->avx512) {
    se_mul_avx512(s, p0, np);
    return;
  }
#endif
  se_mul_c(s, p0, np);
}

static vp_status k_se(const vp__kernel_ctx *c) {
  se_state *s = c->state;
  const float *src = c->ptr[s->src];
  s->px = c->ptr[s->x];
  s->py = s->y >= 0 ? c->ptr[s->y] : NULL;
  s->po = c->ptr[s->out];
#ifdef VP_HAVE_SE_AVX512
  if (s->avx512)
    se_mean_avx512(src, s->npix_src, s->csrc, s->mean);
  else
#endif
  {
    for (int32_t k = 0; k < s->csrc; k++) s->mean[k] = 0.0f;
    for (size_t i = 0; i < s->npix_src; i++)
      for (int32_t k = 0; k < s->csrc; k++) s->mean[k] += src[i * (size_t)s->csrc + (size_t)k];
    float inv = 1.0f / (float)s->npix_src;
    for (int32_t k = 0; k < s->csrc; k++) s->mean[k] *= inv;
  }
  if (s->nconv == 1) {
    se_conv_run(&s->conv[0], s->mean, s->gate);
  } else {
    se_conv_run(&s->conv[0], s->mean, s->h);
    se_conv_run(&s->conv[1], s->h, s->gate);
  }
  for (int32_t k = 0; k < s->c; k++) s->gate[k] = 1.0f / (1.0f + expf(-s->gate[k]));
  /* Small tensors stay on the calling thread: waking the pool costs more. */
  if (c->threadpool && s->npix * (size_t)s->c >= 4096)
    pthreadpool_parallelize_1d_tile_1d(c->threadpool, se_tile, s, s->npix, 64, 0);
  else
    se_tile(s, 0, s->npix);
  return VP_OK;
}

static void se_free(void *p) {
  se_state *s = p;
  if (!s) return;
  for (int i = 0; i < 2; i++) free(s->conv[i].wt), free(s->conv[i].bias);
  free(s->mean), free(s->h), free(s->gate);
  free(s);
}

vp_status vp__se_prepare(const vp__graph *g, const vp__se_fusion *f, vp__kernel_fn *fn, void **state,
                         void (**state_free)(void *)) {
  const vp__tensor *src = &g->tensors[f->src], *o = &g->tensors[f->out];
  se_state *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "fused gate: out of memory");
  s->src = f->src;
  s->x = f->x;
  s->y = f->y;
  s->out = f->out;
  s->csrc = src->dims[3];
  s->c = o->dims[3];
  s->npix_src = (size_t)src->dims[1] * (size_t)src->dims[2];
  s->npix = (size_t)o->dims[1] * (size_t)o->dims[2];
  s->nconv = f->nconv;
  vp__act_bounds(f->add ? f->add->activation : VP_ACT_NONE, &s->lo, &s->hi);
  int32_t hidden = 1;
  bool ok = true;
  for (int i = 0; i < f->nconv && ok; i++) {
    const vp__op *op = f->conv[i];
    const vp__tensor *w = &g->tensors[op->inputs[1]];
    const vp__tensor *b = op->num_inputs > 2 && op->inputs[2] >= 0 ? &g->tensors[op->inputs[2]] : NULL;
    se_conv *cv = &s->conv[i];
    cv->cout = w->dims[0];
    cv->cin = w->dims[3];
    if (i == 0 && f->nconv == 2) hidden = cv->cout;
    vp__act_bounds(op->activation, &cv->lo, &cv->hi);
    if (f->relu[i]) cv->lo = cv->lo > 0.0f ? cv->lo : 0.0f;
    if (f->relu6[i]) cv->lo = cv->lo > 0.0f ? cv->lo : 0.0f, cv->hi = cv->hi < 6.0f ? cv->hi : 6.0f;
    cv->wt = malloc(sizeof(float) * (size_t)cv->cin * (size_t)cv->cout);
    cv->bias = calloc((size_t)cv->cout, sizeof(float));
    if (!cv->wt || !cv->bias) {
      ok = false;
      break;
    }
    const float *wd = w->data;
    for (int32_t j = 0; j < cv->cout; j++)
      for (int32_t k = 0; k < cv->cin; k++) cv->wt[(size_t)k * (size_t)cv->cout + (size_t)j] = wd[(size_t)j * (size_t)cv->cin + (size_t)k];
    if (b) memcpy(cv->bias, b->data, sizeof(float) * (size_t)cv->cout);
  }
  size_t cpad = ((size_t)s->c + 15) / 16 * 16;
  s->mean = calloc(((size_t)s->csrc + 15) / 16 * 16, sizeof(float));
  s->h = calloc((size_t)hidden, sizeof(float));
  s->gate = ok ? aligned_alloc(64, cpad * sizeof(float)) : NULL;
  if (!ok || !s->mean || !s->h || !s->gate) {
    se_free(s);
    return vp__error(VP_ENOMEM, "fused gate: out of memory");
  }
  memset(s->gate, 0, cpad * sizeof(float));
#ifdef VP_HAVE_SE_AVX512
  s->avx512 = vp__cpu_has_avx512();
#endif
  *fn = k_se;
  *state = s;
  *state_free = se_free;
  return VP_OK;
}
