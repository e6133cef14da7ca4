/* The stage pipeline runtime (layer: pipeline).
 *
 * DESIGN
 * - Stages are ordered source, decode, task stages (preprocess / infer /
 *   postprocess, in the order added, so each task keeps its stages together),
 *   render, sinks; then mapped onto workers: worker 0 runs
 *   the source alone (demux + decode never wait for inference), worker 1
 *   starts at the next stage, and every stage whose class sets
 *   VP_STAGE_FLAG_THREAD starts a new worker; other stages run inline on the
 *   worker before them. Consecutive workers are joined by one bounded queue
 *   (vp__queue); each worker handles one packet at a time through its stages,
 *   and queues are FIFO, so frames stay in order.
 * - Ownership: the pipeline owns stages, queues, workers and packets. A packet
 *   belongs to exactly one place at a time: the worker handling it, or a
 *   queue. A packet leaving the pipeline (last stage done, dropped by a queue
 *   policy, dropped for its deadline) is released: its frame unref'd, its
 *   results freed, the packet returned to the free list (no allocation per
 *   frame once the free list holds as many packets as can be in flight).
 * - End of stream: the source worker closes its output queue with VP_EOF (or
 *   the error). Each worker drains its input, flushes its stages in order,
 *   then closes its own output queue with the status it saw. A failing stage
 *   records the job's first error, asks the source to stop, and keeps
 *   draining (releasing) packets so nothing upstream blocks; downstream
 *   stages still flush, so what was already processed is kept.
 * - vp_pipeline_stop() sets an atomic flag and interrupts the source's
 *   read(); the source worker then ends the stream as at end of file.
 * - Threads: workers only; all are joined in vp_pipeline_destroy().
 * - Locks: p->lock (state, first error, pending events, running count,
 *   packet free list) and p->stats_lock (statistics, timing-health state
 *   copies) are leaves, never held together and never held while calling a
 *   stage; each queue has its own leaf lock. Stage callbacks run without any
 *   pipeline lock held.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "pipeline/hist.h"
#include "pipeline/queue.h"
#include "vpipe/pipeline.h"

#define MAX_WORKERS VP_PIPELINE_MAX_STAGES
#define MAX_PENDING_EVENTS 64

struct vp_stage {
  const vp_stage_class *cls;
  vp_pipeline *p;
  void *priv;
  void *opaque;
  int32_t index, worker;
  bool init_called;
  atomic_llong ewma_ns; /* smoothed process() time, for deadline estimates */
  /* under p->stats_lock */
  int64_t in, out, late, late_dropped;
  vp__hist lat;
};

typedef struct worker {
  vp_pipeline *p;
  int32_t index, first, last; /* stage range [first, last] */
  vp__queue *in, *out;
  pthread_t thread;
  bool started;
} worker;

typedef struct pkt_node {
  vp_packet pkt; /* first: a vp_packet * is a pkt_node * */
  struct pkt_node *next;
} pkt_node;

struct vp_pipeline {
  vp_pipeline_options o;
  vp_stage *stages[VP_PIPELINE_MAX_STAGES];
  int32_t n_stages;
  worker workers[MAX_WORKERS];
  int32_t n_workers;
  vp_stream_info info;
  vp_queue_policy policy; /* resolved */
  vp_threadpool *pool;
  vp_jitter_monitor *jitter;   /* source worker only */
  vp_rate_controller *rate;    /* source worker only; NULL when off */
  atomic_bool stop;

  pthread_mutex_t lock;
  pthread_cond_t done_cond;
  bool started, destroyed;
  vp_stage *source; /* set under lock once the stage order is fixed */
  int32_t running;
  vp_status status;
  char error[256];
  pkt_node *free_list;
  vp_event pending[MAX_PENDING_EVENTS];
  int32_t n_pending;

  pthread_mutex_t stats_lock;
  int64_t start_ns, end_ns;
  int64_t frames_read, frames_done, frames_skipped, frames_late, late_dropped;
  int64_t anomalies, stalls, rate_changes;
  double rate_fps, jitter_sigma, jitter_mean;
  vp__hist e2e;
};

static const char *const kind_names[] = {"source",      "decode", "preprocess", "infer",
                                         "postprocess", "render", "sink"};

const char *vp_stage_kind_name(vp_stage_kind kind) {
  return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "unknown";
}

const char *vp_queue_policy_name(vp_queue_policy policy) {
  switch (policy) {
  case VP_QUEUE_AUTO: return "auto";
  case VP_QUEUE_BLOCK: return "block";
  case VP_QUEUE_DROP_OLDEST: return "drop-oldest";
  case VP_QUEUE_DROP_NEWEST: return "drop-newest";
  }
  return "unknown";
}

