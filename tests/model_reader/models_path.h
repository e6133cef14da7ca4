/* Where tests find MediaPipe's models: the model store's folder,
 * vp_models_dir() ($VPIPE_MODELS, else $XDG_DATA_HOME/vpipe/models, else
 * ~/.local/share/vpipe/models). */
#ifndef VP_TEST_MODELS_PATH_H
#define VP_TEST_MODELS_PATH_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vpipe/model.h"

static inline void vp_test_model_path(const char *name, char *buf, size_t size) {
  char dir[3072];
  if (vp_models_dir(dir, sizeof dir) != VP_OK) dir[0] = 0;
  snprintf(buf, size, "%s/%s.tflite", dir, name);
}

static inline int vp_test_file_exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Read a whole file (malloc'd) or NULL. */
static inline unsigned char *vp_test_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = n > 0 ? malloc((size_t)n) : NULL;
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *size = b ? (size_t)n : 0;
  return b;
}

#endif
