/* .tflite → vp__graph (layer: model).
 *
 * Walks TFLite's FlatBuffers schema (tensorflow/lite/schema/schema.fbs) with
 * the bounds-checked reader in flatbuf.c. Field numbers below are the
 * schema's field order (a union field takes two slots: its type, then its
 * value). Only subgraph 0 is read. Everything read is validated: tensor and
 * buffer indices, shapes (rank, negative dims, element-count overflow),
 * constant data sizes, operator code indices, options. Errors name the
 * tensor, operator or byte offset.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/flatbuf.h"
#include "model/flexbuf.h"
#include "model/graph.h"

/* Model */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
/* OperatorCode */
enum { OPC_DEPRECATED_CODE = 0, OPC_CUSTOM = 1, OPC_VERSION = 2, OPC_CODE = 3 };
/* SubGraph */
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
/* Buffer */
enum { BUF_DATA = 0, BUF_OFFSET = 1, BUF_SIZE = 2 };
/* Tensor */
enum { T_SHAPE = 0, T_TYPE = 1, T_BUFFER = 2, T_NAME = 3, T_QUANT = 4, T_SPARSITY = 6 };
/* QuantizationParameters */
enum { Q_SCALE = 2 };
/* Operator */
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS_TYPE = 3, OP_OPTIONS = 4,
       OP_CUSTOM_OPTIONS = 5, OP_LARGE_CUSTOM_OFFSET = 9, OP_LARGE_CUSTOM_SIZE = 10 };

/* BuiltinOptions union members (1-based position in the union). */
enum {
  OPT_CONV2D = 1, OPT_DEPTHWISE = 2, OPT_POOL2D = 5, OPT_FULLY_CONNECTED = 8,
  OPT_CONCATENATION = 10, OPT_ADD = 11, OPT_RESIZE_BILINEAR = 15, OPT_RESHAPE = 17,
  OPT_MUL = 21, OPT_PAD = 22, OPT_TRANSPOSE = 26, OPT_REDUCER = 27, OPT_SUB = 28, OPT_DIV = 29,
  OPT_SQUEEZE = 30, OPT_STRIDED_SLICE = 32, OPT_DEQUANTIZE = 38, OPT_MAXMIN = 39,
  OPT_TRANSPOSE_CONV = 49, OPT_HARD_SWISH = 91, OPT_DEPTH_TO_SPACE = 94, OPT_DENSIFY = 99,
};

#define TRY(expr)                    \
  do {                               \
    vp_status st_ = (expr);          \
    if (st_ != VP_OK) return st_;    \
  } while (0)

/* Largest tensor we accept, in elements and bytes (keeps every size product
 * far from overflow in backends that multiply dims in int32/int64). */
#define MAX_TENSOR_ELEMENTS ((size_t)1 << 31)

static char *own_string(vp__graph *g, const char *s, size_t len) {
  char *c = malloc(len + 1);
  if (!c) return NULL;
  memcpy(c, s, len);
  c[len] = 0;
  /* Names are for messages and lookup: keep them printable. */
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f) c[i] = '?';
  return vp__graph_own(g, c);
}

static vp_dtype map_dtype(int t) {
  switch (t) {
    case 0: return VP_DTYPE_F32;
    case 1: return VP_DTYPE_F16;
    case 2: return VP_DTYPE_I32;
    case 3: return VP_DTYPE_U8;
    case 4: return VP_DTYPE_I64;
    case 6: return VP_DTYPE_BOOL;
    case 7: return VP_DTYPE_I16;
    case 9: return VP_DTYPE_I8;
    default: return VP_DTYPE_UNKNOWN;
  }
}

size_t vp__dtype_size(vp_dtype t) {
  switch (t) {
    case VP_DTYPE_F32: case VP_DTYPE_I32: return 4;
    case VP_DTYPE_F16: case VP_DTYPE_I16: return 2;
    case VP_DTYPE_U8: case VP_DTYPE_I8: case VP_DTYPE_BOOL: return 1;
    case VP_DTYPE_I64: return 8;
    default: return 0;
  }
}

/* Buffers: (pointer, size) of each, checked; index 0 is the empty sentinel. */
typedef struct buf_ref {
  const uint8_t *data;
  size_t size;
} buf_ref;

static vp_status read_buffers(const vp__fb *fb, const vp__fb_table *model, buf_ref **out,
                              uint32_t *count) {
  vp__fb_vec v;
  TRY(vp__fb_vector(model, MODEL_BUFFERS, 4, &v));
  buf_ref *b = calloc(v.len ? v.len : 1, sizeof *b);
  if (!b) return vp__error(VP_ENOMEM, "out of memory for %u buffers", v.len);
  for (uint32_t i = 0; i < v.len; i++) {
    vp__fb_table bt;
    vp__fb_vec data;
    uint64_t off, size;
    vp_status st;
    if ((st = vp__fb_vec_table(&v, i, &bt)) || (st = vp__fb_vector(&bt, BUF_DATA, 1, &data)) ||
        (st = vp__fb_u64(&bt, BUF_OFFSET, 0, &off)) || (st = vp__fb_u64(&bt, BUF_SIZE, 0, &size))) {
      free(b);
      return vp__error_prefix(st, "buffer %u", i);
    }
    if (data.len) {
      b[i].data = fb->buf + data.data;
      b[i].size = data.len;
    } else if (off > 1) {
      /* Newer schema: data stored after the flatbuffer, at a file offset. */
      if (off > fb->size || size > fb->size - off) {
        free(b);
        return vp__error(VP_EFORMAT, "buffer %u: offset %llu + size %llu lies outside the "
                         "%zu-byte file", i, (unsigned long long)off, (unsigned long long)size,
                         fb->size);
      }
      b[i].data = fb->buf + off;
      b[i].size = (size_t)size;
    }
  }
  *out = b;
  *count = v.len;
  return VP_OK;
}

