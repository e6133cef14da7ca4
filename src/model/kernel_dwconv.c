/* Depthwise convolution kernel for x86-64 with AVX-512 (layer: model).
 *
 * Why: this XNNPACK build's depthwise kernels run one accumulator chain per
 * 16 channels through all k*k taps, so a 5x5 depthwise convolution is bound by
 * FMA latency (PERFORMANCE-NOTES.md measured 26% of palm detection's time in
 * it). Here every 16-channel vector computes 4 to 8 neighbouring output
 * pixels at once (the width dividing the row, dw_choose_tile): independent
 * accumulator chains, and each input vector of a kernel row is loaded once
 * for all of them; image borders are zero columns inside the same tiles.
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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VP_HAVE_DW_AVX512 1
#endif

typedef struct dw_state {
  int32_t in_t;  /* tensor read (a folded PAD's input) */
  int32_t out_t; /* tensor written (an absorbed activation's output) */
  bool hswish;   /* HARD_SWISH epilogue */
  int act;       /* DW_ACT_*: what the epilogue does (from lo, hi, hswish) */
  int32_t ih, iw, c, oh, ow, kh, kw, sh, sw, pad_t, pad_l, cp;
  int32_t tile_t; /* output pixels per tile (dw_choose_tile) */
  float lo, hi;
  float *w;    /* [kh*kw][cp] */
  float *bias; /* [cp] */
  const float *in;
  float *out;
} dw_state;

#ifdef VP_HAVE_DW_AVX512

/* The output activation, decided once per tile (the state is read into
 * locals first: the stores could alias it, which made the compiler reload
 * the bounds and the flag for every vector). Hard swish is computed as
 * x * clamp(x / 6 + 1/2, 0, 1), one FMA and three more operations instead
 * of six: on 3x3 layers with hard swish the epilogue took a fifth of the
 * time (standalone timing, 48-wide rows of 32 channels: 30 -> 34 GMAC/s). */
enum { DW_ACT_NONE, DW_ACT_CLAMP, DW_ACT_HSWISH, DW_ACT_CLAMP_HSWISH };

__attribute__((target("avx512f"), always_inline)) static inline void dw_store(const dw_state *s, int kind, __m512 *acc,
                                                                             float *o, int32_t c, __mmask16 m,
                                                                             const int T) {
  if (kind == DW_ACT_HSWISH || kind == DW_ACT_CLAMP_HSWISH) {
    const __m512 sixth = _mm512_set1_ps(1.0f / 6.0f), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
    const __m512 lo = _mm512_set1_ps(s->lo), hi = _mm512_set1_ps(s->hi);
#pragma GCC unroll 8
    for (int j = 0; j < T; j++) {
      __m512 v = kind == DW_ACT_CLAMP_HSWISH ? _mm512_min_ps(_mm512_max_ps(acc[j], lo), hi) : acc[j];
      __m512 t = _mm512_min_ps(_mm512_max_ps(_mm512_fmadd_ps(v, sixth, half), _mm512_setzero_ps()), one);
      _mm512_mask_storeu_ps(o + (size_t)j * (size_t)c, m, _mm512_mul_ps(v, t));
    }
  } else if (kind == DW_ACT_CLAMP) {
    const __m512 lo = _mm512_set1_ps(s->lo), hi = _mm512_set1_ps(s->hi);
#pragma GCC unroll 8
    for (int j = 0; j < T; j++)
      _mm512_mask_storeu_ps(o + (size_t)j * (size_t)c, m, _mm512_min_ps(_mm512_max_ps(acc[j], lo), hi));
  } else {
#pragma GCC unroll 8
    for (int j = 0; j < T; j++) _mm512_mask_storeu_ps(o + (size_t)j * (size_t)c, m, acc[j]);
  }
}

/* T neighbouring output pixels times Q 16-channel blocks, for a k x k
 * kernel with stride S: each kernel row loads the (T-1)*S + K input vectors
 * of a block once and feeds T independent accumulator chains per block.
 * Inlined with constant K, S, T, Q, EDGE so that the arrays live in
 * registers. Only the last block of the group is partial (mask m). With
 * EDGE, input columns outside [0, iw) read as zero (horizontal padding), so
 * the image border needs no separate per-pixel path. */
