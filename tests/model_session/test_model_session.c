/* Tests of the XNNPACK session runtime: small hand-made graphs checked against
 * plain loops (conv, concatenation aliasing, strided slice, mean, reshape),
 * zero-copy binding, determinism, argument errors, and (when the models are
 * present) every model in the models folder running, concurrently too. */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "model/graph.h"
#include "vpipe/model.h"

/* ---- a tiny graph builder ---------------------------------------------- */

typedef struct tg {
  vp__graph g;
  vp__tensor t[32];
  vp__op ops[16];
  int32_t io[64];
  int nio;
  vp_model model;
} tg;

static int32_t *ints(tg *b, int n, const int32_t *v) {
  int32_t *p = &b->io[b->nio];
  memcpy(p, v, sizeof(int32_t) * (size_t)n);
  b->nio += n;
  return p;
}

static int32_t add_tensor(tg *b, const char *name, int rank, const int32_t *dims, vp_dtype dt, const void *data) {
  int32_t i = b->g.num_tensors++;
  vp__tensor *t = &b->t[i];
  memset(t, 0, sizeof *t);
  t->name = name;
  t->dtype = dt;
  t->rank = rank;
  t->num_elements = 1;
  for (int k = 0; k < rank; k++) {
    t->dims[k] = dims[k];
    t->num_elements *= (size_t)dims[k];
  }
  t->size_bytes = t->num_elements * 4;
  t->data = data;
  return i;
}

static vp__op *add_op(tg *b, vp__opcode code, const char *name, int nin, const int32_t *in, int32_t out) {
  int32_t i = b->g.num_ops++;
  vp__op *op = &b->ops[i];
  memset(op, 0, sizeof *op);
  op->code = code;
  op->name = name;
  op->index = i;
  op->num_inputs = nin;
  op->inputs = ints(b, nin, in);
  op->num_outputs = 1;
  op->outputs = ints(b, 1, &out);
  return op;
}

static void finish(tg *b, int nin, const int32_t *in, int nout, const int32_t *out) {
  b->g.tensors = b->t;
  b->g.ops = b->ops;
  b->g.num_inputs = nin;
  b->g.inputs = ints(b, nin, in);
  b->g.num_outputs = nout;
  b->g.outputs = ints(b, nout, out);
  for (int i = 0; i < nin; i++) b->t[in[i]].is_input = true;
  for (int i = 0; i < nout; i++) b->t[out[i]].is_output = true;
  b->model.graph = &b->g;
}

