/*
 * Shared plumbing of the hand landmarker, pose landmarker and segmenter:
 * one network (model + session) and the ROI crop into a model input tensor.
 */
#ifndef VP_TASKS_BODY_COMMON_H
#define VP_TASKS_BODY_COMMON_H

#include "vpipe/model.h"
#include "vpipe/tasks.h"

typedef struct vp__net {
  vp_model *model;
  vp_session *session;
  int32_t in_w, in_h; /* input tensor width and height (NHWC, 3 channels) */
  int32_t num_outputs;
} vp__net;

/* Load a model (explicit @p path, else @p name from the model store in @p dir)
 * and make its session. Checks a 1×H×W×3 float input and at least
 * @p min_outputs outputs; @p what names the model in error messages.
 * @p skip_outputs: outputs the task will not read; @p precision as the
 * task's options (both vp_session_options). */
vp_status vp__net_open(vp__net *n, const char *what, const char *name, const char *path,
                       const char *dir, int32_t threads, vp_threadpool *pool,
                       vp_precision precision, int32_t min_outputs, uint32_t skip_outputs);
void vp__net_close(vp__net *n);
/* Elements of output @p i, or -1. */
int64_t vp__net_output_size(const vp__net *n, int32_t i);

/* ImageToTensorCalculator into the net's input: the (rotated) @p roi of
 * @p frame, letterboxed when @p keep_aspect (padding in @p pad, may be NULL
 * otherwise), zero or replicated border, values mapped to [lo, hi].
 * @p used (may be NULL) gets the ROI after letterbox padding, normalised. */
vp_status vp__net_crop(vp__net *n, const vp_frame *frame, const vp_norm_rect *roi,
                       bool keep_aspect, bool zero_border, float lo, float hi, float pad[4],
                       vp_norm_rect *used);

/* The whole frame as a normalised rect. */
static inline vp_norm_rect vp__whole_frame(void) {
  vp_norm_rect r = {0.5f, 0.5f, 1.0f, 1.0f, 0.0f};
  return r;
}

#endif
