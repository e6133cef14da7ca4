/* The bfloat16 1x1 convolution kernel (kernel_pw_bf16.c) against a double
 * precision reference computed from the same bfloat16-rounded inputs and
 * weights: the kernel may differ only by float32 summation, so the bound is
 * tight (1e-4 relative). Shapes cover the pose, hand and face networks' 1x1
 * layers and the awkward cases: odd input channels, output channels that are
 * not a multiple of 16 or 32, fewer pixels than a tile, one pixel. Each shape
 * runs on the calling thread and on a 2-thread pool (which splits the output
 * blocks of small layers into chunks), with no activation and with ReLU6. */
#include <math.h>
#include <pthreadpool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "model/session_impl.h"

static float bf16_round(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  u += 0x7fffu + ((u >> 16) & 1u);
  u &= 0xffff0000u;
  memcpy(&f, &u, sizeof f);
  return f;
}

static float frand(float scale) { return (float)(rand() % 20001 - 10000) / 10000.0f * scale; }

typedef struct layer {
  int32_t h, w, k, n;
} layer;

static double run_case(const layer *L, vp__activation act, pthreadpool_t pool) {
  const int32_t p = L->h * L->w;
  float *in = malloc(sizeof(float) * (size_t)(p * L->k) + 64), *wt = malloc(sizeof(float) * (size_t)(L->n * L->k));
  float *bias = malloc(sizeof(float) * (size_t)L->n), *out = malloc(sizeof(float) * (size_t)(p * L->n) + 64);
  CHECK(in && wt && bias && out);
  for (int32_t i = 0; i < p * L->k; i++) in[i] = frand(10.0f);
  for (int32_t i = 0; i < L->n * L->k; i++) wt[i] = frand(1.0f);
  for (int32_t i = 0; i < L->n; i++) bias[i] = frand(5.0f);
  for (int32_t i = 0; i < p * L->n; i++) out[i] = NAN; /* every element must be written */

  vp__tensor t[4];
  memset(t, 0, sizeof t);
  t[0] = (vp__tensor){.dtype = VP_DTYPE_F32, .rank = 4, .dims = {1, L->h, L->w, L->k}};
  t[1] = (vp__tensor){.dtype = VP_DTYPE_F32, .rank = 4, .dims = {L->n, 1, 1, L->k}, .data = wt};
  t[2] = (vp__tensor){.dtype = VP_DTYPE_F32, .rank = 1, .dims = {L->n}, .num_elements = (size_t)L->n, .data = bias};
  t[3] = (vp__tensor){.dtype = VP_DTYPE_F32, .rank = 4, .dims = {1, L->h, L->w, L->n}};
  vp__graph g;
  memset(&g, 0, sizeof g);
  g.tensors = t;
  g.num_tensors = 4;
  int32_t ins[3] = {0, 1, 2}, outs[1] = {3};
  vp__op op;
  memset(&op, 0, sizeof op);
  op.code = VP_OP_CONV_2D;
  op.name = "CONV_2D";
  op.num_inputs = 3;
  op.num_outputs = 1;
  op.inputs = ins;
  op.outputs = outs;
  op.stride_h = op.stride_w = 1;
  op.activation = act;
  CHECK(vp__pw_bf16_applies(&g, &op));

  vp__kernel_fn fn = NULL;
  void *state = NULL;
  void (*state_free)(void *) = NULL;
  size_t threads = pool ? pthreadpool_get_threads_count(pool) : 1;
  CHECK_STATUS(vp__pw_bf16_prepare(&g, &op, threads, &fn, &state, &state_free), VP_OK);
  float *ptr[4] = {in, wt, bias, out};
  vp__kernel_ctx c = {.graph = &g, .op = &op, .ptr = ptr, .threadpool = pool, .state = state};
  CHECK_STATUS(fn(&c), VP_OK);

  double worst = 0.0;
  for (int32_t i = 0; i < p; i++)
    for (int32_t j = 0; j < L->n; j++) {
      double s = bias[j];
      for (int32_t q = 0; q < L->k; q++)
        s += (double)bf16_round(in[(size_t)i * (size_t)L->k + (size_t)q]) *
             (double)bf16_round(wt[(size_t)j * (size_t)L->k + (size_t)q]);
      if (act == VP_ACT_RELU6) s = fmin(fmax(s, 0.0), 6.0);
      const float got = out[(size_t)i * (size_t)L->n + (size_t)j];
      const double e = isfinite(got) ? fabs(s - got) / (1.0 + fabs(s)) : INFINITY;
      if (e > worst) worst = e;
    }
  state_free(state);
  free(in);
  free(wt);
  free(bias);
  free(out);
  return worst;
}

int main(void) {
  if (!vp__cpu_has_avx512_bf16()) {
    /* Without AVX512-BF16 the kernel must decline every layer (sessions
     * then run float32); nothing else to check here. */
    vp__graph g;
    memset(&g, 0, sizeof g);
    vp__op op;
    memset(&op, 0, sizeof op);
    op.code = VP_OP_CONV_2D;
    CHECK(!vp__pw_bf16_applies(&g, &op));
    fprintf(stderr, "skipping: this CPU has no AVX512-BF16\n");
    return vp_test_failures ? 1 : VP_TEST_SKIP;
  }
  static const layer layers[] = {
      {64, 64, 32, 39}, {128, 128, 8, 8}, {16, 16, 56, 336}, {16, 16, 240, 40}, {2, 2, 192, 192},
      {8, 8, 576, 32},  {28, 28, 96, 576}, {3, 5, 7, 17},    {1, 1, 1, 1},      {7, 7, 33, 100},
      {1, 1, 2048, 48},
  };
  pthreadpool_t pool = pthreadpool_create(2);
  CHECK(pool != NULL);
  srand(7);
  for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
    const layer *L = &layers[i];
    for (int a = 0; a < 2; a++) {
      const vp__activation act = a ? VP_ACT_RELU6 : VP_ACT_NONE;
      const double e1 = run_case(L, act, NULL), e2 = run_case(L, act, pool);
      printf("%3dx%-3d %4d -> %-4d %-5s: worst relative error %.2e (1 thread), %.2e (2 threads)\n", L->h, L->w,
             L->k, L->n, a ? "relu6" : "none", e1, e2);
      CHECK(e1 <= 1e-4);
      CHECK(e2 <= 1e-4);
    }
  }
  pthreadpool_destroy(pool);

  /* Past the tile buffer's size (K > 2048) the kernel declines: XNNPACK runs it. */
  vp__tensor t[2];
  memset(t, 0, sizeof t);
  static float w[2049 * 4];
  t[0] = (vp__tensor){.dtype = VP_DTYPE_F32, .rank = 4, .dims = {1, 1, 1, 2049}};
  t[1] = (vp__tensor){.dtype = VP_DTYPE_F32, .rank = 4, .dims = {4, 1, 1, 2049}, .data = w};
  vp__graph g;
  memset(&g, 0, sizeof g);
  g.tensors = t;
  g.num_tensors = 2;
  int32_t ins[2] = {0, 1}, outs[1] = {0};
  vp__op op;
  memset(&op, 0, sizeof op);
  op.code = VP_OP_CONV_2D;
  op.num_inputs = 2;
  op.num_outputs = 1;
  op.inputs = ins;
  op.outputs = outs;
  op.stride_h = op.stride_w = 1;
  CHECK(!vp__pw_bf16_applies(&g, &op));
  return TEST_EXIT();
}
