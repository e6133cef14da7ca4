/* libFuzzer target: the .tflite model loader (parse, load-time passes,
 * validation) and every info function of a model that loads. Any crash,
 * sanitizer report, leak or timeout is a bug: model files are untrusted. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vpipe/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vp_model *m = NULL;
  if (vp_model_create_from_buffer(data, size, &m) != VP_OK) {
    /* Every failure explains itself. */
    if (!vp_last_error()[0]) __builtin_trap();
    return 0;
  }
  vp_model_stats s;
  if (vp_model_stats_get(m, &s) != VP_OK) __builtin_trap();
  vp_tensor_info t;
  for (int32_t i = 0; i < vp_model_input_count(m); i++) {
    if (vp_model_input_info(m, i, &t) != VP_OK) __builtin_trap();
    if (vp_model_find_input(m, t.name) < 0) __builtin_trap();
  }
  for (int32_t i = 0; i < vp_model_output_count(m); i++) {
    if (vp_model_output_info(m, i, &t) != VP_OK) __builtin_trap();
    (void)strlen(t.name);
  }
  for (int32_t k = 0; k < vp_model_operator_kinds(m); k++) {
    const char *name;
    int32_t count;
    if (vp_model_operator_kind(m, k, &name, &count) != VP_OK) __builtin_trap();
    (void)strlen(name);
  }
  int64_t macs = 0;
  for (int32_t i = 0; i < vp_model_operator_count(m); i++) {
    vp_operator_info op;
    if (vp_model_operator_info(m, i, &op) != VP_OK) __builtin_trap();
    macs = op.macs > INT64_MAX - macs ? INT64_MAX : macs + op.macs;
    for (int32_t k = 0; k < op.num_inputs; k++) {
      vp_status st = vp_model_operator_tensor(m, i, false, k, &t, NULL);
      if (st != VP_OK && st != VP_ENOENT) __builtin_trap();
    }
    for (int32_t k = 0; k < op.num_outputs; k++)
      if (vp_model_operator_tensor(m, i, true, k, &t, NULL) != VP_OK) __builtin_trap();
  }
  if (macs != s.macs) __builtin_trap();
  vp_model_destroy(m);
  return 0;
}
