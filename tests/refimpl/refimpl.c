/* Test-only reference interpreter: see refimpl.h.
 *
 * Every kernel is the textbook loop nest over output elements. Sums are
 * accumulated in double so that the reference is at least as accurate as any
 * kernel it is compared with. Builtin semantics: TFLite's reference kernels
 * (tensorflow/lite/kernels/internal/reference/); custom operators:
 * MediaPipe's CPU kernels (mediapipe/util/tflite/operations/, version 2
 * of each where two exist, as the face_landmark_with_attention model uses). */
#include "refimpl/refimpl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

struct vp_ref {
  const vp__graph *g;
  float **buf;        /* per tensor: float data, or NULL while not live */
  bool *persistent;   /* constants, graph inputs and outputs: never freed by run */
  int32_t *last_use;  /* index of the last op reading the tensor, -1 if none */
};

/* ---- small helpers ------------------------------------------------------ */

static const vp__tensor *T(const vp_ref *r, int32_t idx) { return &r->g->tensors[idx]; }

static int32_t in_idx(const vp__op *op, int32_t k) {
  return k < op->num_inputs ? op->inputs[k] : -1;
}

#define OPERR(st, op, ...) op_error((st), (op), __VA_ARGS__)
static vp_status op_error(vp_status st, const vp__op *op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static vp_status op_error(vp_status st, const vp__op *op, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return vp__error(st, "reference interpreter: operator %d (%s): %s", op->index,
                   op->name ? op->name : "?", msg);
}

static size_t count_of(const vp__tensor *t) {
  size_t n = 1;
  for (int32_t i = 0; i < t->rank; i++) n *= (size_t)t->dims[i];
  return n;
}

/* int32 constant element @p i (constant index tensors: shapes, axes, pads). */
static vp_status const_i32(const vp__tensor *t, const vp__op *op, int32_t *vals, int32_t max,
                           int32_t *n) {
  if (!t->data) return OPERR(VP_EUNSUPPORTED, op, "tensor '%s' must be constant", t->name);
  size_t cnt = count_of(t);
  if (cnt > (size_t)max) return OPERR(VP_ESHAPE, op, "tensor '%s' has %zu values", t->name, cnt);
  for (size_t i = 0; i < cnt; i++) {
    if (t->dtype == VP_DTYPE_I32) {
      int32_t v;
      memcpy(&v, (const uint8_t *)t->data + 4 * i, 4);
      vals[i] = v;
    } else if (t->dtype == VP_DTYPE_I64) {
      int64_t v;
      memcpy(&v, (const uint8_t *)t->data + 8 * i, 8);
      vals[i] = (int32_t)v;
    } else {
      return OPERR(VP_EUNSUPPORTED, op, "tensor '%s' must be int32", t->name);
    }
  }
  *n = (int32_t)cnt;
  return VP_OK;
}

static float act(vp__activation a, double x) {
  switch (a) {
    case VP_ACT_RELU: return (float)(x < 0 ? 0 : x);
    case VP_ACT_RELU_N1_TO_1: return (float)(x < -1 ? -1 : x > 1 ? 1 : x);
    case VP_ACT_RELU6: return (float)(x < 0 ? 0 : x > 6 ? 6 : x);
    case VP_ACT_TANH: return (float)tanh(x);
    case VP_ACT_NONE: break;
  }
  return (float)x;
}

int32_t vp_ref_out_size(vp__padding pad, int32_t in, int32_t filter, int32_t stride,
                        int32_t dilation) {
  int32_t eff = (filter - 1) * dilation + 1;
  if (stride <= 0) return -1;
  if (pad == VP_PAD_SAME) return (in + stride - 1) / stride;
  return (in - eff + stride) / stride;
}

int32_t vp_ref_pad_before(vp__padding pad, int32_t in, int32_t filter, int32_t stride,
                          int32_t dilation, int32_t out) {
  if (pad != VP_PAD_SAME) return 0;
  int32_t eff = (filter - 1) * dilation + 1;
  int32_t total = (out - 1) * stride + eff - in;
  return total > 0 ? total / 2 : 0;
}

static bool same_dims(const vp__tensor *a, const vp__tensor *b) {
  if (a->rank != b->rank) return false;
  for (int32_t i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

static vp_status need_rank(const vp__op *op, const vp__tensor *t, int32_t rank) {
  if (t->rank != rank)
    return OPERR(VP_ESHAPE, op, "tensor '%s' has rank %d, expected %d", t->name, t->rank, rank);
  return VP_OK;
}

static vp_status need_dims4(const vp__op *op, const vp__tensor *t, int32_t n, int32_t h,
                            int32_t w, int32_t c) {
  vp_status st = need_rank(op, t, 4);
  if (st) return st;
  if (t->dims[0] != n || t->dims[1] != h || t->dims[2] != w || t->dims[3] != c)
    return OPERR(VP_ESHAPE, op, "tensor '%s' is [%d,%d,%d,%d], expected [%d,%d,%d,%d]",
                 t->name, t->dims[0], t->dims[1], t->dims[2], t->dims[3], n, h, w, c);
  return VP_OK;
}

/* ---- kernels ------------------------------------------------------------ */
/* Each kernel gets the op and the float buffers of its inputs (NULL where
 * absent) and outputs, and validates shapes before touching memory. */

typedef struct ctx {
  vp_ref *r;
  const vp__op *op;
  const vp__tensor *in[4];
  const float *x[4];
  const vp__tensor *out;
  float *y;
} ctx;

static vp_status k_conv2d(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0], *w = c->in[1];
  vp_status st;
  if (!in || !w) return OPERR(VP_EFORMAT, op, "needs input and filter");
  if ((st = need_rank(op, in, 4)) || (st = need_rank(op, w, 4))) return st;
  int32_t n = in->dims[0], ih = in->dims[1], iw = in->dims[2], ic = in->dims[3];
  int32_t oc = w->dims[0], kh = w->dims[1], kw = w->dims[2];
  if (w->dims[3] != ic)
    return OPERR(VP_ESHAPE, op, "filter has %d input channels, input has %d", w->dims[3], ic);
  int32_t sh = op->stride_h, sw = op->stride_w;
  int32_t dh = op->dilation_h > 0 ? op->dilation_h : 1, dw = op->dilation_w > 0 ? op->dilation_w : 1;
  if (sh <= 0 || sw <= 0) return OPERR(VP_EFORMAT, op, "bad stride %dx%d", sw, sh);
  int32_t oh = vp_ref_out_size(op->padding, ih, kh, sh, dh);
  int32_t ow = vp_ref_out_size(op->padding, iw, kw, sw, dw);
  if ((st = need_dims4(op, c->out, n, oh, ow, oc))) return st;
  if (c->in[2] && count_of(c->in[2]) != (size_t)oc)
    return OPERR(VP_ESHAPE, op, "bias has %zu values, expected %d", count_of(c->in[2]), oc);
  int32_t ph = vp_ref_pad_before(op->padding, ih, kh, sh, dh, oh);
  int32_t pw = vp_ref_pad_before(op->padding, iw, kw, sw, dw, ow);
  const float *x = c->x[0], *f = c->x[1], *b = c->x[2];
  for (int32_t bi = 0; bi < n; bi++)
    for (int32_t oy = 0; oy < oh; oy++)
      for (int32_t ox = 0; ox < ow; ox++)
        for (int32_t o = 0; o < oc; o++) {
          double acc = b ? b[o] : 0.0;
          for (int32_t ky = 0; ky < kh; ky++) {
            int32_t iy = oy * sh - ph + ky * dh;
            if (iy < 0 || iy >= ih) continue;
            for (int32_t kx = 0; kx < kw; kx++) {
              int32_t ix = ox * sw - pw + kx * dw;
              if (ix < 0 || ix >= iw) continue;
              const float *xp = x + (((size_t)bi * ih + iy) * iw + ix) * ic;
              const float *fp = f + (((size_t)o * kh + ky) * kw + kx) * ic;
              for (int32_t i = 0; i < ic; i++) acc += (double)xp[i] * fp[i];
            }
          }
          c->y[(((size_t)bi * oh + oy) * ow + ox) * oc + o] = act(op->activation, acc);
        }
  return VP_OK;
}

static vp_status k_depthwise(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0], *w = c->in[1];
  vp_status st;
  if (!in || !w) return OPERR(VP_EFORMAT, op, "needs input and filter");
  if ((st = need_rank(op, in, 4)) || (st = need_rank(op, w, 4))) return st;
  int32_t n = in->dims[0], ih = in->dims[1], iw = in->dims[2], ic = in->dims[3];
  int32_t kh = w->dims[1], kw = w->dims[2], oc = w->dims[3];
  if (w->dims[0] != 1 || ic <= 0 || oc % ic != 0)
    return OPERR(VP_ESHAPE, op, "filter [%d,%d,%d,%d] does not fit %d input channels", w->dims[0],
                 kh, kw, oc, ic);
  int32_t mult = oc / ic;
  if (op->depth_multiplier > 0 && op->depth_multiplier != mult)
    return OPERR(VP_ESHAPE, op, "depth_multiplier %d but filter implies %d", op->depth_multiplier,
                 mult);
  int32_t sh = op->stride_h, sw = op->stride_w;
  int32_t dh = op->dilation_h > 0 ? op->dilation_h : 1, dw = op->dilation_w > 0 ? op->dilation_w : 1;
  if (sh <= 0 || sw <= 0) return OPERR(VP_EFORMAT, op, "bad stride %dx%d", sw, sh);
  int32_t oh = vp_ref_out_size(op->padding, ih, kh, sh, dh);
  int32_t ow = vp_ref_out_size(op->padding, iw, kw, sw, dw);
  if ((st = need_dims4(op, c->out, n, oh, ow, oc))) return st;
  if (c->in[2] && count_of(c->in[2]) != (size_t)oc)
    return OPERR(VP_ESHAPE, op, "bias has %zu values, expected %d", count_of(c->in[2]), oc);
  int32_t ph = vp_ref_pad_before(op->padding, ih, kh, sh, dh, oh);
  int32_t pw = vp_ref_pad_before(op->padding, iw, kw, sw, dw, ow);
  const float *x = c->x[0], *f = c->x[1], *b = c->x[2];
  for (int32_t bi = 0; bi < n; bi++)
    for (int32_t oy = 0; oy < oh; oy++)
      for (int32_t ox = 0; ox < ow; ox++)
        for (int32_t o = 0; o < oc; o++) {
          int32_t i = o / mult; /* output channel o = i * mult + m reads input channel i */
          double acc = b ? b[o] : 0.0;
          for (int32_t ky = 0; ky < kh; ky++) {
            int32_t iy = oy * sh - ph + ky * dh;
            if (iy < 0 || iy >= ih) continue;
            for (int32_t kx = 0; kx < kw; kx++) {
              int32_t ix = ox * sw - pw + kx * dw;
              if (ix < 0 || ix >= iw) continue;
              acc += (double)x[(((size_t)bi * ih + iy) * iw + ix) * ic + i] *
                     f[((size_t)ky * kw + kx) * oc + o];
            }
          }
          c->y[(((size_t)bi * oh + oy) * ow + ox) * oc + o] = act(op->activation, acc);
        }
  return VP_OK;
}

static vp_status k_pool(ctx *c, bool is_max) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0];
  vp_status st;
  if ((st = need_rank(op, in, 4))) return st;
  int32_t n = in->dims[0], ih = in->dims[1], iw = in->dims[2], ch = in->dims[3];
  int32_t kh = op->filter_h, kw = op->filter_w, sh = op->stride_h, sw = op->stride_w;
  if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0)
    return OPERR(VP_EFORMAT, op, "bad filter %dx%d or stride %dx%d", kw, kh, sw, sh);
  int32_t oh = vp_ref_out_size(op->padding, ih, kh, sh, 1);
  int32_t ow = vp_ref_out_size(op->padding, iw, kw, sw, 1);
  if ((st = need_dims4(op, c->out, n, oh, ow, ch))) return st;
  int32_t ph = vp_ref_pad_before(op->padding, ih, kh, sh, 1, oh);
  int32_t pw = vp_ref_pad_before(op->padding, iw, kw, sw, 1, ow);
  for (int32_t bi = 0; bi < n; bi++)
    for (int32_t oy = 0; oy < oh; oy++)
      for (int32_t ox = 0; ox < ow; ox++)
        for (int32_t k = 0; k < ch; k++) {
          /* Padding never contributes: max ignores it, and the average divides
           * by the number of pixels inside the input (TFLite's reference
           * AveragePool counts only valid pixels). */
          double acc = is_max ? -INFINITY : 0.0;
          int32_t cnt = 0;
          for (int32_t ky = 0; ky < kh; ky++) {
            int32_t iy = oy * sh - ph + ky;
            if (iy < 0 || iy >= ih) continue;
            for (int32_t kx = 0; kx < kw; kx++) {
              int32_t ix = ox * sw - pw + kx;
              if (ix < 0 || ix >= iw) continue;
              double v = c->x[0][(((size_t)bi * ih + iy) * iw + ix) * ch + k];
              if (is_max) acc = v > acc ? v : acc;
              else acc += v;
              cnt++;
            }
          }
          if (!is_max) acc = cnt ? acc / cnt : 0.0;
          c->y[(((size_t)bi * oh + oy) * ow + ox) * ch + k] = act(op->activation, acc);
        }
  return VP_OK;
}

