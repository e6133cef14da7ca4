/*
 * Frames and frame pools (layer: image).
 *
 * DESIGN
 * - A frame is one heap block `frame_box` holding the public vp_frame plus the
 *   private fields; vp_frame.priv points back at the box. The reference count is
 *   atomic; the last unref runs the release hook (wrapped or shell frames), then
 *   returns the box to its pool or frees it.
 * - A pool owns the boxes it allocated (with their pixel memory) and keeps the
 *   free ones on a list under pool->lock. Boxes are allocated lazily up to the
 *   capacity and then only recycled, so steady state allocates nothing
 *   (stats.allocations counts every allocation).
 * - Destroying a pool with frames out marks it dead and frees the free boxes;
 *   each box still out is freed on its last unref, and the last of them frees
 *   the pool struct (pool->alive counts boxes in existence).
 * - Lock order: only pool->lock; never held while running a release hook.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/frame_priv.h"

typedef struct frame_box {
  vp_frame frame;
  atomic_int refs;
  struct vp_frame_pool *pool; /* NULL for standalone frames */
  uint8_t *buffer;            /* owned pixel memory, or NULL */
  void (*release)(void *opaque);
  void *release_opaque;
  int color_space, color_range; /* AVColorSpace / AVColorRange; 0 = unspecified */
  bool readonly;                /* pixels shared with someone else (a decoder) */
  struct frame_box *next_free;
} frame_box;

struct vp_frame_pool {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  vp_frame_pool_options opt;
  bool shells;
  bool canceled;
  bool destroyed;
  frame_box *free_list;
  int32_t alive;  /* boxes in existence (free + out) */
  int32_t in_use; /* boxes out */
  int32_t high_water;
  int64_t gets, allocations;
};

/* ---- pixel formats ---------------------------------------------------- */

static const vp__pixfmt_desc pixfmt_descs[] = {
    [VP_PIXFMT_NONE] = {"none", 0, {0}, 0, 0, AV_PIX_FMT_NONE},
    [VP_PIXFMT_RGB24] = {"rgb24", 1, {3}, 0, 0, AV_PIX_FMT_RGB24},
    [VP_PIXFMT_RGBA] = {"rgba", 1, {4}, 0, 0, AV_PIX_FMT_RGBA},
    [VP_PIXFMT_BGR24] = {"bgr24", 1, {3}, 0, 0, AV_PIX_FMT_BGR24},
    [VP_PIXFMT_BGRA] = {"bgra", 1, {4}, 0, 0, AV_PIX_FMT_BGRA},
    [VP_PIXFMT_GRAY8] = {"gray8", 1, {1}, 0, 0, AV_PIX_FMT_GRAY8},
    [VP_PIXFMT_YUV420P] = {"yuv420p", 3, {1, 1, 1}, 1, 1, AV_PIX_FMT_YUV420P},
    [VP_PIXFMT_NV12] = {"nv12", 2, {1, 2}, 1, 1, AV_PIX_FMT_NV12},
    [VP_PIXFMT_YUVJ420P] = {"yuvj420p", 3, {1, 1, 1}, 1, 1, AV_PIX_FMT_YUVJ420P},
    [VP_PIXFMT_YUV422P] = {"yuv422p", 3, {1, 1, 1}, 1, 0, AV_PIX_FMT_YUV422P},
    [VP_PIXFMT_YUV444P] = {"yuv444p", 3, {1, 1, 1}, 0, 0, AV_PIX_FMT_YUV444P},
    [VP_PIXFMT_GRAYF32] = {"grayf32", 1, {4}, 0, 0, AV_PIX_FMT_GRAYF32},
};
#define N_PIXFMTS ((int)(sizeof pixfmt_descs / sizeof pixfmt_descs[0]))

const vp__pixfmt_desc *vp__pixfmt_desc_get(vp_pixfmt fmt) {
  if ((int)fmt <= 0 || (int)fmt >= N_PIXFMTS) return NULL;
  return &pixfmt_descs[fmt];
}

