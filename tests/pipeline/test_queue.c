/* Bounded queue: policies, counters, end-of-stream status, cancel, ordering. */
#include <pthread.h>
#include <stdint.h>

#include "common/check.h"
#include "pipeline/queue.h"

static int dropped_items[64];
static int n_dropped_items;
static void on_drop(void *ctx, void *item) {
  (void)ctx;
  dropped_items[n_dropped_items++] = (int)(intptr_t)item;
}
#define ITEM(i) ((void *)(intptr_t)(i))

static void test_drop_oldest(void) {
  vp__queue *q;
  n_dropped_items = 0;
  CHECK_STATUS(vp__queue_create(2, VP_QUEUE_DROP_OLDEST, on_drop, NULL, &q), VP_OK);
  bool d;
  for (int i = 1; i <= 5; i++) {
    CHECK_STATUS(vp__queue_push(q, ITEM(i), &d), VP_OK);
    CHECK_INT_EQ(d, i > 2);
  }
  void *it;
  CHECK_STATUS(vp__queue_pop(q, &it), VP_OK);
  CHECK_INT_EQ((intptr_t)it, 4);
  CHECK_STATUS(vp__queue_pop(q, &it), VP_OK);
  CHECK_INT_EQ((intptr_t)it, 5);
  CHECK_INT_EQ(n_dropped_items, 3);
  CHECK_INT_EQ(dropped_items[0], 1);
  CHECK_INT_EQ(dropped_items[2], 3);
  vp__queue_counters c;
  vp__queue_counters_get(q, &c);
  CHECK_INT_EQ(c.pushed, 5);
  CHECK_INT_EQ(c.popped, 2);
  CHECK_INT_EQ(c.dropped, 3);
  CHECK_INT_EQ(c.high_water, 2);
  CHECK_INT_EQ(c.size, 0);
  vp__queue_destroy(q);
}

static void test_drop_newest(void) {
  vp__queue *q;
  n_dropped_items = 0;
  CHECK_STATUS(vp__queue_create(2, VP_QUEUE_DROP_NEWEST, on_drop, NULL, &q), VP_OK);
  for (int i = 1; i <= 4; i++) CHECK_STATUS(vp__queue_push(q, ITEM(i), NULL), VP_OK);
  void *it;
  CHECK_STATUS(vp__queue_pop(q, &it), VP_OK);
  CHECK_INT_EQ((intptr_t)it, 1);
  CHECK_STATUS(vp__queue_pop(q, &it), VP_OK);
  CHECK_INT_EQ((intptr_t)it, 2);
  CHECK_INT_EQ(n_dropped_items, 2);
  CHECK_INT_EQ(dropped_items[0], 3);
  CHECK_INT_EQ(dropped_items[1], 4);
  vp__queue_counters c;
  vp__queue_counters_get(q, &c);
  CHECK_INT_EQ(c.dropped, 2);
  vp__queue_destroy(q);
}

static void test_close_status(void) {
  vp__queue *q;
  n_dropped_items = 0;
  CHECK_STATUS(vp__queue_create(2, VP_QUEUE_BLOCK, on_drop, NULL, &q), VP_OK);
  CHECK_STATUS(vp__queue_push(q, ITEM(7), NULL), VP_OK);
  vp__queue_close(q, VP_EIO);
  vp__queue_close(q, VP_EOF); /* first close wins */
  CHECK_STATUS(vp__queue_push(q, ITEM(8), NULL), VP_EIO); /* refused, released */
  CHECK_INT_EQ(n_dropped_items, 1);
  void *it = NULL;
  CHECK_STATUS(vp__queue_pop(q, &it), VP_OK); /* queued items are still delivered */
  CHECK_INT_EQ((intptr_t)it, 7);
  CHECK_STATUS(vp__queue_pop(q, &it), VP_EIO);
  CHECK_STATUS(vp__queue_pop(q, &it), VP_EIO);
  vp__queue_destroy(q);

  CHECK_STATUS(vp__queue_create(1, VP_QUEUE_BLOCK, NULL, NULL, &q), VP_OK);
  vp__queue_close(q, VP_OK); /* VP_OK means a normal end: VP_EOF */
  CHECK_STATUS(vp__queue_pop(q, &it), VP_EOF);
  vp__queue_destroy(q);

  CHECK_STATUS(vp__queue_create(0, VP_QUEUE_BLOCK, NULL, NULL, &q), VP_EINVAL);
}

/* Block policy: a producer of N items against a consumer; nothing lost, in order. */
typedef struct {
  vp__queue *q;
  int n;
} prod_arg;

static void *producer(void *arg) {
  prod_arg *a = arg;
  for (int i = 0; i < a->n; i++) vp__queue_push(a->q, ITEM(i + 1), NULL);
  vp__queue_close(a->q, VP_EOF);
  return NULL;
}

static void test_block_order(void) {
  vp__queue *q;
  n_dropped_items = 0;
  CHECK_STATUS(vp__queue_create(2, VP_QUEUE_BLOCK, on_drop, NULL, &q), VP_OK);
  prod_arg a = {q, 20000};
  pthread_t t;
  pthread_create(&t, NULL, producer, &a);
  int expect = 1, bad = 0;
  void *it;
  vp_status st;
  while ((st = vp__queue_pop(q, &it)) == VP_OK) bad += (intptr_t)it != expect++;
  pthread_join(t, NULL);
  CHECK_STATUS(st, VP_EOF);
  CHECK_INT_EQ(bad, 0);
  CHECK_INT_EQ(expect - 1, 20000);
  vp__queue_counters c;
  vp__queue_counters_get(q, &c);
  CHECK_INT_EQ(c.dropped, 0);
  CHECK_INT_EQ(c.pushed, 20000);
  CHECK(c.high_water >= 1 && c.high_water <= 2);
  CHECK_INT_EQ(n_dropped_items, 0);
  vp__queue_destroy(q);
}

/* Cancel wakes a consumer blocked on an empty queue. */
static void *consumer(void *arg) {
  void *it;
  return (void *)(intptr_t)vp__queue_pop(arg, &it);
}

static void test_cancel(void) {
  vp__queue *q;
  n_dropped_items = 0;
  CHECK_STATUS(vp__queue_create(2, VP_QUEUE_BLOCK, on_drop, NULL, &q), VP_OK);
  pthread_t t;
  pthread_create(&t, NULL, consumer, q);
  vp__queue_cancel(q);
  void *ret;
  pthread_join(t, &ret);
  CHECK_INT_EQ((intptr_t)ret, VP_ECANCELED);
  CHECK_STATUS(vp__queue_push(q, ITEM(3), NULL), VP_ECANCELED);
  CHECK_INT_EQ(n_dropped_items, 1);
  vp__queue_destroy(q);

  /* items queued at cancel are released */
  n_dropped_items = 0;
  CHECK_STATUS(vp__queue_create(4, VP_QUEUE_BLOCK, on_drop, NULL, &q), VP_OK);
  vp__queue_push(q, ITEM(1), NULL);
  vp__queue_push(q, ITEM(2), NULL);
  vp__queue_cancel(q);
  CHECK_INT_EQ(n_dropped_items, 2);
  vp__queue_destroy(q);
  CHECK_INT_EQ(n_dropped_items, 2);
}

int main(void) {
  test_drop_oldest();
  test_drop_newest();
  test_close_status();
  test_block_order();
  test_cancel();
  return TEST_EXIT();
}
