/* The vpipe command's sub-commands (layer: cli). Each lives in its own file
 * cmd_<name>.c, parses its arguments and calls the public API only. Every
 * command returns the process exit status (0 success, 1 runtime failure,
 * 2 bad usage). */
#ifndef VP_CLI_COMMANDS_H
#define VP_CLI_COMMANDS_H

int vp_cmd_inspect(int argc, char **argv);   /* vpipe inspect MODEL */
int vp_cmd_model(int argc, char **argv);     /* vpipe model run ... */
int vp_cmd_bench(int argc, char **argv);     /* vpipe bench model ... */
int vp_cmd_models(int argc, char **argv);    /* vpipe models fetch|list|path */
int vp_cmd_run(int argc, char **argv);       /* vpipe run --input ... */

#endif
