/* One-time FFmpeg set-up shared by the image and io layers (layer: image):
 * FFmpeg's log messages go through vpipe's log callback (component "ffmpeg")
 * instead of straight to stderr. vpipe reports failures itself with a clear
 * message, so FFmpeg's errors are demoted to INFO and its warnings to DEBUG. */
#include <libavdevice/avdevice.h>
#include <libavutil/log.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "image/ffmpeg_init.h"

static void forward_log(void *avcl, int level, const char *fmt, va_list vl) {
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
