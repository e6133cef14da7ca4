/* vpipe inspect (layer: cli). Placeholder until its implementation lands. */
#include <stdio.h>

#include "cli/commands.h"

int vp_cmd_inspect(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "vpipe inspect: not available in this build yet\n");
  return 1;
}
