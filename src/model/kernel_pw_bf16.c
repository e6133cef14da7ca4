/* 1x1 convolution with bfloat16 products and float32 sums, x86-64
 * AVX512-BF16 (layer: model). Used only when a session asks for
 * VP_PRECISION_BF16.
 *
 * Why: the dense 1x1 convolutions take 72-85% of the detector and landmark
 * networks' time, and XNNPACK's float32 GEMM already runs them at 87-90% of
 * this CPU's float32 FMA peak (bench/README.md). VDPBF16PS does 32
 * multiply-adds per instruction where VFMADD231PS does 16, at the same issue
 * rate on Zen 4 (measured: 117 vs 58 GMAC/s on one core), so halving the
 * operand width is the one way left to double their speed.
 *
 * Layout: a pointwise convolution is a GEMM out[P][N] = in[P][K] * W[K][N]
 * over the P = H * W pixels. Weights are packed once, at session creation,
 * per block of 16 output channels: for each pair of input channels (2k,
 * 2k + 1) one 512-bit row of 16 bfloat16 pairs. A task converts the inputs
 * of MR pixels to bfloat16 pairs in a buffer on its stack (L1-resident) and
 * then runs the micro-kernel over its range of output blocks: MR x 32 (or
 * MR x 16 for a last odd block) accumulators, one VDPBF16PS per pixel and
 * block for each input pair, the pixel's pair broadcast from the buffer.
 * Rounding is round-to-nearest-even for inputs and weights (VCVTNE2PS2BF16
 * and the same rule when packing); the sums start from the float32 bias and
 * the activation clamps them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VP_HAVE_PW_BF16 1
#endif

enum {
  PW_MR = 14,        /* pixels per tile: 28 accumulators + 2 weight registers */
  PW_MAX_K = 2048,   /* the tile buffer lives on the stack: 14 x 1024 x 4 bytes */
};

typedef struct pw_state {
  int32_t in_t, out_t;
  int32_t p, k, n;        /* pixels, input and output channels */
  int32_t kp, nb;         /* input channel pairs, 16-channel output blocks */
  int32_t tiles, chunks;  /* task grid: pixel tiles x output block chunks */
  int32_t chunk_blocks;   /* 16-channel blocks per chunk (even, except the last chunk) */
  float lo, hi;
  bool clamp;             /* an activation: clamp to [lo, hi] */
  uint32_t *w;            /* [nb][kp][16] bfloat16 pairs, 64-byte aligned */
  float *bias;            /* [nb * 16], zero padded */
  const float *in;
  float *out;
} pw_state;

/* float32 -> bfloat16, round to nearest even; NaN stays a quiet NaN. */
static uint16_t to_bf16(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

#ifdef VP_HAVE_PW_BF16
#define PW_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/* Rows [p0, p0 + rows) of the input as bfloat16 pairs, kp per row; rows up
 * to PW_MR are zero so the micro-kernel can always run all PW_MR rows. */
PW_TARGET static void convert_tile(const pw_state *s, int32_t p0, int32_t rows, uint32_t *buf) {
  const int32_t k = s->k, kp = s->kp;
  for (int32_t r = 0; r < rows; r++) {
    const float *src = s->in + (size_t)(p0 + r) * (size_t)k;
    uint32_t *dst = buf + (size_t)r * (size_t)kp;
    int32_t c = 0;
    for (; c + 32 <= k; c += 32) {
      __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + c + 16), _mm512_loadu_ps(src + c));
      _mm512_storeu_si512(dst + c / 2, (__m512i)v);
    }
    if (c < k) { /* the tail, odd k included: missing channels read as 0 */
      const int32_t rem = k - c;
      const __mmask16 lo = (__mmask16)(rem >= 16 ? 0xffffu : (1u << rem) - 1u);
      const __mmask16 hi = (__mmask16)(rem <= 16 ? 0u : (1u << (rem - 16)) - 1u);
      __m512bh v = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, src + c + 16), _mm512_maskz_loadu_ps(lo, src + c));
      const int32_t pairs = (rem + 1) / 2;
      _mm512_mask_storeu_epi32(dst + c / 2, (__mmask16)((1u << pairs) - 1u), (__m512i)v);
    }
  }
  for (int32_t r = rows; r < PW_MR; r++) memset(buf + (size_t)r * (size_t)kp, 0, sizeof(uint32_t) * (size_t)kp);
}

/* Output columns [16 * b, 16 * b + 16) of one pixel (the bias is already in
 * the sums): clamp when there is an activation, store (masked at the last
 * block when n is not a multiple of 16). */
PW_TARGET static inline void store_block(const pw_state *s, float *o, int32_t b, __m512 v) {
  if (s->clamp) v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(s->lo)), _mm512_set1_ps(s->hi));
  const int32_t left = s->n - b * 16;
  if (left >= 16)
    _mm512_storeu_ps(o + (size_t)b * 16, v);
  else
    _mm512_mask_storeu_ps(o + (size_t)b * 16, (__mmask16)((1u << left) - 1u), v);
}

