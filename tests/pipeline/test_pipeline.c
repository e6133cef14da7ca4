/* Pipeline runtime on a synthetic source: ordering, end of stream, stop
 * mid-stream without loss, a slow consumer on a live source (drops counted,
 * memory and lag bounded), errors, latency budgets, results, events and the
 * rate controller. No assertion depends on how fast the machine is. */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "common/check.h"
#include "vpipe/pipeline.h"

#define MS 1000000LL

/* ---- synthetic source ------------------------------------------------------ */

typedef struct src_priv {
  int64_t count;       /* frames to deliver, -1 = until stopped */
  bool live;
  int32_t interval_us; /* live pacing (0: as fast as possible) */
  double fps;          /* pts step */
  int64_t stall_from, stall_to; /* pts gaps of 200 ms for frames in [from, to) */
  int64_t capture_age_ms;       /* capture time this far in the past */
  int32_t pool_capacity;
  vp_frame_pool *pool;
  int64_t n, pts, next_ns;
  atomic_bool interrupted;
  atomic_llong latest; /* seq of the newest frame read */
} src_priv;

static const vp_option src_options[] = {
    {"count", "frames", offsetof(src_priv, count), VP_OPT_INT64, "100", -1, 1e9, NULL, NULL},
    {"live", "live source", offsetof(src_priv, live), VP_OPT_BOOL, "0", 0, 0, NULL, NULL},
    {"interval-us", "pacing", offsetof(src_priv, interval_us), VP_OPT_INT, "0", 0, 1e6, NULL, NULL},
    {"fps", "frame rate", offsetof(src_priv, fps), VP_OPT_DOUBLE, "30", 1, 1000, NULL, NULL},
    {"stall-from", "", offsetof(src_priv, stall_from), VP_OPT_INT64, "-1", -1, 1e9, NULL, NULL},
    {"stall-to", "", offsetof(src_priv, stall_to), VP_OPT_INT64, "-1", -1, 1e9, NULL, NULL},
    {"capture-age-ms", "", offsetof(src_priv, capture_age_ms), VP_OPT_INT64, "0", 0, 1e6, NULL, NULL},
    {"pool", "pool capacity", offsetof(src_priv, pool_capacity), VP_OPT_INT, "8", 1, 64, NULL, NULL},
    {NULL},
};

static vp_status src_init(vp_stage *st, vp_stream_info *info) {
  src_priv *s = vp_stage_priv(st);
  vp_frame_pool_options po = vp_frame_pool_options_default();
  po.width = 16;
  po.height = 8;
  po.format = VP_PIXFMT_GRAY8;
  po.capacity = s->pool_capacity;
  po.blocking = false; /* exceeding the bound is an error, not a wait */
  vp_status r = vp_frame_pool_create(&po, &s->pool);
  if (r) return r;
  info->live = s->live;
  info->frame_count = s->count;
  info->fps = s->fps;
  info->width = 16;
  info->height = 8;
  atomic_init(&s->latest, -1);
  return VP_OK;
}

static vp_status src_read(vp_stage *st, const vp_source_hint *hint, vp_frame **out) {
  (void)hint;
  src_priv *s = vp_stage_priv(st);
  if (atomic_load(&s->interrupted)) return VP_ECANCELED;
  if (s->count >= 0 && s->n >= s->count) return VP_EOF;
  if (s->interval_us > 0) { /* a camera: one frame per interval */
    if (!s->next_ns) s->next_ns = vp_time_ns();
    s->next_ns += s->interval_us * 1000LL;
    struct timespec ts = {s->next_ns / 1000000000, s->next_ns % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
    }
  }
  vp_frame *f;
  vp_status r = vp_frame_pool_get(s->pool, &f);
  if (r) return r;
  memset(f->data[0], (int)(s->n & 0xff), (size_t)f->linesize[0] * 8);
  f->seq = s->n;
  f->pts_ns = s->pts;
  f->capture_ns = vp_time_ns() - s->capture_age_ms * MS;
  f->flags = s->n % 10 == 0 ? VP_FRAME_FLAG_KEY : 0;
  bool stall = s->n + 1 >= s->stall_from && s->n + 1 < s->stall_to;
  s->pts += stall ? 200 * MS : (int64_t)(1e9 / s->fps);
  atomic_store(&s->latest, s->n);
  s->n++;
  *out = f;
  return VP_OK;
}

