/* MODEL argument resolution shared by `vpipe model` and `vpipe bench` (layer: cli). */
#include "cli/model_arg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int looks_like_path(const char *s) {
  size_t n = strlen(s);
  return strchr(s, '/') != NULL || (n > 7 && strcmp(s + n - 7, ".tflite") == 0);
}

int vp_cli_load_model(const char *arg, vp_model **out) {
  char path[4096];
  if (!looks_like_path(arg)) {
    /* One of MediaPipe's models: the store finds it and checks its SHA-256. */
    if (vp_model_path(arg, NULL, path, sizeof path) == VP_OK) {
      if (vp_model_create_by_name(arg, NULL, out) != VP_OK) {
        fprintf(stderr, "vpipe: %s\n", vp_last_error());
        return 1;
      }
      return 0;
    }
    /* Another name: <models folder>/<name>.tflite, unchecked. */
    char dir[3072];
    if (vp_models_dir(dir, sizeof dir) != VP_OK) {
      fprintf(stderr, "vpipe: %s\n", vp_last_error());
      return 1;
    }
    int n = snprintf(path, sizeof path, "%s/%s.tflite", dir, arg);
    if (n < 0 || (size_t)n >= sizeof path) {
      fprintf(stderr, "vpipe: model name too long: %s\n", arg);
      return 1;
    }
  } else {
    snprintf(path, sizeof path, "%s", arg);
  }
  if (vp_model_create_from_file(path, out) != VP_OK) {
    fprintf(stderr, "vpipe: cannot load model %s: %s\n", path, vp_last_error());
    if (!looks_like_path(arg)) fprintf(stderr, "vpipe: fetch the models with `vpipe models fetch`\n");
    return 1;
  }
  return 0;
}

int vp_cli_parse_int(const char *s, long lo, long hi, long *out) {
  if (!s || !*s) return 1;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < lo || v > hi) return 1;
  *out = v;
  return 0;
}
