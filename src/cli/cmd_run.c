/* vpipe run (layer: cli): read a video/stream/camera/image, run the pipeline,
 * write JSONL results and an annotated output.
 *
 * DESIGN: the main thread parses options, opens the io objects (so bad
 * inputs and outputs fail before anything starts), builds and starts the
 * pipeline, then waits on it in steps of 250 ms to draw the progress bar or
 * print periodic statistics. SIGINT/SIGTERM are blocked in every thread
 * (the mask is set before any thread exists, FFmpeg's included) and taken by
 * one signal thread with sigwait(), which calls vp_pipeline_stop() — a
 * normal thread, so no async-signal-safety constraint; a second signal (a
 * second or more after the first) exits at once. The signal thread is ended
 * with SIGUSR1 and joined. Ownership: the io objects belong to this file and
 * are closed after the pipeline has been destroyed (video sink before source,
 * as io.h asks). Lock: sig_lock guards the pipeline pointer shared with the
 * signal thread. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/model_arg.h"
#include "cli/run_options.h"
#include "cli/run_stages.h"
#include "cli/run_tasks.h"
#include "vpipe/io.h"
#include "vpipe/pipeline.h"

#define SYNOPSIS "--input SRC [--output DST] [--json FILE|-] [OPTIONS]"

/* ---- signals -------------------------------------------------------------- */

static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static vp_pipeline *sig_pipeline;
static atomic_int sig_count;
static int64_t first_signal_ns; /* signal thread only */

static void *signal_main(void *arg) {
  sigset_t *set = arg;
  for (;;) {
    int sig;
    if (sigwait(set, &sig) != 0) continue;
    if (sig == SIGUSR1) return NULL;
    /* A second signal at least a second after the first forces the exit
     * (some tools, e.g. timeout(1), deliver one signal twice at once). */
    int64_t now = vp_time_ns();
    if (atomic_fetch_add(&sig_count, 1) > 0 && now - first_signal_ns >= 1000000000) {
      static const char msg[] = "\nvpipe run: second signal, exiting without finishing\n";
      ssize_t w = write(2, msg, sizeof msg - 1);
      (void)w;
      _exit(130);
    }
    if (!first_signal_ns) first_signal_ns = now;
    pthread_mutex_lock(&sig_lock);
    if (sig_pipeline) vp_pipeline_stop(sig_pipeline);
    pthread_mutex_unlock(&sig_lock);
  }
}

/* ---- statistics output ----------------------------------------------------- */

static void print_stats(FILE *f, const vp_pipeline_stats *s, bool final) {
  fprintf(f, "%s: %lld frames read, %lld done, %lld dropped, %lld skipped, %lld late in %.2f s "
             "(%.1f fps)\n",
          final ? "statistics" : "progress", (long long)s->frames_read, (long long)s->frames_done,
          (long long)s->frames_dropped, (long long)s->frames_skipped, (long long)s->frames_late,
          s->elapsed_s, s->fps);
  fprintf(f, "  %-16s %-11s %6s %8s %8s %7s %6s %8s %8s %5s\n", "stage", "kind", "worker", "in",
          "out", "dropped", "late", "p50 ms", "p99 ms", "queue");
  for (int32_t i = 0; i < s->n_stages; i++) {
    const vp_stage_stats *t = &s->stages[i];
    char q[24] = "-";
    if (t->queue_capacity) snprintf(q, sizeof q, "%d/%d", t->queue_high_water, t->queue_capacity);
    fprintf(f, "  %-16s %-11s %6d %8lld %8lld %7lld %6lld %8.3f %8.3f %5s\n", t->name,
            vp_stage_kind_name(t->kind), t->worker, (long long)t->frames_in,
            (long long)t->frames_out, (long long)(t->dropped + t->late_dropped),
            (long long)t->late, t->latency_p50_ms, t->latency_p99_ms, q);
  }
  fprintf(f, "  end-to-end latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", s->e2e_p50_ms,
          s->e2e_p99_ms, s->e2e_max_ms);
  fprintf(f, "  timing: interval mean %.2f ms, sigma %.2f ms; %lld anomalies, %lld stalls, "
             "%lld rate changes%s",
          s->jitter_mean_ms, s->jitter_sigma_ms, (long long)s->jitter_anomalies,
          (long long)s->stalls, (long long)s->rate_changes, s->rate_fps > 0 ? "" : "\n");
  if (s->rate_fps > 0) fprintf(f, "; processing rate %.2f fps\n", s->rate_fps);
}

