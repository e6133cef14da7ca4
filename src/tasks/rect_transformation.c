/* RectTransformationCalculator on normalised rects (layer: tasks).
 *
 * mediapipe/calculators/util/rect_transformation_calculator.cc,
 * TransformNormalizedRect; defaults from rect_transformation_calculator.proto
 * (scale 1, shift 0, rotation 0, square_long/short false):
 * - rotation += option rotation, normalised;
 * - shift: without rotation centre += (w·shift_x, h·shift_y); with rotation the
 *   shift is rotated in pixel space:
 *   x += (W·w·sx·cos r − H·h·sy·sin r)/W, y += (W·w·sx·sin r + H·h·sy·cos r)/H;
 * - square_long: side = max(w·W, h·H); square_short: min; w = side/W, h = side/H;
 * - w ·= scale_x, h ·= scale_y.
 */
#include <math.h>

#include "tasks/calc.h"

vp__rect_transform vp__rect_transform_default(void) {
  vp__rect_transform t = {0};
  t.scale_x = 1.0f;
  t.scale_y = 1.0f;
  return t;
}

void vp__rect_transform_apply(const vp__rect_transform *t, int32_t image_w, int32_t image_h,
                              vp_norm_rect *r) {
  float width = r->width, height = r->height, rotation = r->rotation;
  if (t->rotation != 0.0f) rotation = vp__normalize_radians(rotation + t->rotation);
  const float W = (float)image_w, H = (float)image_h;
  if (rotation == 0.0f) {
    r->x_center += width * t->shift_x;
    r->y_center += height * t->shift_y;
  } else {
    const float xs = (W * width * t->shift_x * cosf(rotation) -
                      H * height * t->shift_y * sinf(rotation)) / W;
    const float ys = (W * width * t->shift_x * sinf(rotation) +
                      H * height * t->shift_y * cosf(rotation)) / H;
    r->x_center += xs;
    r->y_center += ys;
  }
  if (t->square_long) {
    const float side = fmaxf(width * W, height * H);
    width = side / W;
    height = side / H;
  } else if (t->square_short) {
    const float side = fminf(width * W, height * H);
    width = side / W;
    height = side / H;
  }
  r->width = width * t->scale_x;
  r->height = height * t->scale_y;
  r->rotation = rotation;
}
