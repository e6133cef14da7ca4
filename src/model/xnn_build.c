/* Mapping graph operators onto XNNPACK subgraph nodes (layer: model).
 *
 * Each supported operator becomes one XNNPACK node (two when a shape has to be
 * adapted with a static reshape). Shapes are checked here against what the
 * node will produce, because XNNPACK writes its computed output size into the
 * buffer we give it: a model whose declared shapes disagree is refused with
 * VP_ESHAPE instead of overflowing a buffer.
 *
 * Parameter mapping (TFLite builtin semantics -> XNNPACK, version 2022-02-16):
 *   CONV_2D           OHWI filter as is, SAME -> XNN_FLAG_TENSORFLOW_SAME_PADDING
 *   DEPTHWISE_CONV_2D 1HW(C*M) filter as is
 *   FULLY_CONNECTED   [O,I] filter, XNN_FLAG_TENSORFLOW_RESHAPE_2D
 *   MEAN over H,W     global average pooling
 *   RESIZE_BILINEAR   align_corners -> XNN_FLAG_ALIGN_CORNERS, half-pixel -> 0,
 *                     neither -> XNN_FLAG_TENSORFLOW_LEGACY_MODE
 *   Convolution2DTransposeBias (MediaPipe, transpose_conv_bias.cc) -> deconvolution
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

const char *vp__xnn_status_name(enum xnn_status st) {
  switch (st) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "uninitialized";
    case xnn_status_invalid_parameter: return "invalid parameter";
    case xnn_status_invalid_state: return "invalid state";
    case xnn_status_unsupported_parameter: return "unsupported parameter";
    case xnn_status_unsupported_hardware: return "unsupported hardware";
    case xnn_status_out_of_memory: return "out of memory";
  }
  return "unknown status";
}

/* ---- shape helpers ----------------------------------------------------- */

static const vp__tensor *tin(const vp__graph *g, const vp__op *op, int i) {
  if (i >= op->num_inputs || op->inputs[i] < 0) return NULL;
  return &g->tensors[op->inputs[i]];
}
static const vp__tensor *tout(const vp__graph *g, const vp__op *op, int i) {
  if (i >= op->num_outputs || op->outputs[i] < 0) return NULL;
  return &g->tensors[op->outputs[i]];
}

static int32_t conv_out(int32_t in, int32_t k, int32_t stride, int32_t dil, vp__padding pad) {
  if (stride <= 0 || dil <= 0 || k <= 0 || in <= 0) return -1;
  if (pad == VP_PAD_SAME) return (in + stride - 1) / stride;
  int32_t eff = (k - 1) * dil + 1;
  if (in < eff) return -1;
  return (in - eff) / stride + 1;
}

static bool is_f32(const vp__tensor *t) { return t && t->dtype == VP_DTYPE_F32; }

/* Numpy-style broadcast of a and b must give o. */
static bool broadcast_ok(const vp__tensor *a, const vp__tensor *b, const vp__tensor *o) {
  int r = a->rank > b->rank ? a->rank : b->rank;
  if (o->rank != r) return false;
  for (int i = 0; i < r; i++) {
    int ia = a->rank - r + i, ib = b->rank - r + i;
    int32_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    int32_t d;
    if (da == db || db == 1) d = da;
    else if (da == 1) d = db;
    else return false;
    if (o->dims[i] != d) return false;
  }
  return true;
}

