/* Fetching MediaPipe's models from their npm packages (layer: model).
 *
 * For each pinned package: `npm pack NAME@VERSION` in a private temporary
 * folder (posix_spawn, no shell), SHA-256 of the tarball, `tar -xzf` of just
 * the files we need, then each model is copied (a whole file, or the byte
 * range the packed-assets loader script lists) into a temporary file in the
 * models folder while it is hashed, and renamed into place only when its size
 * and SHA-256 are MediaPipe's. Nothing unverified ever gets a model's name.
 *
 * DESIGN: no shared state; runs on the caller's thread; child processes are
 * waited for before returning. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "model/store.h"

extern char **environ;

enum { MAX_LOADER_BYTES = 4 << 20 };

vp_models_fetch_options vp_models_fetch_options_default(void) {
  vp_models_fetch_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  return o;
}

typedef struct fetch_ctx {
  const vp_models_fetch_options *opt;
  const char *dir; /* destination */
  char tmp[4096];  /* private work folder */
} fetch_ctx;

static int child_timeout(const fetch_ctx *c) {
  return c->opt->timeout_s > 0 ? c->opt->timeout_s : 600;
}

static void progress(const fetch_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(const fetch_ctx *c, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (c->opt->progress)
    c->opt->progress(c->opt->progress_user, msg);
  else
    VP_LOGI("models", "%s", msg);
}

/* Last line(s) of a child's log, for error messages. */
static void log_tail(const char *path, char *buf, size_t size) {
  buf[0] = '\0';
  FILE *f = fopen(path, "rbe");
  if (!f) return;
  long keep = (long)size - 1;
  if (fseek(f, 0, SEEK_END) == 0) {
    long end = ftell(f);
    fseek(f, end > keep ? end - keep : 0, SEEK_SET);
  }
  size_t n = fread(buf, 1, size - 1, f);
  fclose(f);
  buf[n] = '\0';
  for (size_t i = 0; i < n; i++)
    if (buf[i] == '\n' || buf[i] == '\r') buf[i] = ' ';
  while (n > 0 && buf[n - 1] == ' ') buf[--n] = '\0';
}

/* Wait for child pid at most timeout_s seconds (a pidfd becomes readable when
 * the child exits; no polling loop). On timeout the child is killed and
 * reaped. Returns 0 with *status set, 1 on timeout, -1 on error. */
static int wait_child(pid_t pid, int timeout_s, int *status) {
  int fd = pidfd_open(pid, 0);
  if (fd >= 0) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int64_t deadline = vp_time_ns() + (int64_t)timeout_s * 1000000000;
    int r;
    for (;;) {
      int64_t left_ms = (deadline - vp_time_ns()) / 1000000;
      if (left_ms < 0) left_ms = 0;
      r = poll(&p, 1, (int)(left_ms > 3600000 ? 3600000 : left_ms));
      if (r < 0 && errno == EINTR) continue;
      if (r == 0 && vp_time_ns() < deadline) continue;
      break;
    }
    close(fd);
    if (r == 0) {
      kill(-pid, SIGKILL); /* its own process group: npm's children too */
      kill(pid, SIGKILL);
      while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
      }
      return 1;
    }
  }
  /* Exited (or no pidfd support: plain blocking wait). */
  while (waitpid(pid, status, 0) < 0)
    if (errno != EINTR) return -1;
  return 0;
}

/* Run argv[0] (PATH lookup) in folder cwd, stdin from /dev/null, stdout and
 * stderr into log, for at most timeout_s seconds. Returns VP_OK when it exits
 * with status 0. */