/* Elementwise binary operator with NumPy/TFLite broadcasting: shapes are
 * aligned at the last dimension, and a dimension of size 1 repeats. */
typedef double (*binfn)(double, double);
static double f_add(double a, double b) { return a + b; }
static double f_sub(double a, double b) { return a - b; }
static double f_mul(double a, double b) { return a * b; }
static double f_div(double a, double b) { return a / b; }
static double f_max(double a, double b) { return a > b ? a : b; }
static double f_min(double a, double b) { return a < b ? a : b; }

static vp_status broadcast_strides(const vp__op *op, const vp__tensor *t, const vp__tensor *out,
                                   size_t strides[VP_MAX_DIMS]) {
  int32_t R = out->rank;
  if (t->rank > R)
    return OPERR(VP_ESHAPE, op, "input '%s' has rank %d > output rank %d", t->name, t->rank, R);
  size_t s = 1;
  for (int32_t d = R - 1; d >= 0; d--) {
    int32_t td = d - (R - t->rank);
    int32_t dim = td >= 0 ? t->dims[td] : 1;
    if (dim != 1 && dim != out->dims[d])
      return OPERR(VP_ESHAPE, op, "input '%s' dim %d is %d, cannot broadcast to %d", t->name, td,
                   dim, out->dims[d]);
    strides[d] = dim == 1 ? 0 : s;
    s *= (size_t)dim;
  }
  return VP_OK;
}

