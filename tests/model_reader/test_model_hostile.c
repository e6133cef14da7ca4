/* Hand-crafted hostile models: every malformed variant of a small valid
 * CONV_2D model returns the right vp_status with a message naming what was
 * wrong, and never crashes (this suite also runs under ASan/UBSan). Also the
 * flexbuffer reader on hand-made and mutated bytes. */
#include "common/check.h"
#include "model/flexbuf.h"
#include "model/graph.h"
#include "model_reader/tflite_builder.h"
#include "vpipe/model.h"

static vp_status load(const fbb *b, vp_model **m) {
  *m = NULL;
  return vp_model_create_from_buffer(b->b, b->n, m);
}

/* Build @p s, expect @p want and a message containing @p needle. */
static void expect_spec(const model_spec *s, vp_status want, const char *needle, int line) {
  fbb b;
  fb_init(&b);
  build_model(s, &b);
  vp_model *m;
  vp_status st = load(&b, &m);
  if (st != want || (needle && !strstr(vp_last_error(), needle))) {
    fprintf(stderr, "line %d: got %d (%s) '%s', expected %d with '%s'\n", line, st,
            vp_strerror(st), vp_last_error(), want, needle ? needle : "");
    vp_test_failures++;
  }
  vp_model_destroy(m);
  fb_free(&b);
}
#define EXPECT(spec, st, needle) expect_spec(&(spec), st, needle, __LINE__)

/* Patch the built bytes, expect a failure (any error status). */
static void expect_bytes_fail(fbb *b, const char *needle, int line) {
  vp_model *m;
  vp_status st = load(b, &m);
  if (st == VP_OK || (needle && !strstr(vp_last_error(), needle))) {
    fprintf(stderr, "line %d: got %d '%s', expected failure with '%s'\n", line, st,
            vp_last_error(), needle ? needle : "");
    vp_test_failures++;
  }
  vp_model_destroy(m);
}

static void test_valid(void) {
  model_spec s = model_spec_default();
  fbb b;
  fb_init(&b);
  build_model(&s, &b);
  vp_model *m;
  CHECK_STATUS(load(&b, &m), VP_OK);
  if (m) {
    vp_tensor_info t;
    CHECK_STATUS(vp_model_output_info(m, 0, &t), VP_OK);
    CHECK_INT_EQ(t.rank, 4);
    CHECK_INT_EQ(t.dims[3], 3);
    CHECK(!strcmp(t.name, "t3"));
    vp_model_stats st;
    CHECK_STATUS(vp_model_stats_get(m, &st), VP_OK);
    CHECK_INT_EQ(st.num_parameters, 6 + 3);
    CHECK_INT_EQ(st.macs, 16 * 3 * 2);
    CHECK_INT_EQ(st.num_operators, 1);
    const float *f = m->graph->tensors[1].data;
    CHECK(f && f[0] == 0.25f && f[5] == 1.5f);
    vp_model_destroy(m);
  }

  /* Filter data outside the flatbuffer via Buffer.offset/size. */
  s.filter_external = 1;
  build_model(&s, &b);
  CHECK_STATUS(load(&b, &m), VP_OK);
  if (m) {
    const float *f = m->graph->tensors[1].data;
    CHECK(f && f[0] == 0.25f && f[5] == 1.5f);
    vp_model_destroy(m);
  }

  /* Sparse filter behind DENSIFY: rows [.,a] [b,.] [c,d]. */
  s = model_spec_default();
  s.sparse_filter = 1;
  build_model(&s, &b);
  CHECK_STATUS(load(&b, &m), VP_OK);
  if (m) {
    CHECK_INT_EQ(m->graph->num_ops, 1);
    const float *f = m->graph->tensors[1].data;
    CHECK(f != NULL);
    if (f) {
      const float want[6] = {0, 0.25f, 0.5f, 0, 0.75f, 1.0f};
      for (int i = 0; i < 6; i++) CHECK_NEAR(f[i], want[i], 0);
    }
    vp_model_destroy(m);
  }
  fb_free(&b);
}

