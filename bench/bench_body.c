/* Hand / pose / selfie benchmarks (not a test; run by hand, quote medians).
 *
 *   bench_body image TASK [IMAGE] [--iters N] [--threads T] [--precision fp32|bf16]
 *     IMAGE-mode latency of the whole task (detector, crops, landmark model,
 *     post-processing; selfie: crop, model, resize to the frame), median / p90
 *     / min over N runs after warm-up. TASK: hands (lite models, num_hands 2),
 *     hands_full, pose_lite, pose_full, pose_heavy, selfie. Default image: the
 *     astronaut for pose/selfie, opencv-doc_handSrc.jpg for hands.
 *   bench_body video TASK VIDEO [--threads T] [--num N] [--detector-interval K]
 *                    [--precision fp32|bf16]
 *     VIDEO-mode tracking over every frame of VIDEO, decode included, in this
 *     thread: fps and the per-frame split decode / preprocess / inference /
 *     postprocess (medians). TASK: hands, pose_lite, pose_full, selfie.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vpipe/image.h"
#include "vpipe/io.h"
#include "vpipe/tasks.h"
#include "bench_precision.h"

/* CPU time of this thread: on a shared, loaded machine the wall clock mostly
 * measures waiting; the CPU time a run consumed is what an idle core needs. */
static int64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}
static double med(int64_t *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_i64);
  return n ? (double)v[n / 2] / 1e6 : 0;
}
static double pct(const int64_t *v, int n, double p) {
  return n ? (double)v[(int)(p * (n - 1))] / 1e6 : 0;
}

typedef struct task {
  vp_hand_landmarker *h;
  vp_pose_landmarker *p;
  vp_segmenter *s;
} task;

static int g_interval = 1;

/* --precision of every task made here, parsed with vp_precision_parse. */
static vp_precision g_precision = VP_PRECISION_FP32;

static void print_precision(void) { bench_print_precision(g_precision); }

static int make(task *t, const char *name, vp_running_mode mode, int threads, int num) {
  memset(t, 0, sizeof *t);
  vp_status st;
  if (!strncmp(name, "hands", 5)) {
    vp_hand_landmarker_options o = vp_hand_landmarker_options_default();
    o.model = strcmp(name, "hands_full") ? VP_MODEL_LITE : VP_MODEL_FULL;
    o.num_hands = num > 0 ? num : 2;
    o.detector_interval = g_interval;
    o.running_mode = mode;
    o.num_threads = threads;
    o.precision = g_precision;
    st = vp_hand_landmarker_create(&o, &t->h);
  } else if (!strncmp(name, "pose", 4)) {
    vp_pose_landmarker_options o = vp_pose_landmarker_options_default();
    o.model = !strcmp(name, "pose_lite") ? VP_MODEL_LITE
              : !strcmp(name, "pose_heavy") ? VP_MODEL_HEAVY : VP_MODEL_FULL;
    o.num_poses = num > 0 ? num : 1;
    o.detector_interval = g_interval;
    o.running_mode = mode;
    o.num_threads = threads;
    o.precision = g_precision;
    st = vp_pose_landmarker_create(&o, &t->p);
  } else if (!strcmp(name, "selfie")) {
    vp_segmenter_options o = vp_segmenter_options_default();
    o.running_mode = mode;
    o.num_threads = threads;
    o.precision = g_precision;
    st = vp_segmenter_create(&o, &t->s);
  } else {
    fprintf(stderr, "bench_body: unknown task %s\n", name);
    return 1;
  }
  if (st != VP_OK) {
    fprintf(stderr, "bench_body: %s\n", vp_last_error());
    return 1;
  }
  return 0;
}

static void destroy(task *t) {
  vp_hand_landmarker_destroy(t->h);
  vp_pose_landmarker_destroy(t->p);
  vp_segmenter_destroy(t->s);
}

/* Run one frame; *count gets the objects found; timings into *tm. */
static vp_status run(task *t, const vp_frame *f, int64_t ts, bool video, int *count,
                     vp_task_timings *tm) {
  vp_status st;
  memset(tm, 0, sizeof *tm);
  if (t->h) {
    const vp_hand_landmarker_result *r;
    st = video ? vp_hand_landmarker_detect_for_video(t->h, f, ts, &r)
               : vp_hand_landmarker_detect(t->h, f, &r);
    if (st == VP_OK) *count = r->count;
    vp_hand_landmarker_timings(t->h, tm);
  } else if (t->p) {
    const vp_pose_landmarker_result *r;
    st = video ? vp_pose_landmarker_detect_for_video(t->p, f, ts, &r)
               : vp_pose_landmarker_detect(t->p, f, &r);
    if (st == VP_OK) *count = r->count;
    vp_pose_landmarker_timings(t->p, tm);
  } else {
    const vp_segmenter_result *r;
    st = video ? vp_segmenter_segment_for_video(t->s, f, ts, &r) : vp_segmenter_segment(t->s, f, &r);
    if (st == VP_OK) *count = 1;
    vp_segmenter_timings(t->s, tm);
  }
  return st;
}

static void media(char *buf, size_t n, const char *name) {
  const char *m = getenv("VPIPE_MEDIA"), *home = getenv("HOME");
  if (m && *m) snprintf(buf, n, "%s/%s", m, name);
  else snprintf(buf, n, "%s/.cache/vpipe/media/%s", home ? home : ".", name);
}

