/* vpipe's implementation of the pthreadpool interface (layer: model).
 *
 * Why: XNNPACK runs every operator through pthreadpool_parallelize_*(). The
 * Debian pthreadpool makes the caller wait until *every* worker thread has
 * checked in, even when the caller has already done all the work itself. On
 * a loaded host a worker that is not scheduled for a while then stalls each
 * of the ~100 parallel calls of an inference: measured on this shared VM,
 * face_landmark at 2 threads had a p90 of 1.2-1.5 s (ONNX Runtime: 50-60 ms)
 * and palm_detection_lite a median of 510 ms (ORT: 59 ms).
 *
 * Here the caller waits only for the *items* of the grid: items are claimed
 * one at a time from a counter tagged with the call's generation, so a worker
 * that wakes up late finds nothing left (or a newer generation) and goes back
 * to sleep without delaying anybody. The functions below keep pthreadpool's
 * names and semantics (grids of up to 6 dimensions, optional tiles on the last
 * two, calls on one pool serialised), so XNNPACK, which links them
 * dynamically, and vpipe's own kernels use this pool; being defined in vpipe
 * they take precedence over libpthreadpool's (exported with default
 * visibility for that reason).
 *
 * DESIGN: a pool owns threads_count - 1 workers; the calling thread works
 * too. State: `lock` guards the published job, `gen` and `stop`; the item
 * counter `claim` packs (generation << 32 | next item) so a claim is valid
 * only for the job it was taken for; `done` counts finished items. Workers
 * spin briefly for a new generation, then sleep on `job_cv`; the caller sleeps
 * on `done_cv` once its own claims run out. Lock order: call_lock, then lock.
 */
#include <pthread.h>
#include <pthreadpool.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define VP_POOL_API __attribute__((visibility("default")))
#define POOL_MAX_DIMS 6
#define POOL_SPIN 500

typedef enum job_kind {
  J1D, J1D_T1, J2D, J2D_T1, J2D_T2, J3D, J3D_T2, J4D, J4D_T2, J5D, J5D_T2, J6D_T2,
} job_kind;

typedef struct pool_job {
  job_kind kind;
  void *fn;
  void *ctx;
  int dims;
  size_t range[POOL_MAX_DIMS], tile[POOL_MAX_DIMS], count[POOL_MAX_DIMS];
  size_t items;
} pool_job;

struct pthreadpool {
  pthread_mutex_t call_lock; /* serialises parallelize calls */
  pthread_mutex_t lock;
  pthread_cond_t job_cv, done_cv;
  size_t threads;             /* including the caller */
  pthread_t *workers;
  size_t started;
  pool_job job;               /* guarded by lock */
  uint32_t gen;               /* guarded by lock */
  bool stop;                  /* guarded by lock */
  atomic_uint gen_hint;       /* gen, for spinning without the lock */
  atomic_uint_fast64_t claim; /* gen << 32 | next item */
  atomic_size_t done;
  atomic_int sleeping_caller;
};

/* Run @p n consecutive items from @p first: the grid position is decoded once
 * and then advanced like an odometer (XNNPACK issues grids of many tiny items;
 * a division per item would cost more than some of the items). */
