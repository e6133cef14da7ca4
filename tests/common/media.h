/* Test helpers for media tests: temp dirs, running the ffmpeg CLI, reading files. */
#ifndef VP_TEST_MEDIA_H
#define VP_TEST_MEDIA_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh temporary directory (removed by vp_test_rmdir). */
static inline const char *vp_test_tmpdir(void) {
  static char dir[256];
  const char *base = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/vpipe-test-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(1);
  }
  return dir;
}

static inline void vp_test_rmdir(const char *dir) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* Run a shell command built like printf; returns its exit status. */
static inline int vp_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int vp_test_sh(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int r = system(cmd);
  if (r != 0) fprintf(stderr, "command failed (%d): %s\n", r, cmd);
  return r;
}

/* Capture the first line of a command's output into buf. */
static inline int vp_test_sh_out(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int vp_test_sh_out(char *buf, size_t n, const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t got = fread(buf, 1, n - 1, p);
  buf[got] = 0;
  return pclose(p);
}

static inline int vp_test_have_ffmpeg(void) {
  return system("ffmpeg -hide_banner -version >/dev/null 2>&1") == 0 &&
         system("ffprobe -hide_banner -version >/dev/null 2>&1") == 0;
}

/* Read a whole file; caller frees. */
static inline unsigned char *vp_test_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) *size = (size_t)n;
  return buf;
}

#endif
