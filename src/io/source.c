/*
 * Video sources on libavformat/libavcodec/libavdevice (layer: io).
 *
 * DESIGN
 * - One thread calls vp_source_read(); it demuxes, decodes and hands out
 *   frames. vp_source_interrupt() and vp_source_set_discard() are atomics that
 *   any thread may set; interrupt also wakes a back-off sleep (s->lock/s->wake).
 * - Frames in the decoder's own pixel format are handed out without copying:
 *   a frame shell from a bounded pool points at the AVFrame's buffers and keeps
 *   an AVFrame reference (from `avframes`, a small recycled set, so steady state
 *   allocates nothing) until the last vp_frame_unref. Other formats are
 *   converted with libswscale into frames of a bounded pool.
 * - Blocking FFmpeg calls are bounded by an interrupt callback (cancel flag and
 *   a per-call deadline for network and camera inputs).
 * - Network sources that fail or end reconnect with doubling back-off and report
 *   DISCONNECTED / RETRY / RECONNECTED / GAVE_UP events; timestamps are rebased
 *   after a gap so that pts stays monotonic.
 * - Audio packets are queued (under audio_lock) only while a sink is attached;
 *   the sink pops them from its own thread.
 * - Lock order: s->lock before a pool's lock; s->audio_lock, s->stats_lock and
 *   the avframe cache lock are leaves.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

#include "core/error.h"
#include "image/convert_priv.h"
#include "image/ffmpeg_init.h"
#include "image/frame_priv.h"
#include "io/io_priv.h"

#define AUDIO_QUEUE_MAX 8192

const char *vp__averr(int err, char *buf, size_t n) {
  av_strerror(err, buf, n);
  return buf;
}

/* ---- recycled AVFrames backing zero-copy frames ----------------------- */

typedef struct avframe_cache {
  pthread_mutex_t lock;
  AVFrame **free;
  int nfree, cap;
  int outstanding;
  int64_t allocations;
  bool closed;
} avframe_cache;

static void cache_destroy(avframe_cache *c) {
  for (int i = 0; i < c->nfree; i++) av_frame_free(&c->free[i]);
  free(c->free);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

typedef struct cached_frame {
  AVFrame *av;
  avframe_cache *cache;
} cached_frame;

static AVFrame *cache_get(avframe_cache *c) {
  pthread_mutex_lock(&c->lock);
  AVFrame *f = c->nfree ? c->free[--c->nfree] : NULL;
  c->outstanding++;
  if (!f) c->allocations++;
  pthread_mutex_unlock(&c->lock);
  if (!f) f = av_frame_alloc();
  if (!f) {
    pthread_mutex_lock(&c->lock);
    c->outstanding--;
    pthread_mutex_unlock(&c->lock);
  }
  return f;
}

static void cache_put(avframe_cache *c, AVFrame *f) {
  av_frame_unref(f);
  pthread_mutex_lock(&c->lock);
  c->outstanding--;
  bool keep = !c->closed && c->nfree < c->cap;
  if (keep) c->free[c->nfree++] = f;
  bool last = c->closed && c->outstanding == 0;
  pthread_mutex_unlock(&c->lock);
  if (!keep) av_frame_free(&f);
  if (last) cache_destroy(c);
}

/* The release hook of a zero-copy frame; opaque is the AVFrame, whose
 * `opaque` field points at the cache. */
static void release_avframe(void *opaque) {
  AVFrame *f = opaque;
  avframe_cache *c = f->opaque;
  f->opaque = NULL;
  cache_put(c, f);
}

/* ---- the source ---------------------------------------------------------- */

struct vp_source {
  vp_source_options opt;
  char *url_in;       /* as given */
  char *url;          /* what is opened */
  char *format_name;  /* forced demuxer, or NULL */
  char *input_format, *rtsp_transport;
  bool glob_pattern;
  vp_source_info info;
  char container[64], codec[64];

  AVFormatContext *fmt;
  AVCodecContext *dec;
  int vstream, astream;
  AVPacket *pkt;
  AVFrame *frame;

  vp_frame_pool *shells;
  vp_frame_pool *conv; /* for converted frames, geometry conv_w × conv_h */
  int32_t conv_w, conv_h;
  vp_pixfmt conv_fmt;
  int64_t conv_allocations; /* of pools replaced after a size change */
  avframe_cache *avframes;

  atomic_bool interrupted;
  atomic_int discard;
  _Atomic int64_t deadline_ns; /* for the interrupt callback; 0 = none */

  pthread_mutex_t lock; /* the back-off wait, and the s->conv pointer against interrupt() */
  pthread_cond_t wake;

  vp_status sticky;
  char sticky_msg[512];
  bool draining;
  int drain_errors;
  int read_error;       /* the demuxer's error that ended a file early */
  int64_t seq;
  int64_t last_pts_ns;
  int64_t pts_offset_ns;
  bool rebase;          /* first frame after a reconnection */
  int64_t gap_wall_ns;
  int64_t frames_decoded; /* including corrupt ones */
  bool ever_discarded;    /* frames were skipped on purpose: no truncation check */
  bool registered;
  atomic_int ffmpeg_errors; /* errors FFmpeg logged for this input's demuxer/decoder */
  char first_ffmpeg_error[160]; /* under registry_lock */
  char damage[256];

  vp_source_stats stats;
  pthread_mutex_t stats_lock;

  /* audio hand-over */
  pthread_mutex_t audio_lock;
  bool audio_attached;
  AVPacket **aq;
  int aq_head, aq_count;
  AVCodecParameters *apar;
  AVRational atb;
  int64_t audio_offset_ns;
  int64_t audio_dropped;
};

static int interrupt_cb(void *opaque) {
  vp_source *s = opaque;
  if (atomic_load(&s->interrupted)) return 1;
  int64_t d = atomic_load(&s->deadline_ns);
  return d && vp_time_ns() > d;
}

static void arm_deadline(vp_source *s) {
  bool timed = s->info.kind == VP_SOURCE_NETWORK || s->info.kind == VP_SOURCE_CAMERA;
  atomic_store(&s->deadline_ns, timed ? vp_time_ns() + (int64_t)s->opt.io_timeout_ms * 1000000 : 0);
}

const char *vp_source_event_name(vp_source_event_type type) {
  switch (type) {
    case VP_SOURCE_EVENT_DISCONNECTED: return "disconnected";
    case VP_SOURCE_EVENT_RETRY: return "retry";
    case VP_SOURCE_EVENT_RECONNECTED: return "reconnected";
    case VP_SOURCE_EVENT_GAVE_UP: return "gave_up";
  }
  return "unknown";
}

vp_source_options vp_source_options_default(void) {
  vp_source_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.pool_capacity = 8;
  o.io_timeout_ms = 5000;
  o.reconnect = true;
  o.reconnect_attempts = 10;
  o.reconnect_initial_ms = 200;
  o.reconnect_max_ms = 5000;
  o.keep_audio = true;
  return o;
}

static void stats_add(vp_source *s, int64_t *field, int64_t v) {
  pthread_mutex_lock(&s->stats_lock);
  *field += v;
  pthread_mutex_unlock(&s->stats_lock);
}

void vp_source_stats_get(const vp_source *source, vp_source_stats *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!source) return;
  vp_source *s = (vp_source *)source;
  pthread_mutex_lock(&s->stats_lock);
  *out = s->stats;
  pthread_mutex_unlock(&s->stats_lock);
  vp_frame_pool_stats ps;
  vp_frame_pool_stats_get(s->shells, &ps);
  out->frame_allocations = ps.allocations;
  pthread_mutex_lock(&s->lock);
  vp_frame_pool_stats_get(s->conv, &ps);
  out->frame_allocations += ps.allocations;
  pthread_mutex_unlock(&s->lock);
  pthread_mutex_lock(&s->stats_lock);
  out->frame_allocations += s->conv_allocations;
  pthread_mutex_unlock(&s->stats_lock);
  if (s->avframes) {
    pthread_mutex_lock(&s->avframes->lock);
    out->frame_allocations += s->avframes->allocations;
    pthread_mutex_unlock(&s->avframes->lock);
  }
}