static void test_hostile_specs(void) {
  model_spec s;
#define CASE(stmt, st, needle) \
  do {                         \
    s = model_spec_default();  \
    stmt;                      \
    EXPECT(s, st, needle);     \
  } while (0)
  /* Wrong tensor indices in the operator and the subgraph. */
  CASE(s.op_inputs[0] = 99, VP_EFORMAT, "operator 0 (CONV_2D): input 0 refers to tensor 99");
  CASE(s.op_inputs[1] = -5, VP_EFORMAT, "tensor -5");
  CASE(s.op_output = 1000000, VP_EFORMAT, "output 0 refers to tensor 1000000");
  CASE(s.op_output = 0, VP_EFORMAT, "already produced");
  CASE(s.op_output = 1, VP_EFORMAT, "constant");
  CASE(s.graph_input = 77, VP_EFORMAT, "subgraph input 0 refers to tensor 77");
  CASE(s.graph_output = 0, VP_EFORMAT, "graph output 0");
  CASE(s.graph_input = 1, VP_EFORMAT, "graph input 0 is constant");
  CASE(s.op_inputs[0] = 3, VP_EFORMAT, "no earlier operator");
  /* Shapes. */
  CASE(s.in_dims[1] = -4, VP_EFORMAT, "tensor 0 't0': dimension 1 is -4");
  CASE((s.out_dims[0] = 65536, s.out_dims[1] = 65536, s.out_dims[2] = 65536), VP_EFORMAT,
       "more than 2^31");
  CASE((s.in_dims[0] = 0x7fffffff, s.in_dims[1] = 0x7fffffff), VP_EFORMAT, "2^31");
  CASE((s.filter_dims[3] = 5, s.filter_data_bytes = 60), VP_ESHAPE,
       "does not match the input's 2 channels");
  CASE(s.out_dims[1] = 3, VP_ESHAPE, "operator 0 (CONV_2D): output tensor 3 't3' [1,3,4,3]");
  CASE(s.out_dims[3] = 4, VP_ESHAPE, "must have 3 channels");
  CASE((s.filter_dims[1] = 9, s.filter_data_bytes = 9 * 6 * 4, s.padding = 1), VP_ESHAPE,
       "window");
  CASE((s.in_dims[2] = 0, s.out_dims[2] = 0), VP_ESHAPE, "input 0 tensor 0 't0' [1,4,0,2] is empty");
  CASE(s.out_dims[2] = 0, VP_ESHAPE, "operator 0 (CONV_2D): output 0 tensor 3 't3' [1,4,0,3] is empty");
  CASE(s.stride = 0, VP_EFORMAT, "must be positive");
  CASE(s.stride = -3, VP_EFORMAT, "must be positive");
  /* Buffers. */
  CASE(s.filter_buffer = 50, VP_EFORMAT, "buffer index 50 out of 4");
  CASE(s.filter_data_bytes = 20, VP_EFORMAT, "constant data has 20 bytes, shape needs 24");
  CASE((s.filter_external = 1, s.external_offset_bias = 1u << 30), VP_EFORMAT, "lies outside");
  CASE((s.filter_external = 1, s.external_offset_bias = (uint64_t)1 << 62), VP_EFORMAT,
       "lies outside");
  CASE((s.filter_external = 1, s.external_size = ~(uint64_t)0 - 8), VP_EFORMAT, "lies outside");
  CASE((s.filter_external = 1, s.external_size = 28), VP_EFORMAT, "lies outside");
  /* Operator codes, options, types, schema. */
  CASE(s.opcode_index = 7, VP_EFORMAT, "operator code index 7 out of 1");
  CASE(s.builtin_code = 77, VP_EUNSUPPORTED, "builtin operator 77 is not supported");
  CASE(s.builtin_code = 200, VP_EUNSUPPORTED, "builtin operator 200");
  CASE((s.builtin_code = 32, s.custom_name = "FooBar"), VP_EUNSUPPORTED,
       "custom operator 'FooBar' is not supported");
  CASE(s.builtin_code = 32, VP_EFORMAT, "custom operator without a name");
  CASE(s.schema_version = 2, VP_EUNSUPPORTED, "schema version 2");
  CASE(s.options_type = 2, VP_EFORMAT, "builtin options of type 2, expected 1");
  CASE(s.padding = 7, VP_EFORMAT, "padding 7 is invalid");
  CASE(s.activation = 9, VP_EFORMAT, "fused activation 9 is invalid");
  CASE(s.tensor_type = 5, VP_EUNSUPPORTED, "element type 5 is not supported");
  CASE(s.tensor_type = 9, VP_EUNSUPPORTED, "only float32 inputs");
  CASE(s.tensor_type = 1, VP_EUNSUPPORTED, "only float32 inputs");
  /* Sparse constants. */
  CASE((s.sparse_filter = 1, s.sparse_segments[1] = 3, s.sparse_segments[2] = 2), VP_EFORMAT,
       "out of order");
  CASE((s.sparse_filter = 1, s.sparse_indices[0] = 5), VP_EFORMAT, "exceeds size 2");
  CASE((s.sparse_filter = 1, s.sparse_indices[0] = -1), VP_EFORMAT, "exceeds size");
  CASE((s.sparse_filter = 1, s.sparse_segments[3] = 9), VP_EFORMAT, "past 4 indices");
  CASE((s.sparse_filter = 1, s.sparse_nseg = 2), VP_EFORMAT, "out of 2");
  CASE((s.sparse_filter = 1, s.sparse_nseg = 0), VP_EFORMAT, "segment");
  CASE((s.sparse_filter = 1, s.filter_dims[0] = 30000, s.filter_dims[1] = 100,
        s.filter_dims[2] = 100), VP_EUNSUPPORTED, "densifying");
  /* Custom operators' options. */
  static const uint8_t short_opts[4] = {1, 0, 0, 0};
  static const uint8_t bad_pad[12] = {7, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0};
  static const uint8_t garbage[9] = {0xff, 0xfe, 0x01, 0x02, 0x99, 0x10, 0x20, 0x24, 0x08};
  CASE((s.builtin_code = 32, s.custom_name = "Convolution2DTransposeBias",
        s.custom_options = short_opts, s.custom_options_len = 4, s.options_type = 0),
       VP_EFORMAT, "expected a 12-byte TfLiteTransposeConvParams");
  CASE((s.builtin_code = 32, s.custom_name = "Convolution2DTransposeBias",
        s.custom_options = bad_pad, s.custom_options_len = 12, s.options_type = 0),
       VP_EFORMAT, "padding 7");
  CASE((s.builtin_code = 32, s.custom_name = "Landmarks2TransformMatrix",
        s.custom_options = garbage, s.custom_options_len = 9, s.options_type = 0),
       VP_EFORMAT, "operator 0 (Landmarks2TransformMatrix)");
  CASE((s.builtin_code = 32, s.custom_name = "TransformTensorBilinear", s.options_type = 0),
       VP_EFORMAT, "flexbuffer");
#undef CASE
}

