/* The reference interpreter's kernels on tiny hand-built graphs whose answers
 * were worked out by hand (the arithmetic is in the comments). */
#include <math.h>

#include "common/check.h"
#include "refimpl/graph_build.h"
#include "refimpl/refimpl.h"

/* Build-time helpers: a float tensor of up to 4 dims given inline. */
static int32_t ten(vp__graph *g, const char *name, int32_t rank, int32_t d0, int32_t d1,
                   int32_t d2, int32_t d3, const float *data) {
  int32_t dims[4] = {d0, d1, d2, d3};
  return vp_gb_tensor(g, name, rank, dims, data);
}
static int32_t i32(vp__graph *g, const char *name, int32_t n, const int32_t *vals) {
  int32_t dims[1] = {n};
  return vp_gb_tensor_i32(g, name, 1, dims, vals);
}

/* Run @p g with the given input data (one array per graph input) and compare
 * output 0 with @p want. */
static void expect(const char *what, vp__graph *g, const float *const *inputs, const float *want,
                   size_t n, double tol) {
  vp_ref *r = NULL;
  vp_status st = vp_ref_create(g, &r);
  if (st != VP_OK) {
    fprintf(stderr, "%s: create failed: %s\n", what, vp_last_error());
    vp_test_failures++;
    return;
  }
  for (int32_t i = 0; i < g->num_inputs; i++)
    memcpy(vp_ref_input(r, i), inputs[i],
           g->tensors[g->inputs[i]].num_elements * sizeof(float));
  st = vp_ref_run(r);
  if (st != VP_OK) {
    fprintf(stderr, "%s: run failed: %s\n", what, vp_last_error());
    vp_test_failures++;
  } else {
    CHECK_INT_EQ(g->tensors[g->outputs[0]].num_elements, n);
    const float *y = vp_ref_output(r, 0);
    for (size_t i = 0; i < n; i++)
      if (!(fabs((double)y[i] - want[i]) <= tol)) {
        fprintf(stderr, "%s: element %zu is %.9g, expected %.9g\n", what, i, y[i], want[i]);
        vp_test_failures++;
      }
  }
  vp_ref_destroy(r);
}

/* Expect vp_ref_create or vp_ref_run to fail with @p want. */
static void expect_error(const char *what, vp__graph *g, const float *const *inputs,
                         vp_status want) {
  vp_ref *r = NULL;
  vp_status st = vp_ref_create(g, &r);
  if (st == VP_OK) {
    for (int32_t i = 0; i < g->num_inputs; i++)
      memcpy(vp_ref_input(r, i), inputs[i],
             g->tensors[g->inputs[i]].num_elements * sizeof(float));
    st = vp_ref_run(r);
  }
  if (st != want) {
    fprintf(stderr, "%s: status %d, expected %d\n", what, st, want);
    vp_test_failures++;
  } else {
    fprintf(stderr, "%s: expected error: %s\n", what, vp_last_error());
  }
  vp_ref_destroy(r);
}

static const float k1to25[25] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25};
static const float ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

