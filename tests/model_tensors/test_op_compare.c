/* Operator-level agreement: small random graphs, one operator kind and
 * parameter variant each (the variants MediaPipe's 15 models use: strides
 * 1/2, SAME/VALID, dilation, depth multipliers, broadcasting shapes, resize
 * modes, slice masks, fused activations, the custom operators), run through
 * the test-only reference interpreter and through the XNNPACK session.
 *
 * Bound: max |xnn - ref| <= OP_TOL * max |ref| per output. With a handful of
 * float32 products per output element the only differences are summation
 * order and XNNPACK's float32 accumulation / approximated sigmoid and tanh,
 * which stay around 1e-6 of the output's magnitude here; wrong semantics
 * shows up at 1e-2 or more. Prints each case's measured error. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "refimpl/graph_build.h"
#include "refimpl/refimpl.h"
#include "vpipe/model.h"

#define OP_TOL 1e-5

static uint32_t rng = 12345u;
static float frand(float lo, float hi) {
  rng = rng * 1664525u + 1013904223u;
  return lo + (hi - lo) * (float)((rng >> 8) & 0xffffff) / (float)0x1000000;
}

/* A random float constant of up to 4 dims in [lo, hi). */
static int32_t rconst(vp__graph *g, const char *name, int32_t rank, const int32_t *dims, float lo,
                      float hi) {
  size_t n = 1;
  for (int32_t i = 0; i < rank; i++) n *= (size_t)dims[i];
  float *v = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) v[i] = frand(lo, hi);
  int32_t t = vp_gb_tensor(g, name, rank, dims, v);
  free(v);
  return t;
}

static int32_t act4(vp__graph *g, const char *name, int32_t n, int32_t h, int32_t w, int32_t c) {
  return vp_gb_tensor(g, name, 4, (int32_t[]){n, h, w, c}, NULL);
}

static double worst = 0;
static int32_t threads = 1; /* intra-op threads of the session */

/* Run @p g with random inputs in [lo, hi) through both engines and compare
 * every output. Frees @p g. */
static void run_case(const char *what, vp__graph *g, float lo, float hi) {
  vp_ref *r = NULL;
  vp_session *s = NULL;
  vp_model model = {.graph = g};
  vp_session_options so = vp_session_options_default();
  so.num_threads = threads;
  if (vp_ref_create(g, &r) != VP_OK) {
    fprintf(stderr, "%s: reference create: %s\n", what, vp_last_error());
    vp_test_failures++;
    goto out;
  }
  if (vp_session_create(&model, &so, &s) != VP_OK) {
    fprintf(stderr, "%s: session create: %s\n", what, vp_last_error());
    vp_test_failures++;
    goto out;
  }
  for (int32_t i = 0; i < g->num_inputs; i++) {
    size_t n = g->tensors[g->inputs[i]].num_elements;
    float *a = vp_ref_input(r, i), *b = vp_session_input(s, i);
    for (size_t k = 0; k < n; k++) a[k] = b[k] = frand(lo, hi);
  }
  if (vp_ref_run(r) != VP_OK) {
    fprintf(stderr, "%s: reference run: %s\n", what, vp_last_error());
    vp_test_failures++;
    goto out;
  }
  if (vp_session_run(s) != VP_OK) {
    fprintf(stderr, "%s: session run: %s\n", what, vp_last_error());
    vp_test_failures++;
    goto out;
  }
  for (int32_t o = 0; o < g->num_outputs; o++) {
    size_t n = g->tensors[g->outputs[o]].num_elements;
    const float *a = vp_ref_output(r, o), *b = vp_session_output(s, o);
    double mx = 0, err = 0;
    for (size_t k = 0; k < n; k++) mx = fabs(a[k]) > mx ? fabs(a[k]) : mx;
    /* mx = 0 (an all-zero output) compares absolute errors. */
    for (size_t k = 0; k < n; k++) {
      double d = fabs((double)a[k] - b[k]);
      if (d != d) {
        err = NAN; /* a NaN anywhere fails the case */
        break;
      }
      if (d > err) err = d;
    }
    double rel = err / (mx > 0 ? mx : 1);
    printf("  %-44s out %d: max|ref| %9.4g  rel err %.2e\n", what, o, mx, rel);
    if (!(rel <= OP_TOL)) {
      fprintf(stderr, "%s output %d: XNNPACK vs reference %.3e > %g\n", what, o, rel, OP_TOL);
      vp_test_failures++;
    }
    if (rel > worst || rel != rel) worst = rel;
  }
out:
  vp_session_destroy(s);
  vp_ref_destroy(r);
  vp_gb_free(g);
}

