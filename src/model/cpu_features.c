/* CPU features for the model layer's own kernels (layer: model).
 *
 * Sessions are created on many threads, so the CPU is probed once
 * (pthread_once) and every kernel asks here instead of probing itself. */
#include <pthread.h>
#include <stdbool.h>

#include "model/session_impl.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool avx512f, avx512vl_fma;

static void probe(void) {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  avx512f = __builtin_cpu_supports("avx512f") != 0;
  avx512vl_fma = avx512f && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
#endif
}

bool vp__cpu_has_avx512(void) {
  pthread_once(&once, probe);
  return avx512f;
}

bool vp__cpu_has_avx512vl_fma(void) {
  pthread_once(&once, probe);
  return avx512vl_fma;
}
