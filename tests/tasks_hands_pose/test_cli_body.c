/* End to end: `vpipe run --task hands,pose,selfie` on a still image writes
 * one JSONL record with `hands`, `poses` and `segmentation` (mask PNG named
 * and written), agreeing with MediaPipe's reference; bad options fail with a
 * message and a non-zero exit; --precision bf16 runs, a bad precision fails. */
#include <cjson/cJSON.h>
#include <string.h>
#include <sys/wait.h>

#include "common/check.h"
#include "common/media.h"
#include "fixtures.h"
#include "ref_compare.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
  if (b) b[n] = 0;
  fclose(f);
  return b;
}

/* --precision: a bad value fails (exit 2) with a message naming the flag;
 * bf16 runs the task (in fp32 where the CPU lacks AVX512-BF16) and finds the
 * same one hand. */
static void test_precision_flag(const char *bin, const char *img, const char *dir) {
  char out[1024];
  int rc = vp_test_sh_out(out, sizeof out, "'%s' run --quiet --input '%s' --task hands "
                          "--precision fp16 2>&1", bin, img);
  CHECK(rc != 0 && WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
  if (!strstr(out, "--precision") || !strstr(out, "fp16")) {
    fprintf(stderr, "--precision fp16: message does not name the flag and value: %s\n", out);
    vp_test_failures++;
  }
  CHECK(vp_test_sh("'%s' run --quiet --input '%s' --task hands --precision bf16 "
                   "--json '%s/bf16.jsonl'", bin, img, dir) == 0);
  char path[1200];
  snprintf(path, sizeof path, "%s/bf16.jsonl", dir);
  char *text = slurp(path);
  cJSON *r = text ? cJSON_Parse(text) : NULL;
  CHECK(r != NULL);
  const cJSON *hands = r ? cJSON_GetObjectItem(r, "hands") : NULL;
  CHECK(cJSON_IsArray(hands) && cJSON_GetArraySize(hands) == 1);
  const cJSON *h = cJSON_GetArrayItem(hands, 0);
  CHECK(h && cJSON_GetArraySize(cJSON_GetObjectItem(h, "landmarks")) == 21);
  cJSON_Delete(r);
  free(text);
}

int main(void) {
  const char *bin = getenv("VPIPE_BIN");
  if (!bin) return vp_test_skip_or_fail("VPIPE_BIN");
  if (!model_exists("hand_landmark_full") || !model_exists("pose_landmark_full") ||
      !model_exists("selfie_segmentation"))
    return vp_test_skip_or_fail("models");
  char img[1024];
  media_path(img, sizeof img, "opencv-doc_handSrc.jpg");
  if (!file_exists(img)) return vp_test_skip_or_fail("test media");
  const char *dir = vp_test_tmpdir();
  CHECK(vp_test_sh("'%s' run --quiet --input '%s' --task hands,pose,selfie --json '%s/out.jsonl' "
                   "--segmentation-mask '%s/masks' --output '%s/out.png' --background blur",
                   bin, img, dir, dir, dir) == 0);
  char path[1200];
  snprintf(path, sizeof path, "%s/out.jsonl", dir);
  char *text = slurp(path);
  CHECK(text != NULL);
  cJSON *r = text ? cJSON_Parse(text) : NULL;
  CHECK(r != NULL);
  if (r) {
    const cJSON *hands = cJSON_GetObjectItem(r, "hands");
    const cJSON *poses = cJSON_GetObjectItem(r, "poses");
    const cJSON *seg = cJSON_GetObjectItem(r, "segmentation");
    CHECK(cJSON_IsArray(hands) && cJSON_GetArraySize(hands) == 1);
    CHECK(cJSON_IsArray(poses) && cJSON_GetArraySize(poses) == 0);
    CHECK(cJSON_IsObject(seg));
    const cJSON *h = cJSON_GetArrayItem(hands, 0);
    if (h) {
      CHECK(strcmp(cJSON_GetObjectItem(h, "handedness")->valuestring, "Left") == 0);
      CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(h, "landmarks")), 21);
      CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(h, "world_landmarks")), 21);
      /* same as MediaPipe's hands_full answer */
      char rp[1024];
      ref_path(rp, sizeof rp, "results", "opencv-doc_handSrc.jpg.hands_full.jsonl");
      ref_frame *rf = NULL;
      int32_t n = 0;
      if (ref_load(rp, "hands", &rf, &n) == 0 && n == 1 && rf[0].count == 1) {
        const cJSON *l0 = cJSON_GetArrayItem(cJSON_GetObjectItem(h, "landmarks"), 0);
        CHECK_NEAR(cJSON_GetObjectItem(l0, "x")->valuedouble, rf[0].inst[0].x[0], 1e-3);
        CHECK_NEAR(cJSON_GetObjectItem(l0, "y")->valuedouble, rf[0].inst[0].y[0], 1e-3);
      } else {
        CHECK(!"reference hands_full for handSrc");
      }
      free(rf);
    }
    if (seg) {
      CHECK_INT_EQ(cJSON_GetObjectItem(seg, "width")->valueint, 640);
      CHECK_NEAR(cJSON_GetObjectItem(seg, "foreground_fraction")->valuedouble, 0.4625, 0.01);
      const cJSON *m = cJSON_GetObjectItem(seg, "mask");
      CHECK(cJSON_IsString(m) && file_exists(m->valuestring));
    }
    cJSON_Delete(r);
  }
  free(text);
  snprintf(path, sizeof path, "%s/out.png", dir);
  CHECK(file_exists(path));
  /* Bad values: a clear message and exit status 2 or 1, never a crash. */
  CHECK(vp_test_sh("'%s' run --quiet --input '%s' --task hands --num-hands 0 2>/dev/null", bin,
                   img) != 0);
  CHECK(vp_test_sh("'%s' run --quiet --input '%s' --task pose --pose-model huge 2>/dev/null", bin,
                   img) != 0);
  CHECK(vp_test_sh("'%s' run --quiet --input '%s' --task selfie --output '%s/x.png' "
                   "--background /nonexistent.png 2>/dev/null", bin, img, dir) != 0);
  test_precision_flag(bin, img, dir);
  vp_test_rmdir(dir);
  return TEST_EXIT();
}