/* Linear index into a broadcast operand for output linear index @p i. */
static size_t bidx(size_t i, const vp__tensor *out, const size_t *strides) {
  size_t off = 0;
  for (int32_t d = out->rank - 1; d >= 0; d--) {
    size_t k = i % (size_t)out->dims[d];
    i /= (size_t)out->dims[d];
    off += k * strides[d];
  }
  return off;
}

static vp_status k_binary(ctx *c, binfn fn) {
  const vp__op *op = c->op;
  if (!c->in[0] || !c->in[1]) return OPERR(VP_EFORMAT, op, "needs two inputs");
  size_t sa[VP_MAX_DIMS], sb[VP_MAX_DIMS];
  vp_status st;
  if ((st = broadcast_strides(op, c->in[0], c->out, sa))) return st;
  if ((st = broadcast_strides(op, c->in[1], c->out, sb))) return st;
  /* The output must be exactly the broadcast shape (no dimension bigger than both inputs). */
  for (int32_t d = 0; d < c->out->rank; d++) {
    int32_t ra = d - (c->out->rank - c->in[0]->rank), rb = d - (c->out->rank - c->in[1]->rank);
    int32_t da = ra >= 0 ? c->in[0]->dims[ra] : 1, db = rb >= 0 ? c->in[1]->dims[rb] : 1;
    if ((da > db ? da : db) != c->out->dims[d])
      return OPERR(VP_ESHAPE, op, "output dim %d is %d, inputs give %d and %d", d,
                   c->out->dims[d], da, db);
  }
  size_t n = count_of(c->out);
  for (size_t i = 0; i < n; i++)
    c->y[i] = act(op->activation, fn(c->x[0][bidx(i, c->out, sa)], c->x[1][bidx(i, c->out, sb)]));
  return VP_OK;
}

typedef double (*unfn)(double);
static double u_relu(double x) { return x < 0 ? 0 : x; }
static double u_relu6(double x) { return x < 0 ? 0 : x > 6 ? 6 : x; }
static double u_logistic(double x) { return 1.0 / (1.0 + exp(-x)); }
static double u_tanh(double x) { return tanh(x); }
/* x * relu6(x + 3) / 6 (TFLite's reference HardSwish). */
static double u_hard_swish(double x) { return x * u_relu6(x + 3.0) / 6.0; }

static vp_status k_unary(ctx *c, unfn fn) {
  if (!same_dims(c->in[0], c->out))
    return OPERR(VP_ESHAPE, c->op, "output shape differs from input shape");
  size_t n = count_of(c->out);
  for (size_t i = 0; i < n; i++) c->y[i] = (float)fn(c->x[0][i]);
  return VP_OK;
}

/* y = x >= 0 ? x : alpha * x, alpha broadcast to x (TFLite's reference Prelu). */
static vp_status k_prelu(ctx *c) {
  if (!c->in[1]) return OPERR(VP_EFORMAT, c->op, "needs alpha");
  if (!same_dims(c->in[0], c->out))
    return OPERR(VP_ESHAPE, c->op, "output shape differs from input shape");
  size_t sa[VP_MAX_DIMS];
  vp_status st = broadcast_strides(c->op, c->in[1], c->out, sa);
  if (st) return st;
  size_t n = count_of(c->out);
  for (size_t i = 0; i < n; i++) {
    double x = c->x[0][i];
    c->y[i] = (float)(x >= 0 ? x : c->x[1][bidx(i, c->out, sa)] * x);
  }
  return VP_OK;
}

/* RESHAPE / SQUEEZE: same elements, new shape. */
static vp_status k_copy(ctx *c) {
  if (count_of(c->in[0]) != count_of(c->out))
    return OPERR(VP_ESHAPE, c->op, "input has %zu elements, output %zu", count_of(c->in[0]),
                 count_of(c->out));
  memcpy(c->y, c->x[0], count_of(c->out) * sizeof(float));
  return VP_OK;
}

static vp_status k_pad(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0];
  if (!c->in[1]) return OPERR(VP_EFORMAT, op, "needs paddings");
  int32_t p[2 * VP_MAX_DIMS], np;
  vp_status st = const_i32(c->in[1], op, p, 2 * VP_MAX_DIMS, &np);
  if (st) return st;
  if (np != 2 * in->rank || c->out->rank != in->rank)
    return OPERR(VP_ESHAPE, op, "paddings have %d values for rank %d", np, in->rank);
  for (int32_t d = 0; d < in->rank; d++) {
    if (p[2 * d] < 0 || p[2 * d + 1] < 0) return OPERR(VP_EFORMAT, op, "negative padding");
    if (in->dims[d] + p[2 * d] + p[2 * d + 1] != c->out->dims[d])
      return OPERR(VP_ESHAPE, op, "dim %d: %d + %d + %d != output %d", d, in->dims[d], p[2 * d],
                   p[2 * d + 1], c->out->dims[d]);
  }
  size_t n = count_of(c->out);
  for (size_t i = 0; i < n; i++) {
    size_t rem = i, src = 0, mul = 1;
    bool inside = true;
    for (int32_t d = in->rank - 1; d >= 0; d--) {
      int32_t k = (int32_t)(rem % (size_t)c->out->dims[d]) - p[2 * d];
      rem /= (size_t)c->out->dims[d];
      if (k < 0 || k >= in->dims[d]) inside = false;
      else src += (size_t)k * mul;
      mul *= (size_t)in->dims[d];
    }
    c->y[i] = inside ? c->x[0][src] : 0.0f;
  }
  return VP_OK;
}

static vp_status k_concat(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *out = c->out;
  int32_t axis = op->axis < 0 ? op->axis + out->rank : op->axis;
  if (axis < 0 || axis >= out->rank) return OPERR(VP_EFORMAT, op, "bad axis %d", op->axis);
  size_t outer = 1, inner = 1;
  for (int32_t d = 0; d < axis; d++) outer *= (size_t)out->dims[d];
  for (int32_t d = axis + 1; d < out->rank; d++) inner *= (size_t)out->dims[d];
  int32_t total = 0;
  for (int32_t k = 0; k < op->num_inputs; k++) {
    const vp__tensor *t = T(c->r, op->inputs[k]);
    if (t->rank != out->rank) return OPERR(VP_ESHAPE, op, "input %d rank differs", k);
    for (int32_t d = 0; d < out->rank; d++)
      if (d != axis && t->dims[d] != out->dims[d])
        return OPERR(VP_ESHAPE, op, "input %d dim %d is %d, output %d", k, d, t->dims[d],
                     out->dims[d]);
    total += t->dims[axis];
  }
  if (total != out->dims[axis])
    return OPERR(VP_ESHAPE, op, "inputs sum to %d along axis, output has %d", total,
                 out->dims[axis]);
  size_t off = 0; /* offset along the axis, in units of inner */
  for (int32_t k = 0; k < op->num_inputs; k++) {
    const vp__tensor *t = T(c->r, op->inputs[k]);
    const float *x = c->r->buf[op->inputs[k]];
    size_t len = (size_t)t->dims[axis] * inner;
    for (size_t o = 0; o < outer; o++)
      memcpy(c->y + o * (size_t)total * inner + off, x + o * len, len * sizeof(float));
    off += len;
  }
  return VP_OK;
}

