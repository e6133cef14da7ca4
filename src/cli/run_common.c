/* Helpers shared by the task stages of `vpipe run` (layer: cli). */
#include "cli/run_common.h"

vp_precision vp_run_precision(const vp_run_args *a) {
  vp_precision p = VP_PRECISION_FP32;
  if (a->precision) (void)vp_precision_parse(a->precision, &p);
  return p;
}

bool vp_run_still_image(const vp_pipeline *p, const vp_stream_info *info) {
  if (info && info->frame_count == 1) return true;
  if (!p) return false;
  const vp_stream_info si = vp_pipeline_source_info(p);
  return si.frame_count == 1 && !si.live;
}

int64_t vp_run_video_ts(int64_t *last, const vp_packet *pkt) {
  int64_t ts = pkt->pts_ns == INT64_MIN ? pkt->seq * 33333333 : pkt->pts_ns;
  if (*last != INT64_MIN && ts <= *last) ts = *last + 1;
  *last = ts;
  return ts;
}
