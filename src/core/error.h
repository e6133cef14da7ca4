/* Private helpers for setting the per-thread error message (layer: core). */
#ifndef VP_CORE_ERROR_H
#define VP_CORE_ERROR_H

#include "vpipe/core.h"

/* Record a formatted message for vp_last_error() and return @status, so that
 * callers can write `return vp__error(VP_EFORMAT, "tensor %d: ...", i);`. */
vp_status vp__error(vp_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clear the message (called by nothing on success paths; kept for tests). */
void vp__error_clear(void);

/* Library-internal logging through the user's callback. */
void vp__log(vp_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define VP_LOGE(comp, ...) vp__log(VP_LOG_ERROR, comp, __VA_ARGS__)
#define VP_LOGW(comp, ...) vp__log(VP_LOG_WARNING, comp, __VA_ARGS__)
#define VP_LOGI(comp, ...) vp__log(VP_LOG_INFO, comp, __VA_ARGS__)
#define VP_LOGD(comp, ...) vp__log(VP_LOG_DEBUG, comp, __VA_ARGS__)

/* Assertion for our own invariants only, never for user input. */
#define VP_ASSERT(cond)                                                        \
  do {                                                                         \
    if (!(cond)) vp__assert_fail(#cond, __FILE__, __LINE__);                   \
  } while (0)
_Noreturn void vp__assert_fail(const char *expr, const char *file, int line);

#endif
