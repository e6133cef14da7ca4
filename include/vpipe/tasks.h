/**
 * @file tasks.h
 * @brief MediaPipe-compatible vision tasks: face detector, face landmarker
 *        (and, from the hands/pose/selfie work, the other solutions).
 *
 * Shaped like MediaPipe Tasks: an options struct with a defaults function,
 * a running mode, and results that stay valid until the next call on the same
 * handle.
 *
 * - IMAGE: every call is independent (vp_*_detect).
 * - VIDEO: frames in time order with monotonically increasing timestamps
 *   (vp_*_detect_for_video); tracking and smoothing carry over.
 * - LIVE: like VIDEO, but results are delivered to the options' callback from
 *   inside vp_*_detect_async (the caller's thread), so a live source can hand
 *   frames over without waiting for a return value.
 *
 * Coordinates are normalised to the input frame: x / width, y / height.
 * Thread safety: a handle is used by one thread at a time; different handles
 * are independent.
 */
#ifndef VPIPE_TASKS_H
#define VPIPE_TASKS_H

#include <stdbool.h>
#include <stdint.h>

#include "vpipe/core.h"
#include "vpipe/image.h"
#include "vpipe/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A landmark in normalised image coordinates (MediaPipe's NormalizedLandmark). */
typedef struct vp_landmark {
  float x, y, z;
  float visibility; /**< 0 when the model gives none */
  float presence;   /**< 0 when the model gives none */
} vp_landmark;

/** A rotated rectangle, normalised (MediaPipe's NormalizedRect). rotation is in
 *  radians as MediaPipe defines it (positive turns the x axis toward y, i.e.
 *  clockwise on screen). */
typedef struct vp_norm_rect {
  float x_center, y_center, width, height, rotation;
} vp_norm_rect;

/** A normalised point. */
typedef struct vp_point2 {
  float x, y;
} vp_point2;

/** An axis-aligned box, normalised. */
typedef struct vp_box {
  float x, y, w, h;
} vp_box;

/** Running modes, as MediaPipe Tasks. */
typedef enum vp_running_mode {
  VP_RUNNING_MODE_IMAGE = 0,
  VP_RUNNING_MODE_VIDEO = 1,
  VP_RUNNING_MODE_LIVE = 2,
} vp_running_mode;

/** How the image → tensor crop samples the source.
 *  - VP_SAMPLING_CPU: MediaPipe's CPU path (OpenCV warp; output pixel x samples
 *    the ROI at x·scale, no half-pixel shift). The Tasks API on CPU does this.
 *  - VP_SAMPLING_PIXEL_CENTERS: pixel centres map to pixel centres
 *    ((x + 0.5)·scale − 0.5), as MediaPipe's GPU path (texture sampling) does;
 *    the legacy face mesh solution crops this way even with CPU inference, and
 *    its results are matched to ~1e-4 only with this sampling. */
typedef enum vp_sampling {
  VP_SAMPLING_CPU = 0,
  VP_SAMPLING_PIXEL_CENTERS = 1,
} vp_sampling;

/* ------------------------------------------------------------ face detector */

/** Which face detection model. */
typedef enum vp_face_range {
  VP_FACE_RANGE_SHORT = 0,       /**< face_detection_short_range (128×128, faces within ~2 m) */
  VP_FACE_RANGE_FULL = 1,        /**< face_detection_full_range (192×192, dense) */
  VP_FACE_RANGE_FULL_SPARSE = 2, /**< face_detection_full_range_sparse (192×192) */
} vp_face_range;

#define VP_FACE_KEYPOINTS 6

/** One detected face. */
typedef struct vp_face_detection {
  float score;
  /** The box as MediaPipe Tasks reports it: each of x, y, w, h truncated to
   *  whole pixels (then clamped to the image), divided by the image size. */
  vp_box box;
  int32_t box_px[4];  /**< the same box in integer pixels: x, y, w, h */
  vp_box box_exact;   /**< the unquantised box (normalised) */
  /** MediaPipe order: right eye, left eye, nose tip, mouth centre, right ear
   *  tragion, left ear tragion ("right" = the subject's right). */
  vp_point2 keypoints[VP_FACE_KEYPOINTS];
} vp_face_detection;

/** Result of one frame; valid until the next call on the detector. */
typedef struct vp_face_detector_result {
  int32_t count;
  const vp_face_detection *faces; /**< sorted by score, highest first */
  int64_t timestamp_ns;
} vp_face_detector_result;

typedef struct vp_face_detector vp_face_detector;

