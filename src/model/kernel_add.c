/* Fused residual addition (layer: model).
 *
 * MediaPipe's detectors and landmark networks end every residual block with
 *   PAD (channels, optional) -> ADD -> PReLU | ReLU
 * XNNPACK runs these as two or three passes over the tensor (its PReLU is not
 * fused into the addition, and it has no channel-padding addition). This
 * kernel does one pass: out[p, c] = act(a'[p, c] + b'[p, c]) where a' and b'
 * are a and b with missing channels read as 0. The stride-2 blocks' shortcut
 * MAX_POOL (2x2, stride 2) before the PAD is folded in too: that operand is
 * read as the max of its 2x2 source window (face_landmark: the pools took
 * 0.04 ms of 0.88 as separate XNNPACK operators, bench --profile). AVX-512 when the CPU has it,
 * plain C otherwise; pixels are split over the thread pool.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VP_HAVE_ADD_AVX512 1
#endif

typedef struct add_state {
  int32_t a, b, out;   /* tensors */
  int32_t ca, cb, c;   /* channels of a, b, out */
  size_t npix;
  float lo, hi;
  float *slope;        /* per-channel PReLU slope (padded to 16), or NULL */
  bool avx512;
  bool blocks;         /* every channel count a multiple of 16 (add_rows_blocks) */
  int pooled;          /* 0 / 1: operand a / b is read through a 2x2 stride-2 max pool; -1: none */
  size_t ow;           /* output width (pooled addressing) */
  const float *pa, *pb;
  float *po;
} add_state;

/* Top-left source pixel of output pixel p's 2x2 pooling window (the
 * source is [2H, 2W, ch]). */
static inline const float *pool_src(const float *src, size_t p, size_t ow, int32_t ch) {
  size_t y = p / ow, x = p % ow;
  return src + (2 * y * 2 * ow + 2 * x) * (size_t)ch;
}

/* Max of the 2x2 window at q (row: floats per source row, ch: floats per
 * pixel). */
static inline float pool_max(const float *q, size_t row, int32_t ch, int32_t k) {
  size_t c = (size_t)ch, i = (size_t)k;
  float m0 = q[i] > q[c + i] ? q[i] : q[c + i];
  float m1 = q[row + i] > q[row + c + i] ? q[row + i] : q[row + c + i];
  return m0 > m1 ? m0 : m1;
}

static void add_rows_c(const add_state *s, size_t p0, size_t np) {
  const size_t rowa = 2 * s->ow * (size_t)s->ca, rowb = 2 * s->ow * (size_t)s->cb;
  for (size_t p = p0; p < p0 + np; p++) {
    const float *a = s->pooled == 0 ? pool_src(s->pa, p, s->ow, s->ca) : s->pa + p * (size_t)s->ca;
    const float *b = s->pooled == 1 ? pool_src(s->pb, p, s->ow, s->cb) : s->pb + p * (size_t)s->cb;
    float *o = s->po + p * (size_t)s->c;
    for (int32_t k = 0; k < s->c; k++) {
      float va = 0.0f, vb = 0.0f;
      if (k < s->ca) va = s->pooled == 0 ? pool_max(a, rowa, s->ca, k) : a[k];
      if (k < s->cb) vb = s->pooled == 1 ? pool_max(b, rowb, s->cb, k) : b[k];
      float v = va + vb;
      if (s->slope) v = v >= 0.0f ? v : v * s->slope[k];
      v = v < s->lo ? s->lo : v;
      o[k] = v > s->hi ? s->hi : v;
    }
  }
}

#ifdef VP_HAVE_ADD_AVX512
static __mmask16 mask_for(int32_t n, int32_t k) {
  int32_t left = n - k;
  if (left >= 16) return (__mmask16)0xffff;
  if (left <= 0) return 0;
  return (__mmask16)((1u << left) - 1u);
}

/* Max of the 2x2 window at q over the lanes of m (masked-off lanes 0). */
__attribute__((target("avx512f"))) static inline __m512 pool_max16m(const float *q, size_t row, int32_t ch, int32_t k,
                                                                   __mmask16 m) {
  __m512 m0 = _mm512_max_ps(_mm512_maskz_loadu_ps(m, q + k), _mm512_maskz_loadu_ps(m, q + ch + k));
  __m512 m1 = _mm512_max_ps(_mm512_maskz_loadu_ps(m, q + row + k), _mm512_maskz_loadu_ps(m, q + row + ch + k));
  return _mm512_max_ps(m0, m1);
}

