/* The in-memory network every backend works from (layer: model, private).
 *
 * The .tflite reader (tflite_reader.c) fills a vp__graph; load-time passes
 * (graph_prep.c) then turn DEQUANTIZE of float16 constants and DENSIFY of
 * sparse constants into plain float32 constants, so that backends (the
 * XNNPACK runtime, the test-only reference interpreter) only ever see
 * compute operators on float32 activations.
 *
 * Ownership: the graph owns every array below. Constant data either points
 * into `file` (the model bytes, owned by the graph) or into a buffer in
 * `owned` (converted at load). Nothing here is mutated after loading.
 */
#ifndef VP_MODEL_GRAPH_H
#define VP_MODEL_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpipe/model.h"

/* Operator codes. Builtins keep TFLite's BuiltinOperator numbering, so the
 * reader maps them directly; MediaPipe's custom operators get codes above 1000. */
typedef enum vp__opcode {
  VP_OP_ADD = 0,
  VP_OP_AVERAGE_POOL_2D = 1,
  VP_OP_CONCATENATION = 2,
  VP_OP_CONV_2D = 3,
  VP_OP_DEPTHWISE_CONV_2D = 4,
  VP_OP_DEPTH_TO_SPACE = 5,
  VP_OP_DEQUANTIZE = 6,
  VP_OP_FULLY_CONNECTED = 9,
  VP_OP_LOGISTIC = 14,
  VP_OP_MAX_POOL_2D = 17,
  VP_OP_MUL = 18,
  VP_OP_RELU = 19,
  VP_OP_RELU6 = 21,
  VP_OP_RESHAPE = 22,
  VP_OP_RESIZE_BILINEAR = 23,
  VP_OP_TANH = 28,
  VP_OP_PAD = 34,
  VP_OP_TRANSPOSE = 39,
  VP_OP_MEAN = 40,
  VP_OP_SUB = 41,
  VP_OP_DIV = 42,
  VP_OP_SQUEEZE = 43,
  VP_OP_STRIDED_SLICE = 45,
  VP_OP_MAXIMUM = 55,
  VP_OP_MINIMUM = 57,
  VP_OP_PRELU = 54,
  VP_OP_TRANSPOSE_CONV = 67,
  VP_OP_HARD_SWISH = 117,
  VP_OP_DENSIFY = 124,
  /* MediaPipe custom operators (mediapipe/util/tflite/operations/). */
  VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS = 1001,  /* "Convolution2DTransposeBias" */
  VP_OP_CUSTOM_LANDMARKS_TO_TRANSFORM_MATRIX, /* "Landmarks2TransformMatrix" */
  VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR,     /* "TransformTensorBilinear" */
  VP_OP_CUSTOM_TRANSFORM_LANDMARKS,           /* "TransformLandmarks" */
} vp__opcode;

/* Fused activation, as TFLite's ActivationFunctionType. */
typedef enum vp__activation {
  VP_ACT_NONE = 0,
  VP_ACT_RELU = 1,
  VP_ACT_RELU_N1_TO_1 = 2,
  VP_ACT_RELU6 = 3,
  VP_ACT_TANH = 4,
} vp__activation;

typedef enum vp__padding { VP_PAD_SAME = 0, VP_PAD_VALID = 1 } vp__padding;

typedef struct vp__tensor {
  const char *name;        /* NUL-terminated copy owned by the graph */
  vp_dtype dtype;
  int32_t rank;
  int32_t dims[VP_MAX_DIMS];
  size_t num_elements;
  size_t size_bytes;
  const void *data;        /* constant data or NULL for an activation */
  bool is_input, is_output; /* graph inputs / outputs */
  /* Sparse constant (only for DENSIFY inputs), already validated; graph_prep
   * consumes it. Opaque to backends. */
  const void *sparsity;
} vp__tensor;

/* Parsed custom-operator parameters. MediaPipe's ops keep them in
 * custom_options (a flexbuffer map, or a raw TfLiteTransposeConvParams for
 * Convolution2DTransposeBias); the reader decodes them here so that no backend
 * parses flexbuffers. The reader's author owns these fields. */
typedef struct vp__custom_params {
  vp__padding padding;               /* Convolution2DTransposeBias */
  int32_t stride_w, stride_h;        /* Convolution2DTransposeBias */
  int32_t output_height, output_width;  /* TransformTensorBilinear, Landmarks2TransformMatrix */
  float scale_x, scale_y;            /* Landmarks2TransformMatrix */
  float target_rotation_radians;     /* Landmarks2TransformMatrix */
  int32_t rotation_idx[2];           /* Landmarks2TransformMatrix: landmarks giving the angle */
  int32_t num_subset_idxs;           /* Landmarks2TransformMatrix: landmark index pairs */
  int32_t subset_idxs[64];
  bool align_corners;                /* TransformTensorBilinear */
  const uint8_t *raw;                /* custom_options bytes (inside the file) */
  size_t raw_size;
} vp__custom_params;

typedef struct vp__op {
  vp__opcode code;
  const char *name;          /* "CONV_2D", "Convolution2DTransposeBias", ... */
  int32_t index;             /* position in the model's operator list */
  int32_t num_inputs, num_outputs;
  int32_t *inputs;           /* tensor indices; -1 = optional input absent */
  int32_t *outputs;
  /* Builtin options (only the fields of the op's own options table are set). */
  vp__activation activation;
  vp__padding padding;
  int32_t stride_w, stride_h;
  int32_t dilation_w, dilation_h;
  int32_t filter_w, filter_h;          /* pooling */
  int32_t depth_multiplier;
  int32_t axis;                        /* CONCATENATION */
  int32_t block_size;                  /* DEPTH_TO_SPACE */
  bool align_corners, half_pixel_centers; /* RESIZE_BILINEAR */
  bool keep_dims;                      /* MEAN */
  bool keep_num_dims;                  /* FULLY_CONNECTED */
  int32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask;
  int32_t new_shape[VP_MAX_DIMS];      /* RESHAPE options (also read from input 1) */
  int32_t new_shape_rank;
  vp__custom_params custom;
} vp__op;

typedef struct vp__graph {
  uint8_t *file;             /* model bytes (owned) */
  size_t file_size;
  int32_t num_tensors;
  vp__tensor *tensors;
  int32_t num_ops;
  vp__op *ops;               /* in execution order */
  int32_t num_inputs, num_outputs;
  int32_t *inputs, *outputs; /* tensor indices */
  /* Buffers created at load (names, converted constants); freed with the graph. */
  void **owned;
  int32_t num_owned, cap_owned;
} vp__graph;

/* Parse and validate a .tflite flatbuffer. Takes ownership of @file (malloc'd)
 * on success and on failure. Every offset is bounds-checked; errors name the
 * offset, tensor or operator. */
vp_status vp__graph_parse(uint8_t *file, size_t size, vp__graph **out);

/* Load-time rewrites: fp16 DEQUANTIZE and DENSIFY of constants become float32
 * constants; the ops are removed from `ops`. Run by vp_model_create_*. */
vp_status vp__graph_prepare(vp__graph *g);

void vp__graph_free(vp__graph *g);

/* Remember @p buf so vp__graph_free() frees it. Returns @p buf or NULL (and
 * frees it) when out of memory. */
void *vp__graph_own(vp__graph *g, void *buf);

/* Multiply-accumulates of one op (0 for data movement). */
int64_t vp__op_macs(const vp__graph *g, const vp__op *op);

/* The vp_model handle: the prepared graph plus lookup helpers. */
struct vp_model {
  vp__graph *graph;
};

#endif