/** LIVE-mode callback: @p result and @p frame are borrowed for the call only. */
typedef void (*vp_face_detector_callback)(void *user, vp_status status,
                                          const vp_face_detector_result *result,
                                          const vp_frame *frame);

typedef struct vp_face_detector_options {
  uint32_t struct_size;               /**< sizeof(vp_face_detector_options) */
  vp_face_range range;                /**< default SHORT */
  const char *model_path;             /**< explicit .tflite (NULL: by name from the model store) */
  const char *models_dir;             /**< model store folder (NULL: vp_models_dir()) */
  vp_running_mode running_mode;       /**< default IMAGE */
  float min_detection_confidence;     /**< default 0.5 */
  float min_suppression_threshold;    /**< default 0.3 (weighted NMS IoU) */
  int32_t max_results;                /**< default -1: all */
  vp_sampling sampling;               /**< default VP_SAMPLING_CPU (as MediaPipe Tasks) */
  int32_t num_threads;                /**< inference threads (default 1) */
  vp_threadpool *pool;                /**< borrowed; overrides num_threads */
  vp_face_detector_callback result_callback; /**< LIVE mode */
  void *user;
  vp_precision precision;              /**< default FP32, MediaPipe's arithmetic; BF16 is
                                            faster and close (see vp_precision) */
  uint8_t reserved[28];
} vp_face_detector_options;

VP_API vp_face_detector_options vp_face_detector_options_default(void);

/** Create a detector. @return VP_OK, VP_EINVAL (options), model errors. */
VP_API vp_status vp_face_detector_create(const vp_face_detector_options *options,
                                         vp_face_detector **out);
VP_API void vp_face_detector_destroy(vp_face_detector *det);

/** IMAGE mode. @p frame: RGB24, RGBA, BGR24, BGRA or YUV420P/YUVJ420P. */
VP_API vp_status vp_face_detector_detect(vp_face_detector *det, const vp_frame *frame,
                                         const vp_face_detector_result **out);
/** VIDEO mode; @p timestamp_ns must increase. */
VP_API vp_status vp_face_detector_detect_for_video(vp_face_detector *det, const vp_frame *frame,
                                                   int64_t timestamp_ns,
                                                   const vp_face_detector_result **out);
/** LIVE mode: the result goes to the callback before this returns. */
VP_API vp_status vp_face_detector_detect_async(vp_face_detector *det, const vp_frame *frame,
                                               int64_t timestamp_ns);

/* Stage-wise use, one frame at a time: preprocess writes the input tensor,
 * infer runs the model, postprocess decodes. Each needs the previous one; all
 * on one thread. */
VP_API vp_status vp_face_detector_preprocess(vp_face_detector *det, const vp_frame *frame);
VP_API vp_status vp_face_detector_infer(vp_face_detector *det);
VP_API vp_status vp_face_detector_postprocess(vp_face_detector *det, int64_t timestamp_ns,
                                              const vp_face_detector_result **out);

/**
 * Stage-wise use with several frames in flight (pipelines whose
 * preprocessing, inference and postprocessing run on different threads): a
 * job owns one frame's tensor, raw outputs and result.
 * - job_preprocess and job_postprocess only read the detector: they may run
 *   on any thread, concurrently with each other and with job_infer on other jobs;
 * - job_infer uses the detector's session: one thread at a time.
 * The result returned by job_postprocess stays valid until the job is
 * preprocessed again or destroyed. A job belongs to the detector that made it.
 */
typedef struct vp_face_detector_job vp_face_detector_job;
VP_API vp_status vp_face_detector_job_create(const vp_face_detector *det,
                                             vp_face_detector_job **out);
VP_API void vp_face_detector_job_destroy(vp_face_detector_job *job);
VP_API vp_status vp_face_detector_job_preprocess(const vp_face_detector *det,
                                                 const vp_frame *frame, vp_face_detector_job *job);
VP_API vp_status vp_face_detector_job_infer(vp_face_detector *det, vp_face_detector_job *job);
VP_API vp_status vp_face_detector_job_postprocess(const vp_face_detector *det,
                                                  vp_face_detector_job *job, int64_t timestamp_ns,
                                                  const vp_face_detector_result **out);

/* ---------------------------------------------------------- face landmarker */

#define VP_FACE_LANDMARKS 468
#define VP_FACE_LANDMARKS_REFINED 478

