/* Jitter monitor and adaptive rate controller on synthetic timestamp
 * sequences (steady, jittery, bursty, stalled): exact expected events. */
#include <stdint.h>

#include "common/check.h"
#include "vpipe/pipeline.h"

#define MS 1000000LL

typedef struct {
  vp_event ev[64];
  int n;
} event_log;

/* Feed @n intervals (ms) to a monitor + controller the way the pipeline does. */
static int64_t run(vp_jitter_monitor *m, vp_rate_controller *rc, const double *iv, int n,
                   int64_t seq0, int64_t *t, event_log *jit, event_log *rate, int *selected) {
  int64_t seq = seq0;
  for (int i = 0; i < n; i++, seq++) {
    if (i > 0 || seq0 > 0) *t += (int64_t)(iv[i] * MS);
    vp_event ev[2];
    int k = vp_jitter_monitor_push(m, seq, *t, ev);
    for (int j = 0; j < k && jit->n < 64; j++) jit->ev[jit->n++] = ev[j];
    if (rc) {
      double sigma = vp_jitter_monitor_count(m) >= 16 ? vp_jitter_monitor_sigma_ms(m) : -1;
      bool sel;
      vp_event re;
      if (vp_rate_controller_push(rc, seq, *t, sigma, &sel, &re) && rate->n < 64)
        rate->ev[rate->n++] = re;
      *selected += sel;
    }
  }
  return seq;
}

static void fill(double *iv, int n, double v) {
  for (int i = 0; i < n; i++) iv[i] = v;
}

static void test_steady(void) {
  vp_jitter_monitor *m;
  vp_rate_controller *rc;
  CHECK_STATUS(vp_jitter_monitor_create(NULL, &m), VP_OK);
  vp_rate_options ro = vp_rate_options_default();
  ro.start_fps = 30;
  CHECK_STATUS(vp_rate_controller_create(&ro, &rc), VP_OK);
  double iv[300];
  fill(iv, 300, 1000.0 / 30);
  event_log jit = {0}, rate = {0};
  int64_t t = 0;
  int sel = 0;
  run(m, rc, iv, 300, 0, &t, &jit, &rate, &sel);
  CHECK_INT_EQ(jit.n, 0);
  CHECK_NEAR(vp_jitter_monitor_mean_ms(m), 1000.0 / 30, 1e-3);
  CHECK_NEAR(vp_jitter_monitor_sigma_ms(m), 0, 1e-3);
  CHECK_INT_EQ(sel, 300); /* the rate never falls below the source's */
  /* σ ≈ 0 < 12 ms: the rate climbs ×1.1 per step to 60 fps. σ is known from
   * frame 16 (16 intervals), confirmed after 4 frames: frame 19; then one step
   * per hold period (32 frames). */
  const double expect[] = {30, 33, 36.3, 39.93, 43.923, 48.3153, 53.14683, 58.461513, 60};
  CHECK_INT_EQ(rate.n, 8);
  for (int i = 0; i < rate.n && i < 8; i++) {
    CHECK_INT_EQ(rate.ev[i].type, VP_EVENT_RATE_CHANGE);
    CHECK_INT_EQ(rate.ev[i].seq, 19 + 32 * i);
    CHECK_NEAR(rate.ev[i].value, expect[i], 1e-6);
    CHECK_NEAR(rate.ev[i].value2, expect[i + 1], 1e-6);
  }
  CHECK_NEAR(vp_rate_controller_fps(rc), 60, 0);
  vp_rate_controller_destroy(rc);
  vp_jitter_monitor_destroy(m);
}

/* Alternating 10/150 ms: σ = 70 ms > 45 (slow down) but σ < 3 × mean (80):
 * no anomaly; 150 ms intervals never come 5 in a row: no stall. */