static float frand(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* Graph A: x[1,6,6,4] -> CONV 3x3 SAME relu (8 ch) -> c[1,6,6,8]
 *   c -> RESHAPE [1,72,4] -> r ; x -> RESHAPE [1,36,4] -> r2
 *   CONCAT(r, r2, axis 1) -> out0 [1,108,4]   (aliased: no copy)
 *   c -> STRIDED_SLICE [0:1, 1:5:2, :, 2:6] -> out1 [1,2,6,4]
 *   c -> MEAN over axis 3 -> out2 [1,6,6]
 */
static float W[8 * 3 * 3 * 4], B[8];
static const int32_t ax3[1] = {3};
static const int32_t sb[4] = {0, 1, 0, 2}, se[4] = {1, 5, 6, 6}, ss[4] = {1, 2, 1, 1};

static void build_a(tg *b) {
  memset(b, 0, sizeof *b);
  uint32_t seed = 7;
  for (size_t i = 0; i < sizeof W / sizeof *W; i++) W[i] = frand(&seed) * 0.3f;
  for (int i = 0; i < 8; i++) B[i] = frand(&seed) * 0.1f;
  int32_t x = add_tensor(b, "x", 4, (int32_t[]){1, 6, 6, 4}, VP_DTYPE_F32, NULL);
  int32_t w = add_tensor(b, "w", 4, (int32_t[]){8, 3, 3, 4}, VP_DTYPE_F32, W);
  int32_t bb = add_tensor(b, "b", 1, (int32_t[]){8}, VP_DTYPE_F32, B);
  int32_t c = add_tensor(b, "c", 4, (int32_t[]){1, 6, 6, 8}, VP_DTYPE_F32, NULL);
  vp__op *conv = add_op(b, VP_OP_CONV_2D, "CONV_2D", 3, (int32_t[]){x, w, bb}, c);
  conv->padding = VP_PAD_SAME;
  conv->stride_h = conv->stride_w = 1;
  conv->dilation_h = conv->dilation_w = 1;
  conv->activation = VP_ACT_RELU;
  int32_t r = add_tensor(b, "r", 3, (int32_t[]){1, 72, 4}, VP_DTYPE_F32, NULL);
  add_op(b, VP_OP_RESHAPE, "RESHAPE", 1, (int32_t[]){c}, r);
  int32_t r2 = add_tensor(b, "r2", 3, (int32_t[]){1, 36, 4}, VP_DTYPE_F32, NULL);
  add_op(b, VP_OP_RESHAPE, "RESHAPE", 1, (int32_t[]){x}, r2);
  int32_t o0 = add_tensor(b, "out0", 3, (int32_t[]){1, 108, 4}, VP_DTYPE_F32, NULL);
  add_op(b, VP_OP_CONCATENATION, "CONCATENATION", 2, (int32_t[]){r, r2}, o0)->axis = 1;
  int32_t tb = add_tensor(b, "begin", 1, (int32_t[]){4}, VP_DTYPE_I32, sb);
  int32_t te = add_tensor(b, "end", 1, (int32_t[]){4}, VP_DTYPE_I32, se);
  int32_t ts = add_tensor(b, "strides", 1, (int32_t[]){4}, VP_DTYPE_I32, ss);
  int32_t o1 = add_tensor(b, "out1", 4, (int32_t[]){1, 2, 6, 4}, VP_DTYPE_F32, NULL);
  add_op(b, VP_OP_STRIDED_SLICE, "STRIDED_SLICE", 4, (int32_t[]){c, tb, te, ts}, o1);
  int32_t ta = add_tensor(b, "axes", 1, (int32_t[]){1}, VP_DTYPE_I32, ax3);
  int32_t o2 = add_tensor(b, "out2", 3, (int32_t[]){1, 6, 6}, VP_DTYPE_F32, NULL);
  add_op(b, VP_OP_MEAN, "MEAN", 2, (int32_t[]){c, ta}, o2);
  finish(b, 1, (int32_t[]){x}, 3, (int32_t[]){o0, o1, o2});
}

/* Plain-loop expectations for graph A. */
static void expect_a(const float *x, float *c, float *o0, float *o1, float *o2) {
  for (int y = 0; y < 6; y++)
    for (int xx = 0; xx < 6; xx++)
      for (int oc = 0; oc < 8; oc++) {
        float s = B[oc];
        for (int ky = 0; ky < 3; ky++)
          for (int kx = 0; kx < 3; kx++) {
            int iy = y + ky - 1, ix = xx + kx - 1;
            if (iy < 0 || iy >= 6 || ix < 0 || ix >= 6) continue;
            for (int ic = 0; ic < 4; ic++) s += x[(iy * 6 + ix) * 4 + ic] * W[((oc * 3 + ky) * 3 + kx) * 4 + ic];
          }
        c[(y * 6 + xx) * 8 + oc] = s > 0 ? s : 0;
      }
  memcpy(o0, c, 288 * sizeof(float));
  memcpy(o0 + 288, x, 144 * sizeof(float));
  int k = 0;
  for (int y = 1; y < 5; y += 2)
    for (int xx = 0; xx < 6; xx++)
      for (int ch = 2; ch < 6; ch++) o1[k++] = c[(y * 6 + xx) * 8 + ch];
  for (int i = 0; i < 36; i++) {
    float s = 0;
    for (int ch = 0; ch < 8; ch++) s += c[i * 8 + ch];
    o2[i] = s / 8;
  }
}

static float max_diff(const float *a, const float *b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; i++) m = fmaxf(m, fabsf(a[i] - b[i]));
  return m;
}