vp_pipeline_options vp_pipeline_options_default(void) {
  vp_pipeline_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.queue_capacity = 2;
  o.queue_policy = VP_QUEUE_AUTO;
  o.threads = 0;
  o.adaptive_rate = true;
  o.decode_skipped = true;
  o.jitter = vp_jitter_options_default();
  o.rate = vp_rate_options_default();
  return o;
}

/* ---- packets ------------------------------------------------------------ */

vp_status vp_packet_set_result(vp_packet *pkt, const vp_result_type *type, void *data) {
  if (!pkt || !type) return vp__error(VP_EINVAL, "vp_packet_set_result: NULL argument");
  for (int32_t i = 0; i < pkt->n_results; i++) {
    if (pkt->results[i].type == type) {
      if (type->free && pkt->results[i].data && pkt->results[i].data != data)
        type->free(pkt->results[i].data);
      pkt->results[i].data = data;
      return VP_OK;
    }
  }
  if (pkt->n_results == VP_PACKET_MAX_RESULTS) {
    if (type->free && data) type->free(data);
    return vp__error(VP_ERANGE, "packet: no free result slot for '%s' (%d used)", type->name,
                     VP_PACKET_MAX_RESULTS);
  }
  pkt->results[pkt->n_results].type = type;
  pkt->results[pkt->n_results].data = data;
  pkt->n_results++;
  return VP_OK;
}

void *vp_packet_get_result(const vp_packet *pkt, const vp_result_type *type) {
  if (!pkt) return NULL;
  for (int32_t i = 0; i < pkt->n_results; i++)
    if (pkt->results[i].type == type) return pkt->results[i].data;
  return NULL;
}

static vp_packet *packet_get(vp_pipeline *p) {
  pthread_mutex_lock(&p->lock);
  pkt_node *n = p->free_list;
  if (n) p->free_list = n->next;
  pthread_mutex_unlock(&p->lock);
  if (!n && !(n = malloc(sizeof *n))) return NULL;
  memset(&n->pkt, 0, sizeof n->pkt);
  n->next = NULL;
  return &n->pkt;
}

static void packet_release(vp_pipeline *p, vp_packet *pkt) {
  if (!pkt) return;
  vp_frame_unref(&pkt->frame);
  for (int32_t i = 0; i < pkt->n_results; i++)
    if (pkt->results[i].type && pkt->results[i].type->free && pkt->results[i].data)
      pkt->results[i].type->free(pkt->results[i].data);
  pkt->n_results = 0;
  pkt_node *n = (pkt_node *)pkt;
  pthread_mutex_lock(&p->lock);
  n->next = p->free_list;
  p->free_list = n;
  pthread_mutex_unlock(&p->lock);
}

static void queue_drop(void *ctx, void *item) { packet_release(ctx, item); }

/* ---- errors and events -------------------------------------------------- */

static void request_stop(vp_pipeline *p);

static void fail(vp_pipeline *p, const vp_stage *st, vp_status status, const char *what) {
  pthread_mutex_lock(&p->lock);
  if (p->status == VP_OK) {
    p->status = status;
    snprintf(p->error, sizeof p->error, "%s '%s': %s", what, st ? st->cls->name : "pipeline",
             vp_last_error()[0] ? vp_last_error() : vp_strerror(status));
  }
  pthread_mutex_unlock(&p->lock);
  /* The job's status and vp_pipeline_error() carry the error; the log only
   * notes it (INFO), so a caller reporting the status does not print it twice. */
  VP_LOGI("pipeline", "%s '%s' failed: %s%s%s%s", what, st ? st->cls->name : "pipeline",
          vp_strerror(status), vp_last_error()[0] ? " (" : "", vp_last_error(),
          vp_last_error()[0] ? ")" : "");
  request_stop(p);
}

static void post_event(vp_pipeline *p, const vp_event *e) {
  pthread_mutex_lock(&p->lock);
  if (p->n_pending < MAX_PENDING_EVENTS) p->pending[p->n_pending++] = *e;
  pthread_mutex_unlock(&p->lock);
  pthread_mutex_lock(&p->stats_lock);
  if (e->type == VP_EVENT_JITTER_ANOMALY) p->anomalies++;
  if (e->type == VP_EVENT_STALL) p->stalls++;
  if (e->type == VP_EVENT_RATE_CHANGE) p->rate_changes++;
  pthread_mutex_unlock(&p->stats_lock);
  bool notable = e->type == VP_EVENT_JITTER_ANOMALY || e->type == VP_EVENT_STALL ||
                 e->type == VP_EVENT_SOURCE;
  vp__log(notable ? VP_LOG_WARNING : VP_LOG_INFO, "pipeline", "%s: %s", vp_event_type_name(e->type),
          e->message);
  if (p->o.on_event) p->o.on_event(p->o.user, e);
}

