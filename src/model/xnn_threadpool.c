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
 * too. Each thread first drains its own contiguous block of the grid, then
 * steals from the others' (see work()). The hand-off takes no lock: the
 * caller publishes a job as a seqlock. It closes every thread's item counter
 * (`slots`; generation 0 is never valid), writes the job's words with release
 * stores, then opens the slots for the new generation and bumps `gen_hint`.
 * A worker copies the words (acquire loads) after seeing the new `gen_hint`
 * and uses the copy only if its first claim for that generation succeeds: a
 * copy torn by the next job's writes cannot pass that check, because reading
 * any word of the next job orders the closing stores before the claim.
 * Idle workers spin for a bounded *time* (pause latency varies across CPUs)
 * and then sleep on `wake_cv`. The budget must outlast the gaps between a
 * network's operators: with 500 pauses (~15 us here) the workers fell asleep
 * between operators and a parallel call with 50 us of other work before it
 * cost 8.8 us instead of ~2 us (2 threads, tiny items). The caller
 * signals only when a worker sleeps (`sleepers`, seq_cst on both sides), and
 * sleeps on `done_cv` only when a worker still runs a long item after its own
 * spin budget.
 */
#include <pthread.h>
#include <pthreadpool.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VP_POOL_API __attribute__((visibility("default")))
#define POOL_MAX_DIMS 6
/* Spin budgets in nanoseconds: an idle worker keeps watching for the next job
 * this long (the gaps between a network's operators are microseconds, those
 * between frames milliseconds), and a caller waits this long for the last
 * items before it sleeps. */
#define WORKER_SPIN_NS 200000
#define CALLER_SPIN_NS 1000000
#define YIELD_AFTER_NS 5000

typedef enum job_kind {
  J1D, J1D_T1, J2D, J2D_T1, J2D_T2, J3D, J3D_T2, J4D, J4D_T2, J5D, J5D_T2, J6D_T2,
} job_kind;

typedef struct pool_job {
  job_kind kind;
  void *fn;
  void *ctx;
  uint32_t flags; /* PTHREADPOOL_FLAG_* of the call */
  int dims;
  size_t range[POOL_MAX_DIMS], tile[POOL_MAX_DIMS], count[POOL_MAX_DIMS];
  size_t items;
} pool_job;

#define JOB_WORDS ((sizeof(pool_job) + 7) / 8)

typedef struct pool_slot {
  _Alignas(64) atomic_uint_fast64_t v; /* own cache line: claimed by its thread, rarely by a thief */
} pool_slot;

struct pthreadpool;
typedef struct worker_arg {
  struct pthreadpool *pool;
  size_t index; /* slot index; the caller is 0 */
} worker_arg;

