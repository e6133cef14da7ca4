/* Entry point of the `vpipe` command: dispatch to a sub-command (layer: cli). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "vpipe/vpipe.h"

static const struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *help;
} commands[] = {
    {"run", vp_cmd_run, "process a video, stream, camera or image (face, hands, pose, selfie)"},
    {"inspect", vp_cmd_inspect, "show a model's inputs, outputs, operators, parameters and MACs"},
    {"model", vp_cmd_model, "run a model on raw float32 tensors (vpipe model run ...)"},
    {"bench", vp_cmd_bench, "measure a model's latency against the machine's roofline"},
    {"models", vp_cmd_models, "fetch, verify and list MediaPipe's models"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: vpipe COMMAND [OPTIONS]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
  fprintf(f, "\n`vpipe COMMAND --help` describes a command's options.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("vpipe %s\n", vp_version());
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "vpipe: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