static void run_items(const pool_job *j, size_t first, size_t n) {
  size_t idx[POOL_MAX_DIMS] = {0}, st[POOL_MAX_DIMS], sz[POOL_MAX_DIMS];
  size_t item = first;
  const int last = j->dims - 1;
  for (int d = last; d >= 0; d--) {
    idx[d] = item % j->count[d];
    item /= j->count[d];
  }
  void *c = j->ctx;
  while (n > 0) {
    for (int d = 0; d < last; d++) {
      st[d] = idx[d] * j->tile[d];
      sz[d] = j->range[d] - st[d] < j->tile[d] ? j->range[d] - st[d] : j->tile[d];
    }
    /* A run along the last dimension: a tight loop per kind. */
    size_t run = j->count[last] - idx[last];
    if (run > n) run = n;
    const size_t t = j->tile[last], r = j->range[last];
    size_t x = idx[last] * t;
    const size_t xe = x + run * t;
#define SZ (r - x < t ? r - x : t)
    switch (j->kind) {
      case J1D: for (; x < xe; x++) ((pthreadpool_task_1d_t)j->fn)(c, x); break;
      case J1D_T1: for (; x < xe; x += t) ((pthreadpool_task_1d_tile_1d_t)j->fn)(c, x, SZ); break;
      case J2D: for (; x < xe; x++) ((pthreadpool_task_2d_t)j->fn)(c, st[0], x); break;
      case J2D_T1: for (; x < xe; x += t) ((pthreadpool_task_2d_tile_1d_t)j->fn)(c, st[0], x, SZ); break;
      case J2D_T2: for (; x < xe; x += t) ((pthreadpool_task_2d_tile_2d_t)j->fn)(c, st[0], x, sz[0], SZ); break;
      case J3D: for (; x < xe; x++) ((pthreadpool_task_3d_t)j->fn)(c, st[0], st[1], x); break;
      case J3D_T2:
        for (; x < xe; x += t) ((pthreadpool_task_3d_tile_2d_t)j->fn)(c, st[0], st[1], x, sz[1], SZ);
        break;
      case J4D: for (; x < xe; x++) ((pthreadpool_task_4d_t)j->fn)(c, st[0], st[1], st[2], x); break;
      case J4D_T2:
        for (; x < xe; x += t) ((pthreadpool_task_4d_tile_2d_t)j->fn)(c, st[0], st[1], st[2], x, sz[2], SZ);
        break;
      case J5D: for (; x < xe; x++) ((pthreadpool_task_5d_t)j->fn)(c, st[0], st[1], st[2], st[3], x); break;
      case J5D_T2:
        for (; x < xe; x += t)
          ((pthreadpool_task_5d_tile_2d_t)j->fn)(c, st[0], st[1], st[2], st[3], x, sz[3], SZ);
        break;
      case J6D_T2:
        for (; x < xe; x += t)
          ((pthreadpool_task_6d_tile_2d_t)j->fn)(c, st[0], st[1], st[2], st[3], st[4], x, sz[4], SZ);
        break;
    }
#undef SZ
    n -= run;
    idx[last] += run;
    for (int d = last; d > 0 && idx[d] >= j->count[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
    }
  }
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Claim and run items of generation @p gen until none are left. Claims are
 * guided: a share of what remains (at least one item), so that a grid of
 * thousands of small items costs a few dozen atomic operations. */
static void work(struct pthreadpool *p, const pool_job *j, uint32_t gen) {
  for (;;) {
    uint_fast64_t v = atomic_load_explicit(&p->claim, memory_order_acquire);
    size_t item, chunk;
    do {
      if ((uint32_t)(v >> 32) != gen || (v & 0xffffffffu) >= j->items) return;
      item = (size_t)(v & 0xffffffffu);
      chunk = (j->items - item) / (8 * p->threads);
      if (chunk == 0) chunk = 1;
    } while (!atomic_compare_exchange_weak_explicit(&p->claim, &v, v + chunk, memory_order_acq_rel,
                                                    memory_order_acquire));
    run_items(j, item, chunk);
    /* seq_cst here and in the caller's sleep path: each side must see the
     * other's write (done / sleeping_caller), or the caller could sleep on. */
    size_t d = atomic_fetch_add(&p->done, chunk) + chunk;
    if (d == j->items && atomic_load(&p->sleeping_caller)) {
      pthread_mutex_lock(&p->lock);
      pthread_cond_broadcast(&p->done_cv);
      pthread_mutex_unlock(&p->lock);
    }
  }
}

static void *worker_main(void *arg) {
  struct pthreadpool *p = arg;
  uint32_t seen = 0;
  for (;;) {
    for (int i = 0; i < POOL_SPIN && atomic_load_explicit(&p->gen_hint, memory_order_acquire) == seen; i++)
      cpu_relax();
    pthread_mutex_lock(&p->lock);
    while (p->gen == seen && !p->stop) pthread_cond_wait(&p->job_cv, &p->lock);
    if (p->stop) {
      pthread_mutex_unlock(&p->lock);
      return NULL;
    }
    seen = p->gen;
    pool_job j = p->job;
    pthread_mutex_unlock(&p->lock);
    work(p, &j, seen);
  }
}

VP_POOL_API pthreadpool_t pthreadpool_create(size_t threads_count) {
  if (threads_count == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads_count = n > 0 ? (size_t)n : 1;
  }
  struct pthreadpool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->threads = threads_count;
  pthread_mutex_init(&p->call_lock, NULL);
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->job_cv, NULL);
  pthread_cond_init(&p->done_cv, NULL);
  atomic_init(&p->gen_hint, 0);
  atomic_init(&p->claim, 0);
  atomic_init(&p->done, 0);
  atomic_init(&p->sleeping_caller, 0);
  if (threads_count > 1) {
    p->workers = calloc(threads_count - 1, sizeof *p->workers);
    if (!p->workers) {
      pthreadpool_destroy(p);
      return NULL;
    }
    for (size_t i = 0; i + 1 < threads_count; i++) {
      if (pthread_create(&p->workers[i], NULL, worker_main, p) != 0) {
        pthreadpool_destroy(p);
        return NULL;
      }
      p->started++;
    }
  }
  return p;
}

VP_POOL_API size_t pthreadpool_get_threads_count(pthreadpool_t p) { return p ? p->threads : 1; }

VP_POOL_API void pthreadpool_destroy(pthreadpool_t p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->stop = true;
  pthread_cond_broadcast(&p->job_cv);
  pthread_mutex_unlock(&p->lock);
  for (size_t i = 0; i < p->started; i++) pthread_join(p->workers[i], NULL);
  free(p->workers);
  pthread_cond_destroy(&p->job_cv);
  pthread_cond_destroy(&p->done_cv);
  pthread_mutex_destroy(&p->lock);
  pthread_mutex_destroy(&p->call_lock);
  free(p);
}

/* Run a grid: inline when there is no pool or a single item, else publish. */
static void run(struct pthreadpool *p, pool_job *j) {
  j->items = 1;
  for (int d = 0; d < j->dims; d++) {
    if (j->range[d] == 0) return;
    if (j->tile[d] == 0) j->tile[d] = 1;
    j->count[d] = (j->range[d] + j->tile[d] - 1) / j->tile[d];
    j->items *= j->count[d];
  }
  if (!p || p->threads <= 1 || j->items <= 1 || j->items >= 0xffffffffu) {
    run_items(j, 0, j->items);
    return;
  }
  pthread_mutex_lock(&p->call_lock);
  pthread_mutex_lock(&p->lock);
  uint32_t gen = p->gen + 1;
  if (gen == 0) gen = 1; /* 0 is the workers' initial "seen" */
  p->gen = gen;
  p->job = *j;
  atomic_store_explicit(&p->done, 0, memory_order_relaxed);
  atomic_store_explicit(&p->claim, (uint_fast64_t)gen << 32, memory_order_release);
  atomic_store_explicit(&p->gen_hint, gen, memory_order_release);
  pthread_cond_broadcast(&p->job_cv);
  pthread_mutex_unlock(&p->lock);

  work(p, j, gen);

  for (int i = 0; i < POOL_SPIN && atomic_load_explicit(&p->done, memory_order_acquire) < j->items; i++)
    cpu_relax();
  if (atomic_load_explicit(&p->done, memory_order_acquire) < j->items) {
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->sleeping_caller, 1);
    while (atomic_load(&p->done) < j->items) pthread_cond_wait(&p->done_cv, &p->lock);
    atomic_store(&p->sleeping_caller, 0);
    pthread_mutex_unlock(&p->lock);
  }
  pthread_mutex_unlock(&p->call_lock);
}

