/* Command-line options from vp_option tables (layer: cli). */
#include "cli/options.h"

#include <string.h>

static void option_label(const vp_option *o, char *buf, size_t size) {
  if (o->type == VP_OPT_BOOL)
    snprintf(buf, size, "--%s", o->name);
  else
    snprintf(buf, size, "--%s %s", o->name,
             o->metavar ? o->metavar : o->type == VP_OPT_ENUM ? o->choices : "VALUE");
}

void vp_cli_help(FILE *f, const char *cmd, const char *synopsis, const vp_option *table) {
  fprintf(f, "usage: vpipe %s %s\n\noptions:\n", cmd, synopsis);
  for (const vp_option *o = table; o->name; o++) {
    char label[96];
    option_label(o, label, sizeof label);
    fprintf(f, "  %-30s %s", label, o->help ? o->help : "");
    if (o->type == VP_OPT_ENUM && o->metavar) fprintf(f, " (%s)", o->choices);
    bool bounds = !(o->min == 0 && o->max == 0) && o->type != VP_OPT_BOOL;
    if (o->def && o->type != VP_OPT_BOOL) fprintf(f, " [default %s]", o->def);
    if (bounds) fprintf(f, " [%g..%g]", o->min, o->max);
    fputc('\n', f);
  }
  fprintf(f, "  %-30s %s\n", "--help", "show this help");
}

int vp_cli_parse(const char *cmd, const vp_option *table, void *obj, int argc, char **argv) {
  if (vp_options_set_defaults(obj, table) != VP_OK) {
    fprintf(stderr, "vpipe %s: %s\n", cmd, vp_last_error());
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) return 1;
    if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
      fprintf(stderr, "vpipe %s: unexpected argument '%s' (options start with --; see --help)\n",
              cmd, arg);
      return 2;
    }
    char name[64];
    const char *eq = strchr(arg + 2, '=');
    size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    if (n >= sizeof name) {
      fprintf(stderr, "vpipe %s: unknown option '%s' (see --help)\n", cmd, arg);
      return 2;
    }
    memcpy(name, arg + 2, n);
    name[n] = 0;
    const vp_option *o = vp_options_find(table, name);
    if (!o) {
      fprintf(stderr, "vpipe %s: unknown option '--%s' (see --help)\n", cmd, name);
      return 2;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value && o->type != VP_OPT_BOOL) {
      if (i + 1 >= argc) {
        fprintf(stderr, "vpipe %s: option '--%s' needs a value (%s)\n", cmd, name,
                o->metavar ? o->metavar : o->help);
        return 2;
      }
      value = argv[++i];
    }
    if (vp_options_set(obj, table, name, value) != VP_OK) {
      fprintf(stderr, "vpipe %s: %s\n", cmd, vp_last_error());
      return 2;
    }
  }
  return 0;
}
