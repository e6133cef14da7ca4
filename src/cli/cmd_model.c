/* vpipe model run MODEL --input IN.f32 [--input ...] --output DIR [--threads N] [--precision P]
 * (layer: cli): run a model once on raw little-endian float32 NHWC tensors and
 * write every output as DIR/output_<i>.f32 plus DIR/outputs.json. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/model_arg.h"
#include "vpipe/vpipe.h"

#define MAX_INPUTS 16

static void usage(FILE *f) {
  fprintf(f,
          "usage: vpipe model run MODEL --input IN.f32 [--input IN2.f32 ...] --output DIR [--threads N] [--precision P]\n"
          "  MODEL       a .tflite path or a model name (e.g. face_landmark)\n"
          "  --input     raw little-endian float32 NHWC tensor, one per model input, in order\n"
          "  --output    folder for output_<i>.f32 and outputs.json (created if missing)\n"
          "  --threads   intra-op threads (default 1)\n"
          "  --precision fp32 (default, MediaPipe's arithmetic) or bf16 (1x1 convolutions in\n"
          "              bfloat16 with float32 sums on AVX512-BF16 CPUs, else fp32); outputs.json\n"
          "              says which ran\n");
}

/* Read exactly @p size bytes of @p path into @p dst. */
static int read_exact(const char *path, void *dst, size_t size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "vpipe model: cannot open %s: %s\n", path, strerror(errno));
    return 1;
  }
  int rc = 0;
  if (fseek(f, 0, SEEK_END) != 0) rc = 1;
  long len = rc ? -1 : ftell(f);
  if (len < 0 || (size_t)len != size) {
    fprintf(stderr, "vpipe model: %s has %ld bytes, the input needs %zu (float32 NHWC)\n", path, len, size);
    rc = 1;
  } else if (fseek(f, 0, SEEK_SET) != 0 || fread(dst, 1, size, f) != size) {
    fprintf(stderr, "vpipe model: cannot read %s\n", path);
    rc = 1;
  }
  fclose(f);
  return rc;
}

/* mkdir -p */
static int make_dirs(const char *dir) {
  char p[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof p) return -1;
  memcpy(p, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (p[i] != '/' && p[i] != '\0') continue;
    char c = p[i];
    p[i] = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST) return -1;
    p[i] = c;
  }
  return 0;
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static int run(const char *model_arg, const char **inputs, int num_inputs, const char *dir, int threads,
               vp_precision precision) {
  vp_model *m = NULL;
  if (vp_cli_load_model(model_arg, &m)) return 1;
  int rc = 1;
  vp_session *s = NULL;
  FILE *js = NULL;
  int32_t nin = vp_model_input_count(m), nout = vp_model_output_count(m);
  if (num_inputs != nin) {
    fprintf(stderr, "vpipe model: %s has %d input(s), %d --input given\n", model_arg, nin, num_inputs);
    goto done;
  }
  vp_session_options so = vp_session_options_default();
  so.num_threads = threads;
  so.precision = precision;
  if (vp_session_create(m, &so, &s) != VP_OK) {
    fprintf(stderr, "vpipe model: %s\n", vp_last_error());
    goto done;
  }
  for (int32_t i = 0; i < nin; i++) {
    vp_tensor_info ti;
    if (vp_model_input_info(m, i, &ti) != VP_OK || ti.dtype != VP_DTYPE_F32) {
      fprintf(stderr, "vpipe model: input %d is not float32\n", i);
      goto done;
    }
    if (read_exact(inputs[i], vp_session_input(s, i), ti.size_bytes)) goto done;
  }
  if (vp_session_run(s) != VP_OK) {
    fprintf(stderr, "vpipe model: run failed: %s\n", vp_last_error());
    goto done;
  }
  if (make_dirs(dir) != 0) {
    fprintf(stderr, "vpipe model: cannot create %s: %s\n", dir, strerror(errno));
    goto done;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/outputs.json", dir);
  js = fopen(path, "w");
  if (!js) {
    fprintf(stderr, "vpipe model: cannot write %s: %s\n", path, strerror(errno));
    goto done;
  }
  fprintf(js, "{\"model\": ");
  json_str(js, model_arg);
  fprintf(js, ", \"precision\": \"%s\", \"outputs\": [", vp_precision_name(vp_session_precision(s)));
  for (int32_t i = 0; i < nout; i++) {
    vp_tensor_info ti;
    vp_model_output_info(m, i, &ti);
    snprintf(path, sizeof path, "%s/output_%d.f32", dir, i);
    FILE *f = fopen(path, "wb");
    size_t w = f ? fwrite(vp_session_output(s, i), 1, ti.size_bytes, f) : 0;
    if (!f || w != ti.size_bytes || fclose(f) != 0) {
      fprintf(stderr, "vpipe model: cannot write %s\n", path);
      goto done;
    }
    fprintf(js, "%s\n  {\"index\": %d, \"name\": ", i ? "," : "", i);
    json_str(js, ti.name);
    fprintf(js, ", \"dtype\": \"%s\", \"shape\": [", vp_dtype_name(ti.dtype));
    for (int32_t k = 0; k < ti.rank; k++) fprintf(js, "%s%d", k ? ", " : "", ti.dims[k]);
    fprintf(js, "], \"file\": \"output_%d.f32\"}", i);
  }
  fprintf(js, "\n]}\n");
  if (fclose(js) != 0) {
    js = NULL;
    fprintf(stderr, "vpipe model: cannot write outputs.json\n");
    goto done;
  }
  js = NULL;
  rc = 0;
done:
  if (js) fclose(js);
  vp_session_destroy(s);
  vp_model_destroy(m);
  return rc;
}

int vp_cmd_model(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "run") != 0) {
    fprintf(stderr, "vpipe model: unknown sub-command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
  }
  const char *model = NULL, *dir = NULL, *inputs[MAX_INPUTS];
  int num_inputs = 0;
  long threads = 1;
  vp_precision precision = VP_PRECISION_FP32;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--input") && i + 1 < argc) {
      if (num_inputs == MAX_INPUTS) {
        fprintf(stderr, "vpipe model: at most %d inputs\n", MAX_INPUTS);
        return 2;
      }
      inputs[num_inputs++] = argv[++i];
    } else if (!strcmp(a, "--output") && i + 1 < argc) {
      dir = argv[++i];
    } else if (!strcmp(a, "--threads") && i + 1 < argc) {
      if (vp_cli_parse_int(argv[++i], 1, 256, &threads)) {
        fprintf(stderr, "vpipe model: --threads wants 1..256, got '%s'\n", argv[i]);
        return 2;
      }
    } else if (!strcmp(a, "--precision")) {
      if (vp_cli_parse_precision("model", i + 1 < argc ? argv[++i] : NULL, &precision)) return 2;
    } else if (a[0] == '-') {
      fprintf(stderr, "vpipe model: unknown or incomplete option '%s'\n", a);
      usage(stderr);
      return 2;
    } else if (!model) {
      model = a;
    } else {
      fprintf(stderr, "vpipe model: unexpected argument '%s'\n", a);
      return 2;
    }
  }
  if (!model || !dir || num_inputs == 0) {
    usage(stderr);
    return 2;
  }
  vp_cli_warn_precision("model", precision);
  return run(model, inputs, num_inputs, dir, (int)threads, precision);
}
