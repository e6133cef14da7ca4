/* Bilinear resize, AVX-512 (layer: model).
 *
 * selfie_segmentation's decoder upsamples three times with RESIZE_BILINEAR
 * (16..128 channels). XNNPACK's f32 bilinear micro-kernels on x86 are at most
 * SSE-wide and go through an indirection buffer per pixel; here a table of
 * source columns and weights is built once per session, the rows are split
 * over the thread pool and each output pixel is two horizontal lerps and one
 * vertical lerp over 16 channels at a time (masked tail).
 * Coordinates as TFLite's ResizeBilinear (reference_ops.h,
 * ComputeInterpolationValues): source = o * scale, or (o + 0.5) * scale - 0.5
 * with half_pixel_centers; scale = in / out, or (in - 1) / (out - 1) with
 * align_corners, computed in float; lower neighbour clamped at 0, upper one
 * at in - 1, weight = source - lower.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/error.h"
#include "model/session_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VP_HAVE_RESIZE_AVX512 1
#endif

#ifdef VP_HAVE_RESIZE_AVX512
typedef struct resize_state {
  int32_t in, out;     /* tensors */
  int32_t ih, iw, oh, ow, c;
  int32_t *x0, *x1, *y0, *y1; /* source columns / rows */
  float *wx, *wy;
  const float *pi;
  float *po;
} resize_state;

static void coords(int32_t o, int32_t in, int32_t out, bool ac, bool hp, int32_t *lo, int32_t *hi, float *w) {
  float scale = (ac && out > 1) ? (float)(in - 1) / (float)(out - 1) : (float)in / (float)out;
  float v = hp ? ((float)o + 0.5f) * scale - 0.5f : (float)o * scale;
  int32_t f = (int32_t)floorf(v), ce = (int32_t)ceilf(v);
  *lo = f < 0 ? 0 : f;
  *hi = ce < in - 1 ? ce : in - 1;
  *w = v - (float)*lo;
}

__attribute__((target("avx512f"))) static void resize_row(void *ctx, size_t y) {
  const resize_state *s = ctx;
  const int32_t c = s->c;
  const size_t rs = (size_t)s->iw * (size_t)c;
  const float *r0 = s->pi + (size_t)s->y0[y] * rs, *r1 = s->pi + (size_t)s->y1[y] * rs;
  float *o = s->po + y * (size_t)s->ow * (size_t)c;
  const __m512 wy = _mm512_set1_ps(s->wy[y]);
  int32_t x = 0;
  if (c == 8) {
    /* Two output pixels per vector: with 8 channels a pixel fills half a
     * vector, so the per-pixel loop below ran with half its lanes masked
     * off (pose landmark decoder, 128 -> 256 wide: 0.21 ms per call, bench
     * --profile, 0.10 ms now). Same operations and rounding per lane. */
    for (; x + 2 <= s->ow; x += 2, o += 16) {
      const float *pa0 = s->pi + (size_t)s->x0[x] * 8, *pb0 = s->pi + (size_t)s->x1[x] * 8;
      const float *pa1 = s->pi + (size_t)s->x0[x + 1] * 8, *pb1 = s->pi + (size_t)s->x1[x + 1] * 8;
      const size_t o0 = (size_t)(r0 - s->pi), o1 = (size_t)(r1 - s->pi);
#define VP_PAIR(p, q) \
  _mm512_shuffle_f32x4(_mm512_zextps256_ps512(_mm256_loadu_ps(p)), _mm512_zextps256_ps512(_mm256_loadu_ps(q)), 0x44)
      __m512 tl = VP_PAIR(pa0 + o0, pa1 + o0), tr = VP_PAIR(pb0 + o0, pb1 + o0);
      __m512 bl = VP_PAIR(pa0 + o1, pa1 + o1), br = VP_PAIR(pb0 + o1, pb1 + o1);
#undef VP_PAIR
      const __m512 wx = _mm512_mask_blend_ps(0xff00, _mm512_set1_ps(s->wx[x]), _mm512_set1_ps(s->wx[x + 1]));
      __m512 top = _mm512_add_ps(tl, _mm512_mul_ps(_mm512_sub_ps(tr, tl), wx));
      __m512 bot = _mm512_add_ps(bl, _mm512_mul_ps(_mm512_sub_ps(br, bl), wx));
      _mm512_storeu_ps(o, _mm512_add_ps(top, _mm512_mul_ps(_mm512_sub_ps(bot, top), wy)));
    }
  }
  for (; x < s->ow; x++, o += c) {
    const size_t a = (size_t)s->x0[x] * (size_t)c, b = (size_t)s->x1[x] * (size_t)c;
    const __m512 wx = _mm512_set1_ps(s->wx[x]);
    for (int32_t k = 0; k < c; k += 16) {
      __mmask16 m = (__mmask16)(c - k >= 16 ? 0xffffu : (1u << (c - k)) - 1u);
      __m512 tl = _mm512_maskz_loadu_ps(m, r0 + a + k), tr = _mm512_maskz_loadu_ps(m, r0 + b + k);
      __m512 bl = _mm512_maskz_loadu_ps(m, r1 + a + k), br = _mm512_maskz_loadu_ps(m, r1 + b + k);
      /* Separate multiply and add, rounded as XNNPACK's x86 kernels do. */
      __m512 top = _mm512_add_ps(tl, _mm512_mul_ps(_mm512_sub_ps(tr, tl), wx));
      __m512 bot = _mm512_add_ps(bl, _mm512_mul_ps(_mm512_sub_ps(br, bl), wx));
      _mm512_mask_storeu_ps(o + k, m, _mm512_add_ps(top, _mm512_mul_ps(_mm512_sub_ps(bot, top), wy)));
    }
  }
}

