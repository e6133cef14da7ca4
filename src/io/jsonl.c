/*
 * A compact JSON builder and the JSON Lines writer (layer: io).
 *
 * DESIGN: vp_json is single-threaded (one per producer). vp_jsonl_writer guards
 * its FILE with one mutex so lines from several threads never interleave; the
 * first write error is kept and returned by every later call and by close.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "vpipe/io.h"

#define JSON_MAX_DEPTH 64

struct vp_json {
  char *buf;
  size_t len, cap;
  vp_status status;
  int depth;
  struct {
    bool is_object;
    bool key_pending;
    int64_t count;
  } stack[JSON_MAX_DEPTH];
  int64_t top_values;
};

vp_status vp_json_create(vp_json **out) {
  if (!out) return vp__error(VP_EINVAL, "vp_json_create: out is NULL");
  vp_json *j = calloc(1, sizeof *j);
  if (!j) return vp__error(VP_ENOMEM, "json: out of memory");
  j->cap = 1024;
  j->buf = malloc(j->cap);
  if (!j->buf) {
    free(j);
    return vp__error(VP_ENOMEM, "json: out of memory");
  }
  j->buf[0] = 0;
  *out = j;
  return VP_OK;
}

void vp_json_destroy(vp_json *j) {
  if (!j) return;
  free(j->buf);
  free(j);
}

void vp_json_reset(vp_json *j) {
  if (!j) return;
  j->len = 0;
  j->buf[0] = 0;
  j->status = VP_OK;
  j->depth = 0;
  j->top_values = 0;
}

vp_status vp_json_status(const vp_json *j) { return j ? j->status : VP_EINVAL; }
const char *vp_json_text(const vp_json *j) { return j ? j->buf : ""; }
size_t vp_json_length(const vp_json *j) { return j ? j->len : 0; }

static void fail(vp_json *j, vp_status st, const char *why) {
  if (j->status == VP_OK) {
    j->status = st;
    vp__error(st, "json: %s", why);
  }
}

static void put(vp_json *j, const char *s, size_t n) {
  if (j->status) return;
  if (j->len + n + 1 > j->cap) {
    size_t cap = j->cap;
    while (j->len + n + 1 > cap) cap *= 2;
    char *b = realloc(j->buf, cap);
    if (!b) {
      fail(j, VP_ENOMEM, "out of memory");
      return;
    }
    j->buf = b;
    j->cap = cap;
  }
  memcpy(j->buf + j->len, s, n);
  j->len += n;
  j->buf[j->len] = 0;
}
static void puts_(vp_json *j, const char *s) { put(j, s, strlen(s)); }

/* Before any value: separators and grammar checks. */
static bool value_prefix(vp_json *j) {
  if (!j || j->status) return false;
  if (j->depth == 0) {
    if (j->top_values++ > 0) {
      fail(j, VP_ESTATE, "second top-level value");
      return false;
    }
    return true;
  }
  if (j->stack[j->depth - 1].is_object) {
    if (!j->stack[j->depth - 1].key_pending) {
      fail(j, VP_ESTATE, "value in an object without a key");
      return false;
    }
    j->stack[j->depth - 1].key_pending = false;
  } else if (j->stack[j->depth - 1].count > 0) {
    put(j, ",", 1);
  }
  j->stack[j->depth - 1].count++;
  return true;
}

static void open_(vp_json *j, bool object) {
  if (!value_prefix(j)) return;
  if (j->depth >= JSON_MAX_DEPTH) {
    fail(j, VP_ERANGE, "nesting deeper than 64");
    return;
  }
  j->stack[j->depth].is_object = object;
  j->stack[j->depth].key_pending = false;
  j->stack[j->depth].count = 0;
  j->depth++;
  put(j, object ? "{" : "[", 1);
}

static void close_(vp_json *j, bool object) {
  if (!j || j->status) return;
  if (j->depth == 0 || j->stack[j->depth - 1].is_object != object ||
      j->stack[j->depth - 1].key_pending) {
    fail(j, VP_ESTATE, object ? "unbalanced object end" : "unbalanced array end");
    return;
  }
  j->depth--;
  put(j, object ? "}" : "]", 1);
}

void vp_json_object_begin(vp_json *j) { open_(j, true); }
void vp_json_object_end(vp_json *j) { close_(j, true); }
void vp_json_array_begin(vp_json *j) { open_(j, false); }
void vp_json_array_end(vp_json *j) { close_(j, false); }

static void string_body(vp_json *j, const char *s) {
  put(j, "\"", 1);
  const char *run = s;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    const char *esc = NULL;
    char u[8];
    switch (*p) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      default:
        if (*p < 0x20) {
          snprintf(u, sizeof u, "\\u%04x", *p);
          esc = u;
        }
    }
    if (esc) {
      put(j, run, (size_t)((const char *)p - run));
      puts_(j, esc);
      run = (const char *)p + 1;
    }
  }
  puts_(j, run);
  put(j, "\"", 1);
}

