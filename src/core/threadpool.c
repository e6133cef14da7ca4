/* Reference-counted thread pools over pthreadpool (layer: core).
 *
 * DESIGN: a vp_threadpool owns one pthreadpool. vp_threadpool_shared() keeps a
 * small registry (one entry per thread count) so that every model session of
 * a process asking for N threads runs on the same N workers; the registry
 * holds no reference, and an entry is removed when its last user unrefs it.
 * Lock order: registry_lock only (reference counts are atomic).
 */
#include "core/threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"

struct vp_threadpool {
  atomic_int refs;
  int32_t threads;
  int shared;
  pthreadpool_t pool; /* NULL when threads == 1 */
  struct vp_threadpool *next;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vp_threadpool *registry;

static int32_t resolve_threads(int32_t threads) {
  if (threads > 0) return threads;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int32_t)n : 1;
}

static vp_status pool_new(int32_t threads, vp_threadpool **out) {
  if (threads < 0 || threads > 256)
    return vp__error(VP_EINVAL, "thread count %d out of range [0, 256]", threads);
  vp_threadpool *p = calloc(1, sizeof *p);
  if (!p) return vp__error(VP_ENOMEM, "thread pool: out of memory");
  p->threads = resolve_threads(threads);
  if (p->threads > 1) {
    p->pool = pthreadpool_create((size_t)p->threads);
    if (!p->pool) {
      free(p);
      return vp__error(VP_ENOMEM, "pthreadpool_create(%d) failed", threads);
    }
  }
  atomic_init(&p->refs, 1);
  *out = p;
  return VP_OK;
}

vp_status vp_threadpool_create(int32_t threads, vp_threadpool **out) {
  if (!out) return vp__error(VP_EINVAL, "vp_threadpool_create: out is NULL");
  return pool_new(threads, out);
}

vp_status vp_threadpool_shared(int32_t threads, vp_threadpool **out) {
  if (!out) return vp__error(VP_EINVAL, "vp_threadpool_shared: out is NULL");
  if (threads < 0 || threads > 256)
    return vp__error(VP_EINVAL, "thread count %d out of range [0, 256]", threads);
  int32_t want = resolve_threads(threads);
  pthread_mutex_lock(&registry_lock);
  for (vp_threadpool *p = registry; p; p = p->next) {
    if (p->threads == want) {
      atomic_fetch_add(&p->refs, 1);
      pthread_mutex_unlock(&registry_lock);
      *out = p;
      return VP_OK;
    }
  }
  vp_threadpool *p = NULL;
  vp_status st = pool_new(want, &p);
  if (st == VP_OK) {
    p->shared = 1;
    p->next = registry;
    registry = p;
    *out = p;
  }
  pthread_mutex_unlock(&registry_lock);
  return st;
}

vp_threadpool *vp_threadpool_ref(vp_threadpool *pool) {
  if (pool) atomic_fetch_add(&pool->refs, 1);
  return pool;
}

static void pool_free(vp_threadpool *p) {
  if (p->pool) pthreadpool_destroy(p->pool);
  free(p);
}

void vp_threadpool_unref(vp_threadpool **pool) {
  if (!pool || !*pool) return;
  vp_threadpool *p = *pool;
  *pool = NULL;
  if (!p->shared) {
    if (atomic_fetch_sub(&p->refs, 1) == 1) pool_free(p);
    return;
  }
  /* Shared pools: drop under the registry lock so that a concurrent
   * vp_threadpool_shared() cannot resurrect a pool being freed. */
  pthread_mutex_lock(&registry_lock);
  if (atomic_fetch_sub(&p->refs, 1) == 1) {
    for (vp_threadpool **it = &registry; *it; it = &(*it)->next) {
      if (*it == p) {
        *it = p->next;
        break;
      }
    }
    pthread_mutex_unlock(&registry_lock);
    pool_free(p);
    return;
  }
  pthread_mutex_unlock(&registry_lock);
}

int32_t vp_threadpool_threads(const vp_threadpool *pool) { return pool ? pool->threads : 1; }

pthreadpool_t vp__threadpool_handle(const vp_threadpool *pool) { return pool ? pool->pool : NULL; }
