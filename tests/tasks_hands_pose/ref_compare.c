#include "ref_compare.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double num(const cJSON *o, const char *k, double def) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static void read_points(const cJSON *arr, ref_inst *in, bool world) {
  int32_t i = 0;
  const cJSON *p;
  cJSON_ArrayForEach(p, arr) {
    if (i >= REF_MAX_LM) break;
    if (world) {
      in->wx[i] = (float)num(p, "x", 0);
      in->wy[i] = (float)num(p, "y", 0);
      in->wz[i] = (float)num(p, "z", 0);
    } else {
      in->x[i] = (float)num(p, "x", 0);
      in->y[i] = (float)num(p, "y", 0);
      in->z[i] = (float)num(p, "z", 0);
      in->vis[i] = (float)num(p, "visibility", 0);
    }
    i++;
  }
  if (!world) in->n = i;
}

int ref_load(const char *path, const char *field, ref_frame **out, int32_t *count) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  int32_t cap = 64, n = 0;
  ref_frame *fr = malloc(sizeof(ref_frame) * (size_t)cap);
  size_t lcap = 1 << 20;
  char *line = malloc(lcap);
  while (fr && line && fgets(line, (int)lcap, f)) {
    size_t len = strlen(line);
    while (len == lcap - 1 && line[len - 1] != '\n') { /* long line: grow */
      char *nl = realloc(line, lcap * 2);
      if (!nl) break;
      line = nl;
      if (!fgets(line + len, (int)(lcap * 2 - len), f)) break;
      lcap *= 2;
      len = strlen(line);
    }
    cJSON *rec = cJSON_Parse(line);
    if (!rec) continue;
    if (n == cap) {
      cap *= 2;
      ref_frame *g = realloc(fr, sizeof(ref_frame) * (size_t)cap);
      if (!g) break;
      fr = g;
    }
    ref_frame *r = &fr[n++];
    memset(r, 0, sizeof(*r));
    r->frame = (int64_t)num(rec, "frame", 0);
    r->pts_ms = num(rec, "pts_ms", 0);
    r->width = (int32_t)num(rec, "width", 0);
    r->height = (int32_t)num(rec, "height", 0);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rec, field);
    r->has_field = cJSON_IsArray(arr);
    const cJSON *inst;
    if (r->has_field) {
      cJSON_ArrayForEach(inst, arr) {
        if (r->count >= REF_MAX_INST) break;
        ref_inst *in = &r->inst[r->count++];
        read_points(cJSON_GetObjectItemCaseSensitive(inst, "landmarks"), in, false);
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(inst, "world_landmarks");
        in->has_world = cJSON_IsArray(w);
        if (in->has_world) read_points(w, in, true);
        const cJSON *hd = cJSON_GetObjectItemCaseSensitive(inst, "handedness");
        if (cJSON_IsString(hd)) snprintf(in->handedness, sizeof in->handedness, "%s", hd->valuestring);
      }
    }
    const cJSON *seg = cJSON_GetObjectItemCaseSensitive(rec, "segmentation");
    r->has_seg = cJSON_IsObject(seg);
    if (r->has_seg) r->foreground_fraction = num(seg, "foreground_fraction", 0);
    cJSON_Delete(rec);
  }
  free(line);
  fclose(f);
  *out = fr;
  *count = n;
  return fr ? 0 : -1;
}

typedef struct { double x0, y0, x1, y1; } ebox;

static ebox extent(const ref_inst *a) {
  ebox b = {1e9, 1e9, -1e9, -1e9};
  for (int32_t i = 0; i < a->n; i++) {
    b.x0 = fmin(b.x0, a->x[i]);
    b.y0 = fmin(b.y0, a->y[i]);
    b.x1 = fmax(b.x1, a->x[i]);
    b.y1 = fmax(b.y1, a->y[i]);
  }
  return b;
}

static double iou(ebox a, ebox b) {
  const double ix = fmax(0, fmin(a.x1, b.x1) - fmax(a.x0, b.x0));
  const double iy = fmax(0, fmin(a.y1, b.y1) - fmax(a.y0, b.y0));
  const double inter = ix * iy;
  const double u = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return u > 0 ? inter / u : 0.0;
}

void ref_dedup(ref_frame *f) {
  int32_t k = 0;
  for (int32_t i = 0; i < f->count; i++) {
    bool dup = false;
    for (int32_t j = 0; j < k && !dup; j++) dup = iou(extent(&f->inst[i]), extent(&f->inst[j])) > 0.5;
    if (!dup) {
      if (k != i) f->inst[k] = f->inst[i];
      k++;
    }
  }
  f->count = k;
}

void ref_pair_errors(const ref_inst *a, const ref_inst *b, double *mean, double *max, double *vis,
                     double *world) {
  const int32_t n = a->n < b->n ? a->n : b->n;
  double s = 0, m = 0, v = 0, w = 0;
  for (int32_t i = 0; i < n; i++) {
    const double d = hypot((double)a->x[i] - b->x[i], (double)a->y[i] - b->y[i]);
    s += d;
    m = fmax(m, d);
    v += fabs((double)a->vis[i] - b->vis[i]);
    if (a->has_world && b->has_world) {
      const double dx = (double)a->wx[i] - b->wx[i], dy = (double)a->wy[i] - b->wy[i],
                   dz = (double)a->wz[i] - b->wz[i];
      w += sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  *mean = n ? s / n : 0;
  *max = m;
  *vis = n ? v / n : 0;
  *world = n ? w / n : 0;
}

void ref_compare(const ref_frame *ref, const ref_inst *cand, int32_t n_cand, ref_stats *st,
                 int32_t *pairs) {
  bool used_r[REF_MAX_INST] = {false}, used_c[REF_MAX_INST] = {false};
  if (pairs)
    for (int32_t i = 0; i < ref->count; i++) pairs[i] = -1;
  for (;;) { /* greedy: best remaining pair first */
    double best = 0.1;
    int32_t bi = -1, bj = -1;
    for (int32_t i = 0; i < ref->count; i++)
      for (int32_t j = 0; j < n_cand && j < REF_MAX_INST; j++) {
        if (used_r[i] || used_c[j]) continue;
        const double s = iou(extent(&ref->inst[i]), extent(&cand[j]));
        if (s > best) {
          best = s;
          bi = i;
          bj = j;
        }
      }
    if (bi < 0) break;
    used_r[bi] = used_c[bj] = true;
    if (pairs) pairs[bi] = bj;
    double mean, max, vis, world;
    ref_pair_errors(&ref->inst[bi], &cand[bj], &mean, &max, &vis, &world);
    st->matched++;
    st->sum_mean += mean;
    st->worst_mean = fmax(st->worst_mean, mean);
    st->worst_max = fmax(st->worst_max, max);
    st->worst_vis = fmax(st->worst_vis, vis);
    st->worst_world = fmax(st->worst_world, world);
    if (ref->inst[bi].handedness[0] && strcmp(ref->inst[bi].handedness, cand[bj].handedness) != 0)
      st->handedness_mismatch++;
  }
}

int ref_load_mask(const char *path, uint8_t **out, int32_t *w, int32_t *h) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path)) return -1;
  img.format = PNG_FORMAT_GRAY;
  uint8_t *buf = malloc(PNG_IMAGE_SIZE(img));
  if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
    free(buf);
    png_image_free(&img);
    return -1;
  }
  const size_t n = (size_t)img.width * img.height;
  for (size_t i = 0; i < n; i++) buf[i] = buf[i] >= 128;
  *out = buf;
  *w = (int32_t)img.width;
  *h = (int32_t)img.height;
  return 0;
}