const char *vp_pixfmt_name(vp_pixfmt fmt) {
  if ((int)fmt < 0 || (int)fmt >= N_PIXFMTS) return "unknown";
  return pixfmt_descs[fmt].name;
}

int32_t vp_pixfmt_planes(vp_pixfmt fmt) {
  const vp__pixfmt_desc *d = vp__pixfmt_desc_get(fmt);
  return d ? d->planes : 0;
}

enum AVPixelFormat vp__pixfmt_to_av(vp_pixfmt fmt) {
  const vp__pixfmt_desc *d = vp__pixfmt_desc_get(fmt);
  return d ? d->av : AV_PIX_FMT_NONE;
}

vp_pixfmt vp__pixfmt_from_av(enum AVPixelFormat fmt) {
  if (fmt == AV_PIX_FMT_NONE) return VP_PIXFMT_NONE;
  for (int i = 1; i < N_PIXFMTS; i++)
    if (pixfmt_descs[i].av == fmt) return (vp_pixfmt)i;
  return VP_PIXFMT_NONE;
}

void vp__plane_size(vp_pixfmt fmt, int plane, int32_t width, int32_t height,
                    int32_t *plane_width, int32_t *plane_height) {
  const vp__pixfmt_desc *d = vp__pixfmt_desc_get(fmt);
  int32_t w = width, h = height;
  if (d && plane > 0) {
    w = (int32_t)(((int64_t)width + (1 << d->log2_chroma_w) - 1) >> d->log2_chroma_w);
    h = (int32_t)(((int64_t)height + (1 << d->log2_chroma_h) - 1) >> d->log2_chroma_h);
  }
  *plane_width = w;
  *plane_height = h;
}

/* ---- allocation --------------------------------------------------------- */

#define ALIGN 64
static int64_t align_up(int64_t v) { return (v + ALIGN - 1) / ALIGN * ALIGN; }

static vp_status check_geometry(int32_t width, int32_t height, vp_pixfmt format) {
  if (!vp__pixfmt_desc_get(format))
    return vp__error(VP_EINVAL, "frame: unknown pixel format %d", (int)format);
  if (width <= 0 || height <= 0 || width > 32768 || height > 32768)
    return vp__error(VP_EINVAL, "frame: bad size %dx%d (1..32768 each)", (int)width, (int)height);
  return VP_OK;
}

/* Allocate a box; with pixels when format is not NONE. Sets linesizes/data. */
static vp_status box_alloc(int32_t width, int32_t height, vp_pixfmt format, frame_box **out) {
  frame_box *b = calloc(1, sizeof *b);
  if (!b) return vp__error(VP_ENOMEM, "frame: out of memory");
  b->frame.priv = b;
  b->frame.width = width;
  b->frame.height = height;
  b->frame.format = format;
  const vp__pixfmt_desc *d = vp__pixfmt_desc_get(format);
  if (d) {
    int64_t offset[VP_FRAME_MAX_PLANES] = {0}, total = 0;
    for (int p = 0; p < d->planes; p++) {
      int32_t pw, ph;
      vp__plane_size(format, p, width, height, &pw, &ph);
      int64_t ls = align_up((int64_t)pw * d->bytes_per_pixel[p]);
      b->frame.linesize[p] = (int32_t)ls;
      offset[p] = total;
      total += align_up(ls * ph);
    }
    total += VP_FRAME_PADDING;
    b->buffer = aligned_alloc(ALIGN, (size_t)align_up(total));
    if (!b->buffer) {
      free(b);
      return vp__error(VP_ENOMEM, "frame: out of memory for %dx%d %s", (int)width, (int)height,
                       d->name);
    }
    for (int p = 0; p < d->planes; p++) b->frame.data[p] = b->buffer + offset[p];
  }
  *out = b;
  return VP_OK;
}

