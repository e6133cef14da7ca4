/* Bounds-checked FlatBuffers reader (layer: model). See flatbuf.h. */
#include "model/flatbuf.h"

#include "core/error.h"

/* True when [pos, pos + n) lies inside the buffer (overflow-safe). */
static bool in_bounds(const vp__fb *fb, size_t pos, size_t n) {
  return pos <= fb->size && n <= fb->size - pos;
}

vp_status vp__fb_table_at(const vp__fb *fb, size_t pos, vp__fb_table *out) {
  if (!in_bounds(fb, pos, 4))
    return vp__error(VP_EFORMAT, "table at offset %zu lies outside the %zu-byte file", pos,
                     fb->size);
  int32_t soff = vp__rd_i32(fb->buf + pos);
  int64_t vt = (int64_t)pos - (int64_t)soff;
  if (vt < 0 || !in_bounds(fb, (size_t)vt, 4))
    return vp__error(VP_EFORMAT, "table at offset %zu: vtable offset %lld is out of range", pos,
                     (long long)vt);
  uint16_t vt_size = vp__rd_u16(fb->buf + vt);
  uint16_t tsize = vp__rd_u16(fb->buf + vt + 2);
  if (vt_size < 4 || (vt_size & 1) || !in_bounds(fb, (size_t)vt, vt_size))
    return vp__error(VP_EFORMAT, "table at offset %zu: vtable at %lld has bad size %u", pos,
                     (long long)vt, vt_size);
  if (tsize < 4 || !in_bounds(fb, pos, tsize))
    return vp__error(VP_EFORMAT, "table at offset %zu: inline size %u runs past the file", pos,
                     tsize);
  out->fb = fb;
  out->pos = pos;
  out->vt = (size_t)vt;
  out->vt_size = vt_size;
  out->size = tsize;
  return VP_OK;
}

vp_status vp__fb_root(const vp__fb *fb, const char *ident, vp__fb_table *out) {
  if (fb->size < 8)
    return vp__error(VP_EFORMAT, "file of %zu bytes is too small for a flatbuffer", fb->size);
  if (fb->size > UINT32_MAX)
    return vp__error(VP_EFORMAT, "file of %zu bytes exceeds the 4 GiB flatbuffer limit", fb->size);
  if (ident && memcmp(fb->buf + 4, ident, 4) != 0)
    return vp__error(VP_EFORMAT, "missing file identifier \"%.4s\" at offset 4 (not a .tflite file?)",
                     ident);
  return vp__fb_table_at(fb, vp__rd_u32(fb->buf), out);
}

/* Position of field @p id's inline bytes, or 0 when absent. Fails when the
 * field's @p width bytes would lie outside the table. */
static vp_status field_pos(const vp__fb_table *t, int id, size_t width, size_t *pos) {
  size_t slot = 4 + 2 * (size_t)id;
  *pos = 0;
  if (id < 0 || slot + 2 > t->vt_size) return VP_OK;
  uint16_t off = vp__rd_u16(t->fb->buf + t->vt + slot);
  if (off == 0) return VP_OK;
  if ((size_t)off + width > t->size)
    return vp__error(VP_EFORMAT, "table at offset %zu: field %d (offset %u, %zu bytes) lies outside "
                     "the table's %u bytes", t->pos, id, off, width, t->size);
  *pos = t->pos + off;
  return VP_OK;
}

bool vp__fb_has(const vp__fb_table *t, int id) {
  size_t slot = 4 + 2 * (size_t)id;
  if (id < 0 || slot + 2 > t->vt_size) return false;
  return vp__rd_u16(t->fb->buf + t->vt + slot) != 0;
}

vp_status vp__fb_u8(const vp__fb_table *t, int id, uint8_t def, uint8_t *out) {
  size_t p;
  vp_status st = field_pos(t, id, 1, &p);
  if (st) return st;
  *out = p ? t->fb->buf[p] : def;
  return VP_OK;
}

vp_status vp__fb_i32(const vp__fb_table *t, int id, int32_t def, int32_t *out) {
  size_t p;
  vp_status st = field_pos(t, id, 4, &p);
  if (st) return st;
  *out = p ? vp__rd_i32(t->fb->buf + p) : def;
  return VP_OK;
}