/* ---- FFmpeg's error messages, attributed to the source they concern -------
 * FFmpeg reports damage it conceals (resynchronised demuxers, concealed
 * macroblocks) only in its log. The log hook maps a message's context back to
 * its source through the contexts' opaque field, trusted only for sources in
 * this registry (other FFmpeg users in the process may set opaque too). */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static vp_source **registry;
static int registry_n, registry_cap;

static void on_ffmpeg_error(void *avcl, const char *message) {
  const AVClass *cls = *(const AVClass **)avcl;
  void *opaque = NULL;
  if (cls == avformat_get_class()) opaque = ((AVFormatContext *)avcl)->opaque;
  else if (cls == avcodec_get_class()) opaque = ((AVCodecContext *)avcl)->opaque;
  if (!opaque) return;
  pthread_mutex_lock(&registry_lock);
  for (int i = 0; i < registry_n; i++)
    if (registry[i] == opaque) {
      vp_source *s = opaque;
      if (atomic_fetch_add(&s->ffmpeg_errors, 1) == 0)
        snprintf(s->first_ffmpeg_error, sizeof s->first_ffmpeg_error, "%s", message);
      break;
    }
  pthread_mutex_unlock(&registry_lock);
}

static bool registry_add(vp_source *s) {
  pthread_mutex_lock(&registry_lock);
  if (registry_n == registry_cap) {
    int cap = registry_cap ? registry_cap * 2 : 8;
    vp_source **r = realloc(registry, sizeof *r * (size_t)cap);
    if (!r) {
      pthread_mutex_unlock(&registry_lock);
      return false;
    }
    registry = r;
    registry_cap = cap;
  }
  registry[registry_n++] = s;
  vp__ffmpeg_set_error_hook(on_ffmpeg_error);
  pthread_mutex_unlock(&registry_lock);
  return true;
}

static void registry_remove(vp_source *s) {
  pthread_mutex_lock(&registry_lock);
  for (int i = 0; i < registry_n; i++)
    if (registry[i] == s) {
      registry[i] = registry[--registry_n];
      break;
    }
  if (registry_n == 0) {
    vp__ffmpeg_set_error_hook(NULL);
    free(registry);
    registry = NULL;
    registry_cap = 0;
  }
  pthread_mutex_unlock(&registry_lock);
}

/* ---- input classification ------------------------------------------------ */

static bool has_scheme(const char *url) {
  const char *p = strstr(url, "://");
  if (!p || p == url) return false;
  for (const char *q = url; q < p; q++)
    if (!isalnum((unsigned char)*q) && *q != '+' && *q != '-' && *q != '.') return false;
  return strncmp(url, "file://", 7) != 0;
}

static bool scheme_is(const char *url, const char *scheme) {
  size_t n = strlen(scheme);
  return strncasecmp(url, scheme, n) == 0 && url[n] == ':';
}

static bool is_image_ext(const char *name) {
  const char *dot = strrchr(name, '.');
  if (!dot) return false;
  static const char *exts[] = {"png", "jpg", "jpeg", "ppm", "pgm", "pbm", "pnm", "bmp", "tif", "tiff", "webp", NULL};
  for (int i = 0; exts[i]; i++)
    if (strcasecmp(dot + 1, exts[i]) == 0) return true;
  return false;
}

static bool has_sequence_pattern(const char *path) {
  for (const char *p = strchr(path, '%'); p; p = strchr(p + 1, '%')) {
    const char *q = p + 1;
    while (isdigit((unsigned char)*q)) q++;
    if (*q == 'd') return true;
  }
  return false;
}

/* A directory of images → a glob over its most common image extension. */
static vp_status directory_glob(const char *dir, char **out) {
  DIR *d = opendir(dir);
  if (!d) return vp__error(VP_EIO, "cannot read directory '%s': %s", dir, strerror(errno));
  char best[16] = "", exts[32][16];
  int counts[32] = {0}, n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || !is_image_ext(e->d_name)) continue;
    const char *ext = strrchr(e->d_name, '.') + 1;
    if (strlen(ext) >= 16) continue;
    int i = 0;
    while (i < n && strcmp(exts[i], ext) != 0) i++;
    if (i == n) {
      if (n == 32) continue;
      snprintf(exts[n++], 16, "%s", ext);
    }
    counts[i]++;
  }
  closedir(d);
  int bi = -1;
  for (int i = 0; i < n; i++)
    if (bi < 0 || counts[i] > counts[bi]) bi = i;
  if (bi < 0) return vp__error(VP_ENOENT, "directory '%s' holds no images (png, jpg, ppm, ...)", dir);
  snprintf(best, sizeof best, "%s", exts[bi]);
  size_t len = 2 * strlen(dir) + strlen(best) + 8;
  char *g = malloc(len);
  if (!g) return vp__error(VP_ENOMEM, "source: out of memory");
  /* Escape glob's special characters in the directory name. */
  size_t o = 0;
  for (const char *c = dir; *c; c++) {
    if (strchr("*?[]\\", *c)) g[o++] = '\\';
    g[o++] = *c;
  }
  g[o] = 0;
  snprintf(g + o, len - o, "%s*.%s", o && g[o - 1] == '/' ? "" : "/", best);
  *out = g;
  return VP_OK;
}

