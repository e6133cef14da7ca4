/* SSD anchor generation (layer: tasks).
 *
 * Reproduces the single-scale path of MediaPipe's SsdAnchorsCalculator
 * (mediapipe/calculators/tflite/ssd_anchors_calculator.cc, GenerateAnchors and
 * CalculateScale; defaults from ssd_anchors_calculator.proto):
 * - consecutive layers with the same stride are merged into one grid;
 * - per merged layer and grid cell: one anchor per aspect ratio of every
 *   merged layer, plus one interpolated anchor (scale sqrt(s_i·s_{i+1}),
 *   s_n = 1) per merged layer when interpolated_scale_aspect_ratio > 0;
 * - the lowest layer with reduce_boxes_in_lowest_layer gets the three fixed
 *   anchors (1.0, 0.1), (2.0, s), (0.5, s);
 * - grid = ceil(input / stride); centre = ((x + offset_x)/grid_w, (y + offset_y)/grid_h),
 *   rows outer, columns, then anchors;
 * - fixed_anchor_size makes every anchor 1×1.
 */
#include <math.h>

#include "core/error.h"
#include "tasks/calc.h"

vp__ssd_anchor_options vp__ssd_anchor_options_default(void) {
  vp__ssd_anchor_options o = {0};
  o.anchor_offset_x = 0.5f; /* ssd_anchors_calculator.proto: anchor_offset_x default 0.5 */
  o.anchor_offset_y = 0.5f;
  o.num_aspect_ratios = 1;
  o.aspect_ratios[0] = 1.0f;
  o.interpolated_scale_aspect_ratio = 1.0f; /* proto default 1.0 */
  return o;
}

/* CalculateScale: linear between min and max over the layers; the middle when one layer. */
static float calc_scale(float min_scale, float max_scale, int i, int n) {
  if (n == 1) return (min_scale + max_scale) * 0.5f;
  return min_scale + (max_scale - min_scale) * 1.0f * (float)i / ((float)n - 1.0f);
}

static vp_status check(const vp__ssd_anchor_options *o) {
  if (!o) return vp__error(VP_EINVAL, "ssd anchors: NULL options");
  if (o->num_layers < 1 || o->num_layers > VP__SSD_MAX_LAYERS)
    return vp__error(VP_EINVAL, "ssd anchors: num_layers %d not in [1, %d]", (int)o->num_layers,
                     VP__SSD_MAX_LAYERS);
  if (o->num_aspect_ratios < 0 || o->num_aspect_ratios > VP__SSD_MAX_RATIOS)
    return vp__error(VP_EINVAL, "ssd anchors: num_aspect_ratios %d not in [0, %d]",
                     (int)o->num_aspect_ratios, VP__SSD_MAX_RATIOS);
  if (o->input_width <= 0 || o->input_height <= 0)
    return vp__error(VP_EINVAL, "ssd anchors: input size %dx%d", (int)o->input_width,
                     (int)o->input_height);
  for (int i = 0; i < o->num_layers; i++)
    if (o->strides[i] <= 0)
      return vp__error(VP_EINVAL, "ssd anchors: stride %d of layer %d", (int)o->strides[i], i);
  return VP_OK;
}

/* Walk the anchors; write them when out != NULL. Returns the count. */
static int32_t walk(const vp__ssd_anchor_options *o, vp__anchor *out, int32_t cap) {
  int32_t count = 0;
  int layer = 0;
  const int n = o->num_layers;
  while (layer < n) {
    float ratios[VP__SSD_MAX_LAYERS * (VP__SSD_MAX_RATIOS + 3)];
    float scales[VP__SSD_MAX_LAYERS * (VP__SSD_MAX_RATIOS + 3)];
    int na = 0;
    int last = layer;
    while (last < n && o->strides[last] == o->strides[layer]) {
      const float scale = calc_scale(o->min_scale, o->max_scale, last, n);
      if (last == 0 && o->reduce_boxes_in_lowest_layer) {
        ratios[na] = 1.0f; scales[na++] = 0.1f;
        ratios[na] = 2.0f; scales[na++] = scale;
        ratios[na] = 0.5f; scales[na++] = scale;
      } else {
        for (int r = 0; r < o->num_aspect_ratios; r++) {
          ratios[na] = o->aspect_ratios[r];
          scales[na++] = scale;
        }
        if (o->interpolated_scale_aspect_ratio > 0.0f) {
          const float next = last == n - 1 ? 1.0f : calc_scale(o->min_scale, o->max_scale, last + 1, n);
          scales[na] = sqrtf(scale * next);
          ratios[na++] = o->interpolated_scale_aspect_ratio;
        }
      }
      last++;
    }
    float aw[VP__SSD_MAX_LAYERS * (VP__SSD_MAX_RATIOS + 3)], ah[VP__SSD_MAX_LAYERS * (VP__SSD_MAX_RATIOS + 3)];
    for (int a = 0; a < na; a++) {
      const float rs = sqrtf(ratios[a]);
      ah[a] = scales[a] / rs;
      aw[a] = scales[a] * rs;
    }
    const int stride = o->strides[layer];
    const int gh = (int)ceilf(1.0f * (float)o->input_height / (float)stride);
    const int gw = (int)ceilf(1.0f * (float)o->input_width / (float)stride);
    for (int y = 0; y < gh; y++)
      for (int x = 0; x < gw; x++)
        for (int a = 0; a < na; a++) {
          if (out && count < cap) {
            vp__anchor *an = &out[count];
            an->x_center = ((float)x + o->anchor_offset_x) * 1.0f / (float)gw;
            an->y_center = ((float)y + o->anchor_offset_y) * 1.0f / (float)gh;
            if (o->fixed_anchor_size) {
              an->w = 1.0f;
              an->h = 1.0f;
            } else {
              an->w = aw[a];
              an->h = ah[a];
            }
          }
          count++;
        }
    layer = last;
  }
  return count;
}

int32_t vp__ssd_anchor_count(const vp__ssd_anchor_options *opt) {
  vp_status st = check(opt);
  if (st != VP_OK) return st;
  return walk(opt, NULL, 0);
}

vp_status vp__ssd_anchors_generate(const vp__ssd_anchor_options *opt, vp__anchor *out,
                                   int32_t cap, int32_t *count) {
  vp_status st = check(opt);
  if (st != VP_OK) return st;
  int32_t n = walk(opt, NULL, 0);
  if (n > cap) return vp__error(VP_ERANGE, "ssd anchors: %d anchors, room for %d", (int)n, (int)cap);
  walk(opt, out, cap);
  *count = n;
  return VP_OK;
}