/* Sparsity parameters of a constant tensor, checked for structure here
 * (index vectors are bounds-checked against the file); graph_prep validates
 * the values when it densifies. */
static vp_status read_sparsity(vp__graph *g, const vp__fb_table *sp, int32_t ti,
                               vp__sparsity **out) {
  vp__fb_vec order, block_map, dims;
  TRY(vp__fb_vector(sp, 0, 4, &order));
  TRY(vp__fb_vector(sp, 1, 4, &block_map));
  TRY(vp__fb_vector(sp, 2, 4, &dims));
  if (order.len == 0 || order.len > VP_MAX_SPARSE_DIMS || dims.len != order.len ||
      block_map.len > order.len)
    return vp__error(VP_EFORMAT, "tensor %d: sparsity has %u traversal dims, %u metadata, %u "
                     "block dims (at most %d)", ti, order.len, dims.len, block_map.len,
                     VP_MAX_SPARSE_DIMS);
  vp__sparsity *s = vp__graph_own(g, calloc(1, sizeof *s));
  if (!s) return vp__error(VP_ENOMEM, "out of memory");
  s->num_dims = (int32_t)order.len;
  s->num_blocks = (int32_t)block_map.len;
  for (uint32_t i = 0; i < order.len; i++) s->traversal_order[i] = vp__fb_vec_i32(&order, i);
  for (uint32_t i = 0; i < block_map.len; i++) s->block_map[i] = vp__fb_vec_i32(&block_map, i);
  for (uint32_t i = 0; i < dims.len; i++) {
    vp__fb_table dm;
    uint8_t format;
    vp__sparse_dim *d = &s->dims[i];
    TRY(vp__fb_vec_table(&dims, i, &dm));
    TRY(vp__fb_u8(&dm, 0, 0, &format));
    TRY(vp__fb_i32(&dm, 1, 0, &d->dense_size));
    d->format = format;
    if (format > 1)
      return vp__error(VP_EFORMAT, "tensor %d: sparse dimension %u has unknown format %u", ti, i,
                       format);
    if (format == 1) {
      for (int k = 0; k < 2; k++) {
        uint8_t type;
        vp__fb_table iv;
        bool present;
        vp__fb_vec vals;
        TRY(vp__fb_u8(&dm, 2 + 2 * k, 0, &type));
        TRY(vp__fb_table_field(&dm, 3 + 2 * k, &iv, &present));
        if (!present || type < 1 || type > 3)
          return vp__error(VP_EFORMAT, "tensor %d: sparse dimension %u lacks its %s vector", ti,
                           i, k ? "indices" : "segments");
        uint32_t elem = type == 1 ? 4 : type == 2 ? 2 : 1;
        TRY(vp__fb_vector(&iv, 0, elem, &vals));
        vp__index_vec *dst = k ? &d->indices : &d->segments;
        dst->data = g->file + vals.data;
        dst->len = vals.len;
        dst->elem_size = (int32_t)elem;
      }
    }
  }
  *out = s;
  return VP_OK;
}

