/* Real models, damaged: truncated at many cut points, and randomly corrupted
 * (seeded, reproducible), with mutations aimed both anywhere and at the
 * flatbuffer structure (bytes outside constant data). Every load either
 * fails with a message or yields a model whose info functions all work;
 * nothing crashes or reads out of bounds (run under ASan/UBSan in CI). */
#include "common/check.h"
#include "model/graph.h"
#include "model_reader/models_path.h"
#include "vpipe/model.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 16);
}

/* Use whatever loaded: every public info call must work. */
static void exercise(vp_model *m) {
  vp_model_stats s;
  CHECK_STATUS(vp_model_stats_get(m, &s), VP_OK);
  vp_tensor_info t;
  for (int32_t i = 0; i < vp_model_input_count(m); i++) {
    CHECK_STATUS(vp_model_input_info(m, i, &t), VP_OK);
    CHECK(t.name != NULL && t.dtype == VP_DTYPE_F32);
  }
  for (int32_t i = 0; i < vp_model_output_count(m); i++) {
    CHECK_STATUS(vp_model_output_info(m, i, &t), VP_OK);
    CHECK(t.name != NULL);
  }
  for (int32_t k = 0; k < vp_model_operator_kinds(m); k++) {
    const char *name;
    int32_t count;
    CHECK_STATUS(vp_model_operator_kind(m, k, &name, &count), VP_OK);
  }
}

static int try_load(const unsigned char *bytes, size_t size) {
  vp_model *m = NULL;
  vp_status st = vp_model_create_from_buffer(bytes, size, &m);
  if (st == VP_OK) {
    exercise(m);
    vp_model_destroy(m);
    return 1;
  }
  if (!*vp_last_error()) {
    fprintf(stderr, "status %d without a message\n", st);
    vp_test_failures++;
  }
  return 0;
}

static void damage(const char *name, int cuts, int mutations) {
  char path[4096];
  size_t size;
  vp_test_model_path(name, path, sizeof path);
  unsigned char *orig = vp_test_read_file(path, &size);
  if (!orig) return;

  /* Structure bytes: everything outside constant tensor data. */
  unsigned char *is_data = calloc(size, 1);
  {
    vp__graph *g;
    unsigned char *copy = malloc(size);
    memcpy(copy, orig, size);
    CHECK_STATUS(vp__graph_parse(copy, size, &g), VP_OK);
    for (int32_t i = 0; g && i < g->num_tensors; i++) {
      const vp__tensor *t = &g->tensors[i];
      const unsigned char *d = t->data;
      if (d && d >= g->file && d < g->file + size)
        memset(is_data + (d - g->file), 1, t->size_bytes);
    }
    vp__graph_free(g);
  }
  size_t *structure = malloc(size * sizeof *structure), ns = 0;
  for (size_t i = 0; i < size; i++)
    if (!is_data[i]) structure[ns++] = i;

  unsigned char *buf = malloc(size);
  int ok = 0;
  /* Truncation: the first 256 lengths, then evenly spread cut points. */
  for (int c = 0; c < cuts; c++) {
    size_t cut = c < 256 ? (size_t)c : (size_t)((double)(c - 256) / (cuts - 256) * (double)size);
    memcpy(buf, orig, cut);
    ok += try_load(buf, cut);
  }
  CHECK_INT_EQ(ok, 0);

  int loaded = 0;
  for (int it = 0; it < mutations; it++) {
    memcpy(buf, orig, size);
    int flips = 1 + (int)(rnd() % 8);
    for (int f = 0; f < flips; f++) {
      size_t pos = (it & 1) && ns ? structure[rnd() % ns] : rnd() % size;
      switch (rnd() % 4) {
        case 0: buf[pos] ^= (uint8_t)(1u << (rnd() % 8)); break;
        case 1: buf[pos] = (uint8_t)rnd(); break;
        case 2: buf[pos] = 0xff; break;
        default: buf[pos] = 0; break;
      }
    }
    loaded += try_load(buf, size);
  }
  fprintf(stderr, "%s: %d cuts rejected, %d/%d corrupted copies still loaded (%zu structure "
          "bytes)\n", name, cuts, loaded, mutations, ns);
  free(buf);
  free(structure);
  free(is_data);
  free(orig);
}

int main(void) {
  const char *names[] = {"face_detection_short_range", "selfie_segmentation",
                         "face_detection_full_range_sparse", "face_landmark_with_attention"};
  int found = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char path[4096];
    vp_test_model_path(names[i], path, sizeof path);
    if (!vp_test_file_exists(path)) continue;
    found++;
    /* Fewer rounds for the larger files keep this quick under ASan; the
     * libFuzzer target (fuzz/) goes much further. */
    int rounds = i < 2 ? 400 : 100;
    damage(names[i], rounds + 256, rounds);
  }
  if (!found) return vp_test_skip_or_fail("MediaPipe models (run `vpipe models fetch`)");
  return TEST_EXIT();
}