static void src_interrupt(vp_stage *st) {
  src_priv *s = vp_stage_priv(st);
  atomic_store(&s->interrupted, true);
}

static void src_uninit(vp_stage *st) {
  src_priv *s = vp_stage_priv(st);
  vp_frame_pool_destroy(s->pool);
}

static const vp_stage_class synth_source = {
    .name = "synth",
    .kind = VP_STAGE_SOURCE,
    .priv_size = sizeof(src_priv),
    .options = src_options,
    .init = src_init,
    .read = src_read,
    .interrupt = src_interrupt,
    .uninit = src_uninit,
};

/* ---- a task stage that attaches a result, and a recording sink ---------- */

static atomic_int results_alive;
static void result_free(void *d) {
  atomic_fetch_sub(&results_alive, 1);
  free(d);
}
static const vp_result_type seq_result = {.name = "seq_copy", .free = result_free};

typedef struct hooks {
  /* test-controlled behaviour */
  int32_t delay_us;        /* work per frame in the infer stage */
  int64_t fail_at;         /* infer fails on this seq (-1 never) */
  vp_stage *source;        /* to read the source's newest seq */
  /* observations */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int64_t seqs[4096];
  uint32_t flags[4096];
  int64_t n_seen;
  int64_t max_lag;
  int flushes_infer, flushes_sink;
  int64_t seen_at_sink_flush;
  int events[8];
  int64_t bad_results;
} hooks;

static vp_status infer_process(vp_stage *st, vp_packet *pkt) {
  hooks *h = vp_stage_opaque(st);
  if (h->fail_at >= 0 && pkt->seq == h->fail_at) return VP_EIO;
  if (h->source) {
    src_priv *s = vp_stage_priv(h->source);
    int64_t lag = atomic_load(&s->latest) - pkt->seq;
    pthread_mutex_lock(&h->lock);
    if (lag > h->max_lag) h->max_lag = lag;
    pthread_mutex_unlock(&h->lock);
  }
  if (h->delay_us > 0 && !(pkt->flags & (VP_FRAME_FLAG_SKIPPED | VP_FRAME_FLAG_LATE))) {
    struct timespec ts = {0, h->delay_us * 1000L};
    nanosleep(&ts, NULL);
  }
  if (!(pkt->flags & VP_FRAME_FLAG_SKIPPED)) {
    int64_t *d = malloc(sizeof *d);
    *d = pkt->seq;
    atomic_fetch_add(&results_alive, 1);
    CHECK_STATUS(vp_packet_set_result(pkt, &seq_result, d), VP_OK);
  }
  return VP_OK;
}

static vp_status infer_flush(vp_stage *st) {
  hooks *h = vp_stage_opaque(st);
  pthread_mutex_lock(&h->lock);
  h->flushes_infer++;
  pthread_mutex_unlock(&h->lock);
  return VP_OK;
}

static const vp_stage_class test_infer = {
    .name = "test-infer",
    .kind = VP_STAGE_INFER,
    .flags = VP_STAGE_FLAG_THREAD,
    .process = infer_process,
    .flush = infer_flush,
};
static const vp_stage_class test_infer_cheap = {
    .name = "test-infer-cheap",
    .kind = VP_STAGE_INFER,
    .flags = VP_STAGE_FLAG_THREAD | VP_STAGE_FLAG_CHEAP_PATH,
    .process = infer_process,
    .flush = infer_flush,
};