void vp_stage_post_event(vp_stage *st, vp_event_type type, double value, double value2,
                         const char *message) {
  if (!st) return;
  vp_event e;
  memset(&e, 0, sizeof e);
  e.type = type;
  e.time_ns = vp_time_ns();
  e.value = value;
  e.value2 = value2;
  pthread_mutex_lock(&st->p->stats_lock);
  e.seq = st->p->frames_read;
  pthread_mutex_unlock(&st->p->stats_lock);
  snprintf(e.message, sizeof e.message, "%s: %s", st->cls->name, message ? message : "");
  post_event(st->p, &e);
}

/* Move the events of this frame and of earlier ones (dropped frames' events
 * travel with the next frame that reaches the sinks) into the packet about to
 * reach the sinks. Events of later frames wait for their frame. */
static void attach_events(vp_pipeline *p, vp_packet *pkt) {
  pthread_mutex_lock(&p->lock);
  int32_t kept = 0;
  for (int32_t i = 0; i < p->n_pending; i++) {
    if (p->pending[i].seq <= pkt->seq && pkt->n_events < VP_PACKET_MAX_EVENTS)
      pkt->events[pkt->n_events++] = p->pending[i];
    else
      p->pending[kept++] = p->pending[i];
  }
  p->n_pending = kept;
  pthread_mutex_unlock(&p->lock);
}

/* ---- stages ------------------------------------------------------------- */

void *vp_stage_priv(vp_stage *st) { return st ? st->priv : NULL; }
void *vp_stage_opaque(vp_stage *st) { return st ? st->opaque : NULL; }
const vp_stage_class *vp_stage_get_class(const vp_stage *st) { return st ? st->cls : NULL; }
vp_threadpool *vp_stage_threadpool(vp_stage *st) { return st ? st->p->pool : NULL; }

vp_status vp_stage_set_option(vp_stage *st, const char *name, const char *value) {
  if (!st || !name) return vp__error(VP_EINVAL, "vp_stage_set_option: NULL argument");
  if (st->p->started)
    return vp__error(VP_ESTATE, "stage '%s': options are set before vp_pipeline_start",
                     st->cls->name);
  if (!vp_options_find(st->cls->options, name))
    return vp__error(VP_ENOENT, "stage '%s' has no option '%s'", st->cls->name, name);
  return vp_options_set(st->priv, st->cls->options, name, value);
}

/* ---- create / add ------------------------------------------------------- */

vp_status vp_pipeline_create(const vp_pipeline_options *options, vp_pipeline **out) {
  if (!out) return vp__error(VP_EINVAL, "vp_pipeline_create: out is NULL");
  vp_pipeline_options o = options ? *options : vp_pipeline_options_default();
  if (o.queue_capacity < 1 || o.queue_capacity > 1024)
    return vp__error(VP_EINVAL, "queue capacity %d out of range [1, 1024]", o.queue_capacity);
  if ((unsigned)o.queue_policy > VP_QUEUE_DROP_NEWEST)
    return vp__error(VP_EINVAL, "queue policy %d unknown", (int)o.queue_policy);
  if (o.max_frames < 0) return vp__error(VP_EINVAL, "max_frames %lld < 0", (long long)o.max_frames);
  if (!(o.latency_budget_ms >= 0) || o.latency_budget_ms > 3.6e6)
    return vp__error(VP_EINVAL, "latency budget %g ms out of range [0, 3600000]",
                     o.latency_budget_ms);
  vp_pipeline *p = calloc(1, sizeof *p);
  if (!p) return vp__error(VP_ENOMEM, "pipeline: out of memory");
  p->o = o;
  vp_status st = vp_jitter_monitor_create(&o.jitter, &p->jitter);
  if (st == VP_OK && o.adaptive_rate) {
    /* validate now; recreated at start with the source's frame rate */
    st = vp_rate_controller_create(&o.rate, &p->rate);
  }
  if (st == VP_OK) st = vp_threadpool_shared(o.threads, &p->pool);
  if (st != VP_OK) {
    vp_rate_controller_destroy(p->rate);
    vp_jitter_monitor_destroy(p->jitter);
    free(p);
    return st;
  }
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->done_cond, NULL);
  pthread_mutex_init(&p->stats_lock, NULL);
  atomic_init(&p->stop, false);
  p->info.frame_count = -1;
  *out = p;
  return VP_OK;
}

