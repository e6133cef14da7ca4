/* Bounds-checked FlexBuffers reader for custom-operator options (layer: model,
 * private).
 *
 * MediaPipe's custom operators keep their parameters in the operator's
 * custom_options as a FlexBuffers map (see mediapipe/util/tflite/operations/
 * and the GPU delegate's Parse*Attributes functions). Only what those need is
 * here: the root, map lookup by key, numbers, strings and vectors (typed,
 * fixed-size typed and untyped). Every offset is checked against the options'
 * bytes; failures return VP_EFORMAT with a message naming the byte offset.
 *
 * Format reminders: the last byte is the root's byte width, the one before it
 * the root's packed type (type << 2 | log2 bit width of the child); offsets
 * are unsigned and point backwards (target = position - offset); a vector's
 * length sits just before its first element; untyped vectors and maps are
 * followed by one packed type byte per element; a map's values are preceded
 * by [offset to the key vector, key byte width, length].
 */
#ifndef VP_MODEL_FLEXBUF_H
#define VP_MODEL_FLEXBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpipe/core.h"

typedef enum vp__flex_type {
  VP_FLEX_NULL = 0,
  VP_FLEX_INT = 1,
  VP_FLEX_UINT = 2,
  VP_FLEX_FLOAT = 3,
  VP_FLEX_KEY = 4,
  VP_FLEX_STRING = 5,
  VP_FLEX_INDIRECT_INT = 6,
  VP_FLEX_INDIRECT_UINT = 7,
  VP_FLEX_INDIRECT_FLOAT = 8,
  VP_FLEX_MAP = 9,
  VP_FLEX_VECTOR = 10,
  VP_FLEX_VECTOR_INT = 11,
  VP_FLEX_VECTOR_UINT = 12,
  VP_FLEX_VECTOR_FLOAT = 13,
  VP_FLEX_VECTOR_KEY = 14,
  VP_FLEX_VECTOR_STRING_DEPRECATED = 15,
  VP_FLEX_VECTOR_INT2 = 16, /* ... fixed-size typed vectors up to 24 */
  VP_FLEX_VECTOR_FLOAT4 = 24,
  VP_FLEX_BLOB = 25,
  VP_FLEX_BOOL = 26,
  VP_FLEX_VECTOR_BOOL = 36,
} vp__flex_type;

/* A value: where it is stored, in what width, and of what type. */
typedef struct vp__flex_ref {
  const uint8_t *buf;
  size_t size;
  size_t pos;           /* where the inline value (or the offset) is stored */
  uint8_t parent_width; /* bytes of the inline value */
  uint8_t byte_width;   /* bytes of the pointed-to data (for offset types) */
  uint8_t type;         /* vp__flex_type */
} vp__flex_ref;

vp_status vp__flex_root(const uint8_t *buf, size_t size, vp__flex_ref *out);

/* Look @p key up in a map; *found false when the key is absent. */
vp_status vp__flex_map_get(const vp__flex_ref *map, const char *key, vp__flex_ref *out,
                           bool *found);

/* Numbers, converted as FlexBuffers' AsInt64/AsDouble do for numeric types
 * (int, uint, float, bool, indirect). Other types fail. */
vp_status vp__flex_as_int(const vp__flex_ref *r, int64_t *out);
vp_status vp__flex_as_double(const vp__flex_ref *r, double *out);

/* String or key: pointer into the buffer, NUL-terminated (checked). */
vp_status vp__flex_as_string(const vp__flex_ref *r, const char **str, size_t *len);

/* Vectors (untyped, typed, fixed typed, and maps as their value vector). */
vp_status vp__flex_vec_len(const vp__flex_ref *r, uint32_t *len);
vp_status vp__flex_vec_at(const vp__flex_ref *r, uint32_t i, vp__flex_ref *out);

#endif