static vp_status sink_process(vp_stage *st, vp_packet *pkt) {
  hooks *h = vp_stage_opaque(st);
  pthread_mutex_lock(&h->lock);
  if (h->n_seen < 4096) {
    h->seqs[h->n_seen] = pkt->seq;
    h->flags[h->n_seen] = pkt->flags;
  }
  h->n_seen++;
  const int64_t *r = vp_packet_get_result(pkt, &seq_result);
  if (!(pkt->flags & VP_FRAME_FLAG_SKIPPED) && (!r || *r != pkt->seq)) h->bad_results++;
  if (!pkt->frame || pkt->frame->seq != pkt->seq || pkt->frame->data[0][0] != (uint8_t)(pkt->seq & 0xff))
    h->bad_results++;
  for (int i = 0; i < pkt->n_events; i++) {
    h->events[pkt->events[i].type]++;
    if (pkt->events[i].seq > pkt->seq) h->bad_results++; /* never ahead of its frame */
  }
  pthread_cond_broadcast(&h->cond);
  pthread_mutex_unlock(&h->lock);
  return VP_OK;
}

static vp_status sink_flush(vp_stage *st) {
  hooks *h = vp_stage_opaque(st);
  pthread_mutex_lock(&h->lock);
  h->flushes_sink++;
  h->seen_at_sink_flush = h->n_seen;
  pthread_mutex_unlock(&h->lock);
  return VP_OK;
}

static const vp_stage_class test_sink = {
    .name = "test-sink",
    .kind = VP_STAGE_SINK,
    .process = sink_process,
    .flush = sink_flush,
};

static void hooks_init(hooks *h) {
  memset(h, 0, sizeof *h);
  h->fail_at = -1;
  pthread_mutex_init(&h->lock, NULL);
  pthread_cond_init(&h->cond, NULL);
}
static void hooks_fini(hooks *h) {
  pthread_mutex_destroy(&h->lock);
  pthread_cond_destroy(&h->cond);
}

static int callback_events[8];
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static void on_event(void *user, const vp_event *e) {
  (void)user;
  pthread_mutex_lock(&cb_lock);
  callback_events[e->type]++;
  pthread_mutex_unlock(&cb_lock);
}

/* Build source → infer → sink (sink added first: order comes from kinds). */
static vp_pipeline *build(const vp_pipeline_options *o, hooks *h, const vp_stage_class *infer,
                          vp_stage **src, const char *const *src_opts) {
  vp_pipeline *p;
  CHECK_STATUS(vp_pipeline_create(o, &p), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &test_sink, h, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &synth_source, NULL, src), VP_OK);
  if (infer) CHECK_STATUS(vp_pipeline_add(p, infer, h, NULL), VP_OK);
  for (int i = 0; src_opts && src_opts[i]; i += 2)
    CHECK_STATUS(vp_stage_set_option(*src, src_opts[i], src_opts[i + 1]), VP_OK);
  return p;
}

static bool in_order(const hooks *h) {
  for (int64_t i = 1; i < h->n_seen && i < 4096; i++)
    if (h->seqs[i] <= h->seqs[i - 1]) return false;
  return true;
}

/* Every frame once, in order, EOS flushes every stage once after the last frame. */
static void test_order_eos(void) {
  hooks h;
  hooks_init(&h);
  vp_pipeline_options o = vp_pipeline_options_default();
  vp_stage *src;
  const char *opts[] = {"count", "1000", NULL};
  vp_pipeline *p = build(&o, &h, &test_infer, &src, opts);
  atomic_store(&results_alive, 0);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  CHECK_STATUS(vp_pipeline_wait(p, -1), VP_OK);
  CHECK_STATUS(vp_pipeline_status(p), VP_OK);
  CHECK_INT_EQ(h.n_seen, 1000);
  CHECK_INT_EQ(h.seen_at_sink_flush, 1000);
  CHECK_INT_EQ(h.flushes_infer, 1);
  CHECK_INT_EQ(h.flushes_sink, 1);
  CHECK_INT_EQ(h.bad_results, 0);
  CHECK(in_order(&h));
  CHECK_INT_EQ(h.seqs[999], 999);
  vp_pipeline_stats s;
  vp_pipeline_stats_get(p, &s);
  CHECK(s.finished);
  CHECK_INT_EQ(s.frames_read, 1000);
  CHECK_INT_EQ(s.frames_done, 1000);
  CHECK_INT_EQ(s.frames_dropped, 0);
  CHECK_INT_EQ(s.n_stages, 3);
  CHECK(!strcmp(s.stages[0].name, "synth") && !strcmp(s.stages[1].name, "test-infer") &&
        !strcmp(s.stages[2].name, "test-sink"));
  CHECK_INT_EQ(s.stages[1].frames_in, 1000);
  CHECK_INT_EQ(s.stages[2].frames_out, 1000);
  CHECK_INT_EQ(s.stages[0].worker, 0);
  CHECK_INT_EQ(s.stages[1].worker, 1);
  CHECK_INT_EQ(s.stages[2].worker, 1); /* light sink runs inline */
  CHECK(s.stages[1].queue_high_water >= 1 && s.stages[1].queue_high_water <= 2);
  CHECK_INT_EQ(s.stages[1].queue_capacity, 2);
  CHECK(s.e2e_p50_ms <= s.e2e_p99_ms && s.e2e_p99_ms <= s.e2e_max_ms);
  vp_pipeline_destroy(p);
  CHECK_INT_EQ(atomic_load(&results_alive), 0);
  hooks_fini(&h);
}

