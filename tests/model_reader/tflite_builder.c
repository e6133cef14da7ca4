/* Hand-crafted .tflite files for tests. See tflite_builder.h. */
#include "model_reader/tflite_builder.h"

#include <stdlib.h>
#include <string.h>

static void reserve(fbb *b, size_t extra) {
  if (b->n + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->n + extra) cap *= 2;
  b->b = realloc(b->b, cap);
  if (!b->b) abort();
  memset(b->b + b->cap, 0, cap - b->cap);
  b->cap = cap;
}

void fb_init(fbb *b) {
  b->b = NULL;
  b->n = b->cap = 0;
}

void fb_free(fbb *b) {
  free(b->b);
  fb_init(b);
}

size_t fb_pad(fbb *b, size_t align) {
  while (b->n % align) {
    reserve(b, 1);
    b->b[b->n++] = 0;
  }
  return b->n;
}

size_t fb_bytes(fbb *b, const void *data, size_t n) {
  reserve(b, n);
  size_t at = b->n;
  if (data) memcpy(b->b + at, data, n);
  else memset(b->b + at, 0, n);
  b->n += n;
  return at;
}

static void put16(fbb *b, size_t at, uint16_t v) {
  b->b[at] = (uint8_t)v;
  b->b[at + 1] = (uint8_t)(v >> 8);
}