static void test_graph_a(bool profile) {
  tg b;
  build_a(&b);
  vp_session_options o = vp_session_options_default();
  o.profile = profile;
  vp_session *s = NULL;
  CHECK_STATUS(vp_session_create(&b.model, &o, &s), VP_OK);
  if (!s) return;
  float x[144], c[288], e0[432], e1[48], e2[36];
  uint32_t seed = 3;
  for (int i = 0; i < 144; i++) x[i] = frand(&seed);
  expect_a(x, c, e0, e1, e2);
  memcpy(vp_session_input(s, 0), x, sizeof x);
  CHECK_STATUS(vp_session_run(s), VP_OK);
  CHECK(max_diff(vp_session_output(s, 0), e0, 432) < 1e-5f);
  CHECK(max_diff(vp_session_output(s, 1), e1, 48) < 1e-5f);
  CHECK(max_diff(vp_session_output(s, 2), e2, 36) < 1e-5f);

  /* Zero-copy: bound input and outputs give the same numbers. */
  float *bx = aligned_alloc(64, 1024), *b0 = aligned_alloc(64, 2048), *b1 = aligned_alloc(64, 512);
  memcpy(bx, x, sizeof x);
  memset(b0, 0, 2048);
  CHECK_STATUS(vp_session_bind_input(s, 0, bx), VP_OK);
  CHECK_STATUS(vp_session_bind_output(s, 0, b0), VP_OK);
  CHECK_STATUS(vp_session_bind_output(s, 1, b1), VP_OK);
  CHECK_STATUS(vp_session_run(s), VP_OK);
  CHECK(vp_session_output(s, 0) == b0);
  CHECK(max_diff(b0, e0, 432) < 1e-5f);
  CHECK(max_diff(b1, e1, 48) < 1e-5f);
  CHECK(max_diff(vp_session_output(s, 2), e2, 36) < 1e-5f);
  /* Unbinding restores the session's buffers. */
  CHECK_STATUS(vp_session_bind_input(s, 0, NULL), VP_OK);
  CHECK_STATUS(vp_session_bind_output(s, 0, NULL), VP_OK);
  CHECK_STATUS(vp_session_run(s), VP_OK);
  CHECK(vp_session_output(s, 0) != b0);
  CHECK(max_diff(vp_session_output(s, 0), e0, 432) < 1e-5f);
  free(bx);
  free(b0);
  free(b1);

  if (profile) {
    const vp_profile_entry *pe = NULL;
    int32_t n = vp_session_profile(s, &pe);
    CHECK(n >= 3); /* CONV_2D, STRIDED_SLICE, MEAN */
    int64_t calls = 0;
    for (int32_t i = 0; i < n; i++) calls += pe[i].calls;
    CHECK(calls >= 3 * 3);
  }
  vp_session_destroy(s);
}

/* Graph B exercises the fusions: a spatial PAD folded into a VALID
 * depthwise convolution with its RELU, and a channel PAD + ADD + PRELU.
 *   p = PAD(x, H/W by 1)          [1,8,8,4]
 *   r = RELU(DW3x3 VALID (p))     [1,6,6,4]
 *   c = CONV1x1(r) -> 8 channels  [1,6,6,8]
 *   o = PRELU(PAD(x, C 4->8) + c) [1,6,6,8]   (output) */
static float DW[3 * 3 * 4], DB[4], CW[8 * 4], CB[8], SL[8];
static const int32_t pad_hw[8] = {0, 0, 1, 1, 1, 1, 0, 0}, pad_c[8] = {0, 0, 0, 0, 0, 0, 0, 4};

