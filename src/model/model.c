/* Public model functions of include/vpipe/model.h: loading, inputs/outputs,
 * statistics, operator kinds (layer: model). Sessions live in session.c; the
 * model store (vp_models_dir, vp_model_create_by_name) in store.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "model/graph.h"

/* Largest model file accepted (the biggest MediaPipe model is ~28 MB). */
#define VP_MODEL_MAX_BYTES ((size_t)1 << 30)

const char *vp_dtype_name(vp_dtype t) {
  switch (t) {
    case VP_DTYPE_F32: return "float32";
    case VP_DTYPE_F16: return "float16";
    case VP_DTYPE_I32: return "int32";
    case VP_DTYPE_U8: return "uint8";
    case VP_DTYPE_I8: return "int8";
    case VP_DTYPE_I16: return "int16";
    case VP_DTYPE_I64: return "int64";
    case VP_DTYPE_BOOL: return "bool";
    default: return "unknown";
  }
}

static vp_status compute_kinds(vp_model *m);

/* Takes ownership of @p bytes (malloc'd). */
static vp_status create_from_owned(uint8_t *bytes, size_t size, vp_model **out) {
  vp__graph *g;
  vp_status st = vp__graph_parse(bytes, size, &g);
  if (st) return st;
  if ((st = vp__graph_prepare(g))) {
    vp__graph_free(g);
    return st;
  }
  vp_model *m = calloc(1, sizeof *m);
  if (!m) {
    vp__graph_free(g);
    return vp__error(VP_ENOMEM, "out of memory");
  }
  m->graph = g;
  if ((st = compute_kinds(m))) {
    vp_model_destroy(m);
    return st;
  }
  *out = m;
  return VP_OK;
}

vp_status vp_model_create_from_buffer(const void *data, size_t size, vp_model **out) {
  if (!out || (!data && size)) return vp__error(VP_EINVAL, "vp_model_create_from_buffer: NULL argument");
  if (size > VP_MODEL_MAX_BYTES)
    return vp__error(VP_EFORMAT, "model of %zu bytes exceeds the %zu-byte limit", size,
                     VP_MODEL_MAX_BYTES);
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) return vp__error(VP_ENOMEM, "out of memory for a %zu-byte model", size);
  if (size) memcpy(copy, data, size);
  return create_from_owned(copy, size, out);
}

vp_status vp_model_create_from_file(const char *path, vp_model **out) {
  if (!path || !out) return vp__error(VP_EINVAL, "vp_model_create_from_file: NULL argument");
  FILE *f = fopen(path, "rb");
  if (!f)
    return vp__error(errno == ENOENT ? VP_ENOENT : VP_EIO, "cannot open model '%s': %s", path,
                     strerror(errno));
  struct stat sb;
  if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    fclose(f);
    return vp__error(VP_EIO, "model '%s' is not a regular file", path);
  }
  if ((uint64_t)sb.st_size > VP_MODEL_MAX_BYTES) {
    fclose(f);
    return vp__error(VP_EFORMAT, "model '%s' has %lld bytes, more than the %zu-byte limit", path,
                     (long long)sb.st_size, VP_MODEL_MAX_BYTES);
  }
  size_t size = (size_t)sb.st_size;
  uint8_t *bytes = malloc(size ? size : 1);
  if (!bytes) {
    fclose(f);
    return vp__error(VP_ENOMEM, "out of memory for model '%s' (%zu bytes)", path, size);
  }
  size_t got = fread(bytes, 1, size, f);
  int err = ferror(f);
  fclose(f);
  if (got != size || err) {
    free(bytes);
    return vp__error(VP_EIO, "reading model '%s' failed after %zu of %zu bytes", path, got, size);
  }
  vp_status st = create_from_owned(bytes, size, out);
  if (st) return vp__error_prefix(st, "model '%s'", path);
  return VP_OK;
}

void vp_model_destroy(vp_model *model) {
  if (!model) return;
  vp__graph_free(model->graph);
  free(model->kinds);
  free(model);
}

int32_t vp_model_input_count(const vp_model *model) { return model ? model->graph->num_inputs : 0; }

int32_t vp_model_output_count(const vp_model *model) {
  return model ? model->graph->num_outputs : 0;
}

static void fill_info(const vp__tensor *t, vp_tensor_info *out) {
  memset(out, 0, sizeof *out);
  out->name = t->name;
  out->dtype = t->dtype;
  out->rank = t->rank;
  memcpy(out->dims, t->dims, sizeof out->dims);
  out->num_elements = t->num_elements;
  out->size_bytes = t->size_bytes;
}

vp_status vp_model_input_info(const vp_model *model, int32_t index, vp_tensor_info *out) {
  if (!model || !out) return vp__error(VP_EINVAL, "vp_model_input_info: NULL argument");
  const vp__graph *g = model->graph;
  if (index < 0 || index >= g->num_inputs)
    return vp__error(VP_ERANGE, "input index %d out of %d inputs", index, g->num_inputs);
  fill_info(&g->tensors[g->inputs[index]], out);
  return VP_OK;
}

vp_status vp_model_output_info(const vp_model *model, int32_t index, vp_tensor_info *out) {
  if (!model || !out) return vp__error(VP_EINVAL, "vp_model_output_info: NULL argument");
  const vp__graph *g = model->graph;
  if (index < 0 || index >= g->num_outputs)
    return vp__error(VP_ERANGE, "output index %d out of %d outputs", index, g->num_outputs);
  fill_info(&g->tensors[g->outputs[index]], out);
  return VP_OK;
}

static int32_t find(const vp__graph *g, const int32_t *list, int32_t n, const char *name) {
  if (!name) return -1;
  for (int32_t i = 0; i < n; i++)
    if (!strcmp(g->tensors[list[i]].name, name)) return i;
  return -1;
}