vp_status vp_pipeline_add(vp_pipeline *p, const vp_stage_class *cls, void *opaque, vp_stage **out) {
  if (!p || !cls || !cls->name) return vp__error(VP_EINVAL, "vp_pipeline_add: NULL argument");
  if (p->started) return vp__error(VP_ESTATE, "stage '%s': pipeline already started", cls->name);
  if ((unsigned)cls->kind > VP_STAGE_SINK)
    return vp__error(VP_EINVAL, "stage '%s': unknown kind %d", cls->name, (int)cls->kind);
  if (cls->kind == VP_STAGE_SOURCE ? !cls->read : !cls->process)
    return vp__error(VP_EINVAL, "stage '%s': a %s needs a %s callback", cls->name,
                     vp_stage_kind_name(cls->kind), cls->kind == VP_STAGE_SOURCE ? "read" : "process");
  if (p->n_stages == VP_PIPELINE_MAX_STAGES)
    return vp__error(VP_ERANGE, "stage '%s': at most %d stages", cls->name, VP_PIPELINE_MAX_STAGES);
  vp_stage *st = calloc(1, sizeof *st);
  if (!st) return vp__error(VP_ENOMEM, "stage '%s': out of memory", cls->name);
  if (cls->priv_size && !(st->priv = calloc(1, cls->priv_size))) {
    free(st);
    return vp__error(VP_ENOMEM, "stage '%s': out of memory", cls->name);
  }
  st->cls = cls;
  st->p = p;
  st->opaque = opaque;
  atomic_init(&st->ewma_ns, 0);
  vp_status s = vp_options_set_defaults(st->priv, cls->options);
  if (s) {
    vp_options_free(st->priv, cls->options);
    free(st->priv);
    free(st);
    return s;
  }
  p->stages[p->n_stages++] = st;
  if (out) *out = st;
  return VP_OK;
}

/* ---- workers ------------------------------------------------------------ */

static void request_stop(vp_pipeline *p) {
  if (atomic_exchange(&p->stop, true)) return;
  pthread_mutex_lock(&p->lock);
  vp_stage *src = p->source;
  if (src && src->cls->interrupt) src->cls->interrupt(src);
  pthread_mutex_unlock(&p->lock);
}

void vp_pipeline_stop(vp_pipeline *p) {
  if (p) request_stop(p);
}

static void stage_account(vp_stage *st, int64_t t0, int64_t t1, bool ok, bool full_path) {
  vp_pipeline *p = st->p;
  pthread_mutex_lock(&p->stats_lock);
  st->in++;
  if (ok) st->out++;
  vp__hist_add(&st->lat, t1 - t0);
  pthread_mutex_unlock(&p->stats_lock);
  if (full_path) {
    int64_t e = atomic_load(&st->ewma_ns);
    atomic_store(&st->ewma_ns, e ? e + ((t1 - t0) - e) / 8 : (t1 - t0));
  }
}

static void worker_finished(vp_pipeline *p) {
  pthread_mutex_lock(&p->lock);
  p->running--;
  if (p->running == 0) {
    pthread_mutex_lock(&p->stats_lock);
    p->end_ns = vp_time_ns();
    pthread_mutex_unlock(&p->stats_lock);
    pthread_cond_broadcast(&p->done_cond);
  }
  pthread_mutex_unlock(&p->lock);
}

/* Estimated time to finish stages [from, n) on the full path. */
static int64_t remaining_ns(vp_pipeline *p, int32_t from) {
  int64_t sum = 0;
  for (int32_t i = from; i < p->n_stages; i++) sum += atomic_load(&p->stages[i]->ewma_ns);
  return sum;
}

static bool cheap_path_after(vp_pipeline *p, int32_t from) {
  for (int32_t i = from; i < p->n_stages; i++)
    if (p->stages[i]->cls->kind != VP_STAGE_SINK && (p->stages[i]->cls->flags & VP_STAGE_FLAG_CHEAP_PATH))
      return true;
  return false;
}

/* Hand a packet that went through worker @w's stages on; release it at the end. */
static void forward(worker *w, vp_packet *pkt) {
  vp_pipeline *p = w->p;
  if (w->out) {
    vp__queue_push(w->out, pkt, NULL); /* drops and closed queues release it */
    return;
  }
  int64_t now = vp_time_ns();
  pthread_mutex_lock(&p->stats_lock);
  p->frames_done++;
  if (pkt->capture_ns > 0) vp__hist_add(&p->e2e, now - pkt->capture_ns);
  pthread_mutex_unlock(&p->stats_lock);
  packet_release(p, pkt);
}

