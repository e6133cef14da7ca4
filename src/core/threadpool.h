/* Private access to the pthreadpool behind a vp_threadpool (layer: core). */
#ifndef VP_CORE_THREADPOOL_H
#define VP_CORE_THREADPOOL_H

#include <pthreadpool.h>

#include "vpipe/core.h"

/* The underlying pthreadpool, or NULL for a one-thread pool (XNNPACK then runs
 * on the caller's thread). Owned by @pool. */
pthreadpool_t vp__threadpool_handle(const vp_threadpool *pool);

#endif