static vp_status k_resize(const vp__kernel_ctx *c) {
  resize_state *s = c->state;
  s->pi = c->ptr[s->in];
  s->po = c->ptr[s->out];
  /* Small outputs stay on the calling thread: waking the pool costs more. */
  const size_t elems = (size_t)s->oh * (size_t)s->ow * (size_t)s->c;
  vp__parallel_rows(elems >= 32768 ? c->threadpool : NULL, resize_row, s, (size_t)s->oh);
  return VP_OK;
}

static void resize_free(void *p) {
  resize_state *s = p;
  if (!s) return;
  free(s->x0), free(s->x1), free(s->y0), free(s->y1), free(s->wx), free(s->wy);
  free(s);
}
#endif

bool vp__resize_applies(const vp__graph *g, const vp__op *op) {
#ifdef VP_HAVE_RESIZE_AVX512
  if (op->code != VP_OP_RESIZE_BILINEAR || op->num_inputs < 1 || op->num_outputs != 1) return false;
  if (getenv("VPIPE_NO_CUSTOM_KERNELS") || !vp__xnn_supports(g, op)) return false;
  if (!vp__cpu_has_avx512()) return false;
  const vp__tensor *a = &g->tensors[op->inputs[0]], *o = &g->tensors[op->outputs[0]];
  return a->rank == 4 && o->rank == 4 && a->dims[0] == 1 && o->dims[0] == 1 && a->dims[3] == o->dims[3] &&
         a->dims[1] > 0 && a->dims[2] > 0 && o->dims[1] > 0 && o->dims[2] > 0 && a->dims[3] > 0;
#else
  (void)g;
  (void)op;
  return false;
#endif
}

vp_status vp__resize_prepare(const vp__graph *g, const vp__op *op, vp__kernel_fn *fn, void **state,
                             void (**state_free)(void *)) {
#ifdef VP_HAVE_RESIZE_AVX512
  const vp__tensor *a = &g->tensors[op->inputs[0]], *o = &g->tensors[op->outputs[0]];
  resize_state *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "operator %d (%s): out of memory", op->index, op->name);
  s->in = op->inputs[0];
  s->out = op->outputs[0];
  s->ih = a->dims[1], s->iw = a->dims[2], s->c = a->dims[3];
  s->oh = o->dims[1], s->ow = o->dims[2];
  s->x0 = malloc(sizeof(int32_t) * (size_t)s->ow), s->x1 = malloc(sizeof(int32_t) * (size_t)s->ow);
  s->y0 = malloc(sizeof(int32_t) * (size_t)s->oh), s->y1 = malloc(sizeof(int32_t) * (size_t)s->oh);
  s->wx = malloc(sizeof(float) * (size_t)s->ow), s->wy = malloc(sizeof(float) * (size_t)s->oh);
  if (!s->x0 || !s->x1 || !s->y0 || !s->y1 || !s->wx || !s->wy) {
    resize_free(s);
    return vp__error(VP_ENOMEM, "operator %d (%s): out of memory", op->index, op->name);
  }
  for (int32_t x = 0; x < s->ow; x++)
    coords(x, s->iw, s->ow, op->align_corners, op->half_pixel_centers, &s->x0[x], &s->x1[x], &s->wx[x]);
  for (int32_t y = 0; y < s->oh; y++)
    coords(y, s->ih, s->oh, op->align_corners, op->half_pixel_centers, &s->y0[y], &s->y1[y], &s->wy[y]);
  *fn = k_resize;
  *state = s;
  *state_free = resize_free;
  return VP_OK;
#else
  (void)g;
  (void)fn;
  (void)state;
  (void)state_free;
  return vp__error(VP_EUNSUPPORTED, "operator %d (%s): no resize kernel in this build", op->index, op->name);
#endif
}
