/* Bounded queue between pipeline workers (layer: pipeline).
 *
 * DESIGN: one mutex per queue guards the ring, the counters and the state;
 * two condition variables: not_empty (consumer waits) and not_full (producer
 * waits, block policy only). Items dropped by a policy are released through
 * the drop callback after the mutex is released, so the callback may take
 * other locks (frame pools). Lock order: queue lock is a leaf.
 */
#include "pipeline/queue.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/error.h"

struct vp__queue {
  pthread_mutex_t lock;
  pthread_cond_t not_empty, not_full;
  void **ring;
  int32_t capacity, head, size;
  vp_queue_policy policy;
  vp_status closed; /* VP_OK while open */
  bool canceled;
  void (*drop)(void *ctx, void *item);
  void *drop_ctx;
  int64_t pushed, popped, dropped;
  int32_t high_water;
};

vp_status vp__queue_create(int32_t capacity, vp_queue_policy policy,
                           void (*drop)(void *ctx, void *item), void *drop_ctx, vp__queue **out) {
  if (capacity < 1 || capacity > 1 << 20)
    return vp__error(VP_EINVAL, "queue capacity %d out of range [1, %d]", capacity, 1 << 20);
  if (policy == VP_QUEUE_AUTO) policy = VP_QUEUE_BLOCK;
  if (policy != VP_QUEUE_BLOCK && policy != VP_QUEUE_DROP_OLDEST && policy != VP_QUEUE_DROP_NEWEST)
    return vp__error(VP_EINVAL, "queue policy %d unknown", (int)policy);
  vp__queue *q = calloc(1, sizeof *q);
  if (!q || !(q->ring = calloc((size_t)capacity, sizeof *q->ring))) {
    free(q);
    return vp__error(VP_ENOMEM, "queue: out of memory");
  }
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->not_empty, NULL);
  pthread_cond_init(&q->not_full, NULL);
  q->capacity = capacity;
  q->policy = policy;
  q->drop = drop;
  q->drop_ctx = drop_ctx;
  *out = q;
  return VP_OK;
}

static void release(vp__queue *q, void *item) {
  if (item && q->drop) q->drop(q->drop_ctx, item);
}

void vp__queue_destroy(vp__queue *q) {
  if (!q) return;
  for (int32_t i = 0; i < q->size; i++) release(q, q->ring[(q->head + i) % q->capacity]);
  pthread_cond_destroy(&q->not_empty);
  pthread_cond_destroy(&q->not_full);
  pthread_mutex_destroy(&q->lock);
  free(q->ring);
  free(q);
}

vp_status vp__queue_push(vp__queue *q, void *item, bool *dropped) {
  void *victim = NULL;
  vp_status st = VP_OK;
  bool was_dropped = false;
  pthread_mutex_lock(&q->lock);
  if (q->policy == VP_QUEUE_BLOCK)
    while (q->size == q->capacity && !q->closed && !q->canceled)
      pthread_cond_wait(&q->not_full, &q->lock);
  if (q->canceled) {
    st = VP_ECANCELED;
    victim = item;
  } else if (q->closed) {
    st = q->closed;
    victim = item;
  } else if (q->size == q->capacity) {
    was_dropped = true;
    q->dropped++;
    q->pushed++;
    if (q->policy == VP_QUEUE_DROP_NEWEST) {
      victim = item;
    } else { /* drop-oldest: replace the head */
      victim = q->ring[q->head];
      q->head = (q->head + 1) % q->capacity;
      q->ring[(q->head + q->size - 1) % q->capacity] = item;
      pthread_cond_signal(&q->not_empty);
    }
  } else {
    q->ring[(q->head + q->size) % q->capacity] = item;
    q->size++;
    q->pushed++;
    if (q->size > q->high_water) q->high_water = q->size;
    pthread_cond_signal(&q->not_empty);
  }
  pthread_mutex_unlock(&q->lock);
  release(q, victim);
  if (dropped) *dropped = was_dropped;
  return st;
}

vp_status vp__queue_pop(vp__queue *q, void **item) {
  vp_status st;
  pthread_mutex_lock(&q->lock);
  while (q->size == 0 && !q->closed && !q->canceled) pthread_cond_wait(&q->not_empty, &q->lock);
  if (q->canceled) {
    st = VP_ECANCELED;
  } else if (q->size > 0) {
    *item = q->ring[q->head];
    q->ring[q->head] = NULL;
    q->head = (q->head + 1) % q->capacity;
    q->size--;
    q->popped++;
    pthread_cond_signal(&q->not_full);
    st = VP_OK;
  } else {
    st = q->closed;
  }
  pthread_mutex_unlock(&q->lock);
  return st;
}

void vp__queue_close(vp__queue *q, vp_status status) {
  if (status == VP_OK) status = VP_EOF;
  pthread_mutex_lock(&q->lock);
  if (!q->closed) q->closed = status;
  pthread_cond_broadcast(&q->not_empty);
  pthread_cond_broadcast(&q->not_full);
  pthread_mutex_unlock(&q->lock);
}

void vp__queue_cancel(vp__queue *q) {
  pthread_mutex_lock(&q->lock);
  q->canceled = true;
  int32_t n = q->size, head = q->head;
  void **items = NULL;
  if (n > 0 && (items = malloc((size_t)n * sizeof *items)))
    for (int32_t i = 0; i < n; i++) items[i] = q->ring[(head + i) % q->capacity];
  if (items) q->size = 0; /* else: left for vp__queue_destroy */
  pthread_cond_broadcast(&q->not_empty);
  pthread_cond_broadcast(&q->not_full);
  pthread_mutex_unlock(&q->lock);
  if (items) {
    for (int32_t i = 0; i < n; i++) release(q, items[i]);
    free(items);
  }
}

void vp__queue_counters_get(vp__queue *q, vp__queue_counters *out) {
  pthread_mutex_lock(&q->lock);
  out->pushed = q->pushed;
  out->popped = q->popped;
  out->dropped = q->dropped;
  out->size = q->size;
  out->capacity = q->capacity;
  out->high_water = q->high_water;
  pthread_mutex_unlock(&q->lock);
}
