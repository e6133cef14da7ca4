/* Bounded queue between pipeline workers (layer: pipeline, private).
 *
 * A ring of item pointers with a capacity and a policy for a full queue:
 * block (the producer waits), drop-oldest (the oldest item is dropped) or
 * drop-newest (the item being pushed is dropped). Dropped items are handed to
 * the queue's drop callback and counted. End of stream is a status: after
 * vp__queue_close(q, status) the consumer pops the remaining items and then
 * gets that status (VP_EOF for a normal end). vp__queue_cancel() wakes every
 * waiter at once and drops what is left (abort path). */
#ifndef VP_PIPELINE_QUEUE_H
#define VP_PIPELINE_QUEUE_H

#include <stdbool.h>

#include "vpipe/pipeline.h"

typedef struct vp__queue vp__queue;

typedef struct vp__queue_counters {
  int64_t pushed, popped, dropped;
  int32_t size, capacity, high_water;
} vp__queue_counters;

/* @drop (may be NULL) receives every dropped or cancelled item. */
vp_status vp__queue_create(int32_t capacity, vp_queue_policy policy,
                           void (*drop)(void *ctx, void *item), void *drop_ctx, vp__queue **out);
/* Frees items still queued through the drop callback (not counted as drops). */
void vp__queue_destroy(vp__queue *q);

/* Push @item (ownership passes to the queue, also when it is dropped).
 * @return VP_OK (queued, or dropped by the policy: see @dropped),
 *         VP_ECANCELED / the close status when the queue no longer accepts items
 *         (the item is then dropped through the callback). */
vp_status vp__queue_push(vp__queue *q, void *item, bool *dropped);

/* Pop the oldest item; waits while empty and open.
 * @return VP_OK with *item, or the close status (VP_EOF, an error, VP_ECANCELED). */
vp_status vp__queue_pop(vp__queue *q, void **item);

/* No more pushes; the consumer drains, then sees @status. First close wins. */
void vp__queue_close(vp__queue *q, vp_status status);
/* Abort: drop everything queued, fail every push and pop with VP_ECANCELED. */
void vp__queue_cancel(vp__queue *q);

void vp__queue_counters_get(vp__queue *q, vp__queue_counters *out);

#endif
