/* Where models are looked for: VPIPE_MODELS, XDG_DATA_HOME, HOME; paths of
 * models; unknown names. */
#include "common/check.h"
#include "vpipe/model.h"

static void env(const char *models, const char *xdg, const char *home) {
  if (models) setenv("VPIPE_MODELS", models, 1); else unsetenv("VPIPE_MODELS");
  if (xdg) setenv("XDG_DATA_HOME", xdg, 1); else unsetenv("XDG_DATA_HOME");
  if (home) setenv("HOME", home, 1); else unsetenv("HOME");
}

static const char *dir(void) {
  static char buf[512];
  if (vp_models_dir(buf, sizeof buf) != VP_OK) return "(error)";
  return buf;
}

int main(void) {
  env("/opt/m", "/x/data", "/home/u");
  CHECK(!strcmp(dir(), "/opt/m"));
  env("", "/x/data", "/home/u"); /* empty means unset */
  CHECK(!strcmp(dir(), "/x/data/vpipe/models"));
  env(NULL, "relative/data", "/home/u"); /* XDG spec: relative paths are ignored */
  CHECK(!strcmp(dir(), "/home/u/.local/share/vpipe/models"));
  env(NULL, NULL, "/home/u");
  CHECK(!strcmp(dir(), "/home/u/.local/share/vpipe/models"));
  env(NULL, NULL, NULL); /* falls back to the password database */
  char buf[512];
  vp_status st = vp_models_dir(buf, sizeof buf);
  CHECK(st == VP_OK || st == VP_ENOENT);
  if (st == VP_OK) CHECK(strstr(buf, "/.local/share/vpipe/models") != NULL);

  env("/opt/m", NULL, NULL);
  char small[4];
  CHECK_STATUS(vp_models_dir(small, sizeof small), VP_ERANGE);
  CHECK(strstr(vp_last_error(), "/opt/m") != NULL);
  CHECK_STATUS(vp_models_dir(NULL, 10), VP_EINVAL);

  CHECK_STATUS(vp_model_path("face_landmark", NULL, buf, sizeof buf), VP_OK);
  CHECK(!strcmp(buf, "/opt/m/face_landmark.tflite"));
  CHECK_STATUS(vp_model_path("pose_landmark_full", "/other", buf, sizeof buf), VP_OK);
  CHECK(!strcmp(buf, "/other/pose_landmark_full.tflite"));
  CHECK_STATUS(vp_model_path("face_landmark", "/other", small, sizeof small), VP_ERANGE);
  CHECK_STATUS(vp_model_path("face_landmark", "", buf, sizeof buf), VP_EINVAL);

  /* Unknown names: a clear error listing the known ones; never a path. */
  const char *bad[] = {"", "face", "../face_landmark", "face_landmark.tflite", "FACE_LANDMARK",
                       "face_landmark ", "/etc/passwd"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_STATUS(vp_model_path(bad[i], NULL, buf, sizeof buf), VP_EINVAL);
    CHECK(strstr(vp_last_error(), "unknown model") != NULL);
    CHECK(strstr(vp_last_error(), "pose_landmark_heavy") != NULL);
    CHECK_STATUS(vp_model_verify(bad[i], "/tmp"), VP_EINVAL);
  }
  CHECK_STATUS(vp_model_path(NULL, NULL, buf, sizeof buf), VP_EINVAL);
  CHECK_STATUS(vp_model_verify(NULL, NULL), VP_EINVAL);
  CHECK(strstr(vp_last_error(), "(null)") != NULL);
  return TEST_EXIT();
}