static vp_status read_tensor(vp__graph *g, const vp__fb_table *tt, int32_t ti,
                             const buf_ref *bufs, uint32_t num_bufs) {
  vp__tensor *t = &g->tensors[ti];
  vp__fb_vec shape;
  uint8_t type;
  uint32_t buffer;
  const char *name;
  uint32_t name_len;
  TRY(vp__fb_string(tt, T_NAME, &name, &name_len));
  char tmp[32];
  if (!name) {
    snprintf(tmp, sizeof tmp, "tensor_%d", ti);
    name = tmp;
    name_len = (uint32_t)strlen(tmp);
  }
  t->name = own_string(g, name, name_len);
  if (!t->name) return vp__error(VP_ENOMEM, "out of memory");
  TRY(vp__fb_vector(tt, T_SHAPE, 4, &shape));
  TRY(vp__fb_u8(tt, T_TYPE, 0, &type));
  TRY(vp__fb_u32(tt, T_BUFFER, 0, &buffer));
  t->dtype = map_dtype(type);
  if (t->dtype == VP_DTYPE_UNKNOWN)
    return vp__error(VP_EUNSUPPORTED, "tensor %d '%s': element type %u is not supported", ti,
                     t->name, type);
  if (shape.len > VP_MAX_DIMS)
    return vp__error(VP_EUNSUPPORTED, "tensor %d '%s': rank %u exceeds %d", ti, t->name,
                     shape.len, VP_MAX_DIMS);
  t->rank = (int32_t)shape.len;
  size_t n = 1;
  for (uint32_t i = 0; i < shape.len; i++) {
    int32_t d = vp__fb_vec_i32(&shape, i);
    if (d < 0)
      return vp__error(VP_EFORMAT, "tensor %d '%s': dimension %u is %d (dynamic shapes are not "
                       "supported)", ti, t->name, i, d);
    t->dims[i] = d;
    if (d && n > MAX_TENSOR_ELEMENTS / (size_t)d)
      return vp__error(VP_EFORMAT, "tensor %d '%s': shape has more than 2^31 elements", ti,
                       t->name);
    n *= (size_t)d;
  }
  t->num_elements = n;
  t->size_bytes = n * vp__dtype_size(t->dtype);

  /* Quantized tensors (a scale vector) are not supported: every model vpipe
   * runs is float; fp16 weights carry no quantization. */
  vp__fb_table q;
  bool has_q;
  TRY(vp__fb_table_field(tt, T_QUANT, &q, &has_q));
  if (has_q) {
    vp__fb_vec scale;
    TRY(vp__fb_vector(&q, Q_SCALE, 4, &scale));
    if (scale.len && t->dtype != VP_DTYPE_F32 && t->dtype != VP_DTYPE_F16)
      return vp__error(VP_EUNSUPPORTED, "tensor %d '%s': quantized %s tensors are not supported",
                       ti, t->name, vp_dtype_name(t->dtype));
  }

  if (buffer >= num_bufs && !(buffer == 0 && num_bufs == 0))
    return vp__error(VP_EFORMAT, "tensor %d '%s': buffer index %u out of %u buffers", ti, t->name,
                     buffer, num_bufs);
  const buf_ref *b = num_bufs ? &bufs[buffer] : NULL;

  vp__fb_table sp;
  bool has_sp;
  TRY(vp__fb_table_field(tt, T_SPARSITY, &sp, &has_sp));
  if (has_sp) {
    if (!b || !b->size)
      return vp__error(VP_EFORMAT, "tensor %d '%s': sparse tensor without data", ti, t->name);
    vp__sparsity *s = NULL;
    TRY(read_sparsity(g, &sp, ti, &s));
    size_t es = vp__dtype_size(t->dtype);
    if (b->size % es)
      return vp__error(VP_EFORMAT, "tensor %d '%s': sparse data of %zu bytes is not a whole "
                       "number of %s values", ti, t->name, b->size, vp_dtype_name(t->dtype));
    s->values = b->data;
    s->num_values = b->size / es;
    t->sparsity = s;
    return VP_OK; /* data stays NULL until graph_prep densifies it */
  }

  if (b && b->size) {
    if (b->size != t->size_bytes)
      return vp__error(VP_EFORMAT, "tensor %d '%s': constant data has %zu bytes, shape needs %zu",
                       ti, t->name, b->size, t->size_bytes);
    const void *data = b->data;
    size_t align = vp__dtype_size(t->dtype);
    if ((uintptr_t)data % align) {
      /* Keep constants naturally aligned for backends that read them typed. */
      void *copy = vp__graph_own(g, malloc(b->size));
      if (!copy) return vp__error(VP_ENOMEM, "out of memory");
      memcpy(copy, data, b->size);
      data = copy;
    }
    t->data = data;
  }
  return VP_OK;
}

static const struct {
  const char *name;
  vp__opcode code;
} custom_ops[] = {
    {"Convolution2DTransposeBias", VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS},
    {"Landmarks2TransformMatrix", VP_OP_CUSTOM_LANDMARKS_TO_TRANSFORM_MATRIX},
    {"TransformTensorBilinear", VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR},
    {"TransformTensor", VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR},
    {"TransformLandmarks", VP_OP_CUSTOM_TRANSFORM_LANDMARKS},
};

typedef struct opcode_ref {
  vp__opcode code;
  int32_t builtin;  /* TFLite builtin code (32 = CUSTOM) */
  int32_t version;
  const char *name; /* owned by the graph */
} opcode_ref;

static vp_status read_opcodes(vp__graph *g, const vp__fb_table *model, opcode_ref **out,
                              uint32_t *count) {
  vp__fb_vec v;
  TRY(vp__fb_vector(model, MODEL_OPCODES, 4, &v));
  opcode_ref *oc = vp__graph_own(g, calloc(v.len ? v.len : 1, sizeof *oc));
  if (!oc) return vp__error(VP_ENOMEM, "out of memory for %u operator codes", v.len);
  for (uint32_t i = 0; i < v.len; i++) {
    vp__fb_table t;
    uint8_t dep;
    int32_t code, version;
    const char *custom;
    uint32_t custom_len;
    TRY(vp__fb_vec_table(&v, i, &t));
    TRY(vp__fb_u8(&t, OPC_DEPRECATED_CODE, 0, &dep));
    TRY(vp__fb_i32(&t, OPC_CODE, 0, &code));
    TRY(vp__fb_i32(&t, OPC_VERSION, 1, &version));
    TRY(vp__fb_string(&t, OPC_CUSTOM, &custom, &custom_len));
    /* Old files set only the byte field; new ones both (byte = 127 when the
     * code does not fit): the larger is the real code. */
    int32_t c = code > (int8_t)dep ? code : (int8_t)dep;
    oc[i].builtin = c;
    oc[i].version = version;
    if (c == 32) { /* CUSTOM */
      if (!custom)
        return vp__error(VP_EFORMAT, "operator code %u: custom operator without a name", i);
      oc[i].name = own_string(g, custom, custom_len);
      if (!oc[i].name) return vp__error(VP_ENOMEM, "out of memory");
      oc[i].code = (vp__opcode)-1;
      for (size_t k = 0; k < sizeof custom_ops / sizeof custom_ops[0]; k++)
        if (strlen(custom_ops[k].name) == custom_len &&
            !memcmp(custom_ops[k].name, custom, custom_len))
          oc[i].code = custom_ops[k].code;
    } else {
      const char *name = vp__op_name(c);
      oc[i].code = name ? (vp__opcode)c : (vp__opcode)-1;
      oc[i].name = name;
    }
  }
  *out = oc;
  *count = v.len;
  return VP_OK;
}

