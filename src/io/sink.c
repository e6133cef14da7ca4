/*
 * Video and image outputs with libavcodec/libavformat (layer: io).
 *
 * DESIGN: one thread uses a sink. The output file is opened in
 * vp_video_sink_open (so an unwritable path fails early); the encoder and the
 * container header wait for the first frame, whose geometry they take. With a
 * source attached, the video keeps the source's time base (so timestamps pass
 * through exactly) and frame rate, and the source's audio packets are muxed
 * untouched: before each video packet the sink takes the queued audio packets
 * up to that time, and all the rest at close. libavformat's interleaving
 * orders them in the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "core/error.h"
#include "image/convert_priv.h"
#include "image/ffmpeg_init.h"
#include "image/frame_priv.h"
#include "io/io_priv.h"

struct vp_video_sink {
  vp_video_sink_options opt;
  char *url, *format, *codec, *preset;
  bool image_mode;
  bool live;
  const AVOutputFormat *ofmt;
  AVFormatContext *oc;
  AVCodecContext *enc;
  AVStream *vst, *ast;
  AVFrame *ef;
  AVPacket *pkt;
  vp_source *src;
  AVRational src_atb;
  bool header_written;
  bool created_file;
  int64_t frames;
  int64_t last_pts;
  int64_t last_video_ns;
  vp_status error;
  char error_msg[512];
  int64_t deadline_ns; /* network outputs: blocking FFmpeg calls give up after it */
};

static int sink_interrupt(void *opaque) {
  vp_video_sink *k = opaque;
  return k->deadline_ns && vp_time_ns() > k->deadline_ns;
}

static void arm(vp_video_sink *k) {
  if (k->live) k->deadline_ns = vp_time_ns() + (int64_t)k->opt.io_timeout_ms * 1000000;
}

static vp_status sink_fail(vp_video_sink *k, vp_status st) {
  if (!k->error) {
    k->error = st;
    snprintf(k->error_msg, sizeof k->error_msg, "%s", vp_last_error());
  }
  return st;
}

vp_video_sink_options vp_video_sink_options_default(void) {
  vp_video_sink_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.copy_audio = true;
  o.fps_num = 30;
  o.fps_den = 1;
  o.crf = 20;
  o.io_timeout_ms = 5000;
  return o;
}

static const char *ext_of(const char *url) {
  const char *slash = strrchr(url, '/'), *dot = strrchr(url, '.');
  return dot && (!slash || dot > slash) ? dot + 1 : "";
}

static bool is_image_ext(const char *e) {
  static const char *exts[] = {"png", "jpg", "jpeg", "bmp", "ppm", "pgm", NULL};
  for (int i = 0; exts[i]; i++)
    if (strcasecmp(e, exts[i]) == 0) return true;
  return false;
}

