/* Timing health (layer: pipeline): the jitter monitor and the adaptive rate
 * controller. Both are pure state machines over the timestamps they are fed,
 * with no clock and no threads of their own, so they can be tested on
 * synthetic timestamp sequences and give exact, reproducible events. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "vpipe/pipeline.h"

static const char *const event_names[] = {
#define VP__EVENT_NAME(name, str) str,
    VP_EVENT_TYPE_MAP(VP__EVENT_NAME)
#undef VP__EVENT_NAME
};

const char *vp_event_type_name(vp_event_type type) {
  if ((unsigned)type < sizeof event_names / sizeof event_names[0]) return event_names[type];
  return "unknown";
}

/* ---- jitter monitor ---------------------------------------------------- */

vp_jitter_options vp_jitter_options_default(void) {
  return (vp_jitter_options){
      .window = 64, .min_intervals = 16, .sigma_factor = 3.0, .stall_ms = 120.0, .stall_count = 5};
}

struct vp_jitter_monitor {
  vp_jitter_options o;
  double *iv; /* ring of the last o.window intervals, ms */
  int32_t head, n;
  int64_t prev_t, count;
  bool have_prev, anomaly, stalled;
  int32_t consecutive_slow;
  double mean, sigma;
};

vp_status vp_jitter_monitor_create(const vp_jitter_options *options, vp_jitter_monitor **out) {
  vp_jitter_options o = options ? *options : vp_jitter_options_default();
  if (o.window < 2 || o.window > 1 << 16)
    return vp__error(VP_EINVAL, "jitter window %d out of range [2, 65536]", o.window);
  if (o.min_intervals < 2 || o.min_intervals > o.window)
    return vp__error(VP_EINVAL, "jitter min_intervals %d out of range [2, window=%d]",
                     o.min_intervals, o.window);
  if (!(o.sigma_factor > 0) || !(o.stall_ms > 0) || o.stall_count < 1)
    return vp__error(VP_EINVAL, "jitter: sigma_factor, stall_ms and stall_count must be positive");
  vp_jitter_monitor *m = calloc(1, sizeof *m);
  if (!m || !(m->iv = calloc((size_t)o.window, sizeof *m->iv))) {
    free(m);
    return vp__error(VP_ENOMEM, "jitter monitor: out of memory");
  }
  m->o = o;
  *out = m;
  return VP_OK;
}

void vp_jitter_monitor_destroy(vp_jitter_monitor *m) {
  if (!m) return;
  free(m->iv);
  free(m);
}

static void make_event(vp_event *e, vp_event_type type, int64_t seq, int64_t t, double v,
                       double v2) {
  memset(e, 0, sizeof *e);
  e->type = type;
  e->seq = seq;
  e->time_ns = t;
  e->value = v;
  e->value2 = v2;
  switch (type) {
  case VP_EVENT_JITTER_ANOMALY:
  case VP_EVENT_JITTER_RECOVERED:
    snprintf(e->message, sizeof e->message, "%s at frame %lld: interval sigma %.1f ms, mean %.1f ms",
             type == VP_EVENT_JITTER_ANOMALY ? "timing anomaly" : "timing recovered",
             (long long)seq, v, v2);
    break;
  case VP_EVENT_STALL:
    snprintf(e->message, sizeof e->message, "stall at frame %lld: %.0f intervals > limit, last %.1f ms",
             (long long)seq, v2, v);
    break;
  case VP_EVENT_STALL_RECOVERED:
    snprintf(e->message, sizeof e->message, "stall over at frame %lld (interval %.1f ms)",
             (long long)seq, v);
    break;
  case VP_EVENT_RATE_CHANGE:
    snprintf(e->message, sizeof e->message, "processing rate %.2f -> %.2f fps at frame %lld", v, v2,
             (long long)seq);
    break;
  default:
    break;
  }
}

int vp_jitter_monitor_push(vp_jitter_monitor *m, int64_t seq, int64_t t_ns, vp_event events[2]) {
  if (!m->have_prev) {
    m->have_prev = true;
    m->prev_t = t_ns;
    return 0;
  }
  if (t_ns <= m->prev_t) return 0;
  double ms = (double)(t_ns - m->prev_t) / 1e6;
  m->prev_t = t_ns;
  m->count++;
  m->iv[(m->head + m->n) % m->o.window] = ms;
  if (m->n < m->o.window)
    m->n++;
  else
    m->head = (m->head + 1) % m->o.window;

  /* Two passes over at most `window` values: exact, no drift. */
  double sum = 0;
  for (int32_t i = 0; i < m->n; i++) sum += m->iv[i];
  double mean = sum / m->n, ss = 0;
  for (int32_t i = 0; i < m->n; i++) ss += (m->iv[i] - mean) * (m->iv[i] - mean);
  m->mean = mean;
  m->sigma = sqrt(ss / m->n);

  int n_ev = 0;
  bool anomaly = m->n >= m->o.min_intervals && m->sigma > m->o.sigma_factor * m->mean;
  if (anomaly != m->anomaly) {
    m->anomaly = anomaly;
    make_event(&events[n_ev++], anomaly ? VP_EVENT_JITTER_ANOMALY : VP_EVENT_JITTER_RECOVERED, seq,
               t_ns, m->sigma, m->mean);
  }
  if (ms > m->o.stall_ms) {
    m->consecutive_slow++;
    if (!m->stalled && m->consecutive_slow >= m->o.stall_count) {
      m->stalled = true;
      make_event(&events[n_ev++], VP_EVENT_STALL, seq, t_ns, ms, m->consecutive_slow);
    }
  } else {
    m->consecutive_slow = 0;
    if (m->stalled) {
      m->stalled = false;
      make_event(&events[n_ev++], VP_EVENT_STALL_RECOVERED, seq, t_ns, ms, 0);
    }
  }
  return n_ev;
}

