/* Option tables: defaults, parsing, bounds, enums, ranges, errors. */
#include <stddef.h>

#include "common/check.h"
#include "vpipe/pipeline.h"

typedef struct {
  int32_t count;
  int64_t big;
  double ratio;
  bool flag;
  char *name;
  int32_t policy;
  double range[2];
} obj;

static const vp_option table[] = {
    {"count", "a count", offsetof(obj, count), VP_OPT_INT, "2", 1, 10, NULL, "N"},
    {"big", "a big one", offsetof(obj, big), VP_OPT_INT64, "-5", 0, 0, NULL, NULL},
    {"ratio", "a ratio", offsetof(obj, ratio), VP_OPT_DOUBLE, "0.5", 0, 1, NULL, NULL},
    {"flag", "a flag", offsetof(obj, flag), VP_OPT_BOOL, "true", 0, 0, NULL, NULL},
    {"name", "a name", offsetof(obj, name), VP_OPT_STRING, "abc", 0, 0, NULL, NULL},
    {"policy", "a policy", offsetof(obj, policy), VP_OPT_ENUM, "drop-oldest", 0, 0,
     "block|drop-oldest|drop-newest", NULL},
    {"range", "a range", offsetof(obj, range), VP_OPT_RANGE, "15:60", 1, 240, NULL, "MIN:MAX"},
    {NULL},
};

int main(void) {
  obj o = {0};
  CHECK_STATUS(vp_options_set_defaults(&o, table), VP_OK);
  CHECK_INT_EQ(o.count, 2);
  CHECK_INT_EQ(o.big, -5);
  CHECK_NEAR(o.ratio, 0.5, 0);
  CHECK(o.flag);
  CHECK(o.name && !strcmp(o.name, "abc"));
  CHECK_INT_EQ(o.policy, 1);
  CHECK_NEAR(o.range[0], 15, 0);
  CHECK_NEAR(o.range[1], 60, 0);

  CHECK_STATUS(vp_options_set(&o, table, "count", "10"), VP_OK);
  CHECK_INT_EQ(o.count, 10);
  CHECK_STATUS(vp_options_set(&o, table, "count", "11"), VP_ERANGE);
  CHECK(strstr(vp_last_error(), "count") && strstr(vp_last_error(), "[1, 10]"));
  CHECK_STATUS(vp_options_set(&o, table, "count", "3x"), VP_EINVAL);
  CHECK_STATUS(vp_options_set(&o, table, "count", ""), VP_EINVAL);
  CHECK_STATUS(vp_options_set(&o, table, "count", NULL), VP_EINVAL);
  CHECK_INT_EQ(o.count, 10); /* unchanged by failures */
  CHECK_STATUS(vp_options_set(&o, table, "big", "99999999999999"), VP_OK);
  CHECK_INT_EQ(o.big, 99999999999999LL);
  CHECK_STATUS(vp_options_set(&o, table, "ratio", "1.5"), VP_ERANGE);
  CHECK_STATUS(vp_options_set(&o, table, "ratio", "nan"), VP_EINVAL);
  CHECK_STATUS(vp_options_set(&o, table, "flag", "off"), VP_OK);
  CHECK(!o.flag);
  CHECK_STATUS(vp_options_set(&o, table, "flag", NULL), VP_OK);
  CHECK(o.flag);
  CHECK_STATUS(vp_options_set(&o, table, "flag", "maybe"), VP_EINVAL);
  CHECK_STATUS(vp_options_set(&o, table, "name", "xyz"), VP_OK);
  CHECK(!strcmp(o.name, "xyz"));
  CHECK_STATUS(vp_options_set(&o, table, "policy", "drop-newest"), VP_OK);
  CHECK_INT_EQ(o.policy, 2);
  CHECK_STATUS(vp_options_set(&o, table, "policy", "drop"), VP_EINVAL);
  CHECK(strstr(vp_last_error(), "block|drop-oldest|drop-newest"));
  CHECK_STATUS(vp_options_set(&o, table, "range", "10:30"), VP_OK);
  CHECK_NEAR(o.range[0], 10, 0);
  CHECK_NEAR(o.range[1], 30, 0);
  CHECK_STATUS(vp_options_set(&o, table, "range", "30:10"), VP_ERANGE);
  CHECK_STATUS(vp_options_set(&o, table, "range", "0:10"), VP_ERANGE);
  CHECK_STATUS(vp_options_set(&o, table, "range", "10"), VP_EINVAL);
  CHECK_STATUS(vp_options_set(&o, table, "range", "10:"), VP_EINVAL);
  CHECK_STATUS(vp_options_set(&o, table, "nope", "1"), VP_ENOENT);
  CHECK(vp_options_find(table, "ratio") == &table[2]);
  vp_options_free(&o, table);
  CHECK(o.name == NULL);
  return TEST_EXIT();
}