static bool same_shape(const vp__tensor *a, const vp__tensor *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

/* MEAN axes (constant int32 input 1) normalised into a bit mask. */
static bool mean_axes(const vp__graph *g, const vp__op *op, uint32_t *mask) {
  const vp__tensor *in = tin(g, op, 0), *ax = tin(g, op, 1);
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

/* PAD paddings (constant int32 [rank, 2]). */
static bool pad_amounts(const vp__graph *g, const vp__op *op, size_t *pre, size_t *post) {
  const vp__tensor *in = tin(g, op, 0), *pd = tin(g, op, 1), *o = tout(g, op, 0);
  if (!in || !pd || !o || !pd->data || pd->dtype != VP_DTYPE_I32) return false;
  if (pd->num_elements != (size_t)in->rank * 2 || o->rank != in->rank) return false;
  const int32_t *p = pd->data;
  for (int i = 0; i < in->rank; i++) {
    if (p[2 * i] < 0 || p[2 * i + 1] < 0) return false;
    pre[i] = (size_t)p[2 * i];
    post[i] = (size_t)p[2 * i + 1];
    if ((int64_t)in->dims[i] + p[2 * i] + p[2 * i + 1] != o->dims[i]) return false;
  }
  return true;
}

bool vp__xnn_supports(const vp__graph *g, const vp__op *op) {
  const vp__tensor *a = tin(g, op, 0), *b = tin(g, op, 1), *o = tout(g, op, 0);
  float lo, hi;
  if (!a || !o || !is_f32(a) || !is_f32(o)) return false;
  if (a->rank > XNN_MAX_TENSOR_DIMS || o->rank > XNN_MAX_TENSOR_DIMS) return false;
  if (op->num_outputs != 1) return false;
  switch (op->code) {
    case VP_OP_CONV_2D: {
      const vp__tensor *bias = tin(g, op, 2);
      if (!b || !b->data || !is_f32(b) || b->rank != 4 || a->rank != 4 || o->rank != 4) return false;
      if (bias && (!bias->data || !is_f32(bias) || bias->num_elements != (size_t)b->dims[0])) return false;
      if (!vp__act_bounds(op->activation, &lo, &hi)) return false;
      if (b->dims[3] <= 0 || a->dims[3] % b->dims[3] != 0) return false;
      int32_t groups = a->dims[3] / b->dims[3];
      if (groups <= 0 || b->dims[0] % groups != 0 || o->dims[3] != b->dims[0]) return false;
      int32_t dh = op->dilation_h > 0 ? op->dilation_h : 1, dw = op->dilation_w > 0 ? op->dilation_w : 1;
      return o->dims[0] == a->dims[0] &&
             o->dims[1] == conv_out(a->dims[1], b->dims[1], op->stride_h, dh, op->padding) &&
             o->dims[2] == conv_out(a->dims[2], b->dims[2], op->stride_w, dw, op->padding);
    }
    case VP_OP_DEPTHWISE_CONV_2D: {
      const vp__tensor *bias = tin(g, op, 2);
      if (!b || !b->data || !is_f32(b) || b->rank != 4 || a->rank != 4 || o->rank != 4) return false;
      if (bias && (!bias->data || !is_f32(bias) || bias->num_elements != (size_t)b->dims[3])) return false;
      if (!vp__act_bounds(op->activation, &lo, &hi) || b->dims[0] != 1 || a->dims[3] <= 0) return false;
      if (b->dims[3] % a->dims[3] != 0 || o->dims[3] != b->dims[3]) return false;
      int32_t dh = op->dilation_h > 0 ? op->dilation_h : 1, dw = op->dilation_w > 0 ? op->dilation_w : 1;
      return o->dims[0] == a->dims[0] &&
             o->dims[1] == conv_out(a->dims[1], b->dims[1], op->stride_h, dh, op->padding) &&
             o->dims[2] == conv_out(a->dims[2], b->dims[2], op->stride_w, dw, op->padding);
    }
    case VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS: {
      /* inputs: data, OHWI weights, bias (transpose_conv_bias.cc) */
      const vp__tensor *bias = tin(g, op, 2);
      const vp__custom_params *cp = &op->custom;
      if (!b || !b->data || !is_f32(b) || b->rank != 4 || a->rank != 4 || o->rank != 4) return false;
      if (!bias || !bias->data || !is_f32(bias) || bias->num_elements != (size_t)b->dims[0]) return false;
      if (b->dims[3] != a->dims[3] || o->dims[3] != b->dims[0] || o->dims[0] != a->dims[0]) return false;
      if (cp->stride_h <= 0 || cp->stride_w <= 0) return false;
      /* The output size must be what TFLite's transpose convolution gives. */
      for (int d = 1; d <= 2; d++) {
        int32_t s = d == 1 ? cp->stride_h : cp->stride_w, k = b->dims[d], in = a->dims[d];
        int32_t pad = 0; /* transpose_conv_bias.cc: Prepare() */
        if (cp->padding == VP_PAD_SAME) pad = k - (in - 1) % s - 1 > 0 ? k - (in - 1) % s - 1 : 0;
        int32_t want = s * (in - 1) + k - pad;
        if (o->dims[d] != want) return false;
      }
      return true;
    }
    case VP_OP_ADD:
    case VP_OP_MUL:
    case VP_OP_SUB:
    case VP_OP_DIV:
      if (!b || !is_f32(b) || b->rank > XNN_MAX_TENSOR_DIMS) return false;
      return vp__act_bounds(op->activation, &lo, &hi) && broadcast_ok(a, b, o);
    case VP_OP_MAXIMUM:
    case VP_OP_MINIMUM:
      return b && is_f32(b) && b->rank <= XNN_MAX_TENSOR_DIMS && broadcast_ok(a, b, o);
    case VP_OP_RELU:
    case VP_OP_RELU6:
    case VP_OP_HARD_SWISH:
    case VP_OP_LOGISTIC:
      return same_shape(a, o);
    case VP_OP_PRELU:
      /* One slope per channel (any leading 1s), as XNNPACK's PReLU wants. */
      if (!b || !b->data || !is_f32(b) || a->rank != 4 || !same_shape(a, o)) return false;
      return b->num_elements == (size_t)a->dims[3] && b->rank >= 1 && b->dims[b->rank - 1] == a->dims[3];
    case VP_OP_PAD: {
      size_t pre[VP_MAX_DIMS], post[VP_MAX_DIMS];
      if (op->num_inputs > 2 && op->inputs[2] >= 0) {
        const vp__tensor *cv = tin(g, op, 2);
        if (!cv || !cv->data || !is_f32(cv) || cv->num_elements != 1) return false;
      }
      return pad_amounts(g, op, pre, post);
    }
    case VP_OP_MAX_POOL_2D:
    case VP_OP_AVERAGE_POOL_2D:
      if (a->rank != 4 || o->rank != 4 || o->dims[3] != a->dims[3] || o->dims[0] != a->dims[0]) return false;
      if (!vp__act_bounds(op->activation, &lo, &hi)) return false;
      if (op->filter_h == 1 && op->filter_w == 1 && op->stride_h == 1 && op->stride_w == 1) return false;
      return o->dims[1] == conv_out(a->dims[1], op->filter_h, op->stride_h, 1, op->padding) &&
             o->dims[2] == conv_out(a->dims[2], op->filter_w, op->stride_w, 1, op->padding);
    case VP_OP_RESIZE_BILINEAR:
      if (op->align_corners && op->half_pixel_centers) return false;
      return a->rank == 4 && o->rank == 4 && o->dims[0] == a->dims[0] && o->dims[3] == a->dims[3];
    case VP_OP_DEPTH_TO_SPACE: {
      int32_t bs = op->block_size;
      if (bs <= 1 || a->rank != 4 || o->rank != 4) return false;
      return o->dims[0] == a->dims[0] && o->dims[1] == a->dims[1] * bs && o->dims[2] == a->dims[2] * bs &&
             (int64_t)o->dims[3] * bs * bs == a->dims[3];
    }
    case VP_OP_MEAN: {
      uint32_t mask;
      if (!mean_axes(g, op, &mask) || a->rank != 4 || mask != 6u) return false;
      return o->num_elements == (size_t)a->dims[0] * (size_t)a->dims[3];
    }
    case VP_OP_FULLY_CONNECTED: {
      const vp__tensor *bias = tin(g, op, 2);
      if (!b || !b->data || !is_f32(b) || b->rank != 2 || b->dims[1] <= 0) return false;
      if (bias && (!bias->data || !is_f32(bias) || bias->num_elements != (size_t)b->dims[0])) return false;
      if (!vp__act_bounds(op->activation, &lo, &hi)) return false;
      if (a->num_elements % (size_t)b->dims[1] != 0) return false;
      return o->num_elements == a->num_elements / (size_t)b->dims[1] * (size_t)b->dims[0] &&
             o->rank >= 1 && o->dims[o->rank - 1] == b->dims[0];
    }
    default:
      return false;
  }
}

/* ---- value definition -------------------------------------------------- */

static vp_status xerr(const vp__op *op, const char *what, enum xnn_status st) {
  return vp__error(VP_EBACKEND, "operator %d (%s): XNNPACK %s failed: %s", op->index, op->name, what,
                   vp__xnn_status_name(st));
}

static vp_status define_value(vp__xnn_def *d, int32_t t, int rank, const size_t *dims, const void *data,
                              uint32_t ext_id, uint32_t flags, uint32_t *id) {
  (void)t;
  enum xnn_status st = xnn_define_tensor_value(d->subgraph, xnn_datatype_fp32, (size_t)rank, dims, data,
                                               ext_id, flags, id);
  if (st != xnn_status_success)
    return vp__error(VP_EBACKEND, "tensor %d (%s): XNNPACK xnn_define_tensor_value failed: %s", t,
                     d->g->tensors[t].name ? d->g->tensors[t].name : "?", vp__xnn_status_name(st));
  return VP_OK;
}

static void tensor_dims(const vp__tensor *t, size_t *dims) {
  for (int i = 0; i < t->rank; i++) dims[i] = (size_t)t->dims[i];
}

/* Value of tensor @p t as an operator input: a constant, a value defined
 * earlier in this segment, or an external input of the segment. */
static vp_status input_value(vp__xnn_def *d, int32_t t, uint32_t *id) {
  if (d->value[t] != XNN_INVALID_VALUE_ID) {
    *id = d->value[t];
    return VP_OK;
  }
  const vp__tensor *ten = &d->g->tensors[t];
  size_t dims[VP_MAX_DIMS];
  tensor_dims(ten, dims);
  vp_status st;
  if (ten->data) {
    st = define_value(d, t, ten->rank, dims, ten->data, XNN_INVALID_VALUE_ID, 0, id);
  } else {
    if (!d->external[t])
      return vp__error(VP_EFORMAT, "tensor %d (%s) is read before any operator writes it", t,
                       ten->name ? ten->name : "?");
    uint32_t ext = (uint32_t)d->num_ext;
    st = define_value(d, t, ten->rank, dims, NULL, ext, XNN_VALUE_FLAG_EXTERNAL_INPUT, id);
    if (st == VP_OK) d->ext_tensor[d->num_ext++] = t;
  }
  if (st == VP_OK) d->value[t] = *id;
  return st;
}

/* Value for output tensor @p t, with an optional shape override. */
static vp_status output_value_shaped(vp__xnn_def *d, int32_t t, int rank, const size_t *dims, uint32_t *id) {
  if (d->value[t] != XNN_INVALID_VALUE_ID)
    return vp__error(VP_EFORMAT, "tensor %d is written by more than one operator", t);
  vp_status st;
  if (d->external[t]) {
    uint32_t ext = (uint32_t)d->num_ext;
    st = define_value(d, t, rank, dims, NULL, ext, XNN_VALUE_FLAG_EXTERNAL_OUTPUT, id);
    if (st == VP_OK) d->ext_tensor[d->num_ext++] = t;
  } else {
    st = define_value(d, t, rank, dims, NULL, XNN_INVALID_VALUE_ID, 0, id);
  }
  if (st == VP_OK) d->value[t] = *id;
  return st;
}

static vp_status output_value(vp__xnn_def *d, int32_t t, uint32_t *id) {
  size_t dims[VP_MAX_DIMS];
  tensor_dims(&d->g->tensors[t], dims);
  return output_value_shaped(d, t, d->g->tensors[t].rank, dims, id);
}

/* A fresh internal value (for shape adaptation). */
static vp_status temp_value(vp__xnn_def *d, const vp__op *op, int rank, const size_t *dims, uint32_t *id) {
  enum xnn_status st = xnn_define_tensor_value(d->subgraph, xnn_datatype_fp32, (size_t)rank, dims, NULL,
                                               XNN_INVALID_VALUE_ID, 0, id);
  return st == xnn_status_success ? VP_OK : xerr(op, "xnn_define_tensor_value", st);
}

/* Output @p t produced by a node that makes shape @p dims: when the tensor's
 * declared shape differs (same element count), go through a static reshape. */
typedef struct out_adapt {
  uint32_t node_out; /* id the node writes */
  uint32_t final_id;
  bool reshape;
  int rank;
  size_t dims[VP_MAX_DIMS];
} out_adapt;

static vp_status adapt_begin(vp__xnn_def *d, const vp__op *op, int32_t t, int rank, const size_t *dims,
                             out_adapt *a) {
  const vp__tensor *ten = &d->g->tensors[t];
  bool same = ten->rank == rank;
  for (int i = 0; same && i < rank; i++) same = dims[i] == (size_t)ten->dims[i];
  a->reshape = !same;
  if (same) {
    vp_status st = output_value(d, t, &a->final_id);
    a->node_out = a->final_id;
    return st;
  }
  vp_status st = temp_value(d, op, rank, dims, &a->node_out);
  if (st != VP_OK) return st;
  return output_value(d, t, &a->final_id);
}

static vp_status adapt_end(vp__xnn_def *d, const vp__op *op, int32_t t, out_adapt *a) {
  if (!a->reshape) return VP_OK;
  const vp__tensor *ten = &d->g->tensors[t];
  size_t dims[VP_MAX_DIMS];
  tensor_dims(ten, dims);
  enum xnn_status st = xnn_define_static_reshape(d->subgraph, (size_t)ten->rank, dims, a->node_out,
                                                 a->final_id, 0);
  return st == xnn_status_success ? VP_OK : xerr(op, "xnn_define_static_reshape", st);
}

/* Constant with a different shape than declared (same data). */
static vp_status const_value_shaped(vp__xnn_def *d, int32_t t, int rank, const size_t *dims, uint32_t *id) {
  return define_value(d, t, rank, dims, d->g->tensors[t].data, XNN_INVALID_VALUE_ID, 0, id);
}

/* ---- operators --------------------------------------------------------- */

vp_status vp__xnn_define_op(vp__xnn_def *d, const vp__op *op, const vp__fold *fold) {
  const vp__graph *g = d->g;
  if (!vp__xnn_supports(g, op))
    return vp__error(VP_EUNSUPPORTED, "operator %d (%s): parameters not supported by XNNPACK", op->index,
                     op->name);
  const vp__tensor *a = tin(g, op, 0), *o = tout(g, op, 0);
  int32_t ot = op->outputs[0];
  float lo = -INFINITY, hi = INFINITY;
  vp__act_bounds(op->activation, &lo, &hi);
  uint32_t in0 = XNN_INVALID_VALUE_ID, in1 = XNN_INVALID_VALUE_ID, in2 = XNN_INVALID_VALUE_ID, out;
  vp_status st;
  enum xnn_status xs;
  const char *what = "define";

  switch (op->code) {
    case VP_OP_CONV_2D:
    case VP_OP_DEPTHWISE_CONV_2D: {
      const vp__tensor *w = tin(g, op, 1);
      /* A folded PAD: read its input with explicit padding (VALID conv). */
      uint32_t pt = fold ? fold->top : 0, pr = fold ? fold->right : 0, pb = fold ? fold->bottom : 0;
      uint32_t pl = fold ? fold->left : 0;
      if ((st = input_value(d, fold ? fold->input : op->inputs[0], &in0)) != VP_OK) return st;
      if ((st = input_value(d, op->inputs[1], &in1)) != VP_OK) return st;
      if (tin(g, op, 2) && (st = input_value(d, op->inputs[2], &in2)) != VP_OK) return st;
      if ((st = output_value(d, ot, &out)) != VP_OK) return st;
      uint32_t flags = op->padding == VP_PAD_SAME ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0;
      uint32_t dh = op->dilation_h > 0 ? (uint32_t)op->dilation_h : 1;
      uint32_t dw = op->dilation_w > 0 ? (uint32_t)op->dilation_w : 1;
      if (op->code == VP_OP_CONV_2D) {
        uint32_t groups = (uint32_t)(a->dims[3] / w->dims[3]);
        what = "xnn_define_convolution_2d";
        xs = xnn_define_convolution_2d(d->subgraph, pt, pr, pb, pl, (uint32_t)w->dims[1], (uint32_t)w->dims[2],
                                       (uint32_t)op->stride_h, (uint32_t)op->stride_w, dh, dw, groups,
                                       (size_t)w->dims[3], (size_t)w->dims[0] / groups, lo, hi, in0, in1, in2,
                                       out, flags);
      } else {
        what = "xnn_define_depthwise_convolution_2d";
        xs = xnn_define_depthwise_convolution_2d(d->subgraph, pt, pr, pb, pl, (uint32_t)w->dims[1],
                                                 (uint32_t)w->dims[2], (uint32_t)op->stride_h,
                                                 (uint32_t)op->stride_w, dh, dw,
                                                 (uint32_t)(w->dims[3] / a->dims[3]), (size_t)a->dims[3], lo,
                                                 hi, in0, in1, in2, out, flags);
      }
      break;
    }
    case VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS: {
      /* Semantics: mediapipe/util/tflite/operations/transpose_conv_bias.cc
       * (TFLite's transpose convolution with a bias; padding as in TFLite's
       * ComputePaddingHeightWidth applied to the output size). */
      const vp__tensor *w = tin(g, op, 1);
      const vp__custom_params *cp = &op->custom;
      uint32_t pad[2][2] = {{0, 0}, {0, 0}}; /* [h|w][before|after] */
      for (int k = 0; k < 2; k++) {
        int32_t s = k == 0 ? cp->stride_h : cp->stride_w, ks = w->dims[1 + k], in = a->dims[1 + k];
        int32_t outsz = o->dims[1 + k];
        int32_t total = (in - 1) * s + ks - outsz;
        if (total < 0) total = 0;
        pad[k][0] = (uint32_t)(total / 2);
        pad[k][1] = (uint32_t)(total - total / 2);
      }
      if ((st = input_value(d, op->inputs[0], &in0)) != VP_OK) return st;
      int32_t kh = w->dims[1], kw = w->dims[2], co = w->dims[0], ci = w->dims[3];
      if (kh == cp->stride_h && kw == cp->stride_w && kh == kw && !pad[0][0] && !pad[0][1] && !pad[1][0] &&
          !pad[1][1]) {
        /* Non-overlapping footprints (kernel = stride, no padding): every
         * input pixel yields its own k*k*Cout outputs, i.e. a fully connected
         * layer [H*W, Cin] x [k*k*Cout, Cin] followed by depth-to-space, both
         * much faster in XNNPACK than its deconvolution for few channels. */
        size_t rows = (size_t)kh * (size_t)kw * (size_t)co;
        float *wt = malloc(rows * (size_t)ci * sizeof(float) + XNN_EXTRA_BYTES);
        float *bt = malloc(rows * sizeof(float) + XNN_EXTRA_BYTES);
        void **sc = realloc(*d->scratch, sizeof(void *) * (size_t)(*d->num_scratch + 2));
        if (sc) *d->scratch = sc;
        if (!wt || !bt || !sc) {
          free(wt);
          free(bt);
          return vp__error(VP_ENOMEM, "operator %d (%s): out of memory", op->index, op->name);
        }
        sc[(*d->num_scratch)++] = wt;
        sc[(*d->num_scratch)++] = bt;
        const float *wsrc = w->data, *bsrc = tin(g, op, 2)->data;
        for (int32_t dy = 0; dy < kh; dy++)
          for (int32_t dx = 0; dx < kw; dx++)
            for (int32_t o2 = 0; o2 < co; o2++) {
              size_t r = ((size_t)dy * (size_t)kw + (size_t)dx) * (size_t)co + (size_t)o2;
              memcpy(wt + r * (size_t)ci, wsrc + (((size_t)o2 * (size_t)kh + (size_t)dy) * (size_t)kw + (size_t)dx) * (size_t)ci,
                     (size_t)ci * sizeof(float));
              bt[r] = bsrc[o2];
            }
        size_t wd[2] = {rows, (size_t)ci}, bd[1] = {rows};
        size_t fd[2] = {(size_t)a->dims[0] * (size_t)a->dims[1] * (size_t)a->dims[2], rows};
        size_t rd4[4] = {(size_t)a->dims[0], (size_t)a->dims[1], (size_t)a->dims[2], rows};
        uint32_t wid, bid, fid, rid;
        if ((st = define_value(d, op->inputs[1], 2, wd, wt, XNN_INVALID_VALUE_ID, 0, &wid)) != VP_OK) return st;
        if ((st = define_value(d, op->inputs[2], 1, bd, bt, XNN_INVALID_VALUE_ID, 0, &bid)) != VP_OK) return st;
        if ((st = temp_value(d, op, 2, fd, &fid)) != VP_OK) return st;
        if ((st = temp_value(d, op, 4, rd4, &rid)) != VP_OK) return st;
        if ((st = output_value(d, ot, &out)) != VP_OK) return st;
        xs = xnn_define_fully_connected(d->subgraph, -INFINITY, INFINITY, in0, wid, bid, fid,
                                        XNN_FLAG_TENSORFLOW_RESHAPE_2D);
        if (xs != xnn_status_success) return xerr(op, "xnn_define_fully_connected", xs);
        xs = xnn_define_static_reshape(d->subgraph, 4, rd4, fid, rid, 0);
        if (xs != xnn_status_success) return xerr(op, "xnn_define_static_reshape", xs);
        what = "xnn_define_depth_to_space";
        xs = xnn_define_depth_to_space(d->subgraph, rid, out, (uint32_t)kh, 0);
        break;
      }
      if ((st = input_value(d, op->inputs[1], &in1)) != VP_OK) return st;
      if ((st = input_value(d, op->inputs[2], &in2)) != VP_OK) return st;
      if ((st = output_value(d, ot, &out)) != VP_OK) return st;
      what = "xnn_define_deconvolution_2d";
      xs = xnn_define_deconvolution_2d(d->subgraph, pad[0][0], pad[1][1], pad[0][1], pad[1][0], 0, 0,
                                       (uint32_t)w->dims[1], (uint32_t)w->dims[2], (uint32_t)cp->stride_h,
                                       (uint32_t)cp->stride_w, 1, 1, 1, (size_t)w->dims[3],
                                       (size_t)w->dims[0], -INFINITY, INFINITY, in0, in1, in2, out, 0);
      break;
    }
    case VP_OP_ADD:
    case VP_OP_MUL:
    case VP_OP_SUB:
    case VP_OP_DIV:
    case VP_OP_MAXIMUM:
    case VP_OP_MINIMUM:
      if ((st = input_value(d, op->inputs[0], &in0)) != VP_OK) return st;
      if ((st = input_value(d, op->inputs[1], &in1)) != VP_OK) return st;
      if ((st = output_value(d, ot, &out)) != VP_OK) return st;
      what = "binary operator";
      if (op->code == VP_OP_ADD) xs = xnn_define_add2(d->subgraph, lo, hi, in0, in1, out, 0);
      else if (op->code == VP_OP_MUL) xs = xnn_define_multiply2(d->subgraph, lo, hi, in0, in1, out, 0);
      else if (op->code == VP_OP_SUB) xs = xnn_define_subtract(d->subgraph, lo, hi, in0, in1, out, 0);
      else if (op->code == VP_OP_DIV) xs = xnn_define_divide(d->subgraph, lo, hi, in0, in1, out, 0);
      else if (op->code == VP_OP_MAXIMUM) xs = xnn_define_maximum2(d->subgraph, in0, in1, out, 0);
      else xs = xnn_define_minimum2(d->subgraph, in0, in1, out, 0);
      break;
    case VP_OP_RELU:
    case VP_OP_RELU6:
    case VP_OP_HARD_SWISH:
    case VP_OP_LOGISTIC:
      if ((st = input_value(d, op->inputs[0], &in0)) != VP_OK) return st;
      if ((st = output_value(d, ot, &out)) != VP_OK) return st;
      if (op->code == VP_OP_RELU) {
        what = "xnn_define_clamp";
        xs = xnn_define_clamp(d->subgraph, 0.0f, INFINITY, in0, out, 0);
      } else if (op->code == VP_OP_RELU6) {
        what = "xnn_define_clamp";
        xs = xnn_define_clamp(d->subgraph, 0.0f, 6.0f, in0, out, 0);
      } else if (op->code == VP_OP_HARD_SWISH) {
        what = "xnn_define_hardswish";
        xs = xnn_define_hardswish(d->subgraph, in0, out, 0);
      } else {
        what = "xnn_define_sigmoid";
        xs = xnn_define_sigmoid(d->subgraph, in0, out, 0);
      }
      break;
    case VP_OP_PRELU: {
      size_t sdims[1] = {(size_t)a->dims[3]};
      if ((st = input_value(d, op->inputs[0], &in0)) != VP_OK) return st;
      if ((st = const_value_shaped(d, op->inputs[1], 1, sdims, &in1)) != VP_OK) return st;
      if ((st = output_value(d, ot, &out)) != VP_OK) return st;
      what = "xnn_define_prelu";
      xs = xnn_define_prelu(d->subgraph, in0, in1, out, 0);
      break;
    }
    case VP_OP_PAD: {
      size_t pre[VP_MAX_DIMS], post[VP_MAX_DIMS];
      float value = 0.0f;
      pad_amounts(g, op, pre, post);
      if (op->num_inputs > 2 && op->inputs[2] >= 0) value = *(const float *)g->tensors[op->inputs[2]].data;
      if ((st = input_value(d, op->inputs[0], &in0)) != VP_OK) return st;
      if ((st = output_value(d, ot, &out)) != VP_OK) return st;
      what = "xnn_define_static_constant_pad";
      xs = xnn_define_static_constant_pad(d->subgraph, pre, post, value, in0, out, 0);
      break;
    }
    case VP_OP_MAX_POOL_2D:
    case VP_OP_AVERAGE_POOL_2D: {
      uint32_t flags = op->padding == VP_PAD_SAME ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0;
      if ((st = input_value(d, op->inputs[0], &in0)) != VP_OK) return st;
      if ((st = output_value(d, ot, &out)) != VP_OK) return st;
      if (op->code == VP_OP_MAX_POOL_2D) {
        what = "xnn_define_max_pooling_2d";
        xs = xnn_define_max_pooling_2d(d->subgraph, 0, 0, 0, 0, (uint32_t)op->filter_h, (uint32_t)op->filter_w,
                                       (uint32_t)op->stride_h, (uint32_t)op->stride_w, 1, 1, lo, hi, in0, out,
                                       flags);
      } else {
        what = "xnn_define_average_pooling_2d";
        xs = xnn_define_average_pooling_2d(d->subgraph, 0, 0, 0, 0, (uint32_t)op->filter_h,
                                           (uint32_t)op->filter_w, (uint32_t)op->stride_h,
                                           (uint32_t)op->stride_w, lo, hi, in0, out, flags);
      }
      break;
    }
    case VP_OP_RESIZE_BILINEAR: {
      uint32_t flags = op->align_corners ? XNN_FLAG_ALIGN_CORNERS
                       : op->half_pixel_centers ? 0
                                                : XNN_FLAG_TENSORFLOW_LEGACY_MODE;
      if ((st = input_value(d, op->inputs[0], &in0)) != VP_OK) return st;
      if ((st = output_value(d, ot, &out)) != VP_OK) return st;
      what = "xnn_define_static_resize_bilinear_2d";
      xs = xnn_define_static_resize_bilinear_2d(d->subgraph, (size_t)o->dims[1], (size_t)o->dims[2], in0, out,
                                                flags);
      break;
    }
    case VP_OP_DEPTH_TO_SPACE:
      if ((st = input_value(d, op->inputs[0], &in0)) != VP_OK) return st;
      if ((st = output_value(d, ot, &out)) != VP_OK) return st;
      what = "xnn_define_depth_to_space";
      xs = xnn_define_depth_to_space(d->subgraph, in0, out, (uint32_t)op->block_size, 0);
      break;
    case VP_OP_MEAN: {
      size_t dims[4] = {(size_t)a->dims[0], 1, 1, (size_t)a->dims[3]};
      out_adapt ad;
      if ((st = input_value(d, op->inputs[0], &in0)) != VP_OK) return st;
      if ((st = adapt_begin(d, op, ot, 4, dims, &ad)) != VP_OK) return st;
      xs = xnn_define_global_average_pooling_2d(d->subgraph, -INFINITY, INFINITY, in0, ad.node_out, 0);
      if (xs != xnn_status_success) return xerr(op, "xnn_define_global_average_pooling_2d", xs);
      return adapt_end(d, op, ot, &ad);
    }
    case VP_OP_FULLY_CONNECTED: {
      const vp__tensor *w = tin(g, op, 1);
      size_t dims[2] = {a->num_elements / (size_t)w->dims[1], (size_t)w->dims[0]};
      out_adapt ad;
      if ((st = input_value(d, op->inputs[0], &in0)) != VP_OK) return st;
      if ((st = input_value(d, op->inputs[1], &in1)) != VP_OK) return st;
      if (tin(g, op, 2) && (st = input_value(d, op->inputs[2], &in2)) != VP_OK) return st;
      if ((st = adapt_begin(d, op, ot, 2, dims, &ad)) != VP_OK) return st;
      xs = xnn_define_fully_connected(d->subgraph, lo, hi, in0, in1, in2, ad.node_out,
                                      XNN_FLAG_TENSORFLOW_RESHAPE_2D);
      if (xs != xnn_status_success) return xerr(op, "xnn_define_fully_connected", xs);
      return adapt_end(d, op, ot, &ad);
    }
    default:
      return vp__error(VP_EUNSUPPORTED, "operator %d (%s) has no XNNPACK mapping", op->index, op->name);
  }
  if (xs != xnn_status_success) return xerr(op, what, xs);
  return VP_OK;
}
