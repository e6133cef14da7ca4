/* Helpers shared by the task implementations (layer: tasks). */
#include "core/error.h"
#include "tasks/task_common.h"

vp_status vp__task_model_load(const char *name, const char *models_dir,
                              const char *explicit_path, vp_model **out) {
  if (explicit_path) return vp_model_create_from_file(explicit_path, out);
  /* The model store: checks the pinned SHA-256 and says how to fetch. */
  return vp_model_create_by_name(name, models_dir, out);
}

vp_status vp__task_session_create(const vp_model *model, int32_t num_threads,
                                  vp_threadpool *pool, vp_precision precision,
                                  vp_session **out) {
  vp_session_options so = vp_session_options_default();
  so.num_threads = num_threads > 0 ? num_threads : 1;
  so.pool = pool;
  so.precision = precision;
  return vp_session_create(model, &so, out);
}

vp_status vp__task_check_precision(const char *task, vp_precision p) {
  if (p == VP_PRECISION_FP32 || p == VP_PRECISION_BF16) return VP_OK;
  return vp__error(VP_EINVAL, "%s: precision %d is not VP_PRECISION_FP32 (0) or "
                   "VP_PRECISION_BF16 (1)", task, (int)p);
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