int32_t vp_model_find_input(const vp_model *model, const char *name) {
  return model ? find(model->graph, model->graph->inputs, model->graph->num_inputs, name) : -1;
}

int32_t vp_model_find_output(const vp_model *model, const char *name) {
  return model ? find(model->graph, model->graph->outputs, model->graph->num_outputs, name) : -1;
}

vp_status vp_model_stats_get(const vp_model *model, vp_model_stats *out) {
  if (!model || !out) return vp__error(VP_EINVAL, "vp_model_stats_get: NULL argument");
  const vp__graph *g = model->graph;
  vp_model_stats s = {0};
  s.num_operators = g->num_ops;
  /* Parameters: elements of the constant tensors the (prepared) operators
   * read, each counted once; fp16 originals replaced at load are not. */
  uint8_t *seen = calloc(g->num_tensors ? (size_t)g->num_tensors : 1, 1);
  if (!seen) return vp__error(VP_ENOMEM, "out of memory");
  for (int32_t i = 0; i < g->num_ops; i++) {
    const vp__op *op = &g->ops[i];
    for (int32_t k = 0; k < op->num_inputs; k++) {
      int32_t t = op->inputs[k];
      if (t < 0 || seen[t]) continue;
      seen[t] = 1;
      if (g->tensors[t].data) s.num_parameters += (int64_t)g->tensors[t].num_elements;
    }
    for (int32_t k = 0; k < op->num_outputs; k++) seen[op->outputs[k]] = 1;
    /* Saturate: a hostile model's counts could overflow int64 in sum. */
    int64_t macs = vp__op_macs(g, op);
    s.macs = macs > INT64_MAX - s.macs ? INT64_MAX : s.macs + macs;
  }
  for (int32_t i = 0; i < g->num_inputs; i++) seen[g->inputs[i]] = 1;
  for (int32_t i = 0; i < g->num_tensors; i++) s.num_tensors += seen[i];
  free(seen);
  *out = s;
  return VP_OK;
}

/* Distinct operator kinds in first-use order, computed once at creation. */
static vp_status compute_kinds(vp_model *m) {
  const vp__graph *g = m->graph;
  m->kinds = calloc(g->num_ops ? (size_t)g->num_ops : 1, sizeof *m->kinds);
  if (!m->kinds) return vp__error(VP_ENOMEM, "out of memory");
  m->num_kinds = 0;
  for (int32_t i = 0; i < g->num_ops; i++) {
    int32_t k = 0;
    while (k < m->num_kinds && m->kinds[k].code != g->ops[i].code) k++;
    if (k == m->num_kinds) {
      m->kinds[k].code = g->ops[i].code;
      m->kinds[k].name = g->ops[i].name;
      m->num_kinds++;
    }
    m->kinds[k].count++;
  }
  return VP_OK;
}

int32_t vp_model_operator_kinds(const vp_model *model) { return model ? model->num_kinds : 0; }

vp_status vp_model_operator_kind(const vp_model *model, int32_t index, const char **name,
                                 int32_t *count) {
  if (!model) return vp__error(VP_EINVAL, "vp_model_operator_kind: NULL model");
  if (index < 0 || index >= model->num_kinds)
    return vp__error(VP_ERANGE, "operator kind %d out of %d", index, model->num_kinds);
  if (name) *name = model->kinds[index].name;
  if (count) *count = model->kinds[index].count;
  return VP_OK;
}

int32_t vp_model_operator_count(const vp_model *model) { return model ? model->graph->num_ops : 0; }

vp_status vp_model_operator_info(const vp_model *model, int32_t index, vp_operator_info *out) {
  if (!model || !out) return vp__error(VP_EINVAL, "vp_model_operator_info: NULL argument");
  const vp__graph *g = model->graph;
  if (index < 0 || index >= g->num_ops)
    return vp__error(VP_ERANGE, "operator %d out of %d", index, g->num_ops);
  const vp__op *op = &g->ops[index];
  vp_operator_info info = {0};
  info.kind = op->name;
  info.file_index = op->index;
  info.num_inputs = op->num_inputs;
  info.num_outputs = op->num_outputs;
  info.macs = vp__op_macs(g, op);
  for (int32_t k = 0; k < op->num_inputs; k++)
    if (op->inputs[k] >= 0 && g->tensors[op->inputs[k]].data)
      info.num_parameters += (int64_t)g->tensors[op->inputs[k]].num_elements;
  *out = info;
  return VP_OK;
}

vp_status vp_model_operator_tensor(const vp_model *model, int32_t index, bool output, int32_t i,
                                   vp_tensor_info *out, bool *is_constant) {
  if (!model || !out) return vp__error(VP_EINVAL, "vp_model_operator_tensor: NULL argument");
  const vp__graph *g = model->graph;
  if (index < 0 || index >= g->num_ops)
    return vp__error(VP_ERANGE, "operator %d out of %d", index, g->num_ops);
  const vp__op *op = &g->ops[index];
  int32_t n = output ? op->num_outputs : op->num_inputs;
  if (i < 0 || i >= n)
    return vp__error(VP_ERANGE, "operator %d (%s): %s %d out of %d", op->index, op->name,
                     output ? "output" : "input", i, n);
  int32_t t = output ? op->outputs[i] : op->inputs[i];
  if (t < 0)
    return vp__error(VP_ENOENT, "operator %d (%s): optional input %d is absent", op->index,
                     op->name, i);
  fill_info(&g->tensors[t], out);
  if (is_constant) *is_constant = g->tensors[t].data != NULL;
  return VP_OK;
}