/* Run one packet through worker @w's stages. @return false if a stage failed. */
static bool run_packet(worker *w, vp_packet *pkt) {
  vp_pipeline *p = w->p;
  vp_stage *first = p->stages[w->first];
  /* Latency budget: judged once per worker, before its work starts. */
  if (pkt->deadline_ns != INT64_MAX && first->cls->kind != VP_STAGE_SINK &&
      !(pkt->flags & (VP_FRAME_FLAG_SKIPPED | VP_FRAME_FLAG_LATE))) {
    int64_t now = vp_time_ns();
    if (now + remaining_ns(p, w->first) > pkt->deadline_ns) {
      if (cheap_path_after(p, w->first)) {
        pkt->flags |= VP_FRAME_FLAG_LATE;
        pthread_mutex_lock(&p->stats_lock);
        first->late++;
        p->frames_late++;
        pthread_mutex_unlock(&p->stats_lock);
      } else if (p->info.live) {
        pthread_mutex_lock(&p->stats_lock);
        first->late_dropped++;
        p->late_dropped++;
        pthread_mutex_unlock(&p->stats_lock);
        packet_release(p, pkt);
        return true;
      }
    }
  }
  for (int32_t i = w->first; i <= w->last; i++) {
    vp_stage *st = p->stages[i];
    if (st->cls->kind == VP_STAGE_SINK && (i == w->first || p->stages[i - 1]->cls->kind != VP_STAGE_SINK))
      attach_events(p, pkt);
    vp__error_clear();
    int64_t t0 = vp_time_ns();
    pkt->enter_ns = t0;
    vp_status s = st->cls->process(st, pkt);
    int64_t t1 = vp_time_ns();
    stage_account(st, t0, t1, s >= 0, !(pkt->flags & (VP_FRAME_FLAG_SKIPPED | VP_FRAME_FLAG_LATE)));
    if (s < 0) {
      fail(p, st, s, "stage");
      packet_release(p, pkt);
      return false;
    }
  }
  forward(w, pkt);
  return true;
}

static vp_status flush_stages(worker *w) {
  vp_pipeline *p = w->p;
  vp_status first_err = VP_OK;
  for (int32_t i = w->first; i <= w->last; i++) {
    vp_stage *st = p->stages[i];
    if (!st->cls->flush) continue;
    vp__error_clear();
    vp_status s = st->cls->flush(st);
    if (s < 0) {
      fail(p, st, s, "flushing stage");
      if (!first_err) first_err = s;
    }
  }
  return first_err;
}

static void *stage_worker_main(void *arg) {
  worker *w = arg;
  vp_pipeline *p = w->p;
  bool failed = false;
  vp_status end;
  for (;;) {
    void *item;
    end = vp__queue_pop(w->in, &item);
    if (end != VP_OK) break;
    vp_packet *pkt = item;
    if (failed)
      packet_release(p, pkt); /* keep draining so upstream never blocks */
    else if (!run_packet(w, pkt))
      failed = true;
  }
  /* Flush even after an error: finalise files with what was processed. */
  vp_status fs = flush_stages(w);
  if (w->out) {
    vp_status close_st = end;
    if (close_st == VP_EOF && (failed || fs)) {
      close_st = vp_pipeline_status(p);
      if (close_st == VP_OK) close_st = VP_EIO;
    }
    vp__queue_close(w->out, close_st);
  }
  worker_finished(p);
  return NULL;
}

