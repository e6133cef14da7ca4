/* Loading a model by name from the store (layer: model). Kept apart from
 * store.c so that programs using only the store (fetch, list) do not pull in
 * the .tflite reader. */
#include "core/error.h"
#include "model/store.h"

vp_status vp_model_create_by_name(const char *name, const char *models_dir, vp_model **out) {
  if (!out) return vp__error(VP_EINVAL, "vp_model_create_by_name: out is NULL");
  vp_status st = vp_model_verify(name, models_dir);
  if (st) return st;
  char path[4200];
  if ((st = vp_model_path(name, models_dir, path, sizeof path))) return st;
  return vp_model_create_from_file(path, out);
}