#define JOB(k, n, fnp, ctxp) pool_job j = {.kind = (k), .fn = (void *)(fnp), .ctx = (ctxp), .dims = (n)}

VP_POOL_API void pthreadpool_parallelize_1d(pthreadpool_t p, pthreadpool_task_1d_t f, void *c, size_t r, uint32_t fl) {
  (void)fl;
  JOB(J1D, 1, f, c);
  j.range[0] = r, j.tile[0] = 1;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_1d_tile_1d(pthreadpool_t p, pthreadpool_task_1d_tile_1d_t f, void *c,
                                                    size_t r, size_t t, uint32_t fl) {
  (void)fl;
  JOB(J1D_T1, 1, f, c);
  j.range[0] = r, j.tile[0] = t;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_2d(pthreadpool_t p, pthreadpool_task_2d_t f, void *c, size_t ri, size_t rj,
                                            uint32_t fl) {
  (void)fl;
  JOB(J2D, 2, f, c);
  j.range[0] = ri, j.range[1] = rj, j.tile[0] = j.tile[1] = 1;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_2d_tile_1d(pthreadpool_t p, pthreadpool_task_2d_tile_1d_t f, void *c,
                                                    size_t ri, size_t rj, size_t tj, uint32_t fl) {
  (void)fl;
  JOB(J2D_T1, 2, f, c);
  j.range[0] = ri, j.range[1] = rj, j.tile[0] = 1, j.tile[1] = tj;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_2d_tile_2d(pthreadpool_t p, pthreadpool_task_2d_tile_2d_t f, void *c,
                                                    size_t ri, size_t rj, size_t ti, size_t tj, uint32_t fl) {
  (void)fl;
  JOB(J2D_T2, 2, f, c);
  j.range[0] = ri, j.range[1] = rj, j.tile[0] = ti, j.tile[1] = tj;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_3d(pthreadpool_t p, pthreadpool_task_3d_t f, void *c, size_t ri, size_t rj,
                                            size_t rk, uint32_t fl) {
  (void)fl;
  JOB(J3D, 3, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk;
  j.tile[0] = j.tile[1] = j.tile[2] = 1;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_3d_tile_2d(pthreadpool_t p, pthreadpool_task_3d_tile_2d_t f, void *c,
                                                    size_t ri, size_t rj, size_t rk, size_t tj, size_t tk,
                                                    uint32_t fl) {
  (void)fl;
  JOB(J3D_T2, 3, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk;
  j.tile[0] = 1, j.tile[1] = tj, j.tile[2] = tk;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_4d(pthreadpool_t p, pthreadpool_task_4d_t f, void *c, size_t ri, size_t rj,
                                            size_t rk, size_t rl, uint32_t fl) {
  (void)fl;
  JOB(J4D, 4, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk, j.range[3] = rl;
  j.tile[0] = j.tile[1] = j.tile[2] = j.tile[3] = 1;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_4d_tile_2d(pthreadpool_t p, pthreadpool_task_4d_tile_2d_t f, void *c,
                                                    size_t ri, size_t rj, size_t rk, size_t rl, size_t tk, size_t tl,
                                                    uint32_t fl) {
  (void)fl;
  JOB(J4D_T2, 4, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk, j.range[3] = rl;
  j.tile[0] = j.tile[1] = 1, j.tile[2] = tk, j.tile[3] = tl;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_5d(pthreadpool_t p, pthreadpool_task_5d_t f, void *c, size_t ri, size_t rj,
                                            size_t rk, size_t rl, size_t rm, uint32_t fl) {
  (void)fl;
  JOB(J5D, 5, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk, j.range[3] = rl, j.range[4] = rm;
  for (int d = 0; d < 5; d++) j.tile[d] = 1;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_5d_tile_2d(pthreadpool_t p, pthreadpool_task_5d_tile_2d_t f, void *c,
                                                    size_t ri, size_t rj, size_t rk, size_t rl, size_t rm, size_t tl,
                                                    size_t tm, uint32_t fl) {
  (void)fl;
  JOB(J5D_T2, 5, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk, j.range[3] = rl, j.range[4] = rm;
  j.tile[0] = j.tile[1] = j.tile[2] = 1, j.tile[3] = tl, j.tile[4] = tm;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_6d_tile_2d(pthreadpool_t p, pthreadpool_task_6d_tile_2d_t f, void *c,
                                                    size_t ri, size_t rj, size_t rk, size_t rl, size_t rm, size_t rn,
                                                    size_t tm, size_t tn, uint32_t fl) {
  (void)fl;
  JOB(J6D_T2, 6, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk, j.range[3] = rl, j.range[4] = rm, j.range[5] = rn;
  j.tile[0] = j.tile[1] = j.tile[2] = j.tile[3] = 1, j.tile[4] = tm, j.tile[5] = tn;
  run(p, &j);
}
