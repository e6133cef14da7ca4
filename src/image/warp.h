/* Image → tensor: rotated crop, scaling, colour conversion and normalisation
 * in one pass (layer: image). See warp.c for the MediaPipe/OpenCV rules. */
#ifndef VP_IMAGE_WARP_H
#define VP_IMAGE_WARP_H

#include <stdbool.h>
#include <stdint.h>

#include "vpipe/image.h"

typedef struct vp__warp_params {
  int32_t out_w, out_h;      /* tensor width and height (3 channels, RGB, NHWC) */
  float cx, cy, w, h;        /* the ROI in source pixels: centre and size */
  float rotation;            /* radians (MediaPipe NormalizedRect convention) */
  bool border_zero;          /* true: BORDER_CONSTANT 0; false: BORDER_REPLICATE */
  float range_min, range_max;/* value range, e.g. -1, 1 or 0, 1 */
  bool pixel_centers;        /* sample at pixel centres ((x + 0.5)·s − 0.5), as GPU
                                texture sampling does; false: MediaPipe's CPU path */
} vp__warp_params;

/* Warp the ROI of @p src into @p out (out_h × out_w × 3 floats).
 * Formats: RGB24, BGR24, RGBA, BGRA, YUV420P, YUVJ420P.
 * @return VP_OK, VP_EINVAL, VP_EUNSUPPORTED (format). */
vp_status vp__warp_to_tensor(const vp_frame *src, const vp__warp_params *p, float *out);

/* The same into 8-bit RGB (out_h × out_w × 3 bytes): the pixels before the
 * value range is applied; for tests and debugging. */
vp_status vp__warp_to_rgb8(const vp_frame *src, const vp__warp_params *p, uint8_t *out);

#endif
