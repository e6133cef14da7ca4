/* The practical compute roofline of the machine (layer: model): one dense
 * 3x3 convolution through XNNPACK's best GEMM kernels, timed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/threadpool.h"
#include "model/session_impl.h"

#define RL_H 64
#define RL_W 64
#define RL_C 128
#define RL_K 128

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

vp_status vp_roofline_measure(const vp_session_options *options, int32_t runs, double *gmacs) {
  if (!gmacs || runs <= 0 || runs > 100000)
    return vp__error(VP_EINVAL, "vp_roofline_measure: %s", !gmacs ? "gmacs is NULL" : "runs out of range");
  vp_status rc = vp__xnn_ensure_init();
  if (rc != VP_OK) return rc;
  vp_session_options o = options ? *options : vp_session_options_default();
  vp_threadpool *pool = NULL;
  if (o.pool) pool = vp_threadpool_ref(o.pool);
  else if ((rc = vp_threadpool_shared(o.num_threads, &pool)) != VP_OK) return rc;
  pthreadpool_t tp = vp__threadpool_handle(pool);

  size_t in_n = (size_t)RL_H * RL_W * RL_C, out_n = (size_t)RL_H * RL_W * RL_K, w_n = (size_t)RL_K * 9 * RL_C;
  float *in = malloc(in_n * sizeof(float) + VP_TENSOR_PADDING), *out = malloc(out_n * sizeof(float));
  float *w = malloc(w_n * sizeof(float)), *b = calloc(RL_K, sizeof(float));
  int64_t *t = malloc(sizeof(int64_t) * (size_t)runs);
  xnn_operator_t op = NULL;
  if (!in || !out || !w || !b || !t) {
    rc = vp__error(VP_ENOMEM, "vp_roofline_measure: out of memory");
    goto done;
  }
  uint32_t seed = 1;
  for (size_t i = 0; i < in_n; i++) in[i] = (float)((seed = seed * 1664525u + 1013904223u) >> 24) / 256.0f;
  for (size_t i = 0; i < w_n; i++) w[i] = (float)((seed = seed * 1664525u + 1013904223u) >> 24) / 8192.0f;
  enum xnn_status xs = xnn_create_convolution2d_nhwc_f32(1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, RL_C, RL_K, RL_C, RL_K, w,
                                                         b, -INFINITY, INFINITY, 0, &op);
  if (xs == xnn_status_success) xs = xnn_setup_convolution2d_nhwc_f32(op, 1, RL_H, RL_W, in, out, tp);
  for (int i = 0; xs == xnn_status_success && i < 2; i++) xs = xnn_run_operator(op, tp);
  for (int32_t i = 0; xs == xnn_status_success && i < runs; i++) {
    int64_t t0 = vp_time_ns();
    xs = xnn_run_operator(op, tp);
    t[i] = vp_time_ns() - t0;
  }
  if (xs != xnn_status_success) {
    rc = vp__error(VP_EBACKEND, "roofline convolution: XNNPACK failed: %s", vp__xnn_status_name(xs));
    goto done;
  }
  qsort(t, (size_t)runs, sizeof *t, cmp_i64);
  double macs = (double)RL_H * RL_W * RL_K * RL_C * 9;
  /* The fastest run: a roofline is what the machine can do, and on a shared
   * host the slower runs mostly measure other people's load. */
  double best = (double)t[0];
  *gmacs = best > 0 ? macs / best : 0.0; /* MAC per ns = GMAC/s */
done:
  if (op) xnn_delete_operator(op);
  free(in);
  free(out);
  free(w);
  free(b);
  free(t);
  vp_threadpool_unref(&pool);
  return rc;
}
