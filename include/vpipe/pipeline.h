/**
 * @file pipeline.h
 * @brief The stage pipeline: stages, bounded queues, latency budgets, timing
 *        health (jitter monitor, adaptive rate) and statistics.
 *
 * A pipeline is a chain of stages in a fixed order of kinds:
 *   source → decode → preprocess → infer → postprocess → render → sink(s).
 * A stage is a small class (vp_stage_class): a name, a private state size, an
 * option table, and init / process / flush / uninit callbacks, like FFmpeg's
 * AVFilter. Sources and sinks are stages too, so this layer knows nothing
 * about FFmpeg or JSON: the io layer (or the application) wraps its sources
 * and sinks as stage classes.
 *
 * Frames travel inside packets (vp_packet): one reference-counted vp_frame,
 * per-frame flags, and a result record with opaque per-task slots that task
 * stages fill (vp_packet_set_result) and sinks read.
 *
 * Stages are units of work, not threads. Stages are mapped onto a few worker
 * threads: the source (demux + decode) has its own worker, every stage whose
 * class sets VP_STAGE_FLAG_THREAD starts a new worker, every other stage runs
 * inline on the worker before it. Workers are connected by bounded queues
 * (default capacity 2) with a policy: block (lossless, default for files),
 * drop-oldest (default for live sources) or drop-newest. Frames stay in order.
 * End of stream travels through the queues as a status.
 *
 * Minimal use (a complete program with a source, a task stage and a sink is
 * examples/pipeline_stages.c):
 * @code
 *   vp_pipeline_options o = vp_pipeline_options_default();
 *   vp_pipeline *p;
 *   vp_pipeline_create(&o, &p);
 *   vp_stage *src, *sink;
 *   vp_pipeline_add(p, &my_source_class, my_source_opaque, &src);
 *   vp_pipeline_add(p, &my_sink_class, NULL, &sink);
 *   vp_stage_set_option(sink, "path", "out.jsonl");
 *   vp_pipeline_start(p);             // spawns the workers
 *   vp_pipeline_wait(p, -1);          // until end of stream or vp_pipeline_stop()
 *   vp_status st = vp_pipeline_status(p);
 *   vp_pipeline_destroy(p);           // joins every thread
 * @endcode
 *
 * Thread safety: build the pipeline (create/add/set_option) from one thread.
 * After vp_pipeline_start(), vp_pipeline_stop(), vp_pipeline_wait(),
 * vp_pipeline_stats_get() and vp_pipeline_status() may be called from any
 * thread. vp_pipeline_stop() is not async-signal-safe: call it from a normal
 * thread (e.g. one that sigwait()s).
 */
#ifndef VPIPE_PIPELINE_H
#define VPIPE_PIPELINE_H

#include <stdbool.h>

#include "vpipe/core.h"
#include "vpipe/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Option tables (FFmpeg's AVOption): one table drives defaults, validation  */
/* and --help, for stages and for the CLI alike.                             */

typedef enum vp_option_type {
  VP_OPT_BOOL,   /**< bool; "1/0/true/false/yes/no/on/off" */
  VP_OPT_INT,    /**< int32_t */
  VP_OPT_INT64,  /**< int64_t */
  VP_OPT_DOUBLE, /**< double */
  VP_OPT_STRING, /**< char *, owned by the object (freed by vp_options_free) */
  VP_OPT_ENUM,   /**< int32_t index into vp_option.choices ("a|b|c") */
  VP_OPT_RANGE,  /**< double[2] from "MIN:MAX", both within [min, max], MIN <= MAX */
} vp_option_type;

/** One option. Tables end with an entry whose name is NULL. */
typedef struct vp_option {
  const char *name;    /**< "queue-policy" */
  const char *help;    /**< one line for --help */
  size_t offset;       /**< offsetof the field in the object (stage private state, ...) */
  vp_option_type type;
  const char *def;     /**< default as text, parsed like a user value (NULL: zero/NULL) */
  double min, max;     /**< numeric bounds (ignored when min == max == 0) */
  const char *choices; /**< VP_OPT_ENUM: "block|drop-oldest|drop-newest" */
  const char *metavar; /**< for --help, e.g. "N", "FILE" (optional) */
} vp_option;

/** Set every option of @p obj to its default. Strings are duplicated. */
VP_API vp_status vp_options_set_defaults(void *obj, const vp_option *table);

/**
 * Parse @p value and store it into @p obj.
 * @return VP_OK, VP_ENOENT (no option @p name), VP_EINVAL (not a valid value),
 *         VP_ERANGE (out of bounds); vp_last_error() says which and why.
 */
