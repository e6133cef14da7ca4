/* Private frame helpers shared by the image and io layers (layer: image). */
#ifndef VP_IMAGE_FRAME_PRIV_H
#define VP_IMAGE_FRAME_PRIV_H

#include <libavutil/pixfmt.h>

#include "vpipe/image.h"

/* Per-format plane geometry. */
typedef struct vp__pixfmt_desc {
  const char *name;
  int planes;
  int bytes_per_pixel[VP_FRAME_MAX_PLANES]; /* of a (subsampled) plane sample */
  int log2_chroma_w, log2_chroma_h;         /* for planes 1.. */
  enum AVPixelFormat av;
} vp__pixfmt_desc;

/* NULL for an unknown format. */
const vp__pixfmt_desc *vp__pixfmt_desc_get(vp_pixfmt fmt);

/* Width in samples and height in rows of plane @p plane. */
void vp__plane_size(vp_pixfmt fmt, int plane, int32_t width, int32_t height,
                    int32_t *plane_width, int32_t *plane_height);

/* FFmpeg <-> vpipe formats (AV_PIX_FMT_NONE / VP_PIXFMT_NONE when none). */
enum AVPixelFormat vp__pixfmt_to_av(vp_pixfmt fmt);
vp_pixfmt vp__pixfmt_from_av(enum AVPixelFormat fmt);

/*
 * A pool of frame shells: frames without pixel memory whose planes the caller
 * points at memory it keeps alive through vp__frame_set_release() (the io layer
 * uses them to hand out decoder buffers without copying). Bounded like any pool.
 */
vp_status vp__frame_pool_create_shells(int32_t capacity, bool blocking, vp_frame_pool **out);

/* Called once with @p opaque when the frame's last reference is dropped (before
 * it returns to its pool). Only on a frame the caller holds alone. */
void vp__frame_set_release(vp_frame *frame, void (*release)(void *opaque), void *opaque);

/* The YUV matrix and range of the pixels (AVColorSpace / AVColorRange values,
 * 0 = unspecified: BT.601, limited range unless the format is yuvj420p), kept
 * so that later conversions match FFmpeg's. */
void vp__frame_set_color(vp_frame *frame, int color_space, int color_range);
void vp__frame_get_color(const vp_frame *frame, int *color_space, int *color_range);

/* Mark the pixels as shared (vp_frame_is_writable() is then false for the
 * frame's whole life in this use; the mark is cleared when a pool reuses it). */
void vp__frame_set_readonly(vp_frame *frame);

/* Copy timestamps, flags and colour properties. */
void vp__frame_copy_props(vp_frame *dst, const vp_frame *src);

#endif
