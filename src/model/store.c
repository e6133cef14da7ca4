/* The model store (layer: model): where models live, checking them against
 * the pinned SHA-256, and remembering successful checks.
 *
 * DESIGN: the only shared state is the verification cache below, a fixed
 * array guarded by one mutex (no other lock is taken while holding it). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/mem.h>
#include <libavutil/sha.h>

#include "core/error.h"
#include "model/store.h"

/* ---- SHA-256 (libavutil) ----------------------------------------------- */

static void to_hex(const uint8_t digest[32], vp__sha256_hex *out) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out->hex[2 * i] = digits[digest[i] >> 4];
    out->hex[2 * i + 1] = digits[digest[i] & 15];
  }
  out->hex[64] = '\0';
}

vp_status vp__sha256_buffer(const void *data, size_t len, vp__sha256_hex *out) {
  struct AVSHA *sha = av_sha_alloc();
  if (!sha) return vp__error(VP_ENOMEM, "out of memory for a SHA-256 context");
  av_sha_init(sha, 256);
  av_sha_update(sha, data, len);
  uint8_t digest[32];
  av_sha_final(sha, digest);
  av_free(sha);
  to_hex(digest, out);
  return VP_OK;
}

vp_status vp__sha256_file_range(FILE *f, int64_t start, int64_t len, FILE *copy,
                                vp__sha256_hex *out, const char *what) {
  enum { CHUNK = 1 << 20 };
  if (start < 0) return vp__error(VP_EINVAL, "%s: negative offset", what);
  if (fseeko(f, (off_t)start, SEEK_SET))
    return vp__error(VP_EIO, "%s: cannot seek to %lld: %s", what, (long long)start,
                     strerror(errno));
  uint8_t *buf = malloc(CHUNK);
  struct AVSHA *sha = av_sha_alloc();
  if (!buf || !sha) {
    free(buf);
    av_free(sha);
    return vp__error(VP_ENOMEM, "out of memory for hashing %s", what);
  }
  av_sha_init(sha, 256);
  vp_status st = VP_OK;
  int64_t left = len;
  while (len < 0 || left > 0) {
    size_t want = CHUNK;
    if (len >= 0 && left < (int64_t)want) want = (size_t)left;
    size_t got = fread(buf, 1, want, f);
    if (got > 0) {
      av_sha_update(sha, buf, got);
      if (copy && fwrite(buf, 1, got, copy) != got) {
        st = vp__error(VP_EIO, "%s: write error: %s", what, strerror(errno));
        break;
      }
      left -= (int64_t)got;
    }
    if (got < want) {
      if (ferror(f))
        st = vp__error(VP_EIO, "%s: read error: %s", what, strerror(errno));
      else if (len >= 0)
        st = vp__error(VP_EIO, "%s: file ends %lld bytes before the expected end", what,
                       (long long)left);
      break;
    }
  }
  uint8_t digest[32];
  av_sha_final(sha, digest);
  av_free(sha);
  free(buf);
  if (st == VP_OK) to_hex(digest, out);
  return st;
}

/* ---- Names and folders -------------------------------------------------- */

static vp_status copy_out(char *buf, size_t size, const char *a, const char *b) {
  int n = snprintf(buf, size, "%s%s", a, b);
  if (n < 0 || (size_t)n >= size)
    return vp__error(VP_ERANGE, "path '%s%s' does not fit in %zu bytes", a, b, size);
  return VP_OK;
}

vp_status vp_models_dir(char *buf, size_t size) {
  if (!buf || size == 0) return vp__error(VP_EINVAL, "vp_models_dir: no buffer");
  const char *env = getenv("VPIPE_MODELS");
  if (env && *env) return copy_out(buf, size, env, "");
  env = getenv("XDG_DATA_HOME");
  if (env && env[0] == '/') return copy_out(buf, size, env, "/vpipe/models"); /* XDG: absolute only */
  const char *home = getenv("HOME");
  char pwbuf[4096];
  struct passwd pw, *pwp = NULL;
  if ((!home || !*home) && getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &pwp) == 0 && pwp)
    home = pw.pw_dir;
  if (!home || !*home)
    return vp__error(VP_ENOENT,
                     "no models folder: set VPIPE_MODELS (or XDG_DATA_HOME or HOME) to a folder");
  return copy_out(buf, size, home, "/.local/share/vpipe/models");
}

int32_t vp_models_count(void) { return vp__store_model_count; }

vp_status vp_models_entry(int32_t index, vp_model_entry *out) {
  if (!out) return vp__error(VP_EINVAL, "vp_models_entry: out is NULL");
  if (index < 0 || index >= vp__store_model_count)
    return vp__error(VP_ERANGE, "model index %d is not in 0..%d", index, vp__store_model_count - 1);
  const vp__store_model *m = &vp__store_models[index];
  const vp__store_package *p = &vp__store_packages[m->package];
  *out = (vp_model_entry){m->name, p->name, p->version, m->sha256, m->size};
  return VP_OK;
}

