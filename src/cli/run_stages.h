/* Pipeline stage classes over the io layer's FFmpeg source, video sink and
 * JSONL writer (layer: cli, public API only). The CLI owns the io objects
 * (opens them before the pipeline, so bad inputs/outputs fail early with a
 * clear message, and closes them after it); the stages borrow them. */
#ifndef VP_CLI_RUN_STAGES_H
#define VP_CLI_RUN_STAGES_H

#include "vpipe/io.h"
#include "vpipe/pipeline.h"

typedef struct vp_run_io {
  vp_source *source;
  vp_video_sink *video;      /* closed (and set NULL) by the video stage's flush */
  vp_status video_status;    /* result of closing it */
  vp_jsonl_writer *jsonl;
  vp_stage *source_stage;    /* for posting source events */
  int64_t frames_encoded;
} vp_run_io;

/* opaque: vp_run_io *. */
extern const vp_stage_class vp_run_source_class; /* source: vp_source_read */
extern const vp_stage_class vp_run_jsonl_class;  /* sink: one record per frame */
extern const vp_stage_class vp_run_video_class;  /* sink, own worker: encode */

/* For vp_source_options.on_event: forwards reconnections as pipeline events. */
void vp_run_source_event(void *user, const vp_source_event *event);

#endif
