/* vpipe run (layer: cli). Placeholder until its implementation lands. */
#include <stdio.h>

#include "cli/commands.h"

int vp_cmd_run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "vpipe run: not available in this build yet\n");
  return 1;
}
