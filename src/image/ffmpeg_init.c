/* One-time FFmpeg set-up shared by the image and io layers (layer: image):
 * FFmpeg's log messages go through vpipe's log callback (component "ffmpeg")
 * instead of straight to stderr. vpipe reports failures itself with a clear
 * message, so FFmpeg's errors are demoted to INFO and its warnings to DEBUG. */
#include <libavdevice/avdevice.h>
#include <stdatomic.h>
#include <libavutil/log.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "image/ffmpeg_init.h"

static _Atomic(vp__ffmpeg_error_hook) error_hook;

void vp__ffmpeg_set_error_hook(vp__ffmpeg_error_hook hook) { atomic_store(&error_hook, hook); }

static void forward_log(void *avcl, int level, const char *fmt, va_list vl) {
  vp__ffmpeg_error_hook hook = level <= AV_LOG_ERROR && avcl ? atomic_load(&error_hook) : NULL;
  if (hook) {
    char msg[256];
    int pp = 0;
    va_list copy;
    va_copy(copy, vl);
    av_log_format_line2(NULL, level, fmt, copy, msg, sizeof msg, &pp);
    va_end(copy);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = 0;
    hook(avcl, msg);
  }
  vp_log_level lv;
  if (level <= AV_LOG_FATAL) lv = VP_LOG_WARNING;
  else if (level <= AV_LOG_ERROR) lv = VP_LOG_INFO;
  else if (level <= AV_LOG_WARNING) lv = VP_LOG_DEBUG;
  else return;
  char line[1024];
  int print_prefix = 1;
  av_log_format_line2(avcl, level, fmt, vl, line, sizeof line, &print_prefix);
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
  if (n) vp__log(lv, "ffmpeg", "%s", line);
}

static void init_once(void) {
  av_log_set_callback(forward_log);
  avdevice_register_all();
}

void vp__ffmpeg_init(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, init_once);
}
