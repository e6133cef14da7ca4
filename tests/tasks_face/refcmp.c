#include "refcmp.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void read_inst(const cJSON *o, const char *ptkey, ref_inst *r) {
  memset(r, 0, sizeof *r);
  const cJSON *s = cJSON_GetObjectItem(o, "score");
  if (cJSON_IsNumber(s)) r->score = (float)s->valuedouble;
  const cJSON *b = cJSON_GetObjectItem(o, "box");
  if (b) {
    r->has_box = true;
    float x = (float)cJSON_GetObjectItem(b, "x")->valuedouble;
    float y = (float)cJSON_GetObjectItem(b, "y")->valuedouble;
    r->box[0] = x;
    r->box[1] = y;
    r->box[2] = x + (float)cJSON_GetObjectItem(b, "w")->valuedouble;
    r->box[3] = y + (float)cJSON_GetObjectItem(b, "h")->valuedouble;
  }
  const cJSON *pts = cJSON_GetObjectItem(o, ptkey);
  const cJSON *p;
  cJSON_ArrayForEach(p, pts) {
    if (r->npts >= REF_MAX_POINTS) break;
    r->pts[r->npts][0] = (float)cJSON_GetObjectItem(p, "x")->valuedouble;
    r->pts[r->npts][1] = (float)cJSON_GetObjectItem(p, "y")->valuedouble;
    const cJSON *z = cJSON_GetObjectItem(p, "z");
    r->pts[r->npts][2] = z ? (float)z->valuedouble : 0;
    r->npts++;
  }
}

int ref_load(const char *path, const char *field, ref_frame **out) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  const char *ptkey = strcmp(field, "faces") == 0 ? "keypoints" : "landmarks";
  int cap = 16, n = 0;
  ref_frame *fr = malloc(sizeof(ref_frame) * (size_t)cap);
  size_t lcap = 1 << 16;
  char *line = malloc(lcap);
  ssize_t len;
  while ((len = getline(&line, &lcap, f)) > 0) {
    cJSON *j = cJSON_Parse(line);
    if (!j) continue;
    if (n == cap) {
      cap *= 2;
      fr = realloc(fr, sizeof(ref_frame) * (size_t)cap);
    }
    ref_frame *r = &fr[n++];
    memset(r, 0, sizeof *r);
    r->frame = cJSON_GetObjectItem(j, "frame")->valueint;
    r->pts_ms = cJSON_GetObjectItem(j, "pts_ms")->valuedouble;
    r->width = cJSON_GetObjectItem(j, "width")->valueint;
    r->height = cJSON_GetObjectItem(j, "height")->valueint;
    const cJSON *arr = cJSON_GetObjectItem(j, field);
    r->present = arr != NULL;
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
      if (r->n >= REF_MAX_INST) break;
      read_inst(o, ptkey, &r->inst[r->n++]);
    }
    cJSON_Delete(j);
  }
  free(line);
  fclose(f);
  *out = fr;
  return n;
}

void ref_box_of(const ref_inst *r, float b[4]) {
  if (r->has_box) {
    memcpy(b, r->box, sizeof r->box);
    return;
  }
  b[0] = b[1] = INFINITY;
  b[2] = b[3] = -INFINITY;
  for (int i = 0; i < r->npts; i++) {
    b[0] = fminf(b[0], r->pts[i][0]);
    b[1] = fminf(b[1], r->pts[i][1]);
    b[2] = fmaxf(b[2], r->pts[i][0]);
    b[3] = fmaxf(b[3], r->pts[i][1]);
  }
}

float ref_iou(const float a[4], const float b[4]) {
  float ix = fmaxf(0.f, fminf(a[2], b[2]) - fmaxf(a[0], b[0]));
  float iy = fmaxf(0.f, fminf(a[3], b[3]) - fmaxf(a[1], b[1]));
  float inter = ix * iy;
  float u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return u > 0 ? inter / u : 0.f;
}

int ref_match(const ref_frame *ref, const ref_frame *cand, int pairs[][2]) {
  bool used_r[REF_MAX_INST] = {0}, used_c[REF_MAX_INST] = {0};
  int np = 0;
  for (;;) {
    float best = 0.1f;
    int bi = -1, bj = -1;
    for (int i = 0; i < ref->n; i++) {
      if (used_r[i]) continue;
      float a[4];
      ref_box_of(&ref->inst[i], a);
      for (int j = 0; j < cand->n; j++) {
        if (used_c[j]) continue;
        float b[4];
        ref_box_of(&cand->inst[j], b);
        float s = ref_iou(a, b);
        if (s > best) {
          best = s;
          bi = i;
          bj = j;
        }
      }
    }
    if (bi < 0) break;
    used_r[bi] = used_c[bj] = true;
    pairs[np][0] = bi;
    pairs[np][1] = bj;
    np++;
  }
  return np;
}

void ref_point_stats(const ref_inst *a, const ref_inst *b, double *mean, double *max) {
  double s = 0, m = 0;
  int n = a->npts < b->npts ? a->npts : b->npts;
  for (int i = 0; i < n; i++) {
    double d = hypot(a->pts[i][0] - b->pts[i][0], a->pts[i][1] - b->pts[i][1]);
    s += d;
    if (d > m) m = d;
  }
  *mean = n ? s / n : 0;
  *max = m;
}
