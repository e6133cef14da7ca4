/**
 * @file model.h
 * @brief Loading MediaPipe's .tflite models and running them on XNNPACK.
 *
 * Define, then run: a vp_model is the immutable parsed network (shareable by
 * any number of threads); a vp_session owns the XNNPACK runtime, workspace and
 * I/O buffers and is used by one thread at a time.
 *
 * @code
 *   vp_model *m;
 *   if (vp_model_create_from_file("face_landmark.tflite", &m) != VP_OK)
 *     fprintf(stderr, "%s\n", vp_last_error());
 *   vp_session *s;
 *   vp_session_options so = vp_session_options_default();
 *   so.num_threads = 2;
 *   vp_session_create(m, &so, &s);
 *   fill(vp_session_input(s, 0));
 *   vp_session_run(s);
 *   use(vp_session_output(s, 0));
 *   vp_session_destroy(s);
 *   vp_model_destroy(m);
 * @endcode
 */
#ifndef VPIPE_MODEL_H
#define VPIPE_MODEL_H

#include <stdbool.h>

#include "vpipe/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Maximum tensor rank handled by vpipe. */
#define VP_MAX_DIMS 6

/** Bytes every caller-bound tensor buffer must have beyond its size, because
 *  SIMD kernels may read (never write) past the end. */
#define VP_TENSOR_PADDING 64

/** Element types as TFLite names them. */
typedef enum vp_dtype {
  VP_DTYPE_F32 = 0,
  VP_DTYPE_F16,
  VP_DTYPE_I32,
  VP_DTYPE_U8,
  VP_DTYPE_I8,
  VP_DTYPE_I16,
  VP_DTYPE_I64,
  VP_DTYPE_BOOL,
  VP_DTYPE_UNKNOWN,
} vp_dtype;

/** @return "float32", "float16", ... for @p t. */
VP_API const char *vp_dtype_name(vp_dtype t);

/** Description of one model input or output. Strings belong to the model. */
typedef struct vp_tensor_info {
  const char *name;
  vp_dtype dtype;
  int32_t rank;
  int32_t dims[VP_MAX_DIMS];
  size_t num_elements;
  size_t size_bytes;
} vp_tensor_info;

/** A parsed, validated model. Immutable after creation; thread safe. Opaque. */
typedef struct vp_model vp_model;

/**
 * Load a .tflite file. The file is untrusted: every offset is bounds-checked
 * and an error names the offset, tensor or operator that was wrong.
 * @param path file to read.
 * @param[out] out the model, written only on success; free with vp_model_destroy().
 * @return VP_OK, VP_ENOENT / VP_EIO (file), VP_EFORMAT (malformed),
 *         VP_EUNSUPPORTED (unknown operator or type), VP_ESHAPE, VP_ENOMEM.
 */
VP_API vp_status vp_model_create_from_file(const char *path, vp_model **out);

/** Load from memory; the bytes are copied, the caller keeps @p data. */
VP_API vp_status vp_model_create_from_buffer(const void *data, size_t size, vp_model **out);

/** Free a model. Every session made from it must already be destroyed. NULL is fine. */
VP_API void vp_model_destroy(vp_model *model);

VP_API int32_t vp_model_input_count(const vp_model *model);
VP_API int32_t vp_model_output_count(const vp_model *model);
/** @return VP_OK, or VP_ERANGE for a bad index. */
VP_API vp_status vp_model_input_info(const vp_model *model, int32_t index, vp_tensor_info *out);
VP_API vp_status vp_model_output_info(const vp_model *model, int32_t index, vp_tensor_info *out);
/** @return the index of the input/output named @p name, or -1. */
VP_API int32_t vp_model_find_input(const vp_model *model, const char *name);
VP_API int32_t vp_model_find_output(const vp_model *model, const char *name);

