/**
 * @file tasks_body.h
 * @brief Hand landmarker, pose landmarker and selfie segmenter, shaped like
 *        MediaPipe Tasks (included by vpipe/tasks.h; see it for running modes,
 *        coordinates and thread safety).
 *
 * @code
 *   vp_hand_landmarker_options o = vp_hand_landmarker_options_default();
 *   o.num_hands = 2;
 *   vp_hand_landmarker *h;
 *   if (vp_hand_landmarker_create(&o, &h) != VP_OK) fail(vp_last_error());
 *   const vp_hand_landmarker_result *r;
 *   vp_hand_landmarker_detect(h, frame, &r);
 *   for (int i = 0; i < r->count; i++) use(r->hands[i].handedness, r->hands[i].landmarks);
 *   vp_hand_landmarker_destroy(h);
 * @endcode
 */
#ifndef VPIPE_TASKS_BODY_H
#define VPIPE_TASKS_BODY_H

#include <stdbool.h>
#include <stdint.h>

#include "vpipe/core.h"
#include "vpipe/image.h"
#include "vpipe/model.h"
#include "vpipe/tasks.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Model size of the hand and pose landmark models. */
typedef enum vp_model_size {
  VP_MODEL_LITE = 0,
  VP_MODEL_FULL = 1,
  VP_MODEL_HEAVY = 2, /**< pose only */
} vp_model_size;

/* ----------------------------------------------------------- hand landmarker */

#define VP_HAND_LANDMARK_COUNT 21

/** One hand. */
typedef struct vp_hand {
  int64_t id;                 /**< stable while tracked (VIDEO/LIVE); 1, 2, ... */
  const char *handedness;     /**< "Left" or "Right", as MediaPipe Tasks labels an
                                   unmirrored image (static string) */
  float handedness_score;
  float presence;             /**< hand presence score of the landmark model */
  vp_landmark landmarks[VP_HAND_LANDMARK_COUNT];       /**< normalised; 0 = wrist */
  vp_landmark world_landmarks[VP_HAND_LANDMARK_COUNT]; /**< metres, hand centre origin */
  vp_norm_rect roi;           /**< the crop the landmarks were found in */
} vp_hand;

typedef struct vp_hand_landmarker_result {
  int32_t count;
  const vp_hand *hands;
  int64_t timestamp_ns;
} vp_hand_landmarker_result;

typedef struct vp_hand_landmarker vp_hand_landmarker;

typedef void (*vp_hand_landmarker_callback)(void *user, vp_status status,
                                            const vp_hand_landmarker_result *result,
                                            const vp_frame *frame);

typedef struct vp_hand_landmarker_options {
  uint32_t struct_size;                /**< sizeof(vp_hand_landmarker_options) */
  vp_running_mode running_mode;        /**< default IMAGE */
  vp_model_size model;                 /**< LITE or FULL (palm + landmark model), default FULL */
  int32_t num_hands;                   /**< default 1, at most 16 */
  float min_hand_detection_confidence; /**< palm detector score, default 0.5 */
  float min_hand_presence_confidence;  /**< landmark model presence, default 0.5 */
  float min_tracking_confidence;       /**< IoU for associating tracked and detected
                                            hands (as MediaPipe Tasks), default 0.5 */
  bool remove_duplicates;              /**< MediaPipe's hand deduplication, default true */
  bool remove_overlapping;             /**< vpipe addition, default false: also drop a hand
                                            whose landmark box overlaps a kept hand's by
                                            IoU > 0.5. MediaPipe keeps such hands (one hand
                                            reported twice) and tracks both, so turning this
                                            on changes results against MediaPipe. */
  int32_t detector_interval;           /**< VIDEO/LIVE: while at least one hand is tracked but
                                            fewer than num_hands, run the palm detector only
                                            every N-th frame (default 1 = every frame, as
                                            MediaPipe); with no hand tracked it runs always */
  const char *models_dir;              /**< NULL: vp_models_dir() */
  const char *palm_model_path;         /**< explicit files (NULL: by name) */
  const char *landmark_model_path;
  int32_t num_threads;                 /**< default 1 */
  vp_threadpool *pool;                 /**< borrowed; overrides num_threads */
  vp_hand_landmarker_callback result_callback; /**< LIVE mode */
  void *user;
  vp_precision precision;              /**< default FP32, MediaPipe's arithmetic; BF16 is
                                            faster and close (see vp_precision) */
  uint8_t reserved[28];
} vp_hand_landmarker_options;

