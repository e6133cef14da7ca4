/* Helpers shared by the task implementations (layer: tasks). */
#ifndef VP_TASKS_TASK_COMMON_H
#define VP_TASKS_TASK_COMMON_H

#include "vpipe/model.h"
#include "vpipe/tasks.h"

/* Load model @p name: from @p explicit_path if given, else from the model
 * store (vp_model_create_by_name; @p models_dir NULL means vp_models_dir()). */
vp_status vp__task_model_load(const char *name, const char *models_dir,
                              const char *explicit_path, vp_model **out);

/* Create a session with the task's thread and precision settings. */
vp_status vp__task_session_create(const vp_model *model, int32_t num_threads,
                                  vp_threadpool *pool, vp_precision precision,
                                  vp_session **out);

/* VP_EINVAL naming @p task and the value unless @p p is a vp_precision; the
 * tasks check it in *_create so a bad value fails before any model loads. */
vp_status vp__task_check_precision(const char *task, vp_precision p);

/* Input size of a NHWC image model with 3 channels. */
vp_status vp__task_input_size(const vp_model *model, int32_t *w, int32_t *h);

/* Index of the output with @p elements elements (-1 if none). */
int32_t vp__task_find_output_by_size(const vp_model *model, size_t elements, int32_t skip);

#endif
