/* vp__graph helpers: ownership, operator names, MAC counts (layer: model). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/graph.h"

void vp__graph_free(vp__graph *g) {
  if (!g) return;
  for (int32_t i = 0; i < g->num_owned; i++) free(g->owned[i]);
  free(g->owned);
  free(g->file);
  free(g);
}

void *vp__graph_own(vp__graph *g, void *buf) {
  if (!buf) return NULL;
  if (g->num_owned == g->cap_owned) {
    int32_t cap = g->cap_owned ? g->cap_owned * 2 : 64;
    void **n = realloc(g->owned, (size_t)cap * sizeof *n);
    if (!n) {
      free(buf);
      return NULL;
    }
    g->owned = n;
    g->cap_owned = cap;
  }
  g->owned[g->num_owned++] = buf;
  return buf;
}

vp_status vp__error_prefix(vp_status st, const char *fmt, ...) {
  char prev[1024], prefix[512];
  snprintf(prev, sizeof prev, "%s", vp_last_error());
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  return vp__error(st, "%s: %s", prefix, prev);
}

const char *vp__op_name(int32_t code) {
  switch (code) {
    case VP_OP_ADD: return "ADD";
    case VP_OP_AVERAGE_POOL_2D: return "AVERAGE_POOL_2D";
    case VP_OP_CONCATENATION: return "CONCATENATION";
    case VP_OP_CONV_2D: return "CONV_2D";
    case VP_OP_DEPTHWISE_CONV_2D: return "DEPTHWISE_CONV_2D";
    case VP_OP_DEPTH_TO_SPACE: return "DEPTH_TO_SPACE";
    case VP_OP_DEQUANTIZE: return "DEQUANTIZE";
    case VP_OP_FULLY_CONNECTED: return "FULLY_CONNECTED";
    case VP_OP_LOGISTIC: return "LOGISTIC";
    case VP_OP_MAX_POOL_2D: return "MAX_POOL_2D";
    case VP_OP_MUL: return "MUL";
    case VP_OP_RELU: return "RELU";
    case VP_OP_RELU6: return "RELU6";
    case VP_OP_RESHAPE: return "RESHAPE";
    case VP_OP_RESIZE_BILINEAR: return "RESIZE_BILINEAR";
    case VP_OP_TANH: return "TANH";
    case VP_OP_PAD: return "PAD";
    case VP_OP_TRANSPOSE: return "TRANSPOSE";
    case VP_OP_MEAN: return "MEAN";
    case VP_OP_SUB: return "SUB";
    case VP_OP_DIV: return "DIV";
    case VP_OP_SQUEEZE: return "SQUEEZE";
    case VP_OP_STRIDED_SLICE: return "STRIDED_SLICE";
    case VP_OP_MAXIMUM: return "MAXIMUM";
    case VP_OP_MINIMUM: return "MINIMUM";
    case VP_OP_PRELU: return "PRELU";
    case VP_OP_TRANSPOSE_CONV: return "TRANSPOSE_CONV";
    case VP_OP_HARD_SWISH: return "HARD_SWISH";
    case VP_OP_DENSIFY: return "DENSIFY";
    case VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS: return "Convolution2DTransposeBias";
    case VP_OP_CUSTOM_LANDMARKS_TO_TRANSFORM_MATRIX: return "Landmarks2TransformMatrix";
    case VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR: return "TransformTensorBilinear";
    case VP_OP_CUSTOM_TRANSFORM_LANDMARKS: return "TransformLandmarks";
    default: return NULL;
  }
}

static const vp__tensor *in_tensor(const vp__graph *g, const vp__op *op, int32_t i) {
  if (i >= op->num_inputs || op->inputs[i] < 0 || op->inputs[i] >= g->num_tensors) return NULL;
  return &g->tensors[op->inputs[i]];
}

int64_t vp__op_macs(const vp__graph *g, const vp__op *op) {
  const vp__tensor *x = in_tensor(g, op, 0), *w = in_tensor(g, op, 1);
  const vp__tensor *y = op->num_outputs > 0 && op->outputs[0] >= 0 && op->outputs[0] < g->num_tensors
                            ? &g->tensors[op->outputs[0]] : NULL;
  if (!x || !y) return 0;
  switch (op->code) {
    case VP_OP_CONV_2D:
      /* Each output element: KH*KW*Cin products (filter [Cout,KH,KW,Cin]). */
      if (!w || w->rank != 4) return 0;
      return (int64_t)y->num_elements * w->dims[1] * w->dims[2] * w->dims[3];
    case VP_OP_DEPTHWISE_CONV_2D:
      /* Each output element: KH*KW products (filter [1,KH,KW,Cout]). */
      if (!w || w->rank != 4) return 0;
      return (int64_t)y->num_elements * w->dims[1] * w->dims[2];
    case VP_OP_FULLY_CONNECTED:
      /* Each output element: one dot product over the input features. */
      if (!w || w->rank != 2) return 0;
      return (int64_t)y->num_elements * w->dims[1];
    case VP_OP_TRANSPOSE_CONV:
      /* TFLite's TRANSPOSE_CONV: inputs are (output_shape, weights, data). */
      w = in_tensor(g, op, 1);
      x = in_tensor(g, op, 2);
      if (!w || !x || w->rank != 4) return 0;
      return (int64_t)x->num_elements * w->dims[0] * w->dims[1] * w->dims[2];
    case VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS:
      /* Each input element scatters into KH*KW*Cout outputs (weights OHWI). */
      if (!w || w->rank != 4) return 0;
      return (int64_t)x->num_elements * w->dims[0] * w->dims[1] * w->dims[2];
    default:
      return 0;
  }
}