__attribute__((target("avx512f"), always_inline)) static inline void dw_tile(const dw_state *s, int32_t iy0, int32_t ky0,
                                                                            int32_t ky1, int32_t ix0, int32_t cb,
                                                                            __mmask16 m, float *o, const int K,
                                                                            const int S, const int T, const int Q,
                                                                            const bool EDGE) {
  const int32_t c = s->c, cp = s->cp, iw = s->iw;
  const int N = (T - 1) * S + K;
  int lo = 0, hi = N; /* loaded columns ix0 + [lo, hi) lie inside the image */
  if (EDGE) {
    lo = ix0 < 0 ? -ix0 : 0;
    hi = iw - ix0 < N ? iw - ix0 : N;
  }
  __m512 acc[4][8];
#pragma GCC unroll 4
  for (int q = 0; q < Q; q++) {
    const __m512 b = _mm512_load_ps(s->bias + cb + 16 * q);
#pragma GCC unroll 8
    for (int j = 0; j < T; j++) acc[q][j] = b;
  }
  for (int32_t ky = ky0; ky < ky1; ky++) {
    const float *r = s->in + ((size_t)(iy0 + ky) * (size_t)iw) * (size_t)c + cb;
    const float *wr = s->w + (size_t)ky * (size_t)K * (size_t)cp + cb;
#pragma GCC unroll 4
    for (int q = 0; q < Q; q++) {
      const __mmask16 mq = q == Q - 1 ? m : (__mmask16)0xffff;
      __m512 x[7 * 2 + 5];
#pragma GCC unroll 20
      for (int i = 0; i < N; i++) {
        if (EDGE && (i < lo || i >= hi))
          x[i] = _mm512_setzero_ps();
        else
          x[i] = _mm512_maskz_loadu_ps(mq, r + (ptrdiff_t)(ix0 + i) * c + 16 * q);
      }
#pragma GCC unroll 5
      for (int kx = 0; kx < K; kx++) {
        const __m512 w = _mm512_load_ps(wr + (size_t)kx * (size_t)cp + 16 * q);
#pragma GCC unroll 8
        for (int j = 0; j < T; j++) acc[q][j] = _mm512_fmadd_ps(x[j * S + kx], w, acc[q][j]);
      }
    }
  }
  const int kind = s->act;
#pragma GCC unroll 4
  for (int q = 0; q < Q; q++) dw_store(s, kind, acc[q], o + 16 * q, c, q == Q - 1 ? m : (__mmask16)0xffff, T);
}

/* One output row, blocks of Q channel vectors, T pixels per tile. When the
 * row is not a multiple of T the last tile is shifted left to end at the
 * row's end: it recomputes a few pixels (same values) rather than running
 * single-pixel tiles, whose one accumulator chain would be bound by FMA
 * latency. Needs ow >= T and the output not aliasing the input. */
__attribute__((target("avx512f"), always_inline)) static inline void dw_row_tq(const dw_state *s, int32_t oy,
                                                                              const int K, const int S, const int T,
                                                                              const int Q) {
  const int32_t c = s->c, ow = s->ow;
  const int32_t iy0 = oy * S - s->pad_t;
  const int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + K > s->ih ? s->ih - iy0 : K;
  const int32_t n = (T - 1) * S + K;
  float *orow = s->out + (size_t)oy * (size_t)ow * (size_t)c;
  for (int32_t ox0 = 0; ox0 < ow; ox0 += T) {
    const int32_t ox = ox0 + T > ow ? ow - T : ox0;
    const int32_t ix0 = ox * S - s->pad_l;
    const bool edge = ix0 < 0 || ix0 + n > s->iw;
    int32_t cb = 0;
    for (int pass = 0; pass < 2; pass++) {
      /* Pass 0: groups of Q blocks; pass 1: the remaining single blocks. */
      const int32_t step = pass == 0 ? 16 * Q : 16;
      for (; pass == 0 ? cb + 16 * (Q - 1) < c : cb < c; cb += step) {
        const int32_t rem = c - cb - step + 16; /* channels in the group's last block */
        const __mmask16 m = rem >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << rem) - 1u);
        float *o = orow + (size_t)ox * (size_t)c + cb;
        if (pass == 0) {
          if (T <= 2 || edge)
            dw_tile(s, iy0, ky0, ky1, ix0, cb, m, o, K, S, T, Q, true);
          else
            dw_tile(s, iy0, ky0, ky1, ix0, cb, m, o, K, S, T, Q, false);
        } else {
          if (T <= 2 || edge)
            dw_tile(s, iy0, ky0, ky1, ix0, cb, m, o, K, S, T, 1, true);
          else
            dw_tile(s, iy0, ky0, ky1, ix0, cb, m, o, K, S, T, 1, false);
        }
      }
      if (Q == 1) break;
    }
  }
}

/* Dispatch on the tile shape chosen at prepare time (dw_choose_tile). */
__attribute__((target("avx512f"), always_inline)) static inline void dw_row_impl(const dw_state *s, int32_t oy,
                                                                                const int K, const int S) {
  switch (s->tile_t) {
    case 8: dw_row_tq(s, oy, K, S, 8, 1); break;
    case 7: dw_row_tq(s, oy, K, S, 7, 1); break;
    case 6: dw_row_tq(s, oy, K, S, 6, 1); break;
    case 4: dw_row_tq(s, oy, K, S, 4, 1); break;
    case 3: dw_row_tq(s, oy, K, S, 3, 2); break;
    case 2: dw_row_tq(s, oy, K, S, 2, 2); break;
    default: dw_row_tq(s, oy, K, S, 1, 4); break;
  }
}

