/* vpipe bench model MODEL [--threads N] [--runs N] [--warmup N] [--precision P] [--json] [--profile]
 * (layer: cli): latency of one model after warm-up (median, p90, min), its
 * achieved GMAC/s, and in the same run the GMAC/s of a dense 3x3 convolution
 * as the machine's practical roofline (fastest of 15 runs sampled before,
 * during and after the model's runs). --profile adds a per-operator-kind
 * breakdown measured with a second, profiling session (one XNNPACK runtime
 * per operator; its total is a little higher than the plain latency). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/model_arg.h"
#include "vpipe/vpipe.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: vpipe bench model MODEL [--threads N] [--runs N] [--warmup N] [--skip-output K]... [--precision P] [--json] [--profile]\n"
          "  MODEL       a .tflite path or a model name (e.g. face_landmark)\n"
          "  --threads   intra-op threads (default 1)\n"
          "  --precision fp32 (default, MediaPipe's arithmetic) or bf16 (1x1 convolutions in\n"
          "              bfloat16 with float32 sums on AVX512-BF16 CPUs; else fp32, said in the output)\n"
          "  --runs      timed runs (default 200)\n"
          "  --warmup    untimed runs first (default 20)\n"
          "  --skip-output K  do not compute output K (0-based) where no wanted output needs it\n"
          "              (GMAC/s still counts the whole model's MACs)\n"
          "  --json      print one JSON object (median_ms, p90_ms, min_ms, gmacs, roofline_gmacs, ...)\n"
          "  --profile   add per-operator-kind timings\n");
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Deterministic inputs in [0, 1). */
static void fill_inputs(const vp_model *m, vp_session *s) {
  uint32_t seed = 12345;
  for (int32_t i = 0; i < vp_model_input_count(m); i++) {
    vp_tensor_info ti;
    if (vp_model_input_info(m, i, &ti) != VP_OK) continue;
    float *p = vp_session_input(s, i);
    for (size_t k = 0; p && k < ti.num_elements; k++) {
      seed = seed * 1664525u + 1013904223u;
      p[k] = (float)(seed >> 8) / 16777216.0f;
    }
  }
}

typedef struct prof_row {
  const char *name;
  double ms;
  int64_t macs;
  int64_t calls;
} prof_row;