static int image(const char *name, const char *path, int iters, int threads) {
  char def[1024];
  if (!path) {
    media(def, sizeof def,
          !strncmp(name, "hands", 5) ? "opencv-doc_handSrc.jpg" : "python3-skimage_astronaut.png");
    path = def;
  }
  vp_frame *f = NULL;
  if (vp_image_load(path, &f) != VP_OK) {
    fprintf(stderr, "bench_body: %s\n", vp_last_error());
    return 1;
  }
  task t;
  if (make(&t, name, VP_RUNNING_MODE_IMAGE, threads, 0)) return 1;
  int64_t *tot = calloc((size_t)iters, 8), *cpu = calloc((size_t)iters, 8);
  int64_t *pre = calloc((size_t)iters, 8), *inf = calloc((size_t)iters, 8),
          *post = calloc((size_t)iters, 8);
  int count = 0;
  for (int i = -10; i < iters; i++) {
    vp_task_timings tm;
    int64_t t0 = vp_time_ns(), c0 = cpu_ns();
    if (run(&t, f, 0, false, &count, &tm) != VP_OK) {
      fprintf(stderr, "bench_body: %s\n", vp_last_error());
      return 1;
    }
    if (i >= 0) {
      tot[i] = vp_time_ns() - t0;
      cpu[i] = cpu_ns() - c0;
      pre[i] = tm.preprocess_ns;
      inf[i] = tm.inference_ns;
      post[i] = tm.postprocess_ns;
    }
  }
  qsort(tot, (size_t)iters, 8, cmp_i64);
  qsort(cpu, (size_t)iters, 8, cmp_i64);
  printf("%s image %dx%d, %d thread(s), %d found: wall median %.3f ms, p90 %.3f ms, min %.3f ms;"
         " CPU (this thread) median %.3f ms, min %.3f ms (%d runs)\n", name, f->width, f->height,
         threads, count, pct(tot, iters, 0.5), pct(tot, iters, 0.9), pct(tot, iters, 0.0),
         pct(cpu, iters, 0.5), pct(cpu, iters, 0.0), iters);
  printf("  wall split medians ms: preprocess %.3f, inference %.3f, postprocess %.3f\n",
         med(pre, iters), med(inf, iters), med(post, iters));
  free(tot);
  free(cpu);
  free(pre);
  free(inf);
  free(post);
  destroy(&t);
  vp_frame_unref(&f);
  return 0;
}

static int video(const char *name, const char *path, int threads, int num) {
  vp_source_options so = vp_source_options_default();
  so.pixfmt = VP_PIXFMT_RGB24;
  vp_source *src = NULL;
  if (vp_source_open(path, &so, &src) != VP_OK) {
    fprintf(stderr, "bench_body: %s\n", vp_last_error());
    return 1;
  }
  task t;
  if (make(&t, name, VP_RUNNING_MODE_VIDEO, threads, num)) return 1;
  int cap = 1 << 16, n = 0;
  int64_t *dec = calloc((size_t)cap, 8), *pre = calloc((size_t)cap, 8),
          *inf = calloc((size_t)cap, 8), *post = calloc((size_t)cap, 8);
  int64_t found = 0, det_runs = 0, start = vp_time_ns(), cstart = cpu_ns();
  int w = 0, h = 0;
  for (;;) {
    vp_frame *f = NULL;
    int64_t t0 = vp_time_ns();
    if (vp_source_read(src, &f) != VP_OK) break;
    int64_t t1 = vp_time_ns();
    vp_task_timings tm;
    int count = 0;
    if (run(&t, f, f->pts_ns == INT64_MIN ? n * 33333333LL : f->pts_ns, true, &count, &tm) != VP_OK) {
      fprintf(stderr, "bench_body: %s\n", vp_last_error());
      return 1;
    }
    w = f->width;
    h = f->height;
    vp_frame_unref(&f);
    if (n < cap) {
      dec[n] = t1 - t0;
      pre[n] = tm.preprocess_ns;
      inf[n] = tm.inference_ns;
      post[n] = tm.postprocess_ns;
    }
    found += count;
    det_runs += tm.detector_runs;
    n++;
  }
  double secs = (double)(vp_time_ns() - start) / 1e9;
  double csecs = (double)(cpu_ns() - cstart) / 1e9;
  int m = n < cap ? n : cap;
  printf("%s video: CPU of this thread %.2f s = %.1f frames per CPU-second%s\n", name, csecs,
         n / csecs, threads > 1 ? " (pool threads not counted)" : "");
  printf("%s video %dx%d, %d frames, %d thread(s): %.1f fps (%.2f s); %.2f objects/frame, "
         "detector on %.0f%% of frames; medians ms: decode %.3f, preprocess %.3f, inference %.3f, "
         "postprocess %.3f\n", name, w, h, n, threads, n / secs, secs, (double)found / (n ? n : 1),
         100.0 * (double)det_runs / (n ? n : 1), med(dec, m), med(pre, m), med(inf, m),
         med(post, m));
  destroy(&t);
  vp_source_close(src);
  free(dec);
  free(pre);
  free(inf);
  free(post);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_body image TASK [IMAGE] [--iters N] [--threads T] [--precision P]\n"
                    "       bench_body video TASK VIDEO [--threads T] [--num N] [--precision P]\n");
    return 2;
  }
  int iters = 100, threads = 1, num = 0;
  const char *path = NULL;
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--iters") && i + 1 < argc) iters = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--num") && i + 1 < argc) num = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--detector-interval") && i + 1 < argc) g_interval = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--precision")) {
      if (i + 1 >= argc || vp_precision_parse(argv[++i], &g_precision) != VP_OK) {
        fprintf(stderr, "bench_body: --precision wants fp32 or bf16\n");
        return 2;
      }
    } else path = argv[i];
  }
  if (iters < 1) iters = 1;
  print_precision();
  if (!strcmp(argv[1], "image")) return image(argv[2], path, iters, threads);
  if (!strcmp(argv[1], "video") && path) return video(argv[2], path, threads, num);
  fprintf(stderr, "bench_body: bad arguments\n");
  return 2;
}
