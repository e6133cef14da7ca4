/* Mask IoU (threshold 0.5) against the 1-bit reference fixtures in tests/ref/masks. */
#ifndef VP_TEST_MASK_CHECK_H
#define VP_TEST_MASK_CHECK_H

#include <stdint.h>
#include <stdlib.h>

#include "fixtures.h"
#include "ref_compare.h"

/* Returns 0 and the IoU and our foreground fraction (confidence > 0.5), or -1
 * when the fixture is missing or has another size. */
static inline int mask_iou(const char *fixture, const float *mask, int32_t w, int32_t h,
                           double *iou, double *fg) {
  char path[1024];
  ref_path(path, sizeof path, "masks", fixture);
  uint8_t *ref = NULL;
  int32_t rw, rh;
  if (ref_load_mask(path, &ref, &rw, &rh) != 0) return -1;
  if (rw != w || rh != h) {
    free(ref);
    return -1;
  }
  int64_t inter = 0, uni = 0, ours = 0;
  for (int64_t i = 0; i < (int64_t)w * h; i++) {
    const int a = mask[i] > 0.5f, b = ref[i];
    inter += a && b;
    uni += a || b;
    ours += a;
  }
  free(ref);
  *iou = uni ? (double)inter / (double)uni : 1.0;
  *fg = (double)ours / ((double)w * h);
  return 0;
}

#endif