/* Stop mid-stream: everything the source read reaches the sink. */
static void test_stop_midstream(void) {
  hooks h;
  hooks_init(&h);
  h.delay_us = 200;
  vp_pipeline_options o = vp_pipeline_options_default();
  vp_stage *src;
  const char *opts[] = {"count", "-1", NULL};
  vp_pipeline *p = build(&o, &h, &test_infer, &src, opts);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  pthread_mutex_lock(&h.lock);
  while (h.n_seen < 50) pthread_cond_wait(&h.cond, &h.lock);
  pthread_mutex_unlock(&h.lock);
  vp_pipeline_stop(p);
  CHECK_STATUS(vp_pipeline_wait(p, -1), VP_OK);
  CHECK_STATUS(vp_pipeline_status(p), VP_OK);
  vp_pipeline_stats s;
  vp_pipeline_stats_get(p, &s);
  CHECK(s.frames_read >= 50);
  CHECK_INT_EQ(h.n_seen, s.frames_read); /* nothing read was lost */
  CHECK_INT_EQ(s.frames_done, s.frames_read);
  CHECK_INT_EQ(h.seen_at_sink_flush, h.n_seen);
  CHECK_INT_EQ(h.flushes_sink, 1);
  CHECK(in_order(&h));
  CHECK_INT_EQ(h.seqs[h.n_seen - 1], h.n_seen - 1);
  vp_pipeline_destroy(p);
  hooks_fini(&h);
}

/* A live source 15× faster than its consumer: the queue drops the oldest,
 * drops are counted exactly, frames in memory and the lag stay bounded. */
static void test_slow_consumer_live(void) {
  hooks h;
  hooks_init(&h);
  h.delay_us = 30000;
  vp_pipeline_options o = vp_pipeline_options_default(); /* AUTO: drop-oldest for live */
  o.adaptive_rate = false;
  vp_stage *src;
  const char *opts[] = {"count", "150", "live", "1", "interval-us", "2000", NULL};
  vp_pipeline *p = build(&o, &h, &test_infer, &src, opts);
  h.source = src;
  atomic_store(&results_alive, 0);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  CHECK_STATUS(vp_pipeline_wait(p, -1), VP_OK);
  CHECK_STATUS(vp_pipeline_status(p), VP_OK);
  vp_pipeline_stats s;
  vp_pipeline_stats_get(p, &s);
  CHECK_INT_EQ(s.frames_read, 150);
  CHECK(s.frames_dropped > 0);
  CHECK_INT_EQ(s.frames_done + s.frames_dropped, s.frames_read); /* exact accounting */
  CHECK_INT_EQ(s.stages[1].dropped, s.frames_dropped);
  CHECK_INT_EQ(h.n_seen, s.frames_done);
  CHECK(in_order(&h));
  /* the newest frame always gets through: the stream's end is not lost */
  CHECK_INT_EQ(h.seqs[h.n_seen - 1], 149);
  /* memory: frames alive ≤ queue (2) + the one being pushed + the one in work.
   * Latency in frames follows: a frame waits behind at most the queue's
   * capacity, so it starts work ≤ 3 frame intervals after capture (stated as a
   * bound on frames, not on time, so a loaded machine cannot break it). */
  vp_frame_pool_stats ps;
  vp_frame_pool_stats_get(((src_priv *)vp_stage_priv(src))->pool, &ps);
  CHECK(ps.high_water <= 4);
  CHECK(s.stages[1].queue_high_water <= 2);
  CHECK(h.max_lag >= 1); /* the consumer did fall behind */
  vp_pipeline_destroy(p);
  CHECK_INT_EQ(atomic_load(&results_alive), 0); /* results of dropped frames freed too */
  hooks_fini(&h);
}

