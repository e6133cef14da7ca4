/*
 * Selfie segmentation as MediaPipe Tasks' ImageSegmenter runs it
 * (mediapipe/tasks/cc/vision/image_segmenter/image_segmenter_graph.cc):
 * the whole frame stretched into the model input (ImagePreprocessingGraph:
 * no letterbox, range [0,1] from the model's normalisation), the output
 * taken as it is (activation NONE: these models carry no activation
 * metadata, and their last layer is already a sigmoid), then resized to the
 * frame with cv::resize INTER_LINEAR (tensors_to_segmentation_calculator.cc,
 * ProcessForConfidenceMaskCpu; output size = the input image).
 * Optional smoothing in VIDEO/LIVE: SegmentationSmoothingCalculator, ratio
 * 0.7 (as the legacy pose graph; Tasks itself does not smooth).
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tasks/body_calc.h"
#include "tasks/body_common.h"
#include "tasks/task_common.h"

struct vp_segmenter {
  vp_segmenter_options opt;
  vp__net net;
  int32_t out_w, out_h; /* model output (mask) size */
  float *mask;          /* frame-size confidence */
  float *prev;          /* previous mask (smoothing) */
  int32_t mask_w, mask_h, prev_w, prev_h;
  size_t mask_cap;
  int64_t last_ts;
  bool have_ts;
  vp_segmenter_result result;
  vp_task_timings timings;
};

vp_segmenter_options vp_segmenter_options_default(void) {
  vp_segmenter_options o;
  memset(&o, 0, sizeof(o));
  o.struct_size = sizeof(o);
  o.running_mode = VP_RUNNING_MODE_IMAGE;
  o.model = VP_SEGMENTER_SQUARE;
  o.num_threads = 1;
  return o;
}

void vp_segmenter_destroy(vp_segmenter *s) {
  if (!s) return;
  vp__net_close(&s->net);
  free(s->mask);
  free(s->prev);
  free(s);
}

vp_status vp_segmenter_create(const vp_segmenter_options *options, vp_segmenter **out) {
  vp_segmenter_options o = options ? *options : vp_segmenter_options_default();
  if (!out) return vp__error(VP_EINVAL, "segmenter: out is NULL");
  if (o.struct_size != sizeof(o))
    return vp__error(VP_EINVAL, "segmenter options: struct_size %u, expected %zu "
                     "(use vp_segmenter_options_default())", o.struct_size, sizeof(o));
  if (o.model != VP_SEGMENTER_SQUARE && o.model != VP_SEGMENTER_LANDSCAPE)
    return vp__error(VP_EINVAL, "segmenter: model must be square or landscape");
  if (o.running_mode < VP_RUNNING_MODE_IMAGE || o.running_mode > VP_RUNNING_MODE_LIVE)
    return vp__error(VP_EINVAL, "segmenter: bad running mode %d", (int)o.running_mode);
  if (o.running_mode == VP_RUNNING_MODE_LIVE && !o.result_callback)
    return vp__error(VP_EINVAL, "segmenter: LIVE mode needs a result_callback");
  vp_status pst = vp__task_check_precision("segmenter", o.precision);
  if (pst != VP_OK) return pst;
  vp_segmenter *s = calloc(1, sizeof(*s));
  if (!s) return vp__error(VP_ENOMEM, "segmenter: out of memory");
  s->opt = o;
  vp_status st = vp__net_open(&s->net, "selfie segmentation",
                              o.model == VP_SEGMENTER_SQUARE ? "selfie_segmentation"
                                                             : "selfie_segmentation_landscape",
                              o.model_path, o.models_dir, o.num_threads, o.pool, o.precision,
                              1, 0);
  if (st == VP_OK) {
    vp_tensor_info info;
    st = vp_model_output_info(s->net.model, 0, &info);
    if (st == VP_OK && (info.rank != 4 || info.dims[0] != 1 || info.dims[3] != 1))
      st = vp__error(VP_ESHAPE, "segmentation model: output 0 must be 1xHxWx1");
    if (st == VP_OK) {
      s->out_h = info.dims[1];
      s->out_w = info.dims[2];
    }
  }
  if (st != VP_OK) {
    vp_segmenter_destroy(s);
    return st;
  }
  *out = s;
  return VP_OK;
}

