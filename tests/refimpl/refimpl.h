/* Test-only reference interpreter for vpipe's network IR (vp__graph).
 *
 * Plain nested loops, float32 storage with double accumulation, no SIMD and
 * no cleverness: it exists so that the XNNPACK runtime and MediaPipe's own
 * outputs can be checked against something obviously correct. It is not part
 * of libvpipe; tests link it as the static library `vp_refimpl`.
 *
 * Semantics follow TFLite's reference kernels (tensorflow/lite/kernels/
 * internal/reference/) for builtins and MediaPipe's CPU kernels
 * (mediapipe/util/tflite/operations/) for its custom operators.
 *
 * Shapes come from the graph's tensors; every operator checks that the
 * shapes it is given are consistent (output shape included) and fails with
 * VP_ESHAPE / VP_EUNSUPPORTED and a message naming the operator otherwise.
 */
#ifndef VP_TEST_REFIMPL_H
#define VP_TEST_REFIMPL_H

#include "model/graph.h"

typedef struct vp_ref vp_ref;

/* Prepare an interpreter for @p g (borrowed; must outlive the interpreter).
 * Copies float32 constants into aligned buffers and checks every operator's
 * static shapes. */
vp_status vp_ref_create(const vp__graph *g, vp_ref **out);
void vp_ref_destroy(vp_ref *r);

/* Buffer of graph input @p index (num_elements floats), NULL for a bad index. */
float *vp_ref_input(vp_ref *r, int32_t index);
/* Buffer of graph output @p index after vp_ref_run(), NULL for a bad index. */
const float *vp_ref_output(const vp_ref *r, int32_t index);

/* Run every operator in order. Intermediate buffers are allocated when first
 * written and freed after their last reader. */
vp_status vp_ref_run(vp_ref *r);

/* TFLite's output size and leading padding for one spatial dimension
 * (tensorflow/lite/kernels/padding.h): SAME gives ceil(in / stride) outputs and
 * pads floor(total / 2) before; VALID gives ceil((in - eff + 1) / stride). */
int32_t vp_ref_out_size(vp__padding pad, int32_t in, int32_t filter, int32_t stride,
                        int32_t dilation);
int32_t vp_ref_pad_before(vp__padding pad, int32_t in, int32_t filter, int32_t stride,
                          int32_t dilation, int32_t out);

#endif
