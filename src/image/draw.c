/*
 * Drawing on frames: anti-aliased lines, circles, rectangles, mask overlays and a
 * built-in bitmap font (layer: image).
 *
 * Shapes are rendered by coverage: for each pixel in the shape's bounding box a
 * signed distance (line: to the segment, circle: to the centre) or an exact box
 * overlap (rectangles) gives a coverage in [0, 1], which scales the colour's
 * alpha. Blending is "over" in the frame's own encoding (sRGB bytes, or Y'CbCr
 * with the colour converted by BT.601 — limited range for yuv420p, full for
 * yuvj420p). On 4:2:0 frames chroma is blended once per 2×2 block, at its
 * top-left pixel, which is the cheap choice for overlays.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/frame_priv.h"

typedef struct painter {
  vp_frame *f;
  int kind;      /* 0 packed RGB-like, 1 planar YUV 4:2:0 */
  int bpp, ro, go, bo;
  int c0, c1, c2; /* colour components: r,g,b or y,u,v */
  int alpha;      /* 0..255 */
} painter;

static vp_status painter_init(painter *p, vp_frame *f, vp_color c, const char *what) {
  if (!f) return vp__error(VP_EINVAL, "%s: NULL frame", what);
  memset(p, 0, sizeof *p);
  p->f = f;
  p->alpha = c.a;
  switch (f->format) {
    case VP_PIXFMT_RGB24: p->bpp = 3, p->ro = 0, p->go = 1, p->bo = 2; break;
    case VP_PIXFMT_BGR24: p->bpp = 3, p->ro = 2, p->go = 1, p->bo = 0; break;
    case VP_PIXFMT_RGBA: p->bpp = 4, p->ro = 0, p->go = 1, p->bo = 2; break;
    case VP_PIXFMT_BGRA: p->bpp = 4, p->ro = 2, p->go = 1, p->bo = 0; break;
    case VP_PIXFMT_YUV420P:
    case VP_PIXFMT_YUVJ420P: {
      p->kind = 1;
      double r = c.r, g = c.g, b = c.b;
      double y = 0.299 * r + 0.587 * g + 0.114 * b;
      double u = (b - y) / 1.772, v = (r - y) / 1.402;
      if (f->format == VP_PIXFMT_YUV420P) {
        y = 16 + y * 219.0 / 255.0;
        u = 128 + u * 224.0 / 255.0;
        v = 128 + v * 224.0 / 255.0;
      } else {
        u += 128;
        v += 128;
      }
      p->c0 = (int)lrint(fmin(fmax(y, 0), 255));
      p->c1 = (int)lrint(fmin(fmax(u, 0), 255));
      p->c2 = (int)lrint(fmin(fmax(v, 0), 255));
      return VP_OK;
    }
    default:
      return vp__error(VP_EUNSUPPORTED, "%s: cannot draw on %s frames (rgb24, bgr24, rgba, bgra, yuv420p)",
                       what, vp_pixfmt_name(f->format));
  }
  p->c0 = c.r, p->c1 = c.g, p->c2 = c.b;
  return VP_OK;
}

/* v / 255 rounded, exact for 0 <= v <= 65025 (no division). */
static inline int div255(int v) {
  v += 128;
  return (v + (v >> 8)) >> 8;
}

static inline uint8_t mix(uint8_t dst, int src, int a /* 0..255 */) {
  return (uint8_t)div255(dst * (255 - a) + src * a);
}

/* Blend at (x, y) with weight w in 0..255 (× colour alpha). Caller clips. */
static inline void put(const painter *p, int x, int y, int w) {
  int a = div255(w * p->alpha);
  if (a <= 0) return;
  vp_frame *f = p->f;
  if (p->kind == 0) {
    uint8_t *px = f->data[0] + (size_t)y * f->linesize[0] + (size_t)x * p->bpp;
    px[p->ro] = mix(px[p->ro], p->c0, a);
    px[p->go] = mix(px[p->go], p->c1, a);
    px[p->bo] = mix(px[p->bo], p->c2, a);
  } else {
    uint8_t *py = f->data[0] + (size_t)y * f->linesize[0] + x;
    *py = mix(*py, p->c0, a);
    if (!(x & 1) && !(y & 1)) {
      uint8_t *pu = f->data[1] + (size_t)(y >> 1) * f->linesize[1] + (x >> 1);
      uint8_t *pv = f->data[2] + (size_t)(y >> 1) * f->linesize[2] + (x >> 1);
      *pu = mix(*pu, p->c1, a);
      *pv = mix(*pv, p->c2, a);
    }
  }
}