/* ---- opening ------------------------------------------------------------- */

static vp_status map_open_error(int r) {
  if (r == AVERROR(ENOENT)) return VP_ENOENT;
  if (r == AVERROR_EXIT) return VP_ETIMEDOUT;
  if (r == AVERROR(ETIMEDOUT)) return VP_ETIMEDOUT;
  if (r == AVERROR_INVALIDDATA) return VP_EFORMAT;
  if (r == AVERROR_DECODER_NOT_FOUND || r == AVERROR_DEMUXER_NOT_FOUND) return VP_EUNSUPPORTED;
  return VP_EIO;
}

static void close_input(vp_source *s) {
  avcodec_free_context(&s->dec);
  avformat_close_input(&s->fmt);
  s->vstream = s->astream = -1;
}

/* Open s->url into s->fmt/s->dec. On failure everything is closed again. */
static vp_status open_input(vp_source *s, bool first) {
  char eb[128];
  AVDictionary *o = NULL;
  const AVInputFormat *ifmt = NULL;
  if (s->format_name) {
    ifmt = av_find_input_format(s->format_name);
    if (!ifmt)
      return vp__error(VP_EUNSUPPORTED, "input '%s': FFmpeg has no demuxer '%s'", s->url_in, s->format_name);
  }
  if (s->info.kind == VP_SOURCE_CAMERA) {
    char b[64];
    if (s->opt.width > 0 && s->opt.height > 0) {
      snprintf(b, sizeof b, "%dx%d", (int)s->opt.width, (int)s->opt.height);
      av_dict_set(&o, "video_size", b, 0);
    }
    if (s->opt.fps > 0) {
      { /* as a fraction: independent of the C locale's decimal point */
      AVRational q = av_d2q(s->opt.fps, 1001000);
      snprintf(b, sizeof b, "%d/%d", q.num, q.den);
    }
      av_dict_set(&o, "framerate", b, 0);
    }
    if (s->input_format) av_dict_set(&o, "input_format", s->input_format, 0);
  }
  if (s->info.kind == VP_SOURCE_NETWORK && scheme_is(s->url, "rtsp"))
    av_dict_set(&o, "rtsp_transport", s->rtsp_transport ? s->rtsp_transport : "tcp", 0);
  if (s->glob_pattern) av_dict_set(&o, "pattern_type", "glob", 0);
  if (s->info.kind == VP_SOURCE_IMAGE_SEQUENCE && s->opt.fps > 0) {
    char b[64];
    { /* as a fraction: independent of the C locale's decimal point */
      AVRational q = av_d2q(s->opt.fps, 1001000);
      snprintf(b, sizeof b, "%d/%d", q.num, q.den);
    }
    av_dict_set(&o, "framerate", b, 0);
  }

  s->fmt = avformat_alloc_context();
  if (!s->fmt) {
    av_dict_free(&o);
    return vp__error(VP_ENOMEM, "source: out of memory");
  }
  s->fmt->interrupt_callback.callback = interrupt_cb;
  s->fmt->interrupt_callback.opaque = s;
  s->fmt->opaque = s;
  arm_deadline(s);
  int r = avformat_open_input(&s->fmt, s->url, ifmt, &o); /* frees fmt on failure */
  av_dict_free(&o);
  if (r < 0) {
    if (atomic_load(&s->interrupted)) return vp__error(VP_ECANCELED, "input '%s': interrupted", s->url_in);
    return vp__error(map_open_error(r), "cannot open input '%s': %s", s->url_in, vp__averr(r, eb, sizeof eb));
  }
  arm_deadline(s);
  r = avformat_find_stream_info(s->fmt, NULL);
  if (r < 0) {
    close_input(s);
    return vp__error(map_open_error(r), "input '%s': cannot read stream information: %s", s->url_in,
                     vp__averr(r, eb, sizeof eb));
  }
  const AVCodec *codec = NULL;
  int vi = av_find_best_stream(s->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (vi == AVERROR_STREAM_NOT_FOUND || (vi < 0 && vi != AVERROR_DECODER_NOT_FOUND)) {
    close_input(s);
    return vp__error(VP_EFORMAT, "input '%s' has no video stream", s->url_in);
  }
  if (vi == AVERROR_DECODER_NOT_FOUND || !codec) {
    int idx = -1;
    for (unsigned i = 0; i < s->fmt->nb_streams; i++)
      if (s->fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) idx = (int)i;
    const char *name = idx >= 0 ? avcodec_get_name(s->fmt->streams[idx]->codecpar->codec_id) : "?";
    close_input(s);
    return vp__error(VP_EUNSUPPORTED, "input '%s': no decoder for its video codec '%s'", s->url_in, name);
  }
  AVStream *st = s->fmt->streams[vi];
  s->vstream = vi;
  s->dec = avcodec_alloc_context3(codec);
  if (!s->dec) {
    close_input(s);
    return vp__error(VP_ENOMEM, "source: out of memory");
  }
  avcodec_parameters_to_context(s->dec, st->codecpar);
  s->dec->pkt_timebase = st->time_base;
  s->dec->opaque = s;
  bool live = s->info.kind == VP_SOURCE_NETWORK || s->info.kind == VP_SOURCE_CAMERA;
  s->dec->thread_count = vp__codec_threads(s->opt.decode_threads);
  s->dec->thread_type = live ? FF_THREAD_SLICE : (FF_THREAD_FRAME | FF_THREAD_SLICE);
  r = avcodec_open2(s->dec, codec, NULL);
  if (r < 0) {
    close_input(s);
    return vp__error(VP_EUNSUPPORTED, "input '%s': cannot open the %s decoder: %s", s->url_in, codec->name,
                     vp__averr(r, eb, sizeof eb));
  }
  int ai = av_find_best_stream(s->fmt, AVMEDIA_TYPE_AUDIO, -1, vi, NULL, 0);
  s->astream = ai >= 0 ? ai : -1;

  if (first) {
    vp_source_info *in = &s->info;
    snprintf(s->container, sizeof s->container, "%s", s->fmt->iformat->name);
    snprintf(s->codec, sizeof s->codec, "%s", codec->name);
    in->container = s->container;
    in->codec = s->codec;
    in->url = s->url;
    in->width = st->codecpar->width;
    in->height = st->codecpar->height;
    AVRational fr = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ? st->avg_frame_rate
                                                                               : st->r_frame_rate;
    if (fr.num > 0 && fr.den > 0) {
      in->fps_num = fr.num;
      in->fps_den = fr.den;
      in->fps = av_q2d(fr);
    } else {
      in->fps_num = 0;
      in->fps_den = 1;
    }
    in->time_base_num = st->time_base.num;
    in->time_base_den = st->time_base.den;
    in->duration_ns = -1;
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
      in->duration_ns = av_rescale_q(st->duration, st->time_base, (AVRational){1, 1000000000});
    else if (s->fmt->duration != AV_NOPTS_VALUE && s->fmt->duration > 0)
      in->duration_ns = s->fmt->duration * 1000;
    const char *dn = s->fmt->iformat->name;
    bool still = in->kind == VP_SOURCE_FILE &&
                 ((strcmp(dn, "image2") == 0) || (strlen(dn) > 5 && strcmp(dn + strlen(dn) - 5, "_pipe") == 0));
    if (still) in->kind = VP_SOURCE_IMAGE;
    in->frame_count = -1;
    if (in->kind == VP_SOURCE_IMAGE) {
      in->frame_count = 1;
      in->duration_ns = 0;
    } else if (st->nb_frames > 0) {
      in->frame_count = st->nb_frames;
    } else if (in->duration_ns > 0 && in->fps > 0 && in->kind != VP_SOURCE_NETWORK) {
      in->frame_count = (int64_t)(in->duration_ns / 1e9 * in->fps + 0.5);
    }
    in->is_live = in->kind == VP_SOURCE_CAMERA ||
                  (in->kind == VP_SOURCE_NETWORK &&
                   (in->duration_ns <= 0 || scheme_is(s->url, "rtsp") || scheme_is(s->url, "udp") ||
                    scheme_is(s->url, "rtp") || scheme_is(s->url, "srt")));
    in->has_audio = s->astream >= 0;
    if (s->astream >= 0) {
      s->apar = avcodec_parameters_alloc();
      if (!s->apar || avcodec_parameters_copy(s->apar, s->fmt->streams[s->astream]->codecpar) < 0) {
        close_input(s);
        return vp__error(VP_ENOMEM, "source: out of memory");
      }
      s->atb = s->fmt->streams[s->astream]->time_base;
    }
    if (in->kind == VP_SOURCE_CAMERA && s->opt.camera_buffers > 0)
      VP_LOGW("io", "%s: camera buffer count %d requested; FFmpeg's V4L2 device chooses its own", s->url,
              (int)s->opt.camera_buffers);
  }
  return VP_OK;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

vp_status vp_source_open(const char *url, const vp_source_options *options, vp_source **out) {
  vp__ffmpeg_init();
  if (!url || !*url || !out) return vp__error(VP_EINVAL, "vp_source_open: no input given");
  vp_source_options o = options ? *options : vp_source_options_default();
  if (o.pool_capacity <= 0) o.pool_capacity = 8;
  if (o.io_timeout_ms <= 0) o.io_timeout_ms = 5000;
  if (o.reconnect_initial_ms <= 0) o.reconnect_initial_ms = 200;
  if (o.reconnect_max_ms < o.reconnect_initial_ms) o.reconnect_max_ms = o.reconnect_initial_ms;
  if (o.pixfmt != VP_PIXFMT_NONE && !vp__pixfmt_desc_get(o.pixfmt))
    return vp__error(VP_EINVAL, "source: unknown output pixel format %d", (int)o.pixfmt);

  vp_source *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "source: out of memory");
  s->opt = o;
  s->vstream = s->astream = -1;
  s->last_pts_ns = INT64_MIN;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->wake, NULL);
  pthread_mutex_init(&s->stats_lock, NULL);
  pthread_mutex_init(&s->audio_lock, NULL);
  s->registered = registry_add(s);
  s->url_in = strdup(url);
  s->format_name = dup_or_null(o.format);
  s->input_format = dup_or_null(o.input_format);
  s->rtsp_transport = dup_or_null(o.rtsp_transport);
  s->opt.format = s->opt.input_format = s->opt.rtsp_transport = NULL;
  s->aq = calloc(AUDIO_QUEUE_MAX, sizeof *s->aq);
  s->avframes = calloc(1, sizeof *s->avframes);
  vp_status st = VP_OK;
  if (!s->url_in || !s->aq || !s->avframes || (o.format && !s->format_name) ||
      (o.input_format && !s->input_format) || (o.rtsp_transport && !s->rtsp_transport)) {
    st = vp__error(VP_ENOMEM, "source: out of memory");
    goto fail;
  }
  pthread_mutex_init(&s->avframes->lock, NULL);
  s->avframes->cap = o.pool_capacity + 4;
  s->avframes->free = calloc((size_t)s->avframes->cap, sizeof(AVFrame *));
  if (!s->avframes->free) {
    st = vp__error(VP_ENOMEM, "source: out of memory");
    goto fail;
  }

  /* Classify. */
  if (strcmp(url, "-") == 0) url = "pipe:0"; /* standard input */
  /* file: URLs name local paths (FFmpeg opens them as they are). */
  const char *local = url;
  if (strncmp(local, "file://", 7) == 0) local += 7;
  else if (strncmp(local, "file:", 5) == 0) local += 5;
  struct stat sb;
  bool exists = stat(local, &sb) == 0;
  if (strncmp(url, "/dev/video", 10) == 0 ||
      (s->format_name && (strcmp(s->format_name, "v4l2") == 0 || strcmp(s->format_name, "video4linux2") == 0))) {
    s->info.kind = VP_SOURCE_CAMERA;
    if (!s->format_name) s->format_name = strdup("video4linux2");
    if (!exists) {
      st = vp__error(VP_ENOENT, "camera '%s' does not exist", url);
      goto fail;
    }
    s->url = strdup(url);
  } else if (s->format_name && av_find_input_format(s->format_name) &&
             (av_find_input_format(s->format_name)->flags & AVFMT_NOFILE)) {
    /* A device or generator named by format (lavfi, x11grab, pulse...): no
     * file to check. Generators run as fast as they are read; devices are live. */
    s->info.kind = strcmp(s->format_name, "lavfi") == 0 ? VP_SOURCE_FILE : VP_SOURCE_CAMERA;
    s->url = strdup(url);
  } else if (strncmp(url, "pipe:", 5) == 0) {
    s->info.kind = VP_SOURCE_FILE;
    s->url = strdup(url);
  } else if (has_scheme(url)) {
    s->info.kind = VP_SOURCE_NETWORK;
    s->url = strdup(url);
  } else if (exists && S_ISDIR(sb.st_mode)) {
    s->info.kind = VP_SOURCE_IMAGE_SEQUENCE;
    if ((st = directory_glob(local, &s->url))) goto fail;
    s->glob_pattern = true;
    if (!s->format_name) s->format_name = strdup("image2");
  } else if (!exists && (strpbrk(url, "*?[") != NULL)) {
    s->info.kind = VP_SOURCE_IMAGE_SEQUENCE;
    s->glob_pattern = true;
    s->url = strdup(url);
    if (!s->format_name) s->format_name = strdup("image2");
  } else if (!exists && has_sequence_pattern(url)) {
    s->info.kind = VP_SOURCE_IMAGE_SEQUENCE;
    s->url = strdup(url);
    if (!s->format_name) s->format_name = strdup("image2");
  } else {
    s->info.kind = VP_SOURCE_FILE;
    if (!exists) {
      st = vp__error(VP_ENOENT, "input file '%s' does not exist", url);
      goto fail;
    }
    if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
      st = vp__error(VP_EFORMAT, "input file '%s' is empty", url);
      goto fail;
    }
    s->url = strdup(url);
  }
  if (!s->url || (s->info.kind == VP_SOURCE_CAMERA && !s->format_name)) {
    st = vp__error(VP_ENOMEM, "source: out of memory");
    goto fail;
  }
  if ((st = open_input(s, true))) goto fail;
  s->pkt = av_packet_alloc();
  s->frame = av_frame_alloc();
  if (!s->pkt || !s->frame) {
    st = vp__error(VP_ENOMEM, "source: out of memory");
    goto fail;
  }
  if ((st = vp__frame_pool_create_shells(o.pool_capacity, true, &s->shells))) goto fail;
  enum AVPixelFormat native = s->dec->pix_fmt;
  vp_pixfmt nat = vp__pixfmt_from_av(native);
  s->info.pixfmt = o.pixfmt != VP_PIXFMT_NONE ? o.pixfmt : (nat != VP_PIXFMT_NONE ? nat : VP_PIXFMT_RGB24);
  *out = s;
  return VP_OK;
