/* Bounds-checked FlatBuffers reader (layer: model, private).
 *
 * Model files are untrusted: every table, vtable, field, vector and string is
 * checked against the buffer before it is read, and every multi-byte value is
 * read with memcpy (no unaligned access, no type punning). A failing call
 * returns VP_EFORMAT with a vp__error() message naming the byte offset and
 * what was expected there; nothing is read past the buffer.
 *
 * Layout reminders (FlatBuffers binary format): the root is a uoffset (u32)
 * at byte 0; a table starts with an soffset (i32) to its vtable
 * (vtable = table - soffset); a vtable is [u16 vtable size, u16 table size,
 * u16 field offsets...]; vectors and strings are reached through a uoffset
 * stored in the field and start with a u32 element count.
 */
#ifndef VP_MODEL_FLATBUF_H
#define VP_MODEL_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vpipe/core.h"

typedef struct vp__fb {
  const uint8_t *buf;
  size_t size;
} vp__fb;

/* A table found and checked: its position, its vtable and inline size. */
typedef struct vp__fb_table {
  const vp__fb *fb;
  size_t pos;       /* byte offset of the table */
  size_t vt;        /* byte offset of its vtable */
  uint16_t vt_size; /* bytes in the vtable */
  uint16_t size;    /* inline bytes of the table */
} vp__fb_table;

/* A vector found and checked: `len` elements of `elem` bytes at `data`. */
typedef struct vp__fb_vec {
  const vp__fb *fb;
  size_t data;
  uint32_t len;
  uint32_t elem;
} vp__fb_vec;

/* Little-endian loads from checked positions. */
static inline uint16_t vp__rd_u16(const uint8_t *p) {
  return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t vp__rd_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t vp__rd_u64(const uint8_t *p) {
  return (uint64_t)vp__rd_u32(p) | (uint64_t)vp__rd_u32(p + 4) << 32;
}
static inline int32_t vp__rd_i32(const uint8_t *p) {
  uint32_t u = vp__rd_u32(p);
  int32_t v;
  memcpy(&v, &u, sizeof v);
  return v;
}
static inline float vp__rd_f32(const uint8_t *p) {
  uint32_t u = vp__rd_u32(p);
  float v;
  memcpy(&v, &u, sizeof v);
  return v;
}

/* The root table. Checks the buffer is large enough and the optional
 * file identifier (4 bytes at offset 4) when @p ident is not NULL. */
vp_status vp__fb_root(const vp__fb *fb, const char *ident, vp__fb_table *out);

/* Check and describe the table at byte offset @p pos. */
vp_status vp__fb_table_at(const vp__fb *fb, size_t pos, vp__fb_table *out);

/* True when field @p id is present. */
bool vp__fb_has(const vp__fb_table *t, int id);

/* Scalars: @p def when the field is absent. */
vp_status vp__fb_u8(const vp__fb_table *t, int id, uint8_t def, uint8_t *out);
vp_status vp__fb_i32(const vp__fb_table *t, int id, int32_t def, int32_t *out);
vp_status vp__fb_u32(const vp__fb_table *t, int id, uint32_t def, uint32_t *out);
vp_status vp__fb_u64(const vp__fb_table *t, int id, uint64_t def, uint64_t *out);
vp_status vp__fb_f32(const vp__fb_table *t, int id, float def, float *out);

/* Sub-table. *present is false (and *out untouched) when the field is absent. */
vp_status vp__fb_table_field(const vp__fb_table *t, int id, vp__fb_table *out, bool *present);

/* Vector of @p elem-byte scalars or offsets; an absent field gives len 0. */
vp_status vp__fb_vector(const vp__fb_table *t, int id, uint32_t elem, vp__fb_vec *out);

/* String field: pointer into the buffer (not NUL-terminated in general) and
 * its length; absent gives NULL/0. */
vp_status vp__fb_string(const vp__fb_table *t, int id, const char **str, uint32_t *len);

/* Element @p i of a checked vector (i < len is the caller's invariant). */
static inline int32_t vp__fb_vec_i32(const vp__fb_vec *v, uint32_t i) {
  return vp__rd_i32(v->fb->buf + v->data + (size_t)i * 4);
}
static inline uint16_t vp__fb_vec_u16(const vp__fb_vec *v, uint32_t i) {
  return vp__rd_u16(v->fb->buf + v->data + (size_t)i * 2);
}
static inline uint8_t vp__fb_vec_u8(const vp__fb_vec *v, uint32_t i) {
  return v->fb->buf[v->data + i];
}

/* Table element @p i of a vector of tables. */
vp_status vp__fb_vec_table(const vp__fb_vec *v, uint32_t i, vp__fb_table *out);

/* String element @p i of a vector of strings. */
vp_status vp__fb_vec_string(const vp__fb_vec *v, uint32_t i, const char **str, uint32_t *len);

#endif