/* PW_MR pixels x 32 output channels (blocks b, b + 1). */
PW_TARGET static void micro_32(const pw_state *s, const uint32_t *a, int32_t b, int32_t p0, int32_t rows) {
  const size_t kp = (size_t)s->kp;
  const uint32_t *w0 = s->w + (size_t)b * kp * 16, *w1 = w0 + kp * 16;
  const __m512 bias0 = _mm512_load_ps(s->bias + (size_t)b * 16), bias1 = _mm512_load_ps(s->bias + (size_t)b * 16 + 16);
  __m512 acc[PW_MR][2];
#pragma GCC unroll 14
  for (int r = 0; r < PW_MR; r++) acc[r][0] = bias0, acc[r][1] = bias1;
  for (size_t q = 0; q < kp; q++) {
    const __m512bh b0 = (__m512bh)_mm512_load_si512(w0 + q * 16);
    const __m512bh b1 = (__m512bh)_mm512_load_si512(w1 + q * 16);
#pragma GCC unroll 14
    for (int r = 0; r < PW_MR; r++) {
      const __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[(size_t)r * kp + q]);
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
    }
  }
#pragma GCC unroll 14
  for (int r = 0; r < PW_MR; r++) {
    if (r >= rows) break;
    float *o = s->out + (size_t)(p0 + r) * (size_t)s->n;
    store_block(s, o, b, acc[r][0]);
    store_block(s, o, b + 1, acc[r][1]);
  }
}

/* PW_MR pixels x 16 output channels (block b): the last block of an odd count. */
PW_TARGET static void micro_16(const pw_state *s, const uint32_t *a, int32_t b, int32_t p0, int32_t rows) {
  const size_t kp = (size_t)s->kp;
  const uint32_t *w0 = s->w + (size_t)b * kp * 16;
  const __m512 bias0 = _mm512_load_ps(s->bias + (size_t)b * 16);
  __m512 acc[PW_MR];
#pragma GCC unroll 14
  for (int r = 0; r < PW_MR; r++) acc[r] = bias0;
  for (size_t q = 0; q < kp; q++) {
    const __m512bh b0 = (__m512bh)_mm512_load_si512(w0 + q * 16);
#pragma GCC unroll 14
    for (int r = 0; r < PW_MR; r++)
      acc[r] = _mm512_dpbf16_ps(acc[r], (__m512bh)_mm512_set1_epi32((int)a[(size_t)r * kp + q]), b0);
  }
#pragma GCC unroll 14
  for (int r = 0; r < PW_MR; r++) {
    if (r >= rows) break;
    store_block(s, s->out + (size_t)(p0 + r) * (size_t)s->n, b, acc[r]);
  }
}

/* Task t: pixel tile t / chunks, output block chunk t % chunks. */
PW_TARGET static void pw_task(void *ctx, size_t t) {
  const pw_state *s = ctx;
  const int32_t tile = (int32_t)(t / (size_t)s->chunks), chunk = (int32_t)(t % (size_t)s->chunks);
  const int32_t p0 = tile * PW_MR, rows = s->p - p0 < PW_MR ? s->p - p0 : PW_MR;
  uint32_t buf[PW_MR * (PW_MAX_K / 2)] __attribute__((aligned(64)));
  convert_tile(s, p0, rows, buf);
  const int32_t b0 = chunk * s->chunk_blocks;
  const int32_t b1 = b0 + s->chunk_blocks < s->nb ? b0 + s->chunk_blocks : s->nb;
  int32_t b = b0;
  for (; b + 2 <= b1; b += 2) micro_32(s, buf, b, p0, rows);
  if (b < b1) micro_16(s, buf, b, p0, rows);
}
#endif

static vp_status k_pw_bf16(const vp__kernel_ctx *c) {
#ifdef VP_HAVE_PW_BF16
  pw_state *s = c->state;
  s->in = c->ptr[s->in_t];
  s->out = c->ptr[s->out_t];
  vp__parallel_rows(c->threadpool, pw_task, s, (size_t)s->tiles * (size_t)s->chunks);
  return VP_OK;
#else
  (void)c;
  return vp__error(VP_EUNSUPPORTED, "bfloat16 1x1 convolution kernel not built for this CPU");
#endif
}

/* A float32 CONV_2D with a constant [N,1,1,K] filter, stride 1, on a
 * [1,H,W,K] input, with a constant or absent bias and no activation, ReLU,
 * ReLU6 or ReLU_N1_TO_1 fused. */
