/* Status strings, per-thread error messages and shared thread pools. */
#include <pthread.h>

#include "common/check.h"
#include "core/error.h"
#include "vpipe/core.h"

static void *other_thread(void *arg) {
  (void)arg;
  vp__error(VP_EIO, "from another thread");
  return NULL;
}

int main(void) {
  CHECK(!strcmp(vp_strerror(VP_OK), "success"));
  CHECK(!strcmp(vp_strerror(VP_EFORMAT), "malformed data"));
  CHECK(!strcmp(vp_strerror((vp_status)-999), "unknown status"));

  CHECK_INT_EQ(vp__error(VP_ESHAPE, "tensor %d has %d dims", 3, 7), VP_ESHAPE);
  CHECK(!strcmp(vp_last_error(), "tensor 3 has 7 dims"));
  pthread_t t;
  pthread_create(&t, NULL, other_thread, NULL);
  pthread_join(t, NULL);
  CHECK(!strcmp(vp_last_error(), "tensor 3 has 7 dims")); /* per thread */

  vp_threadpool *a = NULL, *b = NULL, *c = NULL;
  CHECK_STATUS(vp_threadpool_shared(2, &a), VP_OK);
  CHECK_STATUS(vp_threadpool_shared(2, &b), VP_OK);
  CHECK(a == b);
  CHECK_INT_EQ(vp_threadpool_threads(a), 2);
  CHECK_STATUS(vp_threadpool_create(1, &c), VP_OK);
  CHECK(c != a);
  CHECK_INT_EQ(vp_threadpool_threads(c), 1);
  CHECK_STATUS(vp_threadpool_create(-3, &c), VP_EINVAL);
  vp_threadpool_unref(&a);
  CHECK(a == NULL);
  vp_threadpool_unref(&b);
  vp_threadpool_unref(&c);
  return TEST_EXIT();
}
