/* Helpers shared by the model store tests: temporary folders and file copies. */
#ifndef VP_TEST_STORE_UTIL_H
#define VP_TEST_STORE_UTIL_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int st_make_tmpdir(char *buf, size_t size) {
  const char *t = getenv("TMPDIR");
  snprintf(buf, size, "%s/vpipe-store-test.XXXXXX", t && *t ? t : "/tmp");
  return mkdtemp(buf) ? 0 : -1;
}

static inline int st_rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(p);
  return 0;
}

static inline void st_rm_tree(const char *path) {
  nftw(path, st_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int st_copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb");
  if (!in) return -1;
  FILE *out = fopen(to, "wb");
  if (!out) {
    fclose(in);
    return -1;
  }
  char buf[65536];
  size_t n;
  int rc = 0;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, n, out) != n) rc = -1;
  if (ferror(in)) rc = -1;
  fclose(in);
  if (fclose(out)) rc = -1;
  return rc;
}

static inline int st_write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t n = strlen(text);
  int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
  if (fclose(f)) rc = -1;
  return rc;
}

#endif