/* Read an options table of the expected union type (absent: defaults). */
static vp_status options_table(const vp__fb_table *op, vp__op *o, uint8_t want,
                               vp__fb_table *opt, bool *present) {
  uint8_t type;
  TRY(vp__fb_u8(op, OP_OPTIONS_TYPE, 0, &type));
  TRY(vp__fb_table_field(op, OP_OPTIONS, opt, present));
  if (*present && type != want)
    return vp__error(VP_EFORMAT, "operator %d (%s): builtin options of type %u, expected %u",
                     o->index, o->name, type, want);
  return VP_OK;
}

static vp_status check_enum(const vp__op *o, const char *what, int value, int max) {
  if (value < 0 || value > max)
    return vp__error(VP_EFORMAT, "operator %d (%s): %s %d is invalid", o->index, o->name, what,
                     value);
  return VP_OK;
}

static vp_status read_builtin_options(const vp__fb_table *op, vp__op *o) {
  vp__fb_table t;
  bool has;
  uint8_t pad = 0, act = 0, b = 0;
  o->stride_w = o->stride_h = 1;
  o->dilation_w = o->dilation_h = 1;
  o->filter_w = o->filter_h = 1;
  o->depth_multiplier = 1;
  switch (o->code) {
    case VP_OP_CONV_2D:
      TRY(options_table(op, o, OPT_CONV2D, &t, &has));
      if (!has) break;
      TRY(vp__fb_u8(&t, 0, 0, &pad));
      TRY(vp__fb_i32(&t, 1, 1, &o->stride_w));
      TRY(vp__fb_i32(&t, 2, 1, &o->stride_h));
      TRY(vp__fb_u8(&t, 3, 0, &act));
      TRY(vp__fb_i32(&t, 4, 1, &o->dilation_w));
      TRY(vp__fb_i32(&t, 5, 1, &o->dilation_h));
      break;
    case VP_OP_DEPTHWISE_CONV_2D:
      TRY(options_table(op, o, OPT_DEPTHWISE, &t, &has));
      if (!has) break;
      TRY(vp__fb_u8(&t, 0, 0, &pad));
      TRY(vp__fb_i32(&t, 1, 1, &o->stride_w));
      TRY(vp__fb_i32(&t, 2, 1, &o->stride_h));
      TRY(vp__fb_i32(&t, 3, 1, &o->depth_multiplier));
      TRY(vp__fb_u8(&t, 4, 0, &act));
      TRY(vp__fb_i32(&t, 5, 1, &o->dilation_w));
      TRY(vp__fb_i32(&t, 6, 1, &o->dilation_h));
      break;
    case VP_OP_AVERAGE_POOL_2D:
    case VP_OP_MAX_POOL_2D:
      TRY(options_table(op, o, OPT_POOL2D, &t, &has));
      if (!has) break;
      TRY(vp__fb_u8(&t, 0, 0, &pad));
      TRY(vp__fb_i32(&t, 1, 1, &o->stride_w));
      TRY(vp__fb_i32(&t, 2, 1, &o->stride_h));
      TRY(vp__fb_i32(&t, 3, 1, &o->filter_w));
      TRY(vp__fb_i32(&t, 4, 1, &o->filter_h));
      TRY(vp__fb_u8(&t, 5, 0, &act));
      break;
    case VP_OP_FULLY_CONNECTED: {
      uint8_t fmt = 0;
      TRY(options_table(op, o, OPT_FULLY_CONNECTED, &t, &has));
      if (!has) break;
      TRY(vp__fb_u8(&t, 0, 0, &act));
      TRY(vp__fb_u8(&t, 1, 0, &fmt));
      TRY(vp__fb_u8(&t, 2, 0, &b));
      o->keep_num_dims = b != 0;
      if (fmt != 0)
        return vp__error(VP_EUNSUPPORTED, "operator %d (%s): shuffled weights format %u is not "
                         "supported", o->index, o->name, fmt);
      break;
    }
    case VP_OP_CONCATENATION:
      TRY(options_table(op, o, OPT_CONCATENATION, &t, &has));
      if (!has) break;
      TRY(vp__fb_i32(&t, 0, 0, &o->axis));
      TRY(vp__fb_u8(&t, 1, 0, &act));
      break;
    case VP_OP_ADD: case VP_OP_MUL: case VP_OP_SUB: case VP_OP_DIV: {
      uint8_t want = o->code == VP_OP_ADD ? OPT_ADD : o->code == VP_OP_MUL ? OPT_MUL
                     : o->code == VP_OP_SUB ? OPT_SUB : OPT_DIV;
      TRY(options_table(op, o, want, &t, &has));
      if (!has) break;
      TRY(vp__fb_u8(&t, 0, 0, &act));
      break;
    }
    case VP_OP_RESIZE_BILINEAR:
      TRY(options_table(op, o, OPT_RESIZE_BILINEAR, &t, &has));
      if (!has) break;
      TRY(vp__fb_u8(&t, 2, 0, &b));
      o->align_corners = b != 0;
      TRY(vp__fb_u8(&t, 3, 0, &b));
      o->half_pixel_centers = b != 0;
      break;
    case VP_OP_RESHAPE: {
      vp__fb_vec ns;
      TRY(options_table(op, o, OPT_RESHAPE, &t, &has));
      if (!has) break;
      TRY(vp__fb_vector(&t, 0, 4, &ns));
      if (ns.len > VP_MAX_DIMS)
        return vp__error(VP_EUNSUPPORTED, "operator %d (%s): new_shape of rank %u", o->index,
                         o->name, ns.len);
      o->new_shape_rank = (int32_t)ns.len;
      for (uint32_t i = 0; i < ns.len; i++) o->new_shape[i] = vp__fb_vec_i32(&ns, i);
      break;
    }
    case VP_OP_DEPTH_TO_SPACE:
      TRY(options_table(op, o, OPT_DEPTH_TO_SPACE, &t, &has));
      if (!has) break;
      TRY(vp__fb_i32(&t, 0, 0, &o->block_size));
      break;
    case VP_OP_MEAN:
      TRY(options_table(op, o, OPT_REDUCER, &t, &has));
      if (!has) break;
      TRY(vp__fb_u8(&t, 0, 0, &b));
      o->keep_dims = b != 0;
      break;
    case VP_OP_STRIDED_SLICE:
      TRY(options_table(op, o, OPT_STRIDED_SLICE, &t, &has));
      if (!has) break;
      TRY(vp__fb_i32(&t, 0, 0, &o->begin_mask));
      TRY(vp__fb_i32(&t, 1, 0, &o->end_mask));
      TRY(vp__fb_i32(&t, 2, 0, &o->ellipsis_mask));
      TRY(vp__fb_i32(&t, 3, 0, &o->new_axis_mask));
      TRY(vp__fb_i32(&t, 4, 0, &o->shrink_axis_mask));
      TRY(vp__fb_u8(&t, 5, 0, &b));
      if (b)
        return vp__error(VP_EUNSUPPORTED, "operator %d (%s): 'offset' strided slices are not "
                         "supported", o->index, o->name);
      break;
    case VP_OP_TRANSPOSE_CONV:
      TRY(options_table(op, o, OPT_TRANSPOSE_CONV, &t, &has));
      if (!has) break;
      TRY(vp__fb_u8(&t, 0, 0, &pad));
      TRY(vp__fb_i32(&t, 1, 1, &o->stride_w));
      TRY(vp__fb_i32(&t, 2, 1, &o->stride_h));
      TRY(vp__fb_u8(&t, 3, 0, &act));
      break;
    default:
      break; /* options without fields we need (PAD, RELU, ...) */
  }
  TRY(check_enum(o, "padding", pad, VP_PAD_VALID));
  TRY(check_enum(o, "fused activation", act, VP_ACT_TANH));
  o->padding = (vp__padding)pad;
  o->activation = (vp__activation)act;
  if (o->stride_w < 1 || o->stride_h < 1 || o->dilation_w < 1 || o->dilation_h < 1 ||
      o->filter_w < 1 || o->filter_h < 1 || o->depth_multiplier < 0)
    return vp__error(VP_EFORMAT, "operator %d (%s): stride %dx%d, dilation %dx%d, filter %dx%d "
                     "must be positive", o->index, o->name, o->stride_w, o->stride_h,
                     o->dilation_w, o->dilation_h, o->filter_w, o->filter_h);
  return VP_OK;
}