static void *source_worker_main(void *arg) {
  worker *w = arg;
  vp_pipeline *p = w->p;
  vp_stage *src = p->stages[0];
  vp_status end = VP_EOF;
  int64_t n = 0;
  const double budget_ns = p->o.latency_budget_ms * 1e6;
  while (!atomic_load(&p->stop)) {
    if (p->o.max_frames > 0 && n >= p->o.max_frames) break;
    /* The controller runs on stream time only for files: only then can its
     * schedule be given as a pts hint. */
    vp_source_hint hint = {.skip_before_pts_ns = p->rate && !p->info.live
                                                     ? vp_rate_controller_next_due(p->rate)
                                                     : INT64_MIN,
                           .pixels_needed = p->o.decode_skipped};
    vp_frame *frame = NULL;
    vp__error_clear();
    int64_t t0 = vp_time_ns();
    vp_status s = src->cls->read(src, &hint, &frame);
    int64_t t1 = vp_time_ns();
    if (s == VP_EAGAIN) continue;
    if (s == VP_EOF) break;
    if (s == VP_OK && !frame && hint.pixels_needed)
      s = vp__error(VP_ESTATE, "source returned no frame");
    if (s < 0) {
      if (atomic_load(&p->stop) && s == VP_ECANCELED) break; /* interrupted by stop */
      fail(p, src, s, "source");
      end = s;
      break;
    }
    vp_packet *pkt = packet_get(p);
    if (!pkt) {
      vp_frame_unref(&frame);
      end = vp__error(VP_ENOMEM, "pipeline: out of memory for a packet");
      fail(p, src, end, "source");
      break;
    }
    pkt->frame = frame;
    if (frame) {
      pkt->seq = frame->seq;
      pkt->pts_ns = frame->pts_ns;
      pkt->capture_ns = frame->capture_ns ? frame->capture_ns : t1;
      pkt->flags = frame->flags;
    } else {
      pkt->seq = n;
      pkt->pts_ns = INT64_MIN;
      pkt->capture_ns = t1;
      pkt->flags = VP_FRAME_FLAG_SKIPPED;
    }
    pkt->deadline_ns = budget_ns > 0 ? pkt->capture_ns + (int64_t)budget_ns : INT64_MAX;
    if (frame && vp_frame_is_writable(frame)) frame->deadline_ns = pkt->deadline_ns;
    n++;

    /* Timing health on the source's own clock: capture time for live
     * sources, stream time for files (decoding runs ahead of real time). */
    int64_t t = (p->info.live || pkt->pts_ns == INT64_MIN) ? pkt->capture_ns : pkt->pts_ns;
    vp_event ev[3];
    int n_ev = vp_jitter_monitor_push(p->jitter, pkt->seq, t, ev);
    bool selected = true;
    if (p->rate) {
      double sigma = vp_jitter_monitor_count(p->jitter) >= p->o.jitter.min_intervals
                         ? vp_jitter_monitor_sigma_ms(p->jitter)
                         : -1;
      n_ev += vp_rate_controller_push(p->rate, pkt->seq, t, sigma, &selected, &ev[n_ev]);
      /* At or above the source's own rate nothing is thinned (arrival jitter
       * of a live stream must not skip frames). */
      if (p->info.fps > 0 && vp_rate_controller_fps(p->rate) >= p->info.fps * 0.999) selected = true;
    }
    if (!selected) pkt->flags |= VP_FRAME_FLAG_SKIPPED;
    if (frame && (pkt->flags & VP_FRAME_FLAG_SKIPPED) && vp_frame_is_writable(frame))
      frame->flags |= VP_FRAME_FLAG_SKIPPED;
    pthread_mutex_lock(&p->stats_lock);
    p->frames_read++;
    if (pkt->flags & VP_FRAME_FLAG_SKIPPED) p->frames_skipped++;
    p->jitter_sigma = vp_jitter_monitor_sigma_ms(p->jitter);
    p->jitter_mean = vp_jitter_monitor_mean_ms(p->jitter);
    p->rate_fps = p->rate ? vp_rate_controller_fps(p->rate) : 0;
    src->in++;
    src->out++;
    vp__hist_add(&src->lat, t1 - t0);
    pthread_mutex_unlock(&p->stats_lock);
    for (int i = 0; i < n_ev; i++) post_event(p, &ev[i]);
    forward(w, pkt);
  }
  if (w->out) vp__queue_close(w->out, end);
  worker_finished(p);
  return NULL;
}

/* ---- start / wait / destroy -------------------------------------------- */

/* Order rank: source, decode, then every task stage (preprocess, infer,
 * postprocess) in the order added — so each task's stages stay together and
 * in its own order, several tasks one after the other — then render, sinks. */
static int order_rank(vp_stage_kind k) {
  switch (k) {
  case VP_STAGE_SOURCE: return 0;
  case VP_STAGE_DECODE: return 1;
  case VP_STAGE_PREPROCESS:
  case VP_STAGE_INFER:
  case VP_STAGE_POSTPROCESS: return 2;
  case VP_STAGE_RENDER: return 3;
  case VP_STAGE_SINK: return 4;
  }
  return 2;
}

static int kind_cmp(const void *a, const void *b) {
  const vp_stage *x = *(vp_stage *const *)a, *y = *(vp_stage *const *)b;
  int rx = order_rank(x->cls->kind), ry = order_rank(y->cls->kind);
  if (rx != ry) return rx - ry;
  return x->index - y->index;
}