static void box_free(frame_box *b) {
  free(b->buffer);
  free(b);
}

static void reset_props(vp_frame *f) {
  frame_box *b = f->priv;
  b->color_space = b->color_range = 0;
  b->readonly = false;
  f->seq = 0;
  f->pts_ns = INT64_MIN;
  f->capture_ns = 0;
  f->deadline_ns = INT64_MAX;
  f->flags = 0;
}

vp_status vp_frame_alloc(int32_t width, int32_t height, vp_pixfmt format, vp_frame **out) {
  if (!out) return vp__error(VP_EINVAL, "vp_frame_alloc: out is NULL");
  vp_status st = check_geometry(width, height, format);
  if (st) return st;
  frame_box *b;
  if ((st = box_alloc(width, height, format, &b))) return st;
  atomic_init(&b->refs, 1);
  reset_props(&b->frame);
  *out = &b->frame;
  return VP_OK;
}

vp_status vp_frame_wrap(int32_t width, int32_t height, vp_pixfmt format,
                        uint8_t *const data[VP_FRAME_MAX_PLANES],
                        const int32_t linesize[VP_FRAME_MAX_PLANES],
                        void (*free_fn)(void *opaque), void *opaque, vp_frame **out) {
  if (!out || !data || !linesize) return vp__error(VP_EINVAL, "vp_frame_wrap: NULL argument");
  vp_status st = check_geometry(width, height, format);
  if (st) return st;
  const vp__pixfmt_desc *d = vp__pixfmt_desc_get(format);
  for (int p = 0; p < d->planes; p++) {
    int32_t pw, ph;
    vp__plane_size(format, p, width, height, &pw, &ph);
    if (!data[p] || linesize[p] < pw * d->bytes_per_pixel[p])
      return vp__error(VP_EINVAL, "vp_frame_wrap: plane %d of %s %dx%d: %s", p, d->name,
                       (int)width, (int)height, data[p] ? "linesize too small" : "NULL data");
  }
  frame_box *b = calloc(1, sizeof *b);
  if (!b) return vp__error(VP_ENOMEM, "frame: out of memory");
  b->frame.priv = b;
  b->frame.width = width;
  b->frame.height = height;
  b->frame.format = format;
  for (int p = 0; p < d->planes; p++) {
    b->frame.data[p] = data[p];
    b->frame.linesize[p] = linesize[p];
  }
  b->release = free_fn;
  b->release_opaque = opaque;
  atomic_init(&b->refs, 1);
  reset_props(&b->frame);
  *out = &b->frame;
  return VP_OK;
}

vp_frame *vp_frame_ref(vp_frame *frame) {
  if (!frame) return NULL;
  frame_box *b = frame->priv;
  atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
  return frame;
}

bool vp_frame_is_writable(const vp_frame *frame) {
  if (!frame) return false;
  frame_box *b = frame->priv;
  return !b->readonly && atomic_load_explicit(&b->refs, memory_order_acquire) == 1;
}

static void pool_free_struct(vp_frame_pool *pool) {
  pthread_mutex_destroy(&pool->lock);
  pthread_cond_destroy(&pool->cond);
  free(pool);
}

void vp_frame_unref(vp_frame **frame) {
  if (!frame || !*frame) return;
  frame_box *b = (*frame)->priv;
  *frame = NULL;
  if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
  if (b->release) {
    void (*rel)(void *) = b->release;
    void *op = b->release_opaque;
    b->release = NULL;
    b->release_opaque = NULL;
    rel(op);
  }
  vp_frame_pool *pool = b->pool;
  if (!pool) {
    box_free(b);
    return;
  }
  if (pool->shells) {
    memset(b->frame.data, 0, sizeof b->frame.data);
    memset(b->frame.linesize, 0, sizeof b->frame.linesize);
  }
  pthread_mutex_lock(&pool->lock);
  pool->in_use--;
  if (pool->destroyed) {
    pool->alive--;
    bool last = pool->alive == 0;
    pthread_mutex_unlock(&pool->lock);
    box_free(b);
    if (last) pool_free_struct(pool);
    return;
  }
  b->next_free = pool->free_list;
  pool->free_list = b;
  pthread_cond_signal(&pool->cond);
  pthread_mutex_unlock(&pool->lock);
}

