/* Face benchmarks (not a test; run by hand, quote medians).
 *
 *   bench_face detect [IMAGE] [--iters N] [--threads T] [--precision fp32|bf16]
 *     Face detection end to end on a 640×480 frame (IMAGE is scaled to
 *     640×480 first; default: the astronaut test image): preprocess +
 *     inference + decoding, median / p90 / min over N runs after warm-up.
 *   bench_face mesh VIDEO [--threads T] [--smoothing] [--yuv] [--precision fp32|bf16]
 *     Face mesh tracking over every frame of VIDEO in VIDEO mode (decode in
 *     this thread, one decoder thread): fps and the per-frame split decode /
 *     preprocess / inference / postprocess (medians). --yuv crops straight
 *     from the decoder's YUV 4:2:0 frames instead of converting to RGB24.
 *   bench_face warp [--iters N]
 *     The 192×192 landmark crop alone from a 1280×720 RGB24 / RGBA / YUV420P frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image/warp.h" /* private: the warp micro-benchmark */
#include "vpipe/image.h"
#include "vpipe/io.h"
#include "vpipe/tasks.h"
#include "bench_precision.h"

/* Thread CPU time: on a shared machine, wall-clock medians include
 * preemption; CPU time shows the work itself. */
#include <time.h>
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
static double pct(int64_t *v, int n, double p) { return n ? (double)v[(int)(p * (n - 1))] / 1e6 : 0; }

/* --precision of every task made here, parsed with vp_precision_parse. */
static vp_precision g_precision = VP_PRECISION_FP32;

static void print_precision(void) { bench_print_precision(g_precision); }

static int detect(const char *path, int iters, int threads) {
  char def[1024];
  if (!path) {
    const char *m = getenv("VPIPE_MEDIA"), *home = getenv("HOME");
    if (m && *m)
      snprintf(def, sizeof def, "%s/python3-skimage_astronaut.png", m);
    else
      snprintf(def, sizeof def, "%s/.cache/vpipe/media/python3-skimage_astronaut.png",
               home ? home : ".");
    path = def;
  }
  vp_frame *img = NULL, *f = NULL;
  if (vp_image_load(path, &img) != VP_OK || vp_frame_alloc(640, 480, VP_PIXFMT_RGB24, &f) != VP_OK ||
      vp_frame_convert(img, f) != VP_OK) {
    fprintf(stderr, "bench_face: %s\n", vp_last_error());
    return 1;
  }
  vp_face_detector_options o = vp_face_detector_options_default();
  o.num_threads = threads;
  o.precision = g_precision;
  vp_face_detector *d = NULL;
  if (vp_face_detector_create(&o, &d) != VP_OK) {
    fprintf(stderr, "bench_face: %s\n", vp_last_error());
    return 1;
  }
  int64_t *tot = calloc((size_t)iters, 8), *pre = calloc((size_t)iters, 8),
          *inf = calloc((size_t)iters, 8), *post = calloc((size_t)iters, 8);
  int faces = 0;
  int64_t c0 = 0;
  for (int i = -20; i < iters; i++) {
    if (i == 0) c0 = cpu_ns();
    const vp_face_detector_result *r;
    int64_t t0 = vp_time_ns();
    vp_face_detector_detect(d, f, &r);
    int64_t t1 = vp_time_ns();
    faces = r->count;
    if (i < 0) continue;
    vp_task_timings t;
    vp_face_detector_timings(d, &t);
    tot[i] = t1 - t0;
    pre[i] = t.preprocess_ns;
    inf[i] = t.inference_ns;
    post[i] = t.postprocess_ns;
  }
  printf("face detection 640x480 (short range, %d thread(s), %d runs, %d face(s)):\n", threads,
         iters, faces);
  const double cpu = (double)(cpu_ns() - c0) / 1e6 / iters;
  const double m = med(tot, iters); /* sorts */
  printf("  end to end median %.3f ms  p90 %.3f  min %.3f\n", m, pct(tot, iters, 0.9),
         pct(tot, iters, 0));
  printf("  preprocess %.3f ms  inference %.3f ms  decode %.3f ms (medians)\n", med(pre, iters),
         med(inf, iters), med(post, iters));
  printf("  CPU time per detection (this thread) %.3f ms\n", cpu);
  free(tot); free(pre); free(inf); free(post);
  vp_face_detector_destroy(d);
  vp_frame_unref(&img);
  vp_frame_unref(&f);
  return 0;
}

