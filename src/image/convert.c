/*
 * Colour conversion and scaling with libswscale (layer: image).
 *
 * DESIGN: SwsContexts are cached per thread (a small LRU keyed by the
 * conversion shape: source/destination size, format and range), so a stage that
 * converts every frame the same way builds its context once, and threads never
 * share a context. The cache is freed by a pthread key destructor at thread exit.
 * Flags follow the ffmpeg command line's default (bicubic), and colourspace
 * details follow what its scale filter sets, so that a decoded image matches
 * `ffmpeg -i X -pix_fmt rgb24` byte for byte.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "core/error.h"
#include "image/convert_priv.h"
#include "image/frame_priv.h"

#define CACHE_SLOTS 6

typedef struct sws_slot {
  int sw, sh, sfmt, dw, dh, dfmt, srange, sspace;
  struct SwsContext *ctx;
  uint64_t used;
} sws_slot;

typedef struct sws_cache {
  sws_slot slot[CACHE_SLOTS];
  uint64_t tick;
} sws_cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p) {
  sws_cache *c = p;
  for (int i = 0; i < CACHE_SLOTS; i++) sws_freeContext(c->slot[i].ctx);
  free(c);
}

static void cache_init(void) { pthread_key_create(&cache_key, cache_free); }

void vp__sws_cache_release(void) {
  pthread_once(&cache_once, cache_init);
  sws_cache *c = pthread_getspecific(cache_key);
  if (c) {
    pthread_setspecific(cache_key, NULL);
    cache_free(c);
  }
}

struct SwsContext *vp__sws_get(int sw, int sh, enum AVPixelFormat sfmt, int src_full_range,
                               int src_colorspace, int dw, int dh, enum AVPixelFormat dfmt) {
  pthread_once(&cache_once, cache_init);
  sws_cache *c = pthread_getspecific(cache_key);
  if (!c) {
    c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (pthread_setspecific(cache_key, c)) {
      free(c);
      return NULL;
    }
  }
  c->tick++;
  sws_slot *victim = &c->slot[0];
  for (int i = 0; i < CACHE_SLOTS; i++) {
    sws_slot *s = &c->slot[i];
    if (s->ctx && s->sw == sw && s->sh == sh && s->sfmt == (int)sfmt && s->dw == dw &&
        s->dh == dh && s->dfmt == (int)dfmt && s->srange == src_full_range &&
        s->sspace == src_colorspace) {
      s->used = c->tick;
      return s->ctx;
    }
    if (!s->ctx || s->used < victim->used) victim = s;
    if (!victim->ctx) break;
  }
  struct SwsContext *ctx = sws_getContext(sw, sh, sfmt, dw, dh, dfmt, SWS_BICUBIC, NULL, NULL, NULL);
  if (!ctx) return NULL;
  /* As libavfilter's scale filter does: matrix from the frame's colourspace
   * (unspecified → BT.601), source range from the frame, limited output range. */
  int *inv_table, *table, src_range, dst_range, brightness, contrast, saturation;
  if (sws_getColorspaceDetails(ctx, &inv_table, &src_range, &table, &dst_range, &brightness,
                               &contrast, &saturation) >= 0) {
    const int *coeffs = sws_getCoefficients(src_colorspace);
    sws_setColorspaceDetails(ctx, coeffs, src_full_range || src_range, table, dst_range, brightness,
                             contrast, saturation);
  }
  sws_freeContext(victim->ctx);
  victim->ctx = ctx;
  victim->sw = sw;
  victim->sh = sh;
  victim->sfmt = (int)sfmt;
  victim->dw = dw;
  victim->dh = dh;
  victim->dfmt = (int)dfmt;
  victim->srange = src_full_range;
  victim->sspace = src_colorspace;
  victim->used = c->tick;
  return ctx;
}

static void copy_planes(const vp_frame *src, vp_frame *dst) {
  const vp__pixfmt_desc *d = vp__pixfmt_desc_get(src->format);
  for (int p = 0; p < d->planes; p++) {
    int32_t pw, ph;
    vp__plane_size(src->format, p, src->width, src->height, &pw, &ph);
    size_t row = (size_t)pw * d->bytes_per_pixel[p];
    for (int32_t y = 0; y < ph; y++)
      memcpy(dst->data[p] + (size_t)y * dst->linesize[p],
             src->data[p] + (size_t)y * src->linesize[p], row);
  }
}

