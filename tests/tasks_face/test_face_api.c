/* Face task API behaviour: option validation, running-mode checks, timestamp
 * order, LIVE callbacks, stage-wise calls, result lifetime, smoothing. */
#include <math.h>

#include "common/check.h"
#include "media_list.h"
#include "vpipe/image.h"
#include "vpipe/tasks.h"

static int calls;
static int last_count;
static void on_faces(void *user, vp_status st, const vp_face_detector_result *r,
                     const vp_frame *f) {
  (void)f;
  CHECK(user == &calls);
  CHECK_INT_EQ(st, VP_OK);
  calls++;
  last_count = r ? r->count : -1;
}
static void on_mesh(void *user, vp_status st, const vp_face_landmarker_result *r,
                    const vp_frame *f) {
  (void)f;
  (void)user;
  CHECK_INT_EQ(st, VP_OK);
  calls++;
  last_count = r ? r->count : -1;
}

int main(void) {
  char mp[1024];
  media_path(mp, sizeof mp, "python3-skimage_astronaut.png");
  if (!file_exists(mp)) return vp_test_skip_or_fail(mp);
  vp_frame *img = NULL;
  CHECK_STATUS(vp_image_load(mp, &img), VP_OK);
  if (!img) return 1;

  /* Option validation: *out untouched on failure. */
  vp_face_detector *d = (vp_face_detector *)(uintptr_t)1;
  vp_face_detector_options o = vp_face_detector_options_default();
  o.min_detection_confidence = 1.5f;
  CHECK_STATUS(vp_face_detector_create(&o, &d), VP_EINVAL);
  CHECK(d == (vp_face_detector *)(uintptr_t)1);
  o = vp_face_detector_options_default();
  o.running_mode = VP_RUNNING_MODE_LIVE; /* no callback */
  CHECK_STATUS(vp_face_detector_create(&o, &d), VP_EINVAL);
  o = vp_face_detector_options_default();
  o.model_path = "/nonexistent/face.tflite";
  CHECK(vp_face_detector_create(&o, &d) != VP_OK);
  o = vp_face_detector_options_default();
  o.range = (vp_face_range)7;
  CHECK_STATUS(vp_face_detector_create(&o, &d), VP_EINVAL);

  /* IMAGE mode. */
  o = vp_face_detector_options_default();
  d = NULL;
  vp_status st = vp_face_detector_create(&o, &d);
  if (st != VP_OK) {
    vp_frame_unref(&img);
    return vp_test_skip_or_fail("face detection model");
  }
  const vp_face_detector_result *r = NULL;
  CHECK_STATUS(vp_face_detector_detect(d, img, &r), VP_OK);
  CHECK_INT_EQ(r->count, 1);
  /* MediaPipe's answer on this image (MEDIAPIPE-FACTS): score 0.921739, box
   * 177, 82, 95, 95 px after truncation. */
  CHECK_NEAR(r->faces[0].score, 0.921739, 2e-5);
  CHECK_INT_EQ(r->faces[0].box_px[0], 177);
  CHECK_INT_EQ(r->faces[0].box_px[1], 82);
  CHECK_INT_EQ(r->faces[0].box_px[2], 95);
  CHECK_INT_EQ(r->faces[0].box_px[3], 95);
  CHECK_NEAR(r->faces[0].box_exact.x * 512, 177.6, 0.1);
  CHECK_STATUS(vp_face_detector_detect_for_video(d, img, 0, &r), VP_ESTATE);
  CHECK_STATUS(vp_face_detector_detect_async(d, img, 0), VP_ESTATE);
  /* Stage-wise calls must come in order. */
  CHECK_STATUS(vp_face_detector_infer(d), VP_ESTATE);
  CHECK_STATUS(vp_face_detector_postprocess(d, 0, &r), VP_ESTATE);
  CHECK_STATUS(vp_face_detector_preprocess(d, img), VP_OK);
  CHECK_STATUS(vp_face_detector_infer(d), VP_OK);
  CHECK_STATUS(vp_face_detector_postprocess(d, 5, &r), VP_OK);
  CHECK_INT_EQ(r->count, 1);
  CHECK_INT_EQ(r->timestamp_ns, 5);
  /* Jobs: two frames in flight give the same answer as the one-call path. */
  {
    vp_face_detector_job *j1 = NULL, *j2 = NULL;
    CHECK_STATUS(vp_face_detector_job_create(d, &j1), VP_OK);
    CHECK_STATUS(vp_face_detector_job_create(d, &j2), VP_OK);
    const vp_face_detector_result *r1 = NULL, *r2 = NULL;
    CHECK_STATUS(vp_face_detector_job_infer(d, j1), VP_ESTATE);
    CHECK_STATUS(vp_face_detector_job_preprocess(d, img, j1), VP_OK);
    CHECK_STATUS(vp_face_detector_job_preprocess(d, img, j2), VP_OK);
    CHECK_STATUS(vp_face_detector_job_infer(d, j1), VP_OK);
    CHECK_STATUS(vp_face_detector_job_infer(d, j2), VP_OK);
    CHECK_STATUS(vp_face_detector_job_postprocess(d, j2, 2, &r2), VP_OK);
    CHECK_STATUS(vp_face_detector_job_postprocess(d, j1, 1, &r1), VP_OK);
    CHECK_STATUS(vp_face_detector_job_postprocess(d, j1, 1, &r1), VP_ESTATE);
    CHECK(r1 && r2 && r1 != r2);
    if (r1 && r2) {
      CHECK_INT_EQ(r1->count, 1);
      CHECK_INT_EQ(r2->count, 1);
      CHECK_NEAR(r1->faces[0].score, r->faces[0].score, 0);
      CHECK_NEAR(r2->faces[0].keypoints[3].y, r->faces[0].keypoints[3].y, 0);
      CHECK_INT_EQ(r1->timestamp_ns, 1);
    }
    vp_face_detector_job_destroy(j1);
    vp_face_detector_job_destroy(j2);
  }
  /* Unsupported pixel format. */
  vp_frame *gray = NULL;
  CHECK_STATUS(vp_frame_alloc(16, 16, VP_PIXFMT_GRAY8, &gray), VP_OK);
  CHECK_STATUS(vp_face_detector_detect(d, gray, &r), VP_EUNSUPPORTED);
  vp_frame_unref(&gray);
  /* max_results clips. */
  vp_face_detector_destroy(d);
  o.max_results = 0;
  CHECK_STATUS(vp_face_detector_create(&o, &d), VP_OK);
  CHECK_STATUS(vp_face_detector_detect(d, img, &r), VP_OK);
  CHECK_INT_EQ(r->count, 0);
  vp_face_detector_destroy(d);

  /* VIDEO: timestamps must increase. */
  o = vp_face_detector_options_default();
  o.running_mode = VP_RUNNING_MODE_VIDEO;
  CHECK_STATUS(vp_face_detector_create(&o, &d), VP_OK);
  CHECK_STATUS(vp_face_detector_detect_for_video(d, img, 1000, &r), VP_OK);
  CHECK_STATUS(vp_face_detector_detect_for_video(d, img, 1000, &r), VP_EINVAL);
  CHECK_STATUS(vp_face_detector_detect(d, img, &r), VP_ESTATE);
  vp_face_detector_destroy(d);

  /* LIVE: the callback gets the result. */
  o = vp_face_detector_options_default();
  o.running_mode = VP_RUNNING_MODE_LIVE;
  o.result_callback = on_faces;
  o.user = &calls;
  CHECK_STATUS(vp_face_detector_create(&o, &d), VP_OK);
  calls = 0;
  CHECK_STATUS(vp_face_detector_detect_async(d, img, 1), VP_OK);
  CHECK_STATUS(vp_face_detector_detect_async(d, img, 2), VP_OK);
  CHECK_INT_EQ(calls, 2);
  CHECK_INT_EQ(last_count, 1);
  vp_face_detector_destroy(d);

  /* Face landmarker. */
  vp_face_landmarker_options lo = vp_face_landmarker_options_default();
  vp_face_landmarker *l = NULL;
  lo.num_faces = 0;
  CHECK_STATUS(vp_face_landmarker_create(&lo, &l), VP_EINVAL);
  lo = vp_face_landmarker_options_default();
  lo.min_tracking_confidence = NAN;
  CHECK_STATUS(vp_face_landmarker_create(&lo, &l), VP_EINVAL);
  lo = vp_face_landmarker_options_default();
  CHECK_STATUS(vp_face_landmarker_create(&lo, &l), VP_OK);
  const vp_face_landmarker_result *lr = NULL;
  CHECK_STATUS(vp_face_landmarker_detect(l, img, &lr), VP_OK);
  CHECK_INT_EQ(lr->count, 1);
  CHECK_INT_EQ(lr->faces[0].num_landmarks, 468);
  CHECK(lr->faces[0].presence > 0.9f);
  /* The nose tip (landmark 1) lies inside the detected face box. */
  CHECK(lr->faces[0].landmarks[1].x > 0.3469f && lr->faces[0].landmarks[1].x < 0.533f);
  vp_task_timings t;
  vp_face_landmarker_timings(l, &t);
  CHECK_INT_EQ(t.detector_runs, 1);
  CHECK_INT_EQ(t.landmark_runs, 1);
  /* Stage-wise calls give the same landmarks and enforce their order. */
  {
    static vp_landmark one[468];
    memcpy(one, lr->faces[0].landmarks, sizeof one);
    const vp_face_landmarker_result *sr = NULL;
    CHECK_STATUS(vp_face_landmarker_infer(l), VP_ESTATE);
    CHECK_STATUS(vp_face_landmarker_postprocess(l, &sr), VP_ESTATE);
    CHECK_STATUS(vp_face_landmarker_preprocess(l, img, 0), VP_OK);
    CHECK_STATUS(vp_face_landmarker_infer(l), VP_OK);
    CHECK_STATUS(vp_face_landmarker_postprocess(l, &sr), VP_OK);
    CHECK(sr && sr->count == 1);
    if (sr && sr->count == 1)
      for (int k = 0; k < 468; k++) CHECK_NEAR(sr->faces[0].landmarks[k].x, one[k].x, 0);
    CHECK_STATUS(vp_face_landmarker_postprocess(l, &sr), VP_ESTATE);
  }
  vp_face_landmarker_destroy(l);

  /* VIDEO: the second frame is tracked (no detector run); smoothing on a
   * still scene keeps the landmarks where they are. */
  lo.running_mode = VP_RUNNING_MODE_VIDEO;
  CHECK_STATUS(vp_face_landmarker_create(&lo, &l), VP_OK);
  static vp_landmark first[468];
  CHECK_STATUS(vp_face_landmarker_detect_for_video(l, img, 0, &lr), VP_OK);
  CHECK_INT_EQ(lr->count, 1);
  memcpy(first, lr->faces[0].landmarks, sizeof first);
  for (int i = 1; i <= 3; i++) {
    CHECK_STATUS(vp_face_landmarker_detect_for_video(l, img, i * 33333333LL, &lr), VP_OK);
    vp_face_landmarker_timings(l, &t);
    CHECK_INT_EQ(t.detector_runs, 0);
    CHECK_INT_EQ(lr->count, 1);
  }
  double dmax = 0;
  for (int k = 0; k < 468; k++)
    dmax = fmax(dmax, hypot(lr->faces[0].landmarks[k].x - first[k].x,
                            lr->faces[0].landmarks[k].y - first[k].y));
  printf("tracked still frame: max landmark drift %.5f\n", dmax);
  CHECK(dmax < 0.01);
  CHECK_STATUS(vp_face_landmarker_detect_for_video(l, img, 0, &lr), VP_EINVAL);
  vp_face_landmarker_destroy(l);

  /* Refined: 478 points, irises inside the eyes' extent. */
  lo = vp_face_landmarker_options_default();
  lo.refine_landmarks = true;
  lo.running_mode = VP_RUNNING_MODE_LIVE;
  lo.result_callback = on_mesh;
  CHECK_STATUS(vp_face_landmarker_create(&lo, &l), VP_OK);
  calls = 0;
  CHECK_STATUS(vp_face_landmarker_detect_async(l, img, 10), VP_OK);
  CHECK_INT_EQ(calls, 1);
  CHECK_INT_EQ(last_count, 1);
  vp_face_landmarker_destroy(l);

  /* Several faces tracked and smoothed (every face has its own filters): on
   * a still with three faces, num_faces 3 runs the detector once, then tracks;
   * num_faces 4 keeps detecting (fewer faces than asked) and association
   * keeps the count at three. */
  char mp3[1024];
  media_path(mp3, sizeof mp3, "vladmandic-face-api_sample1.jpg");
  vp_frame *three = NULL;
  if (file_exists(mp3) && vp_image_load(mp3, &three) == VP_OK) {
    for (int nf = 3; nf <= 4; nf++) {
      lo = vp_face_landmarker_options_default();
      lo.running_mode = VP_RUNNING_MODE_VIDEO;
      lo.num_faces = nf;
      CHECK_STATUS(vp_face_landmarker_create(&lo, &l), VP_OK);
      int detector_runs = 0;
      for (int i = 0; i < 5 && l; i++) {
        CHECK_STATUS(vp_face_landmarker_detect_for_video(l, three, (i + 1) * 40000000LL, &lr), VP_OK);
        CHECK_INT_EQ(lr->count, 3);
        vp_face_landmarker_timings(l, &t);
        detector_runs += t.detector_runs;
      }
      CHECK_INT_EQ(detector_runs, nf == 3 ? 1 : 5);
      vp_face_landmarker_destroy(l);
    }
    vp_frame_unref(&three);
  }

  vp_frame_unref(&img);
  return TEST_EXIT();
}
