/* All 15 MediaPipe models load, prepare and report the inputs/outputs listed
 * in the reference tensors' README (shapes, names, float32); load-time passes
 * leave no DEQUANTIZE/DENSIFY; custom-operator options decode to the values
 * MediaPipe's graphs use; file and buffer loading agree; bad indices and
 * names are rejected. */
#include <math.h>

#include "common/check.h"
#include "model/graph.h"
#include "model_reader/models_path.h"
#include "vpipe/model.h"

typedef struct io {
  const char *name;
  int rank;
  int dims[4];
} io;

typedef struct expect {
  const char *model;
  io in;
  int num_out;
  io out[7];
} expect;

static const expect models[] = {
    {"face_detection_short_range", {"input", 4, {1, 128, 128, 3}}, 2,
     {{"regressors", 3, {1, 896, 16}}, {"classificators", 3, {1, 896, 1}}}},
    {"face_detection_full_range", {"input", 4, {1, 192, 192, 3}}, 2,
     {{"reshaped_regressor_face_4", 3, {1, 2304, 16}},
      {"reshaped_classifier_face_4", 3, {1, 2304, 1}}}},
    {"face_detection_full_range_sparse", {"input_1", 4, {1, 192, 192, 3}}, 2,
     {{"Identity", 3, {1, 2304, 16}}, {"Identity_1", 3, {1, 2304, 1}}}},
    {"face_landmark", {"input_1", 4, {1, 192, 192, 3}}, 2,
     {{"conv2d_21", 4, {1, 1, 1, 1404}}, {"conv2d_31", 4, {1, 1, 1, 1}}}},
    {"face_landmark_with_attention", {"input_1", 4, {1, 192, 192, 3}}, 7,
     {{"output_mesh_identity", 4, {1, 1, 1, 1404}},
      {"output_lips", 4, {1, 1, 1, 160}},
      {"output_left_eye", 4, {1, 1, 1, 142}},
      {"output_right_eye", 4, {1, 1, 1, 142}},
      {"output_left_iris", 4, {1, 1, 1, 10}},
      {"output_right_iris", 4, {1, 1, 1, 10}},
      {"conv_faceflag", 4, {1, 1, 1, 1}}}},
    {"selfie_segmentation", {"input_1", 4, {1, 256, 256, 3}}, 1,
     {{"activation_10", 4, {1, 256, 256, 1}}}},
    {"selfie_segmentation_landscape", {"input_1", 4, {1, 144, 256, 3}}, 1,
     {{"segment_back", 4, {1, 144, 256, 1}}}},
    {"palm_detection_lite", {"input_1", 4, {1, 192, 192, 3}}, 2,
     {{"Identity", 3, {1, 2016, 18}}, {"Identity_1", 3, {1, 2016, 1}}}},
    {"palm_detection_full", {"input_1", 4, {1, 192, 192, 3}}, 2,
     {{"Identity", 3, {1, 2016, 18}}, {"Identity_1", 3, {1, 2016, 1}}}},
    {"hand_landmark_lite", {"input_1", 4, {1, 224, 224, 3}}, 4,
     {{"Identity", 2, {1, 63}}, {"Identity_1", 2, {1, 1}}, {"Identity_2", 2, {1, 1}},
      {"Identity_3", 2, {1, 63}}}},
    {"hand_landmark_full", {"input_1", 4, {1, 224, 224, 3}}, 4,
     {{"Identity", 2, {1, 63}}, {"Identity_1", 2, {1, 1}}, {"Identity_2", 2, {1, 1}},
      {"Identity_3", 2, {1, 63}}}},
    {"pose_detection", {"input_1", 4, {1, 224, 224, 3}}, 2,
     {{"Identity", 3, {1, 2254, 12}}, {"Identity_1", 3, {1, 2254, 1}}}},
#define POSE_LANDMARK(n)                                                                 \
  {n, {"input_1", 4, {1, 256, 256, 3}}, 5,                                               \
   {{"Identity", 2, {1, 195}}, {"Identity_1", 2, {1, 1}}, {"Identity_2", 4, {1, 256, 256, 1}}, \
    {"Identity_3", 4, {1, 64, 64, 39}}, {"Identity_4", 2, {1, 117}}}}
    POSE_LANDMARK("pose_landmark_lite"),
    POSE_LANDMARK("pose_landmark_full"),
    POSE_LANDMARK("pose_landmark_heavy"),
};

static void check_io(const vp_tensor_info *t, const io *e, const char *model) {
  if (strcmp(t->name, e->name)) {
    fprintf(stderr, "%s: tensor '%s', expected '%s'\n", model, t->name, e->name);
    vp_test_failures++;
  }
  CHECK_INT_EQ(t->dtype, VP_DTYPE_F32);
  CHECK_INT_EQ(t->rank, e->rank);
  size_t n = 1;
  for (int i = 0; i < e->rank && i < t->rank; i++) {
    CHECK_INT_EQ(t->dims[i], e->dims[i]);
    n *= (size_t)e->dims[i];
  }
  CHECK_INT_EQ(t->num_elements, n);
  CHECK_INT_EQ(t->size_bytes, n * 4);
}