/** Whole-model statistics, as `vpipe inspect` prints them. */
typedef struct vp_model_stats {
  int32_t num_operators;
  int32_t num_tensors;
  int64_t num_parameters; /**< elements of constant tensors */
  int64_t macs;           /**< multiply-accumulates of one run */
} vp_model_stats;
VP_API vp_status vp_model_stats_get(const vp_model *model, vp_model_stats *out);

/** Number of distinct operator kinds, and the name and count of each. */
VP_API int32_t vp_model_operator_kinds(const vp_model *model);
VP_API vp_status vp_model_operator_kind(const vp_model *model, int32_t index, const char **name,
                                        int32_t *count);

/** One operator of a loaded model, in execution order (after load-time
 *  folding of DEQUANTIZE/DENSIFY, which no longer appear). */
typedef struct vp_operator_info {
  const char *kind;        /**< "CONV_2D", "Convolution2DTransposeBias", ... */
  int32_t file_index;      /**< position in the .tflite file's operator list */
  int32_t num_inputs;      /**< including absent optional inputs */
  int32_t num_outputs;
  int64_t macs;            /**< multiply-accumulates per run (0 for data movement) */
  int64_t num_parameters;  /**< elements of its constant inputs */
} vp_operator_info;

/** @return the number of operators (vp_model_stats.num_operators). */
VP_API int32_t vp_model_operator_count(const vp_model *model);
/** Describe operator @p index (0 .. count-1). @return VP_OK or VP_ERANGE. */
VP_API vp_status vp_model_operator_info(const vp_model *model, int32_t index,
                                        vp_operator_info *out);
/**
 * Input (@p output false) or output @p i of operator @p index.
 * @param[out] is_constant may be NULL; set when the tensor is a weight/constant.
 * @return VP_OK, VP_ERANGE for bad indices, VP_ENOENT for an absent optional input.
 */
VP_API vp_status vp_model_operator_tensor(const vp_model *model, int32_t index, bool output,
                                          int32_t i, vp_tensor_info *out, bool *is_constant);

/** Arithmetic of a session's heavy layers. */
typedef enum vp_precision {
  /** float32 throughout, as MediaPipe's XNNPACK runs the models (default). */
  VP_PRECISION_FP32 = 0,
  /** 1x1 convolutions multiply bfloat16 values (inputs and weights rounded to
   *  8-bit mantissas) and sum in float32, on CPUs with AVX512-BF16: those
   *  layers run 1.6-2x faster, whole networks 1.05-1.65x. Face and hand
   *  landmarks stay within 0.003 of MediaPipe's; pose landmarks, which are
   *  ill-conditioned on partial bodies, can move by up to 0.2 of the image
   *  (bench/README.md, "bf16"). Everything else stays float32. Without
   *  AVX512-BF16 the session runs FP32; vp_session_precision() says which was
   *  used. */
  VP_PRECISION_BF16 = 1,
} vp_precision;

/** "fp32", "bf16" or "?". */
VP_API const char *vp_precision_name(vp_precision p);
/** Parse "fp32" / "bf16". @return VP_OK or VP_EINVAL. */
VP_API vp_status vp_precision_parse(const char *s, vp_precision *out);
/** Whether this CPU runs VP_PRECISION_BF16 (AVX512-BF16), else sessions fall back to FP32. */
VP_API bool vp_precision_bf16_available(void);

/** Options for a session. Get defaults with vp_session_options_default(). */
typedef struct vp_session_options {
  uint32_t struct_size;   /**< sizeof(vp_session_options), set by the defaults function */
  int32_t num_threads;    /**< threads for intra-op parallelism (default 1) */
  vp_threadpool *pool;    /**< explicit pool (borrowed; overrides num_threads), or NULL
                               for the process-wide shared pool of num_threads */
  bool profile;           /**< collect per-operator timings (vp_session_profile) */
  uint32_t skip_outputs;  /**< bit k set: output k is not wanted. Operators that feed
                               only skipped outputs are not run (pose landmark models
                               skip their segmentation decoder this way); a skipped
                               output's buffer holds unspecified data. Default 0. */
  vp_precision precision; /**< default VP_PRECISION_FP32 */
  uint8_t reserved[56];
} vp_session_options;

