/* Hand, pose and selfie tasks for `vpipe run` (layer: cli). */
#ifndef VP_CLI_RUN_BODY_H
#define VP_CLI_RUN_BODY_H

#include "cli/run_options.h"
#include "vpipe/pipeline.h"

vp_status vp_run_hands_add(vp_pipeline *p, const vp_run_args *args);
vp_status vp_run_pose_add(vp_pipeline *p, const vp_run_args *args);
vp_status vp_run_selfie_add(vp_pipeline *p, const vp_run_args *args);

#endif
