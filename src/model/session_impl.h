/* Internals of the XNNPACK session runtime (layer: model, private).
 *
 * A session turns the prepared vp__graph into a list of steps run in order:
 *   - an XNNPACK step: one xnn_runtime for a run of consecutive operators that
 *     XNNPACK can execute (a "segment");
 *   - a kernel step: a plain-C kernel (kernels_*.c, custom_ops.c) for what this
 *     XNNPACK lacks (strided slice, general mean, concatenation copies,
 *     MediaPipe's custom operators, ...).
 * Data-movement-only operators (RESHAPE, CONCATENATION whose outer size is 1)
 * become no steps at all: their tensors share storage ("alias groups").
 *
 * Storage: every tensor that crosses a step boundary, belongs to an alias group
 * or is a model input/output is "external" and lives in a buffer: the root
 * tensor of its alias group owns one buffer (session-owned, VP_TENSOR_PADDING
 * extra bytes, 64-byte aligned) unless the caller has bound one; members point
 * at a byte offset inside it. Other tensors stay inside XNNPACK's workspace.
 */
#ifndef VP_MODEL_SESSION_IMPL_H
#define VP_MODEL_SESSION_IMPL_H

#include <math.h>
#include <pthreadpool.h>
#include <xnnpack.h>

#include "model/graph.h"

/* How an operator is executed. */
typedef enum vp__exec {
  VP_EXEC_XNN = 0, /* defined in an XNNPACK subgraph */
  VP_EXEC_KERNEL,  /* plain-C kernel between segments */
  VP_EXEC_NOP,     /* storage alias; nothing to run */
  VP_EXEC_FUSED,   /* absorbed into another operator's kernel (fusion) */
  VP_EXEC_DEAD,    /* feeds only outputs the caller skipped; not run */
} vp__exec;

/* A spatial PAD folded into the convolution that consumes it. */
typedef struct vp__fold {
  int32_t input;           /* the PAD's input, read by the convolution */
  uint32_t top, right, bottom, left;
} vp__fold;

struct vp__kernel_ctx;
typedef vp_status (*vp__kernel_fn)(const struct vp__kernel_ctx *ctx);

/* What a kernel sees when it runs. */
typedef struct vp__kernel_ctx {
  const vp__graph *graph;
  const vp__op *op;
  float *const *ptr;        /* per-tensor data pointers (constants included) */
  pthreadpool_t threadpool; /* NULL: run on the calling thread */
  const uint8_t *copy_input; /* CONCATENATION: 1 = input needs copying */
  void *state;               /* kernel-private data prepared at build time */
} vp__kernel_ctx;

typedef enum vp__step_kind { VP_STEP_XNN, VP_STEP_KERNEL } vp__step_kind;

typedef struct vp__step {
  vp__step_kind kind;
  int32_t first_op, last_op;    /* range of operators (indices into graph->ops) */
  int32_t prof;                 /* profile entry, -1 when not profiling */
  /* VP_STEP_XNN */
  xnn_runtime_t runtime;
  int32_t num_ext;
  int32_t *ext_tensor;          /* tensor of each external id */
  struct xnn_external_value *ext;
  /* VP_STEP_KERNEL */
  vp__kernel_fn fn;
  vp__kernel_ctx kctx;
} vp__step;

/* Per-operator plan, decided before any XNNPACK object exists. */
typedef struct vp__op_plan {
  vp__exec exec;
  vp__kernel_fn kernel; /* VP_EXEC_KERNEL */
  uint8_t *copy_input;  /* CONCATENATION inputs that could not be aliased */
  int32_t step;         /* step index, -1 for NOP */
  void *state;          /* kernel-private data (packed weights, ...) */
  void (*state_free)(void *);
  /* Fusion head: the tensors really read and written differ from the op's. */
  bool remapped;
  int32_t nrd, rd[8], wr;
  bool folded;          /* a PAD folded into this convolution */
  vp__fold fold;
  bool decided;         /* execution chosen by a fusion */
  const vp__op *act_op; /* RELU / RELU6 / HARD_SWISH (/ PRELU: first-layer conv) absorbed */
} vp__op_plan;

/* xnn_initialize() once per process (thread safe). */
vp_status vp__xnn_ensure_init(void);

/* ---- xnn_build.c ------------------------------------------------------ */

