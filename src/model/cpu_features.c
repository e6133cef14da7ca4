/* CPU features for the model layer's own kernels (layer: model).
 *
 * Sessions are created on many threads, so the CPU is probed once
 * (pthread_once) and every kernel asks here instead of probing itself. */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool avx512f, avx512vl_fma, avx512bf16;

static void probe(void) {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  avx512f = __builtin_cpu_supports("avx512f") != 0;
  avx512vl_fma = avx512f && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
  avx512bf16 = avx512vl_fma && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512bf16");
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

bool vp__cpu_has_avx512_bf16(void) {
  pthread_once(&once, probe);
  return avx512bf16;
}

/* The public face of the probe, for callers choosing VP_PRECISION_BF16. */
bool vp_precision_bf16_available(void) { return vp__cpu_has_avx512_bf16(); }

const char *vp_precision_name(vp_precision p) {
  switch (p) {
  case VP_PRECISION_FP32: return "fp32";
  case VP_PRECISION_BF16: return "bf16";
  }
  return "?";
}

vp_status vp_precision_parse(const char *s, vp_precision *out) {
  if (!s || !out) return vp__error(VP_EINVAL, "vp_precision_parse: NULL argument");
  if (!strcmp(s, "fp32")) *out = VP_PRECISION_FP32;
  else if (!strcmp(s, "bf16")) *out = VP_PRECISION_BF16;
  else return vp__error(VP_EINVAL, "precision '%s': expected fp32 or bf16", s);
  return VP_OK;
}