vp_status vp_pipeline_start(vp_pipeline *p) {
  if (!p) return vp__error(VP_EINVAL, "vp_pipeline_start: NULL pipeline");
  if (p->started) return vp__error(VP_ESTATE, "pipeline already started");
  int32_t sources = 0;
  for (int32_t i = 0; i < p->n_stages; i++) {
    p->stages[i]->index = i;
    sources += p->stages[i]->cls->kind == VP_STAGE_SOURCE;
  }
  if (sources != 1) return vp__error(VP_EINVAL, "pipeline needs exactly one source stage, has %d", sources);
  pthread_mutex_lock(&p->lock);
  qsort(p->stages, (size_t)p->n_stages, sizeof p->stages[0], kind_cmp);
  for (int32_t i = 0; i < p->n_stages; i++) p->stages[i]->index = i;
  p->started = true;
  p->source = p->stages[0];
  pthread_mutex_unlock(&p->lock);
  if (atomic_load(&p->stop) && p->source->cls->interrupt) { /* stopped before start */
    pthread_mutex_lock(&p->lock);
    p->source->cls->interrupt(p->source);
    pthread_mutex_unlock(&p->lock);
  }

  /* Initialise in order; the source reports what it delivers. */
  for (int32_t i = 0; i < p->n_stages; i++) {
    vp_stage *st = p->stages[i];
    st->init_called = true;
    if (!st->cls->init) continue;
    vp_stream_info info = {.live = false, .frame_count = -1};
    vp__error_clear();
    vp_status s = st->cls->init(st, i == 0 ? &info : &(vp_stream_info){.frame_count = -1});
    if (s < 0) {
      const char *msg = vp_last_error();
      char copy[256];
      snprintf(copy, sizeof copy, "%s", msg[0] ? msg : vp_strerror(s));
      return vp__error(s, "%s '%s': %s", vp_stage_kind_name(st->cls->kind), st->cls->name, copy);
    }
    if (i == 0) p->info = info;
  }
  p->policy = p->o.queue_policy != VP_QUEUE_AUTO ? p->o.queue_policy
              : p->info.live                    ? VP_QUEUE_DROP_OLDEST
                                                : VP_QUEUE_BLOCK;
  if (p->rate && p->info.fps > 0) { /* start at the source's own rate */
    vp_rate_options ro = p->o.rate;
    /* Above the source's own rate the controller selects every frame anyway:
     * cap there, so a steady source reports no pointless rate changes. */
    if (p->info.fps < ro.max_fps) ro.max_fps = p->info.fps > ro.min_fps ? p->info.fps : ro.min_fps;
    if (!(ro.start_fps > 0)) ro.start_fps = p->info.fps;
    vp_rate_controller *rc;
    vp_status s = vp_rate_controller_create(&ro, &rc);
    if (s) return s;
    vp_rate_controller_destroy(p->rate);
    p->rate = rc;
  }
  pthread_mutex_lock(&p->stats_lock);
  p->rate_fps = p->rate ? vp_rate_controller_fps(p->rate) : 0;
  pthread_mutex_unlock(&p->stats_lock);

  /* Map stages onto workers. */
  p->n_workers = 0;
  for (int32_t i = 0; i < p->n_stages; i++) {
    vp_stage *st = p->stages[i];
    bool new_worker = i <= 1 || (st->cls->flags & VP_STAGE_FLAG_THREAD);
    if (new_worker) {
      worker *w = &p->workers[p->n_workers];
      w->p = p;
      w->index = p->n_workers++;
      w->first = i;
    }
    p->workers[p->n_workers - 1].last = i;
    st->worker = p->n_workers - 1;
  }
  for (int32_t k = 1; k < p->n_workers; k++) {
    vp__queue *q;
    vp_status s = vp__queue_create(p->o.queue_capacity, p->policy, queue_drop, p, &q);
    if (s) return s;
    p->workers[k - 1].out = q;
    p->workers[k].in = q;
  }

  pthread_mutex_lock(&p->stats_lock);
  p->start_ns = vp_time_ns();
  pthread_mutex_unlock(&p->stats_lock);
  for (int32_t k = 0; k < p->n_workers; k++) {
    worker *w = &p->workers[k];
    pthread_mutex_lock(&p->lock);
    p->running++;
    pthread_mutex_unlock(&p->lock);
    int rc = pthread_create(&w->thread, NULL, k == 0 ? source_worker_main : stage_worker_main, w);
    if (rc != 0) {
      pthread_mutex_lock(&p->lock);
      p->running--;
      pthread_mutex_unlock(&p->lock);
      /* End what runs: the started workers drain and exit. */
      request_stop(p);
      if (k > 0 && p->workers[k - 1].out) vp__queue_close(p->workers[k - 1].out, VP_ECANCELED);
      for (int32_t j = k; j < p->n_workers; j++)
        if (p->workers[j].out) vp__queue_close(p->workers[j].out, VP_ECANCELED);
      return vp__error(VP_ENOMEM, "pipeline: cannot start worker %d", k);
    }
    w->started = true;
  }
  return VP_OK;
}

vp_stream_info vp_pipeline_source_info(const vp_pipeline *p) { return p->info; }

vp_status vp_pipeline_wait(vp_pipeline *p, int64_t timeout_ms) {
  if (!p) return vp__error(VP_EINVAL, "vp_pipeline_wait: NULL pipeline");
  struct timespec until;
  if (timeout_ms >= 0) {
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000;
    }
  }
  vp_status st = VP_OK;
  pthread_mutex_lock(&p->lock);
  while (p->running > 0) {
    if (timeout_ms < 0) {
      pthread_cond_wait(&p->done_cond, &p->lock);
    } else if (pthread_cond_timedwait(&p->done_cond, &p->lock, &until) != 0) {
      st = p->running > 0 ? VP_ETIMEDOUT : VP_OK;
      break;
    }
  }
  pthread_mutex_unlock(&p->lock);
  return st;
}