/* Whether XNNPACK can run @p op as this graph has it (shapes, parameters). */
bool vp__xnn_supports(const vp__graph *g, const vp__op *op);

/* Defining context for one segment's subgraph. */
typedef struct vp__xnn_def {
  const vp__graph *g;
  xnn_subgraph_t subgraph;
  uint32_t *value;       /* per tensor: XNNPACK value id or XNN_INVALID_VALUE_ID */
  const uint8_t *external; /* per tensor: lives in a session buffer */
  int32_t *ext_tensor;   /* filled: tensor of each external id */
  int32_t num_ext;
  void ***scratch;       /* buffers (converted constants) kept alive by the session */
  int32_t *num_scratch;
} vp__xnn_def;

/* Add @p op to the subgraph (@p fold: a PAD folded into a convolution, or
 * NULL). Errors name the operator index, kind and tensor. */
vp_status vp__xnn_define_op(vp__xnn_def *d, const vp__op *op, const vp__fold *fold);

/* Status name for messages. */
const char *vp__xnn_status_name(enum xnn_status st);

/* ---- kernels_*.c, custom_ops.c ---------------------------------------- */

/* The C kernel for @p op, or NULL if there is none for its parameters. When
 * NULL, *why says what was unsupported. */
vp__kernel_fn vp__kernel_for(const vp__graph *g, const vp__op *op, const char **why);

/* ---- kernel_dwconv.c: AVX-512 depthwise convolution ------------------ */

bool vp__dwconv_applies(const vp__graph *g, const vp__op *op);
/* @p fold: a folded PAD or NULL; @p act_op: an absorbed RELU / RELU6 /
 * HARD_SWISH or NULL; @p out: the tensor written. */
vp_status vp__dwconv_prepare(const vp__graph *g, const vp__op *op, const vp__fold *fold, const vp__op *act_op,
                             int32_t out, vp__kernel_fn *fn, void **state, void (**state_free)(void *));

/* ---- kernel_conv3.c: first-layer convolution (3 input channels) ------- */

bool vp__conv3_applies(const vp__graph *g, const vp__op *op);
/* @p fold: a folded PAD or NULL; @p act_op: an absorbed RELU / RELU6 /
 * PRELU / HARD_SWISH or NULL; @p out: the tensor written. */
vp_status vp__conv3_prepare(const vp__graph *g, const vp__op *op, const vp__fold *fold, const vp__op *act_op,
                            int32_t out, vp__kernel_fn *fn, void **state, void (**state_free)(void *));

/* ---- kernel_conv_c1.c: 3x3 convolution from 8 channels to one ---------- */

bool vp__conv_c1_applies(const vp__graph *g, const vp__op *op);
vp_status vp__conv_c1_prepare(const vp__graph *g, const vp__op *op, vp__kernel_fn *fn, void **state,
                              void (**state_free)(void *));

/* ---- kernel_dwpw8.c: fused 8-channel residual block ------------------- */

/* y = act(x + act(CONV_1x1_8to8(act(DEPTHWISE_3x3_SAME(x))))) on [1,H,W,8]. */
bool vp__dwpw8_cpu_ok(void);
vp_status vp__dwpw8_prepare(const vp__graph *g, const vp__op *dw, const vp__op *pw, const vp__op *add, int32_t out,
                            vp__kernel_fn *fn, void **state, void (**state_free)(void *));

/* ---- kernel_se.c: fused squeeze-and-excitation gate ------------------ */

/* out = act(x * sigmoid(convs(mean over pixels of src)) [+ y]) on [1,H,W,C]
 * tensors: an AVERAGE_POOL over the whole of src, one or two 1x1
 * convolutions on the [1,1,1,*] vector (each with its fused activation and
 * an optional RELU / RELU6 operator after it), LOGISTIC, the broadcasting
 * MUL and optionally a residual ADD of y. */
typedef struct vp__se_fusion {
  int32_t src;                 /* tensor averaged */
  int32_t nconv;               /* 1 or 2 */
  const vp__op *conv[2];       /* in execution order */
  bool relu[2], relu6[2];      /* a RELU / RELU6 operator after conv[i] */
  int32_t x, y;                /* MUL's data operand; the ADD's other operand or -1 */
  const vp__op *add;           /* absorbed ADD or NULL */
  int32_t out;                 /* tensor written */
} vp__se_fusion;

vp_status vp__se_prepare(const vp__graph *g, const vp__se_fusion *f, vp__kernel_fn *fn, void **state,
                         void (**state_free)(void *));

