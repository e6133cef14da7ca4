/* Monotonic clock and version (layer: core). */
#include <time.h>

#include "vpipe/core.h"

int64_t vp_time_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *vp_version(void) { return "0.1.0"; }