/* A stage error ends the job with that error; frames before it are kept and
 * the sink is still flushed. */
static void test_stage_error(void) {
  hooks h;
  hooks_init(&h);
  h.fail_at = 10;
  vp_pipeline_options o = vp_pipeline_options_default();
  vp_stage *src;
  const char *opts[] = {"count", "-1", NULL};
  vp_pipeline *p = build(&o, &h, &test_infer, &src, opts);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  CHECK_STATUS(vp_pipeline_wait(p, -1), VP_OK);
  CHECK_STATUS(vp_pipeline_status(p), VP_EIO);
  CHECK(strstr(vp_pipeline_error(p), "test-infer") != NULL);
  CHECK_INT_EQ(h.n_seen, 10);
  CHECK_INT_EQ(h.flushes_sink, 1);
  vp_pipeline_destroy(p);
  hooks_fini(&h);
}

/* Latency budget: frames captured 1 s ago with a 100 ms budget are late. With
 * a cheap path they are flagged; without one, a live source drops them and a
 * file keeps them. */
static void test_latency_budget(void) {
  for (int mode = 0; mode < 3; mode++) {
    hooks h;
    hooks_init(&h);
    vp_pipeline_options o = vp_pipeline_options_default();
    o.latency_budget_ms = 100;
    o.queue_policy = VP_QUEUE_BLOCK;
    o.adaptive_rate = false; /* a fast live source would otherwise be thinned to 30 fps */
    vp_stage *src;
    const char *opts[] = {"count", "50", "capture-age-ms", "1000", "live", mode == 1 ? "1" : "0", NULL};
    vp_pipeline *p = build(&o, &h, mode == 0 ? &test_infer_cheap : &test_infer, &src, opts);
    CHECK_STATUS(vp_pipeline_start(p), VP_OK);
    CHECK_STATUS(vp_pipeline_wait(p, -1), VP_OK);
    vp_pipeline_stats s;
    vp_pipeline_stats_get(p, &s);
    if (mode == 0) { /* cheap path */
      CHECK_INT_EQ(h.n_seen, 50);
      CHECK_INT_EQ(s.frames_late, 50);
      CHECK_INT_EQ(s.stages[1].late, 50);
      CHECK((h.flags[0] & VP_FRAME_FLAG_LATE) && (h.flags[49] & VP_FRAME_FLAG_LATE));
    } else if (mode == 1) { /* live, no cheap path: dropped and counted */
      CHECK_INT_EQ(h.n_seen, 0);
      CHECK_INT_EQ(s.stages[1].late_dropped, 50);
      CHECK_INT_EQ(s.frames_dropped, 50);
    } else { /* file: never dropped */
      CHECK_INT_EQ(h.n_seen, 50);
      CHECK_INT_EQ(s.frames_dropped, 0);
      CHECK_INT_EQ(s.frames_late, 0);
    }
    vp_pipeline_destroy(p);
    hooks_fini(&h);
  }
  /* a generous budget marks nothing */
  hooks h;
  hooks_init(&h);
  vp_pipeline_options o = vp_pipeline_options_default();
  o.latency_budget_ms = 3600000;
  vp_stage *src;
  const char *opts[] = {"count", "50", NULL};
  vp_pipeline *p = build(&o, &h, &test_infer_cheap, &src, opts);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  CHECK_STATUS(vp_pipeline_wait(p, -1), VP_OK);
  vp_pipeline_stats s;
  vp_pipeline_stats_get(p, &s);
  CHECK_INT_EQ(s.frames_late, 0);
  CHECK_INT_EQ(h.n_seen, 50);
  vp_pipeline_destroy(p);
  hooks_fini(&h);
}