/* x[1,h,w,cin] -> CONV_2D (k x k, stride, dilation, padding, activation) */
static void conv_case(int32_t h, int32_t w, int32_t cin, int32_t cout, int32_t k, int32_t stride,
                      int32_t dil, vp__padding pad, vp__activation act, bool bias) {
  vp__graph *g = vp_gb_new();
  int32_t oh = vp_ref_out_size(pad, h, k, stride, dil), ow = vp_ref_out_size(pad, w, k, stride, dil);
  int32_t x = act4(g, "x", 1, h, w, cin);
  int32_t f = rconst(g, "w", 4, (int32_t[]){cout, k, k, cin}, -1, 1);
  int32_t b = bias ? rconst(g, "b", 1, (int32_t[]){cout}, -1, 1) : -1;
  int32_t y = act4(g, "y", 1, oh, ow, cout);
  vp__op *op = vp_gb_op(g, VP_OP_CONV_2D, "CONV_2D", 3, (int32_t[]){x, f, b}, 1, &y);
  op->stride_w = op->stride_h = stride;
  op->dilation_w = op->dilation_h = dil;
  op->padding = pad;
  op->activation = act;
  vp_gb_io(g, 1, &x, 1, &y);
  char what[128];
  snprintf(what, sizeof what, "CONV_2D %dx%dx%d->%d k%d s%d d%d %s act%d%s", h, w, cin, cout, k,
           stride, dil, pad == VP_PAD_SAME ? "SAME" : "VALID", (int)act, bias ? "" : " nobias");
  run_case(what, g, -1, 1);
}

static void dw_case(int32_t h, int32_t w, int32_t cin, int32_t mult, int32_t k, int32_t stride,
                    int32_t dil, vp__padding pad, vp__activation act) {
  vp__graph *g = vp_gb_new();
  int32_t oh = vp_ref_out_size(pad, h, k, stride, dil), ow = vp_ref_out_size(pad, w, k, stride, dil);
  int32_t x = act4(g, "x", 1, h, w, cin);
  int32_t f = rconst(g, "w", 4, (int32_t[]){1, k, k, cin * mult}, -1, 1);
  int32_t b = rconst(g, "b", 1, (int32_t[]){cin * mult}, -1, 1);
  int32_t y = act4(g, "y", 1, oh, ow, cin * mult);
  vp__op *op = vp_gb_op(g, VP_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", 3, (int32_t[]){x, f, b},
                        1, &y);
  op->stride_w = op->stride_h = stride;
  op->dilation_w = op->dilation_h = dil;
  op->depth_multiplier = mult;
  op->padding = pad;
  op->activation = act;
  vp_gb_io(g, 1, &x, 1, &y);
  char what[128];
  snprintf(what, sizeof what, "DEPTHWISE %dx%dx%d m%d k%d s%d d%d %s act%d t%d", h, w, cin, mult,
           k, stride, dil, pad == VP_PAD_SAME ? "SAME" : "VALID", (int)act, threads);
  run_case(what, g, -1, 1);
}

/* Binary op with shapes a and b (second one constant or a graph input). */
static void binary_case(vp__opcode code, const char *name, int32_t ra, const int32_t *da,
                        int32_t rb, const int32_t *db, bool b_const, vp__activation act) {
  vp__graph *g = vp_gb_new();
  int32_t a = vp_gb_tensor(g, "a", ra, da, NULL);
  int32_t b = b_const ? rconst(g, "b", rb, db, -1, 1) : vp_gb_tensor(g, "b", rb, db, NULL);
  int32_t ro = ra > rb ? ra : rb, dout[VP_MAX_DIMS];
  for (int32_t d = 0; d < ro; d++) {
    int32_t ia = d - (ro - ra), ib = d - (ro - rb);
    int32_t xa = ia >= 0 ? da[ia] : 1, xb = ib >= 0 ? db[ib] : 1;
    dout[d] = xa > xb ? xa : xb;
  }
  int32_t y = vp_gb_tensor(g, "y", ro, dout, NULL);
  vp__op *op = vp_gb_op(g, code, name, 2, (int32_t[]){a, b}, 1, &y);
  op->activation = act;
  if (b_const) vp_gb_io(g, 1, &a, 1, &y);
  else vp_gb_io(g, 2, (int32_t[]){a, b}, 1, &y);
  char what[128];
  snprintf(what, sizeof what, "%s rank%d x rank%d%s act%d (%dx..x%d with %d..%d)", name, ra, rb,
           b_const ? " const" : "", (int)act, da[0], da[ra - 1], db[0], db[rb - 1]);
  run_case(what, g, -2, 2);
}

static void unary_case(vp__opcode code, const char *name, float lo, float hi) {
  vp__graph *g = vp_gb_new();
  int32_t x = act4(g, "x", 1, 5, 7, 6);
  int32_t y = act4(g, "y", 1, 5, 7, 6);
  vp_gb_op(g, code, name, 1, &x, 1, &y);
  vp_gb_io(g, 1, &x, 1, &y);
  run_case(name, g, lo, hi);
}