/* TFLite reference ResizeBilinear (ComputeInterpolationValues): the source
 * coordinate is y * scale, or (y + 0.5) * scale - 0.5 with half_pixel_centers;
 * scale is (in - 1) / (out - 1) with align_corners, else in / out. The lower
 * neighbour is clamped at 0 and the upper one at in - 1. */
static void interp(int32_t o, int32_t in, int32_t out, bool ac, bool hp, double *pos, int32_t *lo,
                   int32_t *hi) {
  double scale = (ac && out > 1) ? (double)(in - 1) / (out - 1) : (double)in / out;
  float s = (float)scale; /* TFLite computes the scale in float */
  double v = hp ? ((double)o + 0.5) * s - 0.5 : (double)o * s;
  *pos = v;
  int32_t f = (int32_t)floor(v);
  *lo = f < 0 ? 0 : f;
  int32_t ce = (int32_t)ceil(v);
  *hi = ce < in - 1 ? ce : in - 1;
}

static vp_status k_resize_bilinear(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0], *out = c->out;
  vp_status st;
  if ((st = need_rank(op, in, 4))) return st;
  int32_t n = in->dims[0], ih = in->dims[1], iw = in->dims[2], ch = in->dims[3];
  if ((st = need_rank(op, out, 4))) return st;
  int32_t oh = out->dims[1], ow = out->dims[2];
  if ((st = need_dims4(op, out, n, oh, ow, ch))) return st;
  if (c->in[1] && c->in[1]->data) {
    int32_t sz[4], ns;
    if ((st = const_i32(c->in[1], op, sz, 4, &ns))) return st;
    if (ns != 2 || sz[0] != oh || sz[1] != ow)
      return OPERR(VP_ESHAPE, op, "size input disagrees with output %dx%d", oh, ow);
  }
  for (int32_t bi = 0; bi < n; bi++)
    for (int32_t y = 0; y < oh; y++) {
      double fy;
      int32_t y0, y1;
      interp(y, ih, oh, op->align_corners, op->half_pixel_centers, &fy, &y0, &y1);
      for (int32_t x = 0; x < ow; x++) {
        double fx;
        int32_t x0, x1;
        interp(x, iw, ow, op->align_corners, op->half_pixel_centers, &fx, &x0, &x1);
        double wy = fy - y0, wx = fx - x0;
        for (int32_t k = 0; k < ch; k++) {
#define AT(yy, xx) ((double)c->x[0][(((size_t)bi * ih + (yy)) * iw + (xx)) * ch + k])
          double v = AT(y0, x0) * (1 - wy) * (1 - wx) + AT(y1, x0) * wy * (1 - wx) +
                     AT(y0, x1) * (1 - wy) * wx + AT(y1, x1) * wy * wx;
#undef AT
          c->y[(((size_t)bi * oh + y) * ow + x) * ch + k] = (float)v;
        }
      }
    }
  return VP_OK;
}

/* out[b, y*bs + dy, x*bs + dx, k] = in[b, y, x, (dy*bs + dx)*C + k]. */
static vp_status k_depth_to_space(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0];
  vp_status st;
  if ((st = need_rank(op, in, 4))) return st;
  int32_t bs = op->block_size;
  if (bs <= 0 || in->dims[3] % (bs * bs))
    return OPERR(VP_ESHAPE, op, "block size %d does not divide %d channels", bs, in->dims[3]);
  int32_t n = in->dims[0], ih = in->dims[1], iw = in->dims[2], oc = in->dims[3] / (bs * bs);
  if ((st = need_dims4(op, c->out, n, ih * bs, iw * bs, oc))) return st;
  for (int32_t bi = 0; bi < n; bi++)
    for (int32_t y = 0; y < ih * bs; y++)
      for (int32_t x = 0; x < iw * bs; x++)
        for (int32_t k = 0; k < oc; k++) {
          int32_t src_c = ((y % bs) * bs + (x % bs)) * oc + k;
          c->y[(((size_t)bi * ih * bs + y) * iw * bs + x) * oc + k] =
              c->x[0][(((size_t)bi * ih + y / bs) * iw + x / bs) * in->dims[3] + src_c];
        }
  return VP_OK;
}

static vp_status k_mean(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0];
  if (!c->in[1]) return OPERR(VP_EFORMAT, op, "needs axes");
  int32_t axes[VP_MAX_DIMS * 2], na;
  vp_status st = const_i32(c->in[1], op, axes, VP_MAX_DIMS * 2, &na);
  if (st) return st;
  bool red[VP_MAX_DIMS] = {false};
  for (int32_t k = 0; k < na; k++) {
    int32_t a = axes[k] < 0 ? axes[k] + in->rank : axes[k];
    if (a < 0 || a >= in->rank) return OPERR(VP_EFORMAT, op, "bad axis %d", axes[k]);
    red[a] = true;
  }
  size_t nout = 1, per = 1;
  for (int32_t d = 0; d < in->rank; d++) {
    if (red[d]) per *= (size_t)in->dims[d];
    else nout *= (size_t)in->dims[d];
  }
  if (count_of(c->out) != nout)
    return OPERR(VP_ESHAPE, op, "output has %zu elements, expected %zu", count_of(c->out), nout);
  double *acc = calloc(nout ? nout : 1, sizeof *acc);
  if (!acc) return vp__error(VP_ENOMEM, "reference interpreter: out of memory");
  size_t n = count_of(in);
  for (size_t i = 0; i < n; i++) {
    /* Output index: the input index with reduced dimensions dropped (same
     * order with or without keep_dims). */
    size_t rem = i, o = 0, mul = 1;
    for (int32_t d = in->rank - 1; d >= 0; d--) {
      size_t k = rem % (size_t)in->dims[d];
      rem /= (size_t)in->dims[d];
      if (!red[d]) {
        o += k * mul;
        mul *= (size_t)in->dims[d];
      }
    }
    acc[o] += c->x[0][i];
  }
  for (size_t o = 0; o < nout; o++) c->y[o] = (float)(acc[o] / (double)per);
  free(acc);
  return VP_OK;
}

