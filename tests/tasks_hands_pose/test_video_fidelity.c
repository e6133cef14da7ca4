/* Hand and pose landmarkers in VIDEO mode vs MediaPipe Tasks on the reference
 * videos, with the stream's timestamps (checked equal to the reference's
 * pts_ms): opencv-doc_cup.mp4 hands_lite (numHands 2; MediaPipe's hand
 * landmarker does not smooth) and opencv-doc_vtest.avi pose_lite (numPoses 1,
 * smoothing on as MediaPipe's VIDEO mode). Per frame, the mean landmark error
 * over the matched instances should be <= 0.02. Tracking feeds each frame's
 * landmarks into the next crop, and the landmark models react strongly to
 * sub-pixel ROI changes (OpenCV's 1/32-pixel sampling steps), so inference
 * differences of 1e-5 grow to 1e-3..1e-2 on hard frames (a crop made from
 * MediaPipe's own landmarks of the previous frame reproduces its next frame
 * to 3e-5). The test therefore requires the 0.02 bound on at least 95% of the
 * frames, at most 0.05 on any, 0.01 on average and equal counts on 97%;
 * it prints every number. Hands: vpipe keeps MediaPipe's doubled hands by
 * default (remove_overlapping off), so the reference is compared as is
 * (measured: avg 0.0048, worst 0.039, 6 of 217 frames over 0.02, 2 counts
 * differ). A second hands run seeds each frame's tracked hands from
 * MediaPipe's own previous-frame landmarks: there every frame must match
 * (measured avg 3e-5, worst 2e-4, all counts equal), which pins every tracking
 * decision; the free-running drift starts as a 3e-5 ROI difference after
 * frame 0 (2e-4 in frame 1's landmarks) and grows by feedback. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "common/precision.h"
#include "fixtures.h"
#include "ref_compare.h"
#include "vpipe/io.h"
#include "vpipe/tasks.h"
#include "tasks/body_calc.h"

static const ref_frame *find(const ref_frame *rf, int32_t n, int64_t frame) {
  for (int32_t i = 0; i < n; i++)
    if (rf[i].frame == frame) return &rf[i];
  return NULL;
}

typedef struct video_stats {
  int frames, compared, count_mismatch, over_tol;
  double sum_err, worst_err;
} video_stats;

static void judge(const ref_frame *r, const ref_inst *cand, int32_t n, video_stats *vs) {
  ref_stats st = {0};
  ref_compare(r, cand, n, &st, NULL);
  vs->compared++;
  if (n != r->count) vs->count_mismatch++;
  const double err = st.matched ? st.sum_mean / st.matched : 0.0;
  vs->sum_err += err;
  if (err > vs->worst_err) vs->worst_err = err;
  if (err > 0.02) vs->over_tol++;
  if (getenv("VP_TEST_VERBOSE") && (err > 1e-3 || n != r->count))
    printf("  frame %lld: %d vs ref %d, mean error %.5f\n", (long long)r->frame, (int)n,
           (int)r->count, err);
}

static void report(const char *what, const video_stats *vs) {
  printf("%s: %d frames, %d compared; per-frame mean landmark error avg %.5f, worst %.5f; "
         "frames over 0.02: %d; frames with another count: %d\n", what, vs->frames, vs->compared,
         vs->compared ? vs->sum_err / vs->compared : 0.0, vs->worst_err, vs->over_tol,
         vs->count_mismatch);
}

static void check_bounds(const video_stats *vs) {
  CHECK(vs->compared > 0);
  CHECK(vs->over_tol <= vs->compared / 20);
  CHECK(vs->worst_err <= 0.05);
  CHECK(vs->compared && vs->sum_err / vs->compared <= 0.01);
  CHECK(vs->count_mismatch <= vs->compared * 3 / 100);
}

static vp_source *open_video(const char *name) {
  char mp[1024];
  media_path(mp, sizeof mp, name);
  if (!file_exists(mp)) return NULL;
  vp_source_options so = vp_source_options_default();
  so.pixfmt = VP_PIXFMT_RGB24; /* the reference gave MediaPipe ffmpeg's RGB24 */
  vp_source *src = NULL;
  CHECK_STATUS(vp_source_open(mp, &so, &src), VP_OK);
  return src;
}