static int mesh(const char *path, int threads, bool smoothing, bool yuv) {
  vp_source_options so = vp_source_options_default();
  so.pixfmt = yuv ? VP_PIXFMT_NONE : VP_PIXFMT_RGB24;
  so.decode_threads = 1;
  vp_source *src = NULL;
  if (vp_source_open(path, &so, &src) != VP_OK) {
    fprintf(stderr, "bench_face: %s\n", vp_last_error());
    return 1;
  }
  vp_face_landmarker_options o = vp_face_landmarker_options_default();
  o.running_mode = VP_RUNNING_MODE_VIDEO;
  o.num_threads = threads;
  o.smoothing = smoothing;
  o.precision = g_precision;
  vp_face_landmarker *l = NULL;
  if (vp_face_landmarker_create(&o, &l) != VP_OK) {
    fprintf(stderr, "bench_face: %s\n", vp_last_error());
    return 1;
  }
  int cap = 1 << 16, n = 0, det = 0;
  int64_t *dec = calloc((size_t)cap, 8), *pre = calloc((size_t)cap, 8), *inf = calloc((size_t)cap, 8),
          *post = calloc((size_t)cap, 8);
  const int64_t start = vp_time_ns();
  for (;;) {
    vp_frame *f = NULL;
    int64_t t0 = vp_time_ns();
    if (vp_source_read(src, &f) != VP_OK) break;
    int64_t t1 = vp_time_ns();
    const vp_face_landmarker_result *r;
    if (vp_face_landmarker_detect_for_video(l, f, f->pts_ns, &r) != VP_OK) {
      fprintf(stderr, "bench_face: %s\n", vp_last_error());
      break;
    }
    vp_task_timings t;
    vp_face_landmarker_timings(l, &t);
    if (n < cap) {
      dec[n] = t1 - t0;
      pre[n] = t.preprocess_ns;
      inf[n] = t.inference_ns;
      post[n] = t.postprocess_ns;
      n++;
    }
    det += t.detector_runs;
    vp_frame_unref(&f);
  }
  const double secs = (double)(vp_time_ns() - start) / 1e9;
  const vp_source_info *si = vp_source_get_info(src);
  printf("face mesh tracking %s (%dx%d %s, %d thread(s) inference, 1-thread decode in the same thread):\n",
         path, si->width, si->height, vp_pixfmt_name(si->pixfmt), threads);
  printf("  %d frames in %.2f s = %.1f fps sequential; detector ran on %d frames\n", n, secs,
         n / secs, det);
  printf("  per frame (medians): decode+RGB %.3f ms  preprocess %.3f ms  inference %.3f ms  "
         "postprocess %.3f ms\n", med(dec, n), med(pre, n), med(inf, n), med(post, n));
  free(dec); free(pre); free(inf); free(post);
  vp_face_landmarker_destroy(l);
  vp_source_close(src);
  return 0;
}

/* The rotated 192×192 landmark crop alone, from a 1280×720 frame. */
static int warp_bench(int iters) {
  const vp_pixfmt fmts[3] = {VP_PIXFMT_RGB24, VP_PIXFMT_RGBA, VP_PIXFMT_YUV420P};
  static float out[192 * 192 * 3];
  for (int k = 0; k < 3; k++) {
    vp_frame *f = NULL;
    if (vp_frame_alloc(1280, 720, fmts[k], &f) != VP_OK) return 1;
    for (int pl = 0; pl < 3 && f->data[pl]; pl++)
      for (int y = 0; y < (pl ? 360 : 720); y++)
        for (int x = 0; x < f->linesize[pl]; x++) f->data[pl][(size_t)y * f->linesize[pl] + x] = (uint8_t)(x * 7 + y * 3);
    vp__warp_params p = {192, 192, 640, 360, 300, 300, 0.3f, false, 0, 1, false};
    int64_t *t = calloc((size_t)iters, 8);
    int64_t c0 = 0;
    for (int i = -10; i < iters; i++) {
      if (i == 0) c0 = cpu_ns();
      int64_t t0 = vp_time_ns();
      vp__warp_to_tensor(f, &p, out);
      if (i >= 0) t[i] = vp_time_ns() - t0;
    }
    const double cpu = (double)(cpu_ns() - c0) / 1e6 / iters;
    printf("warp 192x192 rotated crop from 1280x720 %s: median %.3f ms wall, %.3f ms CPU per crop\n",
           vp_pixfmt_name(fmts[k]), med(t, iters), cpu);
    p.rotation = 0;
    c0 = cpu_ns();
    for (int i = 0; i < iters; i++) {
      int64_t t0 = vp_time_ns();
      vp__warp_to_tensor(f, &p, out);
      t[i] = vp_time_ns() - t0;
    }
    const double cpu2 = (double)(cpu_ns() - c0) / 1e6 / iters;
    printf("warp 192x192 axis-aligned crop from 1280x720 %s: median %.3f ms wall, %.3f ms CPU per crop\n",
           vp_pixfmt_name(fmts[k]), med(t, iters), cpu2);
    free(t);
    vp_frame_unref(&f);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_face detect [IMAGE] [--iters N] [--threads T] [--precision P]\n"
                    "       bench_face mesh VIDEO [--threads T] [--smoothing] [--yuv] [--precision P]\n"
                    "       bench_face warp [--iters N]\n");
    return 2;
  }
  const char *path = NULL;
  int iters = 300, threads = 1;
  bool smoothing = false, yuv = false;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--iters") && i + 1 < argc) iters = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--smoothing")) smoothing = true;
    else if (!strcmp(argv[i], "--yuv")) yuv = true;
    else if (!strcmp(argv[i], "--precision")) {
      if (i + 1 >= argc || vp_precision_parse(argv[++i], &g_precision) != VP_OK) {
        fprintf(stderr, "bench_face: --precision wants fp32 or bf16\n");
        return 2;
      }
    } else path = argv[i];
  }
  if (iters < 1) iters = 1;
  if (strcmp(argv[1], "warp") != 0) print_precision(); /* the warp runs no model */
  if (!strcmp(argv[1], "detect")) return detect(path, iters, threads);
  if (!strcmp(argv[1], "warp")) return warp_bench(iters);
  if (!strcmp(argv[1], "mesh") && path) return mesh(path, threads, smoothing, yuv);
  fprintf(stderr, "bench_face: unknown command\n");
  return 2;
}
