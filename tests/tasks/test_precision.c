/* vp_precision across the API: parsing and names, validation of the option
 * in the session and in every task's create, the effective precision a
 * session reports, and BF16 sessions of real models computing outputs close
 * to FP32's (a bound loose enough for bfloat16's 8-bit mantissas). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sys/wait.h>

#include "common/check.h"
#include "common/media.h"
#include "vpipe/model.h"
#include "vpipe/tasks.h"

/* The value no vp_precision has: every create must refuse it with VP_EINVAL. */
#define BAD_PRECISION ((vp_precision)7)

static void test_parse(void) {
  vp_precision p = BAD_PRECISION;
  CHECK_STATUS(vp_precision_parse("fp32", &p), VP_OK);
  CHECK_INT_EQ(p, VP_PRECISION_FP32);
  CHECK_STATUS(vp_precision_parse("bf16", &p), VP_OK);
  CHECK_INT_EQ(p, VP_PRECISION_BF16);
  /* Refused values leave *out alone (written only on success). */
  const char *bad[] = {"fp16", "", "BF16x", "bf", "fp32 ", "int8"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    p = BAD_PRECISION;
    CHECK_STATUS(vp_precision_parse(bad[i], &p), VP_EINVAL);
    CHECK_INT_EQ(p, BAD_PRECISION);
    CHECK(strstr(vp_last_error(), "precision") != NULL);
  }
  CHECK_STATUS(vp_precision_parse(NULL, &p), VP_EINVAL);
  CHECK_STATUS(vp_precision_parse("fp32", NULL), VP_EINVAL);
  CHECK(!strcmp(vp_precision_name(VP_PRECISION_FP32), "fp32"));
  CHECK(!strcmp(vp_precision_name(VP_PRECISION_BF16), "bf16"));
  CHECK(!strcmp(vp_precision_name(BAD_PRECISION), "?"));
  /* Every name round-trips through the parser. */
  const vp_precision all[] = {VP_PRECISION_FP32, VP_PRECISION_BF16};
  for (size_t i = 0; i < 2; i++) {
    CHECK_STATUS(vp_precision_parse(vp_precision_name(all[i]), &p), VP_OK);
    CHECK_INT_EQ(p, all[i]);
  }
}

/* The defaults are FP32 everywhere: MediaPipe's arithmetic unless asked. */
static void test_defaults(void) {
  CHECK_INT_EQ(vp_session_options_default().precision, VP_PRECISION_FP32);
  CHECK_INT_EQ(vp_face_detector_options_default().precision, VP_PRECISION_FP32);
  CHECK_INT_EQ(vp_face_landmarker_options_default().precision, VP_PRECISION_FP32);
  CHECK_INT_EQ(vp_hand_landmarker_options_default().precision, VP_PRECISION_FP32);
  CHECK_INT_EQ(vp_pose_landmarker_options_default().precision, VP_PRECISION_FP32);
  CHECK_INT_EQ(vp_segmenter_options_default().precision, VP_PRECISION_FP32);
}

/* The error must name the field and the bad value. */
static void check_bad_precision_message(const char *who) {
  const char *msg = vp_last_error();
  if (!strstr(msg, "precision") || !strstr(msg, "7")) {
    fprintf(stderr, "%s: message does not name precision 7: '%s'\n", who, msg);
    vp_test_failures++;
  }
}

/* Each task refuses precision 7 before it loads any model: so this runs
 * without the model store (models_dir points nowhere to prove it). */
#define CHECK_REFUSES(OPT, OBJ, WHO)                                   \
  do {                                                                 \
    OPT##_options o = OPT##_options_default();                         \
    o.models_dir = "/nonexistent/vpipe-models";                        \
    o.precision = BAD_PRECISION;                                       \
    OBJ *obj = NULL;                                                   \
    CHECK_STATUS(OPT##_create(&o, &obj), VP_EINVAL);                   \
    CHECK(obj == NULL);                                                \
    check_bad_precision_message(WHO);                                  \
  } while (0)

static void test_task_validation(void) {
  CHECK_REFUSES(vp_face_detector, vp_face_detector, "face detector");
  CHECK_REFUSES(vp_face_landmarker, vp_face_landmarker, "face landmarker");
  CHECK_REFUSES(vp_hand_landmarker, vp_hand_landmarker, "hand landmarker");
  CHECK_REFUSES(vp_pose_landmarker, vp_pose_landmarker, "pose landmarker");
  CHECK_REFUSES(vp_segmenter, vp_segmenter, "segmenter");
}

/* ---- sessions on real models ------------------------------------------- */

/* A smooth, deterministic image-like input in [-1, 1]: real models respond to
 * it with non-trivial activations, unlike zeros. */
static void fill_input(float *x, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const double t = (double)i;
    x[i] = (float)(0.6 * sin(t * 0.013) + 0.4 * cos(t * 0.0007 + (double)(i % 3)));
  }
}

