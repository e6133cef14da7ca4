/* One Euro filter and landmark smoothing (layer: tasks).
 *
 * - vp__low_pass: mediapipe/util/filtering/low_pass_filter.cc — the first value
 *   passes through; then alpha·x + (1 − alpha)·previous output; keeps the last raw value.
 * - vp__one_euro: mediapipe/util/filtering/one_euro_filter.cc — a timestamp
 *   not after the previous one returns the value unfiltered; the frequency is
 *   re-estimated from consecutive timestamps (1/Δt); derivative =
 *   (x − last raw)·value_scale·frequency (0 on the first value), low-passed with
 *   alpha(derivate_cutoff); cutoff = min_cutoff + beta·|derivative|;
 *   alpha(c) = 1/(1 + τ/Te) with τ = 1/(2πc), Te = 1/frequency.
 * - vp__landmark_smoother: the one-euro path of LandmarksSmoothingCalculator
 *   (mediapipe/calculators/util/landmarks_smoothing_calculator.cc and
 *   landmarks_smoothing_calculator_utils.cc): landmarks converted to pixels
 *   (x·W, y·H, z·W), value scale = 1/object_scale with object_scale from the
 *   ROI ((w·W + h·H)/2) or the landmarks' extent ((Δx + Δy)/2); below
 *   min_allowed_object_scale the landmarks pass unfiltered; filters are reset
 *   when the landmark count changes or there are no landmarks. Timestamps are
 *   taken at microsecond resolution as the calculator does.
 */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "tasks/calc.h"

static double low_pass_apply(vp__low_pass *f, double value, double alpha) {
  double r = f->initialized ? alpha * value + (1.0 - alpha) * f->stored : value;
  f->initialized = true;
  f->raw = value;
  f->stored = r;
  return r;
}

void vp__one_euro_init(vp__one_euro *f, double frequency, double min_cutoff, double beta,
                       double derivate_cutoff) {
  f->frequency = frequency;
  f->min_cutoff = min_cutoff;
  f->beta = beta;
  f->derivate_cutoff = derivate_cutoff;
  f->x.initialized = f->dx.initialized = false;
  f->x.raw = f->x.stored = f->dx.raw = f->dx.stored = 0;
  f->last_time_ns = 0;
}

static double alpha_of(const vp__one_euro *f, double cutoff) {
  const double te = 1.0 / f->frequency;
  const double tau = 1.0 / (2 * M_PI * cutoff);
  return 1.0 / (1.0 + tau / te);
}

double vp__one_euro_apply(vp__one_euro *f, int64_t t, double value_scale, double value) {
  if (f->last_time_ns >= t) return value; /* not after the last one: unfiltered */
  if (f->last_time_ns != 0 && t != 0) f->frequency = 1.0 / ((double)(t - f->last_time_ns) * 1e-9);
  f->last_time_ns = t;
  const double dvalue = f->x.initialized ? (value - f->x.raw) * value_scale * f->frequency : 0.0;
  const double edvalue = low_pass_apply(&f->dx, dvalue, alpha_of(f, f->derivate_cutoff));
  const double cutoff = f->min_cutoff + f->beta * fabs(edvalue);
  return low_pass_apply(&f->x, value, alpha_of(f, cutoff));
}

vp__smoothing_options vp__smoothing_options_default(void) {
  /* landmarks_smoothing_calculator.proto, OneEuroFilter defaults */
  vp__smoothing_options o;
  o.frequency = 30.0;
  o.min_cutoff = 1.0;
  o.beta = 0.0;
  o.derivate_cutoff = 1.0;
  o.min_allowed_object_scale = 1e-6;
  o.disable_value_scaling = false;
  return o;
}

void vp__landmark_smoother_init(vp__landmark_smoother *s, const vp__smoothing_options *opt) {
  s->opt = opt ? *opt : vp__smoothing_options_default();
  s->n = 0;
  s->filters = NULL;
}

void vp__landmark_smoother_reset(vp__landmark_smoother *s) {
  free(s->filters);
  s->filters = NULL;
  s->n = 0;
}

void vp__landmark_smoother_free(vp__landmark_smoother *s) { vp__landmark_smoother_reset(s); }

vp_status vp__landmark_smoother_apply(vp__landmark_smoother *s, vp_landmark *lm, int32_t n,
                                      int32_t W, int32_t H, const vp_norm_rect *roi,
                                      int64_t timestamp_ns) {
  if (n <= 0) {
    vp__landmark_smoother_reset(s);
    return VP_OK;
  }
  if (s->n != n) {
    vp__landmark_smoother_reset(s);
    s->filters = malloc(sizeof(vp__one_euro) * 3 * (size_t)n);
    if (!s->filters) return vp__error(VP_ENOMEM, "landmark smoothing: %d landmarks", (int)n);
    for (int32_t i = 0; i < 3 * n; i++)
      vp__one_euro_init(&s->filters[i], s->opt.frequency, s->opt.min_cutoff, s->opt.beta,
                        s->opt.derivate_cutoff);
    s->n = n;
  }
  double value_scale = 1.0;
  if (!s->opt.disable_value_scaling) {
    float scale;
    if (roi) {
      scale = (roi->width * (float)W + roi->height * (float)H) / 2.0f;
    } else {
      float x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
      for (int32_t i = 0; i < n; i++) {
        x0 = fminf(x0, lm[i].x * (float)W); x1 = fmaxf(x1, lm[i].x * (float)W);
        y0 = fminf(y0, lm[i].y * (float)H); y1 = fmaxf(y1, lm[i].y * (float)H);
      }
      scale = ((x1 - x0) + (y1 - y0)) / 2.0f;
    }
    if (scale < s->opt.min_allowed_object_scale) return VP_OK;
    value_scale = 1.0 / scale;
  }
  /* The calculator hands the filter a microsecond timestamp. */
  const int64_t t = (timestamp_ns / 1000) * 1000;
  for (int32_t i = 0; i < n; i++) {
    vp__one_euro *f = &s->filters[3 * i];
    lm[i].x = (float)(vp__one_euro_apply(&f[0], t, value_scale, lm[i].x * (float)W) / W);
    lm[i].y = (float)(vp__one_euro_apply(&f[1], t, value_scale, lm[i].y * (float)H) / H);
    lm[i].z = (float)(vp__one_euro_apply(&f[2], t, value_scale, lm[i].z * (float)W) / W);
  }
  return VP_OK;
}