void vp__frame_set_release(vp_frame *frame, void (*release)(void *opaque), void *opaque) {
  frame_box *b = frame->priv;
  b->release = release;
  b->release_opaque = opaque;
}

void vp__frame_set_readonly(vp_frame *frame) {
  frame_box *b = frame->priv;
  b->readonly = true;
}

void vp__frame_set_color(vp_frame *frame, int color_space, int color_range) {
  frame_box *b = frame->priv;
  b->color_space = color_space;
  b->color_range = color_range;
}

void vp__frame_get_color(const vp_frame *frame, int *color_space, int *color_range) {
  const frame_box *b = frame->priv;
  *color_space = b->color_space;
  *color_range = b->color_range;
}

void vp__frame_copy_props(vp_frame *dst, const vp_frame *src) {
  const frame_box *sb = src->priv;
  vp__frame_set_color(dst, sb->color_space, sb->color_range);
  dst->seq = src->seq;
  dst->pts_ns = src->pts_ns;
  dst->capture_ns = src->capture_ns;
  dst->deadline_ns = src->deadline_ns;
  dst->flags = src->flags;
}

vp_status vp_frame_clone(const vp_frame *src, vp_frame **out) {
  if (!src || !out) return vp__error(VP_EINVAL, "vp_frame_clone: NULL argument");
  vp_frame *f;
  vp_status st = vp_frame_alloc(src->width, src->height, src->format, &f);
  if (st) return st;
  const vp__pixfmt_desc *d = vp__pixfmt_desc_get(src->format);
  for (int p = 0; p < d->planes; p++) {
    int32_t pw, ph;
    vp__plane_size(src->format, p, src->width, src->height, &pw, &ph);
    size_t row = (size_t)pw * d->bytes_per_pixel[p];
    for (int32_t y = 0; y < ph; y++)
      memcpy(f->data[p] + (size_t)y * f->linesize[p], src->data[p] + (size_t)y * src->linesize[p],
             row);
  }
  vp__frame_copy_props(f, src);
  *out = f;
  return VP_OK;
}

/* ---- pools ------------------------------------------------------------- */

vp_frame_pool_options vp_frame_pool_options_default(void) {
  vp_frame_pool_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.capacity = 8;
  o.format = VP_PIXFMT_RGB24;
  return o;
}

static vp_status pool_new(const vp_frame_pool_options *o, bool shells, vp_frame_pool **out) {
  vp_frame_pool *pool = calloc(1, sizeof *pool);
  if (!pool) return vp__error(VP_ENOMEM, "frame pool: out of memory");
  if (pthread_mutex_init(&pool->lock, NULL)) {
    free(pool);
    return vp__error(VP_ENOMEM, "frame pool: cannot create mutex");
  }
  if (pthread_cond_init(&pool->cond, NULL)) {
    pthread_mutex_destroy(&pool->lock);
    free(pool);
    return vp__error(VP_ENOMEM, "frame pool: cannot create condition variable");
  }
  pool->opt = *o;
  pool->shells = shells;
  *out = pool;
  return VP_OK;
}

vp_status vp_frame_pool_create(const vp_frame_pool_options *options, vp_frame_pool **out) {
  if (!out) return vp__error(VP_EINVAL, "vp_frame_pool_create: out is NULL");
  vp_frame_pool_options o = options ? *options : vp_frame_pool_options_default();
  if (o.capacity <= 0 || o.capacity > 4096)
    return vp__error(VP_EINVAL, "frame pool: capacity %d out of range 1..4096", (int)o.capacity);
  vp_status st = check_geometry(o.width, o.height, o.format);
  if (st) return st;
  return pool_new(&o, false, out);
}

