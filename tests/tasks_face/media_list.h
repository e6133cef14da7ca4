/* Test media and reference fixture paths for the face tests. */
#include "common/reference_media.h"

static inline void ref_path(char *buf, size_t n, const char *name, const char *config) {
  const char *r = getenv("VPIPE_REF");
#ifdef VP_TEST_REF_DIR
  if (!r) r = VP_TEST_REF_DIR; /* run by hand, outside ctest */
#endif
  snprintf(buf, n, "%s/results/%s.%s.jsonl", r ? r : "tests/ref", name, config);
}