fail:
  vp_source_close(s);
  return st;
}

void vp_source_close(vp_source *s) {
  if (!s) return;
  close_input(s);
  if (s->registered) registry_remove(s);
  av_packet_free(&s->pkt);
  av_frame_free(&s->frame);
  vp_frame_pool_destroy(s->shells);
  vp_frame_pool_destroy(s->conv);
  if (s->avframes) {
    if (s->avframes->free) {
      pthread_mutex_lock(&s->avframes->lock);
      s->avframes->closed = true;
      bool last = s->avframes->outstanding == 0;
      pthread_mutex_unlock(&s->avframes->lock);
      if (last) cache_destroy(s->avframes);
    } else {
      free(s->avframes);
    }
  }
  if (s->aq) {
    for (int i = 0; i < s->aq_count; i++) av_packet_free(&s->aq[(s->aq_head + i) % AUDIO_QUEUE_MAX]);
    free(s->aq);
  }
  avcodec_parameters_free(&s->apar);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->wake);
  pthread_mutex_destroy(&s->stats_lock);
  pthread_mutex_destroy(&s->audio_lock);
  free(s->url_in);
  free(s->url);
  free(s->format_name);
  free(s->input_format);
  free(s->rtsp_transport);
  free(s);
}

const vp_source_info *vp_source_get_info(const vp_source *s) { return s ? &s->info : NULL; }

