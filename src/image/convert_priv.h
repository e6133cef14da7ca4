/* Private swscale helpers shared with the io layer (layer: image). */
#ifndef VP_IMAGE_CONVERT_PRIV_H
#define VP_IMAGE_CONVERT_PRIV_H

#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>

#include "vpipe/image.h"

struct SwsContext;

/* A cached (per thread) bicubic SwsContext for this shape; NULL if libswscale
 * cannot do it. @p src_colorspace is an SWS_CS_* / AVColorSpace value. */
struct SwsContext *vp__sws_get(int sw, int sh, enum AVPixelFormat sfmt, int src_full_range,
                               int src_colorspace, int dw, int dh, enum AVPixelFormat dfmt);

/* Free this thread's cache now (otherwise at thread exit). */
void vp__sws_cache_release(void);

/* Convert/scale a decoded AVFrame into @p dst (its geometry and @p want format),
 * honouring the frame's range and colourspace as ffmpeg's scale filter does. */
vp_status vp__frame_from_avframe(const AVFrame *av, vp_pixfmt want, vp_frame *dst);

#endif
