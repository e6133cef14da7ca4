/*
 * Compositing a person over a new background with a confidence mask
 * (vp_mask_render): out = m * frame + (1 - m) * background, where the
 * background is a tint of the person (OVERLAY), the blurred frame (BLUR: two
 * passes of a separable box filter, close to a Gaussian), a colour, or an
 * image scaled to the frame. Packed 8-bit RGB/BGR(A) frames.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "vpipe/tasks.h"

static int channels_of(vp_pixfmt f, bool *bgr) {
  *bgr = f == VP_PIXFMT_BGR24 || f == VP_PIXFMT_BGRA;
  if (f == VP_PIXFMT_RGB24 || f == VP_PIXFMT_BGR24) return 3;
  if (f == VP_PIXFMT_RGBA || f == VP_PIXFMT_BGRA) return 4;
  return 0;
}

/* One box pass of radius r along rows (horizontal) into dst, 3 channels of
 * a packed image with @p cn bytes per pixel. */
static void box_rows(const uint8_t *src, int32_t sstride, uint8_t *dst, int32_t dstride,
                     int32_t w, int32_t h, int cn, int r) {
  for (int32_t y = 0; y < h; y++) {
    const uint8_t *s = src + (int64_t)y * sstride;
    uint8_t *d = dst + (int64_t)y * dstride;
    for (int c = 0; c < 3; c++) {
      int32_t sum = 0;
      for (int k = -r; k <= r; k++) {
        int32_t x = k < 0 ? 0 : (k >= w ? w - 1 : k);
        sum += s[x * cn + c];
      }
      const int32_t n = 2 * r + 1;
      for (int32_t x = 0; x < w; x++) {
        d[x * cn + c] = (uint8_t)((sum + n / 2) / n);
        int32_t add = x + r + 1, sub = x - r;
        if (add >= w) add = w - 1;
        if (sub < 0) sub = 0;
        sum += s[add * cn + c] - s[sub * cn + c];
      }
    }
  }
}

static void box_cols(const uint8_t *src, int32_t sstride, uint8_t *dst, int32_t dstride,
                     int32_t w, int32_t h, int cn, int r, int32_t *acc) {
  const int32_t n = 2 * r + 1;
  for (int32_t i = 0; i < w * 3; i++) acc[i] = 0;
  for (int k = -r; k <= r; k++) {
    const int32_t y = k < 0 ? 0 : (k >= h ? h - 1 : k);
    const uint8_t *s = src + (int64_t)y * sstride;
    for (int32_t x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) acc[x * 3 + c] += s[x * cn + c];
  }
  for (int32_t y = 0; y < h; y++) {
    uint8_t *d = dst + (int64_t)y * dstride;
    for (int32_t x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) d[x * cn + c] = (uint8_t)((acc[x * 3 + c] + n / 2) / n);
    int32_t add = y + r + 1, sub = y - r;
    if (add >= h) add = h - 1;
    if (sub < 0) sub = 0;
    const uint8_t *sa = src + (int64_t)add * sstride, *ss = src + (int64_t)sub * sstride;
    for (int32_t x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) acc[x * 3 + c] += sa[x * cn + c] - ss[x * cn + c];
  }
}

vp_status vp_mask_render(vp_frame *frame, const float *mask, int32_t mask_width,
                         int32_t mask_height, const vp_mask_render_options *o) {
  if (!frame || !mask || !o) return vp__error(VP_EINVAL, "mask render: NULL argument");
  bool bgr;
  const int cn = channels_of(frame->format, &bgr);
  if (!cn)
    return vp__error(VP_EUNSUPPORTED, "mask render: frame format %s (need packed RGB/BGR)",
                     vp_pixfmt_name(frame->format));
  const int32_t W = frame->width, H = frame->height;
  if (mask_width != W || mask_height != H)
    return vp__error(VP_EINVAL, "mask render: mask %dx%d for a %dx%d frame", (int)mask_width,
                     (int)mask_height, (int)W, (int)H);
  uint8_t *bg = NULL;
  int32_t bstride = W * cn;
  if (o->mode == VP_MASK_BLUR) {
    int r = o->blur_radius > 0 ? o->blur_radius : 15;
    if (r > W / 2) r = W / 2 > 0 ? W / 2 : 1;
    if (r > H / 2) r = H / 2 > 0 ? H / 2 : 1;
    uint8_t *tmp = malloc((size_t)bstride * H);
    bg = malloc((size_t)bstride * H);
    int32_t *acc = malloc(sizeof(int32_t) * 3 * (size_t)W);
    if (!tmp || !bg || !acc) {
      free(tmp);
      free(bg);
      free(acc);
      return vp__error(VP_ENOMEM, "mask render: blur buffers");
    }
    const int r1 = (r + 1) / 2; /* two passes of half the radius each */
    box_rows(frame->data[0], frame->linesize[0], tmp, bstride, W, H, cn, r1);
    box_cols(tmp, bstride, bg, bstride, W, H, cn, r1, acc);
    box_rows(bg, bstride, tmp, bstride, W, H, cn, r1);
    box_cols(tmp, bstride, bg, bstride, W, H, cn, r1, acc);
    free(tmp);
    free(acc);
  } else if (o->mode == VP_MASK_IMAGE) {
    const vp_frame *b = o->background;
    if (!b || b->format != VP_PIXFMT_RGB24 || b->width < 1 || b->height < 1)
      return vp__error(VP_EINVAL, "mask render: IMAGE mode needs an RGB24 background");
  } else if (o->mode != VP_MASK_OVERLAY && o->mode != VP_MASK_COLOR) {
    return vp__error(VP_EINVAL, "mask render: unknown mode %d", (int)o->mode);
  }
  const int ri = bgr ? 2 : 0, bi = bgr ? 0 : 2;
  uint8_t col[3];
  col[ri] = o->color.r;
  col[1] = o->color.g;
  col[bi] = o->color.b;
  const float tint = o->color.a / 255.0f;
  for (int32_t y = 0; y < H; y++) {
    uint8_t *p = frame->data[0] + (int64_t)y * frame->linesize[0];
    const float *m = mask + (int64_t)y * W;
    const uint8_t *brow = bg ? bg + (int64_t)y * bstride : NULL;
    const uint8_t *irow = NULL;
    if (o->mode == VP_MASK_IMAGE) {
      const int32_t sy = (int32_t)((int64_t)y * o->background->height / H);
      irow = o->background->data[0] + (int64_t)sy * o->background->linesize[0];
    }
    for (int32_t x = 0; x < W; x++) {
      float a = m[x];
      a = a < 0 ? 0 : (a > 1 ? 1 : a);
      uint8_t *px = p + x * cn;
      if (o->mode == VP_MASK_OVERLAY) { /* tint the person */
        const float t = a * tint;
        for (int c = 0; c < 3; c++) px[c] = (uint8_t)(px[c] + (col[c] - px[c]) * t + 0.5f);
        continue;
      }
      uint8_t b[3];
      if (brow) {
        for (int c = 0; c < 3; c++) b[c] = brow[x * cn + c];
      } else if (irow) {
        const uint8_t *s = irow + (int64_t)((int64_t)x * o->background->width / W) * 3;
        b[ri] = s[0];
        b[1] = s[1];
        b[bi] = s[2];
      } else {
        memcpy(b, col, 3);
      }
      for (int c = 0; c < 3; c++) px[c] = (uint8_t)(b[c] + (px[c] - b[c]) * a + 0.5f);
    }
  }
  free(bg);
  return VP_OK;
}
