/* Reading the byte ranges out of an Emscripten packed-assets loader script
 * (layer: model).
 *
 * MediaPipe's JS solutions ship several models inside one
 * `*_packed_assets.data` file; Emscripten's file packager writes, beside it, a
 * `*_packed_assets_loader.js` whose last statement is a call
 *   loadPackage({"files": [{"filename": F, "start": S, "end": E}, ...],
 *                "remote_package_size": N, "package_uuid": U});
 * We parse that one JSON argument with a small strict JSON reader. The script
 * comes from the network, so it is untrusted: lengths, nesting and numbers are
 * bounded and every error names the offset. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "model/store.h"

enum { MAX_DEPTH = 32, MAX_STRING = 4096 };
#define MAX_NUMBER ((int64_t)1 << 53) /* larger offsets are not plausible */

typedef struct parser {
  const char *base, *p, *end;
} parser;

static vp_status fail(const parser *ps, const char *what) {
  return vp__error(VP_EFORMAT, "packed assets loader script, offset %td: %s", ps->p - ps->base,
                   what);
}

static void skip_ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static bool eat(parser *ps, char c) {
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == c) {
    ps->p++;
    return true;
  }
  return false;
}

/* A JSON string into buf (NUL-terminated), or only checked when buf is NULL.
 * \u escapes only for ASCII. */
static vp_status parse_string(parser *ps, char *buf, size_t cap) {
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "expected a string");
  ps->p++;
  size_t n = 0;
  for (;;) {
    if (ps->p >= ps->end) return fail(ps, "unterminated string");
    char c = *ps->p++;
    if (c == '"') break;
    if ((unsigned char)c < 0x20) return fail(ps, "control character in string");
    if (c == '\\') {
      if (ps->p >= ps->end) return fail(ps, "unterminated escape");
      char e = *ps->p++;
      switch (e) {
        case '"': case '\\': case '/': c = e; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
          if (ps->end - ps->p < 4) return fail(ps, "truncated \\u escape");
          unsigned v = 0;
          for (int i = 0; i < 4; i++) {
            char h = *ps->p++;
            v <<= 4;
            if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
            else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
            else return fail(ps, "bad hex digit in \\u escape");
          }
          if (v == 0 || v >= 0x80) return fail(ps, "non-ASCII or NUL \\u escape in string");
          c = (char)v;
          break;
        }
        default: return fail(ps, "unknown escape in string");
      }
    }
    if (buf) {
      if (n + 1 >= cap) return fail(ps, "string too long");
      buf[n] = c;
    }
    n++;
  }
  if (buf) buf[n] = '\0';
  return VP_OK;
}

/* A non-negative integer (no sign, fraction or exponent), at most 2^53. */
static vp_status parse_offset(parser *ps, int64_t *out) {
  skip_ws(ps);
  const char *start = ps->p;
  int64_t v = 0;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
    v = v * 10 + (*ps->p - '0');
    ps->p++;
    if (v > MAX_NUMBER) return fail(ps, "byte offset too large");
  }
  if (ps->p == start) return fail(ps, "expected a non-negative integer byte offset");
  if (ps->p - start > 1 && *start == '0') return fail(ps, "leading zero in a number");
  if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
    return fail(ps, "byte offset is not an integer");
  *out = v;
  return VP_OK;
}

static vp_status skip_value(parser *ps, int depth);

static vp_status skip_number(parser *ps) {
  const char *s = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  const char *digits = ps->p;
  while (ps->p < ps->end && ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' ||
                             *ps->p == 'E' || *ps->p == '+' || *ps->p == '-'))
    ps->p++;
  if (ps->p == digits) {
    ps->p = s;
    return fail(ps, "expected a value");
  }
  return VP_OK;
}

static vp_status skip_literal(parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n)) return fail(ps, "expected a value");
  ps->p += n;
  return VP_OK;
}

static vp_status skip_value(parser *ps, int depth) {
  if (depth > MAX_DEPTH) return fail(ps, "nesting too deep");
  skip_ws(ps);
  if (ps->p >= ps->end) return fail(ps, "unexpected end of script");
  vp_status st;
  switch (*ps->p) {
    case '"': return parse_string(ps, NULL, 0);
    case '{':
      ps->p++;
      if (eat(ps, '}')) return VP_OK;
      do {
        if ((st = parse_string(ps, NULL, 0))) return st;
        if (!eat(ps, ':')) return fail(ps, "expected ':'");
        if ((st = skip_value(ps, depth + 1))) return st;
      } while (eat(ps, ','));
      return eat(ps, '}') ? VP_OK : fail(ps, "expected ',' or '}'");
    case '[':
      ps->p++;
      if (eat(ps, ']')) return VP_OK;
      do {
        if ((st = skip_value(ps, depth + 1))) return st;
      } while (eat(ps, ','));
      return eat(ps, ']') ? VP_OK : fail(ps, "expected ',' or ']'");
    case 't': return skip_literal(ps, "true");
    case 'f': return skip_literal(ps, "false");
    case 'n': return skip_literal(ps, "null");
    default: return skip_number(ps);
  }
}