/* Run @p m in a session of @p precision on fill_input(); copies of every
 * output go to @p out (caller frees). */
static vp_status run_model(const vp_model *m, vp_precision precision, float **out,
                           vp_precision *effective) {
  vp_session_options so = vp_session_options_default();
  so.precision = precision;
  vp_session *s = NULL;
  vp_status st = vp_session_create(m, &so, &s);
  if (st != VP_OK) return st;
  *effective = vp_session_precision(s);
  for (int32_t i = 0; i < vp_model_input_count(m); i++) {
    vp_tensor_info ti;
    if (vp_model_input_info(m, i, &ti) == VP_OK) fill_input(vp_session_input(s, i), ti.num_elements);
  }
  st = vp_session_run(s);
  for (int32_t i = 0; st == VP_OK && i < vp_model_output_count(m); i++) {
    vp_tensor_info ti;
    st = vp_model_output_info(m, i, &ti);
    if (st != VP_OK) break;
    out[i] = malloc(sizeof(float) * ti.num_elements);
    if (!out[i]) {
      st = VP_ENOMEM;
      break;
    }
    memcpy(out[i], vp_session_output(s, i), sizeof(float) * ti.num_elements);
  }
  vp_session_destroy(s);
  return st;
}

#define MAX_OUTPUTS 16

/* BF16 output vs FP32 output: every value finite, and the largest difference
 * at most 5% of the largest FP32 magnitude. Exact equality today (the BF16
 * kernels are not in yet); meaningful once they are. */
static void compare_outputs(const char *name, const vp_model *m, float **fp32, float **bf16) {
  for (int32_t i = 0; i < vp_model_output_count(m); i++) {
    vp_tensor_info ti;
    if (vp_model_output_info(m, i, &ti) != VP_OK) continue;
    double max_ref = 0, max_diff = 0;
    size_t nonfinite = 0;
    for (size_t k = 0; k < ti.num_elements; k++) {
      if (!isfinite(bf16[i][k])) nonfinite++;
      max_ref = fmax(max_ref, fabs((double)fp32[i][k]));
      max_diff = fmax(max_diff, fabs((double)bf16[i][k] - (double)fp32[i][k]));
    }
    const double rel = max_ref > 0 ? max_diff / max_ref : max_diff;
    fprintf(stderr, "%s output %d: max |bf16 - fp32| %.3g, max |fp32| %.3g, ratio %.3g\n", name,
            (int)i, max_diff, max_ref, rel);
    CHECK_INT_EQ(nonfinite, 0);
    CHECK(rel <= 0.05);
  }
}

/* @return false when the model is not in the store (skipped). */
static bool test_model(const char *name) {
  vp_model *m = NULL;
  if (vp_model_create_by_name(name, NULL, &m) != VP_OK) {
    fprintf(stderr, "%s: %s\n", name, vp_last_error());
    return false;
  }
  int32_t n = vp_model_output_count(m);
  CHECK(n > 0 && n <= MAX_OUTPUTS);
  float *fp32[MAX_OUTPUTS] = {0}, *bf16[MAX_OUTPUTS] = {0};
  vp_precision eff32 = BAD_PRECISION, eff16 = BAD_PRECISION;
  if (n > 0 && n <= MAX_OUTPUTS) {
    CHECK_STATUS(run_model(m, VP_PRECISION_FP32, fp32, &eff32), VP_OK);
    CHECK_STATUS(run_model(m, VP_PRECISION_BF16, bf16, &eff16), VP_OK);
    CHECK_INT_EQ(eff32, VP_PRECISION_FP32);
    /* BF16 where the CPU has AVX512-BF16, else the FP32 fallback. */
    CHECK_INT_EQ(eff16, vp_precision_bf16_available() ? VP_PRECISION_BF16 : VP_PRECISION_FP32);
    bool complete = true;
    for (int32_t i = 0; i < n; i++) complete = complete && fp32[i] && bf16[i];
    if (complete) compare_outputs(name, m, fp32, bf16);
  }
  for (int32_t i = 0; i < MAX_OUTPUTS; i++) {
    free(fp32[i]);
    free(bf16[i]);
  }
  /* A bad precision on a real model: refused with the value in the message. */
  vp_session_options so = vp_session_options_default();
  so.precision = BAD_PRECISION;
  vp_session *s = NULL;
  CHECK_STATUS(vp_session_create(m, &so, &s), VP_EINVAL);
  CHECK(s == NULL);
  check_bad_precision_message("vp_session_create");
  vp_model_destroy(m);
  return true;
}

