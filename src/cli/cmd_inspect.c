/* vpipe inspect MODEL [--json] (layer: cli).
 *
 * Prints a model's inputs and outputs (names, shapes, types), operator counts
 * per kind, parameter count and multiply-accumulates per run. MODEL is a path
 * or a bare model name ("face_landmark") looked up in the models folder:
 * $VPIPE_MODELS, else $XDG_DATA_HOME/vpipe/models, else
 * ~/.local/share/vpipe/models.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "vpipe/vpipe.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: vpipe inspect MODEL [--json]\n"
          "\n"
          "Show a .tflite model's inputs, outputs, operators, parameters and MACs.\n"
          "\n"
          "  MODEL    a .tflite path, or a model name such as face_landmark, looked up in\n"
          "           $VPIPE_MODELS (default: ~/.local/share/vpipe/models)\n"
          "  --json   print one JSON object instead of text\n");
}

static bool is_file(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The models folder, as the model store defines it (see vp_models_dir). */
static void models_dir(char *buf, size_t size) {
  const char *env = getenv("VPIPE_MODELS");
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  if (env && *env) snprintf(buf, size, "%s", env);
  else if (xdg && *xdg) snprintf(buf, size, "%s/vpipe/models", xdg);
  else snprintf(buf, size, "%s/.local/share/vpipe/models", home ? home : ".");
}

/* A path when MODEL names an existing file or looks like a path; otherwise
 * <models dir>/<MODEL>.tflite. */
static void resolve(const char *model, char *buf, size_t size) {
  if (is_file(model) || strchr(model, '/') || strstr(model, ".tflite")) {
    snprintf(buf, size, "%s", model);
    return;
  }
  char dir[3072];
  models_dir(dir, sizeof dir);
  snprintf(buf, size, "%s/%s.tflite", dir, model);
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') printf("\\%c", ch);
    else if (ch < 0x20) printf("\\u%04x", ch);
    else putchar(ch);
  }
  putchar('"');
}

static void shape_text(const vp_tensor_info *t, char *buf, size_t size) {
  size_t n = (size_t)snprintf(buf, size, "[");
  for (int32_t i = 0; i < t->rank && n < size; i++)
    n += (size_t)snprintf(buf + n, size - n, i ? ", %d" : "%d", t->dims[i]);
  if (n < size) snprintf(buf + n, size - n, "]");
}

static void json_tensors(const vp_model *m, bool inputs) {
  int32_t n = inputs ? vp_model_input_count(m) : vp_model_output_count(m);
  printf("[");
  for (int32_t i = 0; i < n; i++) {
    vp_tensor_info t;
    if (inputs) vp_model_input_info(m, i, &t);
    else vp_model_output_info(m, i, &t);
    printf("%s{\"index\": %d, \"name\": ", i ? ", " : "", i);
    json_string(t.name);
    printf(", \"dtype\": \"%s\", \"shape\": [", vp_dtype_name(t.dtype));
    for (int32_t d = 0; d < t.rank; d++) printf(d ? ", %d" : "%d", t.dims[d]);
    printf("], \"size_bytes\": %zu}", t.size_bytes);
  }
  printf("]");
}

static void text_tensors(const vp_model *m, bool inputs) {
  int32_t n = inputs ? vp_model_input_count(m) : vp_model_output_count(m);
  printf("%s (%d):\n", inputs ? "inputs" : "outputs", n);
  for (int32_t i = 0; i < n; i++) {
    vp_tensor_info t;
    char shape[128];
    if (inputs) vp_model_input_info(m, i, &t);
    else vp_model_output_info(m, i, &t);
    shape_text(&t, shape, sizeof shape);
    printf("  %2d  %-28s %-8s %s\n", i, t.name, vp_dtype_name(t.dtype), shape);
  }
}

/* 12345678 → "12.35 M" */
static void human(double v, char *buf, size_t size) {
  const char *unit[] = {"", " k", " M", " G", " T"};
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    u++;
  }
  snprintf(buf, size, u ? "%.2f%s" : "%.0f%s", v, unit[u]);
}

int vp_cmd_inspect(int argc, char **argv) {
  const char *model = NULL;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(argv[i], "--json")) {
      json = true;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "vpipe inspect: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else if (!model) {
      model = argv[i];
    } else {
      fprintf(stderr, "vpipe inspect: more than one MODEL given ('%s')\n", argv[i]);
      return 2;
    }
  }
  if (!model) {
    usage(stderr);
    return 2;
  }
  char path[4096];
  resolve(model, path, sizeof path);
  if (!is_file(path)) {
    fprintf(stderr, "vpipe inspect: no model file '%s'", path);
    if (!strchr(model, '/') && !strstr(model, ".tflite"))
      fprintf(stderr, " (run `vpipe models fetch`, or set VPIPE_MODELS to the models folder)");
    fprintf(stderr, "\n");
    return 1;
  }
  vp_model *m;
  int64_t t0 = vp_time_ns();
  vp_status st = vp_model_create_from_file(path, &m);
  int64_t t1 = vp_time_ns();
  if (st != VP_OK) {
    fprintf(stderr, "vpipe inspect: %s: %s\n", vp_strerror(st), vp_last_error());
    return 1;
  }
  vp_model_stats s;
  if ((st = vp_model_stats_get(m, &s)) != VP_OK) {
    fprintf(stderr, "vpipe inspect: %s\n", vp_last_error());
    vp_model_destroy(m);
    return 1;
  }
  struct stat sb;
  long long bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
  double load_ms = (double)(t1 - t0) / 1e6;
  int32_t kinds = vp_model_operator_kinds(m);

  if (json) {
    printf("{\"model\": ");
    json_string(path);
    printf(", \"file_bytes\": %lld, \"load_ms\": %.3f, \"inputs\": ", bytes, load_ms);
    json_tensors(m, true);
    printf(", \"outputs\": ");
    json_tensors(m, false);
    printf(", \"operators\": %d, \"operator_kinds\": {", s.num_operators);
    for (int32_t k = 0; k < kinds; k++) {
      const char *name;
      int32_t count;
      vp_model_operator_kind(m, k, &name, &count);
      printf(k ? ", " : "");
      json_string(name);
      printf(": %d", count);
    }
    printf("}, \"tensors\": %d, \"parameters\": %lld, \"macs\": %lld}\n", s.num_tensors,
           (long long)s.num_parameters, (long long)s.macs);
  } else {
    char p[32], mc[32];
    human((double)s.num_parameters, p, sizeof p);
    human((double)s.macs, mc, sizeof mc);
    printf("model: %s (%lld bytes, loaded in %.2f ms)\n", path, bytes, load_ms);
    text_tensors(m, true);
    text_tensors(m, false);
    printf("operators (%d):\n", s.num_operators);
    for (int32_t k = 0; k < kinds; k++) {
      const char *name;
      int32_t count;
      vp_model_operator_kind(m, k, &name, &count);
      printf("  %-28s %d\n", name, count);
    }
    printf("tensors: %d\n", s.num_tensors);
    printf("parameters: %lld (%s)\n", (long long)s.num_parameters, p);
    printf("MACs per run: %lld (%s)\n", (long long)s.macs, mc);
  }
  vp_model_destroy(m);
  return 0;
}
