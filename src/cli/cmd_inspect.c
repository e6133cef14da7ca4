/* vpipe inspect MODEL [--json] (layer: cli).
 *
 * Prints a model's inputs and outputs (names, shapes, types), operator counts
 * per kind, parameter count and multiply-accumulates per run. MODEL is a path
 * or one of MediaPipe's model names ("face_landmark"), loaded through the
 * model store (vp_model_create_by_name: the models folder, SHA-256 checked).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "vpipe/vpipe.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: vpipe inspect MODEL [--ops] [--json]\n"
          "\n"
          "Show a .tflite model's inputs, outputs, operators, parameters and MACs.\n"
          "\n"
          "  MODEL    a .tflite path, or a model name such as face_landmark, looked up in\n"
          "           $VPIPE_MODELS (default: ~/.local/share/vpipe/models)\n"
          "  --ops    also list every operator with its tensors' shapes and MACs\n"
          "  --json   print one JSON object instead of text\n");
}

static bool is_file(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* A path when MODEL names an existing file or looks like one; otherwise a
 * model name for the model store. */
static bool looks_like_path(const char *model) {
  size_t n = strlen(model);
  return is_file(model) || strchr(model, '/') || (n > 7 && !strcmp(model + n - 7, ".tflite"));
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

/* MACs of every operator of kind @p kind. */
static int64_t kind_macs(const vp_model *m, const char *kind) {
  int64_t sum = 0;
  for (int32_t i = 0; i < vp_model_operator_count(m); i++) {
    vp_operator_info op;
    if (vp_model_operator_info(m, i, &op) == VP_OK && !strcmp(op.kind, kind)) sum += op.macs;
  }
  return sum;
}

/* "[1, 2, 3]" of tensor @p i of operator @p op, or "-" when absent. */
static void op_tensor_text(const vp_model *m, int32_t op, bool output, int32_t i, char *buf,
                           size_t size, bool *is_const) {
  vp_tensor_info t;
  *is_const = false;
  if (vp_model_operator_tensor(m, op, output, i, &t, is_const) != VP_OK) {
    snprintf(buf, size, "-");
    return;
  }
  shape_text(&t, buf, size);
}

static void text_ops(const vp_model *m) {
  printf("operator list (execution order; * marks constants):\n");
  for (int32_t i = 0; i < vp_model_operator_count(m); i++) {
    vp_operator_info op;
    char sh[128], macs[32] = "";
    bool c;
    vp_model_operator_info(m, i, &op);
    printf("  %4d  #%-4d %-26s", i, op.file_index, op.kind);
    for (int32_t k = 0; k < op.num_inputs; k++) {
      op_tensor_text(m, i, false, k, sh, sizeof sh, &c);
      printf(" %s%s", sh, c ? "*" : "");
    }
    printf(" ->");
    for (int32_t k = 0; k < op.num_outputs; k++) {
      op_tensor_text(m, i, true, k, sh, sizeof sh, &c);
      printf(" %s", sh);
    }
    if (op.macs) {
      human((double)op.macs, macs, sizeof macs);
      printf("  %s MACs", macs);
    }
    printf("\n");
  }
}

static void json_op_tensors(const vp_model *m, int32_t op, bool output, int32_t n) {
  printf("[");
  for (int32_t k = 0; k < n; k++) {
    vp_tensor_info t;
    bool c = false;
    printf(k ? ", " : "");
    if (vp_model_operator_tensor(m, op, output, k, &t, &c) != VP_OK) {
      printf("null");
      continue;
    }
    printf("{\"name\": ");
    json_string(t.name);
    printf(", \"dtype\": \"%s\", \"constant\": %s, \"shape\": [", vp_dtype_name(t.dtype),
           c ? "true" : "false");
    for (int32_t d = 0; d < t.rank; d++) printf(d ? ", %d" : "%d", t.dims[d]);
    printf("]}");
  }
  printf("]");
}

static void json_ops(const vp_model *m) {
  printf(", \"ops\": [");
  for (int32_t i = 0; i < vp_model_operator_count(m); i++) {
    vp_operator_info op;
    vp_model_operator_info(m, i, &op);
    printf("%s{\"index\": %d, \"file_index\": %d, \"kind\": ", i ? ", " : "", i,
           op.file_index);
    json_string(op.kind);
    printf(", \"macs\": %lld, \"parameters\": %lld, \"inputs\": ", (long long)op.macs,
           (long long)op.num_parameters);
    json_op_tensors(m, i, false, op.num_inputs);
    printf(", \"outputs\": ");
    json_op_tensors(m, i, true, op.num_outputs);
    printf("}");
  }
  printf("]");
}

int vp_cmd_inspect(int argc, char **argv) {
  const char *model = NULL;
  bool json = false, ops = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(argv[i], "--json")) {
      json = true;
    } else if (!strcmp(argv[i], "--ops")) {
      ops = true;
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
  /* Paths load as they are; bare names go through the model store, which
   * finds them in the models folder, checks the pinned SHA-256 and says how
   * to fetch a missing model. */
  char path[4096];
  bool by_name = !looks_like_path(model);
  snprintf(path, sizeof path, "%s", model);
  vp_model *m;
  int64_t t0 = vp_time_ns();
  vp_status st = by_name ? vp_model_create_by_name(model, NULL, &m)
                         : vp_model_create_from_file(path, &m);
  int64_t t1 = vp_time_ns();
  if (st != VP_OK) {
    fprintf(stderr, "vpipe inspect: %s: %s\n", vp_strerror(st), vp_last_error());
    return 1;
  }
  if (by_name && vp_model_path(model, NULL, path, sizeof path) != VP_OK)
    snprintf(path, sizeof path, "%s", model);
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
    printf(", \"file_bytes\": %lld, \"load_ms\": %.3f, \"checksum_verified\": %s, \"inputs\": ",
           bytes, load_ms, by_name ? "true" : "false");
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
    printf("}, \"operator_macs\": {");
    for (int32_t k = 0; k < kinds; k++) {
      const char *name;
      vp_model_operator_kind(m, k, &name, NULL);
      printf(k ? ", " : "");
      json_string(name);
      printf(": %lld", (long long)kind_macs(m, name));
    }
    printf("}, \"tensors\": %d, \"parameters\": %lld, \"macs\": %lld", s.num_tensors,
           (long long)s.num_parameters, (long long)s.macs);
    if (ops) json_ops(m);
    printf("}\n");
  } else {
    char p[32], mc[32];
    human((double)s.num_parameters, p, sizeof p);
    human((double)s.macs, mc, sizeof mc);
    printf("model: %s (%lld bytes, loaded in %.2f ms%s)\n", path, bytes, load_ms,
           by_name ? " with SHA-256 check" : "");
    text_tensors(m, true);
    text_tensors(m, false);
    printf("operators (%d):\n  %-28s %5s %12s %7s\n", s.num_operators, "kind", "count", "MACs",
           "share");
    for (int32_t k = 0; k < kinds; k++) {
      const char *name;
      int32_t count;
      char km[32];
      vp_model_operator_kind(m, k, &name, &count);
      int64_t macs = kind_macs(m, name);
      human((double)macs, km, sizeof km);
      printf("  %-28s %5d %12s %6.1f%%\n", name, count, macs ? km : "-",
             s.macs ? 100.0 * (double)macs / (double)s.macs : 0.0);
    }
    if (ops) text_ops(m);
    printf("tensors: %d\n", s.num_tensors);
    printf("parameters: %lld (%s)\n", (long long)s.num_parameters, p);
    printf("MACs per run: %lld (%s)\n", (long long)s.macs, mc);
  }
  vp_model_destroy(m);
  return 0;
}