/* y[b, o] = sum_i x[b, i] * w[o, i] + bias[o]; x is flattened to [n / I, I]. */
static vp_status k_fully_connected(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0], *w = c->in[1];
  vp_status st;
  if (!in || !w) return OPERR(VP_EFORMAT, op, "needs input and weights");
  if ((st = need_rank(op, w, 2))) return st;
  int32_t oc = w->dims[0], ic = w->dims[1];
  size_t n = count_of(in);
  if (ic <= 0 || n % (size_t)ic)
    return OPERR(VP_ESHAPE, op, "input of %zu elements is not a multiple of %d", n, ic);
  size_t batch = n / (size_t)ic;
  if (count_of(c->out) != batch * (size_t)oc)
    return OPERR(VP_ESHAPE, op, "output has %zu elements, expected %zu", count_of(c->out),
                 batch * (size_t)oc);
  if (op->keep_num_dims &&
      (c->out->rank != in->rank || c->out->dims[in->rank - 1] != oc))
    return OPERR(VP_ESHAPE, op, "keep_num_dims output must be the input shape with last dim %d",
                 oc);
  if (c->in[2] && count_of(c->in[2]) != (size_t)oc)
    return OPERR(VP_ESHAPE, op, "bias has %zu values, expected %d", count_of(c->in[2]), oc);
  for (size_t b = 0; b < batch; b++)
    for (int32_t o = 0; o < oc; o++) {
      double acc = c->x[2] ? c->x[2][o] : 0.0;
      for (int32_t i = 0; i < ic; i++)
        acc += (double)c->x[0][b * ic + i] * c->x[1][(size_t)o * ic + i];
      c->y[b * oc + o] = act(op->activation, acc);
    }
  return VP_OK;
}

/* TFLite's strided_slice (kernels/internal/strided_slice_logic.h). */
static vp_status k_strided_slice(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0];
  if (!c->in[1] || !c->in[2] || !c->in[3]) return OPERR(VP_EFORMAT, op, "needs begin/end/strides");
  if (op->ellipsis_mask || op->new_axis_mask)
    return OPERR(VP_EUNSUPPORTED, op, "ellipsis_mask/new_axis_mask are not supported");
  int32_t b[VP_MAX_DIMS], e[VP_MAX_DIMS], s[VP_MAX_DIMS], nb, ne, ns;
  vp_status st;
  if ((st = const_i32(c->in[1], op, b, VP_MAX_DIMS, &nb)) ||
      (st = const_i32(c->in[2], op, e, VP_MAX_DIMS, &ne)) ||
      (st = const_i32(c->in[3], op, s, VP_MAX_DIMS, &ns)))
    return st;
  if (nb != ne || nb != ns || nb > in->rank)
    return OPERR(VP_ESHAPE, op, "begin/end/strides have %d/%d/%d values for rank %d", nb, ne, ns,
                 in->rank);
  int32_t start[VP_MAX_DIMS], step[VP_MAX_DIMS], cnt[VP_MAX_DIMS];
  size_t total = 1;
  for (int32_t d = 0; d < in->rank; d++) {
    int32_t dim = in->dims[d];
    if (d >= nb) { /* unspecified trailing dims are taken whole */
      start[d] = 0, step[d] = 1, cnt[d] = dim;
      total *= (size_t)dim;
      continue;
    }
    int32_t st_ = s[d];
    if (st_ == 0) return OPERR(VP_EFORMAT, op, "stride 0 in dim %d", d);
    int32_t lo = st_ > 0 ? 0 : -1, hi = st_ > 0 ? dim : dim - 1;
    int32_t a, z;
    if (op->begin_mask & (1 << d)) a = st_ > 0 ? 0 : dim - 1;
    else {
      a = b[d] < 0 ? b[d] + dim : b[d];
      a = a < lo ? lo : a > hi ? hi : a;
    }
    if (op->shrink_axis_mask & (1 << d)) {
      int32_t bb = b[d] < 0 ? b[d] + dim : b[d];
      if (bb < 0 || bb >= dim) return OPERR(VP_ESHAPE, op, "shrink index %d out of range", b[d]);
      a = bb, z = bb + 1, st_ = 1;
    } else if (op->end_mask & (1 << d)) {
      z = st_ > 0 ? dim : -1;
    } else {
      z = e[d] < 0 ? e[d] + dim : e[d];
      z = z < lo ? lo : z > hi ? hi : z;
    }
    int32_t k = st_ > 0 ? (z - a + st_ - 1) / st_ : (a - z + (-st_) - 1) / (-st_);
    if (k < 0) k = 0;
    start[d] = a, step[d] = st_, cnt[d] = k;
    total *= (size_t)k;
  }
  if (count_of(c->out) != total)
    return OPERR(VP_ESHAPE, op, "output has %zu elements, slice has %zu", count_of(c->out), total);
  size_t istr[VP_MAX_DIMS];
  size_t m = 1;
  for (int32_t d = in->rank - 1; d >= 0; d--) istr[d] = m, m *= (size_t)in->dims[d];
  for (size_t i = 0; i < total; i++) {
    size_t rem = i, src = 0;
    for (int32_t d = in->rank - 1; d >= 0; d--) {
      int32_t k = (int32_t)(rem % (size_t)cnt[d]);
      rem /= (size_t)cnt[d];
      src += (size_t)(start[d] + k * step[d]) * istr[d];
    }
    c->y[i] = c->x[0][src];
  }
  return VP_OK;
}

static vp_status k_transpose(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0];
  if (!c->in[1]) return OPERR(VP_EFORMAT, op, "needs perm");
  int32_t perm[VP_MAX_DIMS], np;
  vp_status st = const_i32(c->in[1], op, perm, VP_MAX_DIMS, &np);
  if (st) return st;
  if (np != in->rank || c->out->rank != in->rank)
    return OPERR(VP_ESHAPE, op, "perm has %d values for rank %d", np, in->rank);
  size_t istr[VP_MAX_DIMS], m = 1;
  for (int32_t d = in->rank - 1; d >= 0; d--) istr[d] = m, m *= (size_t)in->dims[d];
  for (int32_t d = 0; d < np; d++)
    if (perm[d] < 0 || perm[d] >= in->rank || c->out->dims[d] != in->dims[perm[d]])
      return OPERR(VP_ESHAPE, op, "perm[%d] = %d does not match the output", d, perm[d]);
  size_t n = count_of(c->out);
  for (size_t i = 0; i < n; i++) {
    size_t rem = i, src = 0;
    for (int32_t d = in->rank - 1; d >= 0; d--) {
      size_t k = rem % (size_t)c->out->dims[d];
      rem /= (size_t)c->out->dims[d];
      src += k * istr[perm[d]];
    }
    c->y[i] = c->x[0][src];
  }
  return VP_OK;
}

/* MediaPipe Convolution2DTransposeBias (mediapipe/util/tflite/operations/
 * transpose_conv_bias.cc): a transposed convolution, weights [O, KH, KW, I],
 * plus bias. Output size stride * (in - 1) + k - total_pad, where SAME pads
 * total max(0, k - (in - 1) % stride - 1) and the output starts total / 2
 * into the full (unpadded) result. */
