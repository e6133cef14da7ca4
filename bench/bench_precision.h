/* --precision for the bench programs: the header line saying which
 * arithmetic the numbers measure (the library runs fp32 when bf16 is asked
 * for on a CPU without AVX512-BF16). */
#ifndef VP_BENCH_PRECISION_H
#define VP_BENCH_PRECISION_H

#include <stdio.h>

#include "vpipe/model.h"

static inline void bench_print_precision(vp_precision asked) {
  if (asked == VP_PRECISION_BF16 && !vp_precision_bf16_available())
    printf("precision fp32 (bf16 not available on this CPU)\n");
  else
    printf("precision %s\n", vp_precision_name(asked));
}

#endif
