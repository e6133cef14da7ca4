/* Non-maximum suppression (layer: tasks).
 *
 * Reproduces MediaPipe's NonMaxSuppressionCalculator
 * (mediapipe/calculators/util/non_max_suppression_calculator.cc; defaults from
 * non_max_suppression_calculator.proto: max_num_detections −1,
 * min_score_threshold −1, min_suppression_threshold 1.0, JACCARD... here IoU):
 * - detections are ordered by score, highest first;
 * - overlap = intersection / (area1 + area2 − intersection), 0 without intersection;
 * - WEIGHTED: the top remaining detection and every remaining one with
 *   overlap > threshold (itself included) are merged: box corners and
 *   keypoints become the score-weighted mean, the score stays the top one's;
 *   the rest repeat; stops early when a round removes nothing. No limit on
 *   the count (the weighted path ignores max_num_detections).
 * - DEFAULT: greedy; a detection is dropped when it overlaps a kept one by
 *   more than the threshold; at most max_num_detections kept (when > 0).
 * - min_score_threshold > 0 stops at the first detection below it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tasks/calc.h"

vp__nms_options vp__nms_options_default(void) {
  vp__nms_options o;
  o.algorithm = VP__NMS_DEFAULT;
  o.min_suppression_threshold = 1.0f;
  o.min_score_threshold = -1.0f;
  o.max_num_detections = -1;
  return o;
}

float vp__box_iou(const vp__detection *a, const vp__detection *b) {
  const float ax1 = a->xmin + a->width, ay1 = a->ymin + a->height;
  const float bx1 = b->xmin + b->width, by1 = b->ymin + b->height;
  const float ix0 = a->xmin > b->xmin ? a->xmin : b->xmin;
  const float iy0 = a->ymin > b->ymin ? a->ymin : b->ymin;
  const float ix1 = ax1 < bx1 ? ax1 : bx1;
  const float iy1 = ay1 < by1 ? ay1 : by1;
  if (ix1 < ix0 || iy1 < iy0) return 0.0f; /* Rectangle_f::Intersects is inclusive */
  const float inter = (ix1 - ix0) * (iy1 - iy0);
  const float norm = a->width * a->height + b->width * b->height - inter;
  return norm > 0.0f ? inter / norm : 0.0f;
}

typedef struct { int32_t index; float score; } scored;

static int by_score_desc(const void *pa, const void *pb) {
  const scored *a = pa, *b = pb;
  if (a->score > b->score) return -1;
  if (a->score < b->score) return 1;
  return a->index < b->index ? -1 : a->index > b->index; /* deterministic ties */
}

vp_status vp__nms(const vp__nms_options *o, const vp__detection *in, int32_t n,
                  vp__detection *out, int32_t cap, int32_t *count) {
  if (!o || (n > 0 && !in) || !count || (cap > 0 && !out))
    return vp__error(VP_EINVAL, "nms: NULL argument");
  *count = 0;
  if (n <= 0) return VP_OK;
  scored stack_buf[256];
  scored *idx = n <= 256 ? stack_buf : malloc(sizeof(scored) * (size_t)n * 2);
  scored stack_rem[256];
  scored *rem = n <= 256 ? stack_rem : idx + n;
  if (!idx) return vp__error(VP_ENOMEM, "nms: %d detections", (int)n);
  for (int32_t i = 0; i < n; i++) {
    idx[i].index = i;
    idx[i].score = in[i].score;
  }
  qsort(idx, (size_t)n, sizeof *idx, by_score_desc);
  int32_t produced = 0;

  if (o->algorithm == VP__NMS_WEIGHTED) {
    int32_t nrem = n;
    while (nrem > 0) {
      const vp__detection *top = &in[idx[0].index];
      if (o->min_score_threshold > 0 && top->score < o->min_score_threshold) break;
      int32_t nkeep = 0;
      float wx0 = 0, wy0 = 0, wx1 = 0, wy1 = 0, total = 0; /* float, as MediaPipe */
      float kp[VP__DET_MAX_KEYPOINTS][2];
      memset(kp, 0, sizeof kp);
      int32_t ncand = 0;
      for (int32_t i = 0; i < nrem; i++) {
        const vp__detection *d = &in[idx[i].index];
        if (vp__box_iou(d, top) > o->min_suppression_threshold) {
          const float s = d->score;
          total += s;
          wx0 += d->xmin * s;
          wy0 += d->ymin * s;
          wx1 += (d->xmin + d->width) * s;
          wy1 += (d->ymin + d->height) * s;
          for (int k = 0; k < top->num_keypoints && k < d->num_keypoints; k++) {
            kp[k][0] += d->kp[k][0] * s;
            kp[k][1] += d->kp[k][1] * s;
          }
          ncand++;
        } else {
          rem[nkeep++] = idx[i];
        }
      }
      if (produced < cap) {
        vp__detection w = *top;
        if (ncand > 0 && total > 0) {
          w.xmin = wx0 / total;
          w.ymin = wy0 / total;
          w.width = wx1 / total - w.xmin;
          w.height = wy1 / total - w.ymin;
          for (int k = 0; k < w.num_keypoints; k++) {
            w.kp[k][0] = kp[k][0] / total;
            w.kp[k][1] = kp[k][1] / total;
          }
        }
        out[produced] = w;
      }
      produced++;
      if (nkeep == nrem) break; /* no progress */
      memcpy(idx, rem, sizeof(scored) * (size_t)nkeep);
      nrem = nkeep;
    }
  } else {
    int32_t *kept = malloc(sizeof(int32_t) * (size_t)n);
    if (!kept) {
      if (idx != stack_buf) free(idx);
      return vp__error(VP_ENOMEM, "nms: %d detections", (int)n);
    }
    int32_t nk = 0;
    for (int32_t i = 0; i < n; i++) {
      if (o->max_num_detections > 0 && nk >= o->max_num_detections) break;
      const vp__detection *d = &in[idx[i].index];
      if (o->min_score_threshold > 0 && d->score < o->min_score_threshold) break;
      bool suppressed = false;
      for (int32_t j = 0; j < nk; j++)
        if (vp__box_iou(d, &in[kept[j]]) > o->min_suppression_threshold) {
          suppressed = true;
          break;
        }
      if (!suppressed) {
        kept[nk++] = idx[i].index;
        if (produced < cap) out[produced] = *d;
        produced++;
      }
    }
    free(kept);
  }
  if (idx != stack_buf) free(idx);
  *count = produced < cap ? produced : cap;
  return VP_OK;
}