static vp_status k_transpose_conv_bias(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0], *w = c->in[1];
  const vp__custom_params *p = &op->custom;
  vp_status st;
  if (!in || !w || !c->in[2]) return OPERR(VP_EFORMAT, op, "needs input, weights and bias");
  if ((st = need_rank(op, in, 4)) || (st = need_rank(op, w, 4))) return st;
  int32_t n = in->dims[0], ih = in->dims[1], iw = in->dims[2], ic = in->dims[3];
  int32_t oc = w->dims[0], kh = w->dims[1], kw = w->dims[2];
  if (w->dims[3] != ic) return OPERR(VP_ESHAPE, op, "weights/input channel mismatch");
  if (count_of(c->in[2]) != (size_t)oc) return OPERR(VP_ESHAPE, op, "bias size mismatch");
  int32_t sh = p->stride_h, sw = p->stride_w;
  if (sh <= 0 || sw <= 0) return OPERR(VP_EFORMAT, op, "bad stride %dx%d", sw, sh);
  int32_t tph = 0, tpw = 0;
  if (p->padding == VP_PAD_SAME) {
    tph = kh - (ih - 1) % sh - 1;
    tpw = kw - (iw - 1) % sw - 1;
    tph = tph > 0 ? tph : 0;
    tpw = tpw > 0 ? tpw : 0;
  }
  int32_t oh = sh * (ih - 1) + kh - tph, ow = sw * (iw - 1) + kw - tpw;
  if ((st = need_dims4(op, c->out, n, oh, ow, oc))) return st;
  int32_t ph = tph / 2, pw = tpw / 2;
  /* Gather form: output (y, x) receives input (iy, ix) through filter tap
   * (ky, kx) when iy * sh - ph + ky == y. */
  for (int32_t bi = 0; bi < n; bi++)
    for (int32_t y = 0; y < oh; y++)
      for (int32_t x = 0; x < ow; x++)
        for (int32_t o = 0; o < oc; o++) {
          double acc = c->x[2][o];
          for (int32_t ky = 0; ky < kh; ky++) {
            int32_t t = y + ph - ky;
            if (t < 0 || t % sh) continue;
            int32_t iy = t / sh;
            if (iy >= ih) continue;
            for (int32_t kx = 0; kx < kw; kx++) {
              int32_t u = x + pw - kx;
              if (u < 0 || u % sw) continue;
              int32_t ix = u / sw;
              if (ix >= iw) continue;
              const float *xp = c->x[0] + (((size_t)bi * ih + iy) * iw + ix) * ic;
              const float *fp = c->x[1] + (((size_t)o * kh + ky) * kw + kx) * ic;
              for (int32_t i = 0; i < ic; i++) acc += (double)xp[i] * fp[i];
            }
          }
          c->y[(((size_t)bi * oh + y) * ow + x) * oc + o] = (float)acc;
        }
  return VP_OK;
}

/* 4x4 row-major matrix product a = a * b. */
static void mat4_mul(double a[16], const double b[16]) {
  double r[16];
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      double s = 0;
      for (int k = 0; k < 4; k++) s += a[i * 4 + k] * b[k * 4 + j];
      r[i * 4 + j] = s;
    }
  memcpy(a, r, sizeof r);
}

/* MediaPipe Landmarks2TransformMatrix, version 2
 * (mediapipe/util/tflite/operations/landmarks_to_transform_matrix.cc):
 * landmarks [.., N, 3] -> a 4x4 matrix mapping output-crop pixels to input
 * pixels. rotation = target - atan2(right.y - left.y, right.x - left.x); the
 * subset landmarks are rotated by `rotation`, their axis-aligned box gives
 * the size (w, h) and, rotated back, the centre (cx, cy). Then
 * M = Shift(cx, cy) * Rot(-rotation) * Scale(scale_x * w / out_w,
 *     scale_y * h / out_h) * Shift(-out_w / 2, -out_h / 2). */