static void test_jittery(void) {
  vp_jitter_monitor *m;
  vp_rate_controller *rc;
  CHECK_STATUS(vp_jitter_monitor_create(NULL, &m), VP_OK);
  vp_rate_options ro = vp_rate_options_default();
  ro.start_fps = 30;
  CHECK_STATUS(vp_rate_controller_create(&ro, &rc), VP_OK);
  double iv[200];
  for (int i = 0; i < 200; i++) iv[i] = i % 2 ? 150 : 10;
  event_log jit = {0}, rate = {0};
  int64_t t = 0;
  int sel = 0;
  run(m, rc, iv, 200, 0, &t, &jit, &rate, &sel);
  CHECK_INT_EQ(jit.n, 0);
  CHECK_NEAR(vp_jitter_monitor_sigma_ms(m), 70, 1e-6);
  CHECK_NEAR(vp_jitter_monitor_mean_ms(m), 80, 1e-6);
  CHECK_INT_EQ(rate.n, 2); /* 30 → 21 → 15 (clamped), then held at the minimum */
  CHECK_INT_EQ(rate.ev[0].seq, 19);
  CHECK_NEAR(rate.ev[0].value2, 21, 1e-9);
  CHECK_INT_EQ(rate.ev[1].seq, 51);
  CHECK_NEAR(rate.ev[1].value2, 15, 1e-9);
  CHECK_NEAR(vp_rate_controller_fps(rc), 15, 0);
  vp_rate_controller_destroy(rc);
  vp_jitter_monitor_destroy(m);
}

/* One 2 s gap in a steady 30 fps stream: σ > 3 × mean from that interval
 * until it leaves the 64-interval window, 64 frames later. */
static void test_burst_anomaly(void) {
  vp_jitter_monitor *m;
  CHECK_STATUS(vp_jitter_monitor_create(NULL, &m), VP_OK);
  double iv[200];
  fill(iv, 200, 1000.0 / 30);
  iv[40] = 2000;
  event_log jit = {0};
  int64_t t = 0;
  int sel = 0;
  run(m, NULL, iv, 200, 0, &t, &jit, NULL, &sel);
  CHECK_INT_EQ(jit.n, 2);
  CHECK_INT_EQ(jit.ev[0].type, VP_EVENT_JITTER_ANOMALY);
  CHECK_INT_EQ(jit.ev[0].seq, 40);
  CHECK(jit.ev[0].value > 3 * jit.ev[0].value2);
  CHECK_INT_EQ(jit.ev[1].type, VP_EVENT_JITTER_RECOVERED);
  CHECK_INT_EQ(jit.ev[1].seq, 40 + 64);
  vp_jitter_monitor_destroy(m);
}

/* Six 200 ms intervals: the stall is reported at the 5th, its end at the first
 * normal interval; σ stays below 3 × mean (no anomaly). */
static void test_stall(void) {
  vp_jitter_monitor *m;
  CHECK_STATUS(vp_jitter_monitor_create(NULL, &m), VP_OK);
  double iv[120];
  fill(iv, 120, 1000.0 / 30);
  for (int i = 50; i < 56; i++) iv[i] = 200;
  event_log jit = {0};
  int64_t t = 0;
  int sel = 0;
  run(m, NULL, iv, 120, 0, &t, &jit, NULL, &sel);
  CHECK_INT_EQ(jit.n, 2);
  CHECK_INT_EQ(jit.ev[0].type, VP_EVENT_STALL);
  CHECK_INT_EQ(jit.ev[0].seq, 54);
  CHECK_NEAR(jit.ev[0].value, 200, 1e-6);
  CHECK_NEAR(jit.ev[0].value2, 5, 0);
  CHECK_INT_EQ(jit.ev[1].type, VP_EVENT_STALL_RECOVERED);
  CHECK_INT_EQ(jit.ev[1].seq, 56);

  /* configurable: a stall needs 3 intervals over 100 ms */
  vp_jitter_monitor_destroy(m);
  vp_jitter_options jo = vp_jitter_options_default();
  jo.stall_ms = 100;
  jo.stall_count = 3;
  CHECK_STATUS(vp_jitter_monitor_create(&jo, &m), VP_OK);
  jit.n = 0;
  t = 0;
  for (int i = 50; i < 56; i++) iv[i] = 110;
  run(m, NULL, iv, 120, 0, &t, &jit, NULL, &sel);
  CHECK_INT_EQ(jit.n, 2);
  CHECK_INT_EQ(jit.ev[0].type, VP_EVENT_STALL);
  CHECK_INT_EQ(jit.ev[0].seq, 52);
  vp_jitter_monitor_destroy(m);

  /* timestamps that do not advance are ignored */
  CHECK_STATUS(vp_jitter_monitor_create(NULL, &m), VP_OK);
  vp_event ev[2];
  CHECK_INT_EQ(vp_jitter_monitor_push(m, 0, 100 * MS, ev), 0);
  CHECK_INT_EQ(vp_jitter_monitor_push(m, 1, 100 * MS, ev), 0);
  CHECK_INT_EQ(vp_jitter_monitor_push(m, 2, 50 * MS, ev), 0);
  CHECK_INT_EQ(vp_jitter_monitor_count(m), 0);
  vp_jitter_monitor_destroy(m);

  jo = vp_jitter_options_default();
  jo.window = 1;
  CHECK_STATUS(vp_jitter_monitor_create(&jo, &m), VP_EINVAL);
}

