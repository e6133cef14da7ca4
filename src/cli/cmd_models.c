/* vpipe models fetch|list|verify|path (layer: cli): the model store. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "vpipe/model.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: vpipe models COMMAND [--dir DIR]\n"
          "\n"
          "MediaPipe's 15 models, taken from pinned @mediapipe/* npm packages and\n"
          "checked by SHA-256.\n"
          "\n"
          "commands:\n"
          "  fetch [--force]  get every model that is missing or corrupted (needs npm and\n"
          "                   the npm registry); --force fetches every package again\n"
          "  list             each model with its state: ok, missing or corrupted\n"
          "  verify           like list, but prints only problems; exit status 1 if any\n"
          "  path             print the models folder\n"
          "\n"
          "options:\n"
          "  --dir DIR        the models folder (default: $VPIPE_MODELS, else\n"
          "                   $XDG_DATA_HOME/vpipe/models, else ~/.local/share/vpipe/models)\n");
}

static void print_progress(void *user, const char *message) {
  (void)user;
  printf("%s\n", message);
  fflush(stdout);
}

static const char *state_name(vp_status st) {
  switch (st) {
    case VP_OK: return "ok";
    case VP_ENOENT: return "missing";
    case VP_ECHECKSUM: return "corrupted";
    default: return "unreadable";
  }
}

/* list (verbose) or verify (problems only). */
static int check_all(const char *dir, int verbose) {
  int bad = 0;
  if (verbose) printf("%-32s %-10s %10s  %s\n", "model", "state", "bytes", "package");
  for (int32_t i = 0; i < vp_models_count(); i++) {
    vp_model_entry e;
    if (vp_models_entry(i, &e) != VP_OK) continue;
    vp_status st = vp_model_verify(e.name, dir);
    if (st != VP_OK) bad++;
    if (verbose)
      printf("%-32s %-10s %10lld  %s@%s\n", e.name, state_name(st), (long long)e.size, e.package,
             e.package_version);
    else if (st != VP_OK)
      fprintf(stderr, "vpipe models: %s\n", vp_last_error());
  }
  char path[4096];
  if (verbose && (dir || vp_models_dir(path, sizeof path) == VP_OK))
    printf("\nfolder: %s\n", dir ? dir : path);
  if (bad) {
    fprintf(verbose ? stdout : stderr, "%d of %d models missing or corrupted: run `vpipe models fetch%s%s`\n",
            bad, vp_models_count(), dir ? " --dir " : "", dir ? dir : "");
  } else if (!verbose) {
    printf("all %d models verified\n", vp_models_count());
  }
  return bad ? 1 : 0;
}

int vp_cmd_models(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    usage(stdout);
    return 0;
  }
  const char *dir = NULL;
  int force = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--dir")) {
      if (i + 1 >= argc || !argv[i + 1][0]) {
        fprintf(stderr, "vpipe models: --dir needs a folder\n");
        return 2;
      }
      dir = argv[++i];
    } else if (!strcmp(argv[i], "--force") && !strcmp(cmd, "fetch")) {
      force = 1;
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "vpipe models %s: unknown option '%s'\n", cmd, argv[i]);
      usage(stderr);
      return 2;
    }
  }

  if (!strcmp(cmd, "path")) {
    char path[4096];
    if (dir) {
      printf("%s\n", dir);
      return 0;
    }
    if (vp_models_dir(path, sizeof path) != VP_OK) {
      fprintf(stderr, "vpipe models: %s\n", vp_last_error());
      return 1;
    }
    printf("%s\n", path);
    return 0;
  }
  if (!strcmp(cmd, "list")) {
    check_all(dir, 1);
    return 0;
  }
  if (!strcmp(cmd, "verify")) return check_all(dir, 0);
  if (!strcmp(cmd, "fetch")) {
    vp_models_fetch_options o = vp_models_fetch_options_default();
    o.dir = dir;
    o.force = force;
    o.progress = print_progress;
    if (vp_models_fetch(&o) != VP_OK) {
      fprintf(stderr, "vpipe models fetch: %s\n", vp_last_error());
      return 1;
    }
    char path[4096];
    printf("all %d models present and verified in %s\n", vp_models_count(),
           dir ? dir : (vp_models_dir(path, sizeof path) == VP_OK ? path : "?"));
    return 0;
  }
  fprintf(stderr, "vpipe models: unknown command '%s'\n", cmd);
  usage(stderr);
  return 2;
}