static inline int cov255(double c) {
  if (c <= 0) return 0;
  if (c >= 1) return 255;
  return (int)(c * 255.0 + 0.5);
}

/* Clip a float box to the frame; false when empty. */
static bool clip_box(const vp_frame *f, double x0, double y0, double x1, double y1, int *ix0,
                     int *iy0, int *ix1, int *iy1) {
  if (!(x0 < x1) || !(y0 < y1)) return false; /* also rejects NaN */
  double a = floor(fmax(x0, 0)), b = floor(fmax(y0, 0));
  double c = ceil(fmin(x1, f->width)), d = ceil(fmin(y1, f->height));
  if (a >= c || b >= d) return false;
  *ix0 = (int)a, *iy0 = (int)b, *ix1 = (int)c, *iy1 = (int)d;
  return true;
}

vp_status vp_draw_line(vp_frame *frame, float x0, float y0, float x1, float y1, float width,
                       vp_color color) {
  painter p;
  vp_status st = painter_init(&p, frame, color, "vp_draw_line");
  if (st) return st;
  if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1) || !isfinite(width))
    return VP_OK; /* nothing sensible to draw (e.g. a NaN landmark) */
  double hw = fmax(width, 0.5) * 0.5;
  int bx0, by0, bx1, by1;
  if (!clip_box(frame, fmin(x0, x1) - hw - 1, fmin(y0, y1) - hw - 1, fmax(x0, x1) + hw + 1,
                fmax(y0, y1) + hw + 1, &bx0, &by0, &bx1, &by1))
    return VP_OK;
  double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  for (int y = by0; y < by1; y++) {
    double py = y + 0.5;
    for (int x = bx0; x < bx1; x++) {
      double px = x + 0.5;
      double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      double ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
      double d = sqrt(ex * ex + ey * ey);
      int w = cov255(hw - d + 0.5);
      if (w) put(&p, x, y, w);
    }
  }
  return VP_OK;
}

vp_status vp_draw_circle(vp_frame *frame, float cx, float cy, float radius, vp_color color) {
  painter p;
  vp_status st = painter_init(&p, frame, color, "vp_draw_circle");
  if (st) return st;
  if (!isfinite(cx) || !isfinite(cy) || !isfinite(radius) || radius <= 0) return VP_OK;
  int bx0, by0, bx1, by1;
  if (!clip_box(frame, cx - radius - 1, cy - radius - 1, cx + radius + 1, cy + radius + 1, &bx0,
                &by0, &bx1, &by1))
    return VP_OK;
  for (int y = by0; y < by1; y++) {
    double ey = y + 0.5 - cy;
    for (int x = bx0; x < bx1; x++) {
      double ex = x + 0.5 - cx;
      int w = cov255(radius - sqrt(ex * ex + ey * ey) + 0.5);
      if (w) put(&p, x, y, w);
    }
  }
  return VP_OK;
}

/* Overlap of pixel [x, x+1) with [a, b). */
static inline double overlap(int x, double a, double b) {
  double lo = fmax(x, a), hi = fmin(x + 1.0, b);
  return hi > lo ? hi - lo : 0;
}

static void fill_box(const painter *p, double x0, double y0, double x1, double y1, double ix0,
                     double iy0, double ix1, double iy1, bool hole) {
  int bx0, by0, bx1, by1;
  if (!clip_box(p->f, x0, y0, x1, y1, &bx0, &by0, &bx1, &by1)) return;
  for (int y = by0; y < by1; y++) {
    double oy = overlap(y, y0, y1), iy = hole ? overlap(y, iy0, iy1) : 0;
    for (int x = bx0; x < bx1; x++) {
      double c = oy * overlap(x, x0, x1);
      if (hole) c -= iy * overlap(x, ix0, ix1);
      int w = cov255(c);
      if (w) put(p, x, y, w);
    }
  }
}