bool vp__pw_bf16_applies(const vp__graph *g, const vp__op *op) {
#ifdef VP_HAVE_PW_BF16
  if (!vp__cpu_has_avx512_bf16()) return false;
  if (!vp__is_conv(op)) return false;
  const vp__tensor *a = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  const vp__tensor *o = &g->tensors[op->outputs[0]];
  if (a->data || a->dtype != VP_DTYPE_F32 || a->rank != 4 || a->dims[0] != 1) return false;
  if (o->dtype != VP_DTYPE_F32 || o->rank != 4 || o->dims[0] != 1 || o->dims[1] != a->dims[1] ||
      o->dims[2] != a->dims[2])
    return false;
  if (!w->data || w->dtype != VP_DTYPE_F32 || w->rank != 4 || w->dims[1] != 1 || w->dims[2] != 1 ||
      w->dims[0] != o->dims[3] || w->dims[3] != a->dims[3])
    return false;
  if (a->dims[3] < 1 || a->dims[3] > PW_MAX_K || o->dims[3] < 1) return false;
  if (op->stride_h != 1 || op->stride_w != 1) return false;
  if (op->activation != VP_ACT_NONE && op->activation != VP_ACT_RELU && op->activation != VP_ACT_RELU6 &&
      op->activation != VP_ACT_RELU_N1_TO_1)
    return false;
  if (op->num_inputs > 2 && op->inputs[2] >= 0) {
    const vp__tensor *b = &g->tensors[op->inputs[2]];
    if (!b->data || b->dtype != VP_DTYPE_F32 || b->num_elements != (size_t)o->dims[3]) return false;
  }
  return true;
#else
  (void)g;
  (void)op;
  return false;
#endif
}

static void pw_free(void *p) {
  pw_state *s = p;
  if (!s) return;
  free(s->w);
  free(s->bias);
  free(s);
}

/* The task grid: whole pixel tiles when there are enough of them to share
 * out; otherwise the output blocks are split too, so that even a 7x7 layer
 * gives each thread several tasks (the tile conversion is then repeated per
 * chunk, which costs K/N of the multiply-adds). */
static void plan_grid(pw_state *s, size_t threads) {
  s->tiles = (s->p + PW_MR - 1) / PW_MR;
  s->chunks = 1;
  s->chunk_blocks = s->nb;
  const size_t want = 4 * threads;
  if (threads <= 1 || (size_t)s->tiles >= want) return;
  int32_t per = (int32_t)(((size_t)s->nb * (size_t)s->tiles + want - 1) / want);
  per += per & 1; /* keep the 32-channel micro-kernel */
  if (per < 2) per = 2;
  s->chunk_blocks = per;
  s->chunks = (s->nb + per - 1) / per;
}

vp_status vp__pw_bf16_prepare(const vp__graph *g, const vp__op *op, size_t threads, vp__kernel_fn *fn,
                              void **state, void (**state_free)(void *)) {
  const vp__tensor *a = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  const vp__tensor *o = &g->tensors[op->outputs[0]];
  pw_state *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "bfloat16 1x1 convolution: out of memory");
  s->in_t = op->inputs[0];
  s->out_t = op->outputs[0];
  s->p = a->dims[1] * a->dims[2];
  s->k = a->dims[3];
  s->n = o->dims[3];
  s->kp = (s->k + 1) / 2;
  s->nb = (s->n + 15) / 16;
  const size_t wsize = sizeof(uint32_t) * (size_t)s->nb * (size_t)s->kp * 16;
  const size_t bsize = sizeof(float) * (size_t)s->nb * 16;
  s->w = aligned_alloc(64, (wsize + 63) / 64 * 64);
  s->bias = aligned_alloc(64, (bsize + 63) / 64 * 64);
  if (!s->w || !s->bias) {
    pw_free(s);
    return vp__error(VP_ENOMEM, "bfloat16 1x1 convolution: out of memory");
  }
  const float *wf = w->data; /* [n][1][1][k] */
  for (int32_t b = 0; b < s->nb; b++)
    for (int32_t q = 0; q < s->kp; q++)
      for (int32_t j = 0; j < 16; j++) {
        const int32_t n = b * 16 + j, k0 = 2 * q, k1 = 2 * q + 1;
        uint32_t lo = 0, hi = 0;
        if (n < s->n) {
          lo = to_bf16(wf[(size_t)n * (size_t)s->k + (size_t)k0]);
          if (k1 < s->k) hi = to_bf16(wf[(size_t)n * (size_t)s->k + (size_t)k1]);
        }
        s->w[((size_t)b * (size_t)s->kp + (size_t)q) * 16 + (size_t)j] = lo | hi << 16;
      }
  memset(s->bias, 0, bsize);
  if (op->num_inputs > 2 && op->inputs[2] >= 0)
    memcpy(s->bias, g->tensors[op->inputs[2]].data, sizeof(float) * (size_t)s->n);
  vp__act_bounds(op->activation, &s->lo, &s->hi);
  s->clamp = op->activation != VP_ACT_NONE;
  plan_grid(s, threads);
  *fn = k_pw_bf16;
  *state = s;
  *state_free = pw_free;
  return VP_OK;
}