vp_status vp__fb_u32(const vp__fb_table *t, int id, uint32_t def, uint32_t *out) {
  size_t p;
  vp_status st = field_pos(t, id, 4, &p);
  if (st) return st;
  *out = p ? vp__rd_u32(t->fb->buf + p) : def;
  return VP_OK;
}

vp_status vp__fb_u64(const vp__fb_table *t, int id, uint64_t def, uint64_t *out) {
  size_t p;
  vp_status st = field_pos(t, id, 8, &p);
  if (st) return st;
  *out = p ? vp__rd_u64(t->fb->buf + p) : def;
  return VP_OK;
}

vp_status vp__fb_f32(const vp__fb_table *t, int id, float def, float *out) {
  size_t p;
  vp_status st = field_pos(t, id, 4, &p);
  if (st) return st;
  *out = p ? vp__rd_f32(t->fb->buf + p) : def;
  return VP_OK;
}

/* Follow the uoffset stored at @p at. */
static vp_status follow(const vp__fb *fb, size_t at, size_t *target) {
  uint32_t off = vp__rd_u32(fb->buf + at);
  if (off == 0 || !in_bounds(fb, at, off) || (size_t)off == fb->size - at)
    return vp__error(VP_EFORMAT, "offset %u stored at byte %zu points outside the %zu-byte file",
                     off, at, fb->size);
  *target = at + off;
  return VP_OK;
}

vp_status vp__fb_table_field(const vp__fb_table *t, int id, vp__fb_table *out, bool *present) {
  size_t p, target;
  vp_status st = field_pos(t, id, 4, &p);
  if (st) return st;
  *present = false;
  if (!p) return VP_OK;
  if ((st = follow(t->fb, p, &target))) return st;
  if ((st = vp__fb_table_at(t->fb, target, out))) return st;
  *present = true;
  return VP_OK;
}

static vp_status vector_at(const vp__fb *fb, size_t pos, uint32_t elem, vp__fb_vec *out) {
  if (!in_bounds(fb, pos, 4))
    return vp__error(VP_EFORMAT, "vector at offset %zu lies outside the file", pos);
  uint32_t len = vp__rd_u32(fb->buf + pos);
  size_t data = pos + 4;
  if ((uint64_t)len * elem > (uint64_t)(fb->size - data))
    return vp__error(VP_EFORMAT, "vector at offset %zu: %u elements of %u bytes run past the "
                     "%zu-byte file", pos, len, elem, fb->size);
  out->fb = fb;
  out->data = data;
  out->len = len;
  out->elem = elem;
  return VP_OK;
}

vp_status vp__fb_vector(const vp__fb_table *t, int id, uint32_t elem, vp__fb_vec *out) {
  size_t p, target;
  vp_status st = field_pos(t, id, 4, &p);
  if (st) return st;
  if (!p) {
    out->fb = t->fb;
    out->data = 0;
    out->len = 0;
    out->elem = elem;
    return VP_OK;
  }
  if ((st = follow(t->fb, p, &target))) return st;
  return vector_at(t->fb, target, elem, out);
}

vp_status vp__fb_string(const vp__fb_table *t, int id, const char **str, uint32_t *len) {
  vp__fb_vec v;
  vp_status st = vp__fb_vector(t, id, 1, &v);
  if (st) return st;
  *str = v.len || v.data ? (const char *)t->fb->buf + v.data : NULL;
  *len = v.len;
  return VP_OK;
}

vp_status vp__fb_vec_table(const vp__fb_vec *v, uint32_t i, vp__fb_table *out) {
  size_t target;
  vp_status st = follow(v->fb, v->data + (size_t)i * 4, &target);
  if (st) return st;
  return vp__fb_table_at(v->fb, target, out);
}

vp_status vp__fb_vec_string(const vp__fb_vec *v, uint32_t i, const char **str, uint32_t *len) {
  size_t target;
  vp__fb_vec s;
  vp_status st = follow(v->fb, v->data + (size_t)i * 4, &target);
  if (st) return st;
  if ((st = vector_at(v->fb, target, 1, &s))) return st;
  *str = (const char *)v->fb->buf + s.data;
  *len = s.len;
  return VP_OK;
}