vp_status vp_draw_rect(vp_frame *frame, float x, float y, float w, float h, float thickness,
                       vp_color color) {
  painter p;
  vp_status st = painter_init(&p, frame, color, "vp_draw_rect");
  if (st) return st;
  if (!isfinite(x) || !isfinite(y) || !isfinite(w) || !isfinite(h) || w <= 0 || h <= 0) return VP_OK;
  if (!(thickness > 0) || thickness * 2 >= w || thickness * 2 >= h) {
    fill_box(&p, x, y, x + w, y + h, 0, 0, 0, 0, false);
    return VP_OK;
  }
  /* Outline centred on the rectangle's edges. */
  double t = thickness / 2.0;
  fill_box(&p, x - t, y - t, x + w + t, y + h + t, x + t, y + t, x + w - t, y + h - t, true);
  return VP_OK;
}

/* Mask overlay. Bilinear with pixel centres aligned (a resize of the mask to
 * the frame); the column taps are computed once per call, rows once per row. */
static inline float clamp01(float v) { return v > 0 ? (v < 1 ? v : 1) : 0; /* NaN → 0 */ }

static vp_status draw_mask(vp_frame *frame, const void *mask, bool is_f32, int32_t mw, int32_t mh,
                           int32_t stride, vp_color color, const char *what) {
  painter p;
  vp_status st = painter_init(&p, frame, color, what);
  if (st) return st;
  if (!mask || mw <= 0 || mh <= 0 || stride < mw)
    return vp__error(VP_EINVAL, "%s: bad mask (%p, %dx%d, stride %d)", what, mask, (int)mw,
                     (int)mh, (int)stride);
  const int W = frame->width, H = frame->height;
  int *x0s = malloc(sizeof(int) * 2 * (size_t)W);
  float *wxs = malloc(sizeof(float) * (size_t)W);
  float *row0 = malloc(sizeof(float) * (size_t)mw * 2);
  if (!x0s || !wxs || !row0) {
    free(x0s);
    free(wxs);
    free(row0);
    return vp__error(VP_ENOMEM, "%s: out of memory", what);
  }
  float *row1 = row0 + mw;
  double sx = (double)mw / W, sy = (double)mh / H;
  for (int x = 0; x < W; x++) {
    double fx = (x + 0.5) * sx - 0.5;
    if (fx < 0) fx = 0;
    int a = (int)fx;
    if (a > mw - 1) a = mw - 1;
    float w = (float)(fx - a);
    x0s[2 * x] = a;
    x0s[2 * x + 1] = a + 1 < mw ? a + 1 : mw - 1;
    wxs[x] = w > 1 ? 1 : w;
  }
  int loaded0 = -1, loaded1 = -1;
  for (int y = 0; y < H; y++) {
    double fy = (y + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    int y0 = (int)fy;
    if (y0 > mh - 1) y0 = mh - 1;
    int y1 = y0 + 1 < mh ? y0 + 1 : mh - 1;
    float wy = (float)(fy - y0);
    if (wy > 1) wy = 1;
    /* Two mask rows as clamped floats (reused while y0/y1 stay). */
    int want[2] = {y0, y1};
    float *rows[2] = {row0, row1};
    int *loaded[2] = {&loaded0, &loaded1};
    for (int r = 0; r < 2; r++) {
      if (*loaded[r] == want[r]) continue;
      if (r == 1 && loaded0 == want[1]) { /* happens when y0 == y1 */
        memcpy(row1, row0, sizeof(float) * (size_t)mw);
        loaded1 = want[1];
        continue;
      }
      if (is_f32) {
        const float *m = (const float *)mask + (size_t)want[r] * stride;
        for (int i = 0; i < mw; i++) rows[r][i] = clamp01(m[i]);
      } else {
        const uint8_t *m = (const uint8_t *)mask + (size_t)want[r] * stride;
        for (int i = 0; i < mw; i++) rows[r][i] = m[i] * (1.0f / 255.0f);
      }
      *loaded[r] = want[r];
    }
    if (p.kind == 0) { /* packed RGB: the common case, without put()'s dispatch */
      uint8_t *px = frame->data[0] + (size_t)y * frame->linesize[0];
      const float alpha = p.alpha * (1.0f / 255.0f);
      for (int x = 0; x < W; x++, px += p.bpp) {
        int a = x0s[2 * x], b = x0s[2 * x + 1];
        float wx = wxs[x];
        float top = row0[a] + (row0[b] - row0[a]) * wx;
        float bot = row1[a] + (row1[b] - row1[a]) * wx;
        int k = (int)((top + (bot - top) * wy) * alpha * 255.0f + 0.5f);
        if (k <= 0) continue;
        if (k > 255) k = 255;
        px[p.ro] = mix(px[p.ro], p.c0, k);
        px[p.go] = mix(px[p.go], p.c1, k);
        px[p.bo] = mix(px[p.bo], p.c2, k);
      }
      continue;
    }
    for (int x = 0; x < W; x++) {
      int a = x0s[2 * x], b = x0s[2 * x + 1];
      float wx = wxs[x];
      float top = row0[a] + (row0[b] - row0[a]) * wx;
      float bot = row1[a] + (row1[b] - row1[a]) * wx;
      float v = top + (bot - top) * wy;
      int w = (int)(v * 255.0f + 0.5f);
      if (w > 0) put(&p, x, y, w > 255 ? 255 : w);
    }
  }
  free(x0s);
  free(wxs);
  free(row0);
  return VP_OK;
}

vp_status vp_draw_mask_u8(vp_frame *frame, const uint8_t *mask, int32_t mask_width,
                          int32_t mask_height, int32_t stride, vp_color color) {
  return draw_mask(frame, mask, false, mask_width, mask_height, stride, color, "vp_draw_mask_u8");
}

vp_status vp_draw_mask_f32(vp_frame *frame, const float *mask, int32_t mask_width,
                           int32_t mask_height, int32_t stride, vp_color color) {
  return draw_mask(frame, mask, true, mask_width, mask_height, stride, color, "vp_draw_mask_f32");
}

vp_status vp_draw_landmarks(vp_frame *frame, const float *xy, int32_t n, bool normalized,
                           const uint16_t (*edges)[2], int32_t n_edges, float line_width,
                           vp_color line_color, float dot_radius, vp_color dot_color) {
  painter p;
  vp_status st = painter_init(&p, frame, line_color, "vp_draw_landmarks");
  if (st) return st;
  if (n < 0 || n_edges < 0 || (n > 0 && !xy))
    return vp__error(VP_EINVAL, "vp_draw_landmarks: bad points (%p, %d) or edges (%d)", (const void *)xy, (int)n,
                     (int)n_edges);
  float sx = normalized ? (float)frame->width : 1.0f, sy = normalized ? (float)frame->height : 1.0f;
  if (edges && line_width > 0) {
    for (int32_t e = 0; e < n_edges; e++) {
      int a = edges[e][0], b = edges[e][1];
      if (a >= n || b >= n) continue;
      vp_draw_line(frame, xy[2 * a] * sx, xy[2 * a + 1] * sy, xy[2 * b] * sx, xy[2 * b + 1] * sy, line_width,
                   line_color);
    }
  }
  if (dot_radius > 0)
    for (int32_t i = 0; i < n; i++) vp_draw_circle(frame, xy[2 * i] * sx, xy[2 * i + 1] * sy, dot_radius, dot_color);
  return VP_OK;
}

/* ---- text --------------------------------------------------------------- */

/* A 5×7 font for ASCII 32..126, drawn for vpipe: 7 rows per glyph, top first,
 * bit 4 is the leftmost column. */
static const uint8_t font5x7[95][7] = {
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /*   */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04}, /* ! */
    {0x0A, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00}, /* " */
    {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A}, /* # */
    {0x04, 0x0F, 0x14, 0x0E, 0x05, 0x1E, 0x04}, /* $ */
    {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}, /* % */
    {0x0C, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0D}, /* & */
    {0x04, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00}, /* ' */
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}, /* ( */
    {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}, /* ) */
    {0x00, 0x04, 0x15, 0x0E, 0x15, 0x04, 0x00}, /* * */
    {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}, /* + */
    {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}, /* , */
    {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}, /* - */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}, /* . */
    {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}, /* / */
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, /* 0 */
    {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}, /* 1 */
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, /* 2 */
    {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}, /* 3 */
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, /* 4 */
    {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}, /* 5 */
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, /* 6 */
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}, /* 7 */
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, /* 8 */
    {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}, /* 9 */
    {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}, /* : */
    {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x04, 0x08}, /* ; */
    {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02}, /* < */
    {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}, /* = */
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08}, /* > */
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}, /* ? */
    {0x0E, 0x11, 0x01, 0x0D, 0x15, 0x15, 0x0E}, /* @ */
    {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11}, /* A */
    {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}, /* B */
    {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}, /* C */
    {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}, /* D */
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}, /* E */
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}, /* F */
    {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}, /* G */
    {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, /* H */
    {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, /* I */
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}, /* J */
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, /* K */
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}, /* L */
    {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}, /* M */
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}, /* N */
    {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, /* O */
    {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}, /* P */
    {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}, /* Q */
    {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}, /* R */
    {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}, /* S */
    {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, /* T */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, /* U */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}, /* V */
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}, /* W */
    {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}, /* X */
    {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}, /* Y */
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}, /* Z */
    {0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E}, /* [ */
    {0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00}, /* \ */
    {0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E}, /* ] */
    {0x04, 0x0A, 0x11, 0x00, 0x00, 0x00, 0x00}, /* ^ */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}, /* _ */
    {0x08, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}, /* ` */
    {0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F}, /* a */
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E}, /* b */
    {0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E}, /* c */
    {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F}, /* d */
    {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E}, /* e */
    {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08}, /* f */
    {0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E}, /* g */
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}, /* h */
    {0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E}, /* i */
    {0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0C}, /* j */
    {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12}, /* k */
    {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, /* l */
    {0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11}, /* m */
    {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}, /* n */
    {0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E}, /* o */
    {0x00, 0x00, 0x1E, 0x11, 0x1E, 0x10, 0x10}, /* p */
    {0x00, 0x00, 0x0D, 0x13, 0x0F, 0x01, 0x01}, /* q */
    {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}, /* r */
    {0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E}, /* s */
    {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}, /* t */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D}, /* u */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04}, /* v */
    {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A}, /* w */
    {0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11}, /* x */
    {0x00, 0x00, 0x11, 0x11, 0x0F, 0x01, 0x0E}, /* y */
    {0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F}, /* z */
    {0x02, 0x04, 0x04, 0x08, 0x04, 0x04, 0x02}, /* { */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, /* | */
    {0x08, 0x04, 0x04, 0x02, 0x04, 0x04, 0x08}, /* } */
    {0x00, 0x00, 0x08, 0x15, 0x02, 0x00, 0x00}, /* ~ */
};

