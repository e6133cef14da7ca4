/* Resolving a MODEL argument of the CLI (layer: cli): a path to a .tflite
 * file, or a bare model name looked up in the models folder. */
#ifndef VP_CLI_MODEL_ARG_H
#define VP_CLI_MODEL_ARG_H

#include "vpipe/model.h"

/* Load @p arg: a path (contains '/' or ends in ".tflite") or a bare name
 * such as "face_landmark", read from $VPIPE_MODELS, else
 * $XDG_DATA_HOME/vpipe/models, else ~/.local/share/vpipe/models (one of
 * MediaPipe's 15 models goes through vp_model_create_by_name, which checks its
 * SHA-256). On failure prints the reason to stderr and returns non-zero. */
int vp_cli_load_model(const char *arg, vp_model **out);

/* Parse a non-negative decimal int in [lo, hi]; returns 0 on success. */
int vp_cli_parse_int(const char *s, long lo, long hi, long *out);

/* Parse the value of `vpipe CMD --precision` (NULL when it was missing)
 * through vp_precision_parse, so the CLI accepts exactly the library's names.
 * On a bad value prints an error naming the flag and returns non-zero. */
int vp_cli_parse_precision(const char *cmd, const char *value, vp_precision *out);

/* When @p asked is BF16 and this CPU lacks AVX512-BF16, print one warning line
 * on stderr: the sessions then run FP32 (the library falls back on its own;
 * the user should know the speed-up they asked for is not there). */
void vp_cli_warn_precision(const char *cmd, vp_precision asked);

#endif
