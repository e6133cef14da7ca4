/**
 * @file io.h
 * @brief Video sources and sinks built on FFmpeg, and the JSON Lines writer.
 *
 * Sources: anything FFmpeg opens — files (MP4, MKV, WebM, AVI, MJPEG, ...), still
 * images (JPEG, PNG, PPM/PGM), image sequences (`img_%04d.png`, a directory, a
 * glob such as `frames/ *.png`), standard input (`-`), network streams (rtsp://, http(s)://, udp://,
 * rtp://, srt://) and V4L2 cameras (`/dev/videoN`).
 *
 * Sinks: an encoded video file or a live push URL (rtsp://, rtmp://, srt://,
 * udp://) with the source's audio copied packet for packet; for a still image
 * an image file chosen by extension. And a JSONL writer for results.
 *
 * Thread safety: a source and a sink are each used by one thread at a time,
 * except vp_source_interrupt() and vp_source_set_discard(), which may be called
 * from any thread. A sink attached to a source (options.source) may run on a
 * different thread than the source; the audio hand-over between them is
 * synchronised internally. The JSONL writer may be used from several threads
 * (each vp_jsonl_write is one atomic line).
 */
#ifndef VPIPE_IO_H
#define VPIPE_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "vpipe/core.h"
#include "vpipe/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Sources                                                                   */
/* ======================================================================== */

typedef struct vp_source vp_source;

/** What kind of input a source turned out to be. */
typedef enum vp_source_kind {
  VP_SOURCE_FILE = 0,      /**< a video file (seekable, not live) */
  VP_SOURCE_IMAGE,         /**< one still image: one frame, pts 0 */
  VP_SOURCE_IMAGE_SEQUENCE,/**< numbered files, a directory or a glob */
  VP_SOURCE_NETWORK,       /**< rtsp/http/udp/rtp/srt...: live, reconnects */
  VP_SOURCE_CAMERA,        /**< a V4L2 device: live, no reconnect */
} vp_source_kind;

/** Source events (reconnection), see vp_source_options.on_event. */
typedef enum vp_source_event_type {
  VP_SOURCE_EVENT_DISCONNECTED = 1, /**< the stream stopped: gap starts, reconnecting */
  VP_SOURCE_EVENT_RETRY,            /**< a reconnection attempt failed; next in delay_ms */
  VP_SOURCE_EVENT_RECONNECTED,      /**< the stream is back: gap ends */
  VP_SOURCE_EVENT_GAVE_UP,          /**< attempts exhausted; read() fails next */
} vp_source_event_type;

typedef struct vp_source_event {
  vp_source_event_type type;
  int64_t time_ns;      /**< vp_time_ns() when it happened */
  int64_t gap_start_ns; /**< vp_time_ns() when the stream was lost */
  int64_t gap_ns;       /**< RECONNECTED/GAVE_UP: length of the gap so far */
  int32_t attempt;      /**< reconnection attempts made in this gap */
  int64_t delay_ms;     /**< RETRY: wait before the next attempt */
  int64_t last_seq;     /**< seq of the last frame delivered before the gap (-1 if none) */
  char message[192];    /**< human-readable cause ("Connection refused", ...) */
} vp_source_event;

/** @return "disconnected", "retry", "reconnected", "gave_up". */
VP_API const char *vp_source_event_name(vp_source_event_type type);

/** What the decoder may skip (a hint from the rate controller; see set_discard). */
typedef enum vp_source_discard {
  VP_DISCARD_NONE = 0,   /**< decode everything */
  VP_DISCARD_NONREF,     /**< skip non-reference frames (B-frames) before decoding */
  VP_DISCARD_NONKEY,     /**< decode key frames only */
} vp_source_discard;