VP_API vp_status vp_options_set(void *obj, const vp_option *table, const char *name,
                                const char *value);

/** @return the entry called @p name, or NULL. */
VP_API const vp_option *vp_options_find(const vp_option *table, const char *name);

/** Free the strings that @p table's VP_OPT_STRING options own in @p obj. */
VP_API void vp_options_free(void *obj, const vp_option *table);

/* ------------------------------------------------------------------------ */
/* Per-frame results and events                                             */

/**
 * A kind of per-frame result, declared once (static) by the task that makes
 * it. The pipeline never looks inside the data; it only frees it.
 */
typedef struct vp_result_type {
  const char *name; /**< JSON key of the result, e.g. "faces" */
  /** Free a result (NULL: the data is not freed). */
  void (*free)(void *data);
  /**
   * Write the result as one JSON value (without its key) by calling @p write
   * with text pieces. NULL: not written.
   */
  vp_status (*write_json)(const void *data, void (*write)(void *ctx, const char *text, size_t len),
                          void *ctx);
} vp_result_type;

typedef struct vp_result {
  const vp_result_type *type;
  void *data;
} vp_result;

/** Timing-health and pipeline events. */
#define VP_EVENT_TYPE_MAP(X)                                                           \
  X(JITTER_ANOMALY, "jitter_anomaly")     /* σ of the intervals > factor × mean */    \
  X(JITTER_RECOVERED, "jitter_recovered") /* the σ condition cleared */               \
  X(STALL, "stall")                       /* N consecutive intervals > stall limit */ \
  X(STALL_RECOVERED, "stall_recovered")                                               \
  X(RATE_CHANGE, "rate_change")           /* processing rate changed: value → value2 */ \
  X(SOURCE, "source")                     /* posted by a source (reconnect, gap, ...) */

typedef enum vp_event_type {
#define VP__EVENT_ENUM(name, str) VP_EVENT_##name,
  VP_EVENT_TYPE_MAP(VP__EVENT_ENUM)
#undef VP__EVENT_ENUM
} vp_event_type;

/** @return "jitter_anomaly", ...; never NULL. */
VP_API const char *vp_event_type_name(vp_event_type type);

typedef struct vp_event {
  vp_event_type type;
  int64_t seq;      /**< frame at which it happened */
  int64_t time_ns;  /**< timestamp of that frame on the monitored clock */
  double value;     /**< JITTER_*: σ (ms); STALL: last interval (ms); RATE_CHANGE: old fps */
  double value2;    /**< JITTER_*: mean (ms); STALL: consecutive count; RATE_CHANGE: new fps */
  char message[96]; /**< human-readable summary */
} vp_event;

/** Result slots and carried events per packet. */
#define VP_PACKET_MAX_RESULTS 8
#define VP_PACKET_MAX_EVENTS 4

/**
 * What travels between stages: one frame and its per-frame record.
 * Owned by the pipeline; a stage may read and write it during process() only.
 */
typedef struct vp_packet {
  vp_frame *frame;  /**< one reference, owned by the packet. Frames from a decoder may be
                         shared (vp_frame_is_writable() false): a stage that draws must work
                         on a copy (vp_frame_clone) and may replace this pointer, unref'ing
                         the old frame. NULL only for a frame skipped before decoding. */
  int64_t seq;      /**< copy of frame->seq */
  int64_t pts_ns;   /**< copy of frame->pts_ns */
  int64_t capture_ns, deadline_ns;
  uint32_t flags;   /**< VP_FRAME_FLAG_*: KEY from the source; SKIPPED, LATE set by the pipeline */
  int32_t n_results;
  vp_result results[VP_PACKET_MAX_RESULTS];
  int32_t n_events;
  vp_event events[VP_PACKET_MAX_EVENTS]; /**< events since the previous packet reached the sinks */
  int64_t enter_ns; /**< private: when the packet entered its current stage */
} vp_packet;

/**
 * Attach @p data as the result of @p type, taking ownership (it is freed with
 * type->free when the packet is released or the slot is replaced).
 * @return VP_ERANGE when all VP_PACKET_MAX_RESULTS slots are used (data freed).
 */
VP_API vp_status vp_packet_set_result(vp_packet *pkt, const vp_result_type *type, void *data);

/** @return the data of result @p type, or NULL. */
VP_API void *vp_packet_get_result(const vp_packet *pkt, const vp_result_type *type);