__attribute__((target("avx512f"))) static void add_rows_avx512(const add_state *s, size_t p0, size_t np) {
  const __m512 lo = _mm512_set1_ps(s->lo), hi = _mm512_set1_ps(s->hi), zero = _mm512_setzero_ps();
  const size_t rowa = 2 * s->ow * (size_t)s->ca, rowb = 2 * s->ow * (size_t)s->cb;
  for (size_t p = p0; p < p0 + np; p++) {
    const float *a = s->pooled == 0 ? pool_src(s->pa, p, s->ow, s->ca) : s->pa + p * (size_t)s->ca;
    const float *b = s->pooled == 1 ? pool_src(s->pb, p, s->ow, s->cb) : s->pb + p * (size_t)s->cb;
    float *o = s->po + p * (size_t)s->c;
    for (int32_t k = 0; k < s->c; k += 16) {
      __mmask16 mo = mask_for(s->c, k), ma = mask_for(s->ca, k), mb = mask_for(s->cb, k);
      __m512 va = s->pooled == 0 ? pool_max16m(a, rowa, s->ca, k, ma) : _mm512_maskz_loadu_ps(ma, a + k);
      __m512 vb = s->pooled == 1 ? pool_max16m(b, rowb, s->cb, k, mb) : _mm512_maskz_loadu_ps(mb, b + k);
      __m512 v = _mm512_add_ps(va, vb);
      if (s->slope) {
        __mmask16 neg = _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ);
        v = _mm512_mask_mul_ps(v, neg, v, _mm512_loadu_ps(s->slope + k));
      }
      v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
      _mm512_mask_storeu_ps(o + k, mo, v);
    }
  }
}
#endif

#ifdef VP_HAVE_ADD_AVX512
/* Whole 16-channel blocks only (the landmark and palm networks' adds; the
 * face detector's 24..88 channels take the masked path above):
 * no masks, the PReLU/clamp choice hoisted out of the pixel loop (PRELU and
 * CLAMP are constants after inlining), and the state copied into locals
 * because the stores could alias it. Channels [0, cab) come from both
 * inputs, [cab, c) from the one that has them (the other was channel-padded
 * with zeros). Standalone timing, 1 thread: 96x96x16 with PReLU 26.4 -> 18.8
 * us, 24x24x64 4.9 -> 3.8 us. */
__attribute__((target("avx512f"), always_inline)) static inline __m512 pool_max16(const float *q, size_t row, int32_t ch,
                                                                                 int32_t k) {
  __m512 m0 = _mm512_max_ps(_mm512_loadu_ps(q + k), _mm512_loadu_ps(q + ch + k));
  __m512 m1 = _mm512_max_ps(_mm512_loadu_ps(q + row + k), _mm512_loadu_ps(q + row + ch + k));
  return _mm512_max_ps(m0, m1);
}

__attribute__((target("avx512f"), always_inline)) static inline void add_rows_blocks(const add_state *s, size_t p0,
                                                                                    size_t np, const bool PRELU,
                                                                                    const bool CLAMP, const int POOL) {
  const int32_t c = s->c, ca = s->ca, cb = s->cb, cab = ca < cb ? ca : cb;
  const float *pa = s->pa + p0 * (size_t)ca, *pb = s->pb + p0 * (size_t)cb;
  const float *slope = s->slope;
  float *po = s->po + p0 * (size_t)c;
  const size_t ow = s->ow, rowa = 2 * ow * (size_t)ca, rowb = 2 * ow * (size_t)cb;
  const __m512 lo = _mm512_set1_ps(s->lo), hi = _mm512_set1_ps(s->hi), zero = _mm512_setzero_ps();
  for (size_t p = 0; p < np; p++, pa += ca, pb += cb, po += c) {
    const float *qa = POOL == 0 ? pool_src(s->pa, p0 + p, ow, ca) : pa;
    const float *qb = POOL == 1 ? pool_src(s->pb, p0 + p, ow, cb) : pb;
    for (int32_t k = 0; k < c; k += 16) {
      __m512 va = zero, vb = zero;
      if (k < ca) va = POOL == 0 ? pool_max16(qa, rowa, ca, k) : _mm512_loadu_ps(qa + k);
      if (k < cb) vb = POOL == 1 ? pool_max16(qb, rowb, cb, k) : _mm512_loadu_ps(qb + k);
      __m512 v = k < cab ? _mm512_add_ps(va, vb) : k < ca ? va : vb;
      if (PRELU) v = _mm512_mask_mul_ps(v, _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, _mm512_loadu_ps(slope + k));
      if (CLAMP) v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
      _mm512_storeu_ps(po + k, v);
    }
  }
}

