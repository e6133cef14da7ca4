/* Test-only helpers that build a vp__graph by hand (tiny operator graphs for
 * unit tests). Everything is owned by the graph and freed with vp_gb_free();
 * never pass such a graph to vp__graph_free(). Out of memory aborts: these
 * are test fixtures. */
#ifndef VP_TEST_GRAPH_BUILD_H
#define VP_TEST_GRAPH_BUILD_H

#include "model/graph.h"

vp__graph *vp_gb_new(void);
void vp_gb_free(vp__graph *g);

/* A float32 tensor of @p rank dims; @p data (copied) makes it a constant. */
int32_t vp_gb_tensor(vp__graph *g, const char *name, int32_t rank, const int32_t *dims,
                     const float *data);
/* An int32 constant (shapes, axes, paddings). */
int32_t vp_gb_tensor_i32(vp__graph *g, const char *name, int32_t rank, const int32_t *dims,
                         const int32_t *data);

/* A constant of any element type (@p esize bytes per element, data copied). */
int32_t vp_gb_tensor_raw(vp__graph *g, const char *name, vp_dtype dtype, size_t esize,
                         int32_t rank, const int32_t *dims, const void *data);

/* Append an operator; the pointer is valid until the next vp_gb_op() call.
 * Strides and dilations default to 1, padding to VALID. */
vp__op *vp_gb_op(vp__graph *g, vp__opcode code, const char *name, int32_t num_inputs,
                 const int32_t *inputs, int32_t num_outputs, const int32_t *outputs);

/* Declare the graph's inputs and outputs (marks the tensors too). */
void vp_gb_io(vp__graph *g, int32_t num_inputs, const int32_t *inputs, int32_t num_outputs,
              const int32_t *outputs);

#endif
