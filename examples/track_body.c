/* Tracking hands or people through a video in VIDEO mode: frames from
 * vp_source, the stream's own timestamps, one line per frame. Built and run
 * with the tests so that it cannot drift from the API.
 *
 *   example_track_body VIDEO hands|pose [MAX_FRAMES] [--bf16]
 *
 * prints, per frame:  FRAME MS: N hands|poses [id=ID LABEL x,y ...]
 * with the wrist (hands, with MediaPipe's handedness) or the nose (poses). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpipe/vpipe.h>

typedef struct tracker {
  vp_hand_landmarker *hands;
  vp_pose_landmarker *poses;
} tracker;

static vp_status tracker_create(tracker *t, bool hands, vp_precision precision) {
  memset(t, 0, sizeof *t);
  if (hands) {
    vp_hand_landmarker_options o = vp_hand_landmarker_options_default();
    o.running_mode = VP_RUNNING_MODE_VIDEO; /* track: the palm detector runs only when needed */
    o.model = VP_MODEL_LITE;
    o.num_hands = 2;
    o.precision = precision;
    return vp_hand_landmarker_create(&o, &t->hands);
  }
  vp_pose_landmarker_options o = vp_pose_landmarker_options_default();
  o.running_mode = VP_RUNNING_MODE_VIDEO; /* smoothing is on in VIDEO mode, as MediaPipe's */
  o.model = VP_MODEL_LITE;
  o.num_poses = 3; /* every person gets an id that stays while tracked */
  o.precision = precision;
  return vp_pose_landmarker_create(&o, &t->poses);
}

/* One frame: VIDEO mode needs increasing timestamps; the stream's are. */
static vp_status tracker_frame(tracker *t, const vp_frame *f, int64_t ts_ns) {
  printf("%" PRId64 " %.1f:", f->seq, (double)ts_ns / 1e6);
  if (t->hands) {
    const vp_hand_landmarker_result *r; /* owned by the landmarker until its next call */
    vp_status st = vp_hand_landmarker_detect_for_video(t->hands, f, ts_ns, &r);
    if (st != VP_OK) return st;
    printf(" %d hands", (int)r->count);
    for (int32_t i = 0; i < r->count; i++)
      printf(" id=%" PRId64 " %s %.3f,%.3f", r->hands[i].id, r->hands[i].handedness,
             r->hands[i].landmarks[0].x, r->hands[i].landmarks[0].y);
  } else {
    const vp_pose_landmarker_result *r;
    vp_status st = vp_pose_landmarker_detect_for_video(t->poses, f, ts_ns, &r);
    if (st != VP_OK) return st;
    printf(" %d poses", (int)r->count);
    for (int32_t i = 0; i < r->count; i++)
      printf(" id=%" PRId64 " nose %.3f,%.3f", r->poses[i].id, r->poses[i].landmarks[0].x,
             r->poses[i].landmarks[0].y);
  }
  printf("\n");
  return VP_OK;
}

static void tracker_destroy(tracker *t) {
  vp_hand_landmarker_destroy(t->hands);
  vp_pose_landmarker_destroy(t->poses);
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[2], "hands") && strcmp(argv[2], "pose"))) {
    fprintf(stderr, "usage: %s VIDEO hands|pose [MAX_FRAMES] [--bf16]\n", argv[0]);
    return 2;
  }
  vp_precision precision = VP_PRECISION_FP32;
  long max_frames = 0; /* 0: all */
  for (int i = 3; i < argc; i++) {
    char *end;
    if (!strcmp(argv[i], "--bf16")) {
      precision = VP_PRECISION_BF16; /* faster where the CPU has AVX512-BF16; see vp_precision */
    } else if ((max_frames = strtol(argv[i], &end, 10)) < 1 || *end) {
      fprintf(stderr, "%s: bad argument '%s'\n", argv[0], argv[i]);
      return 2;
    }
  }
  vp_source_options so = vp_source_options_default();
  so.pixfmt = VP_PIXFMT_RGB24; /* what MediaPipe's tasks are given */
  vp_source *src;
  if (vp_source_open(argv[1], &so, &src) != VP_OK) {
    fprintf(stderr, "vpipe: %s\n", vp_last_error());
    return 1;
  }
  tracker t;
  if (tracker_create(&t, !strcmp(argv[2], "hands"), precision) != VP_OK) {
    fprintf(stderr, "vpipe: %s\n", vp_last_error()); /* e.g. how to fetch a missing model */
    vp_source_close(src);
    return 1;
  }
  vp_frame *f;
  vp_status st = VP_OK;
  int64_t last = -1000000;
  long n = 0;
  while ((max_frames == 0 || n++ < max_frames) && (st = vp_source_read(src, &f)) == VP_OK) {
    /* A stream without timestamps (or a repeated one) gets one 1 ms on. */
    const int64_t ts = f->pts_ns != INT64_MIN && f->pts_ns > last ? f->pts_ns : last + 1000000;
    last = ts;
    st = tracker_frame(&t, f, ts);
    vp_frame_unref(&f);
    if (st != VP_OK) break;
  }
  const bool ok = st == VP_EOF || st == VP_OK; /* VP_OK: stopped at MAX_FRAMES */
  if (!ok) fprintf(stderr, "vpipe: %s\n", vp_last_error()); /* the frames before are printed */
  tracker_destroy(&t);
  vp_source_close(src);
  return ok ? 0 : 1;
}