struct pthreadpool {
  pthread_mutex_t call_lock; /* serialises parallelize calls */
  pthread_mutex_t lock;      /* for sleeping and waking only */
  pthread_cond_t wake_cv, done_cv;
  size_t threads;            /* including the caller */
  pthread_t *workers;
  worker_arg *args;
  size_t started;
  atomic_uint_fast64_t job_words[JOB_WORDS]; /* the published pool_job */
  atomic_uint gen_hint;       /* generation of the published job */
  atomic_bool stop;
  atomic_int sleepers;        /* workers asleep or about to be */
  pool_slot *slots;           /* per thread: gen << 32 | next item of its block; gen 0 = closed */
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

/* PTHREADPOOL_FLAG_DISABLE_DENORMALS: flush-to-zero and denormals-are-zero
 * on every thread running the job, for its duration, as the reference
 * pthreadpool does for callers that ask (denormal arithmetic can cost ~100
 * cycles an operation). */
static unsigned denormals_off(uint32_t flags) {
#if defined(__x86_64__) || defined(__i386__)
  unsigned csr = __builtin_ia32_stmxcsr();
  if (flags & PTHREADPOOL_FLAG_DISABLE_DENORMALS) __builtin_ia32_ldmxcsr(csr | 0x8040u); /* FTZ | DAZ */
  return csr;
#else
  (void)flags;
  return 0;
#endif
}

static void denormals_restore(uint32_t flags, unsigned csr) {
#if defined(__x86_64__) || defined(__i386__)
  if (flags & PTHREADPOOL_FLAG_DISABLE_DENORMALS) __builtin_ia32_ldmxcsr(csr);
#else
  (void)flags, (void)csr;
#endif
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Wait up to @p budget_ns for ready(@p arg): pause-spin for the first
 * YIELD_AFTER_NS, then yield the CPU between checks: when the machine has
 * more runnable threads than cores (a decoder beside a two-thread inference
 * on two cores) a pure spin would burn the time slice that the thread being
 * waited for needs. */
static bool spin_until(bool (*ready)(void *), void *arg, uint64_t budget_ns) {
  uint64_t start = 0;
  for (unsigned i = 1;; i++) {
    if (ready(arg)) return true;
    cpu_relax();
    if ((i & 63) != 0) continue;
    uint64_t t = now_ns();
    if (start == 0) start = t;
    else if (t - start >= budget_ns) return false;
    else if (t - start >= YIELD_AFTER_NS) sched_yield();
  }
}

typedef struct gen_wait {
  atomic_uint *v;
  unsigned old;
} gen_wait;

static bool gen_changed(void *arg) {
  const gen_wait *w = arg;
  return atomic_load_explicit(w->v, memory_order_acquire) != w->old;
}

typedef struct done_wait {
  atomic_size_t *done;
  size_t items;
} done_wait;

static bool all_done(void *arg) {
  const done_wait *w = arg;
  return atomic_load_explicit(w->done, memory_order_acquire) >= w->items;
}

static void publish_job(struct pthreadpool *p, const pool_job *j) {
  uint64_t w[JOB_WORDS] = {0};
  memcpy(w, j, sizeof *j);
  /* release per word (a plain store on x86): a reader that sees any of these
   * words also sees the closed slots written before them */
  for (size_t i = 0; i < JOB_WORDS; i++) atomic_store_explicit(&p->job_words[i], w[i], memory_order_release);
}

static void read_job(struct pthreadpool *p, pool_job *j) {
  uint64_t w[JOB_WORDS];
  for (size_t i = 0; i < JOB_WORDS; i++) w[i] = atomic_load_explicit(&p->job_words[i], memory_order_acquire);
  memcpy(j, w, sizeof *j);
}

/* Thread @p t's block of the grid: [block_lo(t), block_lo(t + 1)). */
static size_t block_lo(const struct pthreadpool *p, const pool_job *j, size_t t) {
  return (size_t)((uint64_t)j->items * t / p->threads);
}

/* Claim and run items of generation @p gen from thread @p t's block until it
 * is empty; false when the job is no longer generation @p gen. Each claim
 * takes half of what is left (at least one item), so that a grid of
 * thousands of small items costs a few dozen atomic operations while a thief
 * still finds work to take. */
static bool drain_block(struct pthreadpool *p, const pool_job *j, uint32_t gen, size_t t) {
  atomic_uint_fast64_t *slot = &p->slots[t].v;
  const size_t hi = block_lo(p, j, t + 1);
  for (;;) {
    uint_fast64_t v = atomic_load_explicit(slot, memory_order_acquire);
    size_t item, chunk;
    do {
      if ((uint32_t)(v >> 32) != gen) return false;
      item = (size_t)(v & 0xffffffffu);
      if (item >= hi) return true;
      chunk = (hi - item + 1) / 2;
    } while (!atomic_compare_exchange_weak_explicit(slot, &v, v + chunk, memory_order_acq_rel, memory_order_acquire));
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

/* Run thread @p self's own block, then steal from the others' blocks. The
 * static split matters more than it seems: consecutive operators split their
 * grids the same way, so each core mostly reads rows it wrote itself. With
 * one shared counter the rows alternated between cores and every elementwise
 * operator ran *slower* on two threads than on one (cache lines crossing
 * cores), measured on face_landmark. */
static void work(struct pthreadpool *p, const pool_job *j, uint32_t gen, size_t self) {
  for (size_t k = 0; k < p->threads; k++)
    if (!drain_block(p, j, gen, (self + k) % p->threads)) return;
}

static void *worker_main(void *arg) {
  struct pthreadpool *p = ((worker_arg *)arg)->pool;
  const size_t self = ((worker_arg *)arg)->index;
  unsigned seen = 0;
  for (;;) {
    gen_wait gw = {&p->gen_hint, seen};
    if (!spin_until(gen_changed, &gw, WORKER_SPIN_NS)) {
      pthread_mutex_lock(&p->lock);
      atomic_fetch_add(&p->sleepers, 1);
      while (atomic_load(&p->gen_hint) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->wake_cv, &p->lock);
      atomic_fetch_sub(&p->sleepers, 1);
      pthread_mutex_unlock(&p->lock);
    }
    if (atomic_load(&p->stop)) return NULL;
    seen = atomic_load_explicit(&p->gen_hint, memory_order_acquire);
    pool_job j;
    read_job(p, &j);
    /* j.flags is only trusted once a claim succeeds, but setting MXCSR from
     * a torn copy is harmless: it is restored right after. */
    unsigned csr = denormals_off(j.flags);
    work(p, &j, seen, self);
    denormals_restore(j.flags, csr);
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
  pthread_cond_init(&p->wake_cv, NULL);
  pthread_cond_init(&p->done_cv, NULL);
  for (size_t i = 0; i < JOB_WORDS; i++) atomic_init(&p->job_words[i], 0);
  atomic_init(&p->gen_hint, 0);
  atomic_init(&p->stop, false);
  atomic_init(&p->sleepers, 0);
  p->slots = aligned_alloc(_Alignof(pool_slot), threads_count * sizeof *p->slots);
  if (!p->slots) {
    pthreadpool_destroy(p);
    return NULL;
  }
  for (size_t i = 0; i < threads_count; i++) atomic_init(&p->slots[i].v, 0);
  atomic_init(&p->done, 0);
  atomic_init(&p->sleeping_caller, 0);
  if (threads_count > 1) {
    p->workers = calloc(threads_count - 1, sizeof *p->workers);
    p->args = calloc(threads_count - 1, sizeof *p->args);
    if (!p->workers || !p->args) {
      pthreadpool_destroy(p);
      return NULL;
    }
    for (size_t i = 0; i + 1 < threads_count; i++) {
      p->args[i] = (worker_arg){.pool = p, .index = i + 1};
      if (pthread_create(&p->workers[i], NULL, worker_main, &p->args[i]) != 0) {
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
  atomic_store(&p->stop, true);
  pthread_cond_broadcast(&p->wake_cv);
  pthread_mutex_unlock(&p->lock);
  for (size_t i = 0; i < p->started; i++) pthread_join(p->workers[i], NULL);
  free(p->workers);
  free(p->args);
  free(p->slots);
  pthread_cond_destroy(&p->wake_cv);
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
    unsigned csr = denormals_off(j->flags);
    run_items(j, 0, j->items);
    denormals_restore(j->flags, csr);
    return;
  }
  pthread_mutex_lock(&p->call_lock);
  /* Only this thread writes gen_hint, under call_lock. */
  unsigned gen = atomic_load_explicit(&p->gen_hint, memory_order_relaxed) + 1;
  if (gen == 0) gen = 1; /* 0 is the workers' initial "seen" */
  for (size_t t = 0; t < p->threads; t++) atomic_store_explicit(&p->slots[t].v, 0, memory_order_relaxed); /* close */
  publish_job(p, j);
  atomic_store_explicit(&p->done, 0, memory_order_relaxed);
  for (size_t t = 0; t < p->threads; t++)
    atomic_store_explicit(&p->slots[t].v, (uint_fast64_t)gen << 32 | block_lo(p, j, t), memory_order_release);
  atomic_store(&p->gen_hint, gen); /* seq_cst: ordered before the sleepers check */
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->wake_cv);
    pthread_mutex_unlock(&p->lock);
  }

  unsigned csr = denormals_off(j->flags);
  work(p, j, gen, 0);
  denormals_restore(j->flags, csr);

  done_wait dw = {&p->done, j->items};
  spin_until(all_done, &dw, CALLER_SPIN_NS);
  if (atomic_load_explicit(&p->done, memory_order_acquire) < j->items) {
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->sleeping_caller, 1);
    while (atomic_load(&p->done) < j->items) pthread_cond_wait(&p->done_cv, &p->lock);
    atomic_store(&p->sleeping_caller, 0);
    pthread_mutex_unlock(&p->lock);
  }
  pthread_mutex_unlock(&p->call_lock);
}

#define JOB(k, n, fnp, ctxp) pool_job j = {.kind = (k), .fn = (void *)(fnp), .ctx = (ctxp), .dims = (n), .flags = fl}

VP_POOL_API void pthreadpool_parallelize_1d(pthreadpool_t p, pthreadpool_task_1d_t f, void *c, size_t r, uint32_t fl) {
  JOB(J1D, 1, f, c);
  j.range[0] = r, j.tile[0] = 1;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_1d_tile_1d(pthreadpool_t p, pthreadpool_task_1d_tile_1d_t f, void *c,
                                                    size_t r, size_t t, uint32_t fl) {
  JOB(J1D_T1, 1, f, c);
  j.range[0] = r, j.tile[0] = t;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_2d(pthreadpool_t p, pthreadpool_task_2d_t f, void *c, size_t ri, size_t rj,
                                            uint32_t fl) {
  JOB(J2D, 2, f, c);
  j.range[0] = ri, j.range[1] = rj, j.tile[0] = j.tile[1] = 1;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_2d_tile_1d(pthreadpool_t p, pthreadpool_task_2d_tile_1d_t f, void *c,
                                                    size_t ri, size_t rj, size_t tj, uint32_t fl) {
  JOB(J2D_T1, 2, f, c);
  j.range[0] = ri, j.range[1] = rj, j.tile[0] = 1, j.tile[1] = tj;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_2d_tile_2d(pthreadpool_t p, pthreadpool_task_2d_tile_2d_t f, void *c,
                                                    size_t ri, size_t rj, size_t ti, size_t tj, uint32_t fl) {
  JOB(J2D_T2, 2, f, c);
  j.range[0] = ri, j.range[1] = rj, j.tile[0] = ti, j.tile[1] = tj;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_3d(pthreadpool_t p, pthreadpool_task_3d_t f, void *c, size_t ri, size_t rj,
                                            size_t rk, uint32_t fl) {
  JOB(J3D, 3, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk;
  j.tile[0] = j.tile[1] = j.tile[2] = 1;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_3d_tile_2d(pthreadpool_t p, pthreadpool_task_3d_tile_2d_t f, void *c,
                                                    size_t ri, size_t rj, size_t rk, size_t tj, size_t tk,
                                                    uint32_t fl) {
  JOB(J3D_T2, 3, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk;
  j.tile[0] = 1, j.tile[1] = tj, j.tile[2] = tk;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_4d(pthreadpool_t p, pthreadpool_task_4d_t f, void *c, size_t ri, size_t rj,
                                            size_t rk, size_t rl, uint32_t fl) {
  JOB(J4D, 4, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk, j.range[3] = rl;
  j.tile[0] = j.tile[1] = j.tile[2] = j.tile[3] = 1;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_4d_tile_2d(pthreadpool_t p, pthreadpool_task_4d_tile_2d_t f, void *c,
                                                    size_t ri, size_t rj, size_t rk, size_t rl, size_t tk, size_t tl,
                                                    uint32_t fl) {
  JOB(J4D_T2, 4, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk, j.range[3] = rl;
  j.tile[0] = j.tile[1] = 1, j.tile[2] = tk, j.tile[3] = tl;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_5d(pthreadpool_t p, pthreadpool_task_5d_t f, void *c, size_t ri, size_t rj,
                                            size_t rk, size_t rl, size_t rm, uint32_t fl) {
  JOB(J5D, 5, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk, j.range[3] = rl, j.range[4] = rm;
  for (int d = 0; d < 5; d++) j.tile[d] = 1;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_5d_tile_2d(pthreadpool_t p, pthreadpool_task_5d_tile_2d_t f, void *c,
                                                    size_t ri, size_t rj, size_t rk, size_t rl, size_t rm, size_t tl,
                                                    size_t tm, uint32_t fl) {
  JOB(J5D_T2, 5, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk, j.range[3] = rl, j.range[4] = rm;
  j.tile[0] = j.tile[1] = j.tile[2] = 1, j.tile[3] = tl, j.tile[4] = tm;
  run(p, &j);
}

VP_POOL_API void pthreadpool_parallelize_6d_tile_2d(pthreadpool_t p, pthreadpool_task_6d_tile_2d_t f, void *c,
                                                    size_t ri, size_t rj, size_t rk, size_t rl, size_t rm, size_t rn,
                                                    size_t tm, size_t tn, uint32_t fl) {
  JOB(J6D_T2, 6, f, c);
  j.range[0] = ri, j.range[1] = rj, j.range[2] = rk, j.range[3] = rl, j.range[4] = rm, j.range[5] = rn;
  j.tile[0] = j.tile[1] = j.tile[2] = j.tile[3] = 1, j.tile[4] = tm, j.tile[5] = tn;
  run(p, &j);
}