static void build_b(tg *b) {
  memset(b, 0, sizeof *b);
  uint32_t seed = 99;
  for (int i = 0; i < 36; i++) DW[i] = frand(&seed) * 0.5f;
  for (int i = 0; i < 4; i++) DB[i] = frand(&seed) * 0.1f;
  for (int i = 0; i < 32; i++) CW[i] = frand(&seed) * 0.5f;
  for (int i = 0; i < 8; i++) CB[i] = frand(&seed) * 0.1f, SL[i] = 0.1f + 0.05f * (float)i;
  int32_t x = add_tensor(b, "x", 4, (int32_t[]){1, 6, 6, 4}, VP_DTYPE_F32, NULL);
  int32_t phw = add_tensor(b, "pad_hw", 2, (int32_t[]){4, 2}, VP_DTYPE_I32, pad_hw);
  int32_t p = add_tensor(b, "p", 4, (int32_t[]){1, 8, 8, 4}, VP_DTYPE_F32, NULL);
  add_op(b, VP_OP_PAD, "PAD", 2, (int32_t[]){x, phw}, p);
  int32_t dw = add_tensor(b, "dw", 4, (int32_t[]){1, 3, 3, 4}, VP_DTYPE_F32, DW);
  int32_t db = add_tensor(b, "db", 1, (int32_t[]){4}, VP_DTYPE_F32, DB);
  int32_t d = add_tensor(b, "d", 4, (int32_t[]){1, 6, 6, 4}, VP_DTYPE_F32, NULL);
  vp__op *op = add_op(b, VP_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", 3, (int32_t[]){p, dw, db}, d);
  op->padding = VP_PAD_VALID;
  op->stride_h = op->stride_w = op->dilation_h = op->dilation_w = op->depth_multiplier = 1;
  int32_t r = add_tensor(b, "r", 4, (int32_t[]){1, 6, 6, 4}, VP_DTYPE_F32, NULL);
  add_op(b, VP_OP_RELU, "RELU", 1, (int32_t[]){d}, r);
  int32_t cw = add_tensor(b, "cw", 4, (int32_t[]){8, 1, 1, 4}, VP_DTYPE_F32, CW);
  int32_t cb = add_tensor(b, "cb", 1, (int32_t[]){8}, VP_DTYPE_F32, CB);
  int32_t c = add_tensor(b, "c", 4, (int32_t[]){1, 6, 6, 8}, VP_DTYPE_F32, NULL);
  op = add_op(b, VP_OP_CONV_2D, "CONV_2D", 3, (int32_t[]){r, cw, cb}, c);
  op->padding = VP_PAD_VALID;
  op->stride_h = op->stride_w = op->dilation_h = op->dilation_w = 1;
  int32_t pc = add_tensor(b, "pad_c", 2, (int32_t[]){4, 2}, VP_DTYPE_I32, pad_c);
  int32_t q = add_tensor(b, "q", 4, (int32_t[]){1, 6, 6, 8}, VP_DTYPE_F32, NULL);
  add_op(b, VP_OP_PAD, "PAD", 2, (int32_t[]){x, pc}, q);
  int32_t sm = add_tensor(b, "s", 4, (int32_t[]){1, 6, 6, 8}, VP_DTYPE_F32, NULL);
  add_op(b, VP_OP_ADD, "ADD", 2, (int32_t[]){q, c}, sm);
  int32_t sl = add_tensor(b, "slope", 3, (int32_t[]){1, 1, 8}, VP_DTYPE_F32, SL);
  int32_t o = add_tensor(b, "o", 4, (int32_t[]){1, 6, 6, 8}, VP_DTYPE_F32, NULL);
  add_op(b, VP_OP_PRELU, "PRELU", 2, (int32_t[]){sm, sl}, o);
  finish(b, 1, (int32_t[]){x}, 1, (int32_t[]){o});
}

static void expect_b(const float *x, float *o) {
  float r[6 * 6 * 4];
  for (int y = 0; y < 6; y++)
    for (int xx = 0; xx < 6; xx++)
      for (int ch = 0; ch < 4; ch++) {
        float acc = DB[ch];
        for (int ky = 0; ky < 3; ky++)
          for (int kx = 0; kx < 3; kx++) {
            int iy = y + ky - 1, ix = xx + kx - 1;
            if (iy < 0 || iy >= 6 || ix < 0 || ix >= 6) continue;
            acc += x[(iy * 6 + ix) * 4 + ch] * DW[(ky * 3 + kx) * 4 + ch];
          }
        r[(y * 6 + xx) * 4 + ch] = acc > 0 ? acc : 0;
      }
  for (int pix = 0; pix < 36; pix++)
    for (int oc = 0; oc < 8; oc++) {
      float acc = CB[oc];
      for (int ic = 0; ic < 4; ic++) acc += r[pix * 4 + ic] * CW[oc * 4 + ic];
      float v = (oc < 4 ? x[pix * 4 + oc] : 0.0f) + acc;
      o[pix * 8 + oc] = v >= 0 ? v : v * SL[oc];
    }
}

static void test_graph_b(bool custom) {
  if (custom) unsetenv("VPIPE_NO_CUSTOM_KERNELS");
  else setenv("VPIPE_NO_CUSTOM_KERNELS", "1", 1);
  for (int threads = 1; threads <= 2; threads++) {
    tg b;
    build_b(&b);
    vp_session_options o = vp_session_options_default();
    o.num_threads = threads;
    o.profile = threads == 2;
    vp_session *s = NULL;
    CHECK_STATUS(vp_session_create(&b.model, &o, &s), VP_OK);
    if (!s) continue;
    if (o.profile && custom) { /* the PADs and the PRELU were fused away */
      const vp_profile_entry *pe = NULL;
      int32_t n = vp_session_profile(s, &pe);
      for (int32_t i = 0; i < n; i++) CHECK(strcmp(pe[i].name, "PAD") != 0 && strcmp(pe[i].name, "PRELU") != 0);
    }
    float x[144], e[288];
    uint32_t seed = 5;
    for (int i = 0; i < 144; i++) x[i] = frand(&seed);
    expect_b(x, e);
    memcpy(vp_session_input(s, 0), x, sizeof x);
    CHECK_STATUS(vp_session_run(s), VP_OK);
    float d = max_diff(vp_session_output(s, 0), e, 288);
    if (d >= 1e-5f) fprintf(stderr, "graph B (custom %d, threads %d): max diff %g\n", custom, threads, d);
    CHECK(d < 1e-5f);
    vp_session_destroy(s);
  }
  unsetenv("VPIPE_NO_CUSTOM_KERNELS");
}

static void test_errors(void) {
  tg b;
  build_a(&b);
  vp_session *s = NULL;
  CHECK_STATUS(vp_session_create(NULL, NULL, &s), VP_EINVAL);
  CHECK_STATUS(vp_session_create(&b.model, NULL, NULL), VP_EINVAL);
  vp_session_options o = vp_session_options_default();
  o.num_threads = -3;
  CHECK_STATUS(vp_session_create(&b.model, &o, &s), VP_EINVAL);
  CHECK(s == NULL);
  CHECK_STATUS(vp_session_create(&b.model, NULL, &s), VP_OK);
  CHECK(vp_session_input(s, 1) == NULL);
  CHECK(vp_session_input(s, -1) == NULL);
  CHECK(vp_session_output(s, 3) == NULL);
  CHECK(vp_session_input(NULL, 0) == NULL);
  float buf[16];
  CHECK_STATUS(vp_session_bind_input(s, 2, buf), VP_ERANGE);
  CHECK_STATUS(vp_session_bind_output(s, -1, buf), VP_ERANGE);
  CHECK_STATUS(vp_session_bind_output(NULL, 0, buf), VP_EINVAL);
  CHECK_STATUS(vp_session_run(NULL), VP_EINVAL);
  const vp_profile_entry *pe = NULL;
  CHECK_INT_EQ(vp_session_profile(s, &pe), 0); /* not profiling */
  vp_session_destroy(s);
  vp_session_destroy(NULL);

  /* A convolution whose declared output shape is wrong is refused, naming it. */
  build_a(&b);
  b.t[3].dims[1] = 5; /* c claims [1,5,6,8] */
  b.t[3].num_elements = 240;
  b.t[3].size_bytes = 960;
  s = NULL;
  vp_status st = vp_session_create(&b.model, NULL, &s);
  CHECK(st != VP_OK && s == NULL);
  CHECK(strstr(vp_last_error(), "operator") != NULL);

  /* An unknown operator is refused with its index and name. */
  build_a(&b);
  b.ops[4].code = VP_OP_TRANSPOSE;
  b.ops[4].name = "TRANSPOSE";
  CHECK_STATUS(vp_session_create(&b.model, NULL, &s), VP_EUNSUPPORTED);
  CHECK(strstr(vp_last_error(), "operator 4 (TRANSPOSE)") != NULL);

  /* A tensor index out of range. */
  build_a(&b);
  b.ops[0].inputs[0] = 99;
  CHECK_STATUS(vp_session_create(&b.model, NULL, &s), VP_EFORMAT);
}

/* ---- real models --------------------------------------------------------- */

static char models_dir[1024];

static bool find_models_dir(void) {
  if (vp_models_dir(models_dir, sizeof models_dir) != VP_OK) return false;
  DIR *dir = opendir(models_dir);
  if (!dir) return false;
  bool any = false;
  struct dirent *e;
  while ((e = readdir(dir))) {
    size_t n = strlen(e->d_name);
    if (n > 7 && !strcmp(e->d_name + n - 7, ".tflite")) any = true;
  }
  closedir(dir);
  return any;
}

static void fill_random(vp_session *s, const vp_model *m, uint32_t seed) {
  for (int32_t i = 0; i < vp_model_input_count(m); i++) {
    vp_tensor_info ti;
    if (vp_model_input_info(m, i, &ti) != VP_OK) continue;
    float *p = vp_session_input(s, i);
    for (size_t k = 0; k < ti.num_elements; k++) p[k] = (frand(&seed) + 1.0f) * 0.5f;
  }
}

/* Copies of every output (caller frees). */
static float **snapshot(vp_session *s, const vp_model *m) {
  int32_t n = vp_model_output_count(m);
  float **out = calloc((size_t)n, sizeof *out);
  for (int32_t i = 0; i < n; i++) {
    vp_tensor_info ti;
    vp_model_output_info(m, i, &ti);
    out[i] = malloc(ti.size_bytes);
    memcpy(out[i], vp_session_output(s, i), ti.size_bytes);
  }
  return out;
}

static void free_snapshot(float **o, const vp_model *m) {
  for (int32_t i = 0; o && i < vp_model_output_count(m); i++) free(o[i]);
  free(o);
}

static bool same_outputs(float **a, float **b, const vp_model *m) {
  for (int32_t i = 0; i < vp_model_output_count(m); i++) {
    vp_tensor_info ti;
    vp_model_output_info(m, i, &ti);
    if (memcmp(a[i], b[i], ti.size_bytes) != 0) return false;
  }
  return true;
}

/* Sessions that skip outputs give the same bits on the outputs they keep:
 * skipping each output alone, and keeping only output 0. */
static void test_skip_outputs(const vp_model *m, float **expect) {
  int32_t n = vp_model_output_count(m);
  if (n > 31) n = 31;
  for (int32_t k = -1; k < n; k++) {
    vp_session_options o = vp_session_options_default();
    o.skip_outputs = k < 0 ? ~1u : 1u << k;
    vp_session *s = NULL;
    CHECK_STATUS(vp_session_create(m, &o, &s), VP_OK);
    if (!s) continue;
    fill_random(s, m, 11);
    CHECK_STATUS(vp_session_run(s), VP_OK);
    for (int32_t i = 0; i < n; i++) {
      if (o.skip_outputs >> i & 1u) continue;
      vp_tensor_info ti;
      vp_model_output_info(m, i, &ti);
      bool same = memcmp(vp_session_output(s, i), expect[i], ti.size_bytes) == 0;
      if (!same) fprintf(stderr, "skip_outputs 0x%x: output %d differs\n", o.skip_outputs, i);
      CHECK(same);
    }
    vp_session_destroy(s);
  }
}

/* Every model runs; outputs are finite; a second run gives identical bits;
 * bound (zero-copy) buffers give identical bits to owned ones. */
static void test_model(const char *path) {
  vp_model *m = NULL;
  CHECK_STATUS(vp_model_create_from_file(path, &m), VP_OK);
  if (!m) return;
  vp_session *s = NULL;
  CHECK_STATUS(vp_session_create(m, NULL, &s), VP_OK);
  if (!s) {
    fprintf(stderr, "  model %s\n", path);
    vp_model_destroy(m);
    return;
  }
  fill_random(s, m, 11);
  CHECK_STATUS(vp_session_run(s), VP_OK);
  float **first = snapshot(s, m);
  for (int32_t i = 0; i < vp_model_output_count(m); i++) {
    vp_tensor_info ti;
    vp_model_output_info(m, i, &ti);
    size_t bad = 0;
    for (size_t k = 0; k < ti.num_elements; k++) bad += !isfinite(first[i][k]);
    if (bad) fprintf(stderr, "%s output %d: %zu non-finite values\n", path, i, bad);
    CHECK(bad == 0);
  }
  CHECK_STATUS(vp_session_run(s), VP_OK);
  float **second = snapshot(s, m);
  CHECK(same_outputs(first, second, m));
  test_skip_outputs(m, first);

  /* Zero-copy: the same input from a caller buffer, outputs into caller buffers. */
  vp_tensor_info ti;
  vp_model_input_info(m, 0, &ti);
  float *in = aligned_alloc(64, (ti.size_bytes + VP_TENSOR_PADDING + 63) / 64 * 64);
  memcpy(in, vp_session_input(s, 0), ti.size_bytes);
  memset(vp_session_input(s, 0), 0, ti.size_bytes); /* the owned buffer must not be used */
  CHECK_STATUS(vp_session_bind_input(s, 0, in), VP_OK);
  int32_t nout = vp_model_output_count(m);
  float **bufs = calloc((size_t)nout, sizeof *bufs);
  for (int32_t i = 0; i < nout; i++) {
    vp_tensor_info to;
    vp_model_output_info(m, i, &to);
    bufs[i] = aligned_alloc(64, (to.size_bytes + VP_TENSOR_PADDING + 63) / 64 * 64);
    vp_status st = vp_session_bind_output(s, i, bufs[i]);
    CHECK(st == VP_OK || st == VP_EUNSUPPORTED); /* outputs sharing storage stay owned */
  }
  CHECK_STATUS(vp_session_run(s), VP_OK);
  CHECK(vp_session_input(s, 0) == in);
  float **bound = snapshot(s, m);
  CHECK(same_outputs(first, bound, m));
  for (int32_t i = 0; i < nout; i++) {
    vp_session_bind_output(s, i, NULL);
    free(bufs[i]);
  }
  vp_session_bind_input(s, 0, NULL);
  free(bufs);
  free(in);
  free_snapshot(first, m);
  free_snapshot(second, m);
  free_snapshot(bound, m);
  vp_session_destroy(s);
  vp_model_destroy(m);
}

typedef struct worker {
  const vp_model *m;
  int threads;
  float **expect;
  int ok;
} worker;

static void *worker_main(void *arg) {
  worker *w = arg;
  vp_session_options o = vp_session_options_default();
  o.num_threads = w->threads;
  vp_session *s = NULL;
  if (vp_session_create(w->m, &o, &s) != VP_OK) return NULL;
  w->ok = 1;
  for (int r = 0; r < 5; r++) {
    fill_random(s, w->m, 11);
    if (vp_session_run(s) != VP_OK) {
      w->ok = 0;
      break;
    }
    float **got = snapshot(s, w->m);
    if (!same_outputs(got, w->expect, w->m)) w->ok = 0;
    free_snapshot(got, w->m);
  }
  vp_session_destroy(s);
  return NULL;
}

/* One model, one session per thread, run concurrently (sessions with one
 * and two intra-op threads share the process-wide pools). */
static void test_concurrent(const char *path) {
  vp_model *m = NULL;
  CHECK_STATUS(vp_model_create_from_file(path, &m), VP_OK);
  if (!m) return;
  vp_session *s = NULL;
  CHECK_STATUS(vp_session_create(m, NULL, &s), VP_OK);
  if (!s) {
    vp_model_destroy(m);
    return;
  }
  fill_random(s, m, 11);
  CHECK_STATUS(vp_session_run(s), VP_OK);
  float **expect = snapshot(s, m);
  worker w[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    w[i] = (worker){.m = m, .threads = 1 + (i & 1), .expect = expect};
    CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    CHECK(w[i].ok == 1);
  }
  free_snapshot(expect, m);
  vp_session_destroy(s);
  vp_model_destroy(m);
}

static int test_models(void) {
  if (!find_models_dir()) return vp_test_skip_or_fail("models (VPIPE_MODELS or ~/.local/share/vpipe/models)");
  DIR *dir = opendir(models_dir);
  struct dirent *e;
  int n = 0;
  char path[2048];
  while ((e = readdir(dir))) {
    size_t len = strlen(e->d_name);
    if (len <= 7 || strcmp(e->d_name + len - 7, ".tflite") != 0) continue;
    snprintf(path, sizeof path, "%s/%s", models_dir, e->d_name);
    int before = vp_test_failures;
    test_model(path);
    if (vp_test_failures != before) fprintf(stderr, "  ^ in %s\n", e->d_name);
    n++;
  }
  closedir(dir);
  fprintf(stderr, "%d models ran\n", n);
  snprintf(path, sizeof path, "%s/face_detection_short_range.tflite", models_dir);
  FILE *f = fopen(path, "rb");
  if (f) {
    fclose(f);
    test_concurrent(path);
  }
  return 0;
}

int main(void) {
  test_graph_a(false);
  test_graph_a(true);
  test_graph_b(true);
  test_graph_b(false);
  test_errors();
  int rc = test_models();
  if (rc) return rc;
  return TEST_EXIT();
}