/* Timing events travel with the packets to the sinks and to the callback;
 * a fixed 15 fps rate on a 30 fps file skips every other frame. */
static void test_events_and_rate(void) {
  hooks h;
  hooks_init(&h);
  vp_pipeline_options o = vp_pipeline_options_default();
  o.on_event = on_event;
  o.rate.min_fps = o.rate.max_fps = 15;
  vp_stage *src;
  const char *opts[] = {"count", "120", "fps", "30", "stall-from", "60", "stall-to", "66", NULL};
  vp_pipeline *p = build(&o, &h, &test_infer, &src, opts);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  CHECK_STATUS(vp_pipeline_wait(p, -1), VP_OK);
  CHECK_STATUS(vp_pipeline_status(p), VP_OK);
  CHECK_INT_EQ(h.n_seen, 120);
  CHECK_INT_EQ(h.events[VP_EVENT_STALL], 1);
  CHECK_INT_EQ(h.events[VP_EVENT_STALL_RECOVERED], 1);
  CHECK_INT_EQ(h.bad_results, 0);
  CHECK_INT_EQ(callback_events[VP_EVENT_STALL], 1);
  CHECK_INT_EQ(callback_events[VP_EVENT_RATE_CHANGE], 0);
  vp_pipeline_stats s;
  vp_pipeline_stats_get(p, &s);
  CHECK_INT_EQ(s.stalls, 1);
  CHECK_NEAR(s.rate_fps, 15, 0);
  /* 30 fps with a 200 ms stall in the middle, thinned to 15 fps */
  int64_t skipped = 0;
  for (int i = 0; i < 120; i++) skipped += (h.flags[i] & VP_FRAME_FLAG_SKIPPED) != 0;
  CHECK_INT_EQ(skipped, s.frames_skipped);
  CHECK(skipped >= 50 && skipped <= 60);
  CHECK(!(h.flags[0] & VP_FRAME_FLAG_SKIPPED));
  CHECK(h.flags[1] & VP_FRAME_FLAG_SKIPPED);
  vp_pipeline_destroy(p);
  hooks_fini(&h);
}

/* Misuse gives errors, not crashes. */
static void test_misuse(void) {
  vp_pipeline *p;
  vp_pipeline_options o = vp_pipeline_options_default();
  o.queue_capacity = 0;
  CHECK_STATUS(vp_pipeline_create(&o, &p), VP_EINVAL);
  CHECK_STATUS(vp_pipeline_create(NULL, &p), VP_OK);
  hooks h;
  hooks_init(&h);
  CHECK_STATUS(vp_pipeline_add(p, &test_sink, &h, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_start(p), VP_EINVAL); /* no source */
  vp_pipeline_destroy(p);

  CHECK_STATUS(vp_pipeline_create(NULL, &p), VP_OK);
  vp_stage *src;
  CHECK_STATUS(vp_pipeline_add(p, &synth_source, NULL, &src), VP_OK);
  CHECK_STATUS(vp_stage_set_option(src, "count", "x"), VP_EINVAL);
  CHECK_STATUS(vp_stage_set_option(src, "nope", "1"), VP_ENOENT);
  CHECK(strstr(vp_last_error(), "synth"));
  /* a source alone runs to the end */
  CHECK_STATUS(vp_stage_set_option(src, "count", "5"), VP_OK);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  CHECK_STATUS(vp_pipeline_wait(p, -1), VP_OK);
  vp_pipeline_stats s;
  vp_pipeline_stats_get(p, &s);
  CHECK_INT_EQ(s.frames_done, 5);
  vp_pipeline_destroy(p);
  vp_pipeline_destroy(NULL);
  /* destroy without start, and without wait */
  CHECK_STATUS(vp_pipeline_create(NULL, &p), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &synth_source, NULL, &src), VP_OK);
  vp_pipeline_destroy(p);
  CHECK_STATUS(vp_pipeline_create(NULL, &p), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &synth_source, NULL, &src), VP_OK);
  CHECK_STATUS(vp_stage_set_option(src, "count", "-1"), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &test_sink, &h, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  vp_pipeline_destroy(p); /* stops, drains, joins */
  CHECK_INT_EQ(h.flushes_sink, 1);
  hooks_fini(&h);
}

