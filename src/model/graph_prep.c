/* Load-time graph passes and validation (layer: model).
 *
 * 1. Structure: every operator input is a constant, a graph input or the
 *    output of an earlier operator; every tensor is produced at most once;
 *    graph inputs are float32 activations; graph outputs are produced.
 * 2. Folding: DENSIFY of a sparse constant and DEQUANTIZE of a float16
 *    constant are evaluated here, once: the op's output tensor becomes a
 *    constant (float32 after DEQUANTIZE) owned by the graph, and the op is
 *    removed, so consumers read the converted tensor directly.
 * 3. Shapes: every remaining operator's inputs and outputs are checked
 *    against each other wherever a backend would index with them (filter vs
 *    input channels, output sizes from padding/stride, broadcast, concat,
 *    pad amounts, slice bounds, custom-op landmark indices ...). Errors are
 *    VP_ESHAPE / VP_EFORMAT / VP_EUNSUPPORTED naming the operator index and
 *    kind and the tensor.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/graph.h"

/* Largest dense tensor DENSIFY may produce. */
#define VP_MAX_DENSIFIED_BYTES ((size_t)256 << 20)

#define TRY(expr)                 \
  do {                            \
    vp_status st_ = (expr);       \
    if (st_ != VP_OK) return st_; \
  } while (0)

/* ---- helpers ---------------------------------------------------------- */