VP_API vp_session_options vp_session_options_default(void);

/** An executable instance of a model; one thread at a time. Opaque. */
typedef struct vp_session vp_session;

/**
 * Build the XNNPACK runtime for @p model. @p model must outlive the session.
 * @param options NULL for defaults.
 */
VP_API vp_status vp_session_create(const vp_model *model, const vp_session_options *options,
                                   vp_session **out);
VP_API void vp_session_destroy(vp_session *session);
/** The precision the session runs: its options' one, or FP32 when BF16 was asked
 *  for on a CPU without AVX512-BF16. */
VP_API vp_precision vp_session_precision(const vp_session *session);

/** The session-owned buffer of input @p index (float32, NHWC), or NULL for a bad
 *  index. Valid until the session is destroyed or the input is re-bound. */
VP_API float *vp_session_input(vp_session *session, int32_t index);
/** The buffer of output @p index, valid until the next run or re-bind. */
VP_API const float *vp_session_output(vp_session *session, int32_t index);

/**
 * Zero-copy: run input @p index straight from @p buffer (borrowed; must hold
 * size_bytes + VP_TENSOR_PADDING bytes and stay valid while bound). NULL
 * restores the session's own buffer.
 */
VP_API vp_status vp_session_bind_input(vp_session *session, int32_t index, float *buffer);
/** Zero-copy: write output @p index straight into @p buffer (same rules). */
VP_API vp_status vp_session_bind_output(vp_session *session, int32_t index, float *buffer);

/** Run the network once on the current inputs. */
VP_API vp_status vp_session_run(vp_session *session);

/** One profiled step: an XNNPACK segment or a C kernel between segments. */
typedef struct vp_profile_entry {
  const char *name;    /**< operator kind, e.g. "DEPTHWISE_CONV_2D" */
  int64_t total_ns;    /**< accumulated over the runs since profiling began */
  int64_t calls;
  int64_t macs;        /**< per call */
} vp_profile_entry;

/** Per-operator-kind timings gathered while options.profile was set. */
VP_API int32_t vp_session_profile(const vp_session *session, const vp_profile_entry **entries);

/**
 * The machine's practical compute roofline, for putting a model's speed in
 * perspective (`vpipe bench model`): a dense 3x3 convolution, 64x64x128 ->
 * 128 channels with SAME padding, run as one XNNPACK operator on the thread
 * pool @p options selects (NULL: one thread), @p runs times after two
 * warm-up runs.
 * @param[out] gmacs multiply-accumulates per second / 1e9 of the fastest run
 *             (written only on success).
 * @return VP_OK, VP_EINVAL, VP_ENOMEM or VP_EBACKEND.
 */
VP_API vp_status vp_roofline_measure(const vp_session_options *options, int32_t runs, double *gmacs);

/* ---- Model store ------------------------------------------------------- */

/*
 * vpipe knows MediaPipe's 15 published models by name. Their bytes come from
 * pinned versions of the @mediapipe npm packages; the SHA-256 of every
 * package tarball and every model is compiled in (models/manifest.tsv in the
 * source tree), so a model file is either exactly MediaPipe's or rejected.
 */

/**
 * The folder models are read from: $VPIPE_MODELS if set, else
 * $XDG_DATA_HOME/vpipe/models, else ~/.local/share/vpipe/models.
 * @return VP_OK, VP_ENOENT if neither variable nor a home folder is known,
 *         or VP_ERANGE if @p size is too small.
 */
VP_API vp_status vp_models_dir(char *buf, size_t size);