/* A source blocked in read() (a stream with no data) is woken by stop through
 * its interrupt callback; the job ends cleanly. */
typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool interrupted, reading;
  int64_t n;
} blocking_src;

static vp_status blk_read(vp_stage *st, const vp_source_hint *hint, vp_frame **out) {
  (void)hint;
  blocking_src *b = vp_stage_opaque(st);
  if (b->n < 3) { /* three frames, then silence */
    vp_status r = vp_frame_alloc(16, 8, VP_PIXFMT_GRAY8, out);
    if (r) return r;
    (*out)->seq = b->n;
    (*out)->pts_ns = b->n * 33 * MS;
    (*out)->capture_ns = vp_time_ns();
    (*out)->data[0][0] = (uint8_t)b->n;
    b->n++;
    return VP_OK;
  }
  pthread_mutex_lock(&b->lock);
  b->reading = true;
  pthread_cond_broadcast(&b->cond);
  while (!b->interrupted) pthread_cond_wait(&b->cond, &b->lock);
  pthread_mutex_unlock(&b->lock);
  return VP_ECANCELED;
}

static void blk_interrupt(vp_stage *st) {
  blocking_src *b = vp_stage_opaque(st);
  pthread_mutex_lock(&b->lock);
  b->interrupted = true;
  pthread_cond_broadcast(&b->cond);
  pthread_mutex_unlock(&b->lock);
}

static vp_status blk_init(vp_stage *st, vp_stream_info *info) {
  (void)st;
  info->live = true;
  return VP_OK;
}

static const vp_stage_class blocking_source = {
    .name = "blocking", .kind = VP_STAGE_SOURCE, .init = blk_init, .read = blk_read,
    .interrupt = blk_interrupt};