static void pool_case(bool is_max, int32_t h, int32_t w, int32_t c, int32_t k, int32_t stride,
                      vp__padding pad) {
  vp__graph *g = vp_gb_new();
  int32_t oh = vp_ref_out_size(pad, h, k, stride, 1), ow = vp_ref_out_size(pad, w, k, stride, 1);
  int32_t x = act4(g, "x", 1, h, w, c);
  int32_t y = act4(g, "y", 1, oh, ow, c);
  vp__op *op = vp_gb_op(g, is_max ? VP_OP_MAX_POOL_2D : VP_OP_AVERAGE_POOL_2D,
                        is_max ? "MAX_POOL_2D" : "AVERAGE_POOL_2D", 1, &x, 1, &y);
  op->filter_w = op->filter_h = k;
  op->stride_w = op->stride_h = stride;
  op->padding = pad;
  vp_gb_io(g, 1, &x, 1, &y);
  char what[128];
  snprintf(what, sizeof what, "%s %dx%dx%d k%d s%d %s", is_max ? "MAX_POOL_2D" : "AVERAGE_POOL_2D",
           h, w, c, k, stride, pad == VP_PAD_SAME ? "SAME" : "VALID");
  run_case(what, g, -1, 1);
}

static void resize_case(int32_t h, int32_t w, int32_t oh, int32_t ow, bool ac, bool hp) {
  vp__graph *g = vp_gb_new();
  int32_t x = act4(g, "x", 1, h, w, 3);
  int32_t sz = vp_gb_tensor_i32(g, "size", 1, (int32_t[]){2}, (int32_t[]){oh, ow});
  int32_t y = act4(g, "y", 1, oh, ow, 3);
  vp__op *op = vp_gb_op(g, VP_OP_RESIZE_BILINEAR, "RESIZE_BILINEAR", 2, (int32_t[]){x, sz}, 1, &y);
  op->align_corners = ac;
  op->half_pixel_centers = hp;
  vp_gb_io(g, 1, &x, 1, &y);
  char what[128];
  snprintf(what, sizeof what, "RESIZE_BILINEAR %dx%d->%dx%d%s%s", h, w, oh, ow,
           ac ? " align_corners" : "", hp ? " half_pixel" : "");
  run_case(what, g, -1, 1);
}

static void transpose_conv_case(int32_t h, int32_t w, int32_t cin, int32_t cout, int32_t k,
                                int32_t stride, vp__padding pad) {
  vp__graph *g = vp_gb_new();
  int32_t th = 0, tw = 0;
  if (pad == VP_PAD_SAME) {
    th = k - (h - 1) % stride - 1;
    tw = k - (w - 1) % stride - 1;
    th = th > 0 ? th : 0;
    tw = tw > 0 ? tw : 0;
  }
  int32_t oh = stride * (h - 1) + k - th, ow = stride * (w - 1) + k - tw;
  int32_t x = act4(g, "x", 1, h, w, cin);
  int32_t f = rconst(g, "w", 4, (int32_t[]){cout, k, k, cin}, -1, 1);
  int32_t b = rconst(g, "b", 1, (int32_t[]){cout}, -1, 1);
  int32_t y = act4(g, "y", 1, oh, ow, cout);
  vp__op *op = vp_gb_op(g, VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS, "Convolution2DTransposeBias", 3,
                        (int32_t[]){x, f, b}, 1, &y);
  op->custom.version = 1;
  op->custom.stride_w = op->custom.stride_h = stride;
  op->custom.padding = pad;
  vp_gb_io(g, 1, &x, 1, &y);
  char what[128];
  snprintf(what, sizeof what, "Convolution2DTransposeBias %dx%dx%d->%d k%d s%d %s", h, w, cin, cout,
           k, stride, pad == VP_PAD_SAME ? "SAME" : "VALID");
  run_case(what, g, -1, 1);
}

