/* JSON builder and JSONL writer: exact text, 6 significant digits, escaping,
 * grammar errors, concurrent writers (one line each), unwritable paths. */
#include <pthread.h>

#include "common/check.h"
#include "common/media.h"
#include "vpipe/io.h"

#define CHECK_STR(a, b)                                                                   \
  do {                                                                                    \
    const char *sa_ = (a), *sb_ = (b);                                                    \
    if (strcmp(sa_, sb_) != 0) {                                                          \
      fprintf(stderr, "%s:%d: got\n  %s\nexpected\n  %s\n", __FILE__, __LINE__, sa_, sb_); \
      vp_test_failures++;                                                                 \
    }                                                                                     \
  } while (0)

static void test_builder(void) {
  vp_json *j = NULL;
  CHECK_STATUS(vp_json_create(&j), VP_OK);
  vp_frame *f = NULL;
  CHECK_STATUS(vp_frame_alloc(512, 600, VP_PIXFMT_RGB24, &f), VP_OK);
  f->seq = 3;
  f->pts_ns = 37345333; /* 37.345333 ms → rounded to the microsecond */
  vp_jsonl_record_begin(j, f);
  vp_json_key(j, "faces");
  vp_json_array_begin(j);
  vp_json_object_begin(j);
  vp_json_kv_float(j, "score", 0.921734567);
  vp_json_key(j, "keypoints");
  vp_json_array_begin(j);
  vp_json_point(j, 0.4, 1.0 / 3.0, 0, false);
  vp_json_point(j, -0.0, 1234567.0, 1e-7, true);
  vp_json_array_end(j);
  vp_json_object_end(j);
  vp_json_array_end(j);
  vp_json_kv_string(j, "note", "a\"b\\c\n\x01é");
  vp_json_kv_float(j, "nan", NAN);
  vp_json_kv_bool(j, "ok", true);
  vp_json_key(j, "raw");
  vp_json_raw(j, "{\"x\":1}");
  vp_json_object_end(j);
  CHECK_STATUS(vp_json_status(j), VP_OK);
  CHECK_STR(vp_json_text(j),
            "{\"frame\":3,\"pts_ms\":37.345,\"width\":512,\"height\":600,\"faces\":[{\"score\":0.921735,"
            "\"keypoints\":[{\"x\":0.4,\"y\":0.333333},{\"x\":0,\"y\":1.23457e+06,\"z\":1e-07}]}],"
            "\"note\":\"a\\\"b\\\\c\\n\\u0001é\",\"nan\":null,\"ok\":true,\"raw\":{\"x\":1}}");
  /* A frame without pts, a still image: pts_ms 0. */
  f->pts_ns = INT64_MIN;
  f->seq = 0;
  vp_jsonl_record_begin(j, f);
  vp_json_object_end(j);
  CHECK_STR(vp_json_text(j), "{\"frame\":0,\"pts_ms\":0,\"width\":512,\"height\":600}");
  vp_frame_unref(&f);

  /* Grammar errors are sticky. */
  vp_json_reset(j);
  vp_json_object_begin(j);
  vp_json_int(j, 5); /* value without key */
  CHECK_STATUS(vp_json_status(j), VP_ESTATE);
  vp_json_reset(j);
  vp_json_array_begin(j);
  vp_json_object_end(j);
  CHECK_STATUS(vp_json_status(j), VP_ESTATE);
  vp_json_reset(j);
  for (int i = 0; i < 70; i++) vp_json_array_begin(j);
  CHECK_STATUS(vp_json_status(j), VP_ERANGE);
  /* Fixed decimals. */
  vp_json_reset(j);
  vp_json_array_begin(j);
  vp_json_fixed(j, 1234567.125, 3);
  vp_json_fixed(j, -0.0001, 3);
  vp_json_fixed(j, 2.5, 0);
  vp_json_array_end(j);
  CHECK_STR(vp_json_text(j), "[1234567.125,0,2]");
  /* Events. */
  vp_source_event e;
  memset(&e, 0, sizeof e);
  e.type = VP_SOURCE_EVENT_RECONNECTED;
  e.gap_ns = 1500000000;
  e.attempt = 2;
  e.last_seq = 41;
  snprintf(e.message, sizeof e.message, "end of stream");
  vp_json_reset(j);
  vp_json_object_begin(j);
  vp_json_source_event(j, &e);
  vp_json_object_end(j);
  CHECK_STR(vp_json_text(j),
            "{\"event\":\"reconnected\",\"gap_ms\":1500,\"attempt\":2,\"last_frame\":41,\"message\":\"end of stream\"}");
  vp_json_destroy(j);
}

typedef struct {
  vp_jsonl_writer *w;
  int id;
} writer_arg;

static void *writer_main(void *p) {
  writer_arg *a = p;
  vp_json *j = NULL;
  vp_json_create(&j);
  for (int i = 0; i < 500; i++) {
    vp_json_reset(j);
    vp_json_object_begin(j);
    vp_json_kv_int(j, "thread", a->id);
    vp_json_kv_int(j, "i", i);
    vp_json_kv_string(j, "pad", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    /* left open: vp_jsonl_write closes it */
    vp_jsonl_write(a->w, j);
  }
  vp_json_destroy(j);
  return NULL;
}

static void test_writer(void) {
  const char *tmp = vp_test_tmpdir();
  char path[512];
  snprintf(path, sizeof path, "%s/out.jsonl", tmp);
  vp_jsonl_writer *w = NULL;
  CHECK_STATUS(vp_jsonl_open(path, NULL, &w), VP_OK);
  pthread_t t[4];
  writer_arg args[4];
  for (int i = 0; i < 4; i++) {
    args[i].w = w;
    args[i].id = i;
    pthread_create(&t[i], NULL, writer_main, &args[i]);
  }
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  CHECK_STATUS(vp_jsonl_write_raw(w, "{\"event\":\"end\"}"), VP_OK);
  CHECK_STATUS(vp_jsonl_write_raw(w, "two\nlines"), VP_EINVAL);
  CHECK_INT_EQ(vp_jsonl_lines(w), 2001);
  CHECK_STATUS(vp_jsonl_close(w), VP_OK);
  /* Every line is whole, and each thread's lines are in order. */
  FILE *fp = fopen(path, "r");
  char line[512];
  int lines = 0, next[4] = {0}, bad = 0;
  while (fp && fgets(line, sizeof line, fp)) {
    int th, i;
    lines++;
    if (sscanf(line, "{\"thread\":%d,\"i\":%d,", &th, &i) == 2) {
      if (th < 0 || th > 3 || next[th] != i || !strstr(line, "xx\"}\n")) bad++;
      else next[th]++;
    } else if (strcmp(line, "{\"event\":\"end\"}\n") != 0) {
      bad++;
    }
  }
  if (fp) fclose(fp);
  CHECK_INT_EQ(lines, 2001);
  CHECK_INT_EQ(bad, 0);
  /* Unwritable. */
  CHECK(vp_jsonl_open("/nonexistent-dir/x.jsonl", NULL, &w) != VP_OK);
  CHECK(strstr(vp_last_error(), "/nonexistent-dir/x.jsonl") != NULL);
  /* A full disk is reported. */
  if (access("/dev/full", W_OK) == 0) {
    CHECK_STATUS(vp_jsonl_open("/dev/full", NULL, &w), VP_OK);
    CHECK_STATUS(vp_jsonl_write_raw(w, "{}"), VP_EIO);
    CHECK_STATUS(vp_jsonl_close(w), VP_EIO);
  }
  vp_test_rmdir(tmp);
}

int main(void) {
  test_builder();
  test_writer();
  return TEST_EXIT();
}