static void test_stop_blocked_source(void) {
  blocking_src b = {.n = 0};
  pthread_mutex_init(&b.lock, NULL);
  pthread_cond_init(&b.cond, NULL);
  hooks h;
  hooks_init(&h);
  vp_pipeline *p;
  vp_pipeline_options o = vp_pipeline_options_default();
  o.queue_policy = VP_QUEUE_BLOCK; /* live sources would drop by default */
  CHECK_STATUS(vp_pipeline_create(&o, &p), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &blocking_source, &b, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &test_sink, &h, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  pthread_mutex_lock(&b.lock);
  while (!b.reading) pthread_cond_wait(&b.cond, &b.lock);
  pthread_mutex_unlock(&b.lock);
  CHECK_STATUS(vp_pipeline_wait(p, 0), VP_ETIMEDOUT); /* still running: blocked in read */
  vp_pipeline_stop(p);
  CHECK_STATUS(vp_pipeline_wait(p, -1), VP_OK);
  CHECK_STATUS(vp_pipeline_status(p), VP_OK); /* a stop is not an error */
  CHECK_INT_EQ(h.n_seen, 3);
  CHECK_INT_EQ(h.flushes_sink, 1);
  vp_pipeline_destroy(p);
  hooks_fini(&h);
  pthread_mutex_destroy(&b.lock);
  pthread_cond_destroy(&b.cond);
}

/* A failing sink on its own worker, behind a blocking queue and an endless
 * source: the job ends (no dead-lock), with the sink's error, and every
 * stage is flushed. */
static vp_status failing_sink_process(vp_stage *st, vp_packet *pkt) {
  hooks *h = vp_stage_opaque(st);
  if (pkt->seq == h->fail_at) return VP_EIO;
  return sink_process(st, pkt);
}
static const vp_stage_class failing_threaded_sink = {
    .name = "failing-sink", .kind = VP_STAGE_SINK, .flags = VP_STAGE_FLAG_THREAD,
    .process = failing_sink_process, .flush = sink_flush};

static void test_sink_error_three_workers(void) {
  hooks h, hs;
  hooks_init(&h);
  hooks_init(&hs);
  hs.fail_at = 5;
  vp_pipeline *p;
  vp_stage *src;
  vp_pipeline_options o = vp_pipeline_options_default();
  o.queue_policy = VP_QUEUE_BLOCK;
  CHECK_STATUS(vp_pipeline_create(&o, &p), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &synth_source, NULL, &src), VP_OK);
  CHECK_STATUS(vp_stage_set_option(src, "count", "-1"), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &test_infer, &h, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &failing_threaded_sink, &hs, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  CHECK_STATUS(vp_pipeline_wait(p, -1), VP_OK);
  CHECK_STATUS(vp_pipeline_status(p), VP_EIO);
  CHECK(strstr(vp_pipeline_error(p), "failing-sink") != NULL);
  CHECK_INT_EQ(hs.n_seen, 5);
  CHECK_INT_EQ(hs.flushes_sink, 1);
  CHECK_INT_EQ(h.flushes_infer, 1);
  vp_pipeline_stats s;
  vp_pipeline_stats_get(p, &s);
  CHECK_INT_EQ(s.stages[2].worker, 2);
  vp_pipeline_destroy(p);
  hooks_fini(&h);
  hooks_fini(&hs);
}

/* Stage order: source, task stages in the order added (grouped per task),
 * render, sinks; uninit runs in that order after the workers are joined, so
 * stages sharing a context may free it in the last one. */
static int uninit_order[16], n_uninit;
static void order_uninit(vp_stage *st) { uninit_order[n_uninit++] = (int)(intptr_t)vp_stage_opaque(st); }
static vp_status pass_process(vp_stage *st, vp_packet *pkt) {
  (void)st;
  (void)pkt;
  return VP_OK;
}
static vp_status order_src_read(vp_stage *st, const vp_source_hint *hint, vp_frame **out) {
  (void)st;
  (void)hint;
  (void)out;
  return VP_EOF;
}
static const vp_stage_class order_src = {.name = "o-src", .kind = VP_STAGE_SOURCE, .read = order_src_read, .uninit = order_uninit};
static const vp_stage_class order_pre = {.name = "o-pre", .kind = VP_STAGE_PREPROCESS, .flags = VP_STAGE_FLAG_THREAD, .process = pass_process, .uninit = order_uninit};
static const vp_stage_class order_post = {.name = "o-post", .kind = VP_STAGE_POSTPROCESS, .process = pass_process, .uninit = order_uninit};
static const vp_stage_class order_render = {.name = "o-render", .kind = VP_STAGE_RENDER, .process = pass_process, .uninit = order_uninit};
static const vp_stage_class order_sink = {.name = "o-sink", .kind = VP_STAGE_SINK, .process = pass_process, .uninit = order_uninit};

static void test_uninit_order(void) {
  vp_pipeline *p;
  n_uninit = 0;
  CHECK_STATUS(vp_pipeline_create(NULL, &p), VP_OK);
  /* task A: pre, post; task B: pre, post; render; sinks — added out of order
   * except within the task group, whose order of adding is kept. */
  CHECK_STATUS(vp_pipeline_add(p, &order_sink, (void *)7, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &order_render, (void *)5, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &order_pre, (void *)1, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &order_post, (void *)2, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &order_src, (void *)0, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &order_pre, (void *)3, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &order_post, (void *)4, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &order_render, (void *)6, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_add(p, &order_sink, (void *)8, NULL), VP_OK);
  CHECK_STATUS(vp_pipeline_start(p), VP_OK);
  vp_pipeline_stats s;
  vp_pipeline_stats_get(p, &s);
  /* workers: source | pre A, post A | pre B (THREAD), post B, renders, sinks */
  const int32_t workers[] = {0, 1, 1, 2, 2, 2, 2, 2, 2};
  for (int i = 0; i < 9; i++) CHECK_INT_EQ(s.stages[i].worker, workers[i]);
  vp_pipeline_destroy(p);
  CHECK_INT_EQ(n_uninit, 9);
  for (int i = 0; i < 9; i++) CHECK_INT_EQ(uninit_order[i], i);
}

int main(void) {
  test_order_eos();
  test_stop_midstream();
  test_slow_consumer_live();
  test_stage_error();
  test_latency_budget();
  test_events_and_rate();
  test_misuse();
  test_stop_blocked_source();
  test_sink_error_three_workers();
  test_uninit_order();
  return TEST_EXIT();
}