/* ---- custom options ------------------------------------------------------ */

static vp_status flex_int(const vp__op *o, const vp__flex_ref *map, const char *key, bool required,
                          int32_t def, int32_t *out) {
  vp__flex_ref r;
  bool found;
  int64_t v;
  TRY(vp__flex_map_get(map, key, &r, &found));
  if (!found) {
    if (required)
      return vp__error(VP_EFORMAT, "operator %d (%s): custom option '%s' is missing", o->index,
                       o->name, key);
    *out = def;
    return VP_OK;
  }
  TRY(vp__flex_as_int(&r, &v));
  if (v < INT32_MIN || v > INT32_MAX)
    return vp__error(VP_EFORMAT, "operator %d (%s): custom option '%s' = %lld is out of range",
                     o->index, o->name, key, (long long)v);
  *out = (int32_t)v;
  return VP_OK;
}

static vp_status flex_float(const vp__op *o, const vp__flex_ref *map, const char *key,
                            bool required, float def, float *out) {
  vp__flex_ref r;
  bool found;
  double v;
  TRY(vp__flex_map_get(map, key, &r, &found));
  if (!found) {
    if (required)
      return vp__error(VP_EFORMAT, "operator %d (%s): custom option '%s' is missing", o->index,
                       o->name, key);
    *out = def;
    return VP_OK;
  }
  TRY(vp__flex_as_double(&r, &v));
  if (!(v >= -3.0e38 && v <= 3.0e38))
    return vp__error(VP_EFORMAT, "operator %d (%s): custom option '%s' is not a finite number",
                     o->index, o->name, key);
  *out = (float)v;
  return VP_OK;
}

/* A vector of ints: @p max values at most; returns the count. */
static vp_status flex_ints(const vp__op *o, const vp__flex_ref *map, const char *key,
                           int32_t *vals, uint32_t max, uint32_t *count) {
  vp__flex_ref r, e;
  bool found;
  uint32_t n;
  TRY(vp__flex_map_get(map, key, &r, &found));
  if (!found)
    return vp__error(VP_EFORMAT, "operator %d (%s): custom option '%s' is missing", o->index,
                     o->name, key);
  TRY(vp__flex_vec_len(&r, &n));
  if (n > max)
    return vp__error(VP_EFORMAT, "operator %d (%s): custom option '%s' has %u values (at most %u)",
                     o->index, o->name, key, n, max);
  for (uint32_t i = 0; i < n; i++) {
    int64_t v;
    TRY(vp__flex_vec_at(&r, i, &e));
    TRY(vp__flex_as_int(&e, &v));
    if (v < INT32_MIN || v > INT32_MAX)
      return vp__error(VP_EFORMAT, "operator %d (%s): custom option '%s'[%u] is out of range",
                       o->index, o->name, key, i);
    vals[i] = (int32_t)v;
  }
  *count = n;
  return VP_OK;
}