static void test_conv(void) {
  /* 3x3 image 1..9, 2x2 filter of ones, bias 1. VALID stride 1: window sums
   * 1+2+4+5=12, 2+3+5+6=16, 4+5+7+8=24, 5+6+8+9=28, plus 1. */
  for (int variant = 0; variant < 3; variant++) {
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "x", 4, 1, 3, 3, 1, NULL);
    int32_t w = ten(g, "w", 4, 1, 2, 2, 1, ones);
    float bv = 1;
    int32_t b = ten(g, "b", 1, 1, 0, 0, 0, &bv);
    int32_t y = ten(g, "y", 4, 1, 2, 2, 1, NULL);
    vp__op *op = vp_gb_op(g, VP_OP_CONV_2D, "CONV_2D", 3, (int32_t[]){x, w, b}, 1, &y);
    const float *in[1] = {k1to25};
    if (variant == 0) {
      vp_gb_io(g, 1, &x, 1, &y);
      expect("conv valid", g, in, (float[]){13, 17, 25, 29}, 4, 1e-6);
    } else if (variant == 1) {
      /* SAME stride 2: out = ceil(3/2) = 2, total pad (2-1)*2+2-3 = 1, pad
       * before 0, so windows start at 0 and 2: {1,2,4,5}, {3,6}, {7,8}, {9}. */
      op->padding = VP_PAD_SAME;
      op->stride_w = op->stride_h = 2;
      vp_gb_io(g, 1, &x, 1, &y);
      expect("conv same s2", g, in, (float[]){13, 10, 16, 10}, 4, 1e-6);
    } else {
      /* Fused RELU6 clamps everything at 6. */
      op->activation = VP_ACT_RELU6;
      vp_gb_io(g, 1, &x, 1, &y);
      expect("conv relu6", g, in, (float[]){6, 6, 6, 6}, 4, 0);
    }
    vp_gb_free(g);
  }
  {
    /* Dilation 2 on 5x5 (1..25), 2x2 ones, VALID: effective 3x3, out 3x3;
     * out(0,0) = x(0,0)+x(0,2)+x(2,0)+x(2,2) = 1+3+11+13 = 28, each step
     * right adds 4 and each step down adds 20. No bias input. */
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "x", 4, 1, 5, 5, 1, NULL);
    int32_t w = ten(g, "w", 4, 1, 2, 2, 1, ones);
    int32_t y = ten(g, "y", 4, 1, 3, 3, 1, NULL);
    vp__op *op = vp_gb_op(g, VP_OP_CONV_2D, "CONV_2D", 3, (int32_t[]){x, w, -1}, 1, &y);
    op->dilation_w = op->dilation_h = 2;
    vp_gb_io(g, 1, &x, 1, &y);
    const float *in[1] = {k1to25};
    expect("conv dilation", g, in, (float[]){28, 32, 36, 48, 52, 56, 68, 72, 76}, 9, 1e-6);
    vp_gb_free(g);
  }
  {
    /* Two output channels, two input channels: 1x1 conv = per-pixel matrix.
     * pixel (1,2): o0 = 1*1 + 2*2 = 5, o1 = 1*-1 + 2*0.5 = 0. */
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "x", 4, 1, 1, 1, 2, NULL);
    int32_t w = ten(g, "w", 4, 2, 1, 1, 2, (float[]){1, 2, -1, 0.5f});
    int32_t y = ten(g, "y", 4, 1, 1, 1, 2, NULL);
    vp_gb_op(g, VP_OP_CONV_2D, "CONV_2D", 2, (int32_t[]){x, w}, 1, &y);
    vp_gb_io(g, 1, &x, 1, &y);
    const float *in[1] = {(float[]){1, 2}};
    expect("conv 1x1", g, in, (float[]){5, 0}, 2, 1e-6);
    vp_gb_free(g);
  }
  {
    /* Output shape that disagrees with the arithmetic is an error. */
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "x", 4, 1, 3, 3, 1, NULL);
    int32_t w = ten(g, "w", 4, 1, 2, 2, 1, ones);
    int32_t y = ten(g, "y", 4, 1, 3, 3, 1, NULL);
    vp_gb_op(g, VP_OP_CONV_2D, "CONV_2D", 2, (int32_t[]){x, w}, 1, &y);
    vp_gb_io(g, 1, &x, 1, &y);
    const float *in[1] = {k1to25};
    expect_error("conv bad output shape", g, in, VP_ESHAPE);
    vp_gb_free(g);
  }
}

