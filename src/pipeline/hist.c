/* Latency histogram with logarithmic buckets (layer: pipeline). */
#include "pipeline/hist.h"

#include <math.h>

/* bucket b holds values in [1000 * R^(b-1), 1000 * R^b) ns, R = 1.04; b = 0 holds < 1 µs. */
#define HIST_RATIO 1.04

void vp__hist_add(vp__hist *h, int64_t ns) {
  if (ns < 0) ns = 0;
  int b = 0;
  if (ns >= 1000) {
    b = 1 + (int)(log((double)ns / 1000.0) / log(HIST_RATIO));
    if (b >= VP__HIST_BUCKETS) b = VP__HIST_BUCKETS - 1;
  }
  h->bucket[b]++;
  h->count++;
  if (ns > h->max_ns) h->max_ns = ns;
}

double vp__hist_quantile_ms(const vp__hist *h, double q) {
  if (h->count == 0) return 0;
  int64_t rank = (int64_t)ceil(q * (double)h->count);
  if (rank < 1) rank = 1;
  int64_t seen = 0;
  for (int b = 0; b < VP__HIST_BUCKETS; b++) {
    seen += h->bucket[b];
    if (seen >= rank) {
      double upper_ns = 1000.0 * pow(HIST_RATIO, b);
      if (upper_ns > (double)h->max_ns) upper_ns = (double)h->max_ns;
      return upper_ns / 1e6;
    }
  }
  return (double)h->max_ns / 1e6;
}