void vp_source_interrupt(vp_source *s) {
  if (!s) return;
  atomic_store(&s->interrupted, true);
  pthread_mutex_lock(&s->lock);
  pthread_cond_broadcast(&s->wake);
  vp_frame_pool_cancel(s->shells);
  vp_frame_pool_cancel(s->conv);
  pthread_mutex_unlock(&s->lock);
}

void vp_source_set_discard(vp_source *s, vp_source_discard d) {
  if (s) atomic_store(&s->discard, (int)d);
}

/* ---- events and reconnection --------------------------------------------- */

static void emit(vp_source *s, vp_source_event_type type, int64_t gap_start, int attempt,
                 int64_t delay_ms, const char *msg) {
  vp_source_event e;
  memset(&e, 0, sizeof e);
  e.type = type;
  e.time_ns = vp_time_ns();
  e.gap_start_ns = gap_start;
  e.gap_ns = e.time_ns - gap_start;
  e.attempt = attempt;
  e.delay_ms = delay_ms;
  e.last_seq = s->seq - 1;
  snprintf(e.message, sizeof e.message, "%s", msg ? msg : "");
  vp_log_level lvl = type == VP_SOURCE_EVENT_RECONNECTED ? VP_LOG_INFO : VP_LOG_WARNING;
  vp__log(lvl, "io", "%s: %s (attempt %d, gap %.3f s%s%s)", s->url_in, vp_source_event_name(type), attempt,
          (double)e.gap_ns / 1e9, e.message[0] ? ": " : "", e.message);
  if (s->opt.on_event) s->opt.on_event(s->opt.event_user, &e);
}

/* Sleep up to ms, waking early on interrupt. */
static void backoff_sleep(vp_source *s, int64_t ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t ns = ts.tv_nsec + (ms % 1000) * 1000000;
  ts.tv_sec += ms / 1000 + ns / 1000000000;
  ts.tv_nsec = ns % 1000000000;
  pthread_mutex_lock(&s->lock);
  while (!atomic_load(&s->interrupted))
    if (pthread_cond_timedwait(&s->wake, &s->lock, &ts) == ETIMEDOUT) break;
  pthread_mutex_unlock(&s->lock);
}

