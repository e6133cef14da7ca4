/* Plain-C kernels for the builtin operators this XNNPACK lacks (layer: model).
 *
 * They run between XNNPACK segments on the session's buffers: copies for a
 * CONCATENATION whose inputs could not be aliased, STRIDED_SLICE, MEAN over
 * other axes than H,W, TANH, a PReLU whose slope is not per-channel, and a
 * copying RESHAPE when aliasing is impossible (e.g. model input to output).
 * All of them move little data in MediaPipe's models; shapes are validated in
 * vp__kernel_for() at session creation so run time cannot go out of bounds.
 */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

/* Operator kernels in custom_ops.c. */
vp__kernel_fn vp__custom_kernel_for(const vp__graph *g, const vp__op *op, const char **why);

static const vp__tensor *kin(const vp__graph *g, const vp__op *op, int i) {
  if (i >= op->num_inputs || op->inputs[i] < 0) return NULL;
  return &g->tensors[op->inputs[i]];
}
static const vp__tensor *kout(const vp__graph *g, const vp__op *op, int i) {
  if (i >= op->num_outputs || op->outputs[i] < 0) return NULL;
  return &g->tensors[op->outputs[i]];
}

/* ---- CONCATENATION ----------------------------------------------------- */

static int32_t norm_axis(int32_t axis, int32_t rank) { return axis < 0 ? axis + rank : axis; }

static bool concat_ok(const vp__graph *g, const vp__op *op, const char **why) {
  const vp__tensor *o = kout(g, op, 0);
  if (!o || o->dtype != VP_DTYPE_F32) return (*why = "output is not float32"), false;
  int32_t axis = norm_axis(op->axis, o->rank);
  if (axis < 0 || axis >= o->rank) return (*why = "axis out of range"), false;
  int64_t sum = 0;
  for (int i = 0; i < op->num_inputs; i++) {
    const vp__tensor *t = kin(g, op, i);
    if (!t || t->dtype != VP_DTYPE_F32 || t->rank != o->rank) return (*why = "input rank/type differs"), false;
    for (int k = 0; k < o->rank; k++)
      if (k != axis && t->dims[k] != o->dims[k]) return (*why = "input shape differs off the axis"), false;
    sum += t->dims[axis];
  }
  if (sum != o->dims[axis]) return (*why = "input sizes do not add up to the output"), false;
  return true;
}

static vp_status k_concat(const vp__kernel_ctx *c) {
  const vp__graph *g = c->graph;
  const vp__op *op = c->op;
  const vp__tensor *o = kout(g, op, 0);
  int32_t axis = norm_axis(op->axis, o->rank);
  size_t outer = 1, inner_o = 1;
  for (int k = 0; k < axis; k++) outer *= (size_t)o->dims[k];
  for (int k = axis; k < o->rank; k++) inner_o *= (size_t)o->dims[k];
  float *dst = c->ptr[op->outputs[0]];
  size_t off = 0;
  for (int i = 0; i < op->num_inputs; i++) {
    const vp__tensor *t = kin(g, op, i);
    size_t inner = t->num_elements / (outer ? outer : 1);
    if (!c->copy_input || c->copy_input[i]) {
      const float *src = c->ptr[op->inputs[i]];
      for (size_t r = 0; r < outer; r++) memcpy(dst + r * inner_o + off, src + r * inner, inner * sizeof(float));
    }
    off += inner;
  }
  return VP_OK;
}

/* ---- RESHAPE / SQUEEZE as a copy -------------------------------------- */

static vp_status k_copy(const vp__kernel_ctx *c) {
  const vp__tensor *o = kout(c->graph, c->op, 0);
  if (c->ptr[c->op->outputs[0]] != c->ptr[c->op->inputs[0]])
    memmove(c->ptr[c->op->outputs[0]], c->ptr[c->op->inputs[0]], o->size_bytes);
  return VP_OK;
}

/* ---- element-wise ------------------------------------------------------ */

static vp_status k_tanh(const vp__kernel_ctx *c) {
  const vp__tensor *o = kout(c->graph, c->op, 0);
  const float *x = c->ptr[c->op->inputs[0]];
  float *y = c->ptr[c->op->outputs[0]];
  for (size_t i = 0; i < o->num_elements; i++) y[i] = tanhf(x[i]);
  return VP_OK;
}

/* Broadcast strides of @p t against a shape of rank @p rank (0 where t has 1). */
static void bcast_strides(const vp__tensor *t, int rank, const int32_t *dims, size_t *strides) {
  size_t s = 1;
  for (int i = rank - 1; i >= 0; i--) {
    int ti = t->rank - rank + i;
    int32_t d = ti >= 0 ? t->dims[ti] : 1;
    strides[i] = d == 1 && dims[i] != 1 ? 0 : s;
    s *= (size_t)d;
  }
}