static void shape_cases(void) {
  /* PAD (spatial and channel padding, as the models use it). */
  {
    vp__graph *g = vp_gb_new();
    int32_t x = act4(g, "x", 1, 6, 5, 4);
    int32_t p = vp_gb_tensor_i32(g, "p", 2, (int32_t[]){4, 2},
                                 (int32_t[]){0, 0, 1, 2, 0, 1, 0, 4});
    int32_t y = act4(g, "y", 1, 9, 6, 8);
    vp_gb_op(g, VP_OP_PAD, "PAD", 2, (int32_t[]){x, p}, 1, &y);
    vp_gb_io(g, 1, &x, 1, &y);
    run_case("PAD spatial+channels", g, -1, 1);
  }
  /* CONCATENATION on channels (after a conv so that it is not a graph input
   * alias only) and on the anchor axis of a rank-3 tensor. */
  for (int v = 0; v < 2; v++) {
    vp__graph *g = vp_gb_new();
    int32_t a = v ? vp_gb_tensor(g, "a", 3, (int32_t[]){1, 12, 4}, NULL) : act4(g, "a", 1, 4, 4, 3);
    int32_t b = v ? vp_gb_tensor(g, "b", 3, (int32_t[]){1, 20, 4}, NULL) : act4(g, "b", 1, 4, 4, 5);
    int32_t ra = v ? vp_gb_tensor(g, "ra", 3, (int32_t[]){1, 12, 4}, NULL) : act4(g, "ra", 1, 4, 4, 3);
    vp_gb_op(g, VP_OP_RELU, "RELU", 1, &a, 1, &ra);
    int32_t y = v ? vp_gb_tensor(g, "y", 3, (int32_t[]){1, 32, 4}, NULL) : act4(g, "y", 1, 4, 4, 8);
    vp__op *op = vp_gb_op(g, VP_OP_CONCATENATION, "CONCATENATION", 2, (int32_t[]){ra, b}, 1, &y);
    op->axis = v ? 1 : 3;
    vp_gb_io(g, 2, (int32_t[]){a, b}, 1, &y);
    run_case(v ? "CONCATENATION axis 1 (anchors)" : "CONCATENATION axis 3", g, -1, 1);
  }
  /* RESHAPE between two ops. */
  {
    vp__graph *g = vp_gb_new();
    int32_t x = act4(g, "x", 1, 4, 4, 6);
    int32_t r = act4(g, "r", 1, 4, 4, 6);
    int32_t y = vp_gb_tensor(g, "y", 3, (int32_t[]){1, 32, 3}, NULL);
    vp_gb_op(g, VP_OP_RELU6, "RELU6", 1, &x, 1, &r);
    vp_gb_op(g, VP_OP_RESHAPE, "RESHAPE", 1, &r, 1, &y);
    vp_gb_io(g, 1, &x, 1, &y);
    run_case("RELU6 + RESHAPE", g, -8, 8);
  }
  /* DEPTH_TO_SPACE block 2. */
  {
    vp__graph *g = vp_gb_new();
    int32_t x = act4(g, "x", 1, 3, 5, 12);
    int32_t y = act4(g, "y", 1, 6, 10, 3);
    vp__op *op = vp_gb_op(g, VP_OP_DEPTH_TO_SPACE, "DEPTH_TO_SPACE", 1, &x, 1, &y);
    op->block_size = 2;
    vp_gb_io(g, 1, &x, 1, &y);
    run_case("DEPTH_TO_SPACE block 2", g, -1, 1);
  }
  /* MEAN over H and W, with and without keep_dims. */
  for (int kd = 0; kd < 2; kd++) {
    vp__graph *g = vp_gb_new();
    int32_t x = act4(g, "x", 1, 7, 6, 10);
    int32_t ax = vp_gb_tensor_i32(g, "axes", 1, (int32_t[]){2}, (int32_t[]){1, 2});
    int32_t y = kd ? act4(g, "y", 1, 1, 1, 10) : vp_gb_tensor(g, "y", 2, (int32_t[]){1, 10}, NULL);
    vp__op *op = vp_gb_op(g, VP_OP_MEAN, "MEAN", 2, (int32_t[]){x, ax}, 1, &y);
    op->keep_dims = kd;
    vp_gb_io(g, 1, &x, 1, &y);
    run_case(kd ? "MEAN axes 1,2 keep_dims" : "MEAN axes 1,2", g, -1, 1);
  }
  /* FULLY_CONNECTED: flattening input, keep_num_dims, no bias, fused RELU. */
  for (int v = 0; v < 3; v++) {
    vp__graph *g = vp_gb_new();
    int32_t x = v == 1 ? vp_gb_tensor(g, "x", 3, (int32_t[]){1, 3, 20}, NULL)
                       : act4(g, "x", 1, 2, 2, 5);
    int32_t w = rconst(g, "w", 2, (int32_t[]){9, 20}, -1, 1);
    int32_t b = v == 2 ? -1 : rconst(g, "b", 1, (int32_t[]){9}, -1, 1);
    int32_t y = v == 1 ? vp_gb_tensor(g, "y", 3, (int32_t[]){1, 3, 9}, NULL)
                       : vp_gb_tensor(g, "y", 2, (int32_t[]){1, 9}, NULL);
    vp__op *op =
        vp_gb_op(g, VP_OP_FULLY_CONNECTED, "FULLY_CONNECTED", 3, (int32_t[]){x, w, b}, 1, &y);
    op->keep_num_dims = v == 1;
    op->activation = v == 2 ? VP_ACT_RELU : VP_ACT_NONE;
    vp_gb_io(g, 1, &x, 1, &y);
    run_case(v == 0 ? "FULLY_CONNECTED flatten" : v == 1 ? "FULLY_CONNECTED keep_num_dims"
                                                          : "FULLY_CONNECTED nobias relu",
             g, -1, 1);
  }
  /* STRIDED_SLICE: channel range with begin/end masks; shrink axis; stride 2. */
  for (int v = 0; v < 3; v++) {
    vp__graph *g = vp_gb_new();
    int32_t x = act4(g, "x", 1, 6, 6, 8);
    int32_t bb[4] = {0, 0, 0, 2}, ee[4] = {1, 6, 6, 7}, ss[4] = {1, 1, 1, 1};
    int32_t oshape[4] = {1, 6, 6, 5}, orank = 4;
    int32_t bm = 0, em = 0, sm = 0;
    if (v == 0) bm = 7, em = 7;                    /* only the channel range is given */
    if (v == 1) bb[1] = 2, ee[1] = 3, sm = 2, orank = 3, oshape[1] = 6, oshape[2] = 5;
    if (v == 2) ss[1] = ss[2] = 2, bb[3] = 0, ee[3] = 8, oshape[1] = oshape[2] = 3, oshape[3] = 8;
    int32_t b = vp_gb_tensor_i32(g, "b", 1, (int32_t[]){4}, bb);
    int32_t e = vp_gb_tensor_i32(g, "e", 1, (int32_t[]){4}, ee);
    int32_t s = vp_gb_tensor_i32(g, "s", 1, (int32_t[]){4}, ss);
    int32_t y = vp_gb_tensor(g, "y", orank, oshape, NULL);
    vp__op *op =
        vp_gb_op(g, VP_OP_STRIDED_SLICE, "STRIDED_SLICE", 4, (int32_t[]){x, b, e, s}, 1, &y);
    op->begin_mask = bm, op->end_mask = em, op->shrink_axis_mask = sm;
    vp_gb_io(g, 1, &x, 1, &y);
    run_case(v == 0 ? "STRIDED_SLICE channels, masks"
                    : v == 1 ? "STRIDED_SLICE shrink_axis" : "STRIDED_SLICE stride 2",
             g, -1, 1);
  }
  /* PRELU with per-channel alpha [1,1,C]. */
  {
    vp__graph *g = vp_gb_new();
    int32_t x = act4(g, "x", 1, 5, 6, 7);
    int32_t al = rconst(g, "alpha", 3, (int32_t[]){1, 1, 7}, 0, 0.5f);
    int32_t y = act4(g, "y", 1, 5, 6, 7);
    vp_gb_op(g, VP_OP_PRELU, "PRELU", 2, (int32_t[]){x, al}, 1, &y);
    vp_gb_io(g, 1, &x, 1, &y);
    run_case("PRELU alpha [1,1,C]", g, -2, 2);
  }
}

