/* MODEL and --precision arguments shared by the vpipe commands (layer: cli). */
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
  if (looks_like_path(arg)) {
    if (vp_model_create_from_file(arg, out) != VP_OK) {
      fprintf(stderr, "vpipe: cannot load model %s: %s\n", arg, vp_last_error());
      return 1;
    }
    return 0;
  }
  /* A bare name: the model store checks it against its pinned SHA-256 and
   * says how to fetch it when it is missing. */
  if (vp_model_create_by_name(arg, NULL, out) != VP_OK) {
    fprintf(stderr, "vpipe: %s\n", vp_last_error());
    return 1;
  }
  return 0;
}

int vp_cli_parse_precision(const char *cmd, const char *value, vp_precision *out) {
  if (!value) {
    fprintf(stderr, "vpipe %s: --precision needs a value (fp32 or bf16)\n", cmd);
    return 1;
  }
  if (vp_precision_parse(value, out) != VP_OK) {
    fprintf(stderr, "vpipe %s: --precision %s: %s\n", cmd, value, vp_last_error());
    return 1;
  }
  return 0;
}

void vp_cli_warn_precision(const char *cmd, vp_precision asked) {
  if (asked == VP_PRECISION_BF16 && !vp_precision_bf16_available())
    fprintf(stderr, "vpipe %s: warning: bf16 needs AVX512-BF16, which this CPU lacks; running fp32\n",
            cmd);
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
