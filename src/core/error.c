/* Status strings, the per-thread error message and logging (layer: core). */
#include "core/error.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char tls_message[1024];

const char *vp_strerror(vp_status status) {
  switch (status) {
#define VP__STATUS_CASE(name, value, msg) \
  case VP_##name:                         \
    return msg;
    VP_STATUS_MAP(VP__STATUS_CASE)
#undef VP__STATUS_CASE
  }
  return "unknown status";
}

const char *vp_last_error(void) { return tls_message; }

void vp__error_clear(void) { tls_message[0] = '\0'; }

vp_status vp__error(vp_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tls_message, sizeof tls_message, fmt, ap);
  va_end(ap);
  return status;
}

/* The callback is process-wide by nature (like av_log_set_callback); it is
 * guarded so that installing it races with nothing. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static vp_log_fn log_fn;
static void *log_user;
static vp_log_level log_max = VP_LOG_WARNING;

void vp_log_set_callback(vp_log_fn fn, void *user, vp_log_level max_level) {
  pthread_mutex_lock(&log_lock);
  log_fn = fn;
  log_user = user;
  log_max = max_level;
  pthread_mutex_unlock(&log_lock);
}

static const char *level_name(vp_log_level level) {
  switch (level) {
    case VP_LOG_ERROR: return "error";
    case VP_LOG_WARNING: return "warning";
    case VP_LOG_INFO: return "info";
    case VP_LOG_DEBUG: return "debug";
  }
  return "?";
}

void vp__log(vp_log_level level, const char *component, const char *fmt, ...) {
  pthread_mutex_lock(&log_lock);
  vp_log_fn fn = log_fn;
  void *user = log_user;
  vp_log_level max = log_max;
  pthread_mutex_unlock(&log_lock);
  if (level > max) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (fn)
    fn(user, level, component, buf);
  else
    fprintf(stderr, "vpipe %s [%s]: %s\n", level_name(level), component, buf);
}

void vp__assert_fail(const char *expr, const char *file, int line) {
  fprintf(stderr, "vpipe: internal invariant failed: %s (%s:%d)\n", expr, file, line);
  abort();
}
