/* Frames and pools: refcounts, padding, wrap, bounded pools (no allocation in
 * steady state), destroy with frames out, blocking get and cancel, conversion. */
#include <pthread.h>
#include <stdatomic.h>

#include "common/check.h"
#include "vpipe/image.h"

static int wrap_freed;
static void on_free(void *opaque) { wrap_freed += *(int *)opaque; }

static void test_alloc_ref(void) {
  vp_frame *f = NULL;
  CHECK_STATUS(vp_frame_alloc(33, 17, VP_PIXFMT_YUV420P, &f), VP_OK);
  CHECK_INT_EQ(f->width, 33);
  CHECK(f->linesize[0] >= 33 && f->linesize[1] >= 17 && f->linesize[2] >= 17);
  CHECK_INT_EQ(f->linesize[0] % 64, 0);
  CHECK_INT_EQ(f->pts_ns, INT64_MIN);
  CHECK_INT_EQ(f->deadline_ns, INT64_MAX);
  /* Every plane can be over-read by VP_FRAME_PADDING bytes (ASan checks). */
  volatile uint8_t sink = 0;
  sink ^= f->data[2][(size_t)f->linesize[2] * 8 + 16 + VP_FRAME_PADDING - 1];
  (void)sink;
  CHECK(vp_frame_is_writable(f));
  vp_frame *g = vp_frame_ref(f);
  CHECK(g == f);
  CHECK(!vp_frame_is_writable(f));
  vp_frame_unref(&g);
  CHECK(g == NULL);
  CHECK(vp_frame_is_writable(f));
  vp_frame_unref(&f);
  CHECK(f == NULL);
  vp_frame_unref(&f); /* NULL is fine */
  vp_frame_unref(NULL);

  CHECK_STATUS(vp_frame_alloc(0, 5, VP_PIXFMT_RGB24, &f), VP_EINVAL);
  CHECK_STATUS(vp_frame_alloc(5, 5, (vp_pixfmt)99, &f), VP_EINVAL);
  CHECK(f == NULL);
}

static void test_wrap(void) {
  static uint8_t pixels[4 * 3 * 2 + VP_FRAME_PADDING];
  uint8_t *data[VP_FRAME_MAX_PLANES] = {pixels};
  int32_t ls[VP_FRAME_MAX_PLANES] = {12};
  int one = 1;
  vp_frame *f = NULL;
  wrap_freed = 0;
  CHECK_STATUS(vp_frame_wrap(4, 2, VP_PIXFMT_RGB24, data, ls, on_free, &one, &f), VP_OK);
  CHECK(f->data[0] == pixels);
  vp_frame *g = vp_frame_ref(f);
  vp_frame_unref(&f);
  CHECK_INT_EQ(wrap_freed, 0);
  vp_frame_unref(&g);
  CHECK_INT_EQ(wrap_freed, 1);
  int32_t bad[VP_FRAME_MAX_PLANES] = {11};
  CHECK_STATUS(vp_frame_wrap(4, 2, VP_PIXFMT_RGB24, data, bad, on_free, &one, &f), VP_EINVAL);
}

