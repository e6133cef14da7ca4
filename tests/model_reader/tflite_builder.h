/* A tiny forward FlatBuffers writer for hand-crafting .tflite files in tests,
 * so that each hostile case can be built precisely (bad offsets, vtables,
 * counts, indices, shapes) on top of a small valid model.
 *
 * Tables are written vtable-first; every field gets an 8-byte slot (scalars
 * and uoffsets are read from the slot's start), so one writer serves every
 * field type. References are patched after the child is written:
 * fb_ref(b, table, field, child) stores child - slot.
 */
#ifndef VP_TEST_TFLITE_BUILDER_H
#define VP_TEST_TFLITE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

typedef struct fbb {
  uint8_t *b;
  size_t n, cap;
} fbb;

typedef struct fbt {
  size_t pos;   /* table position */
  size_t vt;    /* vtable position */
  int nf;
} fbt;

void fb_init(fbb *b);
void fb_free(fbb *b);
size_t fb_pad(fbb *b, size_t align);
size_t fb_bytes(fbb *b, const void *data, size_t n);
/* Table with @p nf field slots; bit i of @p present marks field i present. */
fbt fb_table(fbb *b, int nf, uint32_t present);
size_t fb_slot(const fbt *t, int field);
void fb_u64(fbb *b, const fbt *t, int field, uint64_t v);  /* any scalar */
void fb_ref(fbb *b, const fbt *t, int field, size_t target);
size_t fb_vec_i32(fbb *b, const int32_t *v, uint32_t n);
size_t fb_vec_u8(fbb *b, const void *v, uint32_t n);
size_t fb_vec_refs(fbb *b, uint32_t n);  /* patch elements with fb_vec_set */
void fb_vec_set(fbb *b, size_t vec, uint32_t i, size_t target);
size_t fb_string(fbb *b, const char *s);
void fb_put_u32(fbb *b, size_t at, uint32_t v);

/* Knobs for building a small CONV_2D model:
 *   input [1,4,4,2] → CONV_2D(filter [3,1,1,2], bias [3], VALID, stride 1)
 *   → output [1,4,4,3]
 * with optional hostile alterations. */
typedef struct model_spec {
  int32_t in_dims[4];
  int32_t filter_dims[4];
  int32_t out_dims[4];
  int32_t op_inputs[3];
  int32_t op_output;
  int32_t graph_input, graph_output;
  int32_t builtin_code;       /* 3 = CONV_2D */
  const char *custom_name;    /* when builtin_code == 32 */
  const uint8_t *custom_options;
  uint32_t custom_options_len;
  uint32_t opcode_index;
  int32_t op_version;         /* OperatorCode.version (0: field absent, i.e. 1) */
  uint32_t schema_version;
  uint32_t filter_buffer;     /* buffer index of the filter */
  int32_t filter_data_bytes;  /* bytes of filter data (default: matches shape) */
  int filter_external;        /* store filter data via Buffer.offset/size */
  uint64_t external_offset_bias; /* added to the computed Buffer.offset */
  uint64_t external_size;     /* Buffer.size override (0: the data's size) */
  uint8_t padding, activation;
  int32_t stride;
  uint8_t options_type;       /* BuiltinOptions union type, 1 = Conv2DOptions */
  int32_t tensor_type;        /* type of the input tensor (0 float32) */
  int sparse_filter;          /* store the filter sparse behind a DENSIFY op */
  int32_t sparse_segments[8];  /* CSR segments of the last dim (sparse_filter) */
  int32_t sparse_indices[8];
  uint32_t sparse_nseg, sparse_nidx;
} model_spec;

model_spec model_spec_default(void);

/* Build the model into @p b (b is re-initialised). */
void build_model(const model_spec *s, fbb *b);

#endif
