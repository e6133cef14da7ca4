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

/* TFLite sparsity (schema.fbs SparsityParameters), as read from the file.
 * Index vectors point into the model bytes and have 1, 2 or 4-byte
 * little-endian elements; graph_prep validates every value when it
 * densifies. */
#define VP_MAX_SPARSE_DIMS 8
typedef struct vp__index_vec {
  const uint8_t *data;
  uint32_t len;
  int32_t elem_size;
} vp__index_vec;

typedef struct vp__sparse_dim {
  int32_t format;        /* 0 DENSE, 1 SPARSE_CSR */
  int32_t dense_size;    /* DENSE */
  vp__index_vec segments, indices; /* SPARSE_CSR */
} vp__sparse_dim;

typedef struct vp__sparsity {
  int32_t num_dims;      /* n + k: tensor rank plus block dimensions */
  int32_t num_blocks;    /* k */
  int32_t traversal_order[VP_MAX_SPARSE_DIMS];
  int32_t block_map[VP_MAX_SPARSE_DIMS];
  vp__sparse_dim dims[VP_MAX_SPARSE_DIMS];
  const void *values;    /* the stored (non-zero) values, tensor dtype */
  size_t num_values;
} vp__sparsity;

typedef struct vp__tensor {
  const char *name;        /* NUL-terminated copy owned by the graph */
  vp_dtype dtype;
  int32_t rank;
  int32_t dims[VP_MAX_DIMS];
  size_t num_elements;
  size_t size_bytes;
  const void *data;        /* constant data or NULL for an activation */
  bool is_input, is_output; /* graph inputs / outputs */
  /* Sparse constant (only for DENSIFY inputs); graph_prep densifies it into
   * the DENSIFY output. Backends never see it. */
  const vp__sparsity *sparsity;
} vp__tensor;

/* Parsed custom-operator parameters, decoded by the reader so that no backend
 * parses flexbuffers. Which fields are set depends on the op (and its
 * OperatorCode version, `version`); the others are zero. Sources: MediaPipe's
 * mediapipe/util/tflite/operations/ *.cc (the CPU kernels) and the parsers they
 * call, tensorflow/lite/delegates/gpu/common/mediapipe/ *.cc
 * (Parse*Attributes).
 *
 * Convolution2DTransposeBias (transpose_conv_bias.cc): custom_options is a raw
 *   TfLiteTransposeConvParams struct {int32 padding (TfLitePadding: 1 SAME,
 *   2 VALID); int32 stride_width; int32 stride_height}, not a flexbuffer.
 *   Inputs: data [N,H,W,Cin], weights [Cout,KH,KW,Cin] (OHWI), bias [Cout].
 *   Output H = stride_h*(H-1) + KH - pad_h (pad_h = max(0, KH-(H-1)%stride_h-1)
 *   for SAME, 0 for VALID), likewise W; the kernel starts each input pixel's
 *   footprint at (in*stride - pad/2) and adds the bias.
 *
 * Landmarks2TransformMatrix (landmarks_to_transform_matrix.cc), flexbuffer map:
 *   v2 (what face_landmark_with_attention uses): "left_rotation_idx",
 *     "right_rotation_idx" (landmark indices giving the rotation),
 *     "target_rotation_radians", "output_height", "output_width", "scale_x",
 *     "scale_y", "subset_idxs" (flat list read as index pairs; an odd last
 *     index is paired with itself). Input: landmarks [1, N, 3]; output [1,4,4].
 *   v1: "input_hw" [h,w], "output_hw" [h,w], "dimensions" (3),
 *     "landmarks_range", "bbox_size_multiplier", "left_rotation_idx",
 *     "right_rotation_idx", "subset" (pairs as above). Input [1,1,1,3N].
 *
 * TransformTensorBilinear (transform_tensor_bilinear.cc):
 *   v2 (name "TransformTensorBilinear"): map keys "output_height",
 *     "output_width"; align_corners = true (the kernel shifts the matrix by
 *     half a pixel: x' = x + 0.5*(m00 + m01) - 0.5).
 *   v1 (name "TransformTensor"): "output_size" [h,w], "mode" must be
 *     "bilinear"; align_corners = false.
 *   Inputs: data [1,H,W,C], matrix [1,4,4]; output [1,out_h,out_w,C];
 *   samples outside [0,W-1]x[0,H-1] give 0.
 *
 * TransformLandmarks (transform_landmarks.cc):
 *   v2: no options; dimensions = the input's last dim / landmark count
 *     (input [1, N, D], D = 2 or 3), scale = 1.
 *   v1: map keys "dimensions" (2 or 3) and "scale" (multiplies the matrix's
 *     translation column); input [1,1,1,N*D].
 *   Output: x,y through the matrix's first two rows; z copied.
 */