static vp_status k_prelu(const vp__kernel_ctx *c) {
  const vp__tensor *o = kout(c->graph, c->op, 0), *sl = kin(c->graph, c->op, 1);
  const float *x = c->ptr[c->op->inputs[0]], *a = c->ptr[c->op->inputs[1]];
  float *y = c->ptr[c->op->outputs[0]];
  size_t st[VP_MAX_DIMS];
  int32_t idx[VP_MAX_DIMS] = {0};
  bcast_strides(sl, o->rank, o->dims, st);
  size_t ai = 0;
  for (size_t i = 0; i < o->num_elements; i++) {
    float v = x[i];
    y[i] = v >= 0.0f ? v : v * a[ai];
    for (int k = o->rank - 1; k >= 0; k--) { /* odometer */
      ai += st[k];
      if (++idx[k] < o->dims[k]) break;
      ai -= st[k] * (size_t)o->dims[k];
      idx[k] = 0;
    }
  }
  return VP_OK;
}

/* ---- MEAN over arbitrary axes ------------------------------------------ */

static bool mean_mask(const vp__graph *g, const vp__op *op, uint32_t *mask) {
  const vp__tensor *in = kin(g, op, 0), *ax = kin(g, op, 1);
  if (!in || !ax || !ax->data || ax->dtype != VP_DTYPE_I32) return false;
  *mask = 0;
  const int32_t *a = ax->data;
  for (size_t i = 0; i < ax->num_elements; i++) {
    int32_t v = a[i] < 0 ? a[i] + in->rank : a[i];
    if (v < 0 || v >= in->rank) return false;
    *mask |= 1u << v;
  }
  return true;
}

static vp_status k_mean(const vp__kernel_ctx *c) {
  const vp__tensor *in = kin(c->graph, c->op, 0), *o = kout(c->graph, c->op, 0);
  uint32_t mask = 0;
  mean_mask(c->graph, c->op, &mask);
  const float *x = c->ptr[c->op->inputs[0]];
  float *y = c->ptr[c->op->outputs[0]];
  /* Output strides over the input's dimensions (0 on reduced axes). */
  size_t ost[VP_MAX_DIMS], s = 1, count = 1;
  for (int k = in->rank - 1; k >= 0; k--) {
    if (mask & (1u << k)) {
      ost[k] = 0;
      count *= (size_t)in->dims[k];
    } else {
      ost[k] = s;
      s *= (size_t)in->dims[k];
    }
  }
  memset(y, 0, o->num_elements * sizeof(float));
  int32_t idx[VP_MAX_DIMS] = {0};
  size_t oi = 0;
  for (size_t i = 0; i < in->num_elements; i++) {
    y[oi] += x[i];
    for (int k = in->rank - 1; k >= 0; k--) {
      oi += ost[k];
      if (++idx[k] < in->dims[k]) break;
      oi -= ost[k] * (size_t)in->dims[k];
      idx[k] = 0;
    }
  }
  float inv = count ? 1.0f / (float)count : 0.0f;
  for (size_t i = 0; i < o->num_elements; i++) y[i] *= inv;
  return VP_OK;
}

/* ---- STRIDED_SLICE ----------------------------------------------------- */

typedef struct slice_plan {
  int rank;
  int32_t start[VP_MAX_DIMS], count[VP_MAX_DIMS], stride[VP_MAX_DIMS];
} slice_plan;

/* TFLite strided_slice semantics (begin/end masks, negative indices, shrink
 * axes; no ellipsis or new axes). */
static bool slice_compute(const vp__graph *g, const vp__op *op, slice_plan *p, const char **why) {
  const vp__tensor *in = kin(g, op, 0), *b = kin(g, op, 1), *e = kin(g, op, 2), *s = kin(g, op, 3);
  const vp__tensor *o = kout(g, op, 0);
  if (!in || !b || !e || !s || !o) return (*why = "missing input"), false;
  if (in->dtype != VP_DTYPE_F32 || o->dtype != VP_DTYPE_F32) return (*why = "not float32"), false;
  if (!b->data || !e->data || !s->data || b->dtype != VP_DTYPE_I32 || e->dtype != VP_DTYPE_I32 ||
      s->dtype != VP_DTYPE_I32)
    return (*why = "begin/end/strides are not constant int32"), false;
  if (op->ellipsis_mask || op->new_axis_mask) return (*why = "ellipsis or new-axis masks"), false;
  int r = in->rank;
  if (b->num_elements != (size_t)r || e->num_elements != (size_t)r || s->num_elements != (size_t)r)
    return (*why = "begin/end/strides length differs from the input rank"), false;
  const int32_t *bv = b->data, *ev = e->data, *sv = s->data;
  size_t total = 1;
  p->rank = r;
  for (int i = 0; i < r; i++) {
    int32_t dim = in->dims[i], st = sv[i];
    if (st == 0) return (*why = "zero stride"), false;
    int32_t lo, hi;
    if (op->begin_mask & (1 << i)) {
      lo = st > 0 ? 0 : dim - 1;
    } else {
      lo = bv[i] < 0 ? bv[i] + dim : bv[i];
      lo = st > 0 ? (lo < 0 ? 0 : lo > dim ? dim : lo) : (lo < -1 ? -1 : lo > dim - 1 ? dim - 1 : lo);
    }
    if (op->shrink_axis_mask & (1 << i)) {
      int32_t b0 = bv[i] < 0 ? bv[i] + dim : bv[i];
      if (b0 < 0 || b0 >= dim) return (*why = "shrunk index out of range"), false;
      lo = b0;
      hi = b0 + 1;
      st = 1;
    } else if (op->end_mask & (1 << i)) {
      hi = st > 0 ? dim : -1;
    } else {
      hi = ev[i] < 0 ? ev[i] + dim : ev[i];
      hi = st > 0 ? (hi < 0 ? 0 : hi > dim ? dim : hi) : (hi < -1 ? -1 : hi > dim - 1 ? dim - 1 : hi);
    }
    int32_t n = st > 0 ? (hi > lo ? (hi - lo + st - 1) / st : 0) : (lo > hi ? (lo - hi - st - 1) / -st : 0);
    p->start[i] = lo;
    p->count[i] = n;
    p->stride[i] = st;
    total *= (size_t)n;
  }
  if (total != o->num_elements) return (*why = "output size differs from the slice"), false;
  return true;
}