VP_API vp_hand_landmarker_options vp_hand_landmarker_options_default(void);
VP_API vp_status vp_hand_landmarker_create(const vp_hand_landmarker_options *options,
                                           vp_hand_landmarker **out);
VP_API void vp_hand_landmarker_destroy(vp_hand_landmarker *h);
/** IMAGE mode: palm detection then landmarks on every call. */
VP_API vp_status vp_hand_landmarker_detect(vp_hand_landmarker *h, const vp_frame *frame,
                                           const vp_hand_landmarker_result **out);
/** VIDEO mode: hands tracked from the previous frame's landmarks; the palm
 *  detector runs only while fewer than num_hands hands are tracked. */
VP_API vp_status vp_hand_landmarker_detect_for_video(vp_hand_landmarker *h,
                                                     const vp_frame *frame, int64_t timestamp_ns,
                                                     const vp_hand_landmarker_result **out);
/** LIVE mode: as VIDEO, result delivered to the callback before returning. */
VP_API vp_status vp_hand_landmarker_detect_async(vp_hand_landmarker *h, const vp_frame *frame,
                                                 int64_t timestamp_ns);
VP_API void vp_hand_landmarker_timings(const vp_hand_landmarker *h, vp_task_timings *out);

/* ----------------------------------------------------------- pose landmarker */

#define VP_POSE_LANDMARK_COUNT 33

/** One person. */
typedef struct vp_pose {
  int64_t id;        /**< stable while tracked (VIDEO/LIVE); 1, 2, ... */
  float presence;    /**< pose presence score of the landmark model */
  vp_landmark landmarks[VP_POSE_LANDMARK_COUNT];       /**< normalised, with visibility
                                                            and presence */
  vp_landmark world_landmarks[VP_POSE_LANDMARK_COUNT]; /**< metres, hip-centre origin */
  vp_norm_rect roi;  /**< the crop the landmarks were found in */
  /** Confidence mask of this person at the frame's size (row-major,
   *  mask_width × mask_height of the result), or NULL without masks. */
  const float *mask;
} vp_pose;

typedef struct vp_pose_landmarker_result {
  int32_t count;
  const vp_pose *poses;
  int32_t mask_width, mask_height; /**< frame size when masks were asked for */
  int64_t timestamp_ns;
} vp_pose_landmarker_result;

typedef struct vp_pose_landmarker vp_pose_landmarker;

typedef void (*vp_pose_landmarker_callback)(void *user, vp_status status,
                                            const vp_pose_landmarker_result *result,
                                            const vp_frame *frame);

typedef struct vp_pose_landmarker_options {
  uint32_t struct_size;
  vp_running_mode running_mode;        /**< default IMAGE */
  vp_model_size model;                 /**< LITE, FULL (default) or HEAVY */
  int32_t num_poses;                   /**< default 1, at most 16 */
  float min_pose_detection_confidence; /**< default 0.5 */
  float min_pose_presence_confidence;  /**< default 0.5 */
  float min_tracking_confidence;       /**< IoU for associating tracked and detected
                                            poses, default 0.5 */
  bool output_segmentation_masks;      /**< default false */
  bool smoothing;                      /**< MediaPipe's landmark filters in VIDEO/LIVE
                                            (every pose, not only the first), default true */
  bool mask_smoothing;                 /**< MediaPipe's segmentation smoothing (ratio 0.7)
                                            in VIDEO/LIVE, default true */
  int32_t detector_interval;           /**< as vp_hand_landmarker_options (default 1) */
  const char *models_dir;
  const char *detector_model_path;
  const char *landmark_model_path;
  int32_t num_threads;
  vp_threadpool *pool;
  vp_pose_landmarker_callback result_callback;
  void *user;
  vp_precision precision;              /**< default FP32, MediaPipe's arithmetic; BF16 is
                                            faster and close (see vp_precision) */
  uint8_t reserved[28];
} vp_pose_landmarker_options;

VP_API vp_pose_landmarker_options vp_pose_landmarker_options_default(void);
VP_API vp_status vp_pose_landmarker_create(const vp_pose_landmarker_options *options,
                                           vp_pose_landmarker **out);
