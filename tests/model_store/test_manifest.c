/* models/manifest.tsv and the compiled-in table (src/model/store_manifest.c)
 * must say exactly the same thing; vp_models_entry() must expose it. */
#include <ctype.h>

#include "common/check.h"
#include "model/store.h"
#include "vpipe/model.h"

static int is_sha(const char *s) {
  if (strlen(s) != 64) return 0;
  for (int i = 0; i < 64; i++)
    if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) return 0;
  return 1;
}

/* Split a line at tabs into at most max fields (in place). */
static int split(char *line, char **f, int max) {
  int n = 0;
  line[strcspn(line, "\r\n")] = '\0';
  while (n < max) {
    f[n++] = line;
    char *t = strchr(line, '\t');
    if (!t) break;
    *t = '\0';
    line = t + 1;
  }
  return n;
}

int main(void) {
  FILE *f = fopen(VP_MANIFEST_TSV, "r");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", VP_MANIFEST_TSV);
    return 1;
  }
  char line[1024];
  int np = 0, nm = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char *fld[8];
    int n = split(line, fld, 8);
    if (!strcmp(fld[0], "package")) {
      CHECK_INT_EQ(n, 4);
      CHECK(np < vp__store_package_count);
      if (n != 4 || np >= vp__store_package_count) break;
      const vp__store_package *p = &vp__store_packages[np++];
      CHECK(!strcmp(p->name, fld[1]));
      CHECK(!strcmp(p->version, fld[2]));
      CHECK(!strcmp(p->tarball_sha256, fld[3]));
      CHECK(is_sha(fld[3]));
    } else if (!strcmp(fld[0], "model")) {
      CHECK_INT_EQ(n, 7);
      CHECK(nm < vp__store_model_count);
      if (n != 7 || nm >= vp__store_model_count) break;
      const vp__store_model *m = &vp__store_models[nm++];
      CHECK(!strcmp(m->name, fld[1]));
      CHECK(!strcmp(vp__store_packages[m->package].name, fld[2]));
      CHECK(!strcmp(m->file, fld[3]));
      if (!strcmp(fld[4], "-"))
        CHECK(m->packed_entry == NULL);
      else
        CHECK(m->packed_entry && !strcmp(m->packed_entry, fld[4]));
      CHECK_INT_EQ(m->size, atoll(fld[5]));
      CHECK(!strcmp(m->sha256, fld[6]));
      CHECK(is_sha(fld[6]));
      if (strcmp(m->name, fld[1])) fprintf(stderr, "  model %d: %s vs %s\n", nm - 1, m->name, fld[1]);
    } else {
      fprintf(stderr, "unknown manifest line kind '%s'\n", fld[0]);
      vp_test_failures++;
    }
  }
  fclose(f);
  CHECK_INT_EQ(np, vp__store_package_count);
  CHECK_INT_EQ(nm, vp__store_model_count);
  CHECK_INT_EQ(vp__store_package_count, 5);
  CHECK_INT_EQ(vp_models_count(), 15);

  /* The public view; names unique, every file inside the package folder. */
  for (int32_t i = 0; i < vp_models_count(); i++) {
    vp_model_entry e;
    CHECK_STATUS(vp_models_entry(i, &e), VP_OK);
    CHECK(!strcmp(e.name, vp__store_models[i].name));
    CHECK(e.size > 0);
    CHECK(is_sha(e.sha256));
    CHECK(!strncmp(vp__store_models[i].file, "package/", 8));
    CHECK(strstr(vp__store_models[i].file, "..") == NULL);
    CHECK(vp__store_find(e.name) == &vp__store_models[i]);
    for (int32_t j = 0; j < i; j++) CHECK(strcmp(vp__store_models[j].name, e.name));
  }
  vp_model_entry e;
  CHECK_STATUS(vp_models_entry(-1, &e), VP_ERANGE);
  CHECK_STATUS(vp_models_entry(15, &e), VP_ERANGE);
  CHECK_STATUS(vp_models_entry(0, NULL), VP_EINVAL);
  CHECK(vp__store_find("nope") == NULL);
  CHECK(vp__store_find(NULL) == NULL);
  return TEST_EXIT();
}
