/* Minimal assertion helpers for vpipe's tests: print both sides, count failures. */
#ifndef VP_TEST_CHECK_H
#define VP_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int vp_test_failures;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
      vp_test_failures++;                                                        \
    }                                                                            \
  } while (0)

#define CHECK_INT_EQ(a, b)                                                       \
  do {                                                                           \
    long long va_ = (long long)(a), vb_ = (long long)(b);                        \
    if (va_ != vb_) {                                                            \
      fprintf(stderr, "%s:%d: %s == %s failed: %lld vs %lld\n", __FILE__,        \
              __LINE__, #a, #b, va_, vb_);                                       \
      vp_test_failures++;                                                        \
    }                                                                            \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                    \
  do {                                                                           \
    double va_ = (double)(a), vb_ = (double)(b);                                 \
    if (!(fabs(va_ - vb_) <= (tol))) {                                           \
      fprintf(stderr, "%s:%d: |%s - %s| <= %g failed: %.9g vs %.9g\n", __FILE__, \
              __LINE__, #a, #b, (double)(tol), va_, vb_);                        \
      vp_test_failures++;                                                        \
    }                                                                            \
  } while (0)

#define CHECK_STATUS(expr, expected)                                             \
  do {                                                                           \
    int st_ = (int)(expr);                                                       \
    if (st_ != (int)(expected)) {                                                \
      fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d; last error: %s\n", \
              __FILE__, __LINE__, #expr, st_, vp_strerror(st_), (int)(expected),  \
              vp_last_error());                                                  \
      vp_test_failures++;                                                        \
    }                                                                            \
  } while (0)

/* Skip (ctest SKIP_RETURN_CODE 77) when a prerequisite such as a fetched model
 * or test medium is missing and VPIPE_REQUIRE_ASSETS is not set. */
#define VP_TEST_SKIP 77
static inline int vp_test_skip_or_fail(const char *what) {
  if (getenv("VPIPE_REQUIRE_ASSETS")) {
    fprintf(stderr, "missing %s (VPIPE_REQUIRE_ASSETS is set)\n", what);
    return 1;
  }
  fprintf(stderr, "skipping: missing %s\n", what);
  return VP_TEST_SKIP;
}

#define TEST_EXIT() (vp_test_failures ? (fprintf(stderr, "%d check(s) failed\n", vp_test_failures), 1) : 0)

#endif
