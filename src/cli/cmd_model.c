/* vpipe model (layer: cli). Placeholder until its implementation lands. */
#include <stdio.h>

#include "cli/commands.h"

int vp_cmd_model(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "vpipe model: not available in this build yet\n");
  return 1;
}