/* Index pairs from a flat list; an odd last element pairs with itself, as
 * MediaPipe's parser does. */
static vp_status flex_pairs(vp__graph *g, const vp__op *o, const vp__flex_ref *map,
                            const char *key, vp__custom_params *c) {
  vp__flex_ref r;
  bool found;
  uint32_t n;
  TRY(vp__flex_map_get(map, key, &r, &found));
  if (!found)
    return vp__error(VP_EFORMAT, "operator %d (%s): custom option '%s' is missing", o->index,
                     o->name, key);
  TRY(vp__flex_vec_len(&r, &n));
  if (n == 0)
    return vp__error(VP_EFORMAT, "operator %d (%s): custom option '%s' is empty", o->index,
                     o->name, key);
  uint32_t pairs = (n + 1) / 2;
  int32_t *v = vp__graph_own(g, malloc((size_t)pairs * 2 * sizeof *v));
  if (!v) return vp__error(VP_ENOMEM, "out of memory");
  uint32_t got;
  TRY(flex_ints(o, map, key, v, n, &got));
  if (n % 2) v[n] = v[n - 1];
  for (uint32_t i = 0; i < 2 * pairs; i++)
    if (v[i] < 0)
      return vp__error(VP_EFORMAT, "operator %d (%s): custom option '%s'[%u] = %d is negative",
                       o->index, o->name, key, i, v[i]);
  c->subset_idxs = v;
  c->num_subset_idxs = (int32_t)pairs;
  return VP_OK;
}

static vp_status read_custom_options(vp__graph *g, vp__op *o) {
  vp__custom_params *c = &o->custom;
  const uint8_t *raw = c->raw;
  size_t n = c->raw_size;
  c->version = o->version;
  if (o->code == VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS) {
    /* Raw TfLiteTransposeConvParams: int32 padding, stride_width, stride_height
     * (later TFLite versions append fields; only these three are read). */
    if (n < 12)
      return vp__error(VP_EFORMAT, "operator %d (%s): custom options of %zu bytes, expected a "
                       "12-byte TfLiteTransposeConvParams", o->index, o->name, n);
    int32_t pad = vp__rd_i32(raw), sw = vp__rd_i32(raw + 4), sh = vp__rd_i32(raw + 8);
    if (pad != 1 && pad != 2)
      return vp__error(VP_EFORMAT, "operator %d (%s): padding %d is neither SAME (1) nor VALID "
                       "(2)", o->index, o->name, pad);
    if (sw < 1 || sh < 1)
      return vp__error(VP_EFORMAT, "operator %d (%s): strides %dx%d must be positive", o->index,
                       o->name, sw, sh);
    c->padding = pad == 1 ? VP_PAD_SAME : VP_PAD_VALID;
    c->stride_w = sw;
    c->stride_h = sh;
    o->padding = c->padding;
    o->stride_w = sw;
    o->stride_h = sh;
    return VP_OK;
  }
  if (o->code == VP_OP_CUSTOM_TRANSFORM_LANDMARKS && o->version >= 2) {
    c->scale = 1.0f; /* dimensions come from the shape (graph_prep) */
    return VP_OK;
  }
  vp__flex_ref root;
  TRY(vp__flex_root(raw, n, &root));
  if (root.type != VP_FLEX_MAP)
    return vp__error(VP_EFORMAT, "operator %d (%s): custom options are not a flexbuffer map",
                     o->index, o->name);
  switch (o->code) {
    case VP_OP_CUSTOM_LANDMARKS_TO_TRANSFORM_MATRIX:
      TRY(flex_int(o, &root, "left_rotation_idx", true, 0, &c->left_rotation_idx));
      TRY(flex_int(o, &root, "right_rotation_idx", true, 0, &c->right_rotation_idx));
      if (c->left_rotation_idx < 0 || c->right_rotation_idx < 0)
        return vp__error(VP_EFORMAT, "operator %d (%s): rotation indices %d, %d must not be "
                         "negative", o->index, o->name, c->left_rotation_idx,
                         c->right_rotation_idx);
      if (o->version >= 2) {
        TRY(flex_pairs(g, o, &root, "subset_idxs", c));
        TRY(flex_float(o, &root, "target_rotation_radians", true, 0, &c->target_rotation_radians));
        TRY(flex_int(o, &root, "output_height", true, 0, &c->output_height));
        TRY(flex_int(o, &root, "output_width", true, 0, &c->output_width));
        TRY(flex_float(o, &root, "scale_x", true, 0, &c->scale_x));
        TRY(flex_float(o, &root, "scale_y", true, 0, &c->scale_y));
        if (c->output_height <= 0 || c->output_width <= 0 || !(c->scale_x > 0) ||
            !(c->scale_y > 0))
          return vp__error(VP_EFORMAT, "operator %d (%s): output %dx%d and scale %gx%g must be "
                           "positive", o->index, o->name, c->output_width, c->output_height,
                           (double)c->scale_x, (double)c->scale_y);
      } else {
        uint32_t k;
        TRY(flex_pairs(g, o, &root, "subset", c));
        TRY(flex_ints(o, &root, "input_hw", c->input_hw, 2, &k));
        if (k != 2) return vp__error(VP_EFORMAT, "operator %d (%s): input_hw needs 2 values",
                                     o->index, o->name);
        TRY(flex_ints(o, &root, "output_hw", c->output_hw, 2, &k));
        if (k != 2) return vp__error(VP_EFORMAT, "operator %d (%s): output_hw needs 2 values",
                                     o->index, o->name);
        TRY(flex_int(o, &root, "dimensions", true, 0, &c->dimensions));
        TRY(flex_int(o, &root, "landmarks_range", true, 0, &c->landmarks_range));
        TRY(flex_float(o, &root, "bbox_size_multiplier", true, 0, &c->bbox_size_multiplier));
        if (c->dimensions != 3 || c->landmarks_range <= 0 || c->bbox_size_multiplier == 0 ||
            c->input_hw[0] <= 0 || c->input_hw[1] <= 0 || c->output_hw[0] <= 0 ||
            c->output_hw[1] <= 0)
          return vp__error(VP_EFORMAT, "operator %d (%s): invalid v1 options", o->index, o->name);
      }
      return VP_OK;
    case VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR:
      if (o->version >= 2) {
        TRY(flex_int(o, &root, "output_height", true, 0, &c->output_height));
        TRY(flex_int(o, &root, "output_width", true, 0, &c->output_width));
        c->align_corners = true;
      } else {
        int32_t hw[2];
        uint32_t k;
        vp__flex_ref mode;
        bool found;
        TRY(flex_ints(o, &root, "output_size", hw, 2, &k));
        if (k != 2) return vp__error(VP_EFORMAT, "operator %d (%s): output_size needs 2 values",
                                     o->index, o->name);
        c->output_height = hw[0];
        c->output_width = hw[1];
        TRY(vp__flex_map_get(&root, "mode", &mode, &found));
        if (found) {
          const char *s;
          size_t len;
          TRY(vp__flex_as_string(&mode, &s, &len));
          if (len != 8 || memcmp(s, "bilinear", 8))
            return vp__error(VP_EUNSUPPORTED, "operator %d (%s): only bilinear mode is supported",
                             o->index, o->name);
        }
        c->align_corners = false;
      }
      if (c->output_height <= 0 || c->output_width <= 0 || c->output_height > 65536 ||
          c->output_width > 65536)
        return vp__error(VP_EFORMAT, "operator %d (%s): output size %dx%d is invalid", o->index,
                         o->name, c->output_width, c->output_height);
      return VP_OK;
    case VP_OP_CUSTOM_TRANSFORM_LANDMARKS:
      TRY(flex_int(o, &root, "dimensions", true, 0, &c->dimensions));
      TRY(flex_float(o, &root, "scale", false, 1.0f, &c->scale));
      if ((c->dimensions != 2 && c->dimensions != 3) || c->scale == 0)
        return vp__error(VP_EFORMAT, "operator %d (%s): dimensions %d (2 or 3) / scale %g invalid",
                         o->index, o->name, c->dimensions, (double)c->scale);
      return VP_OK;
    default:
      return VP_OK;
  }
}