/* The final statistics as one JSON object (machine-readable twin of print_stats). */
static vp_status write_stats_json(vp_jsonl_writer *w, const vp_pipeline_stats *s, vp_status job) {
  vp_json *j;
  vp_status st = vp_json_create(&j);
  if (st) return st;
  vp_json_object_begin(j);
  vp_json_kv_string(j, "status", vp_strerror(job));
  vp_json_kv_int(j, "frames_read", s->frames_read);
  vp_json_kv_int(j, "frames_done", s->frames_done);
  vp_json_kv_int(j, "frames_dropped", s->frames_dropped);
  vp_json_kv_int(j, "frames_skipped", s->frames_skipped);
  vp_json_kv_int(j, "frames_late", s->frames_late);
  vp_json_kv_float(j, "elapsed_s", s->elapsed_s);
  vp_json_kv_float(j, "fps", s->fps);
  vp_json_key(j, "latency_ms");
  vp_json_object_begin(j);
  vp_json_kv_float(j, "p50", s->e2e_p50_ms);
  vp_json_kv_float(j, "p99", s->e2e_p99_ms);
  vp_json_kv_float(j, "max", s->e2e_max_ms);
  vp_json_object_end(j);
  vp_json_key(j, "timing");
  vp_json_object_begin(j);
  vp_json_kv_float(j, "interval_mean_ms", s->jitter_mean_ms);
  vp_json_kv_float(j, "interval_sigma_ms", s->jitter_sigma_ms);
  vp_json_kv_int(j, "anomalies", s->jitter_anomalies);
  vp_json_kv_int(j, "stalls", s->stalls);
  vp_json_kv_int(j, "rate_changes", s->rate_changes);
  vp_json_kv_float(j, "rate_fps", s->rate_fps);
  vp_json_object_end(j);
  vp_json_key(j, "stages");
  vp_json_array_begin(j);
  for (int32_t i = 0; i < s->n_stages; i++) {
    const vp_stage_stats *t = &s->stages[i];
    vp_json_object_begin(j);
    vp_json_kv_string(j, "name", t->name);
    vp_json_kv_string(j, "kind", vp_stage_kind_name(t->kind));
    vp_json_kv_int(j, "worker", t->worker);
    vp_json_kv_int(j, "frames_in", t->frames_in);
    vp_json_kv_int(j, "frames_out", t->frames_out);
    vp_json_kv_int(j, "dropped", t->dropped);
    vp_json_kv_int(j, "late", t->late);
    vp_json_kv_int(j, "late_dropped", t->late_dropped);
    vp_json_kv_float(j, "p50_ms", t->latency_p50_ms);
    vp_json_kv_float(j, "p99_ms", t->latency_p99_ms);
    if (t->queue_capacity) {
      vp_json_kv_int(j, "queue_capacity", t->queue_capacity);
      vp_json_kv_int(j, "queue_high_water", t->queue_high_water);
    }
    vp_json_object_end(j);
  }
  vp_json_array_end(j);
  vp_json_object_end(j);
  st = vp_jsonl_write(w, j);
  vp_json_destroy(j);
  return st;
}

static void print_progress(const vp_pipeline_stats *s, int64_t total) {
  char bar[31];
  double frac = total > 0 ? (double)s->frames_done / (double)total : 0;
  if (frac > 1) frac = 1;
  int fill = (int)(frac * 30);
  for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
  bar[30] = 0;
  if (total > 0) {
    double eta = s->fps > 0 ? (double)(total - s->frames_done) / s->fps : 0;
    if (eta < 0) eta = 0;
    fprintf(stderr, "\r[%s] %lld/%lld frames  %.1f fps  ETA %d:%02d ", bar,
            (long long)s->frames_done, (long long)total, s->fps, (int)eta / 60, (int)eta % 60);
  } else {
    fprintf(stderr, "\r%lld frames  %.1f fps ", (long long)s->frames_done, s->fps);
  }
  fflush(stderr);
}

static void log_event(void *user, const vp_event *e) {
  (void)user;
  (void)e; /* the library logs events itself ("pipeline" component) */
}

/* ---- the command ----------------------------------------------------------- */

/* Decoder threads beside a task pool of @p threads (0: one per CPU). */
static int decoder_threads(int threads) {
  if (threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n > 0 ? (int)n : 1;
  }
  return threads > 1 ? threads - 1 : 1;
}

