/* Network and crop plumbing for the hand/pose/segmentation tasks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tasks/body_common.h"
#include "image/warp.h"
#include "tasks/calc.h"
#include "tasks/task_common.h"

vp_status vp__net_open(vp__net *n, const char *what, const char *name, const char *path,
                       const char *dir, int32_t threads, vp_threadpool *pool,
                       vp_precision precision, int32_t min_outputs, uint32_t skip_outputs) {
  memset(n, 0, sizeof(*n));
  vp_status st = vp__task_model_load(name, dir, path, &n->model);
  if (st != VP_OK) return st; /* the loader's message says what was wrong */
  vp_tensor_info in;
  st = vp_model_input_info(n->model, 0, &in);
  if (st != VP_OK || in.dtype != VP_DTYPE_F32 || in.rank != 4 || in.dims[0] != 1 ||
      in.dims[3] != 3 || in.dims[1] < 1 || in.dims[2] < 1) {
    vp__net_close(n);
    return vp__error(VP_ESHAPE, "%s model %s: expected a 1xHxWx3 float32 input", what,
                     path ? path : name);
  }
  n->in_h = in.dims[1];
  n->in_w = in.dims[2];
  n->num_outputs = vp_model_output_count(n->model);
  if (n->num_outputs < min_outputs) {
    vp__net_close(n);
    return vp__error(VP_ESHAPE, "%s model %s: %d outputs, expected at least %d", what,
                     path ? path : name, (int)n->num_outputs, (int)min_outputs);
  }
  vp_session_options so = vp_session_options_default();
  so.num_threads = threads > 0 ? threads : 1;
  so.pool = pool;
  so.skip_outputs = skip_outputs;
  so.precision = precision;
  st = vp_session_create(n->model, &so, &n->session);
  if (st != VP_OK) {
    vp__net_close(n);
    return st;
  }
  return VP_OK;
}

void vp__net_close(vp__net *n) {
  if (n->session) vp_session_destroy(n->session);
  if (n->model) vp_model_destroy(n->model);
  memset(n, 0, sizeof(*n));
}

int64_t vp__net_output_size(const vp__net *n, int32_t i) {
  vp_tensor_info info;
  if (vp_model_output_info(n->model, i, &info) != VP_OK) return -1;
  return (int64_t)info.num_elements;
}

vp_status vp__net_crop(vp__net *n, const vp_frame *frame, const vp_norm_rect *roi,
                       bool keep_aspect, bool zero_border, float lo, float hi, float pad[4],
                       vp_norm_rect *used) {
  const float W = (float)frame->width, H = (float)frame->height;
  /* GetRoi (mediapipe/calculators/tensor/image_to_tensor_utils.cc): the
   * normalised rect in pixels; PadRoi when keep_aspect_ratio. */
  float rw = roi->width * W, rh = roi->height * H;
  if (keep_aspect) {
    vp__letterbox_pad_roi(n->in_w, n->in_h, &rw, &rh, pad);
  } else if (pad) {
    pad[0] = pad[1] = pad[2] = pad[3] = 0.0f;
  }
  vp__warp_params p;
  memset(&p, 0, sizeof(p));
  p.out_w = n->in_w;
  p.out_h = n->in_h;
  p.cx = roi->x_center * W;
  p.cy = roi->y_center * H;
  p.w = rw;
  p.h = rh;
  p.rotation = roi->rotation;
  p.border_zero = zero_border;
  p.range_min = lo;
  p.range_max = hi;
  if (used) {
    *used = *roi;
    used->width = rw / W;
    used->height = rh / H;
  }
  return vp__warp_to_tensor(frame, &p, vp_session_input(n->session, 0));
}