/* ------------------------------------------------------------------------ */
/* Stages                                                                   */

typedef enum vp_stage_kind {
  VP_STAGE_SOURCE = 0, /**< produces frames (demux + decode: `read`) */
  VP_STAGE_DECODE,
  VP_STAGE_PREPROCESS,
  VP_STAGE_INFER,
  VP_STAGE_POSTPROCESS,
  VP_STAGE_RENDER,
  VP_STAGE_SINK,
} vp_stage_kind;

/** @return "source", "decode", ... */
VP_API const char *vp_stage_kind_name(vp_stage_kind kind);

/** Stage class flags. */
#define VP_STAGE_FLAG_THREAD 0x1u     /**< heavy: start a new worker thread at this stage */
#define VP_STAGE_FLAG_CHEAP_PATH 0x2u /**< honours VP_FRAME_FLAG_LATE with a cheaper path */

typedef struct vp_stage vp_stage;

/** What a source knows about its stream; filled by the source's init. */
typedef struct vp_stream_info {
  bool live;            /**< a camera or network stream: never block on consumers */
  int64_t frame_count;  /**< frames expected, or -1 if unknown (progress bar) */
  double fps;           /**< nominal frame rate, or 0 if unknown */
  int32_t width, height;
} vp_stream_info;

/**
 * Hint passed to a source's read(): frames with pts_ns < @p skip_before_pts_ns
 * will not be processed (rate controller). A source may deliver such frames
 * without decoding them (flag VP_FRAME_FLAG_SKIPPED, frame may then be NULL)
 * when @p pixels_needed is false.
 */
typedef struct vp_source_hint {
  int64_t skip_before_pts_ns;
  bool pixels_needed;
} vp_source_hint;

/** A stage class, declared `static const` by whoever implements the stage. */
typedef struct vp_stage_class {
  const char *name;        /**< "ffmpeg-source", "jsonl", ... */
  const char *description; /**< one line */
  vp_stage_kind kind;
  uint32_t flags;          /**< VP_STAGE_FLAG_* */
  size_t priv_size;        /**< bytes of private state, zeroed, options at their defaults */
  const vp_option *options; /**< table into the private state (may be NULL) */

  /** Open resources after options are set (may be NULL). Sources fill *info. */
  vp_status (*init)(vp_stage *st, vp_stream_info *info);
  /**
   * Sources only: deliver the next frame in *out (one reference, the caller
   * owns it). @return VP_OK, VP_EOF at end of stream, VP_EAGAIN to be called
   * again (e.g. a reconnecting stream), or an error.
   */
  vp_status (*read)(vp_stage *st, const vp_source_hint *hint, vp_frame **out);
  /** Sources only (may be NULL): make a blocked read() or init() return soon. Called
   *  from any thread with a pipeline lock held: only set a flag (atomic). */
  void (*interrupt)(vp_stage *st);
  /** Every other stage: work on one packet in place. A negative status stops the job. */
  vp_status (*process)(vp_stage *st, vp_packet *pkt);
  /** End of stream (or stop): drain and finalise (encoders, containers). May be NULL. */
  vp_status (*flush)(vp_stage *st);
  /**
   * Release everything init opened (also after a failed init). May be NULL.
   * Called in vp_pipeline_destroy() after every worker has been joined, for
   * every stage whose init was attempted, in pipeline order (source first,
   * sinks last), so stages sharing a context may free it in the last one's uninit.
   */
  void (*uninit)(vp_stage *st);
} vp_stage_class;

/** @return the stage's private state (priv_size bytes). */
VP_API void *vp_stage_priv(vp_stage *st);
/** @return the opaque pointer given to vp_pipeline_add(). */
VP_API void *vp_stage_opaque(vp_stage *st);
/** @return the stage's class. */
VP_API const vp_stage_class *vp_stage_get_class(const vp_stage *st);
/** @return the pipeline's inference thread pool (for infer stages); not referenced. */
VP_API vp_threadpool *vp_stage_threadpool(vp_stage *st);

/** Set an option of the stage's class table (before vp_pipeline_start). */
VP_API vp_status vp_stage_set_option(vp_stage *st, const char *name, const char *value);

/** Report an event from a stage (e.g. a source reconnecting). Thread safe. */
VP_API void vp_stage_post_event(vp_stage *st, vp_event_type type, double value, double value2,
                                const char *message);

/* ------------------------------------------------------------------------ */
/* Queues                                                                   */