/* Every constant an operator reads is finite float32 (fp16 and sparse
 * constants were converted) or int32 parameters. */
static void check_prepared(const vp__graph *g, const char *model) {
  for (int32_t i = 0; i < g->num_ops; i++) {
    const vp__op *op = &g->ops[i];
    if (op->code == VP_OP_DEQUANTIZE || op->code == VP_OP_DENSIFY) {
      fprintf(stderr, "%s: operator %d (%s) survived loading\n", model, op->index, op->name);
      vp_test_failures++;
    }
    for (int32_t k = 0; k < op->num_inputs; k++) {
      if (op->inputs[k] < 0) continue;
      const vp__tensor *t = &g->tensors[op->inputs[k]];
      CHECK(t->sparsity == NULL || t->data != NULL);
      if (!t->data) continue;
      CHECK(t->dtype == VP_DTYPE_F32 || t->dtype == VP_DTYPE_I32);
      if (t->dtype != VP_DTYPE_F32) continue;
      const float *f = t->data;
      for (size_t e = 0; e < t->num_elements; e++)
        if (!isfinite(f[e])) {
          fprintf(stderr, "%s: tensor '%s'[%zu] is not finite\n", model, t->name, e);
          vp_test_failures++;
          break;
        }
    }
  }
}

static void check_custom_ops(const vp_model *m, const char *model) {
  const vp__graph *g = m->graph;
  int l2tm = 0, ttb = 0, tl = 0, tcb = 0;
  for (int32_t i = 0; i < g->num_ops; i++) {
    const vp__op *op = &g->ops[i];
    const vp__custom_params *c = &op->custom;
    switch (op->code) {
      case VP_OP_CUSTOM_LANDMARKS_TO_TRANSFORM_MATRIX:
        /* face_landmark_with_attention: 16x16 crops, 1.5x scale, v2. */
        l2tm++;
        CHECK_INT_EQ(c->version, 2);
        CHECK_INT_EQ(c->output_width, 16);
        CHECK_INT_EQ(c->output_height, 16);
        CHECK_NEAR(c->scale_x, 1.5, 1e-6);
        CHECK_NEAR(c->scale_y, 1.5, 1e-6);
        CHECK(c->num_subset_idxs >= 30);
        for (int32_t k = 0; k < 2 * c->num_subset_idxs; k++)
          CHECK(c->subset_idxs[k] >= 0 && c->subset_idxs[k] < 468);
        break;
      case VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR:
        ttb++;
        CHECK(c->align_corners);
        CHECK_INT_EQ(c->output_width, 16);
        break;
      case VP_OP_CUSTOM_TRANSFORM_LANDMARKS:
        tl++;
        CHECK(c->dimensions == 2 || c->dimensions == 3);
        CHECK_NEAR(c->scale, 1.0, 0);
        break;
      case VP_OP_CUSTOM_CONV2D_TRANSPOSE_BIAS:
        tcb++;
        CHECK_INT_EQ(c->stride_w, 2);
        CHECK_INT_EQ(c->stride_h, 2);
        CHECK_INT_EQ(c->padding, VP_PAD_SAME);
        break;
      default:
        break;
    }
  }
  if (!strcmp(model, "face_landmark_with_attention")) {
    CHECK_INT_EQ(l2tm, 3);
    CHECK_INT_EQ(ttb, 3);
    CHECK_INT_EQ(tl, 5);
  }
  if (!strncmp(model, "selfie_segmentation", 19)) CHECK_INT_EQ(tcb, 1);
}