static vp_status run(const char *cwd, char *const argv[], const char *log, int timeout_s) {
  posix_spawn_file_actions_t fa;
  if (posix_spawn_file_actions_init(&fa)) return vp__error(VP_ENOMEM, "posix_spawn setup failed");
  int e = posix_spawn_file_actions_addchdir_np(&fa, cwd);
  if (!e) e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (!e) e = posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!e) e = posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_t attr;
  int have_attr = !e && posix_spawnattr_init(&attr) == 0;
  if (have_attr) {
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
  }
  pid_t pid = 0;
  if (!e) e = posix_spawnp(&pid, argv[0], &fa, have_attr ? &attr : NULL, argv, environ);
  if (have_attr) posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  if (e)
    return vp__error(VP_EIO, "cannot run `%s`: %s%s", argv[0], strerror(e),
                     e == ENOENT ? " (is it installed and in PATH?)" : "");
  int status = 0;
  int w = wait_child(pid, timeout_s, &status);
  if (w < 0) return vp__error(VP_EIO, "waiting for `%s`: %s", argv[0], strerror(errno));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && w == 0) return VP_OK;
  char cmd[300];
  size_t n = 0;
  cmd[0] = '\0';
  for (int i = 0; argv[i] && n + 1 < sizeof cmd; i++) {
    int k = snprintf(cmd + n, sizeof cmd - n, "%s%s", i ? " " : "", argv[i]);
    if (k < 0) break;
    n += (size_t)k;
  }
  char tail[600];
  log_tail(log, tail, sizeof tail);
  if (w == 1)
    return vp__error(VP_ETIMEDOUT, "`%s` did not finish within %d s and was stopped: %s", cmd,
                     timeout_s, tail[0] ? tail : "(no output)");
  if (WIFEXITED(status))
    return vp__error(VP_EIO, "`%s` failed with exit status %d: %s", cmd, WEXITSTATUS(status),
                     tail[0] ? tail : "(no output)");
  return vp__error(VP_EIO, "`%s` was killed by signal %d", cmd,
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

static void remove_tree(const char *path) { nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* The single *.tgz in folder d. */
static vp_status find_tarball(const char *d, char *out, size_t size, const char *pkg) {
  DIR *dh = opendir(d);
  if (!dh) return vp__error(VP_EIO, "cannot read %s: %s", d, strerror(errno));
  int found = 0;
  char name[256] = "";
  struct dirent *de;
  while ((de = readdir(dh))) {
    size_t n = strlen(de->d_name);
    if (n > 4 && n < sizeof name && !strcmp(de->d_name + n - 4, ".tgz")) {
      found++;
      memcpy(name, de->d_name, n + 1);
    }
  }
  closedir(dh);
  if (found != 1)
    return vp__error(VP_EIO, "`npm pack %s` left %d tarballs instead of one", pkg, found);
  if (snprintf(out, size, "%s/%s", d, name) >= (int)size)
    return vp__error(VP_ERANGE, "temporary path too long");
  return VP_OK;
}

static vp_status sha256_path(const char *path, vp__sha256_hex *out) {
  FILE *f = fopen(path, "rbe");
  if (!f) return vp__error(VP_EIO, "cannot open %s: %s", path, strerror(errno));
  vp_status st = vp__sha256_file_range(f, 0, -1, NULL, out, path);
  fclose(f);
  return st;
}

/* Read a whole (small) file into a NUL-terminated malloc'd buffer. */
static vp_status read_small(const char *path, char **out, size_t *len) {
  FILE *f = fopen(path, "rbe");
  if (!f) return vp__error(VP_EFORMAT, "the package has no %s: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fileno(f), &sb) || sb.st_size < 0 || sb.st_size > MAX_LOADER_BYTES) {
    fclose(f);
    return vp__error(VP_EFORMAT, "%s is larger than %d bytes", path, MAX_LOADER_BYTES);
  }
  char *buf = malloc((size_t)sb.st_size + 1);
  if (!buf) {
    fclose(f);
    return vp__error(VP_ENOMEM, "out of memory reading %s", path);
  }
  size_t n = fread(buf, 1, (size_t)sb.st_size, f);
  fclose(f);
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return VP_OK;
}

/* Copy [start, start+m->size) of src into DIR/NAME.tflite atomically, if its
 * SHA-256 is the pinned one. */
static vp_status install_model(const fetch_ctx *c, const vp__store_model *m, const char *src,
                               int64_t start) {
  FILE *in = fopen(src, "rbe");
  if (!in) return vp__error(VP_EFORMAT, "model '%s': cannot open %s: %s", m->name, src, strerror(errno));
  struct stat sb;
  if (fstat(fileno(in), &sb) || !S_ISREG(sb.st_mode) || start < 0 ||
      start > (int64_t)sb.st_size || m->size > (int64_t)sb.st_size - start) {
    fclose(in);
    return vp__error(VP_EFORMAT,
                     "model '%s': bytes %lld..%lld are not inside %s (%lld bytes)", m->name,
                     (long long)start, (long long)(start + m->size), src, (long long)sb.st_size);
  }
  char tmp[4300], dst[4300];
  snprintf(dst, sizeof dst, "%s/%s.tflite", c->dir, m->name);
  snprintf(tmp, sizeof tmp, "%s/.%s.tflite.XXXXXX", c->dir, m->name);
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) {
    fclose(in);
    return vp__error(VP_EIO, "cannot create a file in %s: %s", c->dir, strerror(errno));
  }
  FILE *out = fdopen(fd, "wb");
  if (!out) {
    close(fd);
    unlink(tmp);
    fclose(in);
    return vp__error(VP_EIO, "cannot write %s: %s", tmp, strerror(errno));
  }
  vp__sha256_hex got;
  vp_status st = vp__sha256_file_range(in, start, m->size, out, &got, src);
  fclose(in);
  if (!st && (fflush(out) || fsync(fileno(out)) || fchmod(fileno(out), 0644)))
    st = vp__error(VP_EIO, "cannot write %s: %s", tmp, strerror(errno));
  if (fclose(out) && !st) st = vp__error(VP_EIO, "cannot write %s: %s", tmp, strerror(errno));
  if (!st && strcmp(got.hex, m->sha256))
    st = vp__error(VP_ECHECKSUM,
                   "model '%s' from %s@%s has SHA-256 %s, expected %s; nothing was installed",
                   m->name, vp__store_packages[m->package].name,
                   vp__store_packages[m->package].version, got.hex, m->sha256);
  if (!st && rename(tmp, dst))
    st = vp__error(VP_EIO, "cannot rename %s to %s: %s", tmp, dst, strerror(errno));
  if (st) unlink(tmp);
  return st;
}

/* Take model m out of the unpacked package in folder x. */
static vp_status extract_model(const fetch_ctx *c, const vp__store_model *m, const char *x) {
  char src[4300];
  if (snprintf(src, sizeof src, "%s/%s", x, m->file) >= (int)sizeof src)
    return vp__error(VP_ERANGE, "temporary path too long");
  if (!m->packed_entry) return install_model(c, m, src, 0);
  /* "..._packed_assets.data" -> "..._packed_assets_loader.js" */
  char loader[4400];
  size_t n = strlen(src);
  if (n < 5 || strcmp(src + n - 5, ".data"))
    return vp__error(VP_EFORMAT, "model '%s': %s is not a .data file", m->name, m->file);
  if (snprintf(loader, sizeof loader, "%.*s_loader.js", (int)(n - 5), src) >= (int)sizeof loader)
    return vp__error(VP_ERANGE, "temporary path too long");
  char *js = NULL;
  size_t len = 0;
  vp_status st = read_small(loader, &js, &len);
  if (st) return st;
  int64_t start = 0, end = 0;
  st = vp__packed_loader_find(js, len, m->packed_entry, &start, &end);
  free(js);
  if (st) return st;
  if (end - start != m->size)
    return vp__error(VP_EFORMAT, "model '%s': the loader script gives %lld bytes, expected %lld",
                     m->name, (long long)(end - start), (long long)m->size);
  return install_model(c, m, src, start);
}

static vp_status fetch_package(fetch_ctx *c, int pi) {
  const vp__store_package *p = &vp__store_packages[pi];
  char spec[256], work[4200], x[4300], log[4300], tgz[4400];
  snprintf(spec, sizeof spec, "%s@%s", p->name, p->version);
  snprintf(work, sizeof work, "%s/p%d", c->tmp, pi);
  snprintf(x, sizeof x, "%s/x", work);
  snprintf(log, sizeof log, "%s/log", c->tmp);
  if (mkdir(work, 0700) || mkdir(x, 0700))
    return vp__error(VP_EIO, "cannot create %s: %s", work, strerror(errno));

  /* --prefer-offline: npm's cache may serve the tarball; its SHA-256 is checked anyway. */
  progress(c, "%s: npm pack", spec);
  const char *npm = c->opt->npm ? c->opt->npm : "npm";
  char *npm_argv[] = {(char *)npm, "pack", "--silent", "--prefer-offline", spec, NULL};
  vp_status st = run(work, npm_argv, log, child_timeout(c));
  if (st) return st;
  if ((st = find_tarball(work, tgz, sizeof tgz, spec))) return st;
  vp__sha256_hex got;
  if ((st = sha256_path(tgz, &got))) return st;
  if (strcmp(got.hex, p->tarball_sha256))
    return vp__error(VP_ECHECKSUM,
                     "%s: the tarball npm gave has SHA-256 %s, expected %s (not the pinned "
                     "release; nothing was installed)",
                     spec, got.hex, p->tarball_sha256);

  /* tar -xzf TGZ -C X member... (each needed file once, loaders too) */
  const char *argv[2 * 16 + 8];
  char loaders[16][512];
  int argc = 0, nl = 0;
  const char *tar = c->opt->tar ? c->opt->tar : "tar";
  argv[argc++] = tar;
  argv[argc++] = "-xzf";
  argv[argc++] = tgz;
  argv[argc++] = "-C";
  argv[argc++] = x;
  argv[argc++] = "--no-same-owner";
  for (int i = 0; i < vp__store_model_count; i++) {
    const vp__store_model *m = &vp__store_models[i];
    if (m->package != pi) continue;
    int dup = 0;
    for (int j = 5; j < argc; j++) dup |= !strcmp(argv[j], m->file);
    if (dup) continue;
    argv[argc++] = m->file;
    if (m->packed_entry && nl < 16) {
      size_t n = strlen(m->file);
      snprintf(loaders[nl], sizeof loaders[nl], "%.*s_loader.js", (int)(n - 5), m->file);
      argv[argc++] = loaders[nl++];
    }
  }
  argv[argc] = NULL;
  progress(c, "%s: tarball verified, unpacking", spec);
  if ((st = run(x, (char *const *)argv, log, child_timeout(c)))) return st;

  for (int i = 0; i < vp__store_model_count; i++) {
    const vp__store_model *m = &vp__store_models[i];
    if (m->package != pi) continue;
    if ((st = extract_model(c, m, x))) return st;
    progress(c, "%s: %s.tflite ok (%lld bytes, SHA-256 verified)", spec, m->name,
             (long long)m->size);
  }
  return VP_OK;
}

static vp_status make_dirs(const char *dir) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
    return vp__error(VP_ERANGE, "models folder name too long");
  for (char *s = buf + 1; *s; s++) {
    if (*s != '/') continue;
    *s = '\0';
    if (mkdir(buf, 0755) && errno != EEXIST)
      return vp__error(VP_EIO, "cannot create %s: %s", buf, strerror(errno));
    *s = '/';
  }
  if (mkdir(buf, 0755) && errno != EEXIST)
    return vp__error(VP_EIO, "cannot create %s: %s", buf, strerror(errno));
  struct stat sb;
  if (stat(buf, &sb) || !S_ISDIR(sb.st_mode))
    return vp__error(VP_EIO, "%s is not a folder", buf);
  return VP_OK;
}

