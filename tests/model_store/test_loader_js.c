/* The parser of Emscripten's *_packed_assets_loader.js on good and hostile
 * scripts: truncations at every byte, flipped bytes, bad numbers, duplicates,
 * deep nesting. It must answer VP_OK, VP_ENOENT or VP_EFORMAT, never crash. */
#include "common/check.h"
#include "model/store.h"

/* A script shaped like the packager's output (written here, not copied). */
static const char good[] =
    "var Module = {};\n"
    "(function() {\n"
    "  var loadPackage = function(metadata) { var files = metadata['files']; };\n"
    "  // a comment that mentions loadPackage(x) without a brace\n"
    "  loadPackage({\"files\": [{\"filename\": \"/m/a.tflite\", \"start\": 0, \"end\": 100},"
    " {\"filename\": \"/m/b.tflite\", \"start\": 100, \"end\": 250, \"audio\": 0},"
    " {\"filename\": \"/m/c\\/d.bin\", \"start\": 250, \"end\": 250}],"
    " \"remote_package_size\": 250, \"package_uuid\": \"5da0-uuid\","
    " \"extra\": [1, -2.5e3, true, false, null, {\"k\": [\"v\"]}]});\n"
    "})();\n";

static vp_status find(const char *js, const char *entry, int64_t *s, int64_t *e) {
  return vp__packed_loader_find(js, strlen(js), entry, s, e);
}

/* A script with the given loadPackage argument. */
static vp_status find_arg(const char *arg, const char *entry, int64_t *s, int64_t *e) {
  static char buf[1 << 16];
  snprintf(buf, sizeof buf, "var loadPackage = function(m) {};\nloadPackage(%s);\n", arg);
  return find(buf, entry, s, e);
}

