/**
 * @file core.h
 * @brief Status codes, error messages, logging and the shared thread pool.
 *
 * Thread safety: every function here may be called from any thread.
 * vp_last_error() is per thread.
 */
#ifndef VPIPE_CORE_H
#define VPIPE_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(VP_BUILDING_LIBRARY)
#define VP_API __attribute__((visibility("default")))
#else
#define VP_API
#endif

/* X-macro: name, value, message. One list makes the enum and vp_strerror(). */
#define VP_STATUS_MAP(X)                                                      \
  X(OK, 0, "success")                                                         \
  X(EINVAL, -1, "invalid argument")                                           \
  X(ENOMEM, -2, "out of memory")                                              \
  X(EIO, -3, "input/output error")                                            \
  X(ENOENT, -4, "not found")                                                  \
  X(EFORMAT, -5, "malformed data")                                            \
  X(EUNSUPPORTED, -6, "unsupported feature")                                  \
  X(ESHAPE, -7, "tensor shape mismatch")                                      \
  X(EBACKEND, -8, "inference backend failure")                                \
  X(EOF, -9, "end of stream")                                                 \
  X(EAGAIN, -10, "try again")                                                 \
  X(ETIMEDOUT, -11, "timed out")                                              \
  X(ECANCELED, -12, "canceled")                                               \
  X(ECHECKSUM, -13, "checksum mismatch")                                      \
  X(ESTATE, -14, "call not valid in this state")                              \
  X(ERANGE, -15, "value out of range")

/** Status of every fallible call: 0 is success, negative is an error. */
typedef enum vp_status {
#define VP__STATUS_ENUM(name, value, msg) VP_##name = value,
  VP_STATUS_MAP(VP__STATUS_ENUM)
#undef VP__STATUS_ENUM
} vp_status;

/** @return a static string naming @p status; never NULL. */
VP_API const char *vp_strerror(vp_status status);

/**
 * @return the message of the most recent failing vpipe call on this thread
 *         (what exactly was wrong: file, offset, tensor, option), or "" if none.
 *         Valid until the next vpipe call on this thread.
 */
VP_API const char *vp_last_error(void);

/** Log levels, most severe first. */
typedef enum vp_log_level {
  VP_LOG_ERROR = 0,
  VP_LOG_WARNING = 1,
  VP_LOG_INFO = 2,
  VP_LOG_DEBUG = 3,
} vp_log_level;

/**
 * Log callback. @p component names the part of vpipe ("model", "io", ...).
 * May be called from any vpipe thread at once; must be thread safe.
 */
typedef void (*vp_log_fn)(void *user, vp_log_level level, const char *component,
                          const char *message);

/**
 * Install a log callback (NULL restores the default, which writes to stderr).
 * Messages above @p max_level are not formatted at all.
 */
VP_API void vp_log_set_callback(vp_log_fn fn, void *user, vp_log_level max_level);

/** Monotonic clock in nanoseconds. */
VP_API int64_t vp_time_ns(void);

/** A pool of worker threads shared by inference sessions. Opaque. */
typedef struct vp_threadpool vp_threadpool;

/**
 * Create a pool with @p threads threads in all (the caller's thread counts as one;
 * 0 means one per online CPU). The pool is reference counted.
 * @param[out] out written only on success.
 */
VP_API vp_status vp_threadpool_create(int32_t threads, vp_threadpool **out);

/** The process-wide pool with @p threads threads, created on first use and shared
 *  by every caller asking for the same count. Release with vp_threadpool_unref(). */
VP_API vp_status vp_threadpool_shared(int32_t threads, vp_threadpool **out);

/** Take another reference. @return @p pool. */
VP_API vp_threadpool *vp_threadpool_ref(vp_threadpool *pool);

/** Drop a reference; the last one destroys the pool. Sets *pool to NULL. */
VP_API void vp_threadpool_unref(vp_threadpool **pool);

/** @return the number of threads of @p pool (1 when @p pool is NULL). */
VP_API int32_t vp_threadpool_threads(const vp_threadpool *pool);

/** @return the library version string, e.g. "0.1.0". */
VP_API const char *vp_version(void);

#ifdef __cplusplus
}
#endif
#endif /* VPIPE_CORE_H */
