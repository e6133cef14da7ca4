/* `vpipe inspect`: JSON output parses and matches the model; bad files and
 * bad usage give clear messages and exit codes 1 and 2. */
#include <cjson/cJSON.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/check.h"
#include "model_reader/models_path.h"

/* Run a shell command, capture stdout+stderr (up to @p size), return exit code. */
static int run(const char *cmd, char *out, size_t size) {
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out, 1, size - 1, p);
  out[n] = 0;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void) {
  const char *bin = getenv("VPIPE_BIN");
  if (!bin) {
    fprintf(stderr, "VPIPE_BIN is not set\n");
    return 1;
  }
  static char out[1 << 16];
  char cmd[8192];

  /* Bad usage and bad files (no models needed). */
  snprintf(cmd, sizeof cmd, "'%s' inspect 2>&1", bin);
  CHECK_INT_EQ(run(cmd, out, sizeof out), 2);
  CHECK(strstr(out, "usage: vpipe inspect") != NULL);
  snprintf(cmd, sizeof cmd, "'%s' inspect --bogus x 2>&1", bin);
  CHECK_INT_EQ(run(cmd, out, sizeof out), 2);
  snprintf(cmd, sizeof cmd, "'%s' inspect /nonexistent/x.tflite 2>&1", bin);
  CHECK_INT_EQ(run(cmd, out, sizeof out), 1);
  CHECK(strstr(out, "/nonexistent/x.tflite") != NULL);
  char bad[] = "/tmp/vp_inspect_bad_XXXXXX";
  int fd = mkstemp(bad);
  CHECK(fd >= 0);
  if (fd >= 0) {
    CHECK(write(fd, "this is not a model at all", 26) == 26);
    close(fd);
    snprintf(cmd, sizeof cmd, "'%s' inspect '%s' 2>&1", bin, bad);
    CHECK_INT_EQ(run(cmd, out, sizeof out), 1);
    CHECK(strstr(out, "TFL3") != NULL);
    unlink(bad);
  }
  snprintf(cmd, sizeof cmd, "VPIPE_MODELS=/nonexistent '%s' inspect face_landmark 2>&1", bin);
  CHECK_INT_EQ(run(cmd, out, sizeof out), 1);
  CHECK(strstr(out, "vpipe models fetch") != NULL);

  char path[4096];
  vp_test_model_path("face_landmark", path, sizeof path);
  if (!vp_test_file_exists(path)) {
    if (vp_test_failures) return TEST_EXIT();
    return vp_test_skip_or_fail("face_landmark model (run `vpipe models fetch`)");
  }
  snprintf(cmd, sizeof cmd, "'%s' inspect --json '%s'", bin, path);
  CHECK_INT_EQ(run(cmd, out, sizeof out), 0);
  cJSON *j = cJSON_Parse(out);
  CHECK(j != NULL);
  if (j) {
    cJSON *ins = cJSON_GetObjectItem(j, "inputs"), *outs = cJSON_GetObjectItem(j, "outputs");
    CHECK_INT_EQ(cJSON_GetArraySize(ins), 1);
    CHECK_INT_EQ(cJSON_GetArraySize(outs), 2);
    cJSON *in0 = cJSON_GetArrayItem(ins, 0);
    CHECK(!strcmp(cJSON_GetObjectItem(in0, "name")->valuestring, "input_1"));
    CHECK(!strcmp(cJSON_GetObjectItem(in0, "dtype")->valuestring, "float32"));
    cJSON *shape = cJSON_GetObjectItem(in0, "shape");
    CHECK_INT_EQ(cJSON_GetArraySize(shape), 4);
    CHECK_INT_EQ(cJSON_GetArrayItem(shape, 1)->valueint, 192);
    cJSON *o0 = cJSON_GetArrayItem(outs, 0);
    CHECK(!strcmp(cJSON_GetObjectItem(o0, "name")->valuestring, "conv2d_21"));
    CHECK_INT_EQ(cJSON_GetArrayItem(cJSON_GetObjectItem(o0, "shape"), 3)->valueint, 1404);
    CHECK(cJSON_GetObjectItem(j, "macs")->valuedouble > 1e7);
    CHECK(cJSON_GetObjectItem(j, "parameters")->valuedouble > 1e5);
    cJSON *kinds = cJSON_GetObjectItem(j, "operator_kinds");
    CHECK(cJSON_GetObjectItem(kinds, "CONV_2D") != NULL);
    CHECK(cJSON_GetObjectItem(kinds, "DEQUANTIZE") == NULL);
    cJSON_Delete(j);
  }
  /* --ops: every operator with its tensors; MACs add up. */
  static char big[1 << 20];
  snprintf(cmd, sizeof cmd, "'%s' inspect --ops --json '%s'", bin, path);
  CHECK_INT_EQ(run(cmd, big, sizeof big), 0);
  j = cJSON_Parse(big);
  CHECK(j != NULL);
  if (j) {
    cJSON *ops = cJSON_GetObjectItem(j, "ops");
    CHECK_INT_EQ(cJSON_GetArraySize(ops), cJSON_GetObjectItem(j, "operators")->valueint);
    double macs = 0;
    cJSON *op;
    cJSON_ArrayForEach(op, ops) macs += cJSON_GetObjectItem(op, "macs")->valuedouble;
    CHECK_NEAR(macs, cJSON_GetObjectItem(j, "macs")->valuedouble, 0.5);
    cJSON *first = cJSON_GetArrayItem(ops, 0);
    CHECK(!strcmp(cJSON_GetObjectItem(first, "kind")->valuestring, "CONV_2D") ||
          !strcmp(cJSON_GetObjectItem(first, "kind")->valuestring, "PAD"));
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(first, "inputs")) >= 1);
    cJSON_Delete(j);
  }
  snprintf(cmd, sizeof cmd, "'%s' inspect --ops '%s'", bin, path);
  CHECK_INT_EQ(run(cmd, big, sizeof big), 0);
  CHECK(strstr(big, "operator list") && strstr(big, "MACs"));

  /* A bare name resolves in the models folder; text output names the parts. */
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  *strrchr(dir, '/') = 0;
  snprintf(cmd, sizeof cmd, "VPIPE_MODELS='%s' '%s' inspect face_landmark", dir, bin);
  CHECK_INT_EQ(run(cmd, out, sizeof out), 0);
  CHECK(strstr(out, "conv2d_21") && strstr(out, "MACs") && strstr(out, "parameters"));
  return TEST_EXIT();
}
