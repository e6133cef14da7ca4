/* Face detector fidelity: every still image of the reference set, short and
 * full range, against MediaPipe Tasks' results (tests/ref/results). Same face
 * count; matched boxes within 0.01 of the image size per coordinate; scores
 * within 0.02; keypoints mean <= 0.01 and max <= 0.02. Prints the errors.
 * VP_TEST_PRECISION=bf16: the same in bf16 (tests/common/precision.h). */
#include <math.h>

#include "common/check.h"
#include "common/precision.h"
#include "media_list.h"
#include "refcmp.h"
#include "vpipe/image.h"
#include "vpipe/tasks.h"

static int run_config(vp_face_range range, const char *config) {
  vp_face_detector_options o = vp_face_detector_options_default();
  o.range = range;
  o.min_detection_confidence = 0.5f;
  o.min_suppression_threshold = 0.3f;
  o.precision = vp_test_precision();
  vp_face_detector *det = NULL;
  vp_status st = vp_face_detector_create(&o, &det);
  if (st != VP_OK) {
    fprintf(stderr, "%s: %s\n", config, vp_last_error());
    return st == VP_ENOENT ? vp_test_skip_or_fail("face detection model") : 1;
  }
  double worst_box = 0, worst_score = 0, worst_mean = 0, worst_max = 0;
  int images = 0, faces = 0;
  for (int i = 0; i < VP_TEST_NUM_STILLS; i++) {
    char mp[1024], rp[1024];
    media_path(mp, sizeof mp, vp_test_stills[i]);
    ref_path(rp, sizeof rp, vp_test_stills[i], config);
    if (!file_exists(mp)) {
      vp_face_detector_destroy(det);
      return vp_test_skip_or_fail(mp);
    }
    ref_frame *ref = NULL;
    int nref = ref_load(rp, "faces", &ref);
    CHECK(nref == 1);
    if (nref != 1) {
      free(ref);
      continue;
    }
    vp_frame *frame = NULL;
    CHECK_STATUS(vp_image_load(mp, &frame), VP_OK);
    if (!frame) {
      free(ref);
      continue;
    }
    const vp_face_detector_result *res = NULL;
    CHECK_STATUS(vp_face_detector_detect(det, frame, &res), VP_OK);
    if (res) {
      static ref_frame cand;
      memset(&cand, 0, sizeof cand);
      cand.n = res->count < REF_MAX_INST ? res->count : REF_MAX_INST;
      for (int k = 0; k < cand.n; k++) {
        const vp_face_detection *f = &res->faces[k];
        ref_inst *c = &cand.inst[k];
        c->score = f->score;
        c->has_box = true;
        c->box[0] = f->box.x;
        c->box[1] = f->box.y;
        c->box[2] = f->box.x + f->box.w;
        c->box[3] = f->box.y + f->box.h;
        c->npts = VP_FACE_KEYPOINTS;
        for (int j = 0; j < VP_FACE_KEYPOINTS; j++) {
          c->pts[j][0] = f->keypoints[j].x;
          c->pts[j][1] = f->keypoints[j].y;
        }
      }
      images++;
      if (cand.n != ref->n)
        fprintf(stderr, "%s %s: %d faces, reference %d\n", config, vp_test_stills[i], cand.n,
                ref->n);
      CHECK_INT_EQ(cand.n, ref->n);
      int pairs[REF_MAX_INST][2];
      int np = ref_match(ref, &cand, pairs);
      for (int k = 0; k < np; k++) {
        const ref_inst *r = &ref->inst[pairs[k][0]], *c = &cand.inst[pairs[k][1]];
        double mean, mx, db = 0;
        ref_point_stats(r, c, &mean, &mx);
        for (int q = 0; q < 4; q++) db = fmax(db, fabs(r->box[q] - c->box[q]));
        const double ds = fabs(r->score - c->score);
        printf("%s %-40s face %d: box %.1e score %.1e keypoints mean %.1e max %.1e\n", config,
               vp_test_stills[i], k, db, ds, mean, mx);
        CHECK(db <= 0.01);
        CHECK(ds <= 0.02);
        CHECK(mean <= 0.01);
        CHECK(mx <= 0.02);
        worst_box = fmax(worst_box, db);
        worst_score = fmax(worst_score, ds);
        worst_mean = fmax(worst_mean, mean);
        worst_max = fmax(worst_max, mx);
        faces++;
      }
    }
    vp_frame_unref(&frame);
    free(ref);
  }
  printf("%s: %d images, %d faces matched; worst box %.1e, score %.1e, keypoints mean %.1e, max %.1e\n",
         config, images, faces, worst_box, worst_score, worst_mean, worst_max);
  vp_face_detector_destroy(det);
  return 0;
}

int main(void) {
  int r = run_config(VP_FACE_RANGE_SHORT, "face_short");
  if (r) return r;
  r = run_config(VP_FACE_RANGE_FULL, "face_full");
  if (r) return r;
  return TEST_EXIT();
}
