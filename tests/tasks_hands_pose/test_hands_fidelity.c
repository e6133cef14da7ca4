/* Hand landmarker vs MediaPipe Tasks' reference on every still image
 * (hands_lite, hands_full): same number of hands (after dropping MediaPipe's
 * duplicate reports), handedness equal, landmarks within 0.01 mean / 0.025
 * max, world landmarks within 1 cm mean. Prints the measured errors.
 * VP_TEST_PRECISION=bf16: the same in bf16 (tests/common/precision.h). */
#include <string.h>

#include "common/check.h"
#include "common/precision.h"
#include "fixtures.h"
#include "ref_compare.h"
#include "vpipe/tasks.h"

static void to_inst(const vp_hand *h, ref_inst *o) {
  memset(o, 0, sizeof(*o));
  o->n = VP_HAND_LANDMARK_COUNT;
  for (int i = 0; i < o->n; i++) {
    o->x[i] = h->landmarks[i].x;
    o->y[i] = h->landmarks[i].y;
    o->wx[i] = h->world_landmarks[i].x;
    o->wy[i] = h->world_landmarks[i].y;
    o->wz[i] = h->world_landmarks[i].z;
  }
  o->has_world = true;
  snprintf(o->handedness, sizeof o->handedness, "%s", h->handedness);
}

static int run_config(const char *config, vp_model_size model) {
  vp_hand_landmarker_options o = vp_hand_landmarker_options_default();
  o.model = model;
  o.num_hands = 2; /* as the reference (numHands 2) */
  o.precision = vp_test_precision();
  vp_hand_landmarker *h = NULL;
  CHECK_STATUS(vp_hand_landmarker_create(&o, &h), VP_OK);
  if (!h) return 1;
  ref_stats total = {0};
  int images = 0;
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
    CHECK(ref_load(rp, "hands", &rf, &nrf) == 0 && nrf == 1);
    if (nrf != 1) {
      free(rf);
      continue;
    }
    ref_dedup(&rf[0]);
    vp_frame *f = NULL;
    CHECK_STATUS(vp_image_load(mp, &f), VP_OK);
    const vp_hand_landmarker_result *r = NULL;
    if (f) CHECK_STATUS(vp_hand_landmarker_detect(h, f, &r), VP_OK);
    if (r) {
      ref_inst cand[REF_MAX_INST];
      for (int i = 0; i < r->count && i < REF_MAX_INST; i++) to_inst(&r->hands[i], &cand[i]);
      ref_stats st = {0};
      ref_compare(&rf[0], cand, r->count, &st, NULL);
      printf("%-12s %-40s hands %d (ref %d) mean %.1e max %.1e world %.1e m%s\n", config,
             vp_test_stills[m], r->count, rf[0].count, st.worst_mean, st.worst_max, st.worst_world,
             st.handedness_mismatch ? " HANDEDNESS DIFFERS" : "");
      CHECK_INT_EQ(r->count, rf[0].count);
      CHECK_INT_EQ(st.matched, rf[0].count);
      CHECK_INT_EQ(st.handedness_mismatch, 0);
      CHECK(st.worst_mean <= 0.01);
      CHECK(st.worst_max <= 0.025);
      CHECK(st.worst_world <= 0.01);
      total.matched += st.matched;
      total.sum_mean += st.sum_mean;
      if (st.worst_mean > total.worst_mean) total.worst_mean = st.worst_mean;
      if (st.worst_max > total.worst_max) total.worst_max = st.worst_max;
      if (st.worst_world > total.worst_world) total.worst_world = st.worst_world;
      images++;
    }
    vp_frame_unref(&f);
    free(rf);
  }
  printf("%s: %d images, %d hands matched, mean of means %.2e, worst mean %.2e, worst max %.2e, "
         "worst world mean %.2e m\n", config, images, total.matched,
         total.matched ? total.sum_mean / total.matched : 0.0, total.worst_mean, total.worst_max,
         total.worst_world);
  vp_hand_landmarker_destroy(h);
  return images;
}

int main(void) {
  if (!model_exists("palm_detection_lite") || !model_exists("hand_landmark_full"))
    return vp_test_skip_or_fail("hand models");
  char mp[1024];
  media_path(mp, sizeof mp, vp_test_stills[0]);
  if (!file_exists(mp)) return vp_test_skip_or_fail("test media (scripts/fetch-test-media)");
  run_config("hands_lite", VP_MODEL_LITE);
  run_config("hands_full", VP_MODEL_FULL);
  return TEST_EXIT();
}
