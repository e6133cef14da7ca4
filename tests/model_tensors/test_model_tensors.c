/* Every output of MODEL against MediaPipe's own outputs (tests/ref/tensors/,
 * see its README), through the test-only reference interpreter and through
 * the XNNPACK session:
 *   reference vs MediaPipe  <= 1e-3 of the output's largest magnitude
 *   XNNPACK   vs MediaPipe  <= 1e-3 of the output's largest magnitude
 *   XNNPACK   vs reference  <= XNN_VS_REF_MAX (max) and XNN_VS_REF_RMS (RMS)
 *                              of the reference output's largest magnitude,
 *                              with one and with two intra-op threads
 * and prints the measured maximum relative error of each output.
 *
 * usage: test_model_tensors MODEL   (one ctest per model)
 * The model comes from vp_models_dir() ($VPIPE_MODELS, else the per-user
 * models folder), the fixtures from $VPIPE_REF/tensors/MODEL. */
#include <cjson/cJSON.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "model/graph.h"
#include "refimpl/refimpl.h"
#include "vpipe/model.h"

/* Against MediaPipe: the bound. */
#define MP_TOL 1e-3
/* XNNPACK against the reference interpreter, both fed the same input, over
 * the whole tensor, relative to the reference output's largest magnitude.
 * The only legitimate differences are summation order, XNNPACK's float32
 * accumulation (the reference accumulates in double) and its approximated
 * sigmoid/tanh. Measured on the 15 models: max error <= 2.2e-5 on every
 * output except the segmentation logits of pose_landmark_heavy (2.6e-4, at a
 * handful of background pixels near -60 where that deep network's float32
 * rounding adds up; MediaPipe itself is 1e-4 from XNNPACK there), and RMS
 * error <= 7.5e-6 everywhere. A semantic slip (a padding offset, a swapped
 * channel, a wrong window) moves many elements by 1e-2 or more, so the RMS
 * bound catches it even where the max bound has to leave room for
 * amplified rounding. */
#define XNN_VS_REF_MAX 5e-4
#define XNN_VS_REF_RMS 3e-5

/* snprintf that reports truncation (paths here come from the environment). */
#define FMT(buf, ...) (snprintf((buf), sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf))

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
    free(s);
    s = NULL;
  }
  if (s) s[n] = 0;
  fclose(f);
  return s;
}

static float *read_f32(const char *path, size_t count) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  float *v = malloc(count * sizeof(float) + 1);
  if (v && fread(v, sizeof(float), count, f) != count) {
    free(v);
    v = NULL;
  }
  if (v) { /* must be exactly count floats */
    char extra;
    if (fread(&extra, 1, 1, f) == 1) {
      free(v);
      v = NULL;
    }
  }
  fclose(f);
  return v;
}

static uint32_t fnv1a32(const void *data, size_t n) {
  const uint8_t *p = data;
  uint32_t h = 0x811C9DC5u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x01000193u;
  return h;
}

/* The input image as float32 (p - mean) / std, each step in float32, as the
 * fixture script verified against MediaPipe's tensor. */
