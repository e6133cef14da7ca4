/**
 * @file image.h
 * @brief Frames (reference-counted images with timestamps) and frame pools.
 *
 * A vp_frame is a picture plus the times the pipeline needs. Frames are
 * reference counted; only the library allocates them (from a pool, or by
 * wrapping caller memory). A frame is writable only while it has exactly one
 * reference. Pushing a frame into a queue or stage consumes the caller's
 * reference.
 *
 * Thread safety: ref/unref are atomic and may race; a pool may be used from
 * any thread; the pixels of a frame are not synchronised (share read-only).
 */
#ifndef VPIPE_IMAGE_H
#define VPIPE_IMAGE_H

#include <stdbool.h>

#include "vpipe/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Pixel formats. Planes are padded by VP_FRAME_PADDING bytes for SIMD over-read. */
typedef enum vp_pixfmt {
  VP_PIXFMT_NONE = 0,
  VP_PIXFMT_RGB24,   /**< packed R,G,B, 1 plane */
  VP_PIXFMT_RGBA,    /**< packed R,G,B,A, 1 plane */
  VP_PIXFMT_BGR24,
  VP_PIXFMT_BGRA,
  VP_PIXFMT_GRAY8,
  VP_PIXFMT_YUV420P, /**< planar Y, U, V (U,V at half width and height) */
  VP_PIXFMT_NV12,    /**< Y plane + interleaved UV plane */
  VP_PIXFMT_YUVJ420P,/**< YUV420P with full-range (JPEG) levels */
  VP_PIXFMT_YUV422P,
  VP_PIXFMT_YUV444P,
  VP_PIXFMT_GRAYF32, /**< one float per pixel (masks) */
} vp_pixfmt;

#define VP_FRAME_PADDING 64
#define VP_FRAME_MAX_PLANES 4

/** @return "rgb24", "yuv420p", ... */
VP_API const char *vp_pixfmt_name(vp_pixfmt fmt);

/** A reference-counted picture. Fields are read-only for users except where noted. */
typedef struct vp_frame {
  int32_t width, height;
  vp_pixfmt format;
  uint8_t *data[VP_FRAME_MAX_PLANES];
  int32_t linesize[VP_FRAME_MAX_PLANES]; /**< bytes per row of each plane */

  int64_t seq;          /**< 0-based index among the frames the source delivered */
  int64_t pts_ns;       /**< presentation time from the stream, ns (0 for a still image);
                             INT64_MIN if the stream has none */
  int64_t capture_ns;   /**< vp_time_ns() when the frame was captured/decoded */
  int64_t deadline_ns;  /**< capture_ns + latency budget, or INT64_MAX without a budget */
  uint32_t flags;       /**< VP_FRAME_FLAG_* */

  void *priv;           /**< library-private (reference count, pool, backing) */
} vp_frame;

/** Frame flags. */
#define VP_FRAME_FLAG_KEY 0x1u      /**< a key frame */
#define VP_FRAME_FLAG_SKIPPED 0x2u  /**< not selected by the rate controller: no inference */
#define VP_FRAME_FLAG_LATE 0x4u     /**< will miss its deadline: cheap path */

/** Take another reference. @return @p frame. */
VP_API vp_frame *vp_frame_ref(vp_frame *frame);

/** Drop a reference and set *frame to NULL; the last one returns the frame to
 *  its pool or frees it. NULL and *frame == NULL are fine. */
VP_API void vp_frame_unref(vp_frame **frame);

/** @return true if the caller holds the only reference (may write pixels). */
VP_API bool vp_frame_is_writable(const vp_frame *frame);

/** Allocate a standalone frame (not from a pool), padded, uninitialised pixels. */
VP_API vp_status vp_frame_alloc(int32_t width, int32_t height, vp_pixfmt format, vp_frame **out);

/**
 * Wrap caller memory without copying. @p free_fn (may be NULL) is called with
 * @p opaque when the last reference is dropped. Planes must be padded by
 * VP_FRAME_PADDING readable bytes.
 */
VP_API vp_status vp_frame_wrap(int32_t width, int32_t height, vp_pixfmt format,
                               uint8_t *const data[VP_FRAME_MAX_PLANES],
                               const int32_t linesize[VP_FRAME_MAX_PLANES],
                               void (*free_fn)(void *opaque), void *opaque, vp_frame **out);

/** A bounded pool of frames of one geometry. Opaque. */
typedef struct vp_frame_pool vp_frame_pool;

typedef struct vp_frame_pool_options {
  uint32_t struct_size;
  int32_t width, height;
  vp_pixfmt format;
  int32_t capacity;      /**< frames the pool may have out at once (default 8) */
  bool blocking;         /**< get() waits for a free frame instead of failing with VP_EAGAIN */
  uint8_t reserved[32];
} vp_frame_pool_options;

VP_API vp_frame_pool_options vp_frame_pool_options_default(void);

VP_API vp_status vp_frame_pool_create(const vp_frame_pool_options *options, vp_frame_pool **out);

/** Destroy the pool; frames still out stay valid and are freed on their last unref. */
VP_API void vp_frame_pool_destroy(vp_frame_pool *pool);

/**
 * Get a frame with one reference. Timestamps are reset.
 * @return VP_OK, VP_EAGAIN when all frames are out (non-blocking pool), or
 *         VP_ECANCELED after vp_frame_pool_cancel().
 */
VP_API vp_status vp_frame_pool_get(vp_frame_pool *pool, vp_frame **out);

