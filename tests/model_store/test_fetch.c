/* vp_models_fetch without the network: a stand-in `npm` that fails, that
 * writes a tarball with the wrong bytes, or that writes nothing. Nothing
 * unverified may be installed, temporary folders are removed, messages name
 * the package; packages whose models already verify are skipped. */
#include <dirent.h>
#include <sys/stat.h>

#include "common/check.h"
#include "store_test_util.h"
#include "vpipe/model.h"

static char log_text[16384];

static void collect(void *user, const char *message) {
  (void)user;
  size_t n = strlen(log_text);
  snprintf(log_text + n, sizeof log_text - n, "%s\n", message);
}

static int has(const char *needle) {
  if (strstr(vp_last_error(), needle)) return 1;
  fprintf(stderr, "  message '%s' lacks '%s'\n", vp_last_error(), needle);
  return 0;
}

/* Number of entries in folder d (besides . and ..) whose name contains part. */
static int count_entries(const char *d, const char *part) {
  DIR *dh = opendir(d);
  if (!dh) return -1;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(dh)))
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strstr(de->d_name, part)) n++;
  closedir(dh);
  return n;
}

static void write_script(const char *path, const char *body) {
  CHECK(st_write_file(path, body) == 0);
  CHECK(chmod(path, 0755) == 0);
}

static vp_status fetch_with(const char *npm, const char *models) {
  vp_models_fetch_options o = vp_models_fetch_options_default();
  o.dir = models;
  o.npm = npm;
  o.progress = collect;
  log_text[0] = '\0';
  return vp_models_fetch(&o);
}

int main(void) {
  char root[512], models[600], tmp[600], npm[600];
  CHECK(st_make_tmpdir(root, sizeof root) == 0);
  snprintf(models, sizeof models, "%s/models/sub", root); /* created by fetch */
  snprintf(tmp, sizeof tmp, "%s/tmp", root);
  CHECK(mkdir(tmp, 0700) == 0);
  setenv("TMPDIR", tmp, 1);
  snprintf(npm, sizeof npm, "%s/npm", root);

  /* npm fails (no registry). */
  write_script(npm, "#!/bin/sh\necho 'npm ERR! code E404 (stand-in registry)' >&2\nexit 1\n");
  CHECK_STATUS(fetch_with(npm, models), VP_EIO);
  CHECK(has("5 of 5 packages failed"));
  CHECK(has("@mediapipe/face_detection@0.4.1657300184"));
  CHECK(has("E404"));
  CHECK(has("exit status 1"));
  CHECK(strstr(log_text, "FAILED") != NULL);
  CHECK_INT_EQ(count_entries(models, ""), 0);
  CHECK_INT_EQ(count_entries(tmp, ""), 0); /* work folder removed */

  /* npm "succeeds" with a tarball that is not the pinned one. */
  write_script(npm, "#!/bin/sh\necho fake > package.json\n"
                    "tar -czf mediapipe-fake-1.0.0.tgz package.json\nrm package.json\n");
  CHECK_STATUS(fetch_with(npm, models), VP_ECHECKSUM);
  CHECK(has("a118cde74923dc4435257fbfbb613464a0f58d115dff6314d4ff96c8aebf6419"));
  CHECK(has("nothing was installed"));
  CHECK_INT_EQ(count_entries(models, ""), 0);
  CHECK_INT_EQ(count_entries(tmp, ""), 0);

  /* npm exits 0 but writes no tarball. */
  write_script(npm, "#!/bin/sh\nexit 0\n");
  CHECK_STATUS(fetch_with(npm, models), VP_EIO);
  CHECK(has("left 0 tarballs"));

  /* npm hangs (a registry that never answers): stopped after the timeout, and
   * the other packages are not tried. */
  write_script(npm, "#!/bin/sh\necho 'connecting...'\nexec sleep 60\n");
  {
    vp_models_fetch_options o = vp_models_fetch_options_default();
    o.dir = models;
    o.npm = npm;
    o.timeout_s = 1;
    o.progress = collect;
    log_text[0] = '\0';
    CHECK_STATUS(vp_models_fetch(&o), VP_ETIMEDOUT);
    CHECK(has("did not finish within 1 s"));
    CHECK(has("connecting..."));
    CHECK(has("5 of 5 packages failed"));
    CHECK(strstr(log_text, "not trying the other packages") != NULL);
    CHECK_INT_EQ(count_entries(tmp, ""), 0);
  }

  /* npm is not there. */
  CHECK_STATUS(fetch_with("/nonexistent/bin/npm", models), VP_EIO);
  CHECK(has("cannot run"));

  /* Bad options and destinations. */
  vp_models_fetch_options o = vp_models_fetch_options_default();
  o.struct_size = 3;
  CHECK_STATUS(vp_models_fetch(&o), VP_EINVAL);
  o = vp_models_fetch_options_default();
  o.dir = "";
  CHECK_STATUS(vp_models_fetch(&o), VP_EINVAL);
  char file[600];
  snprintf(file, sizeof file, "%s/a_file", root);
  CHECK(st_write_file(file, "x") == 0);
  o.dir = file;
  CHECK_STATUS(vp_models_fetch(&o), VP_EIO);
  CHECK(has("not a folder"));

  /* Packages whose models verify are skipped: give it face_detection's three. */
  const char *fd[] = {"face_detection_short_range", "face_detection_full_range",
                      "face_detection_full_range_sparse"};
  int have = 1;
  for (int i = 0; i < 3; i++) {
    char src[4096], dst[4200];
    unsetenv("TMPDIR");
    if (vp_model_path(fd[i], NULL, src, sizeof src) != VP_OK || access(src, R_OK)) {
      have = 0;
      break;
    }
    snprintf(dst, sizeof dst, "%s/%s.tflite", models, fd[i]);
    CHECK(st_copy_file(src, dst) == 0);
  }
  setenv("TMPDIR", tmp, 1);
  int rc = 0;
  if (have) {
    write_script(npm, "#!/bin/sh\necho 'offline' >&2\nexit 2\n");
    CHECK_STATUS(fetch_with(npm, models), VP_EIO);
    CHECK(has("4 of 5 packages failed"));
    CHECK(strstr(log_text, "@mediapipe/face_detection@0.4.1657300184: all 3 models present and verified"));
    CHECK_INT_EQ(count_entries(models, ".tflite"), 3);
    CHECK_INT_EQ(count_entries(models, ".tflite."), 0); /* no temporary files left */
  } else {
    rc = vp_test_skip_or_fail("face detection models (run `vpipe models fetch`)");
  }
  st_rm_tree(root);
  return vp_test_failures ? TEST_EXIT() : rc;
}