static float *load_input(const char *dir, const cJSON *in, size_t *count) {
  const cJSON *png = cJSON_GetObjectItem(in, "png");
  const cJSON *shape = cJSON_GetObjectItem(in, "shape");
  const cJSON *formula = cJSON_GetObjectItem(in, "formula");
  if (!cJSON_IsString(png) || cJSON_GetArraySize(shape) != 4 || !cJSON_IsString(formula) ||
      strcmp(formula->valuestring, "mean_std") != 0) {
    fprintf(stderr, "meta.json: bad input description\n");
    return NULL;
  }
  int h = cJSON_GetArrayItem(shape, 1)->valueint, w = cJSON_GetArrayItem(shape, 2)->valueint;
  double lo = cJSON_GetObjectItem(in, "lo")->valuedouble;
  double hi = cJSON_GetObjectItem(in, "hi")->valuedouble;
  char path[4096];
  if (FMT(path, "%s/%s", dir, png->valuestring)) return NULL;
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path)) {
    fprintf(stderr, "%s: %s\n", path, img.message);
    return NULL;
  }
  img.format = PNG_FORMAT_RGB;
  if ((int)img.width != w || (int)img.height != h) {
    fprintf(stderr, "%s: %ux%u, expected %dx%d\n", path, img.width, img.height, w, h);
    png_image_free(&img);
    return NULL;
  }
  size_t n = (size_t)w * h * 3;
  uint8_t *pix = malloc(n);
  float *t = malloc(n * sizeof(float) + VP_TENSOR_PADDING);
  if (!pix || !t || !png_image_finish_read(&img, NULL, pix, 0, NULL)) {
    fprintf(stderr, "%s: cannot decode\n", path);
    png_image_free(&img);
    free(pix);
    free(t);
    return NULL;
  }
  volatile float mean = (float)(-lo * 255.0 / (hi - lo)), stdv = (float)(255.0 / (hi - lo));
  for (size_t i = 0; i < n; i++) {
    volatile float d = (float)pix[i] - mean;
    t[i] = d / stdv;
  }
  free(pix);
  uint32_t want = (uint32_t)cJSON_GetObjectItem(in, "f32_fnv1a")->valuedouble;
  uint32_t got = fnv1a32(t, n * sizeof(float));
  if (got != want) {
    fprintf(stderr, "input tensor is not bit-exact: FNV-1a %08x, expected %08x\n", got, want);
    free(t);
    return NULL;
  }
  *count = n;
  return t;
}

/* Max |a[off + k*stride] - mp[k]| over the samples, relative to @p scale. */
static double rel_err_sampled(const float *full, const float *mp, size_t samples, size_t off,
                              size_t stride, double scale) {
  double m = 0;
  for (size_t k = 0; k < samples; k++) {
    double d = fabs((double)full[off + k * stride] - mp[k]);
    if (d != d) return NAN; /* a NaN anywhere fails the comparison */
    if (d > m) m = d;
  }
  return m / (scale > 0 ? scale : 1e-30);
}

/* Root-mean-square of a - b, relative to @p scale. */
static double rel_rms(const float *a, const float *b, size_t n, double scale) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    double d = (double)a[i] - b[i];
    s += d * d;
  }
  return sqrt(s / (double)(n ? n : 1)) / (scale > 0 ? scale : 1e-30);
}