/* ---- kernel_add.c: fused residual ADD ---------------------------------- */

/* out = act(a + b) on [1,H,W,C] tensors, where a or b may have fewer channels
 * (a channel-padding PAD folded in: missing channels are 0) and act is none,
 * ReLU, ReLU6 or a per-channel PReLU (@p act_op, or NULL for the ADD's own
 * fused activation). */
typedef struct vp__add_fusion {
  const vp__op *add;
  int32_t a, b;          /* tensors read (PAD inputs when folded) */
  const vp__op *act_op;  /* PRELU / RELU / RELU6 absorbed, or NULL */
  int32_t out;           /* tensor written */
  int32_t pool[2];       /* operand a / b is a 2x2 stride-2 MAX_POOL of this tensor, or -1 */
} vp__add_fusion;

vp_status vp__add_prepare(const vp__graph *g, const vp__add_fusion *f, vp__kernel_fn *fn, void **state,
                          void (**state_free)(void *));

/* ---- kernel_deconv.c: 2x2 stride-2 transpose convolution, 1 output ---- */

bool vp__deconv_applies(const vp__graph *g, const vp__op *op);
vp_status vp__deconv_prepare(const vp__graph *g, const vp__op *op, vp__kernel_fn *fn, void **state,
                             void (**state_free)(void *));

/* ---- kernel_resize.c: bilinear resize ---------------------------------- */

bool vp__resize_applies(const vp__graph *g, const vp__op *op);
vp_status vp__resize_prepare(const vp__graph *g, const vp__op *op, vp__kernel_fn *fn, void **state,
                             void (**state_free)(void *));

/* ---- kernel_pw_bf16.c: 1x1 convolution in bfloat16 (VP_PRECISION_BF16) -- */

bool vp__pw_bf16_applies(const vp__graph *g, const vp__op *op);
/* @p threads: the pool's thread count (1 without a pool), for the task grid. */
vp_status vp__pw_bf16_prepare(const vp__graph *g, const vp__op *op, size_t threads, vp__kernel_fn *fn,
                              void **state, void (**state_free)(void *));

/* @p row(ctx, y) for y in [0, rows): spread over @p pool, or on the calling
 * thread when @p pool is NULL (no pool, or work too small to share). */
static inline void vp__parallel_rows(pthreadpool_t pool, void (*row)(void *, size_t), void *ctx, size_t rows) {
  if (pool) {
    pthreadpool_parallelize_1d(pool, row, ctx, rows, 0);
    return;
  }
  for (size_t y = 0; y < rows; y++) row(ctx, y);
}

/* The clamp of a fused activation (TFLite's ReLU family): [lo, hi], infinite
 * where unbounded. @return false for one that is not a clamp (TANH, ...). */
static inline bool vp__act_bounds(vp__activation a, float *lo, float *hi) {
  switch (a) {
    case VP_ACT_NONE: *lo = -INFINITY, *hi = INFINITY; return true;
    case VP_ACT_RELU: *lo = 0.0f, *hi = INFINITY; return true;
    case VP_ACT_RELU_N1_TO_1: *lo = -1.0f, *hi = 1.0f; return true;
    case VP_ACT_RELU6: *lo = 0.0f, *hi = 6.0f; return true;
    default: *lo = -INFINITY, *hi = INFINITY; return false;
  }
}

/* A CONV_2D with its data and filter operands present and one output. */
static inline bool vp__is_conv(const vp__op *op) {
  return op->code == VP_OP_CONV_2D && op->num_inputs >= 2 && op->num_outputs == 1 && op->inputs[0] >= 0 &&
         op->inputs[1] >= 0;
}

/* An absorbed RELU / RELU6 operator overrides the producer's own activation. */
static inline vp__activation vp__act_with(vp__activation a, const vp__op *act_op) {
  if (act_op && act_op->code == VP_OP_RELU) return VP_ACT_RELU;
  if (act_op && act_op->code == VP_OP_RELU6) return VP_ACT_RELU6;
  return a;
}

/* CPU features, probed once per process (cpu_features.c). */
bool vp__cpu_has_avx512(void);
bool vp__cpu_has_avx512vl_fma(void); /* AVX-512F + VL and FMA */
bool vp__cpu_has_avx512_bf16(void);  /* and AVX-512BW + BF16 */

#endif