vp_status vp_models_fetch(const vp_models_fetch_options *options) {
  vp_models_fetch_options defaults = vp_models_fetch_options_default();
  const vp_models_fetch_options *opt = options ? options : &defaults;
  if (opt->struct_size != sizeof *opt)
    return vp__error(VP_EINVAL, "vp_models_fetch: options.struct_size is %u, expected %zu "
                     "(initialise with vp_models_fetch_options_default())",
                     opt->struct_size, sizeof *opt);
  char dir[4096];
  vp_status st = opt->dir ? (*opt->dir ? VP_OK : vp__error(VP_EINVAL, "empty models folder name"))
                          : vp_models_dir(dir, sizeof dir);
  if (st) return st;
  if (opt->dir && snprintf(dir, sizeof dir, "%s", opt->dir) >= (int)sizeof dir)
    return vp__error(VP_ERANGE, "models folder name too long");
  if ((st = make_dirs(dir))) return st;

  fetch_ctx c = {.opt = opt, .dir = dir};
  vp_status first = VP_OK;
  char first_msg[1024] = "";
  int failed = 0;
  for (int pi = 0; pi < vp__store_package_count; pi++) {
    const vp__store_package *p = &vp__store_packages[pi];
    if (!opt->force) {
      int all_ok = 1, n = 0;
      for (int i = 0; i < vp__store_model_count; i++) {
        if (vp__store_models[i].package != pi) continue;
        n++;
        if (vp_model_verify(vp__store_models[i].name, dir) != VP_OK) all_ok = 0;
      }
      if (all_ok) {
        progress(&c, "%s@%s: all %d models present and verified", p->name, p->version, n);
        continue;
      }
    }
    if (!c.tmp[0]) {
      const char *t = getenv("TMPDIR");
      snprintf(c.tmp, sizeof c.tmp, "%s/vpipe-models.XXXXXX", t && *t ? t : "/tmp");
      if (!mkdtemp(c.tmp)) {
        c.tmp[0] = '\0';
        return vp__error(VP_EIO, "cannot create a temporary folder: %s", strerror(errno));
      }
    }
    st = fetch_package(&c, pi);
    if (st == VP_ETIMEDOUT) {
      /* A hung npm means no registry: do not wait as long again for each package. */
      first = first ? first : st;
      if (!first_msg[0])
        snprintf(first_msg, sizeof first_msg, "%s@%s: %s", p->name, p->version, vp_last_error());
      failed = vp__store_package_count - pi + failed;
      progress(&c, "%s@%s: FAILED: %s; not trying the other packages", p->name, p->version,
               vp_last_error());
      break;
    }
    if (st) {
      failed++;
      progress(&c, "%s@%s: FAILED: %s", p->name, p->version, vp_last_error());
      if (!first) {
        first = st;
        snprintf(first_msg, sizeof first_msg, "%s@%s: %s", p->name, p->version, vp_last_error());
      }
    }
  }
  if (c.tmp[0]) remove_tree(c.tmp);
  if (first)
    return vp__error(first, "%d of %d packages failed; first: %s", failed,
                     vp__store_package_count, first_msg);
  return VP_OK;
}