typedef struct vp_source_options {
  uint32_t struct_size;
  /** Force the demuxer ("v4l2", "image2", "mpegts", ...); NULL probes. */
  const char *format;
  /** Pixel format of delivered frames; VP_PIXFMT_NONE keeps the decoder's format
   *  when vpipe can represent it (yuv420p, nv12, rgb24, gray8, ...) and converts
   *  anything else to RGB24. */
  vp_pixfmt pixfmt;
  /** Frames the source may have out at once (default 8). read() blocks while all
   *  are out, so this bounds memory. */
  int32_t pool_capacity;
  /** Decoder threads: 0 = automatic, 1 = none. Files use frame threading, live
   *  sources slice threading only (frame threading would add frames of latency). */
  int32_t decode_threads;

  /* Cameras (V4L2). 0 / NULL = device default. */
  int32_t width, height;       /**< requested capture size */
  double fps;                  /**< requested frame rate (also the rate of image sequences, default 25) */
  const char *input_format;    /**< requested pixel/compression format: "mjpeg", "yuyv422" */
  int32_t camera_buffers;      /**< requested buffer count (advisory: FFmpeg's v4l2
                                    device picks its own; a warning is logged) */

  /* Network. */
  const char *rtsp_transport;  /**< "tcp" (default) or "udp" */
  int32_t io_timeout_ms;       /**< a blocked open/read fails after this (default 5000) */
  bool reconnect;              /**< reconnect network sources (default true) */
  int32_t reconnect_attempts;  /**< attempts per gap before giving up (default 10; 0 = no limit) */
  int32_t reconnect_initial_ms;/**< first back-off delay (default 200) */
  int32_t reconnect_max_ms;    /**< back-off cap; delays double up to it (default 5000) */

  /** Hand out frames that share buffers the decoder still uses as references,
   *  without copying them (default false: such frames are copied so that every
   *  frame is writable). Shared frames are read-only: vp_frame_is_writable() is
   *  false, so draw on a copy (vp_frame_clone or a pool + vp_frame_convert).
   *  Saves one copy per frame in pass-through and analysis-only pipelines. */
  bool shared_buffers;

  /** Keep the input's audio packets for a sink that copies them (default true;
   *  packets are only queued once a sink has attached to this source). */
  bool keep_audio;

  /** Called on the reading thread (inside vp_source_read) for each event; may be
   *  NULL. Events are also logged ("io" component). */
  void (*on_event)(void *user, const vp_source_event *event);
  void *event_user;

  uint8_t reserved[64];
} vp_source_options;

VP_API vp_source_options vp_source_options_default(void);

/** What is known about the input. Strings are owned by the source. */
typedef struct vp_source_info {
  vp_source_kind kind;
  int32_t width, height;       /**< of the first frame (may change on live streams) */
  vp_pixfmt pixfmt;            /**< of delivered frames */
  int32_t fps_num, fps_den;    /**< frame rate (average, else nominal); 0/1 if unknown */
  double fps;                  /**< fps_num / fps_den, 0 if unknown */
  int32_t time_base_num, time_base_den; /**< of the video stream */
  int64_t frame_count;         /**< from the container (else estimated from duration × fps), -1 if unknown */
  int64_t duration_ns;         /**< -1 if unknown */
  bool is_live;                /**< network stream or camera: never blocks on a slow consumer */
  bool has_audio;
  const char *container;       /**< demuxer name, "mov,mp4,m4a,3gp,3g2,mj2" etc. */
  const char *codec;           /**< video decoder name */
  const char *url;             /**< what was opened (after directory/glob expansion) */
} vp_source_info;

/**
 * Open @p url (path, URL, `/dev/videoN`, pattern, directory). NULL options mean
 * defaults. Fails with a message naming the input and FFmpeg's reason for: a
 * missing/unreadable file (VP_ENOENT/VP_EIO), no video stream (VP_EFORMAT), a codec
 * without decoder (VP_EUNSUPPORTED), a network timeout (VP_ETIMEDOUT).
 */
VP_API vp_status vp_source_open(const char *url, const vp_source_options *options,
                                vp_source **out);

/** Close the source. Frames still out stay valid. Attached sinks must be closed first. */
VP_API void vp_source_close(vp_source *source);

VP_API const vp_source_info *vp_source_get_info(const vp_source *source);