double vp_jitter_monitor_sigma_ms(const vp_jitter_monitor *m) { return m->sigma; }
double vp_jitter_monitor_mean_ms(const vp_jitter_monitor *m) { return m->mean; }
int64_t vp_jitter_monitor_count(const vp_jitter_monitor *m) { return m->count; }

/* ---- adaptive rate ----------------------------------------------------- */

vp_rate_options vp_rate_options_default(void) {
  return (vp_rate_options){.min_fps = 15,
                           .max_fps = 60,
                           .start_fps = 0,
                           .high_sigma_ms = 45,
                           .low_sigma_ms = 12,
                           .down_factor = 0.7,
                           .up_factor = 1.1,
                           .hold_frames = 32,
                           .confirm_frames = 4};
}

struct vp_rate_controller {
  vp_rate_options o;
  double fps;
  int64_t due; /* earliest timestamp of the next selected frame */
  bool started;
  int64_t since_change;
  int32_t up_streak, down_streak;
};

/* A frame up to a quarter period early still counts as on time, so timestamp
 * rounding and arrival jitter do not thin a source running at the processing
 * rate; the schedule stays anchored (due += period), so the long-run rate is
 * exact. */
static int64_t tolerance_ns(const vp_rate_controller *rc) { return (int64_t)(0.25e9 / rc->fps); }

vp_status vp_rate_controller_create(const vp_rate_options *options, vp_rate_controller **out) {
  vp_rate_options o = options ? *options : vp_rate_options_default();
  if (!(o.min_fps > 0) || !(o.max_fps >= o.min_fps) || o.max_fps > 10000)
    return vp__error(VP_EINVAL, "rate: fps range [%g, %g] is not valid (0 < MIN <= MAX <= 10000)",
                     o.min_fps, o.max_fps);
  if (!(o.down_factor > 0 && o.down_factor < 1) || !(o.up_factor > 1))
    return vp__error(VP_EINVAL, "rate: factors must be 0 < down (%g) < 1 < up (%g)", o.down_factor,
                     o.up_factor);
  if (!(o.low_sigma_ms < o.high_sigma_ms))
    return vp__error(VP_EINVAL, "rate: low sigma %g ms must be below high sigma %g ms",
                     o.low_sigma_ms, o.high_sigma_ms);
  if (o.hold_frames < 0 || o.confirm_frames < 1)
    return vp__error(VP_EINVAL, "rate: hold_frames must be >= 0 and confirm_frames >= 1");
  vp_rate_controller *rc = calloc(1, sizeof *rc);
  if (!rc) return vp__error(VP_ENOMEM, "rate controller: out of memory");
  rc->o = o;
  double start = o.start_fps > 0 ? o.start_fps : o.max_fps;
  rc->fps = start < o.min_fps ? o.min_fps : start > o.max_fps ? o.max_fps : start;
  rc->since_change = o.hold_frames; /* the first change needs no hold */
  *out = rc;
  return VP_OK;
}

void vp_rate_controller_destroy(vp_rate_controller *rc) { free(rc); }

int vp_rate_controller_push(vp_rate_controller *rc, int64_t seq, int64_t t_ns, double sigma_ms,
                            bool *selected, vp_event *event) {
  int n_ev = 0;
  /* 1. adapt the rate: a deadband (low..high σ), a streak to confirm, and a
   *    hold after each change so the window reflects the new state first. */
  rc->since_change++;
  if (sigma_ms >= 0) {
    if (sigma_ms > rc->o.high_sigma_ms) {
      rc->down_streak++;
      rc->up_streak = 0;
    } else if (sigma_ms < rc->o.low_sigma_ms) {
      rc->up_streak++;
      rc->down_streak = 0;
    } else {
      rc->up_streak = rc->down_streak = 0;
    }
    if (rc->since_change >= rc->o.hold_frames) {
      double nf = rc->fps;
      if (rc->down_streak >= rc->o.confirm_frames)
        nf = fmax(rc->o.min_fps, rc->fps * rc->o.down_factor);
      else if (rc->up_streak >= rc->o.confirm_frames)
        nf = fmin(rc->o.max_fps, rc->fps * rc->o.up_factor);
      if (nf != rc->fps) {
        make_event(event, VP_EVENT_RATE_CHANGE, seq, t_ns, rc->fps, nf);
        n_ev = 1;
        rc->fps = nf;
        rc->since_change = 0;
        rc->up_streak = rc->down_streak = 0;
      }
    }
  }
  /* 2. select on a schedule anchored at the first frame, re-anchored after a gap. */
  int64_t period = (int64_t)(1e9 / rc->fps);
  if (!rc->started || t_ns >= rc->due - tolerance_ns(rc)) {
    *selected = true;
    rc->due = rc->started ? rc->due + period : t_ns + period;
    rc->started = true;
    if (rc->due <= t_ns) rc->due = t_ns + period;
  } else {
    *selected = false;
  }
  return n_ev;
}

double vp_rate_controller_fps(const vp_rate_controller *rc) { return rc->fps; }
int64_t vp_rate_controller_next_due(const vp_rate_controller *rc) {
  return rc->started ? rc->due - tolerance_ns(rc) : INT64_MIN;
}
