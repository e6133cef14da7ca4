/* Perception tasks that `vpipe run --task NAME[,NAME...]` can add to the
 * pipeline (layer: cli). One table entry per task: a name, a line of help and
 * a function that adds the task's stages (preprocess / infer / postprocess /
 * render: the pipeline orders them by kind) reading its options from the
 * parsed vp_run_args. Add a task = add an entry in run_tasks.c (and its
 * options to run_options.h). */
#ifndef VP_CLI_RUN_TASKS_H
#define VP_CLI_RUN_TASKS_H

#include "cli/run_options.h"
#include "vpipe/pipeline.h"

typedef struct vp_run_task {
  const char *name; /* "face", "face-mesh", "hands", "pose", "selfie" */
  const char *help;
  /* Add the task's stages to @p; errors set vp_last_error(). */
  vp_status (*add_stages)(vp_pipeline *p, const vp_run_args *args);
} vp_run_task;

extern const vp_run_task vp_run_tasks[]; /* ends with {NULL} */

/* Add the stages of every task named in the comma-separated @list. On an
 * unknown name: VP_EINVAL (a usage error) after printing the tasks there are;
 * a task that fails to set up: its status, after printing its message. */
vp_status vp_run_tasks_add(vp_pipeline *p, const char *list, const vp_run_args *args);

#endif