/**
 * Read the next frame (one reference, owned by the caller; return it with
 * vp_frame_unref). seq counts delivered frames from 0; pts_ns is the decoder's
 * best-effort timestamp × the stream time base (live streams: made monotonic
 * across reconnections); capture_ns is vp_time_ns() when decoding finished;
 * deadline_ns is INT64_MAX.
 *
 * @return VP_OK; VP_EOF at the end of a clean input; VP_EFORMAT after the last
 *         good frame of a damaged or truncated input (the message says what was
 *         wrong and how many frames were lost); VP_EIO when a camera disappears or
 *         a network source gives up reconnecting; VP_ECANCELED after
 *         vp_source_interrupt(). After an error every further call returns it again.
 */
VP_API vp_status vp_source_read(vp_source *source, vp_frame **out);

/** Make a blocked or future vp_source_read() return VP_ECANCELED. Any thread. */
VP_API void vp_source_interrupt(vp_source *source);

/** Hint which frames the decoder may skip (any thread; applies from the next packet). */
VP_API void vp_source_set_discard(vp_source *source, vp_source_discard discard);

/** Counters of a source. */
typedef struct vp_source_stats {
  int64_t packets, frames, corrupt_frames, decode_errors, discarded_packets;
  int64_t reconnects, audio_packets;
  /** Frame memory allocations so far (frame shells, converted frames and their
   *  FFmpeg frame holders); stops growing in steady state. */
  int64_t frame_allocations;
} vp_source_stats;
VP_API void vp_source_stats_get(const vp_source *source, vp_source_stats *out);

/* ======================================================================== */
/* Video / image sink                                                        */
/* ======================================================================== */

typedef struct vp_video_sink vp_video_sink;

typedef struct vp_video_sink_options {
  uint32_t struct_size;
  /** Muxer ("mp4", "matroska", "rtsp", "flv", "mpegts", "image2"); NULL guesses
   *  from the URL scheme and extension (rtmp → flv, udp/srt → mpegts). */
  const char *format;
  /** Encoder name; NULL = libx264 when present, else mpeg4 (images: by extension,
   *  png or mjpeg). */
  const char *codec;
  /** Source whose frame rate, time base and audio the sink takes (may be NULL).
   *  The sink attaches to it: the source then queues its audio packets, which the
   *  sink muxes untouched, interleaved with the video. Close the sink before the
   *  source. */
  vp_source *source;
  bool copy_audio;             /**< default true (needs source) */
  int32_t fps_num, fps_den;    /**< frame rate when there is no source (default 30/1) */
  int32_t crf;                 /**< libx264 quality (default 20) */
  const char *preset;          /**< libx264 preset (default "veryfast"; live: "ultrafast") */
  int64_t bit_rate;            /**< bits/s for other encoders; 0 = quality-based */
  int32_t threads;             /**< encoder threads, 0 = automatic */
  int32_t io_timeout_ms;       /**< network outputs: a write blocked this long fails (default 5000) */
  uint8_t reserved[64];
} vp_video_sink_options;

VP_API vp_video_sink_options vp_video_sink_options_default(void);

/**
 * Open an output. Files are created (and the path checked) here, so an
 * unwritable path fails now with VP_EIO; the encoder starts with the first frame,
 * whose geometry it keeps (later frames of another size are scaled).
 * An image extension (.png .jpg .jpeg .bmp .ppm .pgm) or format "image2" gives an
 * image output (PNG/JPEG/... by extension) holding the last frame written: the
 * annotated still image when the source is one.
 */
VP_API vp_status vp_video_sink_open(const char *url, const vp_video_sink_options *options,
                                    vp_video_sink **out);

/** Encode @p frame (any pixel format; not consumed, the caller keeps its reference).
 *  Its pts_ns is the presentation time; frames must come in increasing pts. */
VP_API vp_status vp_video_sink_write(vp_video_sink *sink, const vp_frame *frame);

/** Drain the encoder, mux the remaining audio, finalise the container and free
 *  the sink. @return the first error of the whole life of the sink, or VP_OK. */
VP_API vp_status vp_video_sink_close(vp_video_sink *sink);

/* ======================================================================== */
/* JSON building and the JSON Lines writer (RESULTS.md)                      */
/* ======================================================================== */

/**
 * A compact JSON text builder. Values are appended in order; commas and
 * nesting are tracked, so callers only say begin/end, key and value. Floats
 * are written with 6 significant digits (NaN/Inf as null). Errors (misuse,
 * out of memory) are sticky and reported by vp_json_status().
 */