static bool scheme_is(const char *url, const char *scheme) {
  size_t n = strlen(scheme);
  return strncasecmp(url, scheme, n) == 0 && url[n] == ':';
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

vp_status vp_video_sink_open(const char *url, const vp_video_sink_options *options, vp_video_sink **out) {
  vp__ffmpeg_init();
  if (!url || !*url || !out) return vp__error(VP_EINVAL, "vp_video_sink_open: no output given");
  vp_video_sink_options o = options ? *options : vp_video_sink_options_default();
  if (o.fps_num <= 0 || o.fps_den <= 0) o.fps_num = 30, o.fps_den = 1;
  if (o.io_timeout_ms <= 0) o.io_timeout_ms = 5000;
  vp_video_sink *k = calloc(1, sizeof *k);
  if (!k) return vp__error(VP_ENOMEM, "sink: out of memory");
  k->opt = o;
  k->url = strdup(url);
  k->format = dup_or_null(o.format);
  k->codec = dup_or_null(o.codec);
  k->preset = dup_or_null(o.preset);
  k->src = o.source;
  k->last_pts = INT64_MIN;
  k->last_video_ns = INT64_MIN;
  k->opt.format = k->opt.codec = k->opt.preset = NULL;
  vp_status st = VP_OK;
  char eb[128];
  if (!k->url || (o.format && !k->format) || (o.codec && !k->codec) || (o.preset && !k->preset)) {
    st = vp__error(VP_ENOMEM, "sink: out of memory");
    goto fail;
  }
  const char *ext = ext_of(url);
  bool network = strstr(url, "://") && !scheme_is(url, "file");
  k->image_mode = !network && (k->format ? strcmp(k->format, "image2") == 0 : is_image_ext(ext));
  k->live = network;
  const char *fname = k->format;
  if (!fname) {
    if (k->image_mode) fname = "image2";
    else if (scheme_is(url, "rtsp")) fname = "rtsp";
    else if (scheme_is(url, "rtmp") || scheme_is(url, "rtmps")) fname = "flv";
    else if (scheme_is(url, "udp") || scheme_is(url, "srt") || scheme_is(url, "tcp") || scheme_is(url, "rtp"))
      fname = scheme_is(url, "rtp") ? "rtp" : "mpegts";
  }
  if (fname) {
    k->ofmt = av_guess_format(fname, NULL, NULL);
    if (!k->ofmt) {
      st = vp__error(VP_EUNSUPPORTED, "output '%s': FFmpeg has no muxer '%s'", url, fname);
      goto fail;
    }
  } else {
    k->ofmt = av_guess_format(NULL, url, NULL);
    if (!k->ofmt) {
      st = vp__error(VP_EINVAL, "output '%s': cannot tell the container from the name (use .mp4, .mkv, ... or set the format)",
                     url);
      goto fail;
    }
  }
  int r = avformat_alloc_output_context2(&k->oc, k->ofmt, NULL, url);
  if (r < 0 || !k->oc) {
    st = vp__error(VP_ENOMEM, "output '%s': %s", url, vp__averr(r, eb, sizeof eb));
    goto fail;
  }
  k->oc->interrupt_callback.callback = sink_interrupt;
  k->oc->interrupt_callback.opaque = k;
  if (!(k->ofmt->flags & AVFMT_NOFILE)) {
    arm(k);
    r = avio_open2(&k->oc->pb, url, AVIO_FLAG_WRITE, &k->oc->interrupt_callback, NULL);
    if (r < 0) {
      st = vp__error(VP_EIO, "cannot write output '%s': %s", url, vp__averr(r, eb, sizeof eb));
      goto fail;
    }
    k->created_file = !network;
  } else if (!network) {
    /* image2 opens its files itself: check now that the path is writable. */
    FILE *fp = fopen(url, "wb");
    if (!fp) {
      st = vp__error(VP_EIO, "cannot write output '%s': %s", url, strerror(errno));
      goto fail;
    }
    fclose(fp);
    k->created_file = true;
  }
  /* Attach now so that no audio packet read before the first frame is lost. */
  if (k->src && k->opt.copy_audio && !k->image_mode && vp__source_audio_params(k->src, NULL))
    vp__source_audio_attach(k->src, true);
  k->pkt = av_packet_alloc();
  if (!k->pkt) {
    st = vp__error(VP_ENOMEM, "sink: out of memory");
    goto fail;
  }
  *out = k;
  return VP_OK;
fail:
  if (k->src) vp__source_audio_attach(k->src, false);
  if (k->oc) {
    avio_closep(&k->oc->pb);
    avformat_free_context(k->oc);
  }
  free(k->url);
  free(k->format);
  free(k->codec);
  free(k->preset);
  free(k);
  return st;
}

static const AVCodec *pick_encoder(vp_video_sink *k) {
  if (k->codec) return avcodec_find_encoder_by_name(k->codec);
  if (k->image_mode) {
    const char *e = ext_of(k->url);
    enum AVCodecID id = strcasecmp(e, "png") == 0                                   ? AV_CODEC_ID_PNG
                        : (strcasecmp(e, "jpg") == 0 || strcasecmp(e, "jpeg") == 0) ? AV_CODEC_ID_MJPEG
                        : strcasecmp(e, "bmp") == 0                                 ? AV_CODEC_ID_BMP
                        : strcasecmp(e, "pgm") == 0                                 ? AV_CODEC_ID_PGM
                                                                                    : AV_CODEC_ID_PPM;
    return avcodec_find_encoder(id);
  }
  const AVCodec *c = avcodec_find_encoder_by_name("libx264");
  if (c && avformat_query_codec(k->ofmt, AV_CODEC_ID_H264, FF_COMPLIANCE_NORMAL) == 1) return c;
  if (k->ofmt->video_codec != AV_CODEC_ID_NONE && k->ofmt->video_codec != AV_CODEC_ID_H264) {
    c = avcodec_find_encoder(k->ofmt->video_codec);
    if (c) return c;
  }
  return avcodec_find_encoder(AV_CODEC_ID_MPEG4);
}

static enum AVPixelFormat pick_pixfmt(const AVCodec *c, enum AVPixelFormat want) {
  if (!c->pix_fmts) return want != AV_PIX_FMT_NONE ? want : AV_PIX_FMT_YUV420P;
  for (const enum AVPixelFormat *p = c->pix_fmts; *p != AV_PIX_FMT_NONE; p++)
    if (*p == want) return want;
  if (c->id == AV_CODEC_ID_PNG || c->id == AV_CODEC_ID_PPM)
    for (const enum AVPixelFormat *p = c->pix_fmts; *p != AV_PIX_FMT_NONE; p++)
      if (*p == AV_PIX_FMT_RGB24) return *p;
  return c->pix_fmts[0];
}

/* Start the encoder and write the header for frames like @p f. */
static vp_status start(vp_video_sink *k, const vp_frame *f) {
  char eb[128];
  const AVCodec *codec = pick_encoder(k);
  if (!codec)
    return vp__error(VP_EUNSUPPORTED, "output '%s': encoder '%s' not available", k->url, k->codec ? k->codec : "default");
  k->enc = avcodec_alloc_context3(codec);
  if (!k->enc) return vp__error(VP_ENOMEM, "sink: out of memory");
  AVCodecContext *e = k->enc;
  e->width = f->width;
  e->height = f->height;
  e->pix_fmt = pick_pixfmt(codec, vp__pixfmt_to_av(f->format));
  /* Subsampled chroma needs even sizes (libx264 refuses odd ones): round up,
   * the frames are then scaled by at most one pixel. */
  const AVPixFmtDescriptor *pd = av_pix_fmt_desc_get(e->pix_fmt);
  if (pd && pd->log2_chroma_w && (e->width & 1)) e->width++;
  if (pd && pd->log2_chroma_h && (e->height & 1)) e->height++;
  if (e->width != f->width || e->height != f->height)
    VP_LOGI("io", "output '%s': %dx%d frames are encoded as %dx%d (%s needs even sizes)", k->url, f->width,
            f->height, e->width, e->height, av_get_pix_fmt_name(e->pix_fmt));
  e->sample_aspect_ratio = (AVRational){1, 1};
  AVRational fr = {k->opt.fps_num, k->opt.fps_den}, tb = {k->opt.fps_den, k->opt.fps_num};
  if (k->src) {
    AVRational stb, sfr;
    vp__source_video_timing(k->src, &stb, &sfr);
    if (sfr.num > 0 && sfr.den > 0) fr = sfr;
    if (stb.num > 0 && stb.den > 0) tb = stb;
    else tb = av_inv_q(fr);
  }
  /* AVI stores a frame rate, not timestamps: code in frame units. */
  if (strcmp(k->oc->oformat->name, "avi") == 0 || (k->oc->oformat->flags & AVFMT_NOTIMESTAMPS)) tb = av_inv_q(fr);
  /* MPEG-4 part 2 cannot code time bases finer than 1/65535. */
  if (codec->id == AV_CODEC_ID_MPEG4 && tb.den > 65535) tb = (AVRational){1, 1000};
  e->time_base = tb;
  e->framerate = fr;
  e->thread_count = vp__codec_threads(k->opt.threads);
  if (k->oc->oformat->flags & AVFMT_GLOBALHEADER) e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary *eo = NULL;
  if (strcmp(codec->name, "libx264") == 0) {
    av_dict_set(&eo, "preset", k->preset ? k->preset : (k->live ? "ultrafast" : "veryfast"), 0);
    av_dict_set_int(&eo, "crf", k->opt.crf > 0 ? k->opt.crf : 20, 0);
    if (k->live) av_dict_set(&eo, "tune", "zerolatency", 0);
  } else if (k->opt.bit_rate > 0) {
    e->bit_rate = k->opt.bit_rate;
  } else if (codec->id == AV_CODEC_ID_MJPEG || codec->id == AV_CODEC_ID_MPEG4) {
    e->flags |= AV_CODEC_FLAG_QSCALE;
    e->global_quality = FF_QP2LAMBDA * 3;
  }
  if (codec->id == AV_CODEC_ID_MJPEG) e->color_range = AVCOL_RANGE_JPEG;
  int r = avcodec_open2(e, codec, &eo);
  av_dict_free(&eo);
  if (r < 0)
    return vp__error(VP_EUNSUPPORTED, "output '%s': cannot open encoder %s for %dx%d %s: %s", k->url, codec->name,
                     f->width, f->height, av_get_pix_fmt_name(e->pix_fmt), vp__averr(r, eb, sizeof eb));
  k->vst = avformat_new_stream(k->oc, NULL);
  if (!k->vst) return vp__error(VP_ENOMEM, "sink: out of memory");
  avcodec_parameters_from_context(k->vst->codecpar, e);
  k->vst->time_base = e->time_base;
  k->vst->avg_frame_rate = fr;
  k->vst->r_frame_rate = fr;

  AVRational atb;
  const AVCodecParameters *ap = k->src && k->opt.copy_audio && !k->image_mode ? vp__source_audio_params(k->src, &atb) : NULL;
  if (ap) {
    int q = avformat_query_codec(k->oc->oformat, ap->codec_id, FF_COMPLIANCE_NORMAL);
    if (q == 0) {
      VP_LOGW("io", "output '%s': the %s container cannot hold %s audio; audio is left out", k->url,
              k->oc->oformat->name, avcodec_get_name(ap->codec_id));
    } else {
      k->ast = avformat_new_stream(k->oc, NULL);
      if (!k->ast || avcodec_parameters_copy(k->ast->codecpar, ap) < 0)
        return vp__error(VP_ENOMEM, "sink: out of memory");
      k->ast->codecpar->codec_tag = 0;
      k->ast->time_base = atb;
      k->src_atb = atb;
    }
  }
  AVDictionary *mo = NULL;
  if (k->image_mode) av_dict_set(&mo, "update", "1", 0);
  if (strcmp(k->oc->oformat->name, "rtsp") == 0) av_dict_set(&mo, "rtsp_transport", "tcp", 0);
  arm(k);
  r = avformat_write_header(k->oc, &mo);
  av_dict_free(&mo);
  if (r < 0)
    return vp__error(VP_EIO, "output '%s': cannot start the %s container: %s", k->url, k->oc->oformat->name,
                     vp__averr(r, eb, sizeof eb));
  k->header_written = true;
  k->ef = av_frame_alloc();
  if (!k->ef) return vp__error(VP_ENOMEM, "sink: out of memory");
  k->ef->format = e->pix_fmt;
  k->ef->width = e->width;
  k->ef->height = e->height;
  if (codec->id == AV_CODEC_ID_MJPEG) k->ef->color_range = AVCOL_RANGE_JPEG;
  r = av_frame_get_buffer(k->ef, 0);
  if (r < 0) return vp__error(VP_ENOMEM, "sink: out of memory for the encoder frame");
  return VP_OK;
}

/* Mux the source's audio packets up to @p upto_ns. */
static vp_status mux_audio(vp_video_sink *k, int64_t upto_ns) {
  if (!k->ast) return VP_OK;
  char eb[128];
  AVPacket *p;
  while ((p = vp__source_audio_pop(k->src, upto_ns))) {
    p->stream_index = k->ast->index;
    av_packet_rescale_ts(p, k->src_atb, k->ast->time_base);
    p->pos = -1;
    arm(k);
    int r = av_interleaved_write_frame(k->oc, p);
    av_packet_free(&p);
    if (r < 0) return vp__error(VP_EIO, "output '%s': writing audio: %s", k->url, vp__averr(r, eb, sizeof eb));
  }
  return VP_OK;
}

static vp_status drain(vp_video_sink *k) {
  char eb[128];
  for (;;) {
    int r = avcodec_receive_packet(k->enc, k->pkt);
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return VP_OK;
    if (r < 0) return vp__error(VP_EIO, "output '%s': encoding failed: %s", k->url, vp__averr(r, eb, sizeof eb));
    av_packet_rescale_ts(k->pkt, k->enc->time_base, k->vst->time_base);
    k->pkt->stream_index = k->vst->index;
    int64_t t = k->pkt->dts != AV_NOPTS_VALUE ? k->pkt->dts : k->pkt->pts;
    vp_status st = mux_audio(k, t == AV_NOPTS_VALUE ? INT64_MIN
                                                    : av_rescale_q(t, k->vst->time_base, (AVRational){1, 1000000000}));
    if (st) {
      av_packet_unref(k->pkt);
      return st;
    }
    arm(k);
    r = av_interleaved_write_frame(k->oc, k->pkt);
    av_packet_unref(k->pkt);
    if (r < 0) return vp__error(VP_EIO, "output '%s': writing video: %s", k->url, vp__averr(r, eb, sizeof eb));
  }
}

vp_status vp_video_sink_write(vp_video_sink *k, const vp_frame *f) {
  char eb[128];
  if (!k || !f) return vp__error(VP_EINVAL, "vp_video_sink_write: NULL argument");
  if (k->error) return vp__error(k->error, "%s", k->error_msg);
  if (!vp__pixfmt_desc_get(f->format) || f->width <= 0 || f->height <= 0)
    return vp__error(VP_EINVAL, "output '%s': bad frame (%dx%d %s)", k->url, f->width, f->height,
                     vp_pixfmt_name(f->format));
  vp_status st;
  if (!k->enc && (st = start(k, f))) return sink_fail(k, st);
  int r = av_frame_make_writable(k->ef);
  if (r < 0) return sink_fail(k, vp__error(VP_ENOMEM, "sink: out of memory"));
  /* Into the encoder's format and size. */
  enum AVPixelFormat sf = vp__pixfmt_to_av(f->format);
  int space, range;
  vp__frame_get_color(f, &space, &range);
  int full = f->format == VP_PIXFMT_YUVJ420P || range == AVCOL_RANGE_JPEG;
  if (space == AVCOL_SPC_UNSPECIFIED || space == 0) space = SWS_CS_DEFAULT;
  if (sf == k->enc->pix_fmt && f->width == k->enc->width && f->height == k->enc->height) {
    const uint8_t *sd[4] = {f->data[0], f->data[1], f->data[2], f->data[3]};
    int sl[4] = {f->linesize[0], f->linesize[1], f->linesize[2], f->linesize[3]};
    av_image_copy(k->ef->data, k->ef->linesize, sd, sl, sf, f->width, f->height);
  } else {
    struct SwsContext *ctx = vp__sws_get(f->width, f->height, sf, full, space, k->enc->width,
                                         k->enc->height, k->enc->pix_fmt);
    if (!ctx)
      return sink_fail(k, vp__error(VP_EUNSUPPORTED, "output '%s': cannot convert %s to %s", k->url,
                                    vp_pixfmt_name(f->format), av_get_pix_fmt_name(k->enc->pix_fmt)));
    const uint8_t *sd[4] = {f->data[0], f->data[1], f->data[2], f->data[3]};
    int sl[4] = {f->linesize[0], f->linesize[1], f->linesize[2], f->linesize[3]};
    sws_scale(ctx, sd, sl, 0, f->height, k->ef->data, k->ef->linesize);
  }
  /* Timestamps: the frame's pts in the encoder's time base, strictly increasing. */
  int64_t pts;
  if (f->pts_ns != INT64_MIN) {
    pts = av_rescale_q(f->pts_ns, (AVRational){1, 1000000000}, k->enc->time_base);
  } else {
    pts = k->last_pts == INT64_MIN ? 0 : k->last_pts + av_rescale_q(1, av_inv_q(k->enc->framerate), k->enc->time_base);
  }
  if (k->last_pts != INT64_MIN && pts <= k->last_pts) {
    if (k->frames < 3 || pts < k->last_pts)
      VP_LOGD("io", "output '%s': frame %lld pts %lld not after %lld; nudged", k->url, (long long)f->seq,
              (long long)pts, (long long)k->last_pts);
    pts = k->last_pts + 1;
  }
  k->last_pts = pts;
  k->ef->pts = pts;
  k->ef->pict_type = AV_PICTURE_TYPE_NONE;
  r = avcodec_send_frame(k->enc, k->ef);
  if (r < 0) return sink_fail(k, vp__error(VP_EIO, "output '%s': encoder rejected frame %lld: %s", k->url,
                                           (long long)f->seq, vp__averr(r, eb, sizeof eb)));
  k->frames++;
  if ((st = drain(k))) return sink_fail(k, st);
  return VP_OK;
}

vp_status vp_video_sink_close(vp_video_sink *k) {
  if (!k) return VP_OK;
  char eb[128];
  vp_status st = k->error;
  if (k->enc && k->header_written && !k->error) {
    int r = avcodec_send_frame(k->enc, NULL);
    if (r < 0 && r != AVERROR_EOF) st = sink_fail(k, vp__error(VP_EIO, "output '%s': flushing the encoder: %s", k->url,
                                                               vp__averr(r, eb, sizeof eb)));
    if (!st && (st = drain(k))) sink_fail(k, st);
    if (!st && (st = mux_audio(k, INT64_MAX))) sink_fail(k, st);
  }
  if (k->header_written) {
    arm(k);
    int r = av_write_trailer(k->oc);
    if (r < 0 && !st)
      st = sink_fail(k, vp__error(VP_EIO, "output '%s': finishing the container: %s", k->url, vp__averr(r, eb, sizeof eb)));
  }
  if (k->src) vp__source_audio_attach(k->src, false);
  if (k->oc && !(k->oc->oformat->flags & AVFMT_NOFILE)) {
    if (k->oc->pb && k->oc->pb->error < 0 && !st)
      st = sink_fail(k, vp__error(VP_EIO, "output '%s': write error: %s", k->url, vp__averr(k->oc->pb->error, eb, sizeof eb)));
    int r = avio_closep(&k->oc->pb);
    if (r < 0 && !st) st = sink_fail(k, vp__error(VP_EIO, "output '%s': closing: %s", k->url, vp__averr(r, eb, sizeof eb)));
  }
  if (!k->header_written && k->created_file) {
    /* Nothing was written: leave no empty file behind. */
    remove(k->url);
    if (!st) VP_LOGW("io", "output '%s': no frames were written; nothing created", k->url);
  }
  if (st) vp__error(st, "%s", k->error_msg);
  av_frame_free(&k->ef);
  av_packet_free(&k->pkt);
  avcodec_free_context(&k->enc);
  if (k->oc) avformat_free_context(k->oc);
  free(k->url);
  free(k->format);
  free(k->codec);
  free(k->preset);
  free(k);
  return st;
}