/* mp_rois: before each frame, the tracked hands are replaced by the ROIs
 * derived from MediaPipe's own landmarks of the previous frame (all of its
 * hands, duplicates included, in its order). That takes the frame-to-frame
 * amplification out and checks every tracking decision (detector runs,
 * association, presence, deduplication) and every frame's computation. */
static void hands_video(bool mp_rois) {
  const char *name = "opencv-doc_cup.mp4";
  char rp[1024];
  ref_path(rp, sizeof rp, "results", "opencv-doc_cup.mp4.hands_lite.jsonl");
  ref_frame *rf = NULL;
  int32_t nrf = 0;
  CHECK(ref_load(rp, "hands", &rf, &nrf) == 0 && nrf > 0);
  /* No ref_dedup: by default vpipe reports and tracks MediaPipe's doubled
   * hands (frames 76-84, 96) as MediaPipe does. */
  vp_source *src = open_video(name);
  vp_hand_landmarker_options o = vp_hand_landmarker_options_default();
  o.running_mode = VP_RUNNING_MODE_VIDEO;
  o.model = VP_MODEL_LITE;
  o.num_hands = 2;
  o.precision = vp_test_precision();
  vp_hand_landmarker *h = NULL;
  CHECK_STATUS(vp_hand_landmarker_create(&o, &h), VP_OK);
  video_stats vs = {0};
  vp_frame *f = NULL;
  while (src && h && vp_source_read(src, &f) == VP_OK) {
    const ref_frame *r = find(rf, nrf, f->seq);
    if (r) CHECK_NEAR((double)f->pts_ns / 1e6, r->pts_ms, 1e-3);
    const ref_frame *prev = mp_rois && f->seq > 0 ? find(rf, nrf, f->seq - 1) : NULL;
    if (prev && h) {
      static vp_landmark lm[REF_MAX_INST][VP_HAND_LANDMARK_COUNT];
      const vp_landmark *lms[REF_MAX_INST];
      for (int32_t i = 0; i < prev->count; i++) {
        for (int k = 0; k < VP_HAND_LANDMARK_COUNT; k++) {
          memset(&lm[i][k], 0, sizeof lm[i][k]);
          lm[i][k].x = prev->inst[i].x[k];
          lm[i][k].y = prev->inst[i].y[k];
        }
        lms[i] = lm[i];
      }
      vp__hand_landmarker_track_from(h, lms, prev->count, f->width, f->height);
    }
    const vp_hand_landmarker_result *res = NULL;
    CHECK_STATUS(vp_hand_landmarker_detect_for_video(h, f, f->pts_ns, &res), VP_OK);
    vs.frames++;
    if (r && res) {
      ref_inst cand[REF_MAX_INST];
      for (int i = 0; i < res->count && i < REF_MAX_INST; i++) {
        memset(&cand[i], 0, sizeof cand[i]);
        cand[i].n = VP_HAND_LANDMARK_COUNT;
        for (int k = 0; k < VP_HAND_LANDMARK_COUNT; k++) {
          cand[i].x[k] = res->hands[i].landmarks[k].x;
          cand[i].y[k] = res->hands[i].landmarks[k].y;
        }
      }
      judge(r, cand, res->count, &vs);
    }
    vp_frame_unref(&f);
  }
  report(mp_rois ? "hands_lite video opencv-doc_cup.mp4, MediaPipe's previous-frame ROIs"
                 : "hands_lite video opencv-doc_cup.mp4", &vs);
  CHECK_INT_EQ(vs.frames, 217);
  if (mp_rois) {
    CHECK_INT_EQ(vs.compared, 217);
    CHECK_INT_EQ(vs.count_mismatch, 0);
    CHECK_INT_EQ(vs.over_tol, 0);
    /* bf16 moves one frame's landmarks by up to 0.005 (measured). */
    CHECK(vs.worst_err <= (vp_test_bf16_active() ? 0.01 : 0.002));
  } else {
    check_bounds(&vs);
  }
  vp_hand_landmarker_destroy(h);
  if (src) vp_source_close(src);
  free(rf);
}