VP_API void vp_pose_landmarker_destroy(vp_pose_landmarker *p);
VP_API vp_status vp_pose_landmarker_detect(vp_pose_landmarker *p, const vp_frame *frame,
                                           const vp_pose_landmarker_result **out);
VP_API vp_status vp_pose_landmarker_detect_for_video(vp_pose_landmarker *p,
                                                     const vp_frame *frame, int64_t timestamp_ns,
                                                     const vp_pose_landmarker_result **out);
VP_API vp_status vp_pose_landmarker_detect_async(vp_pose_landmarker *p, const vp_frame *frame,
                                                 int64_t timestamp_ns);
VP_API void vp_pose_landmarker_timings(const vp_pose_landmarker *p, vp_task_timings *out);

/* ------------------------------------------------------------------ segmenter */

typedef enum vp_segmenter_model {
  VP_SEGMENTER_SQUARE = 0,    /**< selfie_segmentation, 256×256 */
  VP_SEGMENTER_LANDSCAPE = 1, /**< selfie_segmentation_landscape, 256×144 (w×h) */
} vp_segmenter_model;

typedef struct vp_segmenter_result {
  int32_t width, height;      /**< the frame's size */
  const float *confidence;    /**< person confidence, width × height, row-major */
  float foreground_fraction;  /**< share of pixels with confidence > 0.5 */
  int64_t timestamp_ns;
} vp_segmenter_result;

typedef struct vp_segmenter vp_segmenter;

typedef void (*vp_segmenter_callback)(void *user, vp_status status,
                                      const vp_segmenter_result *result, const vp_frame *frame);

typedef struct vp_segmenter_options {
  uint32_t struct_size;
  vp_running_mode running_mode; /**< default IMAGE */
  vp_segmenter_model model;     /**< default SQUARE */
  bool smoothing;               /**< MediaPipe's segmentation smoothing in VIDEO/LIVE
                                     (ratio 0.7); default false, as Tasks */
  const char *models_dir;
  const char *model_path;
  int32_t num_threads;
  vp_threadpool *pool;
  vp_segmenter_callback result_callback;
  void *user;
  vp_precision precision;              /**< default FP32, MediaPipe's arithmetic; BF16 is
                                            faster and close (see vp_precision) */
  uint8_t reserved[28];
} vp_segmenter_options;

VP_API vp_segmenter_options vp_segmenter_options_default(void);
VP_API vp_status vp_segmenter_create(const vp_segmenter_options *options, vp_segmenter **out);
VP_API void vp_segmenter_destroy(vp_segmenter *s);
VP_API vp_status vp_segmenter_segment(vp_segmenter *s, const vp_frame *frame,
                                      const vp_segmenter_result **out);
VP_API vp_status vp_segmenter_segment_for_video(vp_segmenter *s, const vp_frame *frame,
                                                int64_t timestamp_ns,
                                                const vp_segmenter_result **out);
VP_API vp_status vp_segmenter_segment_async(vp_segmenter *s, const vp_frame *frame,
                                            int64_t timestamp_ns);
VP_API void vp_segmenter_timings(const vp_segmenter *s, vp_task_timings *out);

/** How vp_mask_render() uses a confidence mask. */
typedef enum vp_mask_render_mode {
  VP_MASK_OVERLAY = 0,    /**< tint the person with the colour (its alpha = strength) */
  VP_MASK_BLUR = 1,       /**< blur the background */
  VP_MASK_COLOR = 2,      /**< replace the background with the colour */
  VP_MASK_IMAGE = 3,      /**< replace the background with an image */
} vp_mask_render_mode;

typedef struct vp_mask_render_options {
  vp_mask_render_mode mode;
  vp_color color;            /**< OVERLAY / COLOR */
  int32_t blur_radius;       /**< BLUR, pixels (default 15) */
  const vp_frame *background;/**< IMAGE: any size (scaled to the frame), RGB24 */
} vp_mask_render_options;

/**
 * Composite @p frame (RGB24, writable) with a confidence mask of the same size
 * (e.g. vp_segmenter_result.confidence): the mask is the per-pixel blend
 * weight of the person over the (blurred / coloured / replaced) background.
 */
VP_API vp_status vp_mask_render(vp_frame *frame, const float *mask, int32_t mask_width,
                                int32_t mask_height, const vp_mask_render_options *options);

#ifdef __cplusplus
}
#endif
#endif /* VPIPE_TASKS_BODY_H */
