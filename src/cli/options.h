/* Command-line options from vp_option tables (layer: cli).
 *
 * A command declares its options once, as a vp_option table over a struct
 * (see run_options.h, which builds both from one X-macro list); this module
 * parses `--name value` / `--name=value` / `--flag`, validates through the
 * table (types, bounds, choices) and prints --help from the same table. */
#ifndef VP_CLI_OPTIONS_H
#define VP_CLI_OPTIONS_H

#include <stdio.h>

#include "vpipe/pipeline.h"

/* A MIN:MAX option's storage (VP_OPT_RANGE). */
typedef double vp_cli_range[2];

/* Parse argv[1..argc-1] into @obj (defaults are set first).
 * @return 0 on success, 1 when --help was printed (exit 0), 2 on a usage
 * error (message printed to stderr, naming @cmd). */
int vp_cli_parse(const char *cmd, const vp_option *table, void *obj, int argc, char **argv);

/* Print "usage" and one line per option (with its default and bounds). */
void vp_cli_help(FILE *f, const char *cmd, const char *synopsis, const vp_option *table);

#endif
