/* Bounds-checked FlexBuffers reader (layer: model). See flexbuf.h. */
#include "model/flexbuf.h"

#include <string.h>

#include "core/error.h"

static bool in_bounds(size_t size, size_t pos, size_t n) { return pos <= size && n <= size - pos; }

static uint64_t rd_uint(const uint8_t *p, unsigned width) {
  uint64_t v = 0;
  for (unsigned i = 0; i < width; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static int64_t rd_int(const uint8_t *p, unsigned width) {
  uint64_t u = rd_uint(p, width);
  if (width < 8 && (u >> (8 * width - 1)) & 1) u |= ~(uint64_t)0 << (8 * width);
  int64_t v;
  memcpy(&v, &u, sizeof v);
  return v;
}

/* @p width is 4 or 8 (callers check). */
static double rd_float(const uint8_t *p, unsigned width) {
  if (width == 4) {
    uint32_t u = (uint32_t)rd_uint(p, 4);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
  }
  uint64_t u = rd_uint(p, 8);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

static bool valid_width(unsigned w) { return w == 1 || w == 2 || w == 4 || w == 8; }

vp_status vp__flex_root(const uint8_t *buf, size_t size, vp__flex_ref *out) {
  if (!buf || size < 3)
    return vp__error(VP_EFORMAT, "flexbuffer of %zu bytes is too small", size);
  unsigned width = buf[size - 1];
  uint8_t packed = buf[size - 2];
  if (!valid_width(width) || width > size - 2)
    return vp__error(VP_EFORMAT, "flexbuffer root width %u is invalid for %zu bytes", width, size);
  out->buf = buf;
  out->size = size;
  out->pos = size - 2 - width;
  out->parent_width = (uint8_t)width;
  out->byte_width = (uint8_t)(1u << (packed & 3));
  out->type = packed >> 2;
  return VP_OK;
}

/* Follow the backwards offset stored in @p r to the data it points to. */
static vp_status indirect(const vp__flex_ref *r, size_t *target) {
  uint64_t off = rd_uint(r->buf + r->pos, r->parent_width);
  if (off > r->pos)
    return vp__error(VP_EFORMAT, "flexbuffer offset %llu at byte %zu points before the start",
                     (unsigned long long)off, r->pos);
  *target = r->pos - (size_t)off;
  if (!in_bounds(r->size, *target, r->byte_width))
    return vp__error(VP_EFORMAT, "flexbuffer value at byte %zu lies outside %zu bytes", *target,
                     r->size);
  return VP_OK;
}

vp_status vp__flex_as_int(const vp__flex_ref *r, int64_t *out) {
  size_t t;
  vp_status st;
  switch (r->type) {
    case VP_FLEX_INT: *out = rd_int(r->buf + r->pos, r->parent_width); return VP_OK;
    case VP_FLEX_UINT:
    case VP_FLEX_BOOL: *out = (int64_t)rd_uint(r->buf + r->pos, r->parent_width); return VP_OK;
    case VP_FLEX_FLOAT: {
      if (r->parent_width < 4)
        return vp__error(VP_EFORMAT, "flexbuffer float at byte %zu has width %u", r->pos,
                         r->parent_width);
      double d = rd_float(r->buf + r->pos, r->parent_width);
      if (!(d > -9.2e18 && d < 9.2e18))
        return vp__error(VP_EFORMAT, "flexbuffer number at byte %zu is not an integer", r->pos);
      *out = (int64_t)d;
      return VP_OK;
    }
    case VP_FLEX_INDIRECT_INT:
      if ((st = indirect(r, &t))) return st;
      *out = rd_int(r->buf + t, r->byte_width);
      return VP_OK;
    case VP_FLEX_INDIRECT_UINT:
      if ((st = indirect(r, &t))) return st;
      *out = (int64_t)rd_uint(r->buf + t, r->byte_width);
      return VP_OK;
    case VP_FLEX_INDIRECT_FLOAT: {
      if ((st = indirect(r, &t))) return st;
      if (r->byte_width < 4)
        return vp__error(VP_EFORMAT, "flexbuffer float at byte %zu has width %u", t, r->byte_width);
      double d = rd_float(r->buf + t, r->byte_width);
      if (!(d > -9.2e18 && d < 9.2e18))
        return vp__error(VP_EFORMAT, "flexbuffer number at byte %zu is not an integer", t);
      *out = (int64_t)d;
      return VP_OK;
    }
    default:
      return vp__error(VP_EFORMAT, "flexbuffer value at byte %zu has type %u, expected a number",
                       r->pos, r->type);
  }
}

vp_status vp__flex_as_double(const vp__flex_ref *r, double *out) {
  size_t t;
  vp_status st;
  switch (r->type) {
    case VP_FLEX_FLOAT:
      if (r->parent_width < 4)
        return vp__error(VP_EFORMAT, "flexbuffer float at byte %zu has width %u", r->pos,
                         r->parent_width);
      *out = rd_float(r->buf + r->pos, r->parent_width);
      return VP_OK;
    case VP_FLEX_INDIRECT_FLOAT:
      if ((st = indirect(r, &t))) return st;
      if (r->byte_width < 4)
        return vp__error(VP_EFORMAT, "flexbuffer float at byte %zu has width %u", t, r->byte_width);
      *out = rd_float(r->buf + t, r->byte_width);
      return VP_OK;
    default: {
      int64_t i;
      if ((st = vp__flex_as_int(r, &i))) return st;
      *out = r->type == VP_FLEX_UINT || r->type == VP_FLEX_INDIRECT_UINT ? (double)(uint64_t)i
                                                                          : (double)i;
      return VP_OK;
    }
  }
}

/* NUL-terminated string starting at @p at: its length, checked. */
static vp_status cstring_at(const uint8_t *buf, size_t size, size_t at, size_t *len) {
  const uint8_t *nul = at < size ? memchr(buf + at, 0, size - at) : NULL;
  if (!nul)
    return vp__error(VP_EFORMAT, "flexbuffer string at byte %zu is not NUL-terminated", at);
  *len = (size_t)(nul - (buf + at));
  return VP_OK;
}

vp_status vp__flex_as_string(const vp__flex_ref *r, const char **str, size_t *len) {
  size_t t;
  vp_status st;
  if (r->type != VP_FLEX_STRING && r->type != VP_FLEX_KEY)
    return vp__error(VP_EFORMAT, "flexbuffer value at byte %zu has type %u, expected a string",
                     r->pos, r->type);
  if ((st = indirect(r, &t))) return st;
  if ((st = cstring_at(r->buf, r->size, t, len))) return st;
  if (r->type == VP_FLEX_STRING) {
    /* The stored length precedes the bytes; it must agree with the NUL. */
    if (t < r->byte_width)
      return vp__error(VP_EFORMAT, "flexbuffer string at byte %zu has no length", t);
    uint64_t n = rd_uint(r->buf + t - r->byte_width, r->byte_width);
    if (n != *len)
      return vp__error(VP_EFORMAT, "flexbuffer string at byte %zu: length %llu disagrees with its "
                       "terminator", t, (unsigned long long)n);
  }
  *str = (const char *)r->buf + t;
  return VP_OK;
}

/* Shape of a vector-like value: where elements start, their width, count,
 * element type (or VP_FLEX_NULL for untyped: per-element type bytes follow). */
typedef struct vec_info {
  size_t data;
  unsigned width;
  uint32_t len;
  uint8_t elem_type; /* for typed vectors */
  bool untyped;
} vec_info;

static vp_status vec_info_of(const vp__flex_ref *r, vec_info *vi) {
  size_t t;
  vp_status st;
  unsigned w = r->byte_width;
  uint8_t type = r->type;
  if (!(type == VP_FLEX_MAP || type == VP_FLEX_VECTOR ||
        (type >= VP_FLEX_VECTOR_INT && type <= VP_FLEX_VECTOR_FLOAT4) ||
        type == VP_FLEX_VECTOR_BOOL))
    return vp__error(VP_EFORMAT, "flexbuffer value at byte %zu has type %u, expected a vector",
                     r->pos, type);
  if ((st = indirect(r, &t))) return st;
  vi->data = t;
  vi->width = w;
  vi->untyped = type == VP_FLEX_MAP || type == VP_FLEX_VECTOR;
  if (type >= VP_FLEX_VECTOR_INT2 && type <= VP_FLEX_VECTOR_FLOAT4) {
    unsigned k = type - VP_FLEX_VECTOR_INT2;
    vi->len = k / 3 + 2;
    vi->elem_type = (uint8_t)(VP_FLEX_INT + k % 3);
  } else {
    if (t < w)
      return vp__error(VP_EFORMAT, "flexbuffer vector at byte %zu has no length", t);
    uint64_t n = rd_uint(r->buf + t - w, w);
    if (n > r->size)
      return vp__error(VP_EFORMAT, "flexbuffer vector at byte %zu claims %llu elements", t,
                       (unsigned long long)n);
    vi->len = (uint32_t)n;
    if (type == VP_FLEX_VECTOR_BOOL) vi->elem_type = VP_FLEX_BOOL;
    else if (type == VP_FLEX_VECTOR_KEY || type == VP_FLEX_VECTOR_STRING_DEPRECATED)
      vi->elem_type = type == VP_FLEX_VECTOR_KEY ? VP_FLEX_KEY : VP_FLEX_STRING;
    else if (!vi->untyped) vi->elem_type = (uint8_t)(VP_FLEX_INT + (type - VP_FLEX_VECTOR_INT));
    else vi->elem_type = VP_FLEX_NULL;
  }
  size_t need = (size_t)vi->len * w + (vi->untyped ? vi->len : 0);
  if (!in_bounds(r->size, t, need))
    return vp__error(VP_EFORMAT, "flexbuffer vector at byte %zu: %u elements run past %zu bytes",
                     t, vi->len, r->size);
  return VP_OK;
}

vp_status vp__flex_vec_len(const vp__flex_ref *r, uint32_t *len) {
  vec_info vi;
  vp_status st = vec_info_of(r, &vi);
  if (st) return st;
  *len = vi.len;
  return VP_OK;
}

static void element(const vp__flex_ref *r, const vec_info *vi, uint32_t i, vp__flex_ref *out) {
  out->buf = r->buf;
  out->size = r->size;
  out->pos = vi->data + (size_t)i * vi->width;
  out->parent_width = (uint8_t)vi->width;
  if (vi->untyped) {
    uint8_t packed = r->buf[vi->data + (size_t)vi->len * vi->width + i];
    out->type = packed >> 2;
    out->byte_width = (uint8_t)(1u << (packed & 3));
  } else {
    out->type = vi->elem_type;
    /* Strings/keys in a typed vector point to data of byte width 1. */
    out->byte_width = vi->elem_type == VP_FLEX_STRING ? (uint8_t)vi->width : 1;
  }
}

vp_status vp__flex_vec_at(const vp__flex_ref *r, uint32_t i, vp__flex_ref *out) {
  vec_info vi;
  vp_status st = vec_info_of(r, &vi);
  if (st) return st;
  if (i >= vi.len)
    return vp__error(VP_EFORMAT, "flexbuffer vector at byte %zu: index %u out of %u", vi.data, i,
                     vi.len);
  element(r, &vi, i, out);
  return VP_OK;
}

vp_status vp__flex_map_get(const vp__flex_ref *map, const char *key, vp__flex_ref *out,
                           bool *found) {
  vec_info vals;
  vp_status st;
  *found = false;
  if (map->type != VP_FLEX_MAP)
    return vp__error(VP_EFORMAT, "flexbuffer value at byte %zu has type %u, expected a map",
                     map->pos, map->type);
  if ((st = vec_info_of(map, &vals))) return st;
  unsigned w = vals.width;
  if (vals.data < 3 * (size_t)w)
    return vp__error(VP_EFORMAT, "flexbuffer map at byte %zu has no key vector", vals.data);
  /* The key vector: an offset and its byte width, stored before the length. */
  vp__flex_ref keys = {
      .buf = map->buf,
      .size = map->size,
      .pos = vals.data - 3 * (size_t)w,
      .parent_width = (uint8_t)w,
      .byte_width = (uint8_t)rd_uint(map->buf + vals.data - 2 * (size_t)w, w),
      .type = VP_FLEX_VECTOR_KEY,
  };
  if (!valid_width(keys.byte_width))
    return vp__error(VP_EFORMAT, "flexbuffer map at byte %zu: key width %u is invalid", vals.data,
                     keys.byte_width);
  vec_info kv;
  if ((st = vec_info_of(&keys, &kv))) return st;
  if (kv.len != vals.len)
    return vp__error(VP_EFORMAT, "flexbuffer map at byte %zu: %u keys for %u values", vals.data,
                     kv.len, vals.len);
  for (uint32_t i = 0; i < kv.len; i++) {
    vp__flex_ref k;
    element(&keys, &kv, i, &k);
    k.byte_width = 1;
    size_t t, len = 0;
    if ((st = indirect(&k, &t))) return st;
    if ((st = cstring_at(map->buf, map->size, t, &len))) return st;
    if (len == strlen(key) && memcmp(map->buf + t, key, len) == 0) {
      element(map, &vals, i, out);
      *found = true;
      return VP_OK;
    }
  }
  return VP_OK;
}