typedef struct search {
  const char *entry;
  int matches;
  int64_t start, end;
  const char *match_at; /* for messages */
} search;

/* One {"filename": ..., "start": ..., "end": ...} of the files array. */
static vp_status parse_file(parser *ps, search *s) {
  if (!eat(ps, '{')) return fail(ps, "expected '{' for a file of \"files\"");
  char key[256], name[MAX_STRING];
  bool have_name = false, have_start = false, have_end = false;
  int64_t start = 0, end = 0;
  const char *at = ps->p;
  vp_status st;
  if (!eat(ps, '}')) {
    do {
      skip_ws(ps);
      const char *key_at = ps->p;
      if ((st = parse_string(ps, key, sizeof key))) return st;
      if (!eat(ps, ':')) return fail(ps, "expected ':'");
      bool dup = false;
      if (!strcmp(key, "filename")) {
        dup = have_name;
        have_name = true;
        if ((st = parse_string(ps, name, sizeof name))) return st;
      } else if (!strcmp(key, "start")) {
        dup = have_start;
        have_start = true;
        if ((st = parse_offset(ps, &start))) return st;
      } else if (!strcmp(key, "end")) {
        dup = have_end;
        have_end = true;
        if ((st = parse_offset(ps, &end))) return st;
      } else if ((st = skip_value(ps, 2))) {
        return st;
      }
      if (dup) {
        ps->p = key_at;
        return fail(ps, "key repeated in a file of \"files\"");
      }
    } while (eat(ps, ','));
    if (!eat(ps, '}')) return fail(ps, "expected ',' or '}'");
  }
  if (!have_name || strcmp(name, s->entry)) return VP_OK;
  const char *save = ps->p;
  ps->p = at;
  if (!have_start || !have_end) return fail(ps, "the entry has no \"start\" or \"end\"");
  if (start > end) return fail(ps, "the entry's \"start\" is after its \"end\"");
  ps->p = save;
  s->matches++;
  s->start = start;
  s->end = end;
  s->match_at = at;
  return VP_OK;
}

vp_status vp__packed_loader_find(const char *js, size_t len, const char *entry, int64_t *start,
                                 int64_t *end) {
  if (!js || !entry || !start || !end) return vp__error(VP_EINVAL, "packed loader: NULL argument");
  /* The call is the last "loadPackage(" followed by '{' (the definition reads
   * "loadPackage = function(metadata)"). */
  static const char call[] = "loadPackage(";
  const size_t call_len = sizeof call - 1;
  const char *found = NULL;
  for (size_t i = 0; i + call_len <= len; i++) {
    if (js[i] != 'l' || memcmp(js + i, call, call_len)) continue;
    size_t j = i + call_len;
    while (j < len && (js[j] == ' ' || js[j] == '\n' || js[j] == '\t' || js[j] == '\r')) j++;
    if (j < len && js[j] == '{') found = js + j;
  }
  if (!found)
    return vp__error(VP_EFORMAT,
                     "packed assets loader script: no `loadPackage({...})` call in %zu bytes", len);
  parser ps = {js, found, js + len};
  search s = {entry, 0, 0, 0, NULL};
  int64_t remote_size = -1;
  bool have_files = false;
  vp_status st;
  ps.p++; /* '{' */
  if (!eat(&ps, '}')) {
    do {
      char key[256];
      if ((st = parse_string(&ps, key, sizeof key))) return st;
      if (!eat(&ps, ':')) return fail(&ps, "expected ':'");
      if (!strcmp(key, "files")) {
        if (have_files) return fail(&ps, "\"files\" given twice");
        have_files = true;
        if (!eat(&ps, '[')) return fail(&ps, "\"files\" is not an array");
        if (!eat(&ps, ']')) {
          do {
            if ((st = parse_file(&ps, &s))) return st;
          } while (eat(&ps, ','));
          if (!eat(&ps, ']')) return fail(&ps, "expected ',' or ']'");
        }
      } else if (!strcmp(key, "remote_package_size")) {
        if ((st = parse_offset(&ps, &remote_size))) return st;
      } else if ((st = skip_value(&ps, 1))) {
        return st;
      }
    } while (eat(&ps, ','));
    if (!eat(&ps, '}')) return fail(&ps, "expected ',' or '}'");
  }
  if (!eat(&ps, ')')) return fail(&ps, "expected ')' after the loadPackage argument");
  if (!have_files) return fail(&ps, "the loadPackage argument has no \"files\"");
  if (s.matches == 0)
    return vp__error(VP_ENOENT, "packed assets loader script does not list \"%s\"", entry);
  if (s.matches > 1)
    return vp__error(VP_EFORMAT, "packed assets loader script lists \"%s\" %d times", entry,
                     s.matches);
  if (remote_size >= 0 && s.end > remote_size) {
    ps.p = s.match_at;
    return fail(&ps, "the entry ends after \"remote_package_size\"");
  }
  *start = s.start;
  *end = s.end;
  return VP_OK;
}