/* Run shell command @p cmd (stderr too): exit status @p want_rc and @p want
 * somewhere in the output, else a failure that shows both. */
static void check_cli(const char *what, const char *cmd, int want_rc, const char *want) {
  char out[4096];
  int rc = vp_test_sh_out(out, sizeof out, "%s 2>&1", cmd);
  const int code = rc >= 0 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  if (code != want_rc || !strstr(out, want)) {
    fprintf(stderr, "%s: exit %d (want %d), output lacks '%s':\n%s\n", what, code, want_rc, want,
            out);
    vp_test_failures++;
  }
}

#define FD "face_detection_short_range"

/* The model-level commands: bad values refused (exit 2, the flag named)
 * before any model loads; `bench model` and `model run` say which precision
 * ran. */
static void test_cli(const char *bin) {
  char cmd[3072];
  snprintf(cmd, sizeof cmd, "'%s' bench model " FD " --precision fp16", bin);
  check_cli("bench fp16", cmd, 2, "--precision");
  snprintf(cmd, sizeof cmd, "'%s' bench model " FD " --precision", bin);
  check_cli("bench without a value", cmd, 2, "--precision");
  snprintf(cmd, sizeof cmd, "'%s' model run " FD " --input /dev/null --output /nonexistent "
           "--precision fp16", bin);
  check_cli("model run fp16", cmd, 2, "--precision");
  snprintf(cmd, sizeof cmd, "'%s' run --input /nonexistent.png --task face --precision fp16", bin);
  check_cli("run fp16", cmd, 2, "--precision");

  const bool bf16 = vp_precision_bf16_available();
  const char *json_want = bf16 ? "\"precision\": \"bf16\"" : "\"precision\": \"fp32\"";
  /* One run of a ~1 ms model plus the roofline samples: not a benchmark. */
  snprintf(cmd, sizeof cmd, "'%s' bench model " FD " --runs 1 --warmup 0 --precision bf16", bin);
  check_cli("bench bf16", cmd, 0,
            bf16 ? "precision   bf16" : "precision   fp32 (bf16 not available on this CPU)");
  snprintf(cmd, sizeof cmd, "'%s' bench model " FD " --runs 1 --warmup 0 --json --precision bf16",
           bin);
  check_cli("bench --json bf16", cmd, 0, json_want);
  /* model run on a zero tensor of the model's input size (1x128x128x3):
   * outputs.json names the precision that ran. */
  const char *dir = vp_test_tmpdir();
  snprintf(cmd, sizeof cmd, "head -c %d /dev/zero > '%s/in.f32' && '%s' model run " FD
           " --input '%s/in.f32' --output '%s/out' --precision bf16 && cat '%s/out/outputs.json'",
           128 * 128 * 3 * 4, dir, bin, dir, dir, dir);
  check_cli("model run bf16", cmd, 0, json_want);
  vp_test_rmdir(dir);
}

int main(void) {
  fprintf(stderr, "AVX512-BF16 %s: bf16 sessions run %s\n",
          vp_precision_bf16_available() ? "available" : "not available",
          vp_precision_bf16_available() ? "bf16" : "fp32");
  CHECK_INT_EQ(vp_session_precision(NULL), VP_PRECISION_FP32);
  test_parse();
  test_defaults();
  test_task_validation();
  /* Two detectors on the synthetic input (a smooth pattern, not a picture).
   * Networks differ in how far such out-of-distribution input drives them:
   * palm_detection_lite's raw box outputs move by 20% of their largest value
   * in bf16 on it, the selfie model's probabilities by 30%, while on real
   * images hands and selfie meet their fidelity bounds (the *_bf16 fidelity
   * tests); those are the real check. Models with one-value outputs are left
   * out too: a relative bound means nothing there. */
  const char *models[] = {"face_detection_short_range", "pose_detection"};
  int ran = 0;
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) ran += test_model(models[i]);
  const char *bin = getenv("VPIPE_BIN");
  if (ran && bin) test_cli(bin);
  if (!ran) {
    int rc = TEST_EXIT();
    return rc ? rc : vp_test_skip_or_fail("models (vpipe models fetch)");
  }
  return TEST_EXIT();
}