typedef struct vp_json vp_json;

VP_API vp_status vp_json_create(vp_json **out);
VP_API void vp_json_destroy(vp_json *json);
/** Empty the text, keeping its memory. */
VP_API void vp_json_reset(vp_json *json);
VP_API vp_status vp_json_status(const vp_json *json);
/** The text so far (NUL-terminated, owned by @p json). */
VP_API const char *vp_json_text(const vp_json *json);
VP_API size_t vp_json_length(const vp_json *json);

VP_API void vp_json_object_begin(vp_json *json);
VP_API void vp_json_object_end(vp_json *json);
VP_API void vp_json_array_begin(vp_json *json);
VP_API void vp_json_array_end(vp_json *json);
/** The key of the next value (inside an object). */
VP_API void vp_json_key(vp_json *json, const char *key);
VP_API void vp_json_int(vp_json *json, int64_t value);
VP_API void vp_json_float(vp_json *json, double value);
/** A number with at most @p decimals decimals, trailing zeros removed (times). */
VP_API void vp_json_fixed(vp_json *json, double value, int32_t decimals);
VP_API void vp_json_bool(vp_json *json, bool value);
VP_API void vp_json_null(vp_json *json);
/** A string, escaped (UTF-8 passed through; control characters as \\u00XX). */
VP_API void vp_json_string(vp_json *json, const char *value);
/** Already-valid JSON text inserted as one value. */
VP_API void vp_json_raw(vp_json *json, const char *text);

/* key + value shorthands */
VP_API void vp_json_kv_int(vp_json *json, const char *key, int64_t value);
VP_API void vp_json_kv_float(vp_json *json, const char *key, double value);
VP_API void vp_json_kv_bool(vp_json *json, const char *key, bool value);
VP_API void vp_json_kv_string(vp_json *json, const char *key, const char *value);

/** A point object {"x":..,"y":..[,"z":..]} (z written when @p with_z). */
VP_API void vp_json_point(vp_json *json, double x, double y, double z, bool with_z);

/**
 * Start a result record for @p frame: reset @p json, open the object and write
 * "frame", "pts_ms" (0 when the frame has no pts), "width", "height". Callers add
 * their fields ("faces", "poses", timings...) and pass it to vp_jsonl_write.
 */
VP_API void vp_jsonl_record_begin(vp_json *json, const vp_frame *frame);

/** A JSON Lines output: a file or standard output. */
typedef struct vp_jsonl_writer vp_jsonl_writer;

typedef struct vp_jsonl_options {
  uint32_t struct_size;
  bool flush_each_line;  /**< fflush after every record (default true: live use) */
  bool append;           /**< append to an existing file (default false: truncate) */
  uint8_t reserved[32];
} vp_jsonl_options;

VP_API vp_jsonl_options vp_jsonl_options_default(void);

/** Open @p path ("-" = standard output). Fails with VP_EIO naming the path. */
VP_API vp_status vp_jsonl_open(const char *path, const vp_jsonl_options *options,
                               vp_jsonl_writer **out);

/** Write @p json as one line. Open objects/arrays are closed first. Thread safe. */
VP_API vp_status vp_jsonl_write(vp_jsonl_writer *writer, vp_json *json);

/** Write one line of already-formatted JSON (no newline inside). Thread safe. */
VP_API vp_status vp_jsonl_write_raw(vp_jsonl_writer *writer, const char *line);

/** Lines written so far. */
VP_API int64_t vp_jsonl_lines(const vp_jsonl_writer *writer);

/** Flush and close (standard output is flushed, not closed). @return the first
 *  write error, e.g. a full disk. */
VP_API vp_status vp_jsonl_close(vp_jsonl_writer *writer);

/** Append @p event as fields of an open object: "event":"reconnected", "gap_ms",
 *  "attempt", "last_frame", "message" (for the pipeline's event records). */
VP_API void vp_json_source_event(vp_json *json, const vp_source_event *event);

#ifdef __cplusplus
}
#endif
#endif /* VPIPE_IO_H */