static vp_status op_error(vp_status st, const vp__op *op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static vp_status op_error(vp_status st, const vp__op *op, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return vp__error(st, "operator %d (%s): %s", op->index, op->name, msg);
}

static const vp__tensor *input(const vp__graph *g, const vp__op *op, int32_t i) {
  if (i >= op->num_inputs || op->inputs[i] < 0) return NULL;
  return &g->tensors[op->inputs[i]];
}

static const vp__tensor *output(const vp__graph *g, const vp__op *op, int32_t i) {
  return i < op->num_outputs ? &g->tensors[op->outputs[i]] : NULL;
}

static void shape_str(const vp__tensor *t, char *buf, size_t size) {
  size_t n = (size_t)snprintf(buf, size, "[");
  for (int32_t i = 0; i < t->rank && n < size; i++)
    n += (size_t)snprintf(buf + n, size - n, i ? ",%d" : "%d", t->dims[i]);
  if (n < size) snprintf(buf + n, size - n, "]");
}

/* "tensor 12 'name' [1,2,3]" for messages. */
static const char *tdesc(const vp__graph *g, const vp__tensor *t, char *buf, size_t size) {
  char s[96];
  shape_str(t, s, sizeof s);
  snprintf(buf, size, "tensor %d '%s' %s", (int)(t - g->tensors), t->name, s);
  return buf;
}

/* float16 → float32, exact for every input (subnormals, infinities, NaN
 * payloads). Normal and non-finite values re-bias the exponent in the bit
 * pattern; subnormals (|h| < 2^-14) are m * 2^-24, computed exactly in
 * float without ever producing a float32 subnormal, so the result does not
 * depend on the FPU's denormal-flushing mode. */
float vp__half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t em = h & 0x7fffu;
  uint32_t bits;
  if (em < 0x400) {
    float f = (float)em * 0x1p-24f;
    memcpy(&bits, &f, sizeof bits);
  } else {
    bits = (em << 13) + (em >= 0x7c00 ? 224u << 23 : 112u << 23);
  }
  bits |= sign;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* ---- 1. structure ------------------------------------------------------ */

static vp_status check_structure(const vp__graph *g) {
  char d[256];
  /* producer[t]: -2 constant, -1 not yet produced, else producing op. */
  int32_t *producer = malloc((size_t)(g->num_tensors ? g->num_tensors : 1) * sizeof *producer);
  if (!producer) return vp__error(VP_ENOMEM, "out of memory");
  vp_status st = VP_OK;
  for (int32_t t = 0; t < g->num_tensors; t++)
    producer[t] = g->tensors[t].data || g->tensors[t].sparsity ? -2 : -1;
  for (int32_t i = 0; i < g->num_inputs && !st; i++) {
    const vp__tensor *t = &g->tensors[g->inputs[i]];
    if (producer[g->inputs[i]] == -2)
      st = vp__error(VP_EFORMAT, "graph input %d is constant %s", i, tdesc(g, t, d, sizeof d));
    else if (t->dtype != VP_DTYPE_F32)
      st = vp__error(VP_EUNSUPPORTED, "graph input %d %s has type %s; only float32 inputs are "
                     "supported", i, tdesc(g, t, d, sizeof d), vp_dtype_name(t->dtype));
    else if (t->num_elements == 0)
      st = vp__error(VP_ESHAPE, "graph input %d %s is empty", i, tdesc(g, t, d, sizeof d));
    else
      producer[g->inputs[i]] = INT32_MAX; /* available from the start */
  }
  for (int32_t o = 0; o < g->num_ops && !st; o++) {
    const vp__op *op = &g->ops[o];
    for (int32_t k = 0; k < op->num_inputs && !st; k++) {
      int32_t t = op->inputs[k];
      if (t >= 0 && producer[t] == -1)
        st = op_error(VP_EFORMAT, op, "input %d is %s, which no earlier operator produces", k,
                      tdesc(g, &g->tensors[t], d, sizeof d));
    }
    for (int32_t k = 0; k < op->num_outputs && !st; k++) {
      int32_t t = op->outputs[k];
      if (producer[t] == -2)
        st = op_error(VP_EFORMAT, op, "output %d is the constant %s", k,
                      tdesc(g, &g->tensors[t], d, sizeof d));
      else if (producer[t] != -1)
        st = op_error(VP_EFORMAT, op, "output %d %s is already produced elsewhere", k,
                      tdesc(g, &g->tensors[t], d, sizeof d));
      else
        producer[t] = o;
    }
  }
  for (int32_t i = 0; i < g->num_outputs && !st; i++) {
    int32_t t = g->outputs[i];
    if (producer[t] < 0 || producer[t] == INT32_MAX)
      st = vp__error(VP_EFORMAT, "graph output %d %s is not computed by any operator", i,
                     tdesc(g, &g->tensors[t], d, sizeof d));
    else if (g->tensors[t].dtype != VP_DTYPE_F32)
      st = vp__error(VP_EUNSUPPORTED, "graph output %d %s has type %s; only float32 outputs are "
                     "supported", i, tdesc(g, &g->tensors[t], d, sizeof d),
                     vp_dtype_name(g->tensors[t].dtype));
  }
  free(producer);
  return st;
}

/* ---- 2. folding: DENSIFY ------------------------------------------------ */

typedef struct densify_ctx {
  const vp__op *op;
  const vp__sparsity *s;
  int32_t rank;            /* n */
  int32_t dense_dims[VP_MAX_DIMS];
  int32_t expanded[VP_MAX_SPARSE_DIMS]; /* size of each of the n + k dims */
  int32_t block_of[VP_MAX_DIMS];        /* block dim index (n+m) of a dense dim, or -1 */
  int32_t coord[VP_MAX_SPARSE_DIMS];
  size_t elem;             /* bytes per value */
  uint8_t *dense;
  size_t dense_count;
} densify_ctx;

static uint32_t index_at(const vp__index_vec *v, size_t i) {
  const uint8_t *p = v->data + i * (size_t)v->elem_size;
  switch (v->elem_size) {
    case 1: return p[0];
    case 2: return (uint32_t)p[0] | (uint32_t)p[1] << 8;
    default: return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                    (uint32_t)p[3] << 24;
  }
}

/* Row-major index in the dense tensor of the current coordinates. */
static size_t dense_index(const densify_ctx *c) {
  size_t idx = 0;
  for (int32_t i = 0; i < c->rank; i++) {
    size_t ci = (size_t)c->coord[i];
    if (c->block_of[i] >= 0) {
      int32_t b = c->block_of[i];
      ci = ci * (size_t)c->expanded[b] + (size_t)c->coord[b];
    }
    idx = idx * (size_t)c->dense_dims[i] + ci;
  }
  return idx;
}

static void copy_value(densify_ctx *c, size_t idx, size_t pos) {
  const uint8_t *src = (const uint8_t *)c->s->values + pos * c->elem;
  uint8_t *dst = c->dense + idx * c->elem;
  if (c->elem == 2) {
    dst[0] = src[0];
    dst[1] = src[1];
  } else {
    memcpy(dst, src, c->elem);
  }
}

static vp_status densify_walk(densify_ctx *c, int32_t level, size_t pos) {
  const vp__sparsity *s = c->s;
  if (level == s->num_dims) {
    if (pos >= s->num_values)
      return op_error(VP_EFORMAT, c->op, "sparse value index %zu out of %zu stored values", pos,
                      s->num_values);
    copy_value(c, dense_index(c), pos);
    return VP_OK;
  }
  int32_t dim = s->traversal_order[level];
  const vp__sparse_dim *md = &s->dims[level];
  if (level == s->num_dims - 1 && dim < c->rank && c->block_of[dim] < 0) {
    /* Innermost level over a plain dense dim: the dense index is linear in
     * this coordinate, so compute the row's base once. */
    c->coord[dim] = 0;
    size_t base = dense_index(c), stride = 1;
    for (int32_t i = dim + 1; i < c->rank; i++) stride *= (size_t)c->dense_dims[i];
    if (md->format == 0) {
      size_t size = (size_t)md->dense_size;
      if (size && pos > (s->num_values - 1) / size)
        return op_error(VP_EFORMAT, c->op, "sparse value index %zu out of %zu stored values",
                        pos * size, s->num_values);
      for (size_t i = 0; i < size; i++) {
        if (pos * size + i >= s->num_values)
          return op_error(VP_EFORMAT, c->op, "sparse value index %zu out of %zu stored values",
                          pos * size + i, s->num_values);
        copy_value(c, base + i * stride, pos * size + i);
      }
      return VP_OK;
    }
    if (pos + 1 >= md->segments.len)
      return op_error(VP_EFORMAT, c->op, "sparse dimension %d: segment %zu out of %u", level, pos,
                      md->segments.len);
    uint32_t a = index_at(&md->segments, pos), b = index_at(&md->segments, pos + 1);
    for (uint32_t j = a; j < b; j++) {
      uint32_t ix = index_at(&md->indices, j);
      if (ix >= (uint32_t)c->expanded[dim])
        return op_error(VP_EFORMAT, c->op, "sparse dimension %d: index %u at %u exceeds size %d",
                        level, ix, j, c->expanded[dim]);
      if (j >= s->num_values)
        return op_error(VP_EFORMAT, c->op, "sparse value index %u out of %zu stored values", j,
                        s->num_values);
      copy_value(c, base + ix * stride, j);
    }
    return VP_OK;
  }
  if (md->format == 0) {
    size_t size = (size_t)md->dense_size;
    for (size_t i = 0; i < size; i++) {
      c->coord[dim] = (int32_t)i;
      TRY(densify_walk(c, level + 1, pos * size + i));
    }
    return VP_OK;
  }
  if (pos + 1 >= md->segments.len)
    return op_error(VP_EFORMAT, c->op, "sparse dimension %d: segment %zu out of %u", level, pos,
                    md->segments.len);
  uint32_t a = index_at(&md->segments, pos), b = index_at(&md->segments, pos + 1);
  /* Segments were checked non-decreasing and within the indices. */
  for (uint32_t j = a; j < b; j++) {
    uint32_t ix = index_at(&md->indices, j);
    if (ix >= (uint32_t)c->expanded[dim])
      return op_error(VP_EFORMAT, c->op, "sparse dimension %d: index %u at %u exceeds size %d",
                      level, ix, j, c->expanded[dim]);
    c->coord[dim] = (int32_t)ix;
    TRY(densify_walk(c, level + 1, j));
  }
  return VP_OK;
}

static vp_status fold_densify(vp__graph *g, vp__op *op) {
  char d[256];
  if (op->num_inputs != 1 || op->num_outputs != 1)
    return op_error(VP_EFORMAT, op, "expects 1 input and 1 output, has %d and %d",
                    op->num_inputs, op->num_outputs);
  const vp__tensor *in = input(g, op, 0);
  vp__tensor *out = &g->tensors[op->outputs[0]];
  if (!in || !in->sparsity)
    return op_error(VP_EUNSUPPORTED, op, "input is not a sparse constant");
  const vp__sparsity *s = in->sparsity;
  if (in->dtype != out->dtype || in->rank != out->rank ||
      memcmp(in->dims, out->dims, sizeof(int32_t) * (size_t)in->rank))
    return op_error(VP_ESHAPE, op, "output %s does not match the sparse input's dense shape",
                    tdesc(g, out, d, sizeof d));
  densify_ctx c = {.op = op, .s = s, .rank = in->rank, .elem = vp__dtype_size(in->dtype)};
  int32_t n = in->rank, k = s->num_blocks;
  if (n < 1 || s->num_dims != n + k)
    return op_error(VP_EFORMAT, op, "sparsity has %d dims for a rank-%d tensor with %d blocks",
                    s->num_dims, n, k);
  memcpy(c.dense_dims, in->dims, sizeof(int32_t) * (size_t)n);
  /* Traversal order: a permutation of the n dense dims, then of the k block dims. */
  uint32_t seen = 0;
  for (int32_t l = 0; l < n + k; l++) {
    int32_t t = s->traversal_order[l];
    bool ok = l < n ? (t >= 0 && t < n) : (t >= n && t < n + k);
    if (!ok || (seen >> t & 1))
      return op_error(VP_EFORMAT, op, "sparsity traversal order is not a valid permutation "
                      "(position %d is %d)", l, t);
    seen |= 1u << t;
  }
  for (int32_t i = 0; i < n; i++) {
    c.block_of[i] = -1;
    c.expanded[i] = in->dims[i];
  }
  for (int32_t m = 0; m < k; m++) {
    int32_t t = s->block_map[m];
    if (t < 0 || t >= n || c.block_of[t] >= 0)
      return op_error(VP_EFORMAT, op, "sparsity block map entry %d is %d", m, t);
    int32_t lvl = 0;
    while (s->traversal_order[lvl] != n + m) lvl++;
    int32_t bs = s->dims[lvl].dense_size;
    if (s->dims[lvl].format != 0 || bs < 1 || in->dims[t] % bs)
      return op_error(VP_EFORMAT, op, "sparsity block %d of size %d does not divide dim %d (%d)",
                      m, bs, t, in->dims[t]);
    c.block_of[t] = n + m;
    c.expanded[n + m] = bs;
    c.expanded[t] = in->dims[t] / bs;
  }
  for (int32_t l = 0; l < n + k; l++) {
    const vp__sparse_dim *md = &s->dims[l];
    int32_t dim = s->traversal_order[l];
    if (md->format == 0) {
      if (md->dense_size != c.expanded[dim])
        return op_error(VP_EFORMAT, op, "sparse dimension %d: dense size %d, expected %d", l,
                        md->dense_size, c.expanded[dim]);
    } else {
      /* Segments: non-decreasing, within the indices vector. */
      uint32_t prev = 0;
      for (uint32_t i = 0; i < md->segments.len; i++) {
        uint32_t v = index_at(&md->segments, i);
        if (v < prev || v > md->indices.len)
          return op_error(VP_EFORMAT, op, "sparse dimension %d: segment %u = %u is out of order "
                          "or past %u indices", l, i, v, md->indices.len);
        prev = v;
      }
    }
  }
  /* A sparse tensor is a compression bomb waiting to happen: its dense
   * size is declared, not stored. Real models densify a few KB. */
  if (in->size_bytes > VP_MAX_DENSIFIED_BYTES)
    return op_error(VP_EUNSUPPORTED, op, "densifying %s would take %zu bytes (limit %zu)",
                    tdesc(g, in, d, sizeof d), in->size_bytes, (size_t)VP_MAX_DENSIFIED_BYTES);
  c.dense_count = in->num_elements;
  c.dense = vp__graph_own(g, calloc(c.dense_count ? c.dense_count : 1, c.elem));
  if (!c.dense) return vp__error(VP_ENOMEM, "out of memory densifying operator %d", op->index);
  TRY(densify_walk(&c, 0, 0));
  out->data = c.dense;
  return VP_OK;
}

/* ---- 2. folding: DEQUANTIZE --------------------------------------------- */

static vp_status fold_dequantize(vp__graph *g, vp__op *op) {
  char d[256];
  if (op->num_inputs != 1 || op->num_outputs != 1)
    return op_error(VP_EFORMAT, op, "expects 1 input and 1 output, has %d and %d",
                    op->num_inputs, op->num_outputs);
  const vp__tensor *in = input(g, op, 0);
  vp__tensor *out = &g->tensors[op->outputs[0]];
  if (!in || !in->data)
    return op_error(VP_EUNSUPPORTED, op, "only DEQUANTIZE of constants is supported (input %s)",
                    in ? tdesc(g, in, d, sizeof d) : "absent");
  if (in->dtype != VP_DTYPE_F16 && in->dtype != VP_DTYPE_F32)
    return op_error(VP_EUNSUPPORTED, op, "DEQUANTIZE of %s constants is not supported",
                    vp_dtype_name(in->dtype));
  if (out->dtype != VP_DTYPE_F32 || out->num_elements != in->num_elements)
    return op_error(VP_ESHAPE, op, "output %s (%s) does not match input %s",
                    tdesc(g, out, d, sizeof d), vp_dtype_name(out->dtype), in->name);
  float *f = vp__graph_own(g, malloc((out->num_elements ? out->num_elements : 1) * sizeof *f));
  if (!f) return vp__error(VP_ENOMEM, "out of memory dequantizing operator %d", op->index);
  const uint8_t *src = in->data;
  if (in->dtype == VP_DTYPE_F16) {
    for (size_t i = 0; i < in->num_elements; i++)
      f[i] = vp__half_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
  } else {
    memcpy(f, src, in->num_elements * sizeof *f);
  }
  out->data = f;
  return VP_OK;
}

/* ---- 3. shapes ------------------------------------------------------------ */

typedef struct vctx {
  const vp__graph *g;
  const vp__op *op;
  char d[256];
} vctx;

#define SHAPE_ERR(c, ...) op_error(VP_ESHAPE, (c)->op, __VA_ARGS__)

static const char *D(vctx *c, const vp__tensor *t) { return tdesc(c->g, t, c->d, sizeof c->d); }

static vp_status need_io(vctx *c, int32_t min_in, int32_t max_in, int32_t outs) {
  const vp__op *op = c->op;
  if (op->num_inputs < min_in || op->num_inputs > max_in || op->num_outputs != outs)
    return op_error(VP_EFORMAT, op, "has %d inputs and %d outputs, expected %d..%d and %d",
                    op->num_inputs, op->num_outputs, min_in, max_in, outs);
  for (int32_t i = 0; i < min_in; i++)
    if (op->inputs[i] < 0) return op_error(VP_EFORMAT, op, "required input %d is absent", i);
  return VP_OK;
}

/* Input @p i must exist, be float32 and have rank @p rank (-1: any). */
static vp_status need_f32(vctx *c, const vp__tensor *t, const char *what, int32_t rank) {
  if (!t) return op_error(VP_EFORMAT, c->op, "%s is absent", what);
  if (t->dtype != VP_DTYPE_F32)
    return op_error(VP_EUNSUPPORTED, c->op, "%s %s has type %s, expected float32", what, D(c, t),
                    vp_dtype_name(t->dtype));
  if (rank >= 0 && t->rank != rank)
    return SHAPE_ERR(c, "%s %s must have rank %d", what, D(c, t), rank);
  return VP_OK;
}

static vp_status need_const_f32(vctx *c, const vp__tensor *t, const char *what, int32_t rank) {
  TRY(need_f32(c, t, what, rank));
  if (!t->data)
    return op_error(VP_EUNSUPPORTED, c->op, "%s %s must be a constant", what, D(c, t));
  return VP_OK;
}

/* Constant int32 vector parameter (shape, axes, paddings ...). */
static vp_status need_const_i32(vctx *c, const vp__tensor *t, const char *what, size_t count) {
  if (!t) return op_error(VP_EFORMAT, c->op, "%s is absent", what);
  if (!t->data || t->dtype != VP_DTYPE_I32)
    return op_error(VP_EUNSUPPORTED, c->op, "%s %s must be a constant int32 tensor", what, D(c, t));
  if (count != (size_t)-1 && t->num_elements != count)
    return SHAPE_ERR(c, "%s %s must have %zu elements", what, D(c, t), count);
  return VP_OK;
}

static int32_t i32_at(const vp__tensor *t, size_t i) {
  int32_t v;
  memcpy(&v, (const uint8_t *)t->data + 4 * i, sizeof v);
  return v;
}

static bool same_dims(const vp__tensor *a, const vp__tensor *b) {
  return a->rank == b->rank && !memcmp(a->dims, b->dims, sizeof(int32_t) * (size_t)a->rank);
}

/* Output size of a convolution/pooling window (TFLite's padding rules). */
static int64_t window_out(int64_t in, int64_t k, int64_t stride, int64_t dil, vp__padding pad) {
  int64_t ek = (k - 1) * dil + 1;
  if (pad == VP_PAD_SAME) return (in + stride - 1) / stride;
  return in >= ek ? (in - ek + stride) / stride : 0;
}

static vp_status check_window(vctx *c, const vp__tensor *x, const vp__tensor *y, int32_t kh,
                              int32_t kw) {
  const vp__op *op = c->op;
  int64_t oh = window_out(x->dims[1], kh, op->stride_h, op->dilation_h, op->padding);
  int64_t ow = window_out(x->dims[2], kw, op->stride_w, op->dilation_w, op->padding);
  if (kh < 1 || kw < 1 || oh < 1 || ow < 1 || y->dims[1] != oh || y->dims[2] != ow ||
      y->dims[0] != x->dims[0])
    return SHAPE_ERR(c, "output %s does not match input [%d,%d,%d,%d] with a %dx%d window, stride "
                     "%dx%d, dilation %dx%d, %s padding (expected %lldx%lld)", D(c, y),
                     x->dims[0], x->dims[1], x->dims[2], x->dims[3], kh, kw, op->stride_h,
                     op->stride_w, op->dilation_h, op->dilation_w,
                     op->padding == VP_PAD_SAME ? "SAME" : "VALID", (long long)oh, (long long)ow);
  return VP_OK;
}

static vp_status check_bias(vctx *c, const vp__tensor *b, int32_t channels) {
  if (!b) return VP_OK;
  TRY(need_const_f32(c, b, "bias", -1));
  if (b->num_elements != (size_t)channels)
    return SHAPE_ERR(c, "bias %s must have %d elements", D(c, b), channels);
  return VP_OK;
}

/* NumPy-style broadcast of @p a and @p b must give exactly @p y. */
static vp_status check_broadcast(vctx *c, const vp__tensor *a, const vp__tensor *b,
                                 const vp__tensor *y) {
  int32_t r = a->rank > b->rank ? a->rank : b->rank;
  if (y->rank != r) goto bad;
  for (int32_t i = 0; i < r; i++) {
    int32_t da = i < r - a->rank ? 1 : a->dims[i - (r - a->rank)];
    int32_t db = i < r - b->rank ? 1 : b->dims[i - (r - b->rank)];
    int32_t dy = y->dims[i];
    if ((da != dy && da != 1) || (db != dy && db != 1) || (da != dy && db != dy)) goto bad;
  }
  return VP_OK;
bad:;
  char s1[96], s2[96];
  shape_str(a, s1, sizeof s1);
  shape_str(b, s2, sizeof s2);
  return SHAPE_ERR(c, "inputs %s and %s do not broadcast to output %s", s1, s2, D(c, y));
}

static vp_status check_strided_slice(vctx *c, const vp__tensor *x, const vp__tensor *y) {
  const vp__op *op = c->op;
  const vp__tensor *tb = input(c->g, op, 1), *te = input(c->g, op, 2), *ts = input(c->g, op, 3);
  size_t r = (size_t)x->rank;
  TRY(need_const_i32(c, tb, "begin", r));
  TRY(need_const_i32(c, te, "end", r));
  TRY(need_const_i32(c, ts, "strides", r));
  if (op->ellipsis_mask || op->new_axis_mask)
    return op_error(VP_EUNSUPPORTED, op, "ellipsis/new-axis masks are not supported");
  int32_t out[VP_MAX_DIMS], nout = 0;
  for (int32_t i = 0; i < x->rank; i++) {
    int64_t dim = x->dims[i], s = i32_at(ts, (size_t)i);
    int64_t b = i32_at(tb, (size_t)i), e = i32_at(te, (size_t)i);
    if (s == 0) return SHAPE_ERR(c, "stride %d is zero", i);
    bool shrink = op->shrink_axis_mask >> i & 1;
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    if (op->begin_mask >> i & 1) b = s > 0 ? 0 : dim - 1;
    if (op->end_mask >> i & 1) e = s > 0 ? dim : -1;
    if (s > 0) {
      b = b < 0 ? 0 : b > dim ? dim : b;
      e = e < 0 ? 0 : e > dim ? dim : e;
    } else {
      b = b < -1 ? -1 : b > dim - 1 ? dim - 1 : b;
      e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
    }
    int64_t n;
    if (shrink) {
      int64_t b0 = i32_at(tb, (size_t)i);
      if (b0 < 0) b0 += dim;
      if (b0 < 0 || b0 >= dim) return SHAPE_ERR(c, "shrink index %d out of dim %d", i, (int)dim);
      continue;
    }
    n = s > 0 ? (e > b ? (e - b + s - 1) / s : 0) : (b > e ? (b - e - s - 1) / -s : 0);
    out[nout++] = (int32_t)n;
  }
  if (y->rank != nout) return SHAPE_ERR(c, "output %s has the wrong rank", D(c, y));
  for (int32_t i = 0; i < nout; i++)
    if (y->dims[i] != out[i])
      return SHAPE_ERR(c, "output %s: dim %d should be %d", D(c, y), i, out[i]);
  return VP_OK;
}

static vp_status check_op(const vp__graph *g, vp__op *op) {
  vctx cx = {.g = g, .op = op}, *c = &cx;
  const vp__tensor *x = input(g, op, 0), *w = input(g, op, 1), *y = output(g, op, 0);
  /* No operator of these networks takes or makes an empty tensor; a zero
   * dimension would only lead kernels into divisions by zero. */
  for (int32_t k = 0; k < op->num_inputs + op->num_outputs; k++) {
    const vp__tensor *t = k < op->num_inputs ? input(g, op, k) : output(g, op, k - op->num_inputs);
    if (t && t->num_elements == 0)
      return SHAPE_ERR(c, "%s %d %s is empty", k < op->num_inputs ? "input" : "output",
                       k < op->num_inputs ? k : k - op->num_inputs, D(c, t));
  }
  switch (op->code) {
    case VP_OP_CONV_2D: {
      TRY(need_io(c, 2, 3, 1));
      TRY(need_f32(c, x, "input", 4));
      TRY(need_const_f32(c, w, "filter", 4));
      TRY(need_f32(c, y, "output", 4));
      if (w->dims[3] != x->dims[3] || w->dims[0] < 1)
        return SHAPE_ERR(c, "filter %s does not match the input's %d channels", D(c, w),
                         x->dims[3]);
      if (y->dims[3] != w->dims[0])
        return SHAPE_ERR(c, "output %s must have %d channels", D(c, y), w->dims[0]);
      TRY(check_bias(c, input(g, op, 2), w->dims[0]));
      return check_window(c, x, y, w->dims[1], w->dims[2]);
    }
    case VP_OP_DEPTHWISE_CONV_2D: {
      TRY(need_io(c, 2, 3, 1));
      TRY(need_f32(c, x, "input", 4));
      TRY(need_const_f32(c, w, "filter", 4));
      TRY(need_f32(c, y, "output", 4));
      if (w->dims[0] != 1 || x->dims[3] < 1 || w->dims[3] % x->dims[3] || y->dims[3] != w->dims[3])
        return SHAPE_ERR(c, "filter %s does not fit input channels %d / output %s", D(c, w),
                         x->dims[3], y->name);
      TRY(check_bias(c, input(g, op, 2), w->dims[3]));
      return check_window(c, x, y, w->dims[1], w->dims[2]);
    }
    case VP_OP_AVERAGE_POOL_2D:
    case VP_OP_MAX_POOL_2D:
      TRY(need_io(c, 1, 1, 1));
      TRY(need_f32(c, x, "input", 4));
      TRY(need_f32(c, y, "output", 4));
      if (y->dims[3] != x->dims[3])
        return SHAPE_ERR(c, "output %s must keep the input's %d channels", D(c, y), x->dims[3]);
      return check_window(c, x, y, op->filter_h, op->filter_w);
    case VP_OP_FULLY_CONNECTED: {
      TRY(need_io(c, 2, 3, 1));
      TRY(need_f32(c, x, "input", -1));
      TRY(need_const_f32(c, w, "weights", 2));
      TRY(need_f32(c, y, "output", -1));
      int32_t units = w->dims[0], in = w->dims[1];
      if (in < 1 || x->num_elements % (size_t)in)
        return SHAPE_ERR(c, "input %s is not a whole number of %d-feature rows", D(c, x), in);
      size_t rows = x->num_elements / (size_t)in;
      if (y->rank < 1 || y->dims[y->rank - 1] != units || y->num_elements != rows * (size_t)units)
        return SHAPE_ERR(c, "output %s must hold %zu rows of %d units", D(c, y), rows, units);
      return check_bias(c, input(g, op, 2), units);
    }
    case VP_OP_ADD: case VP_OP_MUL: case VP_OP_SUB: case VP_OP_DIV:
    case VP_OP_MAXIMUM: case VP_OP_MINIMUM:
      TRY(need_io(c, 2, 2, 1));
      TRY(need_f32(c, x, "input 0", -1));
      TRY(need_f32(c, w, "input 1", -1));
      TRY(need_f32(c, y, "output", -1));
      return check_broadcast(c, x, w, y);
    case VP_OP_PRELU:
      TRY(need_io(c, 2, 2, 1));
      TRY(need_f32(c, x, "input", -1));
      TRY(need_f32(c, w, "alpha", -1));
      TRY(need_f32(c, y, "output", -1));
      if (!same_dims(x, y)) return SHAPE_ERR(c, "output %s must match the input", D(c, y));
      return check_broadcast(c, x, w, y);
    case VP_OP_RELU: case VP_OP_RELU6: case VP_OP_LOGISTIC: case VP_OP_TANH:
    case VP_OP_HARD_SWISH:
      TRY(need_io(c, 1, 1, 1));
      TRY(need_f32(c, x, "input", -1));
      TRY(need_f32(c, y, "output", -1));
      if (!same_dims(x, y)) return SHAPE_ERR(c, "output %s must match the input", D(c, y));
      return VP_OK;
    case VP_OP_RESHAPE: case VP_OP_SQUEEZE:
      TRY(need_io(c, 1, 2, 1));
      TRY(need_f32(c, x, "input", -1));
      TRY(need_f32(c, y, "output", -1));
      if (x->num_elements != y->num_elements)
        return SHAPE_ERR(c, "output %s must have the input's %zu elements", D(c, y),
                         x->num_elements);
      return VP_OK;
    case VP_OP_PAD: {
      TRY(need_io(c, 2, 2, 1));
      TRY(need_f32(c, x, "input", -1));
      TRY(need_f32(c, y, "output", x->rank));
      TRY(need_const_i32(c, w, "paddings", 2 * (size_t)x->rank));
      for (int32_t i = 0; i < x->rank; i++) {
        int64_t lo = i32_at(w, 2 * (size_t)i), hi = i32_at(w, 2 * (size_t)i + 1);
        if (lo < 0 || hi < 0 || y->dims[i] != x->dims[i] + lo + hi)
          return SHAPE_ERR(c, "paddings (%lld,%lld) of dim %d do not give output %s",
                           (long long)lo, (long long)hi, i, D(c, y));
      }
      return VP_OK;
    }
    case VP_OP_RESIZE_BILINEAR:
      TRY(need_io(c, 2, 2, 1));
      TRY(need_f32(c, x, "input", 4));
      TRY(need_f32(c, y, "output", 4));
      TRY(need_const_i32(c, w, "size", 2));
      if (y->dims[0] != x->dims[0] || y->dims[3] != x->dims[3] || y->dims[1] != i32_at(w, 0) ||
          y->dims[2] != i32_at(w, 1) || y->dims[1] < 1 || y->dims[2] < 1)
        return SHAPE_ERR(c, "output %s does not match size %dx%d of input %s", y->name,
                         i32_at(w, 0), i32_at(w, 1), D(c, x));
      if (op->align_corners && op->half_pixel_centers)
        return op_error(VP_EFORMAT, op, "align_corners and half_pixel_centers are exclusive");
      return VP_OK;
    case VP_OP_CONCATENATION: {
      TRY(need_io(c, 1, 64, 1));
      TRY(need_f32(c, y, "output", -1));
      int32_t axis = op->axis < 0 ? op->axis + y->rank : op->axis;
      if (axis < 0 || axis >= y->rank) return SHAPE_ERR(c, "axis %d out of rank %d", op->axis, y->rank);
      op->axis = axis; /* normalised once here for every backend */
      int64_t sum = 0;
      for (int32_t k = 0; k < op->num_inputs; k++) {
        const vp__tensor *t = input(g, op, k);
        TRY(need_f32(c, t, "input", y->rank));
        for (int32_t i = 0; i < y->rank; i++)
          if (i != axis && t->dims[i] != y->dims[i])
            return SHAPE_ERR(c, "input %d %s does not match output %s off the axis", k, t->name,
                             D(c, y));
        sum += t->dims[axis];
      }
      if (sum != y->dims[axis])
        return SHAPE_ERR(c, "inputs sum to %lld along axis %d, output %s", (long long)sum, axis,
                         D(c, y));
      return VP_OK;
    }
    case VP_OP_DEPTH_TO_SPACE: {
      TRY(need_io(c, 1, 1, 1));
      TRY(need_f32(c, x, "input", 4));
      TRY(need_f32(c, y, "output", 4));
      int64_t b = op->block_size;
      if (b < 1 || x->dims[3] % (b * b) || y->dims[0] != x->dims[0] ||
          y->dims[1] != x->dims[1] * b || y->dims[2] != x->dims[2] * b ||
          y->dims[3] != x->dims[3] / (b * b))
        return SHAPE_ERR(c, "block size %d does not turn input %s into output %s",
                         op->block_size, x->name, D(c, y));
      return VP_OK;
    }
    case VP_OP_MEAN: {
      TRY(need_io(c, 2, 2, 1));
      TRY(need_f32(c, x, "input", -1));
      TRY(need_f32(c, y, "output", -1));
      TRY(need_const_i32(c, w, "axes", (size_t)-1));
      uint32_t mask = 0;
      size_t reduced = 1;
      for (size_t i = 0; i < w->num_elements; i++) {
        int32_t a = i32_at(w, i);
        if (a < 0) a += x->rank;
        if (a < 0 || a >= x->rank) return SHAPE_ERR(c, "axis %d out of rank %d", i32_at(w, i), x->rank);
        if (!(mask >> a & 1)) reduced *= (size_t)x->dims[a];
        mask |= 1u << a;
      }
      if (reduced == 0 || y->num_elements * reduced != x->num_elements)
        return SHAPE_ERR(c, "output %s does not match input %s reduced over the axes", D(c, y),
                         x->name);
      return VP_OK;
    }
    case VP_OP_STRIDED_SLICE:
      TRY(need_io(c, 4, 4, 1));
      TRY(need_f32(c, x, "input", -1));
      TRY(need_f32(c, y, "output", -1));
      return check_strided_slice(c, x, y);
    case VP_OP_TRANSPOSE: {
      TRY(need_io(c, 2, 2, 1));
      TRY(need_f32(c, x, "input", -1));
      TRY(need_f32(c, y, "output", x->rank));
      TRY(need_const_i32(c, w, "permutation", (size_t)x->rank));
      uint32_t seen = 0;
      for (int32_t i = 0; i < x->rank; i++) {
        int32_t p = i32_at(w, (size_t)i);
        if (p < 0 || p >= x->rank || (seen >> p & 1) || y->dims[i] != x->dims[p])
          return SHAPE_ERR(c, "permutation does not map input %s to output %s", x->name, D(c, y));
        seen |= 1u << p;
      }
      return VP_OK;
    }
    case VP_OP_TRANSPOSE_CONV: {
      /* TFLite builtin: (output_shape, weights [O,H,W,I], input, [bias]). */
      TRY(need_io(c, 3, 4, 1));
      const vp__tensor *wt = input(g, op, 1), *in = input(g, op, 2);
      TRY(need_const_f32(c, wt, "weights", 4));
      TRY(need_f32(c, in, "input", 4));
      TRY(need_f32(c, y, "output", 4));
      if (wt->dims[3] != in->dims[3] || y->dims[3] != wt->dims[0] || y->dims[0] != in->dims[0])
        return SHAPE_ERR(c, "weights %s do not fit input %s / output %s", D(c, wt), in->name,
                         y->name);
      return check_bias(c, input(g, op, 3), wt->dims[0]);
    }
    case VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS: {
      /* mediapipe/util/tflite/operations/transpose_conv_bias.cc: Prepare. */
      TRY(need_io(c, 3, 3, 1));
      TRY(need_f32(c, x, "input", 4));
      TRY(need_const_f32(c, w, "weights", 4));
      TRY(need_f32(c, y, "output", 4));
      if (w->dims[3] != x->dims[3] || w->dims[0] < 1 || w->dims[1] < 1 || w->dims[2] < 1)
        return SHAPE_ERR(c, "weights %s do not match the input's %d channels", D(c, w),
                         x->dims[3]);
      TRY(check_bias(c, input(g, op, 2), w->dims[0]));
      const vp__custom_params *p = &op->custom;
      int64_t kh = w->dims[1], kw = w->dims[2], ih = x->dims[1], iw = x->dims[2];
      int64_t ph = 0, pw = 0;
      if (p->padding == VP_PAD_SAME && ih > 0 && iw > 0) {
        ph = kh - (ih - 1) % p->stride_h - 1;
        pw = kw - (iw - 1) % p->stride_w - 1;
        ph = ph < 0 ? 0 : ph;
        pw = pw < 0 ? 0 : pw;
      }
      int64_t oh = p->stride_h * (ih - 1) + kh - ph, ow = p->stride_w * (iw - 1) + kw - pw;
      if (y->dims[0] != x->dims[0] || y->dims[1] != oh || y->dims[2] != ow ||
          y->dims[3] != w->dims[0])
        return SHAPE_ERR(c, "output %s should be [%d,%lld,%lld,%d]", D(c, y), x->dims[0],
                         (long long)oh, (long long)ow, w->dims[0]);
      return VP_OK;
    }
    case VP_OP_CUSTOM_LANDMARKS_TO_TRANSFORM_MATRIX: {
      /* landmarks_to_transform_matrix.cc: v2 reads [1,N,3], v1 [1,1,1,3N];
       * landmark i is at floats 3i..3i+2; output is a 4x4 matrix. */
      TRY(need_io(c, 1, 1, 1));
      TRY(need_f32(c, x, "landmarks", op->version >= 2 ? 3 : 4));
      TRY(need_f32(c, y, "output", -1));
      if (y->num_elements != 16)
        return SHAPE_ERR(c, "output %s must be a 4x4 matrix", D(c, y));
      const vp__custom_params *p = &op->custom;
      int64_t top = p->left_rotation_idx > p->right_rotation_idx ? p->left_rotation_idx
                                                                  : p->right_rotation_idx;
      for (int32_t i = 0; i < 2 * p->num_subset_idxs; i++)
        if (p->subset_idxs[i] > top) top = p->subset_idxs[i];
      if ((top + 1) * 3 > (int64_t)x->num_elements)
        return SHAPE_ERR(c, "landmark index %lld is beyond input %s", (long long)top, D(c, x));
      return VP_OK;
    }
    case VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR: {
      /* transform_tensor_bilinear.cc: data [1,H,W,C], matrix (first 8 floats). */
      TRY(need_io(c, 2, 2, 1));
      TRY(need_f32(c, x, "input", 4));
      TRY(need_f32(c, w, "matrix", -1));
      TRY(need_f32(c, y, "output", 4));
      const vp__custom_params *p = &op->custom;
      if (w->num_elements != 16) return SHAPE_ERR(c, "matrix %s must have 16 elements", D(c, w));
      if (x->dims[0] != 1 || y->dims[0] != 1 || y->dims[3] != x->dims[3] ||
          y->dims[1] != p->output_height || y->dims[2] != p->output_width)
        return SHAPE_ERR(c, "output %s should be [1,%d,%d,%d] for input %s", D(c, y),
                         p->output_height, p->output_width, x->dims[3], x->name);
      return VP_OK;
    }
    case VP_OP_CUSTOM_TRANSFORM_LANDMARKS: {
      /* transform_landmarks.cc: v2 [1,N,D], v1 [1,1,1,N*D]; D = 2 or 3. */
      TRY(need_io(c, 2, 2, 1));
      TRY(need_f32(c, x, "landmarks", op->version >= 2 ? 3 : 4));
      TRY(need_f32(c, w, "matrix", -1));
      TRY(need_f32(c, y, "output", -1));
      if (w->num_elements != 16) return SHAPE_ERR(c, "matrix %s must have 16 elements", D(c, w));
      if (!same_dims(x, y)) return SHAPE_ERR(c, "output %s must match the input", D(c, y));
      if (op->version >= 2) op->custom.dimensions = x->dims[2];
      int32_t dm = op->custom.dimensions;
      if ((dm != 2 && dm != 3) || x->dims[x->rank - 1] % dm)
        return SHAPE_ERR(c, "landmarks %s are not rows of 2 or 3 coordinates", D(c, x));
      return VP_OK;
    }
    default:
      return op_error(VP_EUNSUPPORTED, op, "operator kind is not supported after loading");
  }
}

vp_status vp__graph_prepare(vp__graph *g) {
  TRY(check_structure(g));
  int32_t kept = 0;
  for (int32_t i = 0; i < g->num_ops; i++) {
    vp__op *op = &g->ops[i];
    if (op->code == VP_OP_DENSIFY) {
      TRY(fold_densify(g, op));
      continue;
    }
    if (op->code == VP_OP_DEQUANTIZE) {
      TRY(fold_dequantize(g, op));
      continue;
    }
    if (kept != i) g->ops[kept] = *op;
    kept++;
  }
  g->num_ops = kept;
  for (int32_t i = 0; i < g->num_outputs; i++)
    if (g->tensors[g->outputs[i]].data)
      return vp__error(VP_EUNSUPPORTED, "graph output %d '%s' is a constant", i,
                       g->tensors[g->outputs[i]].name);
  for (int32_t i = 0; i < g->num_ops; i++) TRY(check_op(g, &g->ops[i]));
  return VP_OK;
}
