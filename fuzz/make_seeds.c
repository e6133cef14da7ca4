/* Write small .tflite seeds for the model-loader fuzzer into DIR: valid
 * hand-crafted models, and, when MODELS_DIR holds
 * face_landmark_with_attention, one small model per distinct custom operator
 * carrying that operator's real flexbuffer options (so the fuzzer reaches
 * the flexbuffer reader in a few hundred bytes instead of 2.5 MB). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/graph.h"
#include "model_reader/tflite_builder.h"

static int save(const char *dir, const char *name, const model_spec *s) {
  fbb b;
  fb_init(&b);
  build_model(s, &b);
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.tflite", dir, name);
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(b.b, 1, b.n, f) == b.n;
  if (f) fclose(f);
  fb_free(&b);
  if (!ok) fprintf(stderr, "make_seeds: cannot write %s\n", path);
  return ok ? 0 : 1;
}

static int custom_seeds(const char *dir, const char *models) {
  char path[4096];
  snprintf(path, sizeof path, "%s/face_landmark_with_attention.tflite", models);
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *bytes = n > 0 ? malloc((size_t)n) : NULL;
  int ok = bytes && fread(bytes, 1, (size_t)n, f) == (size_t)n;
  fclose(f);
  vp__graph *g;
  if (!ok || vp__graph_parse(bytes, (size_t)n, &g) != VP_OK) return 0; /* parse owns bytes */
  int err = 0, done[4] = {0};
  for (int32_t i = 0; i < g->num_ops; i++) {
    const vp__op *op = &g->ops[i];
    if (op->code < VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS) continue;
    int k = (int)(op->code - VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS);
    if (k < 0 || k > 3 || done[k]++) continue;
    model_spec s = model_spec_default();
    s.builtin_code = 32;
    s.custom_name = op->name;
    s.op_version = op->version;
    s.custom_options = op->custom.raw;
    s.custom_options_len = (uint32_t)op->custom.raw_size;
    s.options_type = 0;
    char name[64];
    snprintf(name, sizeof name, "seed_custom_%d", k);
    err |= save(dir, name, &s);
  }
  vp__graph_free(g);
  return err;
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: fuzz_make_seeds DIR [MODELS_DIR]\n");
    return 2;
  }
  int err = argc == 3 ? custom_seeds(argv[1], argv[2]) : 0;
  model_spec s = model_spec_default();
  err |= save(argv[1], "seed_conv", &s);
  s.filter_external = 1;
  err |= save(argv[1], "seed_conv_external", &s);
  s = model_spec_default();
  s.sparse_filter = 1;
  err |= save(argv[1], "seed_conv_sparse", &s);
  /* Convolution2DTransposeBias with raw TfLiteTransposeConvParams. */
  static const unsigned char tc[12] = {2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
  s = model_spec_default();
  s.builtin_code = 32;
  s.custom_name = "Convolution2DTransposeBias";
  s.custom_options = tc;
  s.custom_options_len = sizeof tc;
  s.options_type = 0;
  err |= save(argv[1], "seed_transpose_conv_bias", &s);
  return err;
}