int main(void) {
  int found = 0;
  for (size_t mi = 0; mi < sizeof models / sizeof models[0]; mi++) {
    const expect *e = &models[mi];
    char path[4096];
    vp_test_model_path(e->model, path, sizeof path);
    if (!vp_test_file_exists(path)) continue;
    found++;
    vp_model *m = NULL;
    vp_status st = vp_model_create_from_file(path, &m);
    CHECK_STATUS(st, VP_OK);
    if (st) continue;
    CHECK_INT_EQ(vp_model_input_count(m), 1);
    CHECK_INT_EQ(vp_model_output_count(m), e->num_out);
    vp_tensor_info t;
    CHECK_STATUS(vp_model_input_info(m, 0, &t), VP_OK);
    check_io(&t, &e->in, e->model);
    for (int i = 0; i < e->num_out; i++) {
      CHECK_STATUS(vp_model_output_info(m, i, &t), VP_OK);
      check_io(&t, &e->out[i], e->model);
      CHECK_INT_EQ(vp_model_find_output(m, e->out[i].name), i);
    }
    CHECK_INT_EQ(vp_model_find_input(m, e->in.name), 0);
    CHECK_INT_EQ(vp_model_find_input(m, "no such tensor"), -1);
    CHECK_INT_EQ(vp_model_find_output(m, NULL), -1);
    CHECK_STATUS(vp_model_input_info(m, 1, &t), VP_ERANGE);
    CHECK_STATUS(vp_model_output_info(m, -1, &t), VP_ERANGE);
    CHECK_STATUS(vp_model_output_info(m, e->num_out, &t), VP_ERANGE);

    vp_model_stats s;
    CHECK_STATUS(vp_model_stats_get(m, &s), VP_OK);
    CHECK(s.num_operators > 50);
    CHECK(s.num_parameters > 100000);
    CHECK(s.macs > 10000000);
    int32_t kinds = vp_model_operator_kinds(m), total = 0;
    CHECK(kinds > 3);
    for (int32_t k = 0; k < kinds; k++) {
      const char *name = NULL;
      int32_t count = 0;
      CHECK_STATUS(vp_model_operator_kind(m, k, &name, &count), VP_OK);
      CHECK(name && count > 0);
      CHECK(strcmp(name, "DEQUANTIZE") && strcmp(name, "DENSIFY"));
      total += count;
    }
    CHECK_INT_EQ(total, s.num_operators);
    CHECK_STATUS(vp_model_operator_kind(m, kinds, NULL, NULL), VP_ERANGE);
    /* Per-operator view agrees with the totals. */
    CHECK_INT_EQ(vp_model_operator_count(m), s.num_operators);
    int64_t op_macs = 0;
    for (int32_t i = 0; i < vp_model_operator_count(m); i++) {
      vp_operator_info oi;
      CHECK_STATUS(vp_model_operator_info(m, i, &oi), VP_OK);
      CHECK(oi.kind && oi.num_outputs >= 1 && oi.file_index >= i);
      op_macs += oi.macs;
      for (int32_t k = 0; k < oi.num_outputs; k++) {
        bool c = true;
        CHECK_STATUS(vp_model_operator_tensor(m, i, true, k, &t, &c), VP_OK);
        CHECK(!c);
      }
      for (int32_t k = 0; k < oi.num_inputs; k++) {
        vp_status ts = vp_model_operator_tensor(m, i, false, k, &t, NULL);
        CHECK(ts == VP_OK || ts == VP_ENOENT);
      }
      CHECK_STATUS(vp_model_operator_tensor(m, i, false, oi.num_inputs, &t, NULL), VP_ERANGE);
    }
    CHECK_INT_EQ(op_macs, s.macs);
    vp_operator_info oi;
    CHECK_STATUS(vp_model_operator_info(m, s.num_operators, &oi), VP_ERANGE);
    check_prepared(m->graph, e->model);
    check_custom_ops(m, e->model);

    /* From a buffer: same statistics. */
    size_t size;
    unsigned char *bytes = vp_test_read_file(path, &size);
    CHECK(bytes != NULL);
    vp_model *m2 = NULL;
    CHECK_STATUS(vp_model_create_from_buffer(bytes, size, &m2), VP_OK);
    free(bytes);
    if (m2) {
      vp_model_stats s2;
      CHECK_STATUS(vp_model_stats_get(m2, &s2), VP_OK);
      CHECK_INT_EQ(s2.macs, s.macs);
      CHECK_INT_EQ(s2.num_parameters, s.num_parameters);
      CHECK_INT_EQ(s2.num_operators, s.num_operators);
      vp_model_destroy(m2);
    }
    vp_model_destroy(m);
    fprintf(stderr, "%-34s ok: %d ops, %lld params, %lld MACs\n", e->model, s.num_operators,
            (long long)s.num_parameters, (long long)s.macs);
  }

  /* Bad arguments and missing files. */
  vp_model *m = (vp_model *)0x1;
  CHECK_STATUS(vp_model_create_from_file("/nonexistent/model.tflite", &m), VP_ENOENT);
  CHECK(m == (vp_model *)0x1); /* *out untouched on failure */
  CHECK(strstr(vp_last_error(), "/nonexistent/model.tflite") != NULL);
  CHECK_STATUS(vp_model_create_from_file("/", &m), VP_EIO);
  CHECK_STATUS(vp_model_create_from_file(NULL, &m), VP_EINVAL);
  CHECK_STATUS(vp_model_create_from_buffer(NULL, 10, &m), VP_EINVAL);
  CHECK_STATUS(vp_model_create_from_buffer("", 0, &m), VP_EFORMAT);
  CHECK(m == (vp_model *)0x1);
  vp_model_destroy(NULL);
  CHECK(!strcmp(vp_dtype_name(VP_DTYPE_F32), "float32"));
  CHECK(!strcmp(vp_dtype_name(VP_DTYPE_F16), "float16"));
  CHECK(!strcmp(vp_dtype_name((vp_dtype)99), "unknown"));

  if (found < (int)(sizeof models / sizeof models[0])) {
    fprintf(stderr, "found %d of %zu models\n", found, sizeof models / sizeof models[0]);
    if (vp_test_failures) return TEST_EXIT();
    return vp_test_skip_or_fail("MediaPipe models (run `vpipe models fetch`)");
  }
  return TEST_EXIT();
}