static vp_status process(vp_segmenter *s, const vp_frame *f, int64_t ts, bool video) {
  if (!f || f->width < 1 || f->height < 1) return vp__error(VP_EINVAL, "segmenter: empty frame");
  memset(&s->timings, 0, sizeof(s->timings));
  const int32_t W = f->width, H = f->height;
  const size_t plane = (size_t)W * (size_t)H;
  if (s->mask_cap < plane) {
    float *m = realloc(s->mask, sizeof(float) * plane);
    if (!m) return vp__error(VP_ENOMEM, "segmenter: mask of %dx%d", (int)W, (int)H);
    s->mask = m;
    s->mask_cap = plane;
  }
  int64_t t0 = vp_time_ns();
  const vp_norm_rect whole = vp__whole_frame();
  vp_status st = vp__net_crop(&s->net, f, &whole, false, false, 0.0f, 1.0f, NULL, NULL);
  if (st != VP_OK) return st;
  int64_t t1 = vp_time_ns();
  st = vp_session_run(s->net.session);
  if (st != VP_OK) return st;
  int64_t t2 = vp_time_ns();
  vp__mask_resize_linear(vp_session_output(s->net.session, 0), s->out_w, s->out_h, s->mask, W, H);
  if (video && s->opt.smoothing) {
    if (s->prev && s->prev_w == W && s->prev_h == H)
      vp__mask_smooth(s->mask, s->prev, (int64_t)plane, 0.7f);
    if (!s->prev || s->prev_w != W || s->prev_h != H) {
      free(s->prev);
      s->prev = malloc(sizeof(float) * plane);
      s->prev_w = s->prev ? W : 0;
      s->prev_h = s->prev ? H : 0;
    }
    if (s->prev) memcpy(s->prev, s->mask, sizeof(float) * plane);
  }
  /* 32-bit counts per block vectorise (a 64-bit running count did not). */
  int64_t fg = 0;
  for (size_t i0 = 0; i0 < plane; i0 += 1u << 20) {
    const size_t n = plane - i0 < (1u << 20) ? plane - i0 : (1u << 20);
    const float *m = s->mask + i0;
    int32_t c = 0;
    for (size_t i = 0; i < n; i++) c += m[i] > 0.5f;
    fg += c;
  }
  s->timings.preprocess_ns = t1 - t0;
  s->timings.inference_ns = t2 - t1;
  s->timings.postprocess_ns = vp_time_ns() - t2;
  s->timings.landmark_runs = 1;
  s->result.width = W;
  s->result.height = H;
  s->result.confidence = s->mask;
  s->result.foreground_fraction = (float)((double)fg / (double)plane);
  s->result.timestamp_ns = ts;
  return VP_OK;
}

vp_status vp_segmenter_segment(vp_segmenter *s, const vp_frame *frame,
                               const vp_segmenter_result **out) {
  if (!s || !out) return vp__error(VP_EINVAL, "segmenter: NULL argument");
  if (s->opt.running_mode != VP_RUNNING_MODE_IMAGE)
    return vp__error(VP_ESTATE, "segmenter: segment() needs IMAGE mode");
  vp_status st = process(s, frame, 0, false);
  if (st == VP_OK) *out = &s->result;
  return st;
}

static vp_status check_ts(vp_segmenter *s, int64_t ts) {
  if (s->have_ts && ts <= s->last_ts)
    return vp__error(VP_EINVAL, "segmenter: timestamp %lld ns is not after %lld ns",
                     (long long)ts, (long long)s->last_ts);
  s->have_ts = true;
  s->last_ts = ts;
  return VP_OK;
}

vp_status vp_segmenter_segment_for_video(vp_segmenter *s, const vp_frame *frame,
                                         int64_t timestamp_ns, const vp_segmenter_result **out) {
  if (!s || !out) return vp__error(VP_EINVAL, "segmenter: NULL argument");
  if (s->opt.running_mode != VP_RUNNING_MODE_VIDEO)
    return vp__error(VP_ESTATE, "segmenter: segment_for_video() needs VIDEO mode");
  if (!frame || frame->width < 1 || frame->height < 1)
    return vp__error(VP_EINVAL, "segmenter: empty frame");
  vp_status st = check_ts(s, timestamp_ns);
  if (st == VP_OK) st = process(s, frame, timestamp_ns, true);
  if (st == VP_OK) *out = &s->result;
  return st;
}

vp_status vp_segmenter_segment_async(vp_segmenter *s, const vp_frame *frame,
                                     int64_t timestamp_ns) {
  if (!s) return vp__error(VP_EINVAL, "segmenter: NULL argument");
  if (s->opt.running_mode != VP_RUNNING_MODE_LIVE)
    return vp__error(VP_ESTATE, "segmenter: segment_async() needs LIVE mode");
  if (!frame || frame->width < 1 || frame->height < 1)
    return vp__error(VP_EINVAL, "segmenter: empty frame");
  vp_status st = check_ts(s, timestamp_ns);
  if (st == VP_OK) st = process(s, frame, timestamp_ns, true);
  s->opt.result_callback(s->opt.user, st, st == VP_OK ? &s->result : NULL, frame);
  return st;
}

void vp_segmenter_timings(const vp_segmenter *s, vp_task_timings *out) {
  if (s && out) *out = s->timings;
}