static void test_hostile_bytes(void) {
  model_spec s = model_spec_default();
  fbb b;
  fb_init(&b);
  build_model(&s, &b);
  size_t root = (size_t)b.b[0] | (size_t)b.b[1] << 8 | (size_t)b.b[2] << 16;
  uint8_t saved[8];
  memcpy(saved, b.b + root, 8);

  /* Root offset past the end, and one that wraps in 32-bit arithmetic. */
  fb_put_u32(&b, 0, 0xfffffff0u);
  expect_bytes_fail(&b, "outside", __LINE__);
  fb_put_u32(&b, 0, (uint32_t)root);

  /* The model table's vtable: far away, the table itself, behind the start. */
  fb_put_u32(&b, root, 0x7fffffffu);
  expect_bytes_fail(&b, "vtable", __LINE__);
  fb_put_u32(&b, root, 0);
  expect_bytes_fail(&b, "vtable", __LINE__);
  fb_put_u32(&b, root, (uint32_t)-(int32_t)(b.n));
  expect_bytes_fail(&b, "vtable", __LINE__);
  memcpy(b.b + root, saved, 8);

  /* A vtable entry pointing beyond the table. */
  size_t vt = root - (size_t)(b.b[root] | b.b[root + 1] << 8);
  uint8_t ventry[2] = {b.b[vt + 6], b.b[vt + 7]};
  b.b[vt + 6] = 0xf0;
  b.b[vt + 7] = 0xff;
  expect_bytes_fail(&b, "lies outside the table", __LINE__);
  /* A vtable claiming to be larger than the file. */
  b.b[vt + 6] = ventry[0];
  b.b[vt + 7] = ventry[1];
  uint8_t vsz[2] = {b.b[vt], b.b[vt + 1]};
  b.b[vt] = 0xfe;
  b.b[vt + 1] = 0xff;
  expect_bytes_fail(&b, "bad size", __LINE__);
  b.b[vt] = vsz[0];
  b.b[vt + 1] = vsz[1];

  /* Oversized counts: the operator-code vector's length (field 1 of the model). */
  size_t slot = root + 4 + 8;
  size_t codes = slot + ((size_t)b.b[slot] | (size_t)b.b[slot + 1] << 8);
  uint8_t len[4];
  memcpy(len, b.b + codes, 4);
  fb_put_u32(&b, codes, 0x7fffffffu);
  expect_bytes_fail(&b, "run past", __LINE__);
  fb_put_u32(&b, codes, 0xffffffffu);
  expect_bytes_fail(&b, "run past", __LINE__);
  memcpy(b.b + codes, len, 4);
  /* An element offset of that vector pointing back into itself. */
  uint8_t elem[4];
  memcpy(elem, b.b + codes + 4, 4);
  fb_put_u32(&b, codes + 4, 0);
  expect_bytes_fail(&b, "offset 0", __LINE__);
  fb_put_u32(&b, codes + 4, 0xfffffffcu);
  expect_bytes_fail(&b, "outside", __LINE__);
  memcpy(b.b + codes + 4, elem, 4);

  /* Still valid after restoring everything. */
  vp_model *m;
  CHECK_STATUS(load(&b, &m), VP_OK);
  vp_model_destroy(m);

  /* Every truncation fails cleanly. */
  size_t n = b.n;
  int ok_cuts = 0;
  for (size_t cut = 0; cut < n; cut++) {
    vp_status st = vp_model_create_from_buffer(b.b, cut, &m);
    if (st == VP_OK) {
      ok_cuts++;
      vp_model_destroy(m);
    } else if (!*vp_last_error()) {
      fprintf(stderr, "cut %zu: error without a message\n", cut);
      vp_test_failures++;
    }
  }
  CHECK(ok_cuts <= 16); /* only trailing padding may go */
  fb_free(&b);
}