static void test_depthwise(void) {
  /* 1x1x2 image with 2 channels: pixel0 = (1, 2), pixel1 = (3, 4). Depth
   * multiplier 2: output channel o reads input channel o / 2. Filter 1x1x2x4:
   * tap0 = {1,2,3,4}, tap1 = {5,6,7,8}; bias {0,0,0,1}.
   * o0 = 1*1 + 3*5 = 16, o1 = 1*2 + 3*6 = 20, o2 = 2*3 + 4*7 = 34,
   * o3 = 2*4 + 4*8 + 1 = 41. */
  vp__graph *g = vp_gb_new();
  int32_t x = ten(g, "x", 4, 1, 1, 2, 2, NULL);
  int32_t w = ten(g, "w", 4, 1, 1, 2, 4, (float[]){1, 2, 3, 4, 5, 6, 7, 8});
  int32_t b = ten(g, "b", 1, 4, 0, 0, 0, (float[]){0, 0, 0, 1});
  int32_t y = ten(g, "y", 4, 1, 1, 1, 4, NULL);
  vp__op *op = vp_gb_op(g, VP_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", 3, (int32_t[]){x, w, b},
                        1, &y);
  op->depth_multiplier = 2;
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in[1] = {(float[]){1, 2, 3, 4}};
  expect("depthwise mult 2", g, in, (float[]){16, 20, 34, 41}, 4, 1e-6);
  vp_gb_free(g);

  /* 3x3 SAME stride 1 on a 3x3 single-channel image of 1..9 with a filter of
   * ones: each output is the sum of its in-image 3x3 neighbourhood:
   * 12 21 16 / 27 45 33 / 24 39 28. */
  g = vp_gb_new();
  x = ten(g, "x", 4, 1, 3, 3, 1, NULL);
  w = ten(g, "w", 4, 1, 3, 3, 1, (float[]){1, 1, 1, 1, 1, 1, 1, 1, 1});
  y = ten(g, "y", 4, 1, 3, 3, 1, NULL);
  op = vp_gb_op(g, VP_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", 3, (int32_t[]){x, w, -1}, 1, &y);
  op->padding = VP_PAD_SAME;
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in2[1] = {k1to25};
  expect("depthwise same", g, in2, (float[]){12, 21, 16, 27, 45, 33, 24, 39, 28}, 9, 1e-6);
  vp_gb_free(g);
}

static void test_binary(void) {
  /* ADD [1,2,2,3] + [3] broadcasts the vector over every pixel; fused RELU. */
  vp__graph *g = vp_gb_new();
  int32_t a = ten(g, "a", 4, 1, 2, 2, 3, NULL);
  int32_t b = ten(g, "b", 1, 3, 0, 0, 0, (float[]){10, -20, 0});
  int32_t y = ten(g, "y", 4, 1, 2, 2, 3, NULL);
  vp__op *op = vp_gb_op(g, VP_OP_ADD, "ADD", 2, (int32_t[]){a, b}, 1, &y);
  op->activation = VP_ACT_RELU;
  vp_gb_io(g, 1, &a, 1, &y);
  const float *in[1] = {k1to25};
  expect("add broadcast", g, in, (float[]){11, 0, 3, 14, 0, 6, 17, 0, 9, 20, 0, 12}, 12, 0);
  vp_gb_free(g);

  /* MUL [1,2,1,1] * [1,1,2,1] -> [1,2,2,1]: {2,3} x {5,7} = 10 14 15 21. */
  g = vp_gb_new();
  a = ten(g, "a", 4, 1, 2, 1, 1, NULL);
  b = ten(g, "b", 4, 1, 1, 2, 1, NULL);
  y = ten(g, "y", 4, 1, 2, 2, 1, NULL);
  vp_gb_op(g, VP_OP_MUL, "MUL", 2, (int32_t[]){a, b}, 1, &y);
  vp_gb_io(g, 2, (int32_t[]){a, b}, 1, &y);
  const float *in2[2] = {(float[]){2, 3}, (float[]){5, 7}};
  expect("mul both broadcast", g, in2, (float[]){10, 14, 15, 21}, 4, 0);
  vp_gb_free(g);

  /* Incompatible shapes: [1,2] with [3]. */
  g = vp_gb_new();
  a = ten(g, "a", 2, 1, 2, 0, 0, NULL);
  b = ten(g, "b", 1, 3, 0, 0, 0, (float[]){1, 2, 3});
  y = ten(g, "y", 2, 1, 3, 0, 0, NULL);
  vp_gb_op(g, VP_OP_ADD, "ADD", 2, (int32_t[]){a, b}, 1, &y);
  vp_gb_io(g, 1, &a, 1, &y);
  const float *in3[1] = {(float[]){1, 2}};
  expect_error("add bad broadcast", g, in3, VP_ESHAPE);
  vp_gb_free(g);
}

static void test_unary(void) {
  const float xs[6] = {-4, -1, 0, 1, 4, 7};
  struct {
    vp__opcode code;
    const char *name;
    float want[6];
  } cases[] = {
      {VP_OP_RELU, "RELU", {0, 0, 0, 1, 4, 7}},
      {VP_OP_RELU6, "RELU6", {0, 0, 0, 1, 4, 6}},
      /* x * relu6(x + 3) / 6: -4 -> 0, -1 -> -1*2/6, 1 -> 4/6, 4 -> 4, 7 -> 7 */
      {VP_OP_HARD_SWISH, "HARD_SWISH", {0, -1.f / 3, 0, 2.f / 3, 4, 7}},
      {VP_OP_LOGISTIC, "LOGISTIC",
       {0.01798621f, 0.26894142f, 0.5f, 0.73105858f, 0.98201379f, 0.99908895f}},
      {VP_OP_TANH, "TANH",
       {-0.99932930f, -0.76159416f, 0, 0.76159416f, 0.99932930f, 0.99999834f}},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "x", 2, 2, 3, 0, 0, NULL);
    int32_t y = ten(g, "y", 2, 2, 3, 0, 0, NULL);
    vp_gb_op(g, cases[k].code, cases[k].name, 1, &x, 1, &y);
    vp_gb_io(g, 1, &x, 1, &y);
    const float *in[1] = {xs};
    expect(cases[k].name, g, in, cases[k].want, 6, 1e-6);
    vp_gb_free(g);
  }
  /* PRELU with per-channel alpha [1,1,2]: (-2, -3) -> (-1, -0.75), positives kept. */
  vp__graph *g = vp_gb_new();
  int32_t x = ten(g, "x", 4, 1, 1, 2, 2, NULL);
  int32_t al = ten(g, "alpha", 3, 1, 1, 2, 0, (float[]){0.5f, 0.25f});
  int32_t y = ten(g, "y", 4, 1, 1, 2, 2, NULL);
  vp_gb_op(g, VP_OP_PRELU, "PRELU", 2, (int32_t[]){x, al}, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in[1] = {(float[]){-2, -3, 5, 0}};
  expect("prelu", g, in, (float[]){-1, -0.75f, 5, 0}, 4, 0);
  vp_gb_free(g);
}

static void test_pool(void) {
  /* AVERAGE_POOL 3x3 SAME stride 1 on 1..9: only pixels inside the image
   * count. Corner (0,0): (1+2+4+5)/4 = 3; edge (0,1): (1+..+6)/6 = 3.5;
   * centre 45/9 = 5. */
  vp__graph *g = vp_gb_new();
  int32_t x = ten(g, "x", 4, 1, 3, 3, 1, NULL);
  int32_t y = ten(g, "y", 4, 1, 3, 3, 1, NULL);
  vp__op *op = vp_gb_op(g, VP_OP_AVERAGE_POOL_2D, "AVERAGE_POOL_2D", 1, &x, 1, &y);
  op->padding = VP_PAD_SAME;
  op->filter_w = op->filter_h = 3;
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in[1] = {k1to25};
  expect("avgpool same", g, in, (float[]){3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7}, 9, 1e-6);
  vp_gb_free(g);

  /* MAX_POOL 2x2 stride 2 VALID on 4x4 of 1..16: maxima 6 8 14 16. */
  g = vp_gb_new();
  x = ten(g, "x", 4, 1, 4, 4, 1, NULL);
  y = ten(g, "y", 4, 1, 2, 2, 1, NULL);
  op = vp_gb_op(g, VP_OP_MAX_POOL_2D, "MAX_POOL_2D", 1, &x, 1, &y);
  op->filter_w = op->filter_h = 2;
  op->stride_w = op->stride_h = 2;
  vp_gb_io(g, 1, &x, 1, &y);
  expect("maxpool valid s2", g, in, (float[]){6, 8, 14, 16}, 4, 0);
  vp_gb_free(g);

  /* MAX_POOL 2x2 stride 2 SAME on 3x3 of negative values: padding never wins.
   * -(1..9): windows {1,2,4,5} {3,6} {7,8} {9} -> max -1 -3 -7 -9. */
  g = vp_gb_new();
  x = ten(g, "x", 4, 1, 3, 3, 1, NULL);
  y = ten(g, "y", 4, 1, 2, 2, 1, NULL);
  op = vp_gb_op(g, VP_OP_MAX_POOL_2D, "MAX_POOL_2D", 1, &x, 1, &y);
  op->filter_w = op->filter_h = 2;
  op->stride_w = op->stride_h = 2;
  op->padding = VP_PAD_SAME;
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in2[1] = {(float[]){-1, -2, -3, -4, -5, -6, -7, -8, -9}};
  expect("maxpool same negative", g, in2, (float[]){-1, -3, -7, -9}, 4, 0);
  vp_gb_free(g);
}

static void test_shape_ops(void) {
  /* PAD [1,1,2,1] by ((0,0),(1,0),(0,1),(0,0)) -> [1,2,3,1]: 0 0 0 / a b 0. */
  vp__graph *g = vp_gb_new();
  int32_t x = ten(g, "x", 4, 1, 1, 2, 1, NULL);
  int32_t pdims[2] = {4, 2};
  int32_t p = vp_gb_tensor_i32(g, "p", 2, pdims, (int32_t[]){0, 0, 1, 0, 0, 1, 0, 0});
  int32_t y = ten(g, "y", 4, 1, 2, 3, 1, NULL);
  vp_gb_op(g, VP_OP_PAD, "PAD", 2, (int32_t[]){x, p}, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in[1] = {(float[]){7, 8}};
  expect("pad", g, in, (float[]){0, 0, 0, 7, 8, 0}, 6, 0);
  vp_gb_free(g);

  /* CONCATENATION along the last axis (axis -1): [1,2,1,2] ++ [1,2,1,1]. */
  g = vp_gb_new();
  int32_t a = ten(g, "a", 4, 1, 2, 1, 2, NULL);
  int32_t b = ten(g, "b", 4, 1, 2, 1, 1, NULL);
  y = ten(g, "y", 4, 1, 2, 1, 3, NULL);
  vp__op *op = vp_gb_op(g, VP_OP_CONCATENATION, "CONCATENATION", 2, (int32_t[]){a, b}, 1, &y);
  op->axis = -1;
  vp_gb_io(g, 2, (int32_t[]){a, b}, 1, &y);
  const float *in2[2] = {(float[]){1, 2, 3, 4}, (float[]){9, 10}};
  expect("concat last axis", g, in2, (float[]){1, 2, 9, 3, 4, 10}, 6, 0);
  vp_gb_free(g);

  /* RESHAPE keeps the element order. */
  g = vp_gb_new();
  x = ten(g, "x", 4, 1, 2, 2, 1, NULL);
  y = ten(g, "y", 2, 1, 4, 0, 0, NULL);
  vp_gb_op(g, VP_OP_RESHAPE, "RESHAPE", 1, &x, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in4[1] = {k1to25};
  expect("reshape", g, in4, (float[]){1, 2, 3, 4}, 4, 0);
  vp_gb_free(g);

  /* DEPTH_TO_SPACE block 2: [1,1,1,4] (1,2,3,4) -> [1,2,2,1] rows (1,2),(3,4);
   * with two output channels, [1,1,1,8] -> pixel (dy,dx) takes channels
   * (dy*2+dx)*2 .. +1. */
  g = vp_gb_new();
  x = ten(g, "x", 4, 1, 1, 2, 8, NULL);
  y = ten(g, "y", 4, 1, 2, 4, 2, NULL);
  op = vp_gb_op(g, VP_OP_DEPTH_TO_SPACE, "DEPTH_TO_SPACE", 1, &x, 1, &y);
  op->block_size = 2;
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in3[1] = {k1to25};
  /* input pixel0 = 1..8, pixel1 = 9..16; output row 0: p0(0,0)=1,2 p0(0,1)=3,4
   * p1(0,0)=9,10 p1(0,1)=11,12; row 1: 5,6 7,8 13,14 15,16. */
  expect("depth_to_space", g, in3,
         (float[]){1, 2, 3, 4, 9, 10, 11, 12, 5, 6, 7, 8, 13, 14, 15, 16}, 16, 0);
  vp_gb_free(g);

  /* MEAN over axes (1,2) keep_dims on [1,2,2,2] of 1..8: channel 0 mean
   * (1+3+5+7)/4 = 4, channel 1 = 5. */
  g = vp_gb_new();
  x = ten(g, "x", 4, 1, 2, 2, 2, NULL);
  int32_t ax = i32(g, "axes", 2, (int32_t[]){1, 2});
  y = ten(g, "y", 4, 1, 1, 1, 2, NULL);
  op = vp_gb_op(g, VP_OP_MEAN, "MEAN", 2, (int32_t[]){x, ax}, 1, &y);
  op->keep_dims = true;
  vp_gb_io(g, 1, &x, 1, &y);
  expect("mean", g, in3, (float[]){4, 5}, 2, 1e-6);
  vp_gb_free(g);

  /* FULLY_CONNECTED keep_num_dims: [1,2,3] x W[2,3]^T + b -> [1,2,2].
   * rows (1,2,3),(4,5,6); W = (1,0,-1),(0.5,0.5,0.5); b = (0, 1):
   * (-2, 4), (-2, 8.5). */
  g = vp_gb_new();
  x = ten(g, "x", 3, 1, 2, 3, 0, NULL);
  int32_t w = ten(g, "w", 2, 2, 3, 0, 0, (float[]){1, 0, -1, 0.5f, 0.5f, 0.5f});
  b = ten(g, "b", 1, 2, 0, 0, 0, (float[]){0, 1});
  y = ten(g, "y", 3, 1, 2, 2, 0, NULL);
  op = vp_gb_op(g, VP_OP_FULLY_CONNECTED, "FULLY_CONNECTED", 3, (int32_t[]){x, w, b}, 1, &y);
  op->keep_num_dims = true;
  vp_gb_io(g, 1, &x, 1, &y);
  expect("fully_connected", g, in3, (float[]){-2, 4, -2, 8.5f}, 4, 1e-6);
  vp_gb_free(g);
}

static void test_strided_slice(void) {
  /* [1,4,4,1] of 1..16, begin (0,1,0,0) end (1,4,4,1) strides (1,2,2,1):
   * rows 1 and 3, columns 0 and 2: 5 7 13 15. */
  vp__graph *g = vp_gb_new();
  int32_t x = ten(g, "x", 4, 1, 4, 4, 1, NULL);
  int32_t b = i32(g, "b", 4, (int32_t[]){0, 1, 0, 0});
  int32_t e = i32(g, "e", 4, (int32_t[]){1, 4, 4, 1});
  int32_t s = i32(g, "s", 4, (int32_t[]){1, 2, 2, 1});
  int32_t y = ten(g, "y", 4, 1, 2, 2, 1, NULL);
  vp_gb_op(g, VP_OP_STRIDED_SLICE, "STRIDED_SLICE", 4, (int32_t[]){x, b, e, s}, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in[1] = {k1to25};
  expect("strided_slice", g, in, (float[]){5, 7, 13, 15}, 4, 0);
  vp_gb_free(g);

  /* Masks on [2,3] of 1..6: begin_mask on dim 1 and end_mask on dim 1 take it
   * whole; shrink_axis on dim 0 with begin 1 takes row 1 and drops the axis:
   * (4,5,6). Negative begin -1 on dim 0 means the last row too. */
  for (int v = 0; v < 2; v++) {
    g = vp_gb_new();
    x = ten(g, "x", 2, 2, 3, 0, 0, NULL);
    b = i32(g, "b", 2, (int32_t[]){v ? -1 : 1, 2});
    e = i32(g, "e", 2, (int32_t[]){0, 0});
    s = i32(g, "s", 2, (int32_t[]){1, 1});
    y = ten(g, "y", 1, 3, 0, 0, 0, NULL);
    vp__op *op =
        vp_gb_op(g, VP_OP_STRIDED_SLICE, "STRIDED_SLICE", 4, (int32_t[]){x, b, e, s}, 1, &y);
    op->begin_mask = 2;
    op->end_mask = 2;
    op->shrink_axis_mask = 1;
    vp_gb_io(g, 1, &x, 1, &y);
    expect(v ? "strided_slice masks neg" : "strided_slice masks", g, in, (float[]){4, 5, 6}, 3,
           0);
    vp_gb_free(g);
  }

  /* Negative stride: [5] of 1..5, begin -1 end 0 stride -2 -> 5, 3 (end 0 is
   * exclusive). */
  g = vp_gb_new();
  x = ten(g, "x", 1, 5, 0, 0, 0, NULL);
  b = i32(g, "b", 1, (int32_t[]){-1});
  e = i32(g, "e", 1, (int32_t[]){0});
  s = i32(g, "s", 1, (int32_t[]){-2});
  y = ten(g, "y", 1, 2, 0, 0, 0, NULL);
  vp_gb_op(g, VP_OP_STRIDED_SLICE, "STRIDED_SLICE", 4, (int32_t[]){x, b, e, s}, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  expect("strided_slice negative stride", g, in, (float[]){5, 3}, 2, 0);
  vp_gb_free(g);
}

static void test_resize(void) {
  /* 2x2 (0 1 / 2 3) to 3x3 with align_corners: scale (2-1)/(3-1) = 0.5:
   * 0 .5 1 / 1 1.5 2 / 2 2.5 3. */
  const float src[4] = {0, 1, 2, 3};
  const float *in[1] = {src};
  for (int v = 0; v < 3; v++) {
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "x", 4, 1, 2, 2, 1, NULL);
    int32_t n = v == 0 ? 3 : 4;
    int32_t sz = i32(g, "size", 2, (int32_t[]){n, n});
    int32_t y = ten(g, "y", 4, 1, n, n, 1, NULL);
    vp__op *op =
        vp_gb_op(g, VP_OP_RESIZE_BILINEAR, "RESIZE_BILINEAR", 2, (int32_t[]){x, sz}, 1, &y);
    op->align_corners = v == 0;
    op->half_pixel_centers = v == 2;
    vp_gb_io(g, 1, &x, 1, &y);
    if (v == 0) {
      expect("resize align_corners", g, in, (float[]){0, .5f, 1, 1, 1.5f, 2, 2, 2.5f, 3}, 9, 1e-6);
    } else if (v == 1) {
      /* 2 -> 4, scale 0.5, source x = 0, .5, 1, 1.5 (upper clamps to 1):
       * row values 0 .5 1 1; rows likewise in steps of 2. */
      expect("resize default", g, in,
             (float[]){0, .5f, 1, 1, 1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 2, 2.5f, 3, 3}, 16, 1e-6);
    } else {
      /* half_pixel_centers: source x = (x+.5)*.5-.5 = -.25, .25, .75, 1.25;
       * -.25 clamps both neighbours to 0 (value 0), 1.25 to 1: 0 .25 .75 1. */
      expect("resize half_pixel", g, in,
             (float[]){0, .25f, .75f, 1, .5f, .75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2,
                       2.25f, 2.75f, 3},
             16, 1e-6);
    }
    vp_gb_free(g);
  }
}

static void test_custom(void) {
  /* Convolution2DTransposeBias, 2x2 input (1 2 / 3 4), 2x2 weights of ones,
   * bias 0.5. Stride 2 VALID: every input pixel becomes a 2x2 block. */
  {
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "x", 4, 1, 2, 2, 1, NULL);
    int32_t w = ten(g, "w", 4, 1, 2, 2, 1, ones);
    int32_t b = ten(g, "b", 1, 1, 0, 0, 0, (float[]){0.5f});
    int32_t y = ten(g, "y", 4, 1, 4, 4, 1, NULL);
    vp__op *op = vp_gb_op(g, VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS, "Convolution2DTransposeBias", 3,
                          (int32_t[]){x, w, b}, 1, &y);
    op->custom.stride_w = op->custom.stride_h = 2;
    op->custom.padding = VP_PAD_VALID;
    vp_gb_io(g, 1, &x, 1, &y);
    const float *in[1] = {(float[]){1, 2, 3, 4}};
    expect("transpose conv s2", g, in,
           (float[]){1.5f, 1.5f, 2.5f, 2.5f, 1.5f, 1.5f, 2.5f, 2.5f, 3.5f, 3.5f, 4.5f, 4.5f, 3.5f,
                     3.5f, 4.5f, 4.5f},
           16, 1e-6);
    vp_gb_free(g);
  }
  {
    /* Stride 1 SAME: total pad 2 - (2-1)%1 - 1 = 1, output 1*(2-1)+2-1 = 2,
     * starting 0 into the full 3x3 result 1 3 2 / 4 10 6 / 3 7 4: 1 3 / 4 10. */
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "x", 4, 1, 2, 2, 1, NULL);
    int32_t w = ten(g, "w", 4, 1, 2, 2, 1, ones);
    int32_t b = ten(g, "b", 1, 1, 0, 0, 0, (float[]){0});
    int32_t y = ten(g, "y", 4, 1, 2, 2, 1, NULL);
    vp__op *op = vp_gb_op(g, VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS, "Convolution2DTransposeBias", 3,
                          (int32_t[]){x, w, b}, 1, &y);
    op->custom.stride_w = op->custom.stride_h = 1;
    op->custom.padding = VP_PAD_SAME;
    vp_gb_io(g, 1, &x, 1, &y);
    const float *in[1] = {(float[]){1, 2, 3, 4}};
    expect("transpose conv same s1", g, in, (float[]){1, 3, 4, 10}, 4, 1e-6);
    vp_gb_free(g);
  }
  for (int v = 0; v < 2; v++) {
    /* Landmarks2TransformMatrix. v0: landmarks (0,0) (10,0) (0,20) (10,20);
     * rotation landmarks 0 -> 1 are level, target 0, so no rotation; subset
     * pairs (0,1),(2,3) give a 10x20 box centred at (5,10). Output 10x10,
     * scale 1: M = Shift(5,10) Scale(1,2) Shift(-5,-5): x' = x, y' = 2y.
     * v1: landmarks (0,0) (0,10), subset (0,1): the line points down, so
     * rotation = 0 - pi/2; rotated by it the points are (0,0),(10,0): box
     * 10x0, centre (5,0) rotated back = (0,5). M = Shift(0,5) Rot(pi/2)
     * Scale(1,0) Shift(-5,-5): x' = 0, y' = x. */
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "lm", 3, 1, 4, 3, 0, NULL);
    int32_t y = ten(g, "m", 3, 1, 4, 4, 0, NULL);
    vp__op *op = vp_gb_op(g, VP_OP_CUSTOM_LANDMARKS_TO_TRANSFORM_MATRIX,
                          "Landmarks2TransformMatrix", 1, &x, 1, &y);
    op->custom.output_width = op->custom.output_height = 10;
    op->custom.scale_x = op->custom.scale_y = 1;
    op->custom.version = 2;
    op->custom.left_rotation_idx = 0;
    op->custom.right_rotation_idx = 1;
    static const int32_t subset[4] = {0, 1, 2, 3};
    op->custom.num_subset_idxs = v ? 1 : 2;
    op->custom.subset_idxs = subset;
    vp_gb_io(g, 1, &x, 1, &y);
    if (v == 0) {
      const float *in[1] = {(float[]){0, 0, 0, 10, 0, 0, 0, 20, 0, 10, 20, 0}};
      expect("landmarks2matrix level", g, in,
             (float[]){1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 16, 1e-5);
    } else {
      const float *in[1] = {(float[]){0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0}};
      expect("landmarks2matrix rotated", g, in,
             (float[]){0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 16, 1e-5);
    }
    vp_gb_free(g);
  }
  for (int v = 0; v < 2; v++) {
    /* TransformTensorBilinear on 2x2 (1 2 / 3 4). v0: identity matrix, the
     * half-pixel correction (m0 + m1 - 1) / 2 = 0 keeps it identity. v1:
     * scale 0.5 into 3x3: correction -0.25, so x maps to 0.5x - 0.25:
     * -0.25 (outside: 0), 0.25, 0.75. (0.25,0.25) = 1*.5625 + 2*.1875 +
     * 3*.1875 + 4*.0625 = 1.75; (.75,.25) = 2.25; (.25,.75) = 2.75;
     * (.75,.75) = 3.25. */
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "x", 4, 1, 2, 2, 1, NULL);
    int32_t m = ten(g, "m", 3, 1, 4, 4, 0, NULL);
    int32_t n = v ? 3 : 2;
    int32_t y = ten(g, "y", 4, 1, n, n, 1, NULL);
    vp__op *op = vp_gb_op(g, VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR, "TransformTensorBilinear",
                          2, (int32_t[]){x, m}, 1, &y);
    op->custom.version = 2;
    op->custom.align_corners = true;
    vp_gb_io(g, 2, (int32_t[]){x, m}, 1, &y);
    float s = v ? 0.5f : 1.0f;
    const float mat[16] = {s, 0, 0, 0, 0, s, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    const float *in[2] = {(float[]){1, 2, 3, 4}, mat};
    if (v == 0) expect("transform tensor identity", g, in, (float[]){1, 2, 3, 4}, 4, 1e-6);
    else
      expect("transform tensor scale", g, in, (float[]){0, 0, 0, 0, 1.75f, 2.25f, 0, 2.75f, 3.25f},
             9, 1e-6);
    vp_gb_free(g);
  }
  {
    /* TransformLandmarks: (x, y, z) -> (2x + 1y + 3, -y + 5, z). */
    vp__graph *g = vp_gb_new();
    int32_t x = ten(g, "lm", 3, 1, 2, 3, 0, NULL);
    int32_t m = ten(g, "m", 3, 1, 4, 4, 0, NULL);
    int32_t y = ten(g, "y", 3, 1, 2, 3, 0, NULL);
    vp_gb_op(g, VP_OP_CUSTOM_TRANSFORM_LANDMARKS, "TransformLandmarks", 2, (int32_t[]){x, m}, 1,
             &y);
    vp_gb_io(g, 2, (int32_t[]){x, m}, 1, &y);
    const float mat[16] = {2, 1, 0, 3, 0, -1, 0, 5, 0, 0, 1, 0, 0, 0, 0, 1};
    const float *in[2] = {(float[]){1, 2, 9, -1, 0, 7}, mat};
    expect("transform landmarks", g, in, (float[]){7, 3, 9, 1, 5, 7}, 6, 1e-6);
    vp_gb_free(g);
  }
}

static void test_dequantize(void) {
  /* float16 constant -> float32: 1.0 (0x3C00), -2 (0xC000), 1/3 rounded to
   * half (0x3555 = 0.333251953125), the smallest subnormal 2^-24 (0x0001),
   * the largest finite 65504 (0x7BFF), -0 (0x8000); then ADD to an input. */
  vp__graph *g = vp_gb_new();
  const uint16_t h[6] = {0x3C00, 0xC000, 0x3555, 0x0001, 0x7BFF, 0x8000};
  int32_t c = vp_gb_tensor_raw(g, "c16", VP_DTYPE_F16, 2, 1, (int32_t[]){6}, h);
  int32_t c32 = ten(g, "c32", 1, 6, 0, 0, 0, NULL);
  int32_t x = ten(g, "x", 1, 6, 0, 0, 0, NULL);
  int32_t y = ten(g, "y", 1, 6, 0, 0, 0, NULL);
  vp_gb_op(g, VP_OP_DEQUANTIZE, "DEQUANTIZE", 1, &c, 1, &c32);
  vp_gb_op(g, VP_OP_ADD, "ADD", 2, (int32_t[]){x, c32}, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in[1] = {(float[]){0, 0, 0, 0, 0, 0}};
  expect("dequantize fp16", g, in,
         (float[]){1, -2, 0.333251953125f, 5.9604644775390625e-8f, 65504, 0}, 6, 0);
  vp_gb_free(g);
}

static void test_chain(void) {
  /* Two ops in sequence: an intermediate buffer is created and freed;
   * RELU(x) then ADD with x again: y = relu(x) + x. */
  vp__graph *g = vp_gb_new();
  int32_t x = ten(g, "x", 1, 4, 0, 0, 0, NULL);
  int32_t h = ten(g, "h", 1, 4, 0, 0, 0, NULL);
  int32_t y = ten(g, "y", 1, 4, 0, 0, 0, NULL);
  vp_gb_op(g, VP_OP_RELU, "RELU", 1, &x, 1, &h);
  vp_gb_op(g, VP_OP_ADD, "ADD", 2, (int32_t[]){h, x}, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  const float *in[1] = {(float[]){-1, 2, -3, 4}};
  expect("chain", g, in, (float[]){-1, 4, -3, 8}, 4, 0);
  expect("chain rerun", g, in, (float[]){-1, 4, -3, 8}, 4, 0);
  vp_gb_free(g);

  /* An unsupported operator is an error naming it. */
  g = vp_gb_new();
  x = ten(g, "x", 1, 4, 0, 0, 0, NULL);
  y = ten(g, "y", 1, 4, 0, 0, 0, NULL);
  vp_gb_op(g, VP_OP_TRANSPOSE_CONV, "TRANSPOSE_CONV", 1, &x, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  expect_error("unsupported op", g, in, VP_EUNSUPPORTED);
  vp_gb_free(g);

  /* Malformed graphs: an operator naming a tensor that does not exist, and
   * one reading an activation nobody has written. */
  g = vp_gb_new();
  x = ten(g, "x", 1, 4, 0, 0, 0, NULL);
  y = ten(g, "y", 1, 4, 0, 0, 0, NULL);
  vp_gb_op(g, VP_OP_ADD, "ADD", 2, (int32_t[]){x, 7}, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  expect_error("tensor index out of range", g, in, VP_EFORMAT);
  vp_gb_free(g);

  g = vp_gb_new();
  x = ten(g, "x", 1, 4, 0, 0, 0, NULL);
  h = ten(g, "never_written", 1, 4, 0, 0, 0, NULL);
  y = ten(g, "y", 1, 4, 0, 0, 0, NULL);
  vp_gb_op(g, VP_OP_ADD, "ADD", 2, (int32_t[]){x, h}, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  expect_error("read before write", g, in, VP_EFORMAT);
  vp_gb_free(g);
}

int main(void) {
  CHECK_INT_EQ(vp_ref_out_size(VP_PAD_SAME, 7, 3, 2, 1), 4);
  CHECK_INT_EQ(vp_ref_out_size(VP_PAD_VALID, 7, 3, 2, 1), 3);
  CHECK_INT_EQ(vp_ref_out_size(VP_PAD_VALID, 7, 3, 1, 2), 3);
  /* SAME, in 8, k 3, s 2: out 4, total pad (4-1)*2+3-8 = 1, before 0. */
  CHECK_INT_EQ(vp_ref_pad_before(VP_PAD_SAME, 8, 3, 2, 1, 4), 0);
  /* SAME, in 7, k 3, s 2: out 4, total 2, before 1. */
  CHECK_INT_EQ(vp_ref_pad_before(VP_PAD_SAME, 7, 3, 2, 1, 4), 1);
  /* SAME, in 8, k 5, s 1: total 4, before 2. */
  CHECK_INT_EQ(vp_ref_pad_before(VP_PAD_SAME, 8, 5, 1, 1, 8), 2);
  test_conv();
  test_depthwise();
  test_binary();
  test_unary();
  test_pool();
  test_shape_ops();
  test_strided_slice();
  test_resize();
  test_custom();
  test_dequantize();
  test_chain();
  return TEST_EXIT();
}
