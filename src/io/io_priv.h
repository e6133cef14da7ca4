/* Private hand-over between a source and the sink copying its audio (layer: io). */
#ifndef VP_IO_PRIV_H
#define VP_IO_PRIV_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "vpipe/io.h"

/* Audio stream parameters of the source (NULL when it has no audio). The
 * parameters stay valid until the source is closed. */
const AVCodecParameters *vp__source_audio_params(const vp_source *s, AVRational *time_base);

/* Video stream timing: time base and frame rate (0/1 when unknown). */
void vp__source_video_timing(const vp_source *s, AVRational *time_base, AVRational *frame_rate);

/* Start/stop queueing audio packets for a sink. Thread safe. */
void vp__source_audio_attach(vp_source *s, bool on);

/* Pop the oldest queued audio packet whose presentation time is at or before
 * @p upto_ns (INT64_MAX: any). Returns a packet the caller owns (in the audio
 * stream's time base) or NULL. Thread safe. */
AVPacket *vp__source_audio_pop(vp_source *s, int64_t upto_ns);

/* Codec threads to ask FFmpeg for, given the caller's request (0 = automatic).
 * In ThreadSanitizer builds codecs run on one thread: FFmpeg's worker threads
 * synchronise inside uninstrumented code, which TSan reports as races in
 * libavcodec; single-threaded codecs keep TSan's findings to vpipe's own code. */
static inline int vp__codec_threads(int requested) {
#if defined(__SANITIZE_THREAD__)
  (void)requested;
  return 1;
#else
  return requested > 0 ? requested : 0;
#endif
}

/* FFmpeg error text. */
const char *vp__averr(int err, char *buf, size_t n);

#endif