/** Wake and fail every blocked get(); used when shutting down. */
VP_API void vp_frame_pool_cancel(vp_frame_pool *pool);

/** Pool counters: frames allocated in all (never above capacity) and in use. */
typedef struct vp_frame_pool_stats {
  int32_t allocated, in_use, high_water;
  int64_t gets, allocations;
} vp_frame_pool_stats;
VP_API void vp_frame_pool_stats_get(const vp_frame_pool *pool, vp_frame_pool_stats *out);

/** Convert/scale @p src into @p dst (libswscale; dst geometry and format decide).
 *  Timestamps are copied. */
VP_API vp_status vp_frame_convert(const vp_frame *src, vp_frame *dst);

/** Load a still image (PNG, JPEG, PPM, ...) decoded by FFmpeg into RGB24. */
VP_API vp_status vp_image_load(const char *path, vp_frame **out);

/** Write a GRAY8, RGB24, RGBA, BGR24 or BGRA frame as an 8-bit PNG (others:
 *  VP_EUNSUPPORTED; convert first). A failed write leaves no partial file. */
VP_API vp_status vp_image_write_png(const vp_frame *frame, const char *path);


/** Copy the pixels of @p src into a new standalone frame of the same geometry and
 *  format (timestamps and flags copied). */
VP_API vp_status vp_frame_clone(const vp_frame *src, vp_frame **out);

/** Number of planes of @p fmt (0 for VP_PIXFMT_NONE). */
VP_API int32_t vp_pixfmt_planes(vp_pixfmt fmt);

/* ------------------------------------------------------------------------ */
/* Drawing (src/image/draw.c).                                               */
/*                                                                           */
/* All drawing works on VP_PIXFMT_RGB24, RGBA, BGR24, BGRA and YUV420P/        */
/* YUVJ420P frames (other formats return VP_EUNSUPPORTED). Coordinates are     */
/* in pixels, floating point, pixel centres at integer + 0.5; shapes are       */
/* anti-aliased by coverage and clipped to the frame. The colour's alpha       */
/* blends the shape over the frame (255 = opaque). The frame must be writable  */
/* by the caller (see vp_frame_is_writable). Not thread safe per frame.       */
/* ------------------------------------------------------------------------ */

/** An sRGB colour with alpha (255 = opaque). */
typedef struct vp_color {
  uint8_t r, g, b, a;
} vp_color;

/** Convenience constructor. */
static inline vp_color vp_rgba(uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
  vp_color c = {r, g, b, a};
  return c;
}

/** An anti-aliased line segment of @p width pixels with round caps. */
VP_API vp_status vp_draw_line(vp_frame *frame, float x0, float y0, float x1, float y1,
                              float width, vp_color color);

/** A filled anti-aliased circle (landmark dots). */
VP_API vp_status vp_draw_circle(vp_frame *frame, float cx, float cy, float radius,
                                vp_color color);

/** An axis-aligned rectangle; @p thickness <= 0 fills it, else its outline. */
VP_API vp_status vp_draw_rect(vp_frame *frame, float x, float y, float w, float h,
                              float thickness, vp_color color);

/**
 * Blend @p color over the frame where a mask says so: alpha = mask × color.a / 255.
 * The mask (mask_width × mask_height, @p stride in elements) is stretched over the
 * whole frame with bilinear sampling, so a model-resolution mask can be drawn
 * directly. _u8 takes 0..255, _f32 takes 0..1 (clamped).
 */
VP_API vp_status vp_draw_mask_u8(vp_frame *frame, const uint8_t *mask, int32_t mask_width,
                                 int32_t mask_height, int32_t stride, vp_color color);
VP_API vp_status vp_draw_mask_f32(vp_frame *frame, const float *mask, int32_t mask_width,
                                  int32_t mask_height, int32_t stride, vp_color color);

/**
 * Landmarks and their connections (skeletons, face meshes, hand graphs) in one
 * call. @p xy holds @p n points as x, y pairs (@p normalized: in [0, 1] of the
 * frame's width and height, as MediaPipe reports them; else pixels). @p edges
 * holds @p n_edges index pairs; pairs naming a point >= n are skipped, as are
 * NaN points. Lines are drawn first (width @p line_width, skipped when <= 0 or
 * edges is NULL), then dots (radius @p dot_radius, skipped when <= 0).
 */
VP_API vp_status vp_draw_landmarks(vp_frame *frame, const float *xy, int32_t n, bool normalized,
                                   const uint16_t (*edges)[2], int32_t n_edges, float line_width,
                                   vp_color line_color, float dot_radius, vp_color dot_color);

/** Height in pixels of one text line at @p scale (built-in 5×7 font in 6×9 cells). */
VP_API int32_t vp_draw_text_height(int32_t scale);
/** Width in pixels of @p text at @p scale. */
VP_API int32_t vp_draw_text_width(const char *text, int32_t scale);

/**
 * Draw one line of printable ASCII (other bytes draw as '?') with its top-left at
 * (@p x, @p y), each font pixel a @p scale × @p scale block (scale >= 1). If
 * @p background.a > 0 a box of that colour is drawn behind the text first.
 */
VP_API vp_status vp_draw_text(vp_frame *frame, int32_t x, int32_t y, const char *text,
                              int32_t scale, vp_color color, vp_color background);

#ifdef __cplusplus
}
#endif
#endif /* VPIPE_IMAGE_H */