/* The stream broke (@p why): reconnect or fail for good. */
static vp_status reconnect(vp_source *s, const char *why) {
  int64_t gap_start = vp_time_ns();
  emit(s, VP_SOURCE_EVENT_DISCONNECTED, gap_start, 0, 0, why);
  close_input(s);
  int64_t delay = s->opt.reconnect_initial_ms;
  for (int attempt = 1;; attempt++) {
    if (atomic_load(&s->interrupted)) return vp__error(VP_ECANCELED, "input '%s': interrupted", s->url_in);
    if (s->opt.reconnect_attempts > 0 && attempt > s->opt.reconnect_attempts) {
      emit(s, VP_SOURCE_EVENT_GAVE_UP, gap_start, attempt - 1, 0, why);
      return vp__error(VP_EIO, "input '%s': lost (%s); gave up after %d reconnection attempts over %.1f s",
                       s->url_in, why, attempt - 1, (double)(vp_time_ns() - gap_start) / 1e9);
    }
    vp_status st = open_input(s, false);
    if (st == VP_OK) {
      emit(s, VP_SOURCE_EVENT_RECONNECTED, gap_start, attempt, 0, why);
      stats_add(s, &s->stats.reconnects, 1);
      s->rebase = true;
      s->gap_wall_ns = vp_time_ns() - gap_start;
      s->draining = false;
      s->drain_errors = 0;
      return VP_OK;
    }
    if (st == VP_ECANCELED) return st;
    emit(s, VP_SOURCE_EVENT_RETRY, gap_start, attempt, delay, vp_last_error());
    backoff_sleep(s, delay);
    delay = delay * 2 > s->opt.reconnect_max_ms ? s->opt.reconnect_max_ms : delay * 2;
  }
}

/* ---- reading ------------------------------------------------------------ */

static vp_status fail_sticky(vp_source *s, vp_status st) {
  s->sticky = st;
  snprintf(s->sticky_msg, sizeof s->sticky_msg, "%s", vp_last_error());
  return st;
}

static void queue_audio(vp_source *s, AVPacket *pkt) {
  pthread_mutex_lock(&s->audio_lock);
  if (s->audio_attached) {
    AVPacket *p = av_packet_alloc();
    if (p && av_packet_ref(p, pkt) == 0) {
      if (s->audio_offset_ns) {
        int64_t off = av_rescale_q(s->audio_offset_ns, (AVRational){1, 1000000000}, s->atb);
        if (p->pts != AV_NOPTS_VALUE) p->pts += off;
        if (p->dts != AV_NOPTS_VALUE) p->dts += off;
      }
      if (s->aq_count == AUDIO_QUEUE_MAX) { /* a sink that stopped pulling: drop the oldest */
        av_packet_free(&s->aq[s->aq_head]);
        s->aq_head = (s->aq_head + 1) % AUDIO_QUEUE_MAX;
        s->aq_count--;
        s->audio_dropped++;
      }
      s->aq[(s->aq_head + s->aq_count) % AUDIO_QUEUE_MAX] = p;
      s->aq_count++;
    } else {
      av_packet_free(&p);
    }
  }
  pthread_mutex_unlock(&s->audio_lock);
  stats_add(s, &s->stats.audio_packets, 1);
}

/* True when every plane of @p av can be over-read by VP_FRAME_PADDING bytes
 * past its last row (libavcodec's default buffers can; some decoders' cannot),
 * so it can be handed out without copying. */
static bool has_padding(const AVFrame *av, vp_pixfmt fmt) {
  const vp__pixfmt_desc *d = vp__pixfmt_desc_get(fmt);
  for (int p = 0; p < d->planes; p++) {
    if (av->linesize[p] <= 0) return false;
    AVBufferRef *buf = av_frame_get_plane_buffer((AVFrame *)av, p);
    if (!buf) return false;
    int32_t pw, ph;
    vp__plane_size(fmt, p, av->width, av->height, &pw, &ph);
    const uint8_t *end = av->data[p] + (size_t)(ph - 1) * av->linesize[p] + (size_t)pw * d->bytes_per_pixel[p];
    if (av->data[p] < buf->data || end + VP_FRAME_PADDING > buf->data + buf->size) return false;
  }
  return true;
}

/* Wrap or convert the decoded s->frame into a vp_frame. */
static vp_status deliver(vp_source *s, vp_frame **out) {
  AVFrame *av = s->frame;
  /* Timestamps first: the AVFrame may be moved into the frame below. */
  int64_t pts_ns = INT64_MIN;
  if (s->info.kind == VP_SOURCE_IMAGE) {
    pts_ns = 0;
  } else if (av->best_effort_timestamp != AV_NOPTS_VALUE) {
    AVRational tb = s->fmt->streams[s->vstream]->time_base;
    pts_ns = av_rescale_q(av->best_effort_timestamp, tb, (AVRational){1, 1000000000});
    if (s->rebase) {
      /* After a reconnection continue from the last pts plus the wall-clock gap. */
      int64_t target = s->last_pts_ns == INT64_MIN ? pts_ns : s->last_pts_ns + s->gap_wall_ns;
      s->pts_offset_ns = target - pts_ns;
      pthread_mutex_lock(&s->audio_lock);
      s->audio_offset_ns = s->pts_offset_ns;
      pthread_mutex_unlock(&s->audio_lock);
      s->rebase = false;
    }
    pts_ns += s->pts_offset_ns;
  }
  uint32_t flags = av->key_frame ? VP_FRAME_FLAG_KEY : 0;
  const int color_space = av->colorspace, color_range = av->color_range;
  vp_pixfmt nat = vp__pixfmt_from_av((enum AVPixelFormat)av->format);
  vp_pixfmt want = s->opt.pixfmt != VP_PIXFMT_NONE ? s->opt.pixfmt : (nat != VP_PIXFMT_NONE ? nat : VP_PIXFMT_RGB24);
  vp_frame *f = NULL;
  vp_status st;
  /* Zero copy only when nobody else holds the buffers: a reference frame the
   * decoder keeps must not be drawn on, so those are copied (vp_frame_is_writable
   * then stays true to its word). */
  bool exclusive = av_frame_is_writable(av);
  if (want == nat && has_padding(av, nat) && (exclusive || s->opt.shared_buffers)) {
    if ((st = vp_frame_pool_get(s->shells, &f))) return st;
    AVFrame *keep = cache_get(s->avframes);
    if (!keep) {
      vp_frame_unref(&f);
      return vp__error(VP_ENOMEM, "source: out of memory");
    }
    av_frame_move_ref(keep, av);
    keep->opaque = s->avframes;
    f->width = keep->width;
    f->height = keep->height;
    f->format = nat;
    for (int p = 0; p < vp_pixfmt_planes(nat); p++) {
      f->data[p] = keep->data[p];
      f->linesize[p] = keep->linesize[p];
    }
    vp__frame_set_release(f, release_avframe, keep);
    if (!exclusive) vp__frame_set_readonly(f);
  } else {
    if (!s->conv || s->conv_w != av->width || s->conv_h != av->height || s->conv_fmt != want) {
      if (s->conv) {
        vp_frame_pool_stats ps;
        vp_frame_pool_stats_get(s->conv, &ps);
        stats_add(s, &s->conv_allocations, ps.allocations);
      }
      vp_frame_pool_options po = vp_frame_pool_options_default();
      po.width = av->width;
      po.height = av->height;
      po.format = want;
      po.capacity = s->opt.pool_capacity;
      po.blocking = true;
      vp_frame_pool *np = NULL;
      if ((st = vp_frame_pool_create(&po, &np))) return st;
      /* Swap under s->lock: vp_source_interrupt() cancels s->conv from another thread. */
      pthread_mutex_lock(&s->lock);
      vp_frame_pool *old = s->conv;
      s->conv = np;
      if (atomic_load(&s->interrupted)) vp_frame_pool_cancel(np);
      pthread_mutex_unlock(&s->lock);
      vp_frame_pool_destroy(old); /* frames still out stay valid */
      s->conv_w = av->width;
      s->conv_h = av->height;
      s->conv_fmt = want;
    }
    if ((st = vp_frame_pool_get(s->conv, &f))) return st;
    if (want == nat) {
      const uint8_t *sd[4] = {av->data[0], av->data[1], av->data[2], av->data[3]};
      int sl[4] = {av->linesize[0], av->linesize[1], av->linesize[2], av->linesize[3]};
      int dl[4] = {f->linesize[0], f->linesize[1], f->linesize[2], f->linesize[3]};
      av_image_copy(f->data, dl, sd, sl, (enum AVPixelFormat)av->format, av->width, av->height);
    } else if ((st = vp__frame_from_avframe(av, want, f))) {
      vp_frame_unref(&f);
      return st;
    }
    av_frame_unref(av);
  }
  /* Converted frames are RGB (or the asked format, limited range); native ones
   * keep the stream's matrix and range for later conversions. */
  if (want == nat) vp__frame_set_color(f, color_space, color_range);
  f->seq = s->seq++;
  f->capture_ns = vp_time_ns();
  f->deadline_ns = INT64_MAX;
  f->flags = flags;
  f->pts_ns = pts_ns;
  if (pts_ns != INT64_MIN) s->last_pts_ns = pts_ns;
  *out = f;
  return VP_OK;
}