/* {"a": 5, "bb": [1, 2, 3]} hand-encoded (widths of 1 byte). */
static const uint8_t flex_map[] = {
    /* 0 */ 'a', 0, /* 2 */ 'b', 'b', 0,
    /* 5: typed int vector [1,2,3], length first */ 3, 1, 2, 3,
    /* 9: key vector (2 keys): length, offsets to "a" and "bb" */ 2, 10 - 0, 11 - 2,
    /* 12: map prefix: keys offset (12 - 10), key width, length */ 2, 1, 2,
    /* 15: values: 5, offset to vector (16 - 6) */ 5, 10,
    /* 17: value types: INT w8, VECTOR_INT w8 */ 1 << 2, 11 << 2,
    /* 19: root: offset to map values (19 - 15), MAP type, width 1 */ 4, 9 << 2, 1};

static void test_flexbuf(void) {
  vp__flex_ref root, v, e;
  bool found;
  int64_t i;
  uint32_t n;
  CHECK_STATUS(vp__flex_root(flex_map, sizeof flex_map, &root), VP_OK);
  CHECK_INT_EQ(root.type, VP_FLEX_MAP);
  CHECK_STATUS(vp__flex_map_get(&root, "a", &v, &found), VP_OK);
  CHECK(found);
  CHECK_STATUS(vp__flex_as_int(&v, &i), VP_OK);
  CHECK_INT_EQ(i, 5);
  CHECK_STATUS(vp__flex_map_get(&root, "bb", &v, &found), VP_OK);
  CHECK(found);
  CHECK_STATUS(vp__flex_vec_len(&v, &n), VP_OK);
  CHECK_INT_EQ(n, 3);
  CHECK_STATUS(vp__flex_vec_at(&v, 2, &e), VP_OK);
  CHECK_STATUS(vp__flex_as_int(&e, &i), VP_OK);
  CHECK_INT_EQ(i, 3);
  CHECK_STATUS(vp__flex_vec_at(&v, 3, &e), VP_EFORMAT);
  CHECK_STATUS(vp__flex_map_get(&root, "zz", &v, &found), VP_OK);
  CHECK(!found);
  CHECK_STATUS(vp__flex_as_int(&root, &i), VP_EFORMAT);

  /* Every truncation and every single-byte value at every position: no
   * crash, no read outside (ASan), errors carry a message. */
  uint8_t buf[sizeof flex_map];
  for (size_t cut = 0; cut <= sizeof flex_map; cut++) {
    uint8_t *t = malloc(cut ? cut : 1);
    memcpy(t, flex_map + sizeof flex_map - cut, cut); /* keep the root at the end */
    if (vp__flex_root(t, cut, &root) == VP_OK) {
      vp__flex_map_get(&root, "a", &v, &found);
      vp__flex_map_get(&root, "bb", &v, &found);
    }
    free(t);
  }
  for (size_t pos = 0; pos < sizeof flex_map; pos++)
    for (int val = 0; val < 256; val++) {
      memcpy(buf, flex_map, sizeof buf);
      buf[pos] = (uint8_t)val;
      if (vp__flex_root(buf, sizeof buf, &root)) continue;
      const char *keys[] = {"a", "bb"};
      for (int k = 0; k < 2; k++) {
        if (vp__flex_map_get(&root, keys[k], &v, &found) || !found) continue;
        double dv;
        vp__flex_as_int(&v, &i);
        vp__flex_as_double(&v, &dv);
        if (vp__flex_vec_len(&v, &n) == VP_OK)
          for (uint32_t j = 0; j < n && j < 8; j++)
            if (vp__flex_vec_at(&v, j, &e) == VP_OK) vp__flex_as_int(&e, &i);
        const char *str;
        size_t sl;
        vp__flex_as_string(&v, &str, &sl);
      }
    }
}

/* Every float16 bit pattern converts exactly (reference: ldexp on the
 * decoded fields). */
static void test_half(void) {
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    int e = (int)(h >> 10 & 0x1f), m = (int)(h & 0x3ff);
    double want = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(1024 + m, e - 25);
    if (h & 0x8000) want = -want;
    float got = vp__half_to_float((uint16_t)h);
    uint32_t gb;
    memcpy(&gb, &got, sizeof gb);
    bool ok = isnan(want) ? isnan(got) && (gb & 0x7fffff) == (uint32_t)m << 13 &&
                                (gb >> 31) == (h >> 15)
                          : (double)got == want && (gb >> 31) == (h >> 15);
    if (!ok && bad++ < 5) fprintf(stderr, "half 0x%04x -> %g, expected %g\n", h, got, want);
  }
  CHECK_INT_EQ(bad, 0);
}

int main(void) {
  test_half();
  test_valid();
  test_hostile_specs();
  test_hostile_bytes();
  test_flexbuf();
  return TEST_EXIT();
}