vp_status vp_pipeline_status(const vp_pipeline *p) {
  vp_pipeline *mp = (vp_pipeline *)p;
  pthread_mutex_lock(&mp->lock);
  vp_status s = mp->status;
  pthread_mutex_unlock(&mp->lock);
  return s;
}

const char *vp_pipeline_error(const vp_pipeline *p) {
  /* written once (first error) before the workers finish; read after wait */
  vp_pipeline *mp = (vp_pipeline *)p;
  pthread_mutex_lock(&mp->lock);
  const char *e = mp->error;
  pthread_mutex_unlock(&mp->lock);
  return e;
}

void vp_pipeline_destroy(vp_pipeline *p) {
  if (!p) return;
  request_stop(p);
  for (int32_t k = 0; k < p->n_workers; k++)
    if (p->workers[k].started) pthread_join(p->workers[k].thread, NULL);
  for (int32_t k = 0; k < p->n_workers; k++) vp__queue_destroy(p->workers[k].out);
  for (int32_t i = 0; i < p->n_stages; i++) { /* pipeline order (documented in pipeline.h) */
    vp_stage *st = p->stages[i];
    if (st->init_called && st->cls->uninit) st->cls->uninit(st);
    vp_options_free(st->priv, st->cls->options);
    free(st->priv);
    free(st);
  }
  while (p->free_list) {
    pkt_node *n = p->free_list;
    p->free_list = n->next;
    free(n);
  }
  vp_rate_controller_destroy(p->rate);
  vp_jitter_monitor_destroy(p->jitter);
  vp_threadpool_unref(&p->pool);
  pthread_mutex_destroy(&p->stats_lock);
  pthread_cond_destroy(&p->done_cond);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

/* ---- statistics --------------------------------------------------------- */

void vp_pipeline_stats_get(vp_pipeline *p, vp_pipeline_stats *out) {
  memset(out, 0, sizeof *out);
  if (!p) return;
  vp__queue_counters qc[MAX_WORKERS];
  memset(qc, 0, sizeof qc);
  for (int32_t k = 0; k < p->n_workers; k++)
    if (p->workers[k].in) vp__queue_counters_get(p->workers[k].in, &qc[k]);
  pthread_mutex_lock(&p->lock);
  out->finished = p->started && p->running == 0;
  pthread_mutex_unlock(&p->lock);
  pthread_mutex_lock(&p->stats_lock);
  int64_t queue_drops = 0;
  out->n_stages = p->n_stages;
  for (int32_t i = 0; i < p->n_stages; i++) {
    vp_stage *st = p->stages[i];
    vp_stage_stats *s = &out->stages[i];
    s->name = st->cls->name;
    s->kind = st->cls->kind;
    s->worker = st->worker;
    s->frames_in = st->in;
    s->frames_out = st->out;
    s->late = st->late;
    s->late_dropped = st->late_dropped;
    if (p->started && st->worker > 0 && p->workers[st->worker].first == i) {
      const vp__queue_counters *c = &qc[st->worker];
      s->dropped = c->dropped;
      s->queue_capacity = c->capacity;
      s->queue_high_water = c->high_water;
      queue_drops += c->dropped;
    }
    s->latency_p50_ms = vp__hist_quantile_ms(&st->lat, 0.50);
    s->latency_p99_ms = vp__hist_quantile_ms(&st->lat, 0.99);
    s->latency_max_ms = (double)st->lat.max_ns / 1e6;
  }
  out->frames_read = p->frames_read;
  out->frames_done = p->frames_done;
  out->frames_dropped = queue_drops + p->late_dropped;
  out->frames_skipped = p->frames_skipped;
  out->frames_late = p->frames_late;
  int64_t end = p->end_ns ? p->end_ns : (p->start_ns ? vp_time_ns() : 0);
  out->elapsed_s = p->start_ns ? (double)(end - p->start_ns) / 1e9 : 0;
  out->fps = out->elapsed_s > 0 ? (double)p->frames_done / out->elapsed_s : 0;
  out->e2e_p50_ms = vp__hist_quantile_ms(&p->e2e, 0.50);
  out->e2e_p99_ms = vp__hist_quantile_ms(&p->e2e, 0.99);
  out->e2e_max_ms = (double)p->e2e.max_ns / 1e6;
  out->rate_fps = p->rate_fps;
  out->jitter_sigma_ms = p->jitter_sigma;
  out->jitter_mean_ms = p->jitter_mean;
  out->jitter_anomalies = p->anomalies;
  out->stalls = p->stalls;
  out->rate_changes = p->rate_changes;
  pthread_mutex_unlock(&p->stats_lock);
}