typedef struct vp__custom_params {
  int32_t version;                   /* OperatorCode.version of the op */
  /* Convolution2DTransposeBias */
  vp__padding padding;
  int32_t stride_w, stride_h;
  /* Landmarks2TransformMatrix (v1 and v2) */
  int32_t left_rotation_idx, right_rotation_idx;
  int32_t num_subset_idxs;           /* number of index pairs */
  const int32_t *subset_idxs;        /* 2*num_subset_idxs ints, owned by the graph */
  /* Landmarks2TransformMatrix v2; output_* also TransformTensorBilinear */
  float target_rotation_radians;
  int32_t output_height, output_width;
  float scale_x, scale_y;
  /* Landmarks2TransformMatrix v1 */
  int32_t input_hw[2], output_hw[2];
  int32_t landmarks_range;
  float bbox_size_multiplier;
  /* Landmarks2TransformMatrix v1 (3) and TransformLandmarks (2 or 3) */
  int32_t dimensions;
  /* TransformTensorBilinear */
  bool align_corners;
  /* TransformLandmarks */
  float scale;
  const uint8_t *raw;                /* custom_options bytes (inside the file) */
  size_t raw_size;
} vp__custom_params;

typedef struct vp__op {
  vp__opcode code;
  const char *name;          /* "CONV_2D", "Convolution2DTransposeBias", ... */
  int32_t index;             /* position in the model's operator list */
  int32_t version;           /* OperatorCode.version */
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
 * constants; the ops are removed from `ops`. Run by vp_model_create_*.
 *
 * After a successful prepare, backends may rely on:
 *  - ops are in a valid execution order: every input is a constant, a graph
 *    input or an earlier op's output; each tensor is produced once; graph
 *    inputs/outputs are float32 activations and every output is produced;
 *  - no DEQUANTIZE or DENSIFY remains; every constant an op reads as data
 *    (weights, bias, alpha, ...) is float32 with `data` set, parameter
 *    tensors (PAD paddings, MEAN axes, RESIZE size, STRIDED_SLICE
 *    begin/end/strides, TRANSPOSE perm) are constant int32;
 *  - shapes agree with each op's semantics: CONV_2D/DEPTHWISE/POOL output
 *    sizes match TFLite's SAME/VALID formulas; filters match input channels;
 *    bias sizes match output channels; binary ops broadcast to the output;
 *    CONCATENATION's `axis` is normalised to [0, rank); PAD amounts are
 *    non-negative; custom ops' landmark indices lie inside their input;
 *    TransformLandmarks v2 has `custom.dimensions` filled from the shape;
 *  - ops the reader accepts beyond the 15 models' set (TANH, SUB, DIV,
 *    MAXIMUM, MINIMUM, RELU6, TRANSPOSE, SQUEEZE, TRANSPOSE_CONV) are
 *    validated too; a backend without a kernel for one must fail with
 *    VP_EUNSUPPORTED naming it. */
vp_status vp__graph_prepare(vp__graph *g);

void vp__graph_free(vp__graph *g);

/* TFLite's name of a builtin operator code or of a vp__opcode ("CONV_2D",
 * "Convolution2DTransposeBias"), or NULL for codes vpipe does not handle. */
const char *vp__op_name(int32_t code);

/* IEEE float16 bits → float32, exact (graph_prep.c). */
float vp__half_to_float(uint16_t h);

/* Bytes per element of @p t (0 for VP_DTYPE_UNKNOWN). */
size_t vp__dtype_size(vp_dtype t);

/* Prefix the current vp_last_error() message with "<prefix>: " and return @p st. */
vp_status vp__error_prefix(vp_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Remember @p buf so vp__graph_free() frees it. Returns @p buf or NULL (and
 * frees it) when out of memory. */
void *vp__graph_own(vp__graph *g, void *buf);

/* Multiply-accumulates of one op (0 for data movement). */
int64_t vp__op_macs(const vp__graph *g, const vp__op *op);

/* The vp_model handle: the prepared graph plus lookup helpers. */
struct vp_model {
  vp__graph *graph;
  int32_t num_kinds;         /* distinct operator kinds, for vp_model_operator_kind */
  struct vp__op_kind {
    vp__opcode code;
    const char *name;
    int32_t count;
  } *kinds;
};

#endif