static vp_status k_strided_slice(const vp__kernel_ctx *c) {
  slice_plan p;
  const char *why = NULL;
  if (!slice_compute(c->graph, c->op, &p, &why))
    return vp__error(VP_ESHAPE, "operator %d (STRIDED_SLICE): %s", c->op->index, why);
  const vp__tensor *in = kin(c->graph, c->op, 0), *o = kout(c->graph, c->op, 0);
  const float *x = c->ptr[c->op->inputs[0]];
  float *y = c->ptr[c->op->outputs[0]];
  size_t ist[VP_MAX_DIMS], s = 1;
  for (int k = p.rank - 1; k >= 0; k--) {
    ist[k] = s;
    s *= (size_t)in->dims[k];
  }
  if (o->num_elements == 0) return VP_OK;
  int32_t idx[VP_MAX_DIMS] = {0};
  ptrdiff_t base = 0;
  for (int k = 0; k < p.rank; k++) base += (ptrdiff_t)p.start[k] * (ptrdiff_t)ist[k];
  ptrdiff_t xi = base;
  for (size_t i = 0; i < o->num_elements; i++) {
    y[i] = x[xi];
    for (int k = p.rank - 1; k >= 0; k--) {
      xi += (ptrdiff_t)p.stride[k] * (ptrdiff_t)ist[k];
      if (++idx[k] < p.count[k]) break;
      xi -= (ptrdiff_t)p.stride[k] * (ptrdiff_t)ist[k] * p.count[k];
      idx[k] = 0;
    }
  }
  return VP_OK;
}

/* ---- dispatch ---------------------------------------------------------- */

static bool all_f32_same(const vp__graph *g, const vp__op *op) {
  const vp__tensor *a = kin(g, op, 0), *o = kout(g, op, 0);
  return a && o && a->dtype == VP_DTYPE_F32 && o->dtype == VP_DTYPE_F32 && a->num_elements == o->num_elements;
}

vp__kernel_fn vp__kernel_for(const vp__graph *g, const vp__op *op, const char **why) {
  *why = "no C kernel for this operator";
  if (op->num_outputs != 1 || op->outputs[0] < 0) return (*why = "expects one output"), NULL;
  switch (op->code) {
    case VP_OP_CONCATENATION:
      return concat_ok(g, op, why) ? k_concat : NULL;
    case VP_OP_RESHAPE:
    case VP_OP_SQUEEZE:
      if (!all_f32_same(g, op)) return (*why = "element counts differ"), NULL;
      return k_copy;
    case VP_OP_TANH:
      if (!all_f32_same(g, op)) return (*why = "shapes differ"), NULL;
      return k_tanh;
    case VP_OP_PRELU: {
      const vp__tensor *a = kin(g, op, 0), *sl = kin(g, op, 1), *o = kout(g, op, 0);
      if (!all_f32_same(g, op) || !sl || sl->dtype != VP_DTYPE_F32 || sl->rank > o->rank)
        return (*why = "slope not broadcastable"), NULL;
      if (a->rank != o->rank) return (*why = "input/output ranks differ"), NULL;
      for (int i = 0; i < sl->rank; i++) {
        int32_t d = sl->dims[i], od = o->dims[o->rank - sl->rank + i];
        if (d != 1 && d != od) return (*why = "slope not broadcastable"), NULL;
      }
      return k_prelu;
    }
    case VP_OP_MEAN: {
      uint32_t mask;
      const vp__tensor *a = kin(g, op, 0), *o = kout(g, op, 0);
      if (!a || !o || a->dtype != VP_DTYPE_F32 || !mean_mask(g, op, &mask))
        return (*why = "axes are not constant int32 within the rank"), NULL;
      size_t n = 1;
      for (int k = 0; k < a->rank; k++)
        if (!(mask & (1u << k))) n *= (size_t)a->dims[k];
      if (n != o->num_elements) return (*why = "output size differs from the reduction"), NULL;
      return k_mean;
    }
    case VP_OP_STRIDED_SLICE: {
      slice_plan p;
      return slice_compute(g, op, &p, why) ? k_strided_slice : NULL;
    }
    default:
      return vp__custom_kernel_for(g, op, why);
  }
}