/** One face mesh. */
typedef struct vp_face_landmarks {
  float presence;               /**< face presence score (sigmoid of the model's flag) */
  int32_t num_landmarks;        /**< 468, or 478 with refined landmarks */
  const vp_landmark *landmarks; /**< normalised; 468–472 right iris, 473–477 left iris */
  vp_norm_rect roi;             /**< the crop the landmarks were found in */
} vp_face_landmarks;

typedef struct vp_face_landmarker_result {
  int32_t count;
  const vp_face_landmarks *faces;
  int64_t timestamp_ns;
} vp_face_landmarker_result;

typedef struct vp_face_landmarker vp_face_landmarker;

typedef void (*vp_face_landmarker_callback)(void *user, vp_status status,
                                            const vp_face_landmarker_result *result,
                                            const vp_frame *frame);

typedef struct vp_face_landmarker_options {
  uint32_t struct_size;
  vp_running_mode running_mode;        /**< default IMAGE */
  bool refine_landmarks;               /**< attention model, 478 points (default false) */
  int32_t num_faces;                   /**< default 1 */
  float min_face_detection_confidence; /**< default 0.5 */
  float min_face_presence_confidence;  /**< default 0.5 */
  float min_tracking_confidence;       /**< default 0.5: below it a tracked face is re-detected */
  bool smoothing;                      /**< One Euro smoothing in VIDEO/LIVE (default true) */
  vp_face_range detector_range;        /**< default SHORT (as MediaPipe's face mesh) */
  /** default VP_SAMPLING_PIXEL_CENTERS, as the legacy face mesh solution; used
   *  for the detector and the landmark crops. */
  vp_sampling sampling;
  const char *models_dir;              /**< NULL: vp_models_dir() */
  const char *detector_model_path;     /**< explicit files (NULL: by name) */
  const char *landmark_model_path;
  int32_t num_threads;                 /**< default 1 */
  vp_threadpool *pool;                 /**< borrowed; overrides num_threads */
  vp_face_landmarker_callback result_callback;
  void *user;
  vp_precision precision;              /**< default FP32, MediaPipe's arithmetic; BF16 is
                                            faster and close (see vp_precision) */
  uint8_t reserved[28];
} vp_face_landmarker_options;

VP_API vp_face_landmarker_options vp_face_landmarker_options_default(void);
VP_API vp_status vp_face_landmarker_create(const vp_face_landmarker_options *options,
                                           vp_face_landmarker **out);
VP_API void vp_face_landmarker_destroy(vp_face_landmarker *lm);
VP_API vp_status vp_face_landmarker_detect(vp_face_landmarker *lm, const vp_frame *frame,
                                           const vp_face_landmarker_result **out);
VP_API vp_status vp_face_landmarker_detect_for_video(vp_face_landmarker *lm,
                                                     const vp_frame *frame, int64_t timestamp_ns,
                                                     const vp_face_landmarker_result **out);
VP_API vp_status vp_face_landmarker_detect_async(vp_face_landmarker *lm, const vp_frame *frame,
                                                 int64_t timestamp_ns);

/**
 * Stage-wise use (pipelines with preprocess / infer / postprocess stages):
 * preprocess finds the ROIs (tracked faces; the detector when fewer than
 * num_faces are tracked) and crops them; infer runs the landmark model on
 * every crop; postprocess decodes, projects, updates tracking and smooths.
 * One frame at a time and in this order (the next frame's ROIs come from
 * this frame's postprocess), so keep the three calls on one thread.
 * @p timestamp_ns as in detect_for_video (ignored in IMAGE mode).
 */
VP_API vp_status vp_face_landmarker_preprocess(vp_face_landmarker *lm, const vp_frame *frame,
                                               int64_t timestamp_ns);
VP_API vp_status vp_face_landmarker_infer(vp_face_landmarker *lm);
VP_API vp_status vp_face_landmarker_postprocess(vp_face_landmarker *lm,
                                                const vp_face_landmarker_result **out);

/** Per-call timings of the last frame, for benchmarks and statistics (ns). */
typedef struct vp_task_timings {
  int64_t preprocess_ns, inference_ns, postprocess_ns;
  int32_t detector_runs, landmark_runs;
} vp_task_timings;
VP_API void vp_face_detector_timings(const vp_face_detector *det, vp_task_timings *out);
VP_API void vp_face_landmarker_timings(const vp_face_landmarker *lm, vp_task_timings *out);
VP_API void vp_face_detector_job_timings(const vp_face_detector_job *job, vp_task_timings *out);

#ifdef __cplusplus
}
#endif

/* Hand landmarker, pose landmarker, segmenter. */
#include "vpipe/tasks_body.h"

#endif /* VPIPE_TASKS_H */
