/* vp_model_create_by_name: loads a verified model; missing, corrupted and
 * unknown models fail with a message that says what to do. */
#include <fcntl.h>

#include "common/check.h"
#include "store_test_util.h"
#include "vpipe/model.h"

#define NAME "face_detection_short_range"

int main(void) {
  char src[4096];
  if (vp_model_path(NAME, NULL, src, sizeof src) != VP_OK || access(src, R_OK) != 0)
    return vp_test_skip_or_fail("model " NAME " (run `vpipe models fetch`)");
  vp_model *m = NULL;
  CHECK_STATUS(vp_model_create_by_name(NAME, NULL, &m), VP_OK);
  CHECK(m != NULL);
  if (m) CHECK(vp_model_input_count(m) >= 1);
  vp_model_destroy(m);

  char dir[512], path[700];
  CHECK(st_make_tmpdir(dir, sizeof dir) == 0);
  snprintf(path, sizeof path, "%s/" NAME ".tflite", dir);
  vp_model *untouched = (vp_model *)&dir; /* must stay as it is on failure */
  m = untouched;
  CHECK_STATUS(vp_model_create_by_name(NAME, dir, &m), VP_ENOENT);
  CHECK(strstr(vp_last_error(), "not found in") && strstr(vp_last_error(), "vpipe models fetch"));
  CHECK(m == untouched);

  CHECK(st_copy_file(src, path) == 0);
  int fd = open(path, O_RDWR);
  CHECK(fd >= 0 && pwrite(fd, "\x01", 1, 4096) == 1);
  close(fd);
  CHECK_STATUS(vp_model_create_by_name(NAME, dir, &m), VP_ECHECKSUM);
  CHECK(strstr(vp_last_error(), "checksum mismatch") != NULL);
  CHECK(m == untouched);

  CHECK_STATUS(vp_model_create_by_name("no_such_model", dir, &m), VP_EINVAL);
  CHECK(strstr(vp_last_error(), "unknown model 'no_such_model'") != NULL);
  CHECK(m == untouched);
  CHECK_STATUS(vp_model_create_by_name(NAME, dir, NULL), VP_EINVAL);
  st_rm_tree(dir);
  return TEST_EXIT();
}