typedef enum vp_queue_policy {
  VP_QUEUE_AUTO = 0,    /**< block for files, drop-oldest for live sources */
  VP_QUEUE_BLOCK,       /**< lossless: the producer waits */
  VP_QUEUE_DROP_OLDEST, /**< a full queue drops its oldest item (counted) */
  VP_QUEUE_DROP_NEWEST, /**< a full queue drops the item being pushed (counted) */
} vp_queue_policy;

/** @return "auto", "block", "drop-oldest", "drop-newest". */
VP_API const char *vp_queue_policy_name(vp_queue_policy policy);

/* ------------------------------------------------------------------------ */
/* Timing health: pure modules, usable on their own                         */

typedef struct vp_jitter_options {
  int32_t window;          /**< intervals in the sliding window (default 64) */
  int32_t min_intervals;   /**< intervals needed before σ is judged (default 16) */
  double sigma_factor;     /**< anomaly when σ > factor × mean (default 3) */
  double stall_ms;         /**< an interval longer than this is a stall interval (default 120) */
  int32_t stall_count;     /**< consecutive stall intervals that make a stall (default 5) */
} vp_jitter_options;

VP_API vp_jitter_options vp_jitter_options_default(void);

typedef struct vp_jitter_monitor vp_jitter_monitor;

VP_API vp_status vp_jitter_monitor_create(const vp_jitter_options *options, vp_jitter_monitor **out);
VP_API void vp_jitter_monitor_destroy(vp_jitter_monitor *m);

/**
 * Feed the timestamp of frame @p seq (ns, monotonic within a stream; a
 * timestamp not after the previous one is ignored). Events are emitted on
 * transitions only (anomaly → recovered, stall → recovered).
 * @param[out] events up to 2 events written here
 * @return number of events written (0..2)
 */
VP_API int vp_jitter_monitor_push(vp_jitter_monitor *m, int64_t seq, int64_t t_ns,
                                  vp_event events[2]);

/** Current window statistics (ms); 0 while the window is empty. */
VP_API double vp_jitter_monitor_sigma_ms(const vp_jitter_monitor *m);
VP_API double vp_jitter_monitor_mean_ms(const vp_jitter_monitor *m);
/** Intervals seen in all. */
VP_API int64_t vp_jitter_monitor_count(const vp_jitter_monitor *m);

typedef struct vp_rate_options {
  double min_fps, max_fps; /**< clamp (default 15, 60) */
  double start_fps;        /**< initial rate (default max_fps) */
  double high_sigma_ms;    /**< σ above this slows down (default 45) */
  double low_sigma_ms;     /**< σ below this speeds up (default 12) */
  double down_factor;      /**< default 0.7 */
  double up_factor;        /**< default 1.1 */
  int32_t hold_frames;     /**< hysteresis: frames after a change before the next (default 32) */
  int32_t confirm_frames;  /**< a condition must hold this many consecutive frames (default 4) */
} vp_rate_options;

VP_API vp_rate_options vp_rate_options_default(void);

typedef struct vp_rate_controller vp_rate_controller;

VP_API vp_status vp_rate_controller_create(const vp_rate_options *options, vp_rate_controller **out);
VP_API void vp_rate_controller_destroy(vp_rate_controller *rc);

/**
 * Feed frame @p seq with timestamp @p t_ns and the current jitter σ (ms; a
 * negative σ means "not known yet": rate unchanged).
 * @param[out] selected whether the frame is processed at the current rate
 * @param[out] event written when the rate changes
 * @return 1 if @p event was written, else 0
 */
VP_API int vp_rate_controller_push(vp_rate_controller *rc, int64_t seq, int64_t t_ns,
                                   double sigma_ms, bool *selected, vp_event *event);

/** @return the current processing rate (fps). */
VP_API double vp_rate_controller_fps(const vp_rate_controller *rc);
/** @return the earliest timestamp that the next selected frame may have. */
VP_API int64_t vp_rate_controller_next_due(const vp_rate_controller *rc);

/* ------------------------------------------------------------------------ */
/* Pipeline                                                                 */

typedef struct vp_pipeline vp_pipeline;