static bool frame_is_corrupt(const AVFrame *f) {
  return (f->flags & AV_FRAME_FLAG_CORRUPT) || f->decode_error_flags != 0;
}

/* The end of the input (or of what could be read): decide EOF vs damage. */
static vp_status finish(vp_source *s) {
  char eb[128];
  vp_source_stats st;
  vp_source_stats_get(s, &st);
  int64_t expected = -1;
  if (s->info.kind == VP_SOURCE_FILE && s->fmt && s->vstream >= 0 && s->fmt->streams[s->vstream]->nb_frames > 0)
    expected = s->fmt->streams[s->vstream]->nb_frames;
  if (s->read_error) {
    return fail_sticky(s, vp__error(VP_EFORMAT, "input '%s': read error after %lld frames: %s%s%s", s->url_in,
                                    (long long)s->seq, vp__averr(s->read_error, eb, sizeof eb),
                                    s->damage[0] ? "; " : "", s->damage));
  }
  char expect_txt[64] = "";
  if (s->info.frame_count > 0)
    snprintf(expect_txt, sizeof expect_txt, " of about %lld", (long long)s->info.frame_count);
  if (st.decode_errors || st.corrupt_frames) {
    return fail_sticky(s, vp__error(VP_EFORMAT,
                                    "input '%s' is damaged: %lld packet(s) failed to decode, %lld corrupt "
                                    "frame(s) dropped, %lld good frames delivered%s%s%s",
                                    s->url_in, (long long)st.decode_errors, (long long)st.corrupt_frames,
                                    (long long)s->seq, expect_txt, s->damage[0] ? "; first error: " : "", s->damage));
  }
  int ff_errors = atomic_load(&s->ffmpeg_errors);
  if (ff_errors > 0 && (s->info.kind == VP_SOURCE_FILE || s->info.kind == VP_SOURCE_IMAGE_SEQUENCE)) {
    char first[160];
    pthread_mutex_lock(&registry_lock);
    snprintf(first, sizeof first, "%s", s->first_ffmpeg_error);
    pthread_mutex_unlock(&registry_lock);
    return fail_sticky(s, vp__error(VP_EFORMAT,
                                    "input '%s' is damaged: FFmpeg reported %d error(s) (first: %s); %lld good "
                                    "frames delivered%s",
                                    s->url_in, ff_errors, first, (long long)s->seq, expect_txt));
  }
  if (expected > 0 && s->frames_decoded < expected && !s->ever_discarded) {
    return fail_sticky(s, vp__error(VP_EFORMAT, "input '%s' is truncated: %lld of %lld frames decoded", s->url_in,
                                    (long long)s->frames_decoded, (long long)expected));
  }
  /* A container that states its duration (Matroska, MP4, ...) but whose frames
   * stop well before it: the file was cut. */
  if (s->info.kind == VP_SOURCE_FILE && s->fmt && s->fmt->duration_estimation_method == AVFMT_DURATION_FROM_STREAM &&
      s->info.duration_ns > 0 && s->last_pts_ns != INT64_MIN && s->info.fps > 0 && !s->ever_discarded) {
    AVStream *vs = s->fmt->streams[s->vstream];
    int64_t start = vs->start_time != AV_NOPTS_VALUE ? av_rescale_q(vs->start_time, vs->time_base, (AVRational){1, 1000000000})
                                                     : 0;
    int64_t frame_ns = (int64_t)(1e9 / s->info.fps);
    int64_t covered = s->last_pts_ns - start + frame_ns;
    if (covered + 3 * frame_ns < s->info.duration_ns && covered < s->info.duration_ns * 0.95)
      return fail_sticky(s, vp__error(VP_EFORMAT,
                                      "input '%s' is truncated: frames end at %.3f s of its %.3f s "
                                      "(%lld frames delivered)",
                                      s->url_in, (double)covered / 1e9, (double)s->info.duration_ns / 1e9,
                                      (long long)s->seq));
  }
  vp__error(VP_EOF, "input '%s': end of stream after %lld frames", s->url_in, (long long)s->seq);
  return fail_sticky(s, VP_EOF);
}

