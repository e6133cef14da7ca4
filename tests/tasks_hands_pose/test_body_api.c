/* API contract of the hand/pose/segmenter tasks: bad options and calls give
 * clear errors (never crashes); VIDEO-mode timestamps must increase; the
 * detector interval thins detector runs while something is tracked. */
#include <string.h>

#include "common/check.h"
#include "fixtures.h"
#include "vpipe/io.h"
#include "vpipe/tasks.h"

static void bad_options(void) {
  vp_hand_landmarker *h = NULL;
  vp_hand_landmarker_options o = vp_hand_landmarker_options_default();
  o.num_hands = 0;
  CHECK_STATUS(vp_hand_landmarker_create(&o, &h), VP_EINVAL);
  o = vp_hand_landmarker_options_default();
  o.num_hands = 17;
  CHECK_STATUS(vp_hand_landmarker_create(&o, &h), VP_EINVAL);
  o = vp_hand_landmarker_options_default();
  o.min_hand_presence_confidence = 1.5f;
  CHECK_STATUS(vp_hand_landmarker_create(&o, &h), VP_EINVAL);
  o = vp_hand_landmarker_options_default();
  o.detector_interval = 0;
  CHECK_STATUS(vp_hand_landmarker_create(&o, &h), VP_EINVAL);
  o = vp_hand_landmarker_options_default();
  o.running_mode = VP_RUNNING_MODE_LIVE; /* no callback */
  CHECK_STATUS(vp_hand_landmarker_create(&o, &h), VP_EINVAL);
  o = vp_hand_landmarker_options_default();
  o.struct_size = 8;
  CHECK_STATUS(vp_hand_landmarker_create(&o, &h), VP_EINVAL);
  o = vp_hand_landmarker_options_default();
  o.landmark_model_path = "/nonexistent/hand.tflite";
  CHECK(vp_hand_landmarker_create(&o, &h) != VP_OK && strlen(vp_last_error()) > 0);
  CHECK(h == NULL);

  vp_pose_landmarker *p = NULL;
  vp_pose_landmarker_options po = vp_pose_landmarker_options_default();
  po.model = (vp_model_size)7;
  CHECK_STATUS(vp_pose_landmarker_create(&po, &p), VP_EINVAL);
  po = vp_pose_landmarker_options_default();
  po.num_poses = 0;
  CHECK_STATUS(vp_pose_landmarker_create(&po, &p), VP_EINVAL);
  CHECK(p == NULL);

  vp_segmenter *s = NULL;
  vp_segmenter_options so = vp_segmenter_options_default();
  so.model = (vp_segmenter_model)3;
  CHECK_STATUS(vp_segmenter_create(&so, &s), VP_EINVAL);
  CHECK(s == NULL);
  /* the wrong model for the task is a shape error, not a crash */
  so = vp_segmenter_options_default();
  char path[1024];
  const char *m = getenv("VPIPE_MODELS");
  snprintf(path, sizeof path, "%s/pose_detection.tflite",
           m && *m ? m : "");
  if (!(m && *m))
    snprintf(path, sizeof path, "%s/.local/share/vpipe/models/pose_detection.tflite",
             getenv("HOME") ? getenv("HOME") : ".");
  if (file_exists(path)) {
    so.model_path = path;
    CHECK_STATUS(vp_segmenter_create(&so, &s), VP_ESHAPE);
  }
}

static void calls_and_interval(void) {
  char mp[1024];
  media_path(mp, sizeof mp, "opencv-doc_cup.mp4");
  if (!file_exists(mp) || !model_exists("palm_detection_lite")) return;
  vp_hand_landmarker_options o = vp_hand_landmarker_options_default();
  o.model = VP_MODEL_LITE;
  o.num_hands = 2;
  o.running_mode = VP_RUNNING_MODE_VIDEO;
  o.detector_interval = 5;
  vp_hand_landmarker *h = NULL;
  CHECK_STATUS(vp_hand_landmarker_create(&o, &h), VP_OK);
  if (!h) return;
  vp_source_options so = vp_source_options_default();
  so.pixfmt = VP_PIXFMT_RGB24;
  vp_source *src = NULL;
  CHECK_STATUS(vp_source_open(mp, &so, &src), VP_OK);
  const vp_hand_landmarker_result *r = NULL;
  CHECK_STATUS(vp_hand_landmarker_detect_for_video(h, NULL, 0, &r), VP_EINVAL);
  vp_frame *f = NULL;
  int detector_runs = 0, frames = 0, hands = 0;
  int64_t last = -1;
  while (src && frames < 30 && vp_source_read(src, &f) == VP_OK) {
    if (frames == 0) CHECK_STATUS(vp_hand_landmarker_detect(h, f, &r), VP_ESTATE);
    CHECK_STATUS(vp_hand_landmarker_detect_for_video(h, f, f->pts_ns, &r), VP_OK);
    if (frames == 1) /* the same timestamp again */
      CHECK_STATUS(vp_hand_landmarker_detect_for_video(h, f, f->pts_ns, &r), VP_EINVAL);
    last = f->pts_ns;
    vp_task_timings t;
    vp_hand_landmarker_timings(h, &t);
    detector_runs += t.detector_runs;
    hands += r ? r->count : 0;
    vp_frame_unref(&f);
    frames++;
  }
  (void)last;
  printf("cup.mp4, 30 frames, detector_interval 5: detector ran %d times, %d hands\n",
         detector_runs, hands);
  CHECK(detector_runs >= 6 && detector_runs <= 8); /* frame 0, then every 5th */
  CHECK(hands >= 28);
  if (src) vp_source_close(src);
  vp_hand_landmarker_destroy(h);
}

int main(void) {
  bad_options();
  calls_and_interval();
  return TEST_EXIT();
}