int vp_cmd_run(int argc, char **argv) {
  vp_run_args a;
  memset(&a, 0, sizeof a);
  int pr = vp_cli_parse("run", vp_run_option_table, &a, argc, argv);
  if (pr == 1) {
    vp_cli_help(stdout, "run", SYNOPSIS, vp_run_option_table);
    vp_options_free(&a, vp_run_option_table);
    return 0;
  }
  if (pr != 0) {
    vp_options_free(&a, vp_run_option_table);
    return 2;
  }
  if (!a.input) {
    fprintf(stderr, "vpipe run: --input is required (see vpipe run --help)\n");
    vp_options_free(&a, vp_run_option_table);
    return 2;
  }
  vp_precision precision;
  if (vp_cli_parse_precision("run", a.precision, &precision)) {
    vp_options_free(&a, vp_run_option_table);
    return 2;
  }
  /* Pass-through runs no model; --quiet is errors only. */
  if (a.task && !a.quiet) vp_cli_warn_precision("run", precision);
  /* The pose networks are ill-conditioned on partial bodies: bf16 moves their
   * landmarks well past the still-image bounds (bench/README.md, "bf16"). */
  if (a.task && !a.quiet && strstr(a.task, "pose") && precision == VP_PRECISION_BF16 &&
      vp_precision_bf16_available())
    fprintf(stderr, "vpipe run: warning: pose in bf16 can move landmarks by up to 0.2 of the image on "
                    "partial-body frames (face and hands stay within 0.003); use fp32 to match MediaPipe\n");
  if (a.quiet) vp_log_set_callback(NULL, NULL, VP_LOG_ERROR);

  /* Signals: block them before any thread starts, take them in one thread. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &set, &old_mask);
  pthread_t sig_thread;
  bool sig_started = pthread_create(&sig_thread, NULL, signal_main, &set) == 0;

  int rc = 1;
  vp_run_io io;
  memset(&io, 0, sizeof io);
  vp_pipeline *p = NULL;
  vp_jsonl_writer *stats_w = NULL;

  vp_source_options so = vp_source_options_default();
  /* With a task, inference takes the --threads budget on its own pool, so the
   * decoder gets one thread fewer (at least one): 720p H.264 needs ~0.4 ms a
   * frame, and a second frame-threaded decoder thread only competed with the
   * inference threads (hands lite, 2 hands, 2 threads: 148 -> 164 fps,
   * pose lite 191 -> 200 fps, means of 3 alternating runs). */
  so.decode_threads = a.task ? decoder_threads(a.threads) : a.threads;
  /* Tasks see the exact RGB24 pixels MediaPipe was given (swscale, on the
   * source's worker). */
  if (a.task && a.task_pixfmt == 0) so.pixfmt = VP_PIXFMT_RGB24;
  /* Pass-through: no stage draws, so decoder buffers go out without a copy
   * (read-only frames). Tasks render onto frames: they keep writable ones. */
  if (!a.task) so.shared_buffers = true;
  so.on_event = vp_run_source_event;
  so.event_user = &io;
  if (vp_source_open(a.input, &so, &io.source) != VP_OK) {
    fprintf(stderr, "vpipe run: cannot read input: %s\n", vp_last_error());
    goto done;
  }
  const vp_source_info *si = vp_source_get_info(io.source);
  if (a.json && vp_jsonl_open(a.json, NULL, &io.jsonl) != VP_OK) {
    fprintf(stderr, "vpipe run: cannot write JSON: %s\n", vp_last_error());
    goto done;
  }
  if (a.stats && vp_jsonl_open(a.stats, NULL, &stats_w) != VP_OK) {
    fprintf(stderr, "vpipe run: cannot write statistics: %s\n", vp_last_error());
    goto done;
  }
  if (a.output) {
    vp_video_sink_options vo = vp_video_sink_options_default();
    vo.source = io.source;
    if (vp_video_sink_open(a.output, &vo, &io.video) != VP_OK) {
      fprintf(stderr, "vpipe run: cannot write output: %s\n", vp_last_error());
      goto done;
    }
  }

  vp_pipeline_options po = vp_pipeline_options_default();
  po.queue_capacity = a.queue_size;
  po.queue_policy = (vp_queue_policy)a.queue_policy;
  po.max_frames = a.max_frames;
  po.latency_budget_ms = a.latency_budget_ms;
  po.threads = a.threads;
  po.adaptive_rate = a.adaptive_rate == 0;
  po.rate.min_fps = a.fps_range[0];
  po.rate.max_fps = a.fps_range[1];
  po.rate.low_sigma_ms = a.rate_sigma[0];
  po.rate.high_sigma_ms = a.rate_sigma[1];
  po.jitter.window = a.jitter_window;
  if (po.jitter.min_intervals > a.jitter_window) po.jitter.min_intervals = a.jitter_window;
  po.jitter.sigma_factor = a.jitter_factor;
  po.jitter.stall_ms = a.stall_ms;
  po.jitter.stall_count = a.stall_count;
  po.decode_skipped = a.output != NULL;
  po.on_event = log_event;
  if (vp_pipeline_create(&po, &p) != VP_OK) { /* only option combinations fail here */
    fprintf(stderr, "vpipe run: %s\n", vp_last_error());
    rc = 2;
    goto done;
  }
  if (vp_pipeline_add(p, &vp_run_source_class, &io, &io.source_stage) != VP_OK ||
      (io.jsonl && vp_pipeline_add(p, &vp_run_jsonl_class, &io, NULL) != VP_OK) ||
      (io.video && vp_pipeline_add(p, &vp_run_video_class, &io, NULL) != VP_OK)) {
    fprintf(stderr, "vpipe run: %s\n", vp_last_error());
    goto done;
  }
  if (a.task) {
    vp_status ts = vp_run_tasks_add(p, a.task, &a);
    if (ts != VP_OK) {
      rc = ts == VP_EINVAL ? 2 : 1;
      goto done;
    }
  }
  pthread_mutex_lock(&sig_lock);
  sig_pipeline = p;
  pthread_mutex_unlock(&sig_lock);
  if (atomic_load(&sig_count) > 0) vp_pipeline_stop(p); /* a signal came while opening */
  if (vp_pipeline_start(p) != VP_OK) {
    fprintf(stderr, "vpipe run: %s\n", vp_last_error());
    goto done;
  }

  const bool live = si->is_live;
  const bool bar = !a.quiet && !live && isatty(2);
  int64_t total = si->frame_count;
  if (a.max_frames > 0 && (total < 0 || total > a.max_frames)) total = a.max_frames;
  int64_t last_stats = vp_time_ns();
  vp_pipeline_stats s;
  while (vp_pipeline_wait(p, 250) == VP_ETIMEDOUT) {
    vp_pipeline_stats_get(p, &s);
    if (bar) print_progress(&s, total);
    if (live && !a.quiet && a.stats_interval > 0 &&
        vp_time_ns() - last_stats >= (int64_t)(a.stats_interval * 1e9)) {
      last_stats = vp_time_ns();
      print_stats(stderr, &s, false);
    }
  }
  vp_pipeline_stats_get(p, &s);
  if (bar) {
    print_progress(&s, total);
    fputc('\n', stderr);
  }
  vp_status st = vp_pipeline_status(p);
  if (st != VP_OK) {
    fprintf(stderr, "vpipe run: %s\n", vp_pipeline_error(p));
  } else {
    rc = 0;
  }
  if (stats_w && write_stats_json(stats_w, &s, st) != VP_OK) {
    fprintf(stderr, "vpipe run: cannot write statistics: %s\n", vp_last_error());
    rc = 1;
  }
  if (!a.quiet) {
    print_stats(stderr, &s, true);
    if (atomic_load(&sig_count) > 0) fprintf(stderr, "stopped by signal; every frame read was finished\n");
  }

done:
  pthread_mutex_lock(&sig_lock);
  sig_pipeline = NULL;
  pthread_mutex_unlock(&sig_lock);
  vp_pipeline_destroy(p);
  if (io.video) { /* not flushed by the pipeline (it never started) */
    io.video_status = vp_video_sink_close(io.video);
    io.video = NULL;
  }
  if (io.video_status != VP_OK && rc == 0) {
    fprintf(stderr, "vpipe run: finishing the output failed: %s\n", vp_strerror(io.video_status));
    rc = 1;
  }
  if (io.jsonl && vp_jsonl_close(io.jsonl) != VP_OK && rc == 0) {
    fprintf(stderr, "vpipe run: writing JSON failed: %s\n", vp_last_error());
    rc = 1;
  }
  if (stats_w && vp_jsonl_close(stats_w) != VP_OK && rc == 0) {
    fprintf(stderr, "vpipe run: writing statistics failed: %s\n", vp_last_error());
    rc = 1;
  }
  vp_source_close(io.source);
  if (sig_started) {
    pthread_kill(sig_thread, SIGUSR1);
    pthread_join(sig_thread, NULL);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
  vp_options_free(&a, vp_run_option_table);
  return rc;
}
