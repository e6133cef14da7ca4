/* Verifying models: ok, missing, truncated, a flipped byte (also after a
 * cached success), a folder in place of a file; messages say what is wrong and
 * how to fix it. Uses a copy of a real model in a temporary folder. */
#include <fcntl.h>
#include <sys/stat.h>

#include "common/check.h"
#include "model/store.h"
#include "store_test_util.h"
#include "vpipe/model.h"

#define NAME "face_detection_short_range"

static int has(const char *needle) {
  if (strstr(vp_last_error(), needle)) return 1;
  fprintf(stderr, "  message '%s' lacks '%s'\n", vp_last_error(), needle);
  return 0;
}

static void flip_byte(const char *path, off_t at) {
  int fd = open(path, O_RDWR);
  unsigned char b = 0;
  CHECK(fd >= 0 && pread(fd, &b, 1, at) == 1);
  b ^= 0x5a;
  CHECK(pwrite(fd, &b, 1, at) == 1);
  close(fd);
}

/* Give the file an old, fixed mtime, so that a later write is sure to change it. */
static void age(const char *path) {
  struct timespec t[2] = {{1000000000, 0}, {1000000000, 0}};
  CHECK(utimensat(AT_FDCWD, path, t, 0) == 0);
}

int main(void) {
  char src[4096];
  if (vp_model_path(NAME, NULL, src, sizeof src) != VP_OK || access(src, R_OK) != 0)
    return vp_test_skip_or_fail("model " NAME " (run `vpipe models fetch`)");
  char dir[512], path[700];
  CHECK(st_make_tmpdir(dir, sizeof dir) == 0);
  snprintf(path, sizeof path, "%s/" NAME ".tflite", dir);

  /* Missing. */
  CHECK_STATUS(vp_model_verify(NAME, dir), VP_ENOENT);
  CHECK(has("model '" NAME "' not found in "));
  CHECK(has(dir));
  CHECK(has("vpipe models fetch --dir"));

  /* Through VPIPE_MODELS the hint is the plain command. */
  setenv("VPIPE_MODELS", dir, 1);
  CHECK_STATUS(vp_model_verify(NAME, NULL), VP_ENOENT);
  CHECK(has("run `vpipe models fetch`"));

  /* Good copy, verified twice (the second from the cache). */
  CHECK(st_copy_file(src, path) == 0);
  age(path);
  CHECK_STATUS(vp_model_verify(NAME, dir), VP_OK);
  CHECK_STATUS(vp_model_verify(NAME, NULL), VP_OK);
  /* The same good bytes do not verify as another model. */
  CHECK_STATUS(vp_model_verify("face_landmark", dir), VP_ENOENT);

  /* One flipped byte after a cached success: detected (mtime changed). */
  flip_byte(path, 5000);
  CHECK_STATUS(vp_model_verify(NAME, dir), VP_ECHECKSUM);
  CHECK(has("checksum mismatch"));
  CHECK(has(path));
  CHECK(has("3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633"));
  CHECK(has("vpipe models fetch"));
  /* Still wrong when asked again (failures are not cached). */
  CHECK_STATUS(vp_model_verify(NAME, dir), VP_ECHECKSUM);
  flip_byte(path, 5000);
  CHECK_STATUS(vp_model_verify(NAME, dir), VP_OK);

  /* A flipped byte with the mtime put back: only the ctime differs, which may
   * not show within one clock tick; with the cache cleared the hash catches it. */
  flip_byte(path, 100);
  age(path);
  vp__store_cache_clear();
  CHECK_STATUS(vp_model_verify(NAME, dir), VP_ECHECKSUM);

  /* Replaced by another file (new inode) of the right size. */
  char other[700];
  snprintf(other, sizeof other, "%s/other", dir);
  CHECK(st_copy_file(src, other) == 0);
  CHECK(rename(other, path) == 0);
  CHECK_STATUS(vp_model_verify(NAME, dir), VP_OK);

  /* Truncated. */
  CHECK(truncate(path, 1000) == 0);
  CHECK_STATUS(vp_model_verify(NAME, dir), VP_ECHECKSUM);
  CHECK(has("has 1000 bytes, expected 229032"));
  CHECK(has("vpipe models fetch"));
  /* Empty. */
  CHECK(truncate(path, 0) == 0);
  CHECK_STATUS(vp_model_verify(NAME, dir), VP_ECHECKSUM);

  /* A folder where the file should be. */
  CHECK(remove(path) == 0);
  CHECK(mkdir(path, 0755) == 0);
  CHECK_STATUS(vp_model_verify(NAME, dir), VP_EIO);
  CHECK(has("not a regular file"));
  CHECK(rmdir(path) == 0);

  /* Unreadable (only meaningful when not root). */
  if (geteuid() != 0) {
    CHECK(st_copy_file(src, path) == 0);
    CHECK(chmod(path, 0) == 0);
    CHECK_STATUS(vp_model_verify(NAME, dir), VP_EIO);
    CHECK(has("cannot open"));
  }

  /* A folder that does not exist. */
  CHECK_STATUS(vp_model_verify(NAME, "/nonexistent/vpipe/models"), VP_ENOENT);
  CHECK(has("not found in /nonexistent/vpipe/models"));

  st_rm_tree(dir);
  return TEST_EXIT();
}
