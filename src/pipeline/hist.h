/* Latency histogram with logarithmic buckets (layer: pipeline, private).
 * Fixed size (no allocation), 4% relative resolution from 1 µs to ~100 s:
 * percentiles of millions of samples in bounded memory. Not synchronised:
 * the owner locks. */
#ifndef VP_PIPELINE_HIST_H
#define VP_PIPELINE_HIST_H

#include <stdint.h>

#define VP__HIST_BUCKETS 480

typedef struct vp__hist {
  int64_t count;
  int64_t max_ns;
  uint32_t bucket[VP__HIST_BUCKETS];
} vp__hist;

void vp__hist_add(vp__hist *h, int64_t ns);
/* @q in [0, 1]; returns ms (the bucket's upper edge, capped at the maximum seen). 0 if empty. */
double vp__hist_quantile_ms(const vp__hist *h, double q);

#endif