static void test_pool_steady_state(void) {
  vp_frame_pool_options o = vp_frame_pool_options_default();
  o.width = 64;
  o.height = 48;
  o.format = VP_PIXFMT_RGB24;
  o.capacity = 3;
  vp_frame_pool *pool = NULL;
  CHECK_STATUS(vp_frame_pool_create(&o, &pool), VP_OK);
  vp_frame *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  CHECK_STATUS(vp_frame_pool_get(pool, &a), VP_OK);
  CHECK_STATUS(vp_frame_pool_get(pool, &b), VP_OK);
  CHECK_STATUS(vp_frame_pool_get(pool, &c), VP_OK);
  CHECK_STATUS(vp_frame_pool_get(pool, &d), VP_EAGAIN); /* bounded */
  CHECK(d == NULL);
  a->seq = 42;
  a->pts_ns = 7;
  vp_frame_unref(&a);
  vp_frame_unref(&b);
  vp_frame_unref(&c);
  vp_frame_pool_stats s;
  vp_frame_pool_stats_get(pool, &s);
  CHECK_INT_EQ(s.allocations, 3);
  CHECK_INT_EQ(s.in_use, 0);
  CHECK_INT_EQ(s.high_water, 3);
  /* Steady state: 1000 frames through the pool, two out at a time, no allocation. */
  for (int i = 0; i < 1000; i++) {
    CHECK_STATUS(vp_frame_pool_get(pool, &a), VP_OK);
    CHECK_STATUS(vp_frame_pool_get(pool, &b), VP_OK);
    if (i == 0) {
      CHECK_INT_EQ(a->pts_ns, INT64_MIN); /* timestamps reset */
      CHECK_INT_EQ(a->seq, 0);
    }
    CHECK_INT_EQ(a->width, 64);
    vp_frame *r = vp_frame_ref(a);
    vp_frame_unref(&a);
    vp_frame_unref(&r);
    vp_frame_unref(&b);
  }
  vp_frame_pool_stats_get(pool, &s);
  CHECK_INT_EQ(s.allocations, 3);
  CHECK_INT_EQ(s.allocated, 3);
  CHECK_INT_EQ(s.gets, 3 + 2000);
  CHECK_INT_EQ(s.in_use, 0);

  /* Destroy while frames are out: they stay valid and are freed on last unref. */
  CHECK_STATUS(vp_frame_pool_get(pool, &a), VP_OK);
  CHECK_STATUS(vp_frame_pool_get(pool, &b), VP_OK);
  vp_frame *a2 = vp_frame_ref(a);
  vp_frame_pool_destroy(pool);
  memset(a->data[0], 1, (size_t)a->linesize[0] * a->height);
  vp_frame_unref(&a);
  vp_frame_unref(&b);
  CHECK(a2->data[0][0] == 1);
  vp_frame_unref(&a2); /* frees the pool struct (ASan/LSan check) */

  o.capacity = 0;
  CHECK_STATUS(vp_frame_pool_create(&o, &pool), VP_EINVAL);
}

typedef struct {
  vp_frame_pool *pool;
  atomic_int state; /* 0 waiting, 1 got a frame, 2 canceled */
  vp_frame *got;
} getter;

static void *getter_main(void *p) {
  getter *g = p;
  vp_status st = vp_frame_pool_get(g->pool, &g->got);
  atomic_store(&g->state, st == VP_OK ? 1 : st == VP_ECANCELED ? 2 : 3);
  return NULL;
}

static void test_pool_blocking(void) {
  vp_frame_pool_options o = vp_frame_pool_options_default();
  o.width = 8;
  o.height = 8;
  o.format = VP_PIXFMT_GRAY8;
  o.capacity = 1;
  o.blocking = true;
  vp_frame_pool *pool = NULL;
  CHECK_STATUS(vp_frame_pool_create(&o, &pool), VP_OK);
  vp_frame *a = NULL;
  CHECK_STATUS(vp_frame_pool_get(pool, &a), VP_OK);
  /* A blocked get wakes when a frame comes back. */
  getter g = {.pool = pool};
  pthread_t t;
  pthread_create(&t, NULL, getter_main, &g);
  vp_frame_unref(&a);
  pthread_join(t, NULL);
  CHECK_INT_EQ(atomic_load(&g.state), 1);
  /* ... and fails with VP_ECANCELED on cancel. */
  getter h = {.pool = pool};
  pthread_create(&t, NULL, getter_main, &h);
  vp_frame_pool_cancel(pool);
  pthread_join(t, NULL);
  CHECK_INT_EQ(atomic_load(&h.state), 2);
  CHECK(h.got == NULL);
  vp_frame_unref(&g.got);
  vp_frame_pool_destroy(pool);
}

/* Refcount races: many threads ref/unref the same frame. */
static void *hammer(void *p) {
  vp_frame *f = p;
  for (int i = 0; i < 20000; i++) {
    vp_frame *r = vp_frame_ref(f);
    vp_frame_unref(&r);
  }
  return NULL;
}

static void test_refcount_threads(void) {
  vp_frame *f = NULL;
  CHECK_STATUS(vp_frame_alloc(4, 4, VP_PIXFMT_RGB24, &f), VP_OK);
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, hammer, f);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  CHECK(vp_frame_is_writable(f));
  vp_frame_unref(&f);
}

static void fill_pattern(vp_frame *f) {
  for (int32_t y = 0; y < f->height; y++)
    for (int32_t x = 0; x < f->width; x++) {
      uint8_t *p = f->data[0] + (size_t)y * f->linesize[0] + 3 * x;
      p[0] = (uint8_t)(x * 4);
      p[1] = (uint8_t)(y * 4);
      p[2] = (uint8_t)(128 + (x - y));
    }
}

