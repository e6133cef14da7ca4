/* Helpers shared by the task stages of `vpipe run` (layer: cli). */
#ifndef VP_CLI_RUN_COMMON_H
#define VP_CLI_RUN_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/run_options.h"
#include "vpipe/model.h"
#include "vpipe/pipeline.h"

/* True when the job's source is a single still image: tasks then run in IMAGE
 * mode (MediaPipe's answers for stills, no tracking). Stages after the source
 * get no frame count in init, so the pipeline is asked for the source's. */
bool vp_run_still_image(const vp_pipeline *p, const vp_stream_info *info);

/* A strictly increasing VIDEO-mode timestamp for @p pkt: its pts, or one made
 * from the sequence number when the stream has none or repeats one. */
int64_t vp_run_video_ts(int64_t *last, const vp_packet *pkt);

/* The --precision of the run, for every task's options. vp_cmd_run has
 * already refused a bad value (exit 2), so the fallback is never taken. */
vp_precision vp_run_precision(const vp_run_args *a);

#endif