typedef struct vp_pipeline_options {
  uint32_t struct_size;
  int32_t queue_capacity;       /**< items per queue between workers (default 2) */
  vp_queue_policy queue_policy; /**< default VP_QUEUE_AUTO */
  int64_t max_frames;           /**< stop the source after this many frames (0: no limit) */
  double latency_budget_ms;     /**< 0: no budget */
  int32_t threads;              /**< inference thread pool size (0: one per CPU) */
  bool adaptive_rate;           /**< run the rate controller (default true) */
  bool decode_skipped;          /**< skipped frames still need pixels (e.g. for a video
                                     output); false lets a source skip decoding them (default true) */
  vp_jitter_options jitter;
  vp_rate_options rate;
  /**
   * Called for every event, from a pipeline thread (must be thread safe,
   * must not call back into the pipeline). May be NULL.
   */
  void (*on_event)(void *user, const vp_event *event);
  void *user;
  uint8_t reserved[32];
} vp_pipeline_options;

VP_API vp_pipeline_options vp_pipeline_options_default(void);

/** @param options NULL for defaults. @param[out] out written only on success. */
VP_API vp_status vp_pipeline_create(const vp_pipeline_options *options, vp_pipeline **out);

/**
 * Add a stage of @p cls. Its private state is zeroed and its options set to
 * their defaults. Stages run in this order: the source, decode stages, then
 * all preprocess / infer / postprocess stages in the order they were added
 * (a task adds its own stages in sequence and they stay together; several
 * tasks run one after the other), then render stages, then sinks (each group
 * in the order added). Exactly one source is required.
 * @param opaque handed to the stage (vp_stage_opaque); not owned.
 * @param[out] out the stage, owned by the pipeline (may be NULL).
 */
VP_API vp_status vp_pipeline_add(vp_pipeline *p, const vp_stage_class *cls, void *opaque,
                                 vp_stage **out);

/** Initialise every stage (in order) and start the workers. */
VP_API vp_status vp_pipeline_start(vp_pipeline *p);

/** After start: what the source reported. */
VP_API vp_stream_info vp_pipeline_source_info(const vp_pipeline *p);

/**
 * Ask the pipeline to finish: the source stops reading, frames already read
 * are processed, sinks are flushed. Thread safe; returns at once.
 */
VP_API void vp_pipeline_stop(vp_pipeline *p);

/**
 * Wait until every worker has finished, at most @p timeout_ms (negative:
 * forever). @return VP_OK when finished, VP_ETIMEDOUT otherwise.
 */
VP_API vp_status vp_pipeline_wait(vp_pipeline *p, int64_t timeout_ms);

/** @return the first error of the job (VP_OK if none, including a clean stop). */
VP_API vp_status vp_pipeline_status(const vp_pipeline *p);

/** @return the message of that first error ("" if none). */
VP_API const char *vp_pipeline_error(const vp_pipeline *p);

/** Stop, wait, uninit every stage and free. NULL is fine. */
VP_API void vp_pipeline_destroy(vp_pipeline *p);

/* ------------------------------------------------------------------------ */
/* Statistics                                                               */

#define VP_PIPELINE_MAX_STAGES 32

typedef struct vp_stage_stats {
  const char *name;    /**< class name (static) */
  vp_stage_kind kind;
  int32_t worker;      /**< index of the worker thread that runs it */
  int64_t frames_in, frames_out;
  int64_t dropped;     /**< dropped by the queue in front of this stage (policy) */
  int64_t late;        /**< flagged VP_FRAME_FLAG_LATE here */
  int64_t late_dropped; /**< dropped here for missing the deadline (live only) */
  int32_t queue_capacity;  /**< of the queue in front (0: inline, no queue) */
  int32_t queue_high_water;
  double latency_p50_ms, latency_p99_ms, latency_max_ms; /**< time in process()/read() */
} vp_stage_stats;

typedef struct vp_pipeline_stats {
  int32_t n_stages;
  vp_stage_stats stages[VP_PIPELINE_MAX_STAGES];
  int64_t frames_read;      /**< delivered by the source */
  int64_t frames_done;      /**< left the last stage */
  int64_t frames_dropped;   /**< by queues and deadlines together */
  int64_t frames_skipped;   /**< not selected by the rate controller */
  int64_t frames_late;      /**< flagged late */
  double elapsed_s;         /**< since start */
  double fps;               /**< frames_done / elapsed */
  double e2e_p50_ms, e2e_p99_ms, e2e_max_ms; /**< capture → last stage done */
  double rate_fps;          /**< current adaptive processing rate (0: off) */
  double jitter_sigma_ms, jitter_mean_ms;
  int64_t jitter_anomalies, stalls, rate_changes;
  bool finished;
} vp_pipeline_stats;

/** Snapshot of the statistics; thread safe, any time after create. */
VP_API void vp_pipeline_stats_get(vp_pipeline *p, vp_pipeline_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* VPIPE_PIPELINE_H */