void vp_json_key(vp_json *j, const char *key) {
  if (!j || j->status) return;
  if (!key) {
    fail(j, VP_EINVAL, "NULL key");
    return;
  }
  if (j->depth == 0 || !j->stack[j->depth - 1].is_object || j->stack[j->depth - 1].key_pending) {
    fail(j, VP_ESTATE, "key outside an object or after another key");
    return;
  }
  if (j->stack[j->depth - 1].count > 0) put(j, ",", 1);
  string_body(j, key);
  put(j, ":", 1);
  j->stack[j->depth - 1].key_pending = true;
}

void vp_json_int(vp_json *j, int64_t v) {
  if (!value_prefix(j)) return;
  char b[32];
  snprintf(b, sizeof b, "%" PRId64, v);
  puts_(j, b);
}

/* printf follows LC_NUMERIC; JSON always wants a '.' (an application may have
 * called setlocale with a decimal comma). */
static void fix_decimal_point(char *b) {
  for (; *b; b++)
    if (*b == ',') *b = '.';
}

void vp_json_float(vp_json *j, double v) {
  if (!value_prefix(j)) return;
  if (!isfinite(v)) {
    puts_(j, "null");
    return;
  }
  char b[40];
  snprintf(b, sizeof b, "%.6g", v);
  fix_decimal_point(b);
  puts_(j, strcmp(b, "-0") == 0 ? "0" : b);
}

void vp_json_fixed(vp_json *j, double v, int32_t decimals) {
  if (!value_prefix(j)) return;
  if (!isfinite(v)) {
    puts_(j, "null");
    return;
  }
  if (decimals < 0) decimals = 0;
  if (decimals > 9) decimals = 9;
  char b[64];
  snprintf(b, sizeof b, "%.*f", (int)decimals, v);
  fix_decimal_point(b);
  if (strchr(b, '.')) {
    size_t n = strlen(b);
    while (n > 0 && b[n - 1] == '0') b[--n] = 0;
    if (n > 0 && b[n - 1] == '.') b[--n] = 0;
  }
  puts_(j, strcmp(b, "-0") == 0 ? "0" : b);
}

void vp_json_bool(vp_json *j, bool v) {
  if (value_prefix(j)) puts_(j, v ? "true" : "false");
}
void vp_json_null(vp_json *j) {
  if (value_prefix(j)) puts_(j, "null");
}
void vp_json_string(vp_json *j, const char *v) {
  if (!v) {
    vp_json_null(j);
    return;
  }
  if (value_prefix(j)) string_body(j, v);
}
void vp_json_raw(vp_json *j, const char *text) {
  if (!text || !*text) {
    if (j) fail(j, VP_EINVAL, "empty raw value");
    return;
  }
  if (value_prefix(j)) puts_(j, text);
}

void vp_json_kv_int(vp_json *j, const char *k, int64_t v) {
  vp_json_key(j, k);
  vp_json_int(j, v);
}
void vp_json_kv_float(vp_json *j, const char *k, double v) {
  vp_json_key(j, k);
  vp_json_float(j, v);
}
void vp_json_kv_bool(vp_json *j, const char *k, bool v) {
  vp_json_key(j, k);
  vp_json_bool(j, v);
}
void vp_json_kv_string(vp_json *j, const char *k, const char *v) {
  vp_json_key(j, k);
  vp_json_string(j, v);
}

void vp_json_point(vp_json *j, double x, double y, double z, bool with_z) {
  vp_json_object_begin(j);
  vp_json_kv_float(j, "x", x);
  vp_json_kv_float(j, "y", y);
  if (with_z) vp_json_kv_float(j, "z", z);
  vp_json_object_end(j);
}

void vp_jsonl_record_begin(vp_json *j, const vp_frame *frame) {
  if (!j) return;
  vp_json_reset(j);
  vp_json_object_begin(j);
  if (!frame) {
    fail(j, VP_EINVAL, "record for a NULL frame");
    return;
  }
  vp_json_kv_int(j, "frame", frame->seq);
  vp_json_key(j, "pts_ms");
  /* Milliseconds rounded to the microsecond, as the reference results hold them. */
  vp_json_fixed(j, frame->pts_ns == INT64_MIN ? 0.0 : (double)frame->pts_ns / 1e6, 3);
  vp_json_kv_int(j, "width", frame->width);
  vp_json_kv_int(j, "height", frame->height);
}

