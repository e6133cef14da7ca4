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
  if (looks_like_path(arg)) {
    snprintf(path, sizeof path, "%s", arg);
  } else {
    const char *dir = getenv("VPIPE_MODELS"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (dir && *dir) n = snprintf(path, sizeof path, "%s/%s.tflite", dir, arg);
    else if (xdg && *xdg) n = snprintf(path, sizeof path, "%s/vpipe/models/%s.tflite", xdg, arg);
    else n = snprintf(path, sizeof path, "%s/.local/share/vpipe/models/%s.tflite", home ? home : ".", arg);
    if (n < 0 || (size_t)n >= sizeof path) {
      fprintf(stderr, "vpipe: model name too long: %s\n", arg);
      return 1;
    }
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
