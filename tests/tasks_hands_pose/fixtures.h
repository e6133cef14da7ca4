/* Paths of the test media and reference fixtures for the hand/pose/selfie tests. */
#ifndef VP_TEST_BODY_FIXTURES_H
#define VP_TEST_BODY_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/reference_media.h"

/* $VPIPE_REF/<sub>/<name> (tests/ref). */
static inline void ref_path(char *buf, size_t n, const char *sub, const char *name) {
  const char *r = getenv("VPIPE_REF");
  snprintf(buf, n, "%s/%s/%s", r && *r ? r : "tests/ref", sub, name);
}

/* $VPIPE_MODELS/<name>.tflite or ~/.local/share/vpipe/models/<name>.tflite exists. */
static inline int model_exists(const char *name) {
  char buf[1024];
  const char *m = getenv("VPIPE_MODELS");
  if (m && *m) snprintf(buf, sizeof buf, "%s/%s.tflite", m, name);
  else snprintf(buf, sizeof buf, "%s/.local/share/vpipe/models/%s.tflite",
                getenv("HOME") ? getenv("HOME") : ".", name);
  return file_exists(buf);
}

#endif