#define CELL_W 6
#define CELL_H 9

int32_t vp_draw_text_height(int32_t scale) { return CELL_H * (scale < 1 ? 1 : scale); }

int32_t vp_draw_text_width(const char *text, int32_t scale) {
  if (!text) return 0;
  size_t n = strlen(text);
  if (n > 100000) n = 100000;
  return (int32_t)n * CELL_W * (scale < 1 ? 1 : scale);
}

static void fill_int_rect(const painter *p, int x0, int y0, int x1, int y1) {
  if (x0 < 0) x0 = 0;
  if (y0 < 0) y0 = 0;
  if (x1 > p->f->width) x1 = p->f->width;
  if (y1 > p->f->height) y1 = p->f->height;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) put(p, x, y, 255);
}

vp_status vp_draw_text(vp_frame *frame, int32_t x, int32_t y, const char *text, int32_t scale,
                       vp_color color, vp_color background) {
  painter p;
  vp_status st = painter_init(&p, frame, color, "vp_draw_text");
  if (st) return st;
  if (!text) return vp__error(VP_EINVAL, "vp_draw_text: NULL text");
  if (scale < 1 || scale > 64) return vp__error(VP_EINVAL, "vp_draw_text: scale %d out of 1..64", (int)scale);
  int64_t width = (int64_t)vp_draw_text_width(text, scale);
  if (background.a) {
    painter bg;
    painter_init(&bg, frame, background, "vp_draw_text");
    int64_t x1 = (int64_t)x + width, y1 = (int64_t)y + CELL_H * scale;
    fill_int_rect(&bg, x, y, (int)(x1 < INT32_MAX ? x1 : INT32_MAX), (int)(y1 < INT32_MAX ? y1 : INT32_MAX));
  }
  int64_t cx = x;
  for (const unsigned char *s = (const unsigned char *)text; *s && cx < frame->width; s++, cx += CELL_W * scale) {
    int ch = (*s >= 32 && *s <= 126) ? *s : '?';
    const uint8_t *g = font5x7[ch - 32];
    if (cx + CELL_W * scale <= 0) continue;
    for (int r = 0; r < 7; r++)
      for (int c = 0; c < 5; c++)
        if (g[r] & (0x10 >> c)) {
          int64_t px = cx + (int64_t)c * scale, py = (int64_t)y + (int64_t)(r + 1) * scale;
          if (px >= frame->width || py >= frame->height || px + scale <= 0 || py + scale <= 0) continue;
          fill_int_rect(&p, (int)px, (int)py, (int)(px + scale), (int)(py + scale));
        }
  }
  return VP_OK;
}