/* Hysteresis: σ flipping across both thresholds every frame never confirms a
 * change; a steady high σ steps down once per hold period. */
static void test_hysteresis(void) {
  vp_rate_controller *rc;
  vp_rate_options ro = vp_rate_options_default();
  ro.start_fps = 30;
  CHECK_STATUS(vp_rate_controller_create(&ro, &rc), VP_OK);
  int changes = 0;
  bool sel;
  vp_event e;
  for (int i = 0; i < 500; i++)
    changes += vp_rate_controller_push(rc, i, i * 33 * MS, i % 2 ? 50 : 5, &sel, &e);
  CHECK_INT_EQ(changes, 0);
  /* in the deadband (12..45 ms) nothing changes either */
  for (int i = 500; i < 700; i++)
    changes += vp_rate_controller_push(rc, i, i * 33 * MS, 30, &sel, &e);
  CHECK_INT_EQ(changes, 0);
  CHECK_NEAR(vp_rate_controller_fps(rc), 30, 0);
  vp_rate_controller_destroy(rc);

  CHECK_STATUS(vp_rate_controller_create(&ro, &rc), VP_OK);
  int64_t at[8];
  for (int i = 0; i < 200; i++)
    if (vp_rate_controller_push(rc, i, i * 33 * MS, 60, &sel, &e) && changes < 8) at[changes++] = e.seq;
  CHECK_INT_EQ(changes, 2);
  CHECK_INT_EQ(at[0], 3);  /* 4 confirming frames, no hold before the first change */
  CHECK_INT_EQ(at[1], 35); /* then 32 frames of hold */
  vp_rate_controller_destroy(rc);

  ro.min_fps = 20;
  ro.max_fps = 10;
  CHECK_STATUS(vp_rate_controller_create(&ro, &rc), VP_EINVAL);
}

/* Frame selection at a fixed rate below the source's: exact counts. */
static void test_selection(void) {
  const double rates[] = {15, 20, 30, 10};
  const int expect[] = {150, 200, 300, 100};
  for (int r = 0; r < 4; r++) {
    vp_rate_options ro = vp_rate_options_default();
    ro.min_fps = ro.max_fps = rates[r];
    vp_rate_controller *rc;
    CHECK_STATUS(vp_rate_controller_create(&ro, &rc), VP_OK);
    int sel_n = 0;
    for (int i = 0; i < 300; i++) {
      bool sel;
      vp_event e;
      int64_t t = (int64_t)i * 1000000000LL / 30; /* 30 fps, rounded like a stream */
      vp_rate_controller_push(rc, i, t, 1.0, &sel, &e);
      sel_n += sel;
      if (i == 0) CHECK(sel);
    }
    if (sel_n != expect[r]) fprintf(stderr, "rate %g fps\n", rates[r]);
    CHECK_INT_EQ(sel_n, expect[r]);
    vp_rate_controller_destroy(rc);
  }
}

/* Arrival jitter (±4 ms) at the processing rate thins nothing; at half the
 * rate exactly every other frame is taken. */
static void test_selection_jitter(void) {
  const double rates[] = {30, 15};
  const int expect[] = {300, 150};
  for (int r = 0; r < 2; r++) {
    vp_rate_options ro = vp_rate_options_default();
    ro.min_fps = ro.max_fps = rates[r];
    vp_rate_controller *rc;
    CHECK_STATUS(vp_rate_controller_create(&ro, &rc), VP_OK);
    int sel_n = 0;
    for (int i = 0; i < 300; i++) {
      bool sel;
      vp_event e;
      int64_t t = 1000 * MS + (int64_t)i * 1000000000LL / 30 + (i % 3 - 1) * 4 * MS;
      vp_rate_controller_push(rc, i, t, 1.0, &sel, &e);
      sel_n += sel;
    }
    CHECK_INT_EQ(sel_n, expect[r]);
    vp_rate_controller_destroy(rc);
  }
}

int main(void) {
  test_selection_jitter();
  test_steady();
  test_jittery();
  test_burst_anomaly();
  test_stall();
  test_hysteresis();
  test_selection();
  CHECK(!strcmp(vp_event_type_name(VP_EVENT_STALL), "stall"));
  return TEST_EXIT();
}