static void test_convert(void) {
  vp_frame *rgb = NULL, *yuv = NULL, *back = NULL, *bgr = NULL, *rgb2 = NULL, *small = NULL;
  CHECK_STATUS(vp_frame_alloc(64, 48, VP_PIXFMT_RGB24, &rgb), VP_OK);
  fill_pattern(rgb);
  rgb->pts_ns = 1234;
  rgb->seq = 5;
  /* Exact round trip through a packed reordering. */
  CHECK_STATUS(vp_frame_alloc(64, 48, VP_PIXFMT_BGR24, &bgr), VP_OK);
  CHECK_STATUS(vp_frame_alloc(64, 48, VP_PIXFMT_RGB24, &rgb2), VP_OK);
  CHECK_STATUS(vp_frame_convert(rgb, bgr), VP_OK);
  CHECK_INT_EQ(bgr->data[0][0], rgb->data[0][2]);
  CHECK_STATUS(vp_frame_convert(bgr, rgb2), VP_OK);
  int diff = 0;
  for (int y = 0; y < 48; y++)
    diff += memcmp(rgb->data[0] + y * rgb->linesize[0], rgb2->data[0] + y * rgb2->linesize[0], 64 * 3) != 0;
  CHECK_INT_EQ(diff, 0);
  CHECK_INT_EQ(rgb2->pts_ns, 1234);
  CHECK_INT_EQ(rgb2->seq, 5);
  /* Lossy round trip through YUV 4:2:0: close to the original. */
  CHECK_STATUS(vp_frame_alloc(64, 48, VP_PIXFMT_YUV420P, &yuv), VP_OK);
  CHECK_STATUS(vp_frame_alloc(64, 48, VP_PIXFMT_RGB24, &back), VP_OK);
  CHECK_STATUS(vp_frame_convert(rgb, yuv), VP_OK);
  CHECK_STATUS(vp_frame_convert(yuv, back), VP_OK);
  double err = 0;
  for (int y = 0; y < 48; y++)
    for (int x = 0; x < 64 * 3; x++)
      err += fabs((double)rgb->data[0][y * rgb->linesize[0] + x] - back->data[0][y * back->linesize[0] + x]);
  err /= 64 * 48 * 3;
  CHECK(err < 4.0);
  /* Scaling down keeps the mean colour. */
  CHECK_STATUS(vp_frame_alloc(32, 24, VP_PIXFMT_RGB24, &small), VP_OK);
  CHECK_STATUS(vp_frame_convert(rgb, small), VP_OK);
  CHECK_NEAR(small->data[0][12 * small->linesize[0] + 16 * 3 + 0], rgb->data[0][24 * rgb->linesize[0] + 32 * 3], 6);
  CHECK_STATUS(vp_frame_convert(rgb, rgb), VP_EINVAL);
  /* Float masks to 8-bit gray (for mask PNGs). */
  vp_frame *mf = NULL, *m8 = NULL;
  CHECK_STATUS(vp_frame_alloc(16, 8, VP_PIXFMT_GRAYF32, &mf), VP_OK);
  CHECK_STATUS(vp_frame_alloc(16, 8, VP_PIXFMT_GRAY8, &m8), VP_OK);
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 16; x++) ((float *)(mf->data[0] + y * mf->linesize[0]))[x] = x / 15.0f;
  CHECK_STATUS(vp_frame_convert(mf, m8), VP_OK);
  CHECK_NEAR(m8->data[0][0], 0, 1);
  CHECK_NEAR(m8->data[0][15], 255, 1);
  CHECK_NEAR(m8->data[0][5 * m8->linesize[0] + 7], 7 * 17, 2);
  vp_frame_unref(&mf);
  vp_frame_unref(&m8);
  vp_frame_unref(&rgb);
  vp_frame_unref(&yuv);
  vp_frame_unref(&back);
  vp_frame_unref(&bgr);
  vp_frame_unref(&rgb2);
  vp_frame_unref(&small);
}

int main(void) {
  test_alloc_ref();
  test_wrap();
  test_pool_steady_state();
  test_pool_blocking();
  test_refcount_threads();
  test_convert();
  return TEST_EXIT();
}
