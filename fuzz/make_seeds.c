/* Write small valid .tflite seeds for the model-loader fuzzer into DIR. */
#include <stdio.h>
#include <string.h>

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

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: fuzz_make_seeds DIR\n");
    return 2;
  }
  int err = 0;
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