__attribute__((target("avx512f"), always_inline)) static inline void add_rows_blocks_pool(const add_state *s, size_t p0,
                                                                                         size_t np, const int POOL) {
  bool clamp = s->lo > -INFINITY || s->hi < INFINITY;
  if (s->slope)
    clamp ? add_rows_blocks(s, p0, np, true, true, POOL) : add_rows_blocks(s, p0, np, true, false, POOL);
  else
    clamp ? add_rows_blocks(s, p0, np, false, true, POOL) : add_rows_blocks(s, p0, np, false, false, POOL);
}

__attribute__((target("avx512f"))) static void add_rows_blocks_any(const add_state *s, size_t p0, size_t np) {
  if (s->pooled == 0)
    add_rows_blocks_pool(s, p0, np, 0);
  else if (s->pooled == 1)
    add_rows_blocks_pool(s, p0, np, 1);
  else
    add_rows_blocks_pool(s, p0, np, -1);
}
#endif

#ifdef VP_HAVE_ADD_AVX512
#endif

static void add_tile(void *ctx, size_t p0, size_t np) {
  const add_state *s = ctx;
#ifdef VP_HAVE_ADD_AVX512
  if (s->avx512 && s->blocks) {
    add_rows_blocks_any(s, p0, np);
    return;
  }
  if (s->avx512) {
    add_rows_avx512(s, p0, np);
    return;
  }
#endif
  add_rows_c(s, p0, np);
}

static vp_status k_add(const vp__kernel_ctx *c) {
  add_state *s = c->state;
  s->pa = c->ptr[s->a];
  s->pb = c->ptr[s->b];
  s->po = c->ptr[s->out];
  /* Small tensors stay on the calling thread: waking the pool costs more. */
  if (c->threadpool && s->npix * (size_t)s->c >= 4096)
    pthreadpool_parallelize_1d_tile_1d(c->threadpool, add_tile, s, s->npix, 256, 0);
  else
    add_tile(s, 0, s->npix);
  return VP_OK;
}

static void add_free(void *p) {
  add_state *s = p;
  if (s) free(s->slope);
  free(s);
}

vp_status vp__add_prepare(const vp__graph *g, const vp__add_fusion *f, vp__kernel_fn *fn, void **state,
                          void (**state_free)(void *)) {
  const vp__tensor *o = &g->tensors[f->out];
  add_state *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "fused add: out of memory");
  s->a = f->pool[0] >= 0 ? f->pool[0] : f->a;
  s->b = f->pool[1] >= 0 ? f->pool[1] : f->b;
  s->pooled = f->pool[0] >= 0 ? 0 : f->pool[1] >= 0 ? 1 : -1;
  s->out = f->out;
  s->c = o->dims[o->rank - 1];
  s->ca = g->tensors[f->a].dims[g->tensors[f->a].rank - 1];
  s->cb = g->tensors[f->b].dims[g->tensors[f->b].rank - 1];
  s->npix = s->c > 0 ? o->num_elements / (size_t)s->c : 0;
  s->ow = o->rank >= 2 ? (size_t)o->dims[o->rank - 2] : 1;
  vp__act_bounds(vp__act_with(f->add->activation, f->act_op), &s->lo, &s->hi);
  if (f->act_op && f->act_op->code == VP_OP_PRELU) {
    size_t cp = ((size_t)s->c + 15) / 16 * 16;
    s->slope = calloc(cp, sizeof(float));
    if (!s->slope) {
      free(s);
      return vp__error(VP_ENOMEM, "fused add: out of memory");
    }
    memcpy(s->slope, g->tensors[f->act_op->inputs[1]].data, (size_t)s->c * sizeof(float));
  }
#ifdef VP_HAVE_ADD_AVX512
  s->avx512 = vp__cpu_has_avx512();
  s->blocks = s->c % 16 == 0 && s->ca % 16 == 0 && s->cb % 16 == 0 && (s->ca == s->c || s->cb == s->c);
#endif
  *fn = k_add;
  *state = s;
  *state_free = add_free;
  return VP_OK;
}