/** One model vpipe knows. Strings are static. */
typedef struct vp_model_entry {
  const char *name;            /**< "face_landmark" (file: name + ".tflite") */
  const char *package;         /**< npm package, "@mediapipe/face_mesh" */
  const char *package_version; /**< pinned version, "0.4.1657299874" */
  const char *sha256;          /**< 64 lowercase hex digits */
  int64_t size;                /**< bytes */
} vp_model_entry;

/** @return the number of models vpipe knows (15). */
VP_API int32_t vp_models_count(void);

/** Describe model @p index (0 .. vp_models_count()-1). @return VP_OK or VP_ERANGE. */
VP_API vp_status vp_models_entry(int32_t index, vp_model_entry *out);

/**
 * The file a model is read from: @p models_dir (NULL: vp_models_dir()) /
 * NAME.tflite. @return VP_OK, VP_EINVAL for an unknown name, VP_ERANGE.
 */
VP_API vp_status vp_model_path(const char *name, const char *models_dir, char *buf, size_t size);

/**
 * Check that model @p name in @p models_dir (NULL: vp_models_dir()) is
 * exactly MediaPipe's: right size and SHA-256. A successful check is
 * remembered for the process, keyed by path, inode, size and modification
 * time, so checking an unchanged file again costs one stat().
 * Thread safe.
 * @return VP_OK; VP_ENOENT (missing), VP_ECHECKSUM (wrong size or bytes),
 *         VP_EINVAL (unknown name), VP_EIO. The message says how to fix it.
 */
VP_API vp_status vp_model_verify(const char *name, const char *models_dir);

/**
 * Load one of MediaPipe's models by name ("face_landmark", ...), from
 * @p models_dir (NULL: vp_models_dir()), after vp_model_verify(). A missing
 * or corrupted model fails with a message that names the file and says how to
 * fetch it (`vpipe models fetch`).
 */
VP_API vp_status vp_model_create_by_name(const char *name, const char *models_dir,
                                         vp_model **out);

/** Progress callback of vp_models_fetch(): one line of text per step. */
typedef void (*vp_models_progress_fn)(void *user, const char *message);

/** Options of vp_models_fetch(). Get defaults with vp_models_fetch_options_default(). */
typedef struct vp_models_fetch_options {
  uint32_t struct_size;          /**< sizeof(vp_models_fetch_options), set by the defaults */
  const char *dir;               /**< destination; NULL: vp_models_dir() (created if needed) */
  bool force;                    /**< fetch even packages whose models already verify */
  const char *npm;               /**< npm program (searched in PATH); NULL: "npm" */
  const char *tar;               /**< tar program (searched in PATH); NULL: "tar" */
  int32_t timeout_s;             /**< stop npm or tar after this many seconds; 0: 600 */
  vp_models_progress_fn progress; /**< NULL: progress goes to the log at INFO level */
  void *progress_user;
  uint8_t reserved[64];
} vp_models_fetch_options;

VP_API vp_models_fetch_options vp_models_fetch_options_default(void);

/**
 * Fetch MediaPipe's models: for each pinned npm package whose models are not
 * all present and verified (or every package with options.force), run
 * `npm pack NAME@VERSION` in a temporary folder, check the tarball's SHA-256,
 * unpack it with tar, take each model out (a plain file, or a byte range of a
 * `*_packed_assets.data` file as its `*_packed_assets_loader.js` lists it),
 * check the model's size and SHA-256 and write it atomically (temporary file,
 * then rename) as DIR/NAME.tflite. Blocks; needs the npm registry.
 * Every package is tried even when one fails.
 * @param options NULL for defaults.
 * @return VP_OK when every model is present and verified afterwards; else the
 *         first failure (VP_EIO: npm or tar failed, VP_ETIMEDOUT: npm or tar
 *         hung, VP_ECHECKSUM, VP_EFORMAT: unexpected package contents), with a
 *         message naming the package.
 */
VP_API vp_status vp_models_fetch(const vp_models_fetch_options *options);

#ifdef __cplusplus
}
#endif
#endif /* VPIPE_MODEL_H */