int main(void) {
  int64_t s = -1, e = -1;
  CHECK_STATUS(find(good, "/m/a.tflite", &s, &e), VP_OK);
  CHECK_INT_EQ(s, 0);
  CHECK_INT_EQ(e, 100);
  CHECK_STATUS(find(good, "/m/b.tflite", &s, &e), VP_OK);
  CHECK_INT_EQ(s, 100);
  CHECK_INT_EQ(e, 250);
  CHECK_STATUS(find(good, "/m/c/d.bin", &s, &e), VP_OK); /* escaped slash, empty range */
  CHECK_INT_EQ(s, 250);
  CHECK_INT_EQ(e, 250);
  CHECK_STATUS(find(good, "/m/x.tflite", &s, &e), VP_ENOENT);
  CHECK(strstr(vp_last_error(), "/m/x.tflite") != NULL);

  /* Whitespace variations and no remote size. */
  CHECK_STATUS(find_arg("{ \"files\" :[ {\"end\":7,\"filename\":\"f\",\"start\":3} ] }", "f", &s, &e),
               VP_OK);
  CHECK_INT_EQ(s, 3);
  CHECK_INT_EQ(e, 7);
  CHECK_STATUS(find("loadPackage(\n{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":1}]})", "f",
                    &s, &e), VP_OK);
  /* \u escape for ASCII. */
  CHECK_STATUS(find_arg("{\"files\":[{\"filename\":\"\\u0066\",\"start\":0,\"end\":1}]}", "f", &s, &e),
               VP_OK);

  /* Hostile or wrong argument: each must be VP_EFORMAT (with the offset). */
  const char *bad[] = {
      "{\"files\":[{\"filename\":\"f\",\"start\":-1,\"end\":1}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0.5,\"end\":1}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":1e3,\"end\":2000}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":01,\"end\":2}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":\"0\",\"end\":1}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":99999999999999999999}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":9007199254740993}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":5,\"end\":4}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0}]}",
      "{\"files\":[{\"filename\":\"f\",\"end\":3}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"start\":1,\"end\":3}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":10}],\"remote_package_size\":9}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":1},{\"filename\":\"f\",\"start\":1,\"end\":2}]}",
      "{\"files\":{\"filename\":\"f\",\"start\":0,\"end\":1}}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":1}],\"files\":[]}",
      "{\"nofiles\":[]}",
      "{}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":1},]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":1}]",
      "{\"files\":[{\"filename\":\"f\" \"start\":0,\"end\":1}]}",
      "{\"files\":[{\"filename\":f,\"start\":0,\"end\":1}]}",
      "{\"files\":[{\"filename\":\"f\\q\",\"start\":0,\"end\":1}]}",
      "{\"files\":[{\"filename\":\"\\u00e9\",\"start\":0,\"end\":1}]}",
      "{\"files\":[{\"filename\":\"\\u0000\",\"start\":0,\"end\":1}]}",
      "{\"files\":[{\"filename\":\"\\u12\",\"start\":0,\"end\":1}]}",
      "{\"files\":[{\"filename\":\"a\tb\",\"start\":0,\"end\":1}]}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":1}],\"x\":tru}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":1}],\"x\":-}",
      "{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":1}],\"x\":}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    s = e = -7;
    vp_status st = find_arg(bad[i], "f", &s, &e);
    if (st != VP_EFORMAT) fprintf(stderr, "  bad[%zu] = %s\n", i, bad[i]);
    CHECK_STATUS(st, VP_EFORMAT);
    CHECK(s == -7 && e == -7); /* outputs untouched on failure */
  }
  CHECK_STATUS(find_arg("{\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":10}],"
                        "\"remote_package_size\":9}", "f", &s, &e), VP_EFORMAT);
  CHECK(strstr(vp_last_error(), "remote_package_size") != NULL);
  CHECK(strstr(vp_last_error(), "offset") != NULL);

  /* No call at all, only the definition, empty input, NULL arguments. */
  CHECK_STATUS(find("var loadPackage = function(metadata) {};", "f", &s, &e), VP_EFORMAT);
  CHECK(strstr(vp_last_error(), "no `loadPackage({...})` call") != NULL);
  CHECK_STATUS(find("", "f", &s, &e), VP_EFORMAT);
  CHECK_STATUS(vp__packed_loader_find(NULL, 0, "f", &s, &e), VP_EINVAL);
  CHECK_STATUS(vp__packed_loader_find(good, strlen(good), NULL, &s, &e), VP_EINVAL);

  /* A string longer than the parser keeps (the entry name). */
  {
    static char arg[20000];
    int n = snprintf(arg, sizeof arg, "{\"files\":[{\"filename\":\"");
    memset(arg + n, 'a', 8000);
    snprintf(arg + n + 8000, sizeof arg - (size_t)n - 8000, "\",\"start\":0,\"end\":1}]}");
    CHECK_STATUS(find_arg(arg, "f", &s, &e), VP_EFORMAT);
  }
  /* Deep nesting in an ignored value: bounded, no stack overflow. */
  {
    static char arg[40000];
    int n = snprintf(arg, sizeof arg, "{\"x\":");
    for (int i = 0; i < 10000; i++) arg[n++] = '[';
    for (int i = 0; i < 10000; i++) arg[n++] = ']';
    snprintf(arg + n, sizeof arg - (size_t)n, ",\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":1}]}");
    CHECK_STATUS(find_arg(arg, "f", &s, &e), VP_EFORMAT);
    CHECK(strstr(vp_last_error(), "nesting too deep") != NULL);
  }
  /* Moderate nesting is fine. */
  CHECK_STATUS(find_arg("{\"x\":[[[[{\"y\":[[1]]}]]]],\"files\":[{\"filename\":\"f\",\"start\":0,\"end\":1}]}",
                        "f", &s, &e), VP_OK);

  /* Every truncation of the good script: never a crash or an out-of-bounds
   * read (ASan checks); only the full argument finds the entry. */
  size_t len = strlen(good);
  for (size_t cut = 0; cut < len; cut++) {
    char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any over-read */
    memcpy(copy, good, cut);
    vp_status st = vp__packed_loader_find(copy, cut, "/m/b.tflite", &s, &e);
    CHECK(st == VP_EFORMAT || st == VP_OK);
    free(copy);
  }
  /* Every single-byte change of the good script, a few values each. */
  const char subst[] = {'\0', '"', '{', '}', '[', ']', ',', ':', '9', '-', '\\', 'x'};
  char *copy = malloc(len);
  int ok = 0;
  for (size_t i = 0; i < len; i++) {
    for (size_t k = 0; k < sizeof subst; k++) {
      memcpy(copy, good, len);
      copy[i] = subst[k];
      vp_status st = vp__packed_loader_find(copy, len, "/m/b.tflite", &s, &e);
      CHECK(st == VP_OK || st == VP_EFORMAT || st == VP_ENOENT);
      if (st == VP_OK) {
        ok++;
        CHECK(s >= 0 && s <= e);
      }
    }
  }
  free(copy);
  CHECK(ok > 0);
  return TEST_EXIT();
}