vp_status vp_source_read(vp_source *s, vp_frame **out) {
  char eb[128];
  if (!s || !out) return vp__error(VP_EINVAL, "vp_source_read: NULL argument");
  for (;;) {
    if (atomic_load(&s->interrupted)) return vp__error(VP_ECANCELED, "input '%s': interrupted", s->url_in);
    if (s->sticky) return vp__error(s->sticky, "%s", s->sticky_msg);
    int r = s->dec ? avcodec_receive_frame(s->dec, s->frame) : AVERROR_EOF;
    if (r == 0) {
      s->frames_decoded++;
      stats_add(s, &s->stats.frames, 1);
      if (frame_is_corrupt(s->frame)) {
        stats_add(s, &s->stats.corrupt_frames, 1);
        if (!s->damage[0])
          snprintf(s->damage, sizeof s->damage, "corrupt frame after frame %lld", (long long)s->seq - 1);
        av_frame_unref(s->frame);
        continue;
      }
      vp_status st = deliver(s, out);
      av_frame_unref(s->frame);
      if (st == VP_ECANCELED) return st;
      if (st) return fail_sticky(s, st);
      return VP_OK;
    }
    if (r == AVERROR_EOF) {
      /* Drained. A live network stream that ends is a disconnection. */
      if (s->info.kind == VP_SOURCE_NETWORK && s->info.is_live && s->opt.reconnect) {
        vp_status st = reconnect(s, s->read_error ? vp__averr(s->read_error, eb, sizeof eb) : "end of stream");
        s->read_error = 0;
        if (st == VP_ECANCELED) return st;
        if (st) return fail_sticky(s, st);
        continue;
      }
      if (s->info.kind == VP_SOURCE_CAMERA && s->read_error)
        return fail_sticky(s, vp__error(VP_EIO, "camera '%s' stopped delivering frames (%s) after %lld frames",
                                        s->url_in, vp__averr(s->read_error, eb, sizeof eb), (long long)s->seq));
      if (s->info.kind == VP_SOURCE_NETWORK && s->read_error)
        return fail_sticky(s, vp__error(VP_EIO, "input '%s': %s after %lld frames", s->url_in,
                                        vp__averr(s->read_error, eb, sizeof eb), (long long)s->seq));
      return finish(s);
    }
    if (r != AVERROR(EAGAIN)) {
      stats_add(s, &s->stats.decode_errors, 1);
      /* A decoder that keeps failing while draining must not spin forever. */
      if (s->draining && ++s->drain_errors > 64) return finish(s);
      if (!s->damage[0])
        snprintf(s->damage, sizeof s->damage, "decoding after frame %lld: %s", (long long)s->seq - 1,
                 vp__averr(r, eb, sizeof eb));
      if (s->draining) continue;
    }
    if (s->draining) return finish(s);
    /* The decoder wants input. */
    arm_deadline(s);
    r = av_read_frame(s->fmt, s->pkt);
    if (r < 0) {
      if (atomic_load(&s->interrupted)) return vp__error(VP_ECANCELED, "input '%s': interrupted", s->url_in);
      if (r != AVERROR_EOF) s->read_error = r;
      else if (s->fmt->pb && s->fmt->pb->error < 0 && s->fmt->pb->error != AVERROR_EOF) s->read_error = s->fmt->pb->error;
      if (r == AVERROR_EXIT) s->read_error = AVERROR(ETIMEDOUT);
      avcodec_send_packet(s->dec, NULL);
      s->draining = true;
      continue;
    }
    stats_add(s, &s->stats.packets, 1);
    if (s->pkt->stream_index == s->astream) {
      queue_audio(s, s->pkt);
      av_packet_unref(s->pkt);
      continue;
    }
    if (s->pkt->stream_index != s->vstream) {
      av_packet_unref(s->pkt);
      continue;
    }
    int d = atomic_load(&s->discard);
    enum AVDiscard want = d == VP_DISCARD_NONREF ? AVDISCARD_NONREF : d == VP_DISCARD_NONKEY ? AVDISCARD_NONKEY
                                                                                            : AVDISCARD_DEFAULT;
    s->dec->skip_frame = want;
    if (want != AVDISCARD_DEFAULT) s->ever_discarded = true;
    if (want == AVDISCARD_NONKEY && !(s->pkt->flags & AV_PKT_FLAG_KEY)) {
      stats_add(s, &s->stats.discarded_packets, 1);
      av_packet_unref(s->pkt);
      continue;
    }
    r = avcodec_send_packet(s->dec, s->pkt);
    av_packet_unref(s->pkt);
    if (r < 0 && r != AVERROR(EAGAIN)) {
      stats_add(s, &s->stats.decode_errors, 1);
      if (!s->damage[0])
        snprintf(s->damage, sizeof s->damage, "packet after frame %lld: %s", (long long)s->seq - 1,
                 vp__averr(r, eb, sizeof eb));
    }
  }
}

/* ---- private hand-over to sinks -------------------------------------------- */

const AVCodecParameters *vp__source_audio_params(const vp_source *s, AVRational *time_base) {
  if (!s || !s->apar) return NULL;
  if (time_base) *time_base = s->atb;
  return s->apar;
}

void vp__source_video_timing(const vp_source *s, AVRational *time_base, AVRational *frame_rate) {
  *time_base = (AVRational){s->info.time_base_num, s->info.time_base_den};
  *frame_rate = (AVRational){s->info.fps_num, s->info.fps_den > 0 ? s->info.fps_den : 1};
}

void vp__source_audio_attach(vp_source *s, bool on) {
  pthread_mutex_lock(&s->audio_lock);
  s->audio_attached = on && s->opt.keep_audio && s->apar;
  if (!s->audio_attached) {
    for (int i = 0; i < s->aq_count; i++) av_packet_free(&s->aq[(s->aq_head + i) % AUDIO_QUEUE_MAX]);
    s->aq_head = s->aq_count = 0;
  }
  pthread_mutex_unlock(&s->audio_lock);
}

AVPacket *vp__source_audio_pop(vp_source *s, int64_t upto_ns) {
  AVPacket *p = NULL;
  pthread_mutex_lock(&s->audio_lock);
  if (s->aq_count) {
    AVPacket *head = s->aq[s->aq_head];
    int64_t t = head->pts != AV_NOPTS_VALUE ? head->pts : head->dts;
    int64_t t_ns = t == AV_NOPTS_VALUE ? INT64_MIN : av_rescale_q(t, s->atb, (AVRational){1, 1000000000});
    if (upto_ns == INT64_MAX || t_ns <= upto_ns) {
      p = head;
      s->aq[s->aq_head] = NULL;
      s->aq_head = (s->aq_head + 1) % AUDIO_QUEUE_MAX;
      s->aq_count--;
    }
  }
  pthread_mutex_unlock(&s->audio_lock);
  return p;
}
