/* Test-only vp__graph builder: see graph_build.h. */
#include "refimpl/graph_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xalloc(size_t n) {
  void *p = calloc(1, n ? n : 1);
  if (!p) {
    fprintf(stderr, "graph_build: out of memory\n");
    abort();
  }
  return p;
}

static void *xgrow(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) {
    fprintf(stderr, "graph_build: out of memory\n");
    abort();
  }
  return q;
}

vp__graph *vp_gb_new(void) { return xalloc(sizeof(vp__graph)); }

void vp_gb_free(vp__graph *g) {
  if (!g) return;
  for (int32_t i = 0; i < g->num_tensors; i++) {
    free((void *)g->tensors[i].name);
    free((void *)g->tensors[i].data);
  }
  for (int32_t i = 0; i < g->num_ops; i++) {
    free(g->ops[i].inputs);
    free(g->ops[i].outputs);
  }
  free(g->tensors);
  free(g->ops);
  free(g->inputs);
  free(g->outputs);
  free(g);
}

static int32_t add_tensor(vp__graph *g, const char *name, vp_dtype dt, size_t esize,
                          int32_t rank, const int32_t *dims, const void *data) {
  g->tensors = xgrow(g->tensors, sizeof(vp__tensor) * (size_t)(g->num_tensors + 1));
  vp__tensor *t = &g->tensors[g->num_tensors];
  memset(t, 0, sizeof *t);
  t->name = strcpy(xalloc(strlen(name) + 1), name);
  t->dtype = dt;
  t->rank = rank;
  t->num_elements = 1;
  for (int32_t d = 0; d < rank; d++) {
    t->dims[d] = dims[d];
    t->num_elements *= (size_t)dims[d];
  }
  t->size_bytes = t->num_elements * esize;
  if (data) t->data = memcpy(xalloc(t->size_bytes), data, t->size_bytes);
  return g->num_tensors++;
}

int32_t vp_gb_tensor(vp__graph *g, const char *name, int32_t rank, const int32_t *dims,
                     const float *data) {
  return add_tensor(g, name, VP_DTYPE_F32, 4, rank, dims, data);
}

int32_t vp_gb_tensor_i32(vp__graph *g, const char *name, int32_t rank, const int32_t *dims,
                         const int32_t *data) {
  return add_tensor(g, name, VP_DTYPE_I32, 4, rank, dims, data);
}

int32_t vp_gb_tensor_raw(vp__graph *g, const char *name, vp_dtype dtype, size_t esize,
                         int32_t rank, const int32_t *dims, const void *data) {
  return add_tensor(g, name, dtype, esize, rank, dims, data);
}

vp__op *vp_gb_op(vp__graph *g, vp__opcode code, const char *name, int32_t num_inputs,
                 const int32_t *inputs, int32_t num_outputs, const int32_t *outputs) {
  g->ops = xgrow(g->ops, sizeof(vp__op) * (size_t)(g->num_ops + 1));
  vp__op *op = &g->ops[g->num_ops];
  memset(op, 0, sizeof *op);
  op->code = code;
  op->name = name;
  op->index = g->num_ops++;
  op->num_inputs = num_inputs;
  op->num_outputs = num_outputs;
  op->inputs = memcpy(xalloc(sizeof(int32_t) * (size_t)num_inputs), inputs,
                      sizeof(int32_t) * (size_t)num_inputs);
  op->outputs = memcpy(xalloc(sizeof(int32_t) * (size_t)num_outputs), outputs,
                       sizeof(int32_t) * (size_t)num_outputs);
  op->padding = VP_PAD_VALID;
  op->stride_w = op->stride_h = 1;
  op->dilation_w = op->dilation_h = 1;
  op->depth_multiplier = 1;
  return op;
}

void vp_gb_io(vp__graph *g, int32_t num_inputs, const int32_t *inputs, int32_t num_outputs,
              const int32_t *outputs) {
  free(g->inputs);
  free(g->outputs);
  g->num_inputs = num_inputs;
  g->num_outputs = num_outputs;
  g->inputs = memcpy(xalloc(sizeof(int32_t) * (size_t)num_inputs), inputs,
                     sizeof(int32_t) * (size_t)num_inputs);
  g->outputs = memcpy(xalloc(sizeof(int32_t) * (size_t)num_outputs), outputs,
                      sizeof(int32_t) * (size_t)num_outputs);
  for (int32_t i = 0; i < num_inputs; i++) g->tensors[inputs[i]].is_input = true;
  for (int32_t i = 0; i < num_outputs; i++) g->tensors[outputs[i]].is_output = true;
}
