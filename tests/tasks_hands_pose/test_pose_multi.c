/* Multi-person pose tracking on opencv-doc_vtest.avi (pedestrians), first 40
 * frames, VIDEO mode, num_poses 4: several people per frame (MediaPipe's
 * whole-frame detector finds at most one here), ids unique within a frame,
 * no two poses on one person, and ids that stay with a person. */
#include <math.h>
#include <string.h>

#include "common/check.h"
#include "fixtures.h"
#include "vpipe/io.h"
#include "vpipe/tasks.h"

static float box_iou(const vp_landmark *a, const vp_landmark *b) {
  float ax0 = 1e9f, ay0 = 1e9f, ax1 = -1e9f, ay1 = -1e9f, bx0 = 1e9f, by0 = 1e9f, bx1 = -1e9f,
        by1 = -1e9f;
  for (int i = 0; i < VP_POSE_LANDMARK_COUNT; i++) {
    ax0 = fminf(ax0, a[i].x); ax1 = fmaxf(ax1, a[i].x);
    ay0 = fminf(ay0, a[i].y); ay1 = fmaxf(ay1, a[i].y);
    bx0 = fminf(bx0, b[i].x); bx1 = fmaxf(bx1, b[i].x);
    by0 = fminf(by0, b[i].y); by1 = fmaxf(by1, b[i].y);
  }
  const float ix = fmaxf(0, fminf(ax1, bx1) - fmaxf(ax0, bx0));
  const float iy = fmaxf(0, fminf(ay1, by1) - fmaxf(ay0, by0));
  const float in = ix * iy, u = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - in;
  return u > 0 ? in / u : 0;
}

int main(void) {
  if (!model_exists("pose_detection") || !model_exists("pose_landmark_lite"))
    return vp_test_skip_or_fail("pose models");
  char mp[1024];
  media_path(mp, sizeof mp, "opencv-doc_vtest.avi");
  if (!file_exists(mp)) return vp_test_skip_or_fail("test media (scripts/fetch-test-media)");
  vp_source_options so = vp_source_options_default();
  so.pixfmt = VP_PIXFMT_RGB24;
  vp_source *src = NULL;
  CHECK_STATUS(vp_source_open(mp, &so, &src), VP_OK);
  vp_pose_landmarker_options o = vp_pose_landmarker_options_default();
  o.running_mode = VP_RUNNING_MODE_VIDEO;
  o.model = VP_MODEL_LITE;
  o.num_poses = 4;
  vp_pose_landmarker *p = NULL;
  CHECK_STATUS(vp_pose_landmarker_create(&o, &p), VP_OK);
  enum { FRAMES = 40 };
  int multi = 0, total = 0;
  int64_t prev_ids[4] = {0};
  int nprev = 0, run = 0, longest = 0;
  int64_t run_id = 0;
  vp_frame *f = NULL;
  for (int n = 0; src && p && n < FRAMES && vp_source_read(src, &f) == VP_OK; n++) {
    const vp_pose_landmarker_result *r = NULL;
    CHECK_STATUS(vp_pose_landmarker_detect_for_video(p, f, f->pts_ns, &r), VP_OK);
    vp_frame_unref(&f);
    if (!r) break;
    total += r->count;
    multi += r->count >= 2;
    for (int i = 0; i < r->count; i++) {
      CHECK(r->poses[i].id > 0);
      for (int j = 0; j < i; j++) {
        CHECK(r->poses[i].id != r->poses[j].id);
        CHECK(box_iou(r->poses[i].landmarks, r->poses[j].landmarks) <= 0.5f);
      }
    }
    /* the longest run of one id over consecutive frames */
    bool still = false;
    for (int i = 0; i < r->count; i++) still |= r->poses[i].id == run_id;
    if (still) {
      run++;
    } else {
      run_id = 0;
      for (int i = 0; i < r->count && !run_id; i++)
        for (int j = 0; j < nprev; j++)
          if (r->poses[i].id == prev_ids[j]) run_id = r->poses[i].id;
      if (!run_id && r->count) run_id = r->poses[0].id;
      run = run_id ? 1 : 0;
    }
    if (run > longest) longest = run;
    nprev = r->count < 4 ? r->count : 4;
    for (int i = 0; i < nprev; i++) prev_ids[i] = r->poses[i].id;
  }
  printf("vtest.avi, %d frames, num_poses 4: %.2f people per frame, %d frames with 2 or more, "
         "longest id run %d frames\n", FRAMES, (double)total / FRAMES, multi, longest);
  CHECK(multi >= FRAMES / 3);
  CHECK(total >= FRAMES);
  CHECK(longest >= 15);
  vp_pose_landmarker_destroy(p);
  if (src) vp_source_close(src);
  return TEST_EXIT();
}
