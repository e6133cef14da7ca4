/* The precision a fidelity test runs its tasks in. ctest runs each still-image
 * fidelity test twice: as is (fp32, MediaPipe's arithmetic) and as NAME_bf16
 * with VP_TEST_PRECISION=bf16 (tests/CMakeLists.txt, vp_add_test_variant), so
 * the measured errors of both precisions show side by side. The bf16 runs keep
 * the bounds where bf16 meets them (face, hands) and otherwise check
 * bounds set from measurement, each commented where it is applied. */
#ifndef VP_TEST_PRECISION_H
#define VP_TEST_PRECISION_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "vpipe/model.h"

/* VP_TEST_PRECISION (fp32 or bf16; unset: fp32). The first call prints the
 * precision that really runs: on a CPU without AVX512-BF16 a bf16 run
 * computes in fp32, and says so. A bad value fails the test (exit 1) rather
 * than testing something else than asked. */
static inline vp_precision vp_test_precision(void) {
  static int said;
  const char *s = getenv("VP_TEST_PRECISION");
  vp_precision p = VP_PRECISION_FP32;
  if (s && *s && vp_precision_parse(s, &p) != VP_OK) {
    fprintf(stderr, "VP_TEST_PRECISION=%s: %s\n", s, vp_last_error());
    exit(1);
  }
  if (!said) {
    said = 1;
    if (p == VP_PRECISION_BF16 && !vp_precision_bf16_available())
      printf("precision bf16 asked for; this CPU lacks AVX512-BF16, so this run is fp32\n");
    else
      printf("precision %s\n", vp_precision_name(p));
    fflush(stdout);
  }
  return p;
}

/* Whether this run really computes in bf16 (asked for, and the CPU has it). */
static inline bool vp_test_bf16_active(void) {
  return vp_test_precision() == VP_PRECISION_BF16 && vp_precision_bf16_available();
}

#endif
