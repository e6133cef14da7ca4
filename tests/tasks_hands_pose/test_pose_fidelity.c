/* Pose landmarker vs MediaPipe Tasks' reference on every still image
 * (pose_lite, pose_full, pose_heavy; numPoses 1, masks on): same number of
 * poses, landmarks within 0.01 mean / 0.025 max, visibility within 0.05,
 * world landmarks within 1 cm mean, mask IoU (at 0.5) >= 0.97 and foreground
 * fraction within 0.01. Prints the measured errors.
 * VP_TEST_PRECISION=bf16: the same in bf16 (tests/common/precision.h). */
#include <math.h>
#include <string.h>

#include "common/check.h"
#include "common/precision.h"
#include "fixtures.h"
#include "mask_check.h"
#include "ref_compare.h"
#include "vpipe/tasks.h"

static void to_inst(const vp_pose *p, ref_inst *o) {
  memset(o, 0, sizeof(*o));
  o->n = VP_POSE_LANDMARK_COUNT;
  for (int i = 0; i < o->n; i++) {
    o->x[i] = p->landmarks[i].x;
    o->y[i] = p->landmarks[i].y;
    o->vis[i] = p->landmarks[i].visibility;
    o->wx[i] = p->world_landmarks[i].x;
    o->wy[i] = p->world_landmarks[i].y;
    o->wz[i] = p->world_landmarks[i].z;
  }
  o->has_world = true;
}

static void run_config(const char *config, vp_model_size model) {
  vp_pose_landmarker_options o = vp_pose_landmarker_options_default();
  o.model = model;
  o.num_poses = 1;
  o.output_segmentation_masks = true;
  o.precision = vp_test_precision();
  const bool bf16 = vp_test_bf16_active();
  vp_pose_landmarker *p = NULL;
  CHECK_STATUS(vp_pose_landmarker_create(&o, &p), VP_OK);
  if (!p) return;
  ref_stats total = {0};
  double worst_iou = 1.0, worst_fg = 0.0;
  int images = 0, count_mismatch = 0;
  for (int m = 0; m < VP_TEST_NUM_STILLS; m++) {
    char mp[1024], rp[1024], name[512];
    media_path(mp, sizeof mp, vp_test_stills[m]);
    snprintf(name, sizeof name, "%s.%s.jsonl", vp_test_stills[m], config);
    ref_path(rp, sizeof rp, "results", name);
    if (!file_exists(mp)) {
      fprintf(stderr, "skipping %s: medium missing\n", vp_test_stills[m]);
      continue;
    }
    ref_frame *rf = NULL;
    int32_t nrf = 0;
    CHECK(ref_load(rp, "poses", &rf, &nrf) == 0 && nrf == 1);
    if (nrf != 1) {
      free(rf);
      continue;
    }
    vp_frame *f = NULL;
    CHECK_STATUS(vp_image_load(mp, &f), VP_OK);
    const vp_pose_landmarker_result *r = NULL;
    if (f) CHECK_STATUS(vp_pose_landmarker_detect(p, f, &r), VP_OK);
    if (r) {
      ref_inst cand[REF_MAX_INST];
      for (int i = 0; i < r->count && i < REF_MAX_INST; i++) to_inst(&r->poses[i], &cand[i]);
      ref_stats st = {0};
      ref_compare(&rf[0], cand, r->count, &st, NULL);
      double iou = 1.0, fg = 0.0, dfg = 0.0;
      if (rf[0].has_seg && r->count > 0) {
        snprintf(name, sizeof name, "%s.%s.mask_000000.png", vp_test_stills[m], config);
        CHECK(mask_iou(name, r->poses[0].mask, r->mask_width, r->mask_height, &iou, &fg) == 0);
        dfg = fabs(fg - rf[0].foreground_fraction);
      }
      printf("%-10s %-40s poses %d (ref %d) mean %.1e max %.1e vis %.1e world %.1e m "
             "mask IoU %.4f fg diff %.4f\n", config, vp_test_stills[m], r->count, rf[0].count,
             st.worst_mean, st.worst_max, st.worst_vis, st.worst_world, iou, dfg);
      if (r->count != rf[0].count) count_mismatch++;
      if (!bf16) {
        CHECK_INT_EQ(r->count, rf[0].count);
        CHECK_INT_EQ(st.matched, rf[0].count);
      }
      if (!bf16) {
        CHECK(st.worst_mean <= 0.01);
        CHECK(st.worst_max <= 0.025);
        CHECK(st.worst_vis <= 0.05);
        CHECK(st.worst_world <= 0.01);
        CHECK(iou >= 0.97);
        CHECK(dfg <= 0.01);
      } else {
        /* bf16 does not meet the per-pose bounds: on partial-body
         * images the pose models answer as differently as they do to
         * invisible input noise (bench/README.md, "bf16"). Measured worst
         * per pose (lite / full / heavy): mean 0.075 / 0.097 / 0.22, mask IoU
         * 0.83 / 0.78 / 0.81. What is checked is that bf16 finds the same
         * people and stays near on average (the totals below); a broken
         * kernel moves every landmark. */
        CHECK(st.worst_vis <= 0.15);
        CHECK(iou >= 0.7);
      }
      total.matched += st.matched;
      total.sum_mean += st.sum_mean;
      if (st.worst_mean > total.worst_mean) total.worst_mean = st.worst_mean;
      if (st.worst_max > total.worst_max) total.worst_max = st.worst_max;
      if (st.worst_vis > total.worst_vis) total.worst_vis = st.worst_vis;
      if (st.worst_world > total.worst_world) total.worst_world = st.worst_world;
      if (iou < worst_iou) worst_iou = iou;
      if (dfg > worst_fg) worst_fg = dfg;
      images++;
    }
    vp_frame_unref(&f);
    free(rf);
  }
  printf("%s: %d images, %d poses matched, mean of means %.2e, worst mean %.2e, worst max "
         "%.2e, worst visibility %.2e, worst world mean %.2e m, worst mask IoU %.4f, worst fg "
         "diff %.4f\n", config, images, total.matched,
         total.matched ? total.sum_mean / total.matched : 0.0, total.worst_mean, total.worst_max,
         total.worst_vis, total.worst_world, worst_iou, worst_fg);
  /* bf16 on average (measured mean of means 0.024 / 0.019 / 0.029), and one
   * pose at most whose presence flips across the threshold (heavy: a pose on
   * opencv-doc_230501201_1.jpg where MediaPipe reports none). */
  if (bf16) {
    CHECK(total.matched && total.sum_mean / total.matched <= 0.05);
    CHECK(count_mismatch <= 1);
  }
  vp_pose_landmarker_destroy(p);
}

int main(void) {
  if (!model_exists("pose_detection") || !model_exists("pose_landmark_lite"))
    return vp_test_skip_or_fail("pose models");
  char mp[1024];
  media_path(mp, sizeof mp, vp_test_stills[0]);
  if (!file_exists(mp)) return vp_test_skip_or_fail("test media (scripts/fetch-test-media)");
  run_config("pose_lite", VP_MODEL_LITE);
  run_config("pose_full", VP_MODEL_FULL);
  run_config("pose_heavy", VP_MODEL_HEAVY);
  return TEST_EXIT();
}
