/* Face tasks for `vpipe run` (layer: cli). */
#ifndef VP_CLI_RUN_FACE_H
#define VP_CLI_RUN_FACE_H

#include "cli/run_options.h"
#include "vpipe/pipeline.h"

vp_status vp_run_face_add(vp_pipeline *p, const vp_run_args *args);
vp_status vp_run_face_mesh_add(vp_pipeline *p, const vp_run_args *args);

#endif