static vp_status k_landmarks_to_matrix(ctx *c) {
  const vp__op *op = c->op;
  const vp__custom_params *p = &op->custom;
  size_t n = count_of(c->in[0]);
  if (n % 3) return OPERR(VP_ESHAPE, op, "landmarks are not triples (%zu values)", n);
  int32_t nl = (int32_t)(n / 3);
  if (count_of(c->out) != 16) return OPERR(VP_ESHAPE, op, "output must have 16 values");
  if (p->version == 1)
    return OPERR(VP_EUNSUPPORTED, op, "version 1 of this operator is not implemented");
  if (p->num_subset_idxs <= 0 || !p->subset_idxs)
    return OPERR(VP_EFORMAT, op, "empty landmark subset");
  if (p->output_width <= 0 || p->output_height <= 0)
    return OPERR(VP_EFORMAT, op, "bad output size %dx%d", p->output_width, p->output_height);
  int32_t li = p->left_rotation_idx, ri = p->right_rotation_idx;
  if (li < 0 || li >= nl || ri < 0 || ri >= nl)
    return OPERR(VP_EFORMAT, op, "rotation landmarks %d, %d out of range", li, ri);
  for (int32_t k = 0; k < 2 * p->num_subset_idxs; k++)
    if (p->subset_idxs[k] < 0 || p->subset_idxs[k] >= nl)
      return OPERR(VP_EFORMAT, op, "subset index %d out of range", p->subset_idxs[k]);
  const float *lm = c->x[0];
  double rot = p->target_rotation_radians -
               atan2((double)lm[ri * 3 + 1] - lm[li * 3 + 1], (double)lm[ri * 3] - lm[li * 3]);
  double cr = cos(rot), sr = sin(rot);
  double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
  for (int32_t k = 0; k < 2 * p->num_subset_idxs; k++) {
    double x = lm[p->subset_idxs[k] * 3], y = lm[p->subset_idxs[k] * 3 + 1];
    double rx = cr * x - sr * y, ry = sr * x + cr * y;
    minx = rx < minx ? rx : minx, maxx = rx > maxx ? rx : maxx;
    miny = ry < miny ? ry : miny, maxy = ry > maxy ? ry : maxy;
  }
  double w = maxx - minx, h = maxy - miny;
  double mx = (minx + maxx) / 2, my = (miny + maxy) / 2;
  /* rotate the centre back by -rot */
  double cx = cos(-rot) * mx - sin(-rot) * my, cy = sin(-rot) * mx + cos(-rot) * my;
  double m[16] = {1, 0, 0, cx, 0, 1, 0, cy, 0, 0, 1, 0, 0, 0, 0, 1};
  double r = -rot;
  double mr[16] = {cos(r), -sin(r), 0, 0, sin(r), cos(r), 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  mat4_mul(m, mr);
  double sx = p->scale_x * w / p->output_width, sy = p->scale_y * h / p->output_height;
  double ms[16] = {sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  mat4_mul(m, ms);
  double mt[16] = {1, 0, 0, -p->output_width / 2.0, 0, 1, 0, -p->output_height / 2.0,
                   0, 0, 1, 0, 0, 0, 0, 1};
  mat4_mul(m, mt);
  for (int i = 0; i < 16; i++) c->y[i] = (float)m[i];
  return VP_OK;
}

/* MediaPipe TransformTensorBilinear
 * (mediapipe/util/tflite/operations/transform_tensor_bilinear.cc): output
 * pixel (x, y) samples the input at M * (x, y). Version 2 (the reader sets
 * align_corners for it) samples at M * (x + 0.5, y + 0.5) - 0.5, i.e. the
 * matrix's translation is corrected by (m0 + m1 - 1) / 2. Samples outside
 * [0, W-1] x [0, H-1] are 0; neighbours past the edge read as 0. */
static vp_status k_transform_tensor_bilinear(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0];
  vp_status st;
  if (!c->in[1] || count_of(c->in[1]) != 16) return OPERR(VP_ESHAPE, op, "needs a 4x4 matrix");
  if ((st = need_rank(op, in, 4))) return st;
  if (in->dims[0] != 1) return OPERR(VP_ESHAPE, op, "batch must be 1");
  int32_t ih = in->dims[1], iw = in->dims[2], ch = in->dims[3];
  if ((st = need_rank(op, c->out, 4))) return st;
  int32_t oh = c->out->dims[1], ow = c->out->dims[2];
  if ((st = need_dims4(op, c->out, 1, oh, ow, ch))) return st;
  const float *m = c->x[1];
  double mx[4] = {m[0], m[1], m[2], m[3]}, my[4] = {m[4], m[5], m[6], m[7]};
  if (op->custom.align_corners) {
    mx[3] += mx[0] * 0.5 + mx[1] * 0.5 - 0.5;
    my[3] += my[0] * 0.5 + my[1] * 0.5 - 0.5;
  }
  for (int32_t y = 0; y < oh; y++)
    for (int32_t x = 0; x < ow; x++) {
      double tx = mx[0] * x + mx[1] * y + mx[3];
      double ty = my[0] * x + my[1] * y + my[3];
      float *yp = c->y + ((size_t)y * ow + x) * ch;
      if (tx < 0 || tx > iw - 1 || ty < 0 || ty > ih - 1) {
        for (int32_t k = 0; k < ch; k++) yp[k] = 0;
        continue;
      }
      int32_t x0 = (int32_t)floor(tx), y0 = (int32_t)floor(ty);
      double fx = tx - x0, fy = ty - y0;
      for (int32_t k = 0; k < ch; k++) {
#define RD(yy, xx) \
  (((yy) >= ih || (xx) >= iw) ? 0.0 : (double)c->x[0][((size_t)(yy) * iw + (xx)) * ch + k])
        double top = (1 - fx) * RD(y0, x0) + fx * RD(y0, x0 + 1);
        double bot = (1 - fx) * RD(y0 + 1, x0) + fx * RD(y0 + 1, x0 + 1);
#undef RD
        yp[k] = (float)(fy * bot + (1 - fy) * top);
      }
    }
  return VP_OK;
}

/* MediaPipe TransformLandmarks
 * (mediapipe/util/tflite/operations/transform_landmarks.cc): each landmark
 * (x, y[, z]) becomes (M0 x + M1 y + s M3, M4 x + M5 y + s M7[, z]); version 1
 * has a `scale` s and a `dimensions` option, version 2 neither (s = 1, the
 * dimension is the input's last). */
static vp_status k_transform_landmarks(ctx *c) {
  const vp__op *op = c->op;
  const vp__tensor *in = c->in[0];
  if (!c->in[1] || count_of(c->in[1]) != 16) return OPERR(VP_ESHAPE, op, "needs a 4x4 matrix");
  if (!same_dims(in, c->out)) return OPERR(VP_ESHAPE, op, "output shape differs from input");
  int32_t dim = op->custom.dimensions > 0 ? op->custom.dimensions : in->dims[in->rank - 1];
  if (dim != 2 && dim != 3) return OPERR(VP_ESHAPE, op, "landmark dimension %d", dim);
  if (count_of(in) % (size_t)dim) return OPERR(VP_ESHAPE, op, "input is not %d-vectors", dim);
  double sc = (op->custom.version == 1 && op->custom.scale != 0) ? op->custom.scale : 1.0;
  const float *m = c->x[1];
  size_t n = count_of(in) / (size_t)dim;
  for (size_t i = 0; i < n; i++) {
    double x = c->x[0][i * dim], y = c->x[0][i * dim + 1];
    c->y[i * dim] = (float)(m[0] * x + m[1] * y + sc * m[3]);
    c->y[i * dim + 1] = (float)(m[4] * x + m[5] * y + sc * m[7]);
    if (dim == 3) c->y[i * dim + 2] = c->x[0][i * dim + 2];
  }
  return VP_OK;
}

/* IEEE 754 binary16 to float. */
static float half_to_float(uint16_t h) {
  int32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v;
  if (e == 0) v = ldexp(m, -24);                        /* subnormal */
  else if (e == 31) v = m ? NAN : INFINITY;
  else v = ldexp(m + 1024, e - 25);
  return (float)((h & 0x8000) ? -v : v);
}

/* DEQUANTIZE of a float16 constant (vp__graph_prepare normally folds these
 * away at load; handled here so the reference does not depend on it). */
static vp_status k_dequantize(ctx *c) {
  const vp__tensor *in = c->in[0];
  if (!in->data || in->dtype != VP_DTYPE_F16)
    return OPERR(VP_EUNSUPPORTED, c->op, "only float16 constants can be dequantized");
  size_t n = count_of(in);
  if (count_of(c->out) != n || in->size_bytes < 2 * n)
    return OPERR(VP_ESHAPE, c->op, "element counts differ");
  for (size_t i = 0; i < n; i++) {
    uint16_t h;
    memcpy(&h, (const uint8_t *)in->data + 2 * i, 2);
    c->y[i] = half_to_float(h);
  }
  return VP_OK;
}

static vp_status run_op(vp_ref *r, const vp__op *op) {
  ctx c = {.r = r, .op = op};
  for (int32_t k = 0; k < 4; k++) {
    int32_t t = in_idx(op, k);
    if (t >= 0) {
      c.in[k] = T(r, t);
      c.x[k] = r->buf[t];
    }
  }
  if (op->num_outputs != 1) return OPERR(VP_EUNSUPPORTED, op, "%d outputs", op->num_outputs);
  if (!c.in[0]) return OPERR(VP_EFORMAT, op, "missing input 0");
  c.out = T(r, op->outputs[0]);
  c.y = r->buf[op->outputs[0]];
  switch (op->code) {
    case VP_OP_CONV_2D: return k_conv2d(&c);
    case VP_OP_DEPTHWISE_CONV_2D: return k_depthwise(&c);
    case VP_OP_MAX_POOL_2D: return k_pool(&c, true);
    case VP_OP_AVERAGE_POOL_2D: return k_pool(&c, false);
    case VP_OP_ADD: return k_binary(&c, f_add);
    case VP_OP_SUB: return k_binary(&c, f_sub);
    case VP_OP_MUL: return k_binary(&c, f_mul);
    case VP_OP_DIV: return k_binary(&c, f_div);
    case VP_OP_MAXIMUM: return k_binary(&c, f_max);
    case VP_OP_MINIMUM: return k_binary(&c, f_min);
    case VP_OP_RELU: return k_unary(&c, u_relu);
    case VP_OP_RELU6: return k_unary(&c, u_relu6);
    case VP_OP_LOGISTIC: return k_unary(&c, u_logistic);
    case VP_OP_TANH: return k_unary(&c, u_tanh);
    case VP_OP_HARD_SWISH: return k_unary(&c, u_hard_swish);
    case VP_OP_PRELU: return k_prelu(&c);
    case VP_OP_RESHAPE:
    case VP_OP_SQUEEZE: return k_copy(&c);
    case VP_OP_PAD: return k_pad(&c);
    case VP_OP_CONCATENATION: return k_concat(&c);
    case VP_OP_RESIZE_BILINEAR: return k_resize_bilinear(&c);
    case VP_OP_DEPTH_TO_SPACE: return k_depth_to_space(&c);
    case VP_OP_MEAN: return k_mean(&c);
    case VP_OP_FULLY_CONNECTED: return k_fully_connected(&c);
    case VP_OP_STRIDED_SLICE: return k_strided_slice(&c);
    case VP_OP_TRANSPOSE: return k_transpose(&c);
    case VP_OP_DEQUANTIZE: return k_dequantize(&c);
    case VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS: return k_transpose_conv_bias(&c);
    case VP_OP_CUSTOM_LANDMARKS_TO_TRANSFORM_MATRIX: return k_landmarks_to_matrix(&c);
    case VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR: return k_transform_tensor_bilinear(&c);
    case VP_OP_CUSTOM_TRANSFORM_LANDMARKS: return k_transform_landmarks(&c);
    default: break;
  }
  return OPERR(VP_EUNSUPPORTED, op, "operator code %d is not implemented", (int)op->code);
}

/* Inputs whose values are parameters (read as int32 constants), not data. */
static bool is_param_input(const vp__op *op, int32_t k) {
  switch (op->code) {
    case VP_OP_DEQUANTIZE: return k == 0;
    case VP_OP_PAD:
    case VP_OP_MEAN:
    case VP_OP_TRANSPOSE:
    case VP_OP_RESHAPE:
    case VP_OP_RESIZE_BILINEAR: return k == 1;
    case VP_OP_STRIDED_SLICE: return k >= 1;
    default: return false;
  }
}

/* ---- interpreter -------------------------------------------------------- */

vp_status vp_ref_create(const vp__graph *g, vp_ref **out) {
  vp_ref *r = calloc(1, sizeof *r);
  if (!r) return vp__error(VP_ENOMEM, "reference interpreter: out of memory");
  r->g = g;
  r->buf = calloc((size_t)g->num_tensors + 1, sizeof *r->buf);
  r->persistent = calloc((size_t)g->num_tensors + 1, sizeof *r->persistent);
  r->last_use = malloc(((size_t)g->num_tensors + 1) * sizeof *r->last_use);
  if (!r->buf || !r->persistent || !r->last_use) goto oom;
  for (int32_t t = 0; t < g->num_tensors; t++) r->last_use[t] = -1;
  for (int32_t i = 0; i < g->num_ops; i++) {
    const vp__op *op = &g->ops[i];
    for (int32_t k = 0; k < op->num_inputs; k++) {
      int32_t t = op->inputs[k];
      if (t < -1 || t >= g->num_tensors) {
        vp_ref_destroy(r);
        return OPERR(VP_EFORMAT, op, "input %d names tensor %d of %d", k, t, g->num_tensors);
      }
      if (t < 0) continue;
      r->last_use[t] = i;
      const vp__tensor *tt = &g->tensors[t];
      if (tt->data && !is_param_input(op, k) && tt->dtype != VP_DTYPE_F32) {
        vp_ref_destroy(r);
        return OPERR(VP_EUNSUPPORTED, op, "constant '%s' has dtype %d, not float32", tt->name,
                     (int)tt->dtype);
      }
    }
    for (int32_t k = 0; k < op->num_outputs; k++) {
      int32_t t = op->outputs[k];
      if (t < 0 || t >= g->num_tensors || g->tensors[t].data ||
          g->tensors[t].dtype != VP_DTYPE_F32) {
        vp_ref_destroy(r);
        return OPERR(VP_EFORMAT, op, "output %d (tensor %d) is not a float32 activation", k, t);
      }
    }
  }
  for (int32_t t = 0; t < g->num_tensors; t++) {
    const vp__tensor *tt = &g->tensors[t];
    if (!tt->data || tt->dtype != VP_DTYPE_F32) continue;
    size_t n = count_of(tt);
    if (tt->size_bytes < n * sizeof(float)) {
      vp_ref_destroy(r);
      return vp__error(VP_EFORMAT, "reference interpreter: constant '%s' is truncated", tt->name);
    }
    r->buf[t] = malloc(n * sizeof(float) + 1);
    if (!r->buf[t]) goto oom;
    memcpy(r->buf[t], tt->data, n * sizeof(float));
    r->persistent[t] = true;
  }
  for (int32_t k = 0; k < g->num_inputs + g->num_outputs; k++) {
    int32_t t = k < g->num_inputs ? g->inputs[k] : g->outputs[k - g->num_inputs];
    if (t < 0 || t >= g->num_tensors) {
      vp_ref_destroy(r);
      return vp__error(VP_EFORMAT, "reference interpreter: graph I/O names tensor %d", t);
    }
    if (r->buf[t]) continue;
    r->buf[t] = calloc(count_of(&g->tensors[t]) + 1, sizeof(float));
    if (!r->buf[t]) goto oom;
    r->persistent[t] = true;
  }
  *out = r;
  return VP_OK;
oom:
  vp_ref_destroy(r);
  return vp__error(VP_ENOMEM, "reference interpreter: out of memory");
}

void vp_ref_destroy(vp_ref *r) {
  if (!r) return;
  if (r->buf)
    for (int32_t t = 0; t < r->g->num_tensors; t++) free(r->buf[t]);
  free(r->buf);
  free(r->persistent);
  free(r->last_use);
  free(r);
}

float *vp_ref_input(vp_ref *r, int32_t index) {
  if (index < 0 || index >= r->g->num_inputs) return NULL;
  return r->buf[r->g->inputs[index]];
}

const float *vp_ref_output(const vp_ref *r, int32_t index) {
  if (index < 0 || index >= r->g->num_outputs) return NULL;
  return r->buf[r->g->outputs[index]];
}

vp_status vp_ref_run(vp_ref *r) {
  const vp__graph *g = r->g;
  vp_status st = VP_OK;
  for (int32_t i = 0; i < g->num_ops && st == VP_OK; i++) {
    const vp__op *op = &g->ops[i];
    for (int32_t k = 0; k < op->num_inputs; k++) {
      int32_t t = op->inputs[k];
      if (t >= 0 && !r->buf[t] && !(g->tensors[t].data && is_param_input(op, k))) {
        st = OPERR(VP_EFORMAT, op, "input %d ('%s') is read before it is written", k,
                   g->tensors[t].name);
        break;
      }
    }
    if (st) break;
    int32_t o = op->outputs[0];
    if (op->num_outputs == 1 && !r->buf[o]) {
      r->buf[o] = malloc(count_of(&g->tensors[o]) * sizeof(float) + 1);
      if (!r->buf[o]) {
        st = vp__error(VP_ENOMEM, "reference interpreter: out of memory");
        break;
      }
    }
    st = run_op(r, op);
    /* Free activations nobody reads any more. */
    for (int32_t k = 0; k < op->num_inputs; k++) {
      int32_t t = op->inputs[k];
      if (t >= 0 && !r->persistent[t] && r->last_use[t] == i) {
        free(r->buf[t]);
        r->buf[t] = NULL;
      }
    }
    if (op->num_outputs == 1 && !r->persistent[o] && r->last_use[o] < i) {
      free(r->buf[o]);
      r->buf[o] = NULL;
    }
  }
  /* After a failure, drop whatever intermediate buffers are still held. */
  for (int32_t t = 0; t < g->num_tensors; t++)
    if (!r->persistent[t] && r->buf[t]) {
      free(r->buf[t]);
      r->buf[t] = NULL;
    }
  return st;
}