#define DW_ROW(K, S)                                                                      \
  __attribute__((target("avx512f"))) static void dw_row_k##K##s##S(void *ctx, size_t oy) { \
    dw_row_impl(ctx, (int32_t)oy, K, S);                                                  \
  }
DW_ROW(3, 1)
DW_ROW(3, 2)
DW_ROW(5, 1)
DW_ROW(5, 2)
#undef DW_ROW

/* The epilogue kind, and pixels per tile: four independent accumulator chains already cover the
 * FMA latency (4 cycles at one 512-bit FMA per cycle on Zen 4), and more
 * pixels only amortise the input loads a little better, so pick the width in
 * 8..4 that wastes the fewest recomputed pixels on the row's last tile (all
 * the widths in MediaPipe's models divide exactly: 112, 56, 28, 14 and 7 by
 * 7, 12 and 6 by 6, the rest by 8). Rows narrower than 4 use their own width
 * and several channel blocks per tile. Measured on the 33 depthwise shapes of
 * the weak models (a standalone timing loop, 1 thread): rows of 12 and 14
 * went from 20-24 to 27-28 GMAC/s, 7x7 and 6x6 rows from 14-19 to 34-52. */
static void dw_choose_tile(dw_state *s) {
  bool clamp = s->lo > -INFINITY || s->hi < INFINITY;
  s->act = s->hswish ? (clamp ? DW_ACT_CLAMP_HSWISH : DW_ACT_HSWISH) : clamp ? DW_ACT_CLAMP : DW_ACT_NONE;
  if (s->ow < 4) {
    s->tile_t = s->ow;
    return;
  }
  int32_t best = 8, best_cost = INT32_MAX;
  static const int32_t cand[] = {8, 7, 6, 4};
  for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
    int32_t t = cand[i];
    if (t > s->ow) continue;
    int32_t cost = (s->ow + t - 1) / t * t;
    if (cost < best_cost) best_cost = cost, best = t;
  }
  s->tile_t = best;
}

#endif

static vp_status k_dwconv(const vp__kernel_ctx *c) {
#ifdef VP_HAVE_DW_AVX512
  dw_state *s = c->state;
  s->in = c->ptr[s->in_t];
  s->out = c->ptr[s->out_t];
  void (*row)(void *, size_t) = s->kh == 3 ? (s->sh == 1 ? dw_row_k3s1 : dw_row_k3s2)
                                          : (s->sh == 1 ? dw_row_k5s1 : dw_row_k5s2);
  /* Small layers stay on the calling thread: waking the pool costs more. */
  const size_t macs = (size_t)s->oh * (size_t)s->ow * (size_t)s->c * (size_t)(s->kh * s->kw);
  vp__parallel_rows(macs >= 50000 ? c->threadpool : NULL, row, s, (size_t)s->oh);
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
  if (op->code != VP_OP_DEPTHWISE_CONV_2D || !vp__xnn_supports(g, op) || !vp__cpu_has_avx512()) return false;
  if (getenv("VPIPE_NO_CUSTOM_KERNELS")) return false;
  const vp__tensor *a = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  if (w->dims[3] != a->dims[3]) return false; /* multiplier 1 */
  if ((op->dilation_h > 1) || (op->dilation_w > 1)) return false;
  if (w->dims[1] != w->dims[2] || (w->dims[1] != 3 && w->dims[1] != 5)) return false;
  if (op->stride_h != op->stride_w || (op->stride_h != 1 && op->stride_h != 2)) return false;
  if (a->dims[0] != 1) return false;
  return true;
#else
  (void)g;
  (void)op;
  return false;
#endif
}

vp_status vp__dwconv_prepare(const vp__graph *g, const vp__op *op, const vp__fold *fold, const vp__op *act_op,
                             int32_t out, vp__kernel_fn *fn, void **state, void (**state_free)(void *)) {
  const vp__tensor *a = &g->tensors[fold ? fold->input : op->inputs[0]], *w = &g->tensors[op->inputs[1]];
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
  s->in_t = fold ? fold->input : op->inputs[0];
  s->out_t = out;
  s->hswish = act_op && act_op->code == VP_OP_HARD_SWISH;
  if (fold) {
    s->pad_t = (int32_t)fold->top;
    s->pad_l = (int32_t)fold->left;
  } else if (op->padding == VP_PAD_SAME) {
    int32_t th = (s->oh - 1) * s->sh + s->kh - s->ih, tw = (s->ow - 1) * s->sw + s->kw - s->iw;
    s->pad_t = th > 0 ? th / 2 : 0;
    s->pad_l = tw > 0 ? tw / 2 : 0;
  }
  vp__act_bounds(vp__act_with(op->activation, act_op), &s->lo, &s->hi);
#ifdef VP_HAVE_DW_AVX512
  dw_choose_tile(s); /* after the activation bounds */
#endif
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
