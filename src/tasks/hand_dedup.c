/*
 * HandLandmarksDeduplicationCalculator of MediaPipe Tasks, after
 * mediapipe/tasks/cc/vision/hand_landmarker/calculators/hand_landmarks_deduplication_calculator.cc
 * (HandBaselineDistance, HandDuplicatesFinder with start_from_the_end false)
 * and mediapipe/tasks/cc/vision/utils/landmarks_utils.cc (CalculateIOU).
 */
#include <float.h>
#include <math.h>

#include "tasks/body_calc.h"

/* kAllowedBaselineDistanceRatio, kNumMatchedLandmarksToSuppressHand,
 * kMinIouThresholdToSuppressHand in the calculator above. */
#define BASELINE_RATIO 0.2f
#define MIN_MATCHED 10
#define MIN_IOU 0.2f
#define MAX_HANDS 64
#define EXTRA_IOU 0.5f /* vpipe addition, see below */

static float dist(const vp_landmark *a, const vp_landmark *b, int32_t w, int32_t h) {
  const double dx = (double)((a->x - b->x) * (float)w), dy = (double)((a->y - b->y) * (float)h);
  return (float)sqrt(dx * dx + dy * dy);
}

/* Largest side of the triangle wrist (0), index MCP (5), pinky MCP (17). */
static float baseline(const vp_landmark *l, int32_t w, int32_t h) {
  float d = dist(&l[0], &l[5], w, h);
  d = fmaxf(d, dist(&l[5], &l[17], w, h));
  return fmaxf(d, dist(&l[17], &l[0], w, h));
}

typedef struct { float l, t, r, b; } box;

static box bound(const vp_landmark *l) {
  box x = {FLT_MAX, FLT_MAX, -FLT_MAX, -FLT_MAX};
  for (int i = 0; i < VP_HAND_LANDMARKS; i++) {
    x.l = fminf(x.l, l[i].x);
    x.t = fminf(x.t, l[i].y);
    x.r = fmaxf(x.r, l[i].x);
    x.b = fmaxf(x.b, l[i].y);
  }
  return x;
}

static float iou(box a, box b) {
  const float aa = (a.r - a.l) * (a.b - a.t), ab = (b.r - b.l) * (b.b - b.t);
  if (aa <= 0 || ab <= 0) return 0.0f;
  const float inter = fmaxf(fminf(a.b, b.b) - fmaxf(a.t, b.t), 0.0f) *
                      fmaxf(fminf(a.r, b.r) - fmaxf(a.l, b.l), 0.0f);
  return inter / (aa + ab - inter);
}

int32_t vp__hand_dedup(const vp_landmark *const *hands, int32_t n, int32_t image_w,
                       int32_t image_h, bool box_overlap, bool *suppressed) {
  float base[MAX_HANDS];
  box bounds[MAX_HANDS];
  int32_t kept = 0;
  for (int32_t i = 0; i < n; i++) {
    suppressed[i] = false;
    if (i >= MAX_HANDS) continue; /* never happens: num_hands is bounded lower */
    base[i] = baseline(hands[i], image_w, image_h);
    bounds[i] = bound(hands[i]);
  }
  for (int32_t i = 0; i < n && i < MAX_HANDS; i++) {
    for (int32_t j = 0; j < i; j++) {
      if (suppressed[j]) continue; /* compare only with retained hands */
      const float thr = fmaxf(base[i], base[j]) * BASELINE_RATIO;
      int matched = 0;
      for (int k = 0; k < VP_HAND_LANDMARKS; k++)
        if (dist(&hands[i][k], &hands[j][k], image_w, image_h) < thr) matched++;
      const float overlap = iou(bounds[i], bounds[j]);
      /* MediaPipe's rule; optionally one of ours: MediaPipe still reports
       * some hands twice (e.g. opencv-doc_cup.mp4 frames 76-84) with
       * landmarks too far apart for its rule but boxes that largely
       * coincide; a landmark-box IoU above 0.5 marks those too. Off by
       * default: MediaPipe tracks both copies (so its palm detector stops
       * running), and removing one changes the following frames. */
      if ((matched >= MIN_MATCHED && overlap > MIN_IOU) || (box_overlap && overlap > EXTRA_IOU)) {
        suppressed[i] = true;
        break;
      }
    }
    if (!suppressed[i]) kept++;
  }
  return kept;
}