static int cmp_row(const void *a, const void *b) {
  double x = ((const prof_row *)a)->ms, y = ((const prof_row *)b)->ms;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* The parsed command line. */
typedef struct bench_args {
  const char *model;
  int threads, runs, warmup;
  uint32_t skip;
  int json, profile;
  vp_precision precision; /* asked for; the session says what it runs */
} bench_args;

/* "bf16", or "fp32" with the reason when bf16 was asked for but not run. */
static const char *precision_text(vp_precision asked, vp_precision used) {
  if (asked == VP_PRECISION_BF16 && used != VP_PRECISION_BF16)
    return "fp32 (bf16 not available on this CPU)";
  return vp_precision_name(used);
}

static int bench(const bench_args *ba) {
  const char *arg = ba->model;
  const int threads = ba->threads, runs = ba->runs, warmup = ba->warmup;
  const int json = ba->json, profile = ba->profile;
  vp_model *m = NULL;
  if (vp_cli_load_model(arg, &m)) return 1;
  int rc = 1;
  vp_session *s = NULL, *ps = NULL;
  int64_t *t = malloc(sizeof(int64_t) * (size_t)runs);
  prof_row *rows = NULL;
  int32_t nrows = 0;
  vp_model_stats st;
  if (!t || vp_model_stats_get(m, &st) != VP_OK) {
    fprintf(stderr, "vpipe bench: %s\n", t ? vp_last_error() : "out of memory");
    goto done;
  }
  vp_session_options so = vp_session_options_default();
  so.num_threads = threads;
  so.skip_outputs = ba->skip;
  so.precision = ba->precision;
  int64_t c0 = vp_time_ns();
  if (vp_session_create(m, &so, &s) != VP_OK) {
    fprintf(stderr, "vpipe bench: %s\n", vp_last_error());
    goto done;
  }
  double create_ms = (double)(vp_time_ns() - c0) / 1e6;
  const vp_precision used = vp_session_precision(s);
  fill_inputs(m, s);
  /* The roofline is sampled before, halfway through and after the model's
   * runs, so that both see the same machine state on a shared host. */
  double roofs[3];
  int nroof = 0;
  if (vp_roofline_measure(&so, 5, &roofs[nroof++]) != VP_OK) {
    fprintf(stderr, "vpipe bench: roofline: %s\n", vp_last_error());
    goto done;
  }
  for (int i = 0; i < warmup + runs; i++) {
    if (i == warmup + runs / 2 && vp_roofline_measure(&so, 5, &roofs[nroof++]) != VP_OK) {
      fprintf(stderr, "vpipe bench: roofline: %s\n", vp_last_error());
      goto done;
    }
    int64_t t0 = vp_time_ns();
    if (vp_session_run(s) != VP_OK) {
      fprintf(stderr, "vpipe bench: run failed: %s\n", vp_last_error());
      goto done;
    }
    if (i >= warmup) t[i - warmup] = vp_time_ns() - t0;
  }
  qsort(t, (size_t)runs, sizeof *t, cmp_i64);
  double med = (double)t[runs / 2] / 1e6, p90 = (double)t[(runs * 9) / 10 < runs ? (runs * 9) / 10 : runs - 1] / 1e6;
  double mn = (double)t[0] / 1e6;
  double gmacs = med > 0 ? (double)st.macs / (med * 1e6) : 0;
  if (vp_roofline_measure(&so, 5, &roofs[nroof++]) != VP_OK) {
    fprintf(stderr, "vpipe bench: roofline: %s\n", vp_last_error());
    goto done;
  }
  /* the best of the samples (each is already the fastest of its runs) */
  for (int a = 0; a < nroof; a++)
    for (int b = a + 1; b < nroof; b++)
      if (roofs[b] < roofs[a]) {
        double x = roofs[a];
        roofs[a] = roofs[b];
        roofs[b] = x;
      }
  double roof = roofs[nroof - 1];

  if (profile) {
    so.profile = true;
    if (vp_session_create(m, &so, &ps) != VP_OK) {
      fprintf(stderr, "vpipe bench: profiling session: %s\n", vp_last_error());
      goto done;
    }
    fill_inputs(m, ps);
    int pruns = runs < 50 ? runs : 50;
    for (int i = 0; i < warmup + pruns; i++) {
      if (vp_session_run(ps) != VP_OK) {
        fprintf(stderr, "vpipe bench: run failed: %s\n", vp_last_error());
        goto done;
      }
    }
    /* Entries accumulate over every run including warm-up. */
    const vp_profile_entry *pe = NULL;
    nrows = vp_session_profile(ps, &pe);
    rows = calloc((size_t)(nrows > 0 ? nrows : 1), sizeof *rows);
    if (!rows) goto done;
    int total_runs = warmup + pruns;
    for (int32_t i = 0; i < nrows; i++) {
      rows[i].name = pe[i].name;
      rows[i].ms = (double)pe[i].total_ns / 1e6 / total_runs;
      rows[i].macs = pe[i].macs;
      rows[i].calls = pe[i].calls / total_runs;
    }
    qsort(rows, (size_t)nrows, sizeof *rows, cmp_row);
  }
  double psum = 0;
  for (int32_t i = 0; i < nrows; i++) psum += rows[i].ms;

  if (json) {
    printf("{\"model\": \"%s\", \"threads\": %d, \"runs\": %d, \"warmup\": %d, \"median_ms\": %.4f, "
           "\"p90_ms\": %.4f, \"min_ms\": %.4f, \"macs\": %lld, \"gmacs\": %.3f, \"roofline_gmacs\": %.3f, "
           "\"roofline_ratio\": %.4f, \"session_create_ms\": %.3f, \"precision\": \"%s\", "
           "\"precision_requested\": \"%s\"",
           arg, threads, runs, warmup, med, p90, mn, (long long)st.macs, gmacs, roof, roof > 0 ? gmacs / roof : 0,
           create_ms, vp_precision_name(used), vp_precision_name(ba->precision));
    if (profile) {
      printf(", \"profile\": [");
      for (int32_t i = 0; i < nrows; i++)
        printf("%s{\"op\": \"%s\", \"ms\": %.4f, \"share\": %.4f, \"count\": %lld, \"macs\": %lld, \"gmacs\": %.3f}",
               i ? ", " : "", rows[i].name, rows[i].ms, psum > 0 ? rows[i].ms / psum : 0, (long long)rows[i].calls,
               (long long)rows[i].macs, rows[i].ms > 0 ? (double)rows[i].macs / (rows[i].ms * 1e6) : 0);
      printf("]");
    }
    printf("}\n");
  } else {
    printf("model       %s (%d thread%s, %d runs after %d warm-up, session created in %.2f ms)\n", arg, threads,
           threads == 1 ? "" : "s", runs, warmup, create_ms);
    printf("precision   %s\n", precision_text(ba->precision, used));
    printf("latency     median %.3f ms   p90 %.3f ms   min %.3f ms\n", med, p90, mn);
    printf("compute     %.1f MMAC per run, %.2f GMAC/s\n", (double)st.macs / 1e6, gmacs);
    /* The roofline is float32; bf16's 1x1 layers have twice its peak. */
    printf("roofline    %.2f GMAC/s (float32 dense 3x3 conv 64x64x128->128, XNNPACK), model at %.0f%% of it%s\n",
           roof, roof > 0 ? 100.0 * gmacs / roof : 0,
           used == VP_PRECISION_BF16 ? " (bf16 1x1 layers peak at twice it)" : "");
    if (profile) {
      printf("\nprofile (one XNNPACK runtime per operator; %.3f ms per run in all)\n", psum);
      printf("  %-28s %9s %6s %6s %9s\n", "operator", "ms/run", "share", "count", "GMAC/s");
      for (int32_t i = 0; i < nrows; i++)
        printf("  %-28s %9.4f %5.1f%% %6lld %9.2f\n", rows[i].name, rows[i].ms,
               psum > 0 ? 100.0 * rows[i].ms / psum : 0, (long long)rows[i].calls,
               rows[i].ms > 0 ? (double)rows[i].macs / (rows[i].ms * 1e6) : 0);
    }
  }
  rc = 0;
done:
  free(t);
  free(rows);
  vp_session_destroy(ps);
  vp_session_destroy(s);
  vp_model_destroy(m);
  return rc;
}

int vp_cmd_bench(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "model") != 0) {
    fprintf(stderr, "vpipe bench: unknown sub-command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
  }
  const char *model = NULL;
  long threads = 1, runs = 200, warmup = 20, skip_k = -1;
  uint32_t skip = 0;
  int json = 0, profile = 0;
  vp_precision precision = VP_PRECISION_FP32;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    long *dst = NULL, lo = 0, hi = 0;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "--profile")) {
      profile = 1;
    } else if (!strcmp(a, "--precision")) {
      if (vp_cli_parse_precision("bench", i + 1 < argc ? argv[++i] : NULL, &precision)) return 2;
    } else if (!strcmp(a, "--threads")) {
      dst = &threads, lo = 1, hi = 256;
    } else if (!strcmp(a, "--runs")) {
      dst = &runs, lo = 1, hi = 1000000;
    } else if (!strcmp(a, "--warmup")) {
      dst = &warmup, lo = 0, hi = 1000000;
    } else if (!strcmp(a, "--skip-output")) {
      dst = &skip_k, lo = 0, hi = 31;
    } else if (a[0] == '-') {
      fprintf(stderr, "vpipe bench: unknown option '%s'\n", a);
      usage(stderr);
      return 2;
    } else if (!model) {
      model = a;
    } else {
      fprintf(stderr, "vpipe bench: unexpected argument '%s'\n", a);
      return 2;
    }
    if (dst) {
      if (i + 1 >= argc || vp_cli_parse_int(argv[i + 1], lo, hi, dst)) {
        fprintf(stderr, "vpipe bench: %s wants an integer in [%ld, %ld]\n", a, lo, hi);
        return 2;
      }
      i++;
      if (dst == &skip_k) skip |= 1u << skip_k;
    }
  }
  if (!model) {
    usage(stderr);
    return 2;
  }
  vp_cli_warn_precision("bench", precision);
  const bench_args ba = {model, (int)threads, (int)runs, (int)warmup, skip, json, profile, precision};
  return bench(&ba);
}