void fb_put_u32(fbb *b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; i++) b->b[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

fbt fb_table(fbb *b, int nf, uint32_t present) {
  fbt t;
  fb_pad(b, 4);
  size_t vt_size = 4 + 2 * (size_t)nf;
  t.vt = fb_bytes(b, NULL, (vt_size + 3) & ~(size_t)3);
  put16(b, t.vt, (uint16_t)vt_size);
  put16(b, t.vt + 2, (uint16_t)(4 + 8 * nf));
  for (int i = 0; i < nf; i++)
    put16(b, t.vt + 4 + 2 * (size_t)i, (present >> i & 1) ? (uint16_t)(4 + 8 * i) : 0);
  t.pos = fb_bytes(b, NULL, 4 + 8 * (size_t)nf);
  fb_put_u32(b, t.pos, (uint32_t)(t.pos - t.vt));
  t.nf = nf;
  return t;
}

size_t fb_slot(const fbt *t, int field) { return t->pos + 4 + 8 * (size_t)field; }

void fb_u64(fbb *b, const fbt *t, int field, uint64_t v) {
  size_t at = fb_slot(t, field);
  for (int i = 0; i < 8; i++) b->b[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

void fb_ref(fbb *b, const fbt *t, int field, size_t target) {
  size_t at = fb_slot(t, field);
  fb_put_u32(b, at, (uint32_t)(target - at));
}

size_t fb_vec_i32(fbb *b, const int32_t *v, uint32_t n) {
  fb_pad(b, 4);
  size_t at = fb_bytes(b, NULL, 4 + 4 * (size_t)n);
  fb_put_u32(b, at, n);
  for (uint32_t i = 0; i < n; i++) fb_put_u32(b, at + 4 + 4 * (size_t)i, (uint32_t)v[i]);
  return at;
}

size_t fb_vec_u8(fbb *b, const void *v, uint32_t n) {
  fb_pad(b, 4);
  size_t at = fb_bytes(b, NULL, 4 + (size_t)n);
  fb_put_u32(b, at, n);
  if (n && v) memcpy(b->b + at + 4, v, n);
  return at;
}

size_t fb_vec_refs(fbb *b, uint32_t n) {
  fb_pad(b, 4);
  size_t at = fb_bytes(b, NULL, 4 + 4 * (size_t)n);
  fb_put_u32(b, at, n);
  return at;
}

void fb_vec_set(fbb *b, size_t vec, uint32_t i, size_t target) {
  size_t at = vec + 4 + 4 * (size_t)i;
  fb_put_u32(b, at, (uint32_t)(target - at));
}

size_t fb_string(fbb *b, const char *s) {
  size_t n = strlen(s);
  size_t at = fb_vec_u8(b, s, (uint32_t)n);
  fb_bytes(b, "", 1);
  return at;
}

model_spec model_spec_default(void) {
  model_spec s = {
      .in_dims = {1, 4, 4, 2},
      .filter_dims = {3, 1, 1, 2},
      .out_dims = {1, 4, 4, 3},
      .op_inputs = {0, 1, 2},
      .op_output = 3,
      .graph_input = 0,
      .graph_output = 3,
      .builtin_code = 3,
      .schema_version = 3,
      .filter_buffer = 1,
      .filter_data_bytes = -1,
      .padding = 1, /* VALID */
      .stride = 1,
      .options_type = 1,
      .sparse_segments = {0, 1, 2, 4},
      .sparse_indices = {1, 0, 0, 1},
      .sparse_nseg = 4,
      .sparse_nidx = 4,
  };
  return s;
}

/* Model fields: 0 version, 1 operator_codes, 2 subgraphs, 3 description,
 * 4 buffers. Tensor: 0 shape, 1 type, 2 buffer, 3 name, 4 quantization,
 * 5 is_variable, 6 sparsity. Operator: 0 opcode_index, 1 inputs, 2 outputs,
 * 3 options type, 4 options, 5 custom_options. */
void build_model(const model_spec *s, fbb *b) {
  fb_free(b);
  fb_bytes(b, NULL, 4);     /* root offset */
  fb_bytes(b, "TFL3", 4);   /* identifier */
  int sparse = s->sparse_filter;
  int ntensors = sparse ? 5 : 4;
  int nops = sparse ? 2 : 1;
  int nbuf = 4;

  fbt model = fb_table(b, 5, 0x17);
  fb_put_u32(b, 0, (uint32_t)model.pos);
  fb_u64(b, &model, 0, s->schema_version);

  /* operator codes: [main op, DENSIFY] */
  size_t codes = fb_vec_refs(b, (uint32_t)nops);
  fb_ref(b, &model, 1, codes);
  for (int i = 0; i < nops; i++) {
    int32_t code = i == 0 ? s->builtin_code : 124;
    fbt oc = fb_table(b, 4, 0x1 | 0x8 | (i == 0 && s->custom_name ? 0x2 : 0) |
                                (i == 0 && s->op_version ? 0x4 : 0));
    if (i == 0 && s->op_version) fb_u64(b, &oc, 2, (uint64_t)(uint32_t)s->op_version);
    fb_vec_set(b, codes, (uint32_t)i, oc.pos);
    fb_u64(b, &oc, 0, (uint64_t)(code < 127 ? code : 127));
    fb_u64(b, &oc, 3, (uint64_t)(uint32_t)code);
    if (i == 0 && s->custom_name) fb_ref(b, &oc, 1, fb_string(b, s->custom_name));
  }

  size_t subgraphs = fb_vec_refs(b, 1);
  fb_ref(b, &model, 2, subgraphs);
  fbt sg = fb_table(b, 4, 0xf);
  fb_vec_set(b, subgraphs, 0, sg.pos);

  size_t tensors = fb_vec_refs(b, (uint32_t)ntensors);
  fb_ref(b, &sg, 0, tensors);
  const int32_t bias_dims[1] = {3};
  for (int i = 0; i < ntensors; i++) {
    fbt t = fb_table(b, 7, 0x7 | 0x8 | (i == 4 ? 0x40 : 0));
    fb_vec_set(b, tensors, (uint32_t)i, t.pos);
    const int32_t *dims = i == 0 ? s->in_dims : i == 1 || i == 4 ? s->filter_dims
                          : i == 2 ? bias_dims : s->out_dims;
    uint32_t rank = i == 2 ? 1 : 4;
    fb_ref(b, &t, 0, fb_vec_i32(b, dims, rank));
    fb_u64(b, &t, 1, (uint64_t)(i == 0 ? s->tensor_type : 0));
    uint32_t buf = i == 1 ? (sparse ? 0 : s->filter_buffer) : i == 2 ? 2 : i == 4 ? 3 : 0;
    fb_u64(b, &t, 2, buf);
    char name[16] = "t0";
    name[1] = (char)('0' + i);
    fb_ref(b, &t, 3, fb_string(b, name));
    if (i == 4) {
      /* SparsityParameters: traversal_order, block_map, dim_metadata. */
      fbt sp = fb_table(b, 3, 0x5);
      fb_ref(b, &t, 6, sp.pos);
      const int32_t order[4] = {0, 1, 2, 3};
      fb_ref(b, &sp, 0, fb_vec_i32(b, order, 4));
      size_t dm = fb_vec_refs(b, 4);
      fb_ref(b, &sp, 2, dm);
      for (int d = 0; d < 4; d++) {
        fbt m = fb_table(b, 6, d < 3 ? 0x3 : 0x3d);
        fb_vec_set(b, dm, (uint32_t)d, m.pos);
        fb_u64(b, &m, 0, d < 3 ? 0 : 1);
        fb_u64(b, &m, 1, (uint64_t)(uint32_t)s->filter_dims[d]);
        if (d == 3) {
          fb_u64(b, &m, 2, 1); /* Int32Vector */
          fb_u64(b, &m, 4, 1);
          fbt seg = fb_table(b, 1, 1), idx = fb_table(b, 1, 1);
          fb_ref(b, &m, 3, seg.pos);
          fb_ref(b, &m, 5, idx.pos);
          fb_ref(b, &seg, 0, fb_vec_i32(b, s->sparse_segments, s->sparse_nseg));
          fb_ref(b, &idx, 0, fb_vec_i32(b, s->sparse_indices, s->sparse_nidx));
        }
      }
    }
  }
  fb_ref(b, &sg, 1, fb_vec_i32(b, &s->graph_input, 1));
  fb_ref(b, &sg, 2, fb_vec_i32(b, &s->graph_output, 1));

  size_t ops = fb_vec_refs(b, (uint32_t)nops);
  fb_ref(b, &sg, 3, ops);
  for (int i = nops - 1; i >= 0; i--) {
    /* The DENSIFY (if any) runs first: ops = [DENSIFY, main]. */
    int main_op = i == nops - 1;
    uint32_t present = 0x7 | (main_op && s->options_type ? 0x18 : 0) |
                       (main_op && s->custom_options ? 0x20 : 0);
    fbt op = fb_table(b, 6, present);
    fb_vec_set(b, ops, (uint32_t)i, op.pos);
    fb_u64(b, &op, 0, main_op ? s->opcode_index : 1);
    if (main_op) {
      fb_ref(b, &op, 1, fb_vec_i32(b, s->op_inputs, 3));
      fb_ref(b, &op, 2, fb_vec_i32(b, &s->op_output, 1));
      if (s->options_type) {
        fb_u64(b, &op, 3, s->options_type);
        fbt o = fb_table(b, 6, 0x3f);
        fb_ref(b, &op, 4, o.pos);
        fb_u64(b, &o, 0, s->padding);
        fb_u64(b, &o, 1, (uint64_t)(uint32_t)s->stride);
        fb_u64(b, &o, 2, (uint64_t)(uint32_t)s->stride);
        fb_u64(b, &o, 3, s->activation);
        fb_u64(b, &o, 4, 1);
        fb_u64(b, &o, 5, 1);
      }
      if (s->custom_options)
        fb_ref(b, &op, 5, fb_vec_u8(b, s->custom_options, s->custom_options_len));
    } else {
      const int32_t in = 4, out = 1;
      fb_ref(b, &op, 1, fb_vec_i32(b, &in, 1));
      fb_ref(b, &op, 2, fb_vec_i32(b, &out, 1));
    }
  }

  /* Buffers: 0 empty, 1 filter, 2 bias, 3 sparse filter values. */
  size_t bufs = fb_vec_refs(b, (uint32_t)nbuf);
  fb_ref(b, &model, 4, bufs);
  size_t filter_elems = 1;
  for (int d = 0; d < 4; d++) filter_elems *= (size_t)(s->filter_dims[d] > 0 ? s->filter_dims[d] : 0);
  if (filter_elems > 64) filter_elems = 64;
  size_t fbytes = s->filter_data_bytes >= 0 ? (size_t)s->filter_data_bytes : filter_elems * 4;
  float data[64];
  for (int i = 0; i < 64; i++) data[i] = 0.25f * (float)(i + 1);
  size_t external_slot = 0;
  fbt ext_table = {0};
  for (int i = 0; i < nbuf; i++) {
    int external = i == 1 && s->filter_external;
    fbt bt = fb_table(b, 3, i == 0 ? 0 : external ? 0x6 : 0x1);
    fb_vec_set(b, bufs, (uint32_t)i, bt.pos);
    if (i == 1 && !external) {
      uint8_t tmp[1024] = {0};
      memcpy(tmp, data, fbytes < sizeof data ? fbytes : sizeof data);
      fb_ref(b, &bt, 0, fb_vec_u8(b, tmp, (uint32_t)(fbytes < sizeof tmp ? fbytes : sizeof tmp)));
    } else if (external) {
      external_slot = 1;
      ext_table = bt;
    } else if (i == 2) {
      const float bias[3] = {0.5f, -0.5f, 1.0f};
      fb_ref(b, &bt, 0, fb_vec_u8(b, bias, sizeof bias));
    } else if (i == 3) {
      fb_ref(b, &bt, 0, fb_vec_u8(b, data, 4 * s->sparse_nidx));
    }
  }
  if (external_slot) {
    /* Data after the flatbuffer, at a file offset (schema 3c). */
    fb_pad(b, 16);
    size_t at = fb_bytes(b, data, fbytes < sizeof data ? fbytes : sizeof data);
    fb_u64(b, &ext_table, 1, at + s->external_offset_bias);
    fb_u64(b, &ext_table, 2, s->external_size ? s->external_size : fbytes);
  }
}