static int32_t pad4(vp__graph *g, int32_t x, const int32_t p[8], int32_t out) {
  int32_t pt = vp_gb_tensor_i32(g, "pads", 2, (int32_t[]){4, 2}, p);
  vp_gb_op(g, VP_OP_PAD, "PAD", 2, (int32_t[]){x, pt}, 1, &out);
  return out;
}

/* Multi-operator patterns the session fuses (an explicit spatial PAD folded
 * into the VALID convolution after it; PAD of channels + ADD + PRELU/RELU/
 * RELU6 as one pass), as MediaPipe's detectors build their residual blocks,
 * plus variants where the fusion must not apply. */
static void fusion_cases(void) {
  for (int v = 0; v < 5; v++) {
    /* x[1,8,8,16] -> PAD (bottom/right 1) -> DEPTHWISE 3x3 s2 VALID ->
     * CONV 1x1 -> 24 channels; shortcut: MAX_POOL 2x2 s2 -> PAD channels to
     * 24; ADD; then PRELU (v0), RELU (v1), RELU6 (v2), a fused RELU on the
     * ADD (v3), or PRELU with the ADD output also a graph output (v4: no
     * fusion into PRELU allowed). */
    vp__graph *g = vp_gb_new();
    int32_t x = act4(g, "x", 1, 8, 8, 16);
    int32_t xp = pad4(g, x, (int32_t[]){0, 0, 0, 1, 0, 1, 0, 0}, act4(g, "xp", 1, 9, 9, 16));
    int32_t dw = act4(g, "dw", 1, 4, 4, 16);
    int32_t dwf = rconst(g, "dww", 4, (int32_t[]){1, 3, 3, 16}, -1, 1);
    int32_t dwb = rconst(g, "dwb", 1, (int32_t[]){16}, -1, 1);
    vp__op *op = vp_gb_op(g, VP_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", 3,
                          (int32_t[]){xp, dwf, dwb}, 1, &dw);
    op->stride_w = op->stride_h = 2;
    int32_t pw = act4(g, "pw", 1, 4, 4, 24);
    int32_t pwf = rconst(g, "pww", 4, (int32_t[]){24, 1, 1, 16}, -0.5f, 0.5f);
    int32_t pwb = rconst(g, "pwb", 1, (int32_t[]){24}, -1, 1);
    vp_gb_op(g, VP_OP_CONV_2D, "CONV_2D", 3, (int32_t[]){dw, pwf, pwb}, 1, &pw);
    int32_t mp = act4(g, "mp", 1, 4, 4, 16);
    op = vp_gb_op(g, VP_OP_MAX_POOL_2D, "MAX_POOL_2D", 1, &x, 1, &mp);
    op->filter_w = op->filter_h = 2;
    op->stride_w = op->stride_h = 2;
    int32_t mpp = pad4(g, mp, (int32_t[]){0, 0, 0, 0, 0, 0, 0, 8}, act4(g, "mpp", 1, 4, 4, 24));
    int32_t sum = act4(g, "sum", 1, 4, 4, 24);
    op = vp_gb_op(g, VP_OP_ADD, "ADD", 2, (int32_t[]){pw, mpp}, 1, &sum);
    int32_t y = sum;
    if (v == 3) {
      op->activation = VP_ACT_RELU;
    } else {
      y = act4(g, "y", 1, 4, 4, 24);
      if (v == 0 || v == 4) {
        int32_t al = rconst(g, "alpha", 3, (int32_t[]){1, 1, 24}, 0, 0.5f);
        vp_gb_op(g, VP_OP_PRELU, "PRELU", 2, (int32_t[]){sum, al}, 1, &y);
      } else {
        vp_gb_op(g, v == 1 ? VP_OP_RELU : VP_OP_RELU6, v == 1 ? "RELU" : "RELU6", 1, &sum, 1, &y);
      }
    }
    if (v == 4) vp_gb_io(g, 1, &x, 2, (int32_t[]){y, sum});
    else vp_gb_io(g, 1, &x, 1, &y);
    static const char *names[5] = {
        "residual block: PAD+DW s2, PAD-channels+ADD+PRELU", "residual block: ... ADD+RELU",
        "residual block: ... ADD+RELU6", "residual block: ... ADD(fused RELU)",
        "residual block: ADD also an output, PRELU"};
    run_case(names[v], g, -2, 2);
  }
  for (int v = 0; v < 3; v++) {
    /* Explicit PAD then a VALID CONV_2D / DEPTHWISE: symmetric 2-pixel pad
     * before a 5x5 depthwise, an asymmetric (0,1) pad before a 3x3 s2 conv,
     * and a pad whose output is used twice (must not be folded). */
    vp__graph *g = vp_gb_new();
    int32_t x = act4(g, "x", 1, 9, 10, 8);
    int32_t y;
    if (v == 0) {
      int32_t xp = pad4(g, x, (int32_t[]){0, 0, 2, 2, 2, 2, 0, 0}, act4(g, "xp", 1, 13, 14, 8));
      y = act4(g, "y", 1, 9, 10, 8);
      int32_t f = rconst(g, "w", 4, (int32_t[]){1, 5, 5, 8}, -1, 1);
      vp_gb_op(g, VP_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", 3, (int32_t[]){xp, f, -1}, 1, &y);
      vp_gb_io(g, 1, &x, 1, &y);
      run_case("PAD 2,2 + DEPTHWISE 5x5 VALID", g, -1, 1);
    } else {
      int32_t xp = pad4(g, x, (int32_t[]){0, 0, 0, 1, 0, 1, 0, 0}, act4(g, "xp", 1, 10, 11, 8));
      y = act4(g, "y", 1, 4, 5, 6);
      int32_t f = rconst(g, "w", 4, (int32_t[]){6, 3, 3, 8}, -1, 1);
      int32_t b = rconst(g, "b", 1, (int32_t[]){6}, -1, 1);
      vp__op *op = vp_gb_op(g, VP_OP_CONV_2D, "CONV_2D", 3, (int32_t[]){xp, f, b}, 1, &y);
      op->stride_w = op->stride_h = 2;
      op->activation = VP_ACT_RELU6;
      if (v == 1) {
        vp_gb_io(g, 1, &x, 1, &y);
        run_case("PAD 0,1 + CONV_2D 3x3 s2 VALID", g, -1, 1);
      } else {
        int32_t z = act4(g, "z", 1, 10, 11, 8);
        vp_gb_op(g, VP_OP_RELU, "RELU", 1, &xp, 1, &z);
        vp_gb_io(g, 1, &x, 2, (int32_t[]){y, z});
        run_case("PAD used twice + CONV_2D s2 VALID", g, -1, 1);
      }
    }
  }
}

/* Landmarks -> Landmarks2TransformMatrix -> TransformTensorBilinear and
 * TransformLandmarks, as face_landmark_with_attention chains them. */
static void custom_chain_case(void) {
  vp__graph *g = vp_gb_new();
  int32_t lm = vp_gb_tensor(g, "landmarks", 3, (int32_t[]){1, 12, 3}, NULL);
  int32_t feat = act4(g, "features", 1, 32, 32, 8);
  int32_t lm2 = vp_gb_tensor(g, "crop_landmarks", 3, (int32_t[]){1, 10, 3}, NULL);
  int32_t m = vp_gb_tensor(g, "matrix", 3, (int32_t[]){1, 4, 4}, NULL);
  int32_t crop = act4(g, "crop", 1, 12, 12, 8);
  int32_t out_lm = vp_gb_tensor(g, "out_landmarks", 3, (int32_t[]){1, 10, 3}, NULL);
  static const int32_t subset[8] = {0, 3, 5, 7, 2, 9, 11, 11};
  vp__op *op = vp_gb_op(g, VP_OP_CUSTOM_LANDMARKS_TO_TRANSFORM_MATRIX, "Landmarks2TransformMatrix",
                        1, &lm, 1, &m);
  op->custom.version = 2;
  op->custom.left_rotation_idx = 1;
  op->custom.right_rotation_idx = 4;
  op->custom.target_rotation_radians = 0.3f;
  op->custom.output_width = op->custom.output_height = 12;
  op->custom.scale_x = 1.5f;
  op->custom.scale_y = 1.25f;
  op->custom.num_subset_idxs = 4;
  op->custom.subset_idxs = subset;
  op = vp_gb_op(g, VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR, "TransformTensorBilinear", 2,
                (int32_t[]){feat, m}, 1, &crop);
  op->custom.version = 2;
  op->custom.align_corners = true;
  op->custom.output_width = op->custom.output_height = 12;
  op = vp_gb_op(g, VP_OP_CUSTOM_TRANSFORM_LANDMARKS, "TransformLandmarks", 2,
                (int32_t[]){lm2, m}, 1, &out_lm);
  op->custom.version = 2;
  op->custom.dimensions = 3;
  vp_gb_io(g, 3, (int32_t[]){lm, feat, lm2}, 3, (int32_t[]){m, crop, out_lm});
  /* Landmarks in feature-map pixels: inputs in [4, 28). */
  run_case("Landmarks2TransformMatrix+TransformTensorBilinear+TransformLandmarks", g, 4, 28);
}

int main(void) {
  printf("XNNPACK session vs reference interpreter, per operator (bound %g of max|ref|)\n",
         OP_TOL);
  /* CONV_2D: 3x3 s1/s2 SAME (the models' stem and body), 1x1 pointwise,
   * VALID 2x2 s2, dilation 2, RELU/RELU6 fused, no bias. */
  conv_case(9, 11, 3, 8, 3, 2, 1, VP_PAD_SAME, VP_ACT_RELU, true);
  conv_case(8, 8, 6, 5, 3, 1, 1, VP_PAD_SAME, VP_ACT_NONE, true);
  conv_case(7, 6, 16, 12, 1, 1, 1, VP_PAD_VALID, VP_ACT_RELU6, true);
  conv_case(8, 10, 4, 6, 2, 2, 1, VP_PAD_VALID, VP_ACT_NONE, false);
  conv_case(10, 9, 4, 4, 3, 1, 2, VP_PAD_SAME, VP_ACT_RELU, true);
  conv_case(8, 8, 5, 3, 5, 2, 1, VP_PAD_SAME, VP_ACT_NONE, true);
  /* DEPTHWISE: 3x3 and 5x5, strides 1/2, SAME/VALID, multiplier 1 and 2,
   * dilation 2. */
  dw_case(9, 9, 8, 1, 3, 1, 1, VP_PAD_SAME, VP_ACT_NONE);
  dw_case(10, 7, 6, 1, 3, 2, 1, VP_PAD_SAME, VP_ACT_RELU6);
  dw_case(11, 11, 4, 1, 5, 2, 1, VP_PAD_SAME, VP_ACT_RELU);
  dw_case(8, 8, 3, 2, 3, 1, 1, VP_PAD_VALID, VP_ACT_NONE);
  dw_case(12, 12, 4, 1, 3, 1, 2, VP_PAD_SAME, VP_ACT_NONE);
  dw_case(9, 8, 5, 1, 3, 2, 1, VP_PAD_VALID, VP_ACT_NONE);
  /* Wider ones: channel tails past 16, rows not a multiple of 4 pixels (the
   * session's own AVX-512 depthwise kernel works in 16-channel vectors and
   * 4-pixel blocks), and on two threads (rows split over the pool). */
  dw_case(13, 17, 24, 1, 3, 1, 1, VP_PAD_SAME, VP_ACT_NONE);
  dw_case(14, 19, 32, 1, 5, 2, 1, VP_PAD_SAME, VP_ACT_RELU);
  dw_case(16, 16, 40, 1, 3, 2, 1, VP_PAD_VALID, VP_ACT_RELU6);
  threads = 2;
  dw_case(12, 21, 16, 1, 5, 1, 1, VP_PAD_SAME, VP_ACT_NONE);
  dw_case(15, 23, 48, 1, 3, 2, 1, VP_PAD_SAME, VP_ACT_RELU);
  conv_case(12, 12, 8, 16, 3, 2, 1, VP_PAD_SAME, VP_ACT_RELU, true);
  threads = 1;
  /* ADD / MUL / SUB broadcasting: same shape, [C] vector, [1,1,1,C], a
   * per-pixel [1,H,W,1] gate, both inputs broadcast, fused RELU. */
  int32_t s4[4] = {1, 5, 6, 8}, c1[1] = {8}, c4[4] = {1, 1, 1, 8}, p4[4] = {1, 5, 6, 1};
  int32_t r4[4] = {1, 5, 1, 8}, w4[4] = {1, 1, 6, 8};
  binary_case(VP_OP_ADD, "ADD", 4, s4, 4, s4, false, VP_ACT_NONE);
  binary_case(VP_OP_ADD, "ADD", 4, s4, 4, s4, false, VP_ACT_RELU);
  binary_case(VP_OP_ADD, "ADD", 4, s4, 1, c1, true, VP_ACT_NONE);
  binary_case(VP_OP_MUL, "MUL", 4, s4, 4, c4, true, VP_ACT_NONE);
  binary_case(VP_OP_MUL, "MUL", 4, s4, 4, p4, false, VP_ACT_NONE);
  binary_case(VP_OP_MUL, "MUL", 4, r4, 4, w4, false, VP_ACT_NONE);
  binary_case(VP_OP_MUL, "MUL", 4, s4, 4, s4, false, VP_ACT_RELU6);
  binary_case(VP_OP_SUB, "SUB", 4, s4, 1, c1, true, VP_ACT_NONE);
  /* Activations over their interesting ranges. */
  unary_case(VP_OP_RELU, "RELU", -3, 3);
  unary_case(VP_OP_RELU6, "RELU6", -3, 9);
  unary_case(VP_OP_HARD_SWISH, "HARD_SWISH", -5, 5);
  unary_case(VP_OP_LOGISTIC, "LOGISTIC", -8, 8);
  unary_case(VP_OP_TANH, "TANH", -4, 4);
  /* Pooling: 2x2 s2 VALID (the models' downsampling), 3x3 s1 SAME and
   * 3x3 s2 SAME where padding counts. */
  pool_case(true, 8, 10, 4, 2, 2, VP_PAD_VALID);
  pool_case(true, 7, 7, 3, 3, 2, VP_PAD_SAME);
  pool_case(false, 8, 8, 4, 2, 2, VP_PAD_VALID);
  pool_case(false, 7, 9, 3, 3, 1, VP_PAD_SAME);
  pool_case(false, 7, 7, 2, 3, 2, VP_PAD_SAME);
  /* RESIZE_BILINEAR: 2x upsampling with and without align_corners, half
   * pixel centres, a non-integer factor. */
  resize_case(4, 5, 8, 10, false, false);
  resize_case(4, 5, 8, 10, true, false);
  resize_case(4, 5, 8, 10, false, true);
  resize_case(5, 3, 12, 7, true, false);
  /* Convolution2DTransposeBias: the segmentation decoders' 2x upsampling. */
  transpose_conv_case(4, 4, 6, 3, 2, 2, VP_PAD_SAME);
  transpose_conv_case(5, 5, 4, 2, 3, 2, VP_PAD_SAME);
  transpose_conv_case(4, 4, 3, 2, 4, 2, VP_PAD_VALID);
  /* kernel = stride, no padding (selfie segmentation's head; the session
   * runs it as fully-connected + depth-to-space), non-square. */
  transpose_conv_case(8, 6, 16, 1, 2, 2, VP_PAD_VALID);
  transpose_conv_case(6, 7, 8, 4, 2, 2, VP_PAD_SAME);
  transpose_conv_case(5, 6, 8, 3, 3, 2, VP_PAD_SAME);
  shape_cases();
  fusion_cases();
  custom_chain_case();
  printf("worst relative error: %.2e\n", worst);
  return TEST_EXIT();
}
