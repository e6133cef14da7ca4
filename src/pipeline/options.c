/* Option tables (layer: pipeline): defaults, parsing and validation of the
 * {name, help, offset, type, default, min, max} tables that stages and the
 * CLI declare (FFmpeg's AVOption idea). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "vpipe/pipeline.h"

const vp_option *vp_options_find(const vp_option *table, const char *name) {
  if (!table || !name) return NULL;
  for (const vp_option *o = table; o->name; o++)
    if (!strcmp(o->name, name)) return o;
  return NULL;
}

static bool has_bounds(const vp_option *o) { return !(o->min == 0 && o->max == 0); }

static vp_status parse_double(const vp_option *o, const char *v, double *out) {
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (end == v || *end || errno == ERANGE || !isfinite(d))
    return vp__error(VP_EINVAL, "option '%s': '%s' is not a number", o->name, v);
  if (has_bounds(o) && (d < o->min || d > o->max))
    return vp__error(VP_ERANGE, "option '%s': %s is out of range [%g, %g]", o->name, v, o->min,
                     o->max);
  *out = d;
  return VP_OK;
}

static vp_status parse_int64(const vp_option *o, const char *v, int64_t lo, int64_t hi,
                             int64_t *out) {
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (end == v || *end || errno == ERANGE)
    return vp__error(VP_EINVAL, "option '%s': '%s' is not an integer", o->name, v);
  if (has_bounds(o)) {
    if ((double)x < o->min || (double)x > o->max)
      return vp__error(VP_ERANGE, "option '%s': %s is out of range [%.0f, %.0f]", o->name, v,
                       o->min, o->max);
  } else if (x < lo || x > hi) {
    return vp__error(VP_ERANGE, "option '%s': %s does not fit", o->name, v);
  }
  *out = x;
  return VP_OK;
}

/* Index of @v in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *v) {
  if (!choices) return -1;
  size_t n = strlen(v);
  int i = 0;
  for (const char *c = choices; *c; i++) {
    const char *bar = strchr(c, '|');
    size_t len = bar ? (size_t)(bar - c) : strlen(c);
    if (len == n && !strncmp(c, v, n)) return i;
    if (!bar) break;
    c = bar + 1;
  }
  return -1;
}

static vp_status set_value(void *obj, const vp_option *o, const char *v) {
  char *field = (char *)obj + o->offset;
  switch (o->type) {
  case VP_OPT_BOOL: {
    bool b;
    if (!v || !strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
        !strcasecmp(v, "on"))
      b = true;
    else if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
             !strcasecmp(v, "off"))
      b = false;
    else
      return vp__error(VP_EINVAL, "option '%s': '%s' is not a boolean", o->name, v);
    memcpy(field, &b, sizeof b);
    return VP_OK;
  }
  case VP_OPT_INT: {
    int64_t x;
    vp_status st = parse_int64(o, v, INT32_MIN, INT32_MAX, &x);
    if (st) return st;
    int32_t y = (int32_t)x;
    memcpy(field, &y, sizeof y);
    return VP_OK;
  }
  case VP_OPT_INT64: {
    int64_t x;
    vp_status st = parse_int64(o, v, INT64_MIN, INT64_MAX, &x);
    if (st) return st;
    memcpy(field, &x, sizeof x);
    return VP_OK;
  }
  case VP_OPT_DOUBLE: {
    double d;
    vp_status st = parse_double(o, v, &d);
    if (st) return st;
    memcpy(field, &d, sizeof d);
    return VP_OK;
  }
  case VP_OPT_STRING: {
    char *copy = NULL;
    if (v && !(copy = strdup(v))) return vp__error(VP_ENOMEM, "option '%s': out of memory", o->name);
    char *old;
    memcpy(&old, field, sizeof old);
    free(old);
    memcpy(field, &copy, sizeof copy);
    return VP_OK;
  }
  case VP_OPT_ENUM: {
    int idx = choice_index(o->choices, v);
    if (idx < 0)
      return vp__error(VP_EINVAL, "option '%s': '%s' is not one of %s", o->name, v,
                       o->choices ? o->choices : "(none)");
    int32_t y = idx;
    memcpy(field, &y, sizeof y);
    return VP_OK;
  }
  case VP_OPT_RANGE: {
    const char *colon = strchr(v, ':');
    if (!colon || colon == v || !colon[1])
      return vp__error(VP_EINVAL, "option '%s': '%s' is not MIN:MAX", o->name, v);
    char lo_s[64];
    size_t n = (size_t)(colon - v);
    if (n >= sizeof lo_s) return vp__error(VP_EINVAL, "option '%s': '%s' is too long", o->name, v);
    memcpy(lo_s, v, n);
    lo_s[n] = 0;
    double r[2];
    vp_status st = parse_double(o, lo_s, &r[0]);
    if (!st) st = parse_double(o, colon + 1, &r[1]);
    if (st) return st;
    if (r[0] > r[1])
      return vp__error(VP_ERANGE, "option '%s': MIN %g is above MAX %g", o->name, r[0], r[1]);
    memcpy(field, r, sizeof r);
    return VP_OK;
  }
  }
  return vp__error(VP_EINVAL, "option '%s': unknown type %d", o->name, (int)o->type);
}

vp_status vp_options_set(void *obj, const vp_option *table, const char *name, const char *value) {
  if (!obj || !name) return vp__error(VP_EINVAL, "vp_options_set: NULL argument");
  const vp_option *o = vp_options_find(table, name);
  if (!o) return vp__error(VP_ENOENT, "unknown option '%s'", name);
  if (!value && o->type != VP_OPT_BOOL && o->type != VP_OPT_STRING)
    return vp__error(VP_EINVAL, "option '%s' needs a value", name);
  return set_value(obj, o, value);
}

vp_status vp_options_set_defaults(void *obj, const vp_option *table) {
  if (!table) return VP_OK;
  for (const vp_option *o = table; o->name; o++) {
    char *field = (char *)obj + o->offset;
    if (o->type == VP_OPT_STRING) {
      char *old;
      memcpy(&old, field, sizeof old);
      free(old);
      char *copy = NULL;
      if (o->def && !(copy = strdup(o->def)))
        return vp__error(VP_ENOMEM, "option '%s': out of memory", o->name);
      memcpy(field, &copy, sizeof copy);
      continue;
    }
    if (!o->def) {
      size_t size = o->type == VP_OPT_BOOL ? sizeof(bool)
                    : o->type == VP_OPT_INT || o->type == VP_OPT_ENUM ? sizeof(int32_t)
                    : o->type == VP_OPT_RANGE                         ? 2 * sizeof(double)
                                                                      : 8;
      memset(field, 0, size);
      continue;
    }
    vp_status st = set_value(obj, o, o->def);
    if (st) return st; /* a bad default is our bug; the message names it */
  }
  return VP_OK;
}

void vp_options_free(void *obj, const vp_option *table) {
  if (!obj || !table) return;
  for (const vp_option *o = table; o->name; o++) {
    if (o->type != VP_OPT_STRING) continue;
    char *s;
    char *field = (char *)obj + o->offset;
    memcpy(&s, field, sizeof s);
    free(s);
    s = NULL;
    memcpy(field, &s, sizeof s);
  }
}