static double max_abs(const float *v, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fabs(v[i]) > m ? fabs(v[i]) : m;
  return m;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL\n", argv[0]);
    return 2;
  }
  const char *name = argv[1];
  const char *ref = getenv("VPIPE_REF");
  char dir[4096], path[4096], mdir[4096];
  if (FMT(dir, "%s/tensors/%s", ref ? ref : "tests/ref", name) || FMT(path, "%s/meta.json", dir)) {
    fprintf(stderr, "path too long\n");
    return 1;
  }
  char *text = read_text(path);
  if (!text) {
    fprintf(stderr, "cannot read %s (set VPIPE_REF)\n", path);
    return 1;
  }
  cJSON *meta = cJSON_Parse(text);
  free(text);
  if (!meta) {
    fprintf(stderr, "%s: not JSON\n", path);
    return 1;
  }

  if (vp_models_dir(mdir, sizeof mdir) != VP_OK) {
    fprintf(stderr, "models folder: %s\n", vp_last_error());
    cJSON_Delete(meta);
    return 1;
  }
  if (FMT(path, "%s/%s.tflite", mdir, name)) {
    fprintf(stderr, "path too long\n");
    cJSON_Delete(meta);
    return 1;
  }
  FILE *probe = fopen(path, "rb");
  if (!probe) {
    cJSON_Delete(meta);
    char what[4200];
    (void)FMT(what, "model %s (run `vpipe models fetch`)", path);
    return vp_test_skip_or_fail(what);
  }
  fclose(probe);
  vp_model *model = NULL;
  if (vp_model_create_from_file(path, &model) != VP_OK) {
    fprintf(stderr, "%s: %s\n", path, vp_last_error());
    cJSON_Delete(meta);
    return 1;
  }

  size_t in_count = 0;
  float *input = load_input(dir, cJSON_GetObjectItem(meta, "input"), &in_count);
  CHECK(input != NULL);
  vp_tensor_info ii;
  CHECK_STATUS(vp_model_input_info(model, 0, &ii), VP_OK);
  CHECK_INT_EQ(vp_model_input_count(model), 1);
  CHECK_INT_EQ(ii.num_elements, in_count);
  const cJSON *outs = cJSON_GetObjectItem(meta, "outputs");
  int nout = cJSON_GetArraySize(outs);
  CHECK_INT_EQ(vp_model_output_count(model), nout);
  if (vp_test_failures) goto done;

  /* Reference interpreter. */
  vp_ref *r = NULL;
  int64_t t0 = vp_time_ns();
  vp_status st = vp_ref_create(model->graph, &r);
  if (st == VP_OK) {
    memcpy(vp_ref_input(r, 0), input, in_count * sizeof(float));
    st = vp_ref_run(r);
  }
  double ref_ms = (double)(vp_time_ns() - t0) / 1e6;
  if (st != VP_OK) {
    fprintf(stderr, "%s: reference interpreter failed: %s\n", name, vp_last_error());
    vp_test_failures++;
  }

  /* XNNPACK session, one thread (the test suite runs tests in parallel). */
  vp_session *s = NULL;
  vp_session_options so = vp_session_options_default();
  so.num_threads = 1;
  vp_status xst = vp_session_create(model, &so, &s);
  if (xst == VP_OK) {
    memcpy(vp_session_input(s, 0), input, in_count * sizeof(float));
    xst = vp_session_run(s);
  }
  if (xst != VP_OK) {
    fprintf(stderr, "%s: XNNPACK session failed: %s\n", name, vp_last_error());
    vp_test_failures++;
  }
  /* The same on two intra-op threads (kernels that split rows over the pool). */
  vp_session *s2 = NULL;
  so.num_threads = 2;
  vp_status xst2 = vp_session_create(model, &so, &s2);
  if (xst2 == VP_OK) {
    memcpy(vp_session_input(s2, 0), input, in_count * sizeof(float));
    xst2 = vp_session_run(s2);
  }
  if (xst2 != VP_OK) {
    fprintf(stderr, "%s: XNNPACK session (2 threads) failed: %s\n", name, vp_last_error());
    vp_test_failures++;
  }

  printf("%s (reference interpreter %.0f ms)\n", name, ref_ms);
  printf("  %-22s %10s %11s %11s %11s %11s %11s\n", "output", "max|MP|", "ref-vs-MP",
         "xnn-vs-MP", "xnn-vs-ref", "(rms)", "2thr-vs-ref");
  for (int k = 0; k < nout; k++) {
    const cJSON *o = cJSON_GetArrayItem(outs, k);
    const char *oname = cJSON_GetObjectItem(o, "name")->valuestring;
    size_t count = (size_t)cJSON_GetObjectItem(o, "count")->valuedouble;
    size_t samples = (size_t)cJSON_GetObjectItem(o, "samples")->valuedouble;
    size_t off = (size_t)cJSON_GetObjectItem(o, "offset")->valuedouble;
    size_t stride = (size_t)cJSON_GetObjectItem(o, "stride")->valuedouble;
    double mp_max = cJSON_GetObjectItem(o, "max_abs")->valuedouble;
    vp_tensor_info oi;
    CHECK_STATUS(vp_model_output_info(model, k, &oi), VP_OK);
    if (oi.num_elements != count || off + (samples ? samples - 1 : 0) * stride >= count) {
      fprintf(stderr, "%s output %d: model has %zu elements, fixture %zu\n", name, k,
              oi.num_elements, count);
      vp_test_failures++;
      continue;
    }
    if (strcmp(oi.name, oname) != 0)
      fprintf(stderr, "note: %s output %d is named '%s' in the model, '%s' in the fixture\n",
              name, k, oi.name, oname);
    float *mp = FMT(path, "%s/%s", dir, cJSON_GetObjectItem(o, "file")->valuestring)
                    ? NULL
                    : read_f32(path, samples);
    if (!mp) {
      fprintf(stderr, "%s: cannot read %zu floats\n", path, samples);
      vp_test_failures++;
      continue;
    }
    const float *yr = st == VP_OK ? vp_ref_output(r, k) : NULL;
    const float *yx = xst == VP_OK ? vp_session_output(s, k) : NULL;
    double e_ref = yr ? rel_err_sampled(yr, mp, samples, off, stride, mp_max) : NAN;
    double e_xnn = yx ? rel_err_sampled(yx, mp, samples, off, stride, mp_max) : NAN;
    const float *yx2 = xst2 == VP_OK ? vp_session_output(s2, k) : NULL;
    double e_xr = NAN, rms_xr = NAN, e_xr2 = NAN, rms_xr2 = NAN;
    if (yr) {
      double ref_max = max_abs(yr, count);
      if (yx) {
        e_xr = rel_err_sampled(yx, yr, count, 0, 1, ref_max);
        rms_xr = rel_rms(yx, yr, count, ref_max);
      }
      if (yx2) {
        e_xr2 = rel_err_sampled(yx2, yr, count, 0, 1, ref_max);
        rms_xr2 = rel_rms(yx2, yr, count, ref_max);
      }
    }
    printf("  %-22s %10.5g %11.3e %11.3e %11.3e %11.3e %11.3e\n", oname, mp_max, e_ref, e_xnn,
           e_xr, rms_xr, e_xr2);
    if (yr && yx2 && !(e_xr2 <= XNN_VS_REF_MAX && rms_xr2 <= XNN_VS_REF_RMS)) {
      fprintf(stderr, "%s %s: XNNPACK (2 threads) vs reference max %.3e, rms %.3e\n", name,
              oname, e_xr2, rms_xr2);
      vp_test_failures++;
    }
    /* Developer aid: VPIPE_TENSORS_DUMP=DIR writes both full outputs. */
    const char *dump = getenv("VPIPE_TENSORS_DUMP");
    for (int w = 0; dump && w < 2; w++) {
      const float *v = w ? yx : yr;
      char dp[4096];
      if (!v || FMT(dp, "%s/%s_%d_%s.f32", dump, name, k, w ? "xnn" : "ref")) continue;
      FILE *f = fopen(dp, "wb");
      if (f) {
        if (fwrite(v, sizeof(float), count, f) != count) fprintf(stderr, "%s: short write\n", dp);
        fclose(f);
      }
    }
    if (yr && !(e_ref <= MP_TOL)) {
      fprintf(stderr, "%s %s: reference vs MediaPipe %.3e > %g\n", name, oname, e_ref, MP_TOL);
      vp_test_failures++;
    }
    if (yx && !(e_xnn <= MP_TOL)) {
      fprintf(stderr, "%s %s: XNNPACK vs MediaPipe %.3e > %g\n", name, oname, e_xnn, MP_TOL);
      vp_test_failures++;
    }
    if (yr && yx && !(e_xr <= XNN_VS_REF_MAX && rms_xr <= XNN_VS_REF_RMS)) {
      fprintf(stderr, "%s %s: XNNPACK vs reference max %.3e (bound %g), rms %.3e (bound %g)\n",
              name, oname, e_xr, XNN_VS_REF_MAX, rms_xr, XNN_VS_REF_RMS);
      vp_test_failures++;
    }
    free(mp);
  }
  vp_session_destroy(s2);
  vp_session_destroy(s);
  vp_ref_destroy(r);
done:
  free(input);
  vp_model_destroy(model);
  cJSON_Delete(meta);
  return TEST_EXIT();
}