static vp_status unknown_model(const char *name) {
  char known[1024];
  size_t n = 0;
  known[0] = '\0';
  for (int i = 0; i < vp__store_model_count && n < sizeof known; i++) {
    int w = snprintf(known + n, sizeof known - n, "%s%s", i ? ", " : "", vp__store_models[i].name);
    if (w < 0) break;
    n += (size_t)w;
  }
  return vp__error(VP_EINVAL, "unknown model '%s'; vpipe knows: %s", name ? name : "(null)", known);
}

/* Resolve the folder (NULL: default) into dirbuf. */
static vp_status resolve_dir(const char *models_dir, char *dirbuf, size_t size) {
  if (models_dir) {
    if (!*models_dir) return vp__error(VP_EINVAL, "empty models folder name");
    return copy_out(dirbuf, size, models_dir, "");
  }
  return vp_models_dir(dirbuf, size);
}

vp_status vp_model_path(const char *name, const char *models_dir, char *buf, size_t size) {
  if (!buf || size == 0) return vp__error(VP_EINVAL, "vp_model_path: no buffer");
  const vp__store_model *m = vp__store_find(name);
  if (!m) return unknown_model(name);
  char dir[4096];
  vp_status st = resolve_dir(models_dir, dir, sizeof dir);
  if (st) return st;
  int n = snprintf(buf, size, "%s/%s.tflite", dir, m->name);
  if (n < 0 || (size_t)n >= size)
    return vp__error(VP_ERANGE, "path of model '%s' in '%s' does not fit in %zu bytes", name, dir,
                     size);
  return VP_OK;
}

/* ---- Verification cache ----------------------------------------------- */

/* A file that verified once is trusted again while it is the same inode with
 * the same size, mtime and ctime (any write or rename changes ctime). */
typedef struct cache_entry {
  int model;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime, ctime;
  int used;
} cache_entry;

enum { CACHE_SIZE = 64 };
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry cache[CACHE_SIZE];
static unsigned cache_next;

static int same_time(struct timespec a, struct timespec b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static int cache_hit(int model, const struct stat *st) {
  int hit = 0;
  pthread_mutex_lock(&cache_lock);
  for (int i = 0; i < CACHE_SIZE && !hit; i++) {
    const cache_entry *e = &cache[i];
    hit = e->used && e->model == model && e->dev == st->st_dev && e->ino == st->st_ino &&
          e->size == st->st_size && same_time(e->mtime, st->st_mtim) &&
          same_time(e->ctime, st->st_ctim);
  }
  pthread_mutex_unlock(&cache_lock);
  return hit;
}

static void cache_put(int model, const struct stat *st) {
  pthread_mutex_lock(&cache_lock);
  cache_entry *e = &cache[cache_next++ % CACHE_SIZE];
  *e = (cache_entry){model, st->st_dev, st->st_ino, st->st_size, st->st_mtim, st->st_ctim, 1};
  pthread_mutex_unlock(&cache_lock);
}

void vp__store_cache_clear(void) {
  pthread_mutex_lock(&cache_lock);
  memset(cache, 0, sizeof cache);
  cache_next = 0;
  pthread_mutex_unlock(&cache_lock);
}

/* The "how to fix it" part of a message. */
static void fetch_hint(const char *models_dir, char *buf, size_t size) {
  if (models_dir)
    snprintf(buf, size, "run `vpipe models fetch --dir %s`", models_dir);
  else
    snprintf(buf, size, "run `vpipe models fetch`");
}

vp_status vp_model_verify(const char *name, const char *models_dir) {
  const vp__store_model *m = vp__store_find(name);
  if (!m) return unknown_model(name);
  char dir[4096], path[4200], hint[4200];
  vp_status st = resolve_dir(models_dir, dir, sizeof dir);
  if (st) return st;
  snprintf(path, sizeof path, "%s/%s.tflite", dir, m->name);
  fetch_hint(models_dir, hint, sizeof hint);
  FILE *f = fopen(path, "rbe");
  if (!f) {
    if (errno == ENOENT)
      return vp__error(VP_ENOENT, "model '%s' not found in %s: %s", name, dir, hint);
    return vp__error(VP_EIO, "model '%s': cannot open %s: %s", name, path, strerror(errno));
  }
  struct stat sb;
  if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode)) {
    fclose(f);
    return vp__error(VP_EIO, "model '%s': %s is not a regular file", name, path);
  }
  if (sb.st_size != m->size) {
    fclose(f);
    return vp__error(VP_ECHECKSUM,
                     "model '%s' is corrupted: %s has %lld bytes, expected %lld: %s to replace it",
                     name, path, (long long)sb.st_size, (long long)m->size, hint);
  }
  int index = (int)(m - vp__store_models);
  if (cache_hit(index, &sb)) {
    fclose(f);
    return VP_OK;
  }
  vp__sha256_hex got;
  st = vp__sha256_file_range(f, 0, m->size, NULL, &got, path);
  fclose(f);
  if (st) return st;
  if (strcmp(got.hex, m->sha256))
    return vp__error(VP_ECHECKSUM,
                     "model '%s': checksum mismatch: %s has SHA-256 %s, expected %s (the file is "
                     "corrupted or not MediaPipe's): %s to replace it",
                     name, path, got.hex, m->sha256, hint);
  cache_put(index, &sb);
  return VP_OK;
}