vp_status vp__frame_pool_create_shells(int32_t capacity, bool blocking, vp_frame_pool **out) {
  if (capacity <= 0 || capacity > 4096)
    return vp__error(VP_EINVAL, "frame pool: capacity %d out of range 1..4096", (int)capacity);
  vp_frame_pool_options o = vp_frame_pool_options_default();
  o.format = VP_PIXFMT_NONE;
  o.capacity = capacity;
  o.blocking = blocking;
  return pool_new(&o, true, out);
}

void vp_frame_pool_destroy(vp_frame_pool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->lock);
  pool->destroyed = true;
  pool->canceled = true;
  frame_box *list = pool->free_list;
  pool->free_list = NULL;
  for (frame_box *b = list; b; b = b->next_free) pool->alive--;
  bool last = pool->alive == 0;
  pthread_cond_broadcast(&pool->cond);
  pthread_mutex_unlock(&pool->lock);
  while (list) {
    frame_box *n = list->next_free;
    box_free(list);
    list = n;
  }
  /* A thread blocked in get() on a pool being destroyed is a caller bug; cancel
   * first (vp_frame_pool_cancel) and join such threads before destroying. */
  if (last) pool_free_struct(pool);
}

void vp_frame_pool_cancel(vp_frame_pool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->lock);
  pool->canceled = true;
  pthread_cond_broadcast(&pool->cond);
  pthread_mutex_unlock(&pool->lock);
}

vp_status vp_frame_pool_get(vp_frame_pool *pool, vp_frame **out) {
  if (!pool || !out) return vp__error(VP_EINVAL, "vp_frame_pool_get: NULL argument");
  pthread_mutex_lock(&pool->lock);
  for (;;) {
    if (pool->canceled) {
      pthread_mutex_unlock(&pool->lock);
      return vp__error(VP_ECANCELED, "frame pool: canceled");
    }
    if (pool->free_list || pool->alive < pool->opt.capacity) break;
    if (!pool->opt.blocking) {
      pthread_mutex_unlock(&pool->lock);
      return vp__error(VP_EAGAIN, "frame pool: all %d frames are in use", (int)pool->opt.capacity);
    }
    pthread_cond_wait(&pool->cond, &pool->lock);
  }
  frame_box *b = pool->free_list;
  if (b) {
    pool->free_list = b->next_free;
  } else {
    /* Reserve the slot, allocate outside the lock. */
    pool->alive++;
    pool->allocations++;
    pthread_mutex_unlock(&pool->lock);
    vp_status st = box_alloc(pool->opt.width, pool->opt.height,
                             pool->shells ? VP_PIXFMT_NONE : pool->opt.format, &b);
    pthread_mutex_lock(&pool->lock);
    if (st) {
      pool->alive--;
      pool->allocations--;
      pthread_cond_signal(&pool->cond);
      pthread_mutex_unlock(&pool->lock);
      return st;
    }
    b->pool = pool;
  }
  pool->in_use++;
  pool->gets++;
  if (pool->in_use > pool->high_water) pool->high_water = pool->in_use;
  pthread_mutex_unlock(&pool->lock);
  b->next_free = NULL;
  atomic_store_explicit(&b->refs, 1, memory_order_relaxed);
  if (pool->shells) b->frame.format = VP_PIXFMT_NONE;
  reset_props(&b->frame);
  *out = &b->frame;
  return VP_OK;
}

void vp_frame_pool_stats_get(const vp_frame_pool *pool, vp_frame_pool_stats *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!pool) return;
  vp_frame_pool *p = (vp_frame_pool *)pool;
  pthread_mutex_lock(&p->lock);
  out->allocated = p->alive;
  out->in_use = p->in_use;
  out->high_water = p->high_water;
  out->gets = p->gets;
  out->allocations = p->allocations;
  pthread_mutex_unlock(&p->lock);
}
