/* Helpers shared by the task implementations (layer: tasks). */
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "tasks/task_common.h"

vp_status vp__task_model_load(const char *name, const char *models_dir,
                              const char *explicit_path, vp_model **out) {
  if (explicit_path) return vp_model_create_from_file(explicit_path, out);
  char path[4096];
  int n;
  const char *env = getenv("VPIPE_MODELS");
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  if (models_dir)
    n = snprintf(path, sizeof path, "%s/%s.tflite", models_dir, name);
  else if (env && *env)
    n = snprintf(path, sizeof path, "%s/%s.tflite", env, name);
  else if (xdg && *xdg)
    n = snprintf(path, sizeof path, "%s/vpipe/models/%s.tflite", xdg, name);
  else if (home && *home)
    n = snprintf(path, sizeof path, "%s/.local/share/vpipe/models/%s.tflite", home, name);
  else
    return vp__error(VP_ENOENT, "model %s: no models folder (set VPIPE_MODELS)", name);
  if (n < 0 || (size_t)n >= sizeof path)
    return vp__error(VP_ERANGE, "model %s: path too long", name);
  vp_status st = vp_model_create_from_file(path, out);
  if (st == VP_ENOENT)
    return vp__error(st, "model %s not found at %s (fetch it with `vpipe models fetch`)", name,
                     path);
  return st;
}

vp_status vp__task_session_create(const vp_model *model, int32_t num_threads,
                                  vp_threadpool *pool, vp_session **out) {
  vp_session_options so = vp_session_options_default();
  so.num_threads = num_threads > 0 ? num_threads : 1;
  so.pool = pool;
  return vp_session_create(model, &so, out);
}

vp_status vp__task_input_size(const vp_model *model, int32_t *w, int32_t *h) {
  vp_tensor_info ti;
  if (vp_model_input_count(model) < 1 || vp_model_input_info(model, 0, &ti) != VP_OK)
    return vp__error(VP_EFORMAT, "model has no input");
  if (ti.rank != 4 || ti.dims[0] != 1 || ti.dims[3] != 3 || ti.dtype != VP_DTYPE_F32)
    return vp__error(VP_ESHAPE, "model input is not a 1xHxWx3 float tensor");
  *h = ti.dims[1];
  *w = ti.dims[2];
  return VP_OK;
}

int32_t vp__task_find_output_by_size(const vp_model *model, size_t elements, int32_t skip) {
  for (int32_t i = 0; i < vp_model_output_count(model); i++) {
    vp_tensor_info ti;
    if (i == skip || vp_model_output_info(model, i, &ti) != VP_OK) continue;
    if (ti.num_elements == elements) return i;
  }
  return -1;
}