static vp_status read_index_list(const vp__fb_vec *v, const vp__graph *g, int32_t *dst,
                                 bool allow_absent, const vp__op *o, const char *what) {
  for (uint32_t i = 0; i < v->len; i++) {
    int32_t t = vp__fb_vec_i32(v, i);
    if (!(t >= 0 && t < g->num_tensors) && !(allow_absent && t == -1))
      return o ? vp__error(VP_EFORMAT, "operator %d (%s): %s %u refers to tensor %d of %d",
                           o->index, o->name, what, i, t, g->num_tensors)
               : vp__error(VP_EFORMAT, "subgraph %s %u refers to tensor %d of %d", what, i, t,
                           g->num_tensors);
    dst[i] = t;
  }
  return VP_OK;
}

static vp_status read_operator(vp__graph *g, const vp__fb_table *ot, int32_t oi,
                               const opcode_ref *codes, uint32_t num_codes) {
  vp__op *o = &g->ops[oi];
  uint32_t opcode;
  vp__fb_vec ins, outs;
  o->index = oi;
  TRY(vp__fb_u32(ot, OP_OPCODE, 0, &opcode));
  if (opcode >= num_codes)
    return vp__error(VP_EFORMAT, "operator %d: operator code index %u out of %u", oi, opcode,
                     num_codes);
  const opcode_ref *oc = &codes[opcode];
  o->name = oc->name ? oc->name : "?";
  o->version = oc->version;
  if ((int)oc->code < 0) {
    if (oc->builtin == 32)
      return vp__error(VP_EUNSUPPORTED, "operator %d: custom operator '%s' is not supported", oi,
                       oc->name);
    return vp__error(VP_EUNSUPPORTED, "operator %d: builtin operator %d is not supported", oi,
                     oc->builtin);
  }
  o->code = oc->code;
  TRY(vp__fb_vector(ot, OP_INPUTS, 4, &ins));
  TRY(vp__fb_vector(ot, OP_OUTPUTS, 4, &outs));
  if (ins.len > 64 || outs.len > 64 || outs.len == 0)
    return vp__error(VP_EFORMAT, "operator %d (%s): %u inputs and %u outputs", oi, o->name,
                     ins.len, outs.len);
  o->num_inputs = (int32_t)ins.len;
  o->num_outputs = (int32_t)outs.len;
  o->inputs = vp__graph_own(g, malloc((ins.len + outs.len) * sizeof(int32_t)));
  if (!o->inputs) return vp__error(VP_ENOMEM, "out of memory");
  o->outputs = o->inputs + ins.len;
  TRY(read_index_list(&ins, g, o->inputs, true, o, "input"));
  TRY(read_index_list(&outs, g, o->outputs, false, o, "output"));
  TRY(read_builtin_options(ot, o));
  if (o->code >= VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS) {
    vp__fb_vec co;
    uint64_t loff = 0, lsize = 0;
    TRY(vp__fb_vector(ot, OP_CUSTOM_OPTIONS, 1, &co));
    TRY(vp__fb_u64(ot, OP_LARGE_CUSTOM_OFFSET, 0, &loff));
    TRY(vp__fb_u64(ot, OP_LARGE_CUSTOM_SIZE, 0, &lsize));
    if (co.len) {
      o->custom.raw = g->file + co.data;
      o->custom.raw_size = co.len;
    } else if (loff > 1) {
      if (loff > g->file_size || lsize > g->file_size - loff)
        return vp__error(VP_EFORMAT, "operator %d (%s): custom options at %llu+%llu lie outside "
                         "the file", oi, o->name, (unsigned long long)loff,
                         (unsigned long long)lsize);
      o->custom.raw = g->file + loff;
      o->custom.raw_size = (size_t)lsize;
    }
    vp_status st = read_custom_options(g, o);
    if (st && strncmp(vp_last_error(), "operator ", 9))
      return vp__error_prefix(st, "operator %d (%s): custom options", oi, o->name);
    return st;
  }
  return VP_OK;
}