void vp_json_source_event(vp_json *j, const vp_source_event *e) {
  if (!j || !e) return;
  vp_json_kv_string(j, "event", vp_source_event_name(e->type));
  vp_json_key(j, "gap_ms");
  vp_json_fixed(j, (double)e->gap_ns / 1e6, 3);
  vp_json_kv_int(j, "attempt", e->attempt);
  if (e->type == VP_SOURCE_EVENT_RETRY) vp_json_kv_int(j, "delay_ms", e->delay_ms);
  vp_json_kv_int(j, "last_frame", e->last_seq);
  if (e->message[0]) vp_json_kv_string(j, "message", e->message);
}

/* ---- writer ------------------------------------------------------------ */

struct vp_jsonl_writer {
  pthread_mutex_t lock;
  FILE *fp;
  bool is_stdout;
  bool flush;
  char *path;
  int64_t lines;
  vp_status error;
};

vp_jsonl_options vp_jsonl_options_default(void) {
  vp_jsonl_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.flush_each_line = true;
  return o;
}

vp_status vp_jsonl_open(const char *path, const vp_jsonl_options *options, vp_jsonl_writer **out) {
  if (!path || !*path || !out) return vp__error(VP_EINVAL, "vp_jsonl_open: no path");
  vp_jsonl_options o = options ? *options : vp_jsonl_options_default();
  vp_jsonl_writer *w = calloc(1, sizeof *w);
  if (!w) return vp__error(VP_ENOMEM, "jsonl: out of memory");
  w->path = strdup(path);
  if (!w->path) {
    free(w);
    return vp__error(VP_ENOMEM, "jsonl: out of memory");
  }
  if (strcmp(path, "-") == 0) {
    w->fp = stdout;
    w->is_stdout = true;
  } else {
    w->fp = fopen(path, o.append ? "a" : "w");
    if (!w->fp) {
      int e = errno;
      free(w->path);
      free(w);
      return vp__error(e == ENOENT ? VP_ENOENT : VP_EIO, "cannot open JSONL output '%s': %s", path,
                       strerror(e));
    }
  }
  w->flush = o.flush_each_line;
  pthread_mutex_init(&w->lock, NULL);
  *out = w;
  return VP_OK;
}

static vp_status write_line(vp_jsonl_writer *w, const char *text, size_t len) {
  pthread_mutex_lock(&w->lock);
  vp_status st = w->error;
  if (!st) {
    if (fwrite(text, 1, len, w->fp) != len || fputc('\n', w->fp) == EOF ||
        (w->flush && fflush(w->fp) != 0)) {
      int e = errno;
      st = w->error = vp__error(VP_EIO, "writing JSONL '%s': %s", w->path, strerror(e));
    } else {
      w->lines++;
    }
  } else {
    vp__error(st, "writing JSONL '%s': an earlier write failed", w->path);
  }
  pthread_mutex_unlock(&w->lock);
  return st;
}

vp_status vp_jsonl_write(vp_jsonl_writer *w, vp_json *j) {
  if (!w || !j) return vp__error(VP_EINVAL, "vp_jsonl_write: NULL argument");
  while (j->depth > 0 && !j->status) {
    if (j->stack[j->depth - 1].key_pending) vp_json_null(j);
    close_(j, j->stack[j->depth - 1].is_object);
  }
  if (j->status) return vp__error(j->status, "vp_jsonl_write: the record is malformed (%s)", vp_strerror(j->status));
  if (j->len == 0) return vp__error(VP_EINVAL, "vp_jsonl_write: empty record");
  return write_line(w, j->buf, j->len);
}

vp_status vp_jsonl_write_raw(vp_jsonl_writer *w, const char *line) {
  if (!w || !line) return vp__error(VP_EINVAL, "vp_jsonl_write_raw: NULL argument");
  if (strchr(line, '\n')) return vp__error(VP_EINVAL, "vp_jsonl_write_raw: newline inside the line");
  return write_line(w, line, strlen(line));
}

int64_t vp_jsonl_lines(const vp_jsonl_writer *w) {
  if (!w) return 0;
  vp_jsonl_writer *m = (vp_jsonl_writer *)w;
  pthread_mutex_lock(&m->lock);
  int64_t n = m->lines;
  pthread_mutex_unlock(&m->lock);
  return n;
}

vp_status vp_jsonl_close(vp_jsonl_writer *w) {
  if (!w) return VP_OK;
  vp_status st = w->error;
  if (w->is_stdout) {
    if (fflush(w->fp) != 0 && !st) st = vp__error(VP_EIO, "flushing JSONL to stdout: %s", strerror(errno));
  } else if (fclose(w->fp) != 0 && !st) {
    st = vp__error(VP_EIO, "closing JSONL '%s': %s", w->path, strerror(errno));
  }
  if (st && w->error == st) vp__error(st, "writing JSONL '%s' failed earlier", w->path);
  pthread_mutex_destroy(&w->lock);
  free(w->path);
  free(w);
  return st;
}