vp_status vp_frame_convert(const vp_frame *src, vp_frame *dst) {
  if (!src || !dst) return vp__error(VP_EINVAL, "vp_frame_convert: NULL frame");
  if (src == dst) return vp__error(VP_EINVAL, "vp_frame_convert: source and destination are the same frame");
  enum AVPixelFormat sf = vp__pixfmt_to_av(src->format), df = vp__pixfmt_to_av(dst->format);
  if (sf == AV_PIX_FMT_NONE || df == AV_PIX_FMT_NONE)
    return vp__error(VP_EINVAL, "vp_frame_convert: unknown pixel format (%s -> %s)",
                     vp_pixfmt_name(src->format), vp_pixfmt_name(dst->format));
  if (src->width <= 0 || src->height <= 0 || dst->width <= 0 || dst->height <= 0)
    return vp__error(VP_EINVAL, "vp_frame_convert: empty frame (%dx%d -> %dx%d)", (int)src->width,
                     (int)src->height, (int)dst->width, (int)dst->height);
  if (src->format == dst->format && src->width == dst->width && src->height == dst->height) {
    copy_planes(src, dst);
  } else {
    int space, range;
    vp__frame_get_color(src, &space, &range);
    int full = src->format == VP_PIXFMT_YUVJ420P || range == AVCOL_RANGE_JPEG;
    if (space == AVCOL_SPC_UNSPECIFIED || space == 0) space = SWS_CS_DEFAULT;
    struct SwsContext *ctx = vp__sws_get(src->width, src->height, sf, full, space,
                                         dst->width, dst->height, df);
    if (!ctx)
      return vp__error(VP_EUNSUPPORTED, "vp_frame_convert: libswscale cannot convert %s %dx%d -> %s %dx%d",
                       vp_pixfmt_name(src->format), (int)src->width, (int)src->height,
                       vp_pixfmt_name(dst->format), (int)dst->width, (int)dst->height);
    const uint8_t *sdata[4] = {src->data[0], src->data[1], src->data[2], src->data[3]};
    int sls[4] = {src->linesize[0], src->linesize[1], src->linesize[2], src->linesize[3]};
    int dls[4] = {dst->linesize[0], dst->linesize[1], dst->linesize[2], dst->linesize[3]};
    int h = sws_scale(ctx, sdata, sls, 0, src->height, dst->data, dls);
    if (h <= 0)
      return vp__error(VP_EUNSUPPORTED, "vp_frame_convert: sws_scale failed (%s -> %s)",
                       vp_pixfmt_name(src->format), vp_pixfmt_name(dst->format));
  }
  vp__frame_copy_props(dst, src);
  return VP_OK;
}

vp_status vp__frame_from_avframe(const AVFrame *av, vp_pixfmt want, vp_frame *dst) {
  enum AVPixelFormat df = vp__pixfmt_to_av(want);
  if (df == AV_PIX_FMT_NONE) return vp__error(VP_EINVAL, "convert: bad destination format");
  int full = av->color_range == AVCOL_RANGE_JPEG;
  int space = av->colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : (int)av->colorspace;
  struct SwsContext *ctx =
      vp__sws_get(av->width, av->height, (enum AVPixelFormat)av->format, full, space, dst->width,
                  dst->height, df);
  if (!ctx)
    return vp__error(VP_EUNSUPPORTED, "convert: libswscale cannot convert %s %dx%d to %s",
                     av_get_pix_fmt_name((enum AVPixelFormat)av->format), av->width, av->height,
                     vp_pixfmt_name(want));
  int dls[4] = {dst->linesize[0], dst->linesize[1], dst->linesize[2], dst->linesize[3]};
  int h = sws_scale(ctx, (const uint8_t *const *)av->data, av->linesize, 0, av->height, dst->data, dls);
  if (h <= 0) return vp__error(VP_EUNSUPPORTED, "convert: sws_scale failed");
  return VP_OK;
}
