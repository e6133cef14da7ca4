/* Still images: load with FFmpeg into RGB24, write PNG with libpng (layer: image). */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "core/error.h"
#include "image/convert_priv.h"
#include "image/ffmpeg_init.h"
#include "image/frame_priv.h"

static const char *averr(int err, char *buf, size_t n) {
  av_strerror(err, buf, n);
  return buf;
}

vp_status vp_image_load(const char *path, vp_frame **out) {
  if (!path || !out) return vp__error(VP_EINVAL, "vp_image_load: NULL argument");
  vp__ffmpeg_init();
  char eb[128];
  AVFormatContext *fmt = NULL;
  AVCodecContext *dec = NULL;
  AVPacket *pkt = NULL;
  AVFrame *av = NULL;
  vp_frame *f = NULL;
  vp_status st = VP_OK;
  int r = avformat_open_input(&fmt, path, NULL, NULL);
  if (r < 0) {
    vp_status code = r == AVERROR(ENOENT) ? VP_ENOENT : r == AVERROR_INVALIDDATA ? VP_EFORMAT : VP_EIO;
    return vp__error(code, "cannot open image '%s': %s", path, averr(r, eb, sizeof eb));
  }
  if ((r = avformat_find_stream_info(fmt, NULL)) < 0) {
    st = vp__error(VP_EFORMAT, "image '%s': %s", path, averr(r, eb, sizeof eb));
    goto done;
  }
  int si = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  if (si < 0) {
    st = vp__error(VP_EFORMAT, "image '%s': no picture in it", path);
    goto done;
  }
  const AVCodec *codec = avcodec_find_decoder(fmt->streams[si]->codecpar->codec_id);
  if (!codec) {
    st = vp__error(VP_EUNSUPPORTED, "image '%s': no decoder for %s", path,
                   avcodec_get_name(fmt->streams[si]->codecpar->codec_id));
    goto done;
  }
  dec = avcodec_alloc_context3(codec);
  pkt = av_packet_alloc();
  av = av_frame_alloc();
  if (!dec || !pkt || !av) {
    st = vp__error(VP_ENOMEM, "image '%s': out of memory", path);
    goto done;
  }
  avcodec_parameters_to_context(dec, fmt->streams[si]->codecpar);
  dec->thread_count = 1;
  if ((r = avcodec_open2(dec, codec, NULL)) < 0) {
    st = vp__error(VP_EUNSUPPORTED, "image '%s': cannot open %s decoder: %s", path, codec->name,
                   averr(r, eb, sizeof eb));
    goto done;
  }
  bool got = false, flushing = false;
  int last_err = 0;
  while (!got) {
    if (!flushing) {
      r = av_read_frame(fmt, pkt);
      if (r < 0) {
        flushing = true;
        avcodec_send_packet(dec, NULL);
      } else {
        if (pkt->stream_index == si) {
          int sr = avcodec_send_packet(dec, pkt);
          if (sr < 0 && sr != AVERROR(EAGAIN)) last_err = sr;
        }
        av_packet_unref(pkt);
      }
    }
    r = avcodec_receive_frame(dec, av);
    if (r == 0) {
      got = true;
    } else if (r == AVERROR_EOF || (flushing && r == AVERROR(EAGAIN))) {
      break;
    } else if (r != AVERROR(EAGAIN)) {
      last_err = r;
      if (flushing) break;
    }
  }
  if (!got) {
    st = vp__error(VP_EFORMAT, "image '%s': no picture could be decoded%s%s", path,
                   last_err ? ": " : "", last_err ? averr(last_err, eb, sizeof eb) : "");
    goto done;
  }
  if ((st = vp_frame_alloc(av->width, av->height, VP_PIXFMT_RGB24, &f))) goto done;
  if ((st = vp__frame_from_avframe(av, VP_PIXFMT_RGB24, f))) {
    vp_frame_unref(&f);
    goto done;
  }
  f->pts_ns = 0;
  f->seq = 0;
  f->flags = VP_FRAME_FLAG_KEY;
  *out = f;
done:
  av_frame_free(&av);
  av_packet_free(&pkt);
  avcodec_free_context(&dec);
  avformat_close_input(&fmt);
  return st;
}

/* libpng reports errors by longjmp; keep the message for vp__error. */
typedef struct png_err {
  jmp_buf jmp;
  char msg[160];
} png_err;

static void png_on_error(png_structp png, png_const_charp msg) {
  png_err *e = png_get_error_ptr(png);
  snprintf(e->msg, sizeof e->msg, "%s", msg);
  longjmp(e->jmp, 1);
}
static void png_on_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

vp_status vp_image_write_png(const vp_frame *frame, const char *path) {
  if (!frame || !path) return vp__error(VP_EINVAL, "vp_image_write_png: NULL argument");
  int color;
  switch (frame->format) {
    case VP_PIXFMT_RGB24: color = PNG_COLOR_TYPE_RGB; break;
    case VP_PIXFMT_RGBA: color = PNG_COLOR_TYPE_RGB_ALPHA; break;
    case VP_PIXFMT_GRAY8: color = PNG_COLOR_TYPE_GRAY; break;
    case VP_PIXFMT_BGR24: color = PNG_COLOR_TYPE_RGB; break;
    case VP_PIXFMT_BGRA: color = PNG_COLOR_TYPE_RGB_ALPHA; break;
    default:
      return vp__error(VP_EUNSUPPORTED, "write PNG '%s': pixel format %s (need rgb24, rgba, bgr24, bgra or gray8)",
                       path, vp_pixfmt_name(frame->format));
  }
  FILE *fp = fopen(path, "wb");
  if (!fp) return vp__error(VP_EIO, "write PNG '%s': %s", path, strerror(errno));
  /* volatile: modified between setjmp and a possible longjmp. */
  png_err err = {.msg = ""};
  png_structp volatile png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, png_on_error,
                                                     png_on_warning);
  png_infop volatile info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    png_structp p = png;
    png_infop i = info;
    png_destroy_write_struct(&p, &i);
    fclose(fp);
    return vp__error(VP_ENOMEM, "write PNG '%s': out of memory", path);
  }
  if (setjmp(err.jmp)) {
    png_structp p = png;
    png_infop i = info;
    png_destroy_write_struct(&p, &i);
    fclose(fp);
    remove(path);
    return vp__error(VP_EIO, "write PNG '%s': %s", path, err.msg);
  }
  png_init_io(png, fp);
  png_set_compression_level(png, 6);
  png_set_IHDR(png, info, (png_uint_32)frame->width, (png_uint_32)frame->height, 8, color,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  if (frame->format == VP_PIXFMT_BGR24 || frame->format == VP_PIXFMT_BGRA) png_set_bgr(png);
  for (int32_t y = 0; y < frame->height; y++)
    png_write_row(png, frame->data[0] + (size_t)y * frame->linesize[0]);
  png_write_end(png, info);
  png_structp p = png;
  png_infop i = info;
  png_destroy_write_struct(&p, &i);
  if (fclose(fp) != 0) {
    remove(path);
    return vp__error(VP_EIO, "write PNG '%s': %s", path, strerror(errno));
  }
  return VP_OK;
}