static void pose_video(void) {
  const char *name = "opencv-doc_vtest.avi";
  char rp[1024];
  ref_path(rp, sizeof rp, "results", "opencv-doc_vtest.avi.pose_lite.jsonl");
  ref_frame *rf = NULL;
  int32_t nrf = 0;
  CHECK(ref_load(rp, "poses", &rf, &nrf) == 0 && nrf > 0);
  vp_source *src = open_video(name);
  vp_pose_landmarker_options o = vp_pose_landmarker_options_default();
  o.running_mode = VP_RUNNING_MODE_VIDEO;
  o.model = VP_MODEL_LITE;
  o.num_poses = 1;
  o.precision = vp_test_precision();
  o.output_segmentation_masks = true;
  vp_pose_landmarker *p = NULL;
  CHECK_STATUS(vp_pose_landmarker_create(&o, &p), VP_OK);
  video_stats vs = {0};
  double worst_fg = 0;
  vp_frame *f = NULL;
  while (src && p && vp_source_read(src, &f) == VP_OK) {
    const ref_frame *r = find(rf, nrf, f->seq);
    if (r) CHECK_NEAR((double)f->pts_ns / 1e6, r->pts_ms, 1e-3);
    const vp_pose_landmarker_result *res = NULL;
    CHECK_STATUS(vp_pose_landmarker_detect_for_video(p, f, f->pts_ns, &res), VP_OK);
    vs.frames++;
    if (r && res) {
      ref_inst cand[REF_MAX_INST];
      for (int i = 0; i < res->count && i < REF_MAX_INST; i++) {
        memset(&cand[i], 0, sizeof cand[i]);
        cand[i].n = VP_POSE_LANDMARK_COUNT;
        for (int k = 0; k < VP_POSE_LANDMARK_COUNT; k++) {
          cand[i].x[k] = res->poses[i].landmarks[k].x;
          cand[i].y[k] = res->poses[i].landmarks[k].y;
        }
      }
      judge(r, cand, res->count, &vs);
      if (r->has_seg && res->count > 0) {
        int64_t fg = 0, n = (int64_t)res->mask_width * res->mask_height;
        for (int64_t i = 0; i < n; i++) fg += res->poses[0].mask[i] > 0.5f;
        worst_fg = fmax(worst_fg, fabs((double)fg / n - r->foreground_fraction));
      }
    }
    vp_frame_unref(&f);
  }
  report("pose_lite video opencv-doc_vtest.avi", &vs);
  printf("pose_lite video: worst foreground fraction difference %.4f\n", worst_fg);
  CHECK_INT_EQ(vs.frames, 795);
  check_bounds(&vs);
  CHECK(worst_fg <= 0.02);
  vp_pose_landmarker_destroy(p);
  if (src) vp_source_close(src);
  free(rf);
}

int main(void) {
  if (!model_exists("palm_detection_lite") || !model_exists("pose_landmark_lite"))
    return vp_test_skip_or_fail("hand/pose models");
  char mp[1024];
  media_path(mp, sizeof mp, "opencv-doc_vtest.avi");
  if (!file_exists(mp)) return vp_test_skip_or_fail("test media (scripts/fetch-test-media)");
  hands_video(true);
  hands_video(false);
  /* Pose in bf16 is not held to these bounds (bench/README.md, "bf16": the
   * pose networks are ill-conditioned; measured on vtest: 24 of 159 frames
   * with another count, worst frame 0.094). */
  if (vp_test_bf16_active())
    printf("pose_lite video: not run in bf16\n");
  else
    pose_video();
  return TEST_EXIT();
}