static vp_status parse(vp__graph *g) {
  vp__fb fb = {g->file, g->file_size};
  vp__fb_table model, sg;
  vp__fb_vec subgraphs, tensors, ops, ins, outs;
  buf_ref *bufs = NULL;
  uint32_t num_bufs = 0, num_codes = 0;
  opcode_ref *codes = NULL;
  uint32_t version;

  TRY(vp__fb_root(&fb, "TFL3", &model));
  TRY(vp__fb_u32(&model, MODEL_VERSION, 0, &version));
  if (version != 3)
    return vp__error(VP_EUNSUPPORTED, "schema version %u is not supported (expected 3)", version);
  TRY(vp__fb_vector(&model, MODEL_SUBGRAPHS, 4, &subgraphs));
  if (subgraphs.len < 1) return vp__error(VP_EFORMAT, "model has no subgraph");
  TRY(vp__fb_vec_table(&subgraphs, 0, &sg));
  TRY(read_opcodes(g, &model, &codes, &num_codes));

  TRY(vp__fb_vector(&sg, SG_TENSORS, 4, &tensors));
  TRY(vp__fb_vector(&sg, SG_OPERATORS, 4, &ops));
  TRY(vp__fb_vector(&sg, SG_INPUTS, 4, &ins));
  TRY(vp__fb_vector(&sg, SG_OUTPUTS, 4, &outs));
  if (tensors.len > INT32_MAX / 2 || ops.len > INT32_MAX / 2)
    return vp__error(VP_EFORMAT, "%u tensors / %u operators is too many", tensors.len, ops.len);
  g->num_tensors = (int32_t)tensors.len;
  g->num_ops = (int32_t)ops.len;
  g->tensors = vp__graph_own(g, calloc(tensors.len ? tensors.len : 1, sizeof *g->tensors));
  g->ops = vp__graph_own(g, calloc(ops.len ? ops.len : 1, sizeof *g->ops));
  g->inputs = vp__graph_own(g, calloc(ins.len + outs.len + 1, sizeof(int32_t)));
  if (!g->tensors || !g->ops || !g->inputs) return vp__error(VP_ENOMEM, "out of memory");
  g->outputs = g->inputs + ins.len;
  g->num_inputs = (int32_t)ins.len;
  g->num_outputs = (int32_t)outs.len;
  if (ins.len == 0 || outs.len == 0)
    return vp__error(VP_EFORMAT, "subgraph 0 has %u inputs and %u outputs", ins.len, outs.len);

  TRY(read_buffers(&fb, &model, &bufs, &num_bufs));
  for (uint32_t i = 0; i < tensors.len; i++) {
    vp__fb_table tt;
    vp_status st = vp__fb_vec_table(&tensors, i, &tt);
    if (!st) st = read_tensor(g, &tt, (int32_t)i, bufs, num_bufs);
    if (st) {
      if (strncmp(vp_last_error(), "tensor ", 7)) st = vp__error_prefix(st, "tensor %u", i);
      free(bufs);
      return st;
    }
  }
  free(bufs);

  TRY(read_index_list(&ins, g, g->inputs, false, NULL, "input"));
  TRY(read_index_list(&outs, g, g->outputs, false, NULL, "output"));
  for (int32_t i = 0; i < g->num_inputs; i++) g->tensors[g->inputs[i]].is_input = true;
  for (int32_t i = 0; i < g->num_outputs; i++) g->tensors[g->outputs[i]].is_output = true;

  for (uint32_t i = 0; i < ops.len; i++) {
    vp__fb_table ot;
    vp_status st = vp__fb_vec_table(&ops, i, &ot);
    if (!st) st = read_operator(g, &ot, (int32_t)i, codes, num_codes);
    if (st) {
      if (strncmp(vp_last_error(), "operator ", 9)) st = vp__error_prefix(st, "operator %u", i);
      return st;
    }
  }
  return VP_OK;
}

vp_status vp__graph_parse(uint8_t *file, size_t size, vp__graph **out) {
  vp__graph *g = calloc(1, sizeof *g);
  if (!g) {
    free(file);
    return vp__error(VP_ENOMEM, "out of memory");
  }
  g->file = file;
  g->file_size = size;
  vp_status st = file ? parse(g) : vp__error(VP_EINVAL, "no model bytes");
  if (st) {
    vp__graph_free(g);
    return st;
  }
  *out = g;
  return VP_OK;
}
