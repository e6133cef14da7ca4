/*
 * RefineLandmarksFromHeatmapCalculator, after
 * mediapipe/calculators/util/refine_landmarks_from_heatmap_calculator.cc
 * (RefineLandmarksFromHeatMap). The pose graph uses kernel_size 7 and the
 * proto default min_confidence_to_refine 0.5, presence/visibility not refined
 * (mediapipe/tasks/cc/vision/pose_landmarker/pose_landmarks_detector_graph.cc).
 */
#include <math.h>

#include "tasks/body_calc.h"

void vp__refine_landmarks_from_heatmap(vp_landmark *lms, int32_t n, const float *heatmap,
                                       int32_t hm_h, int32_t hm_w, int32_t channels,
                                       int32_t kernel, float min_confidence) {
  if (channels != n || kernel < 1) return; /* MediaPipe fails; callers check shapes */
  const int64_t row_size = (int64_t)hm_w * channels;
  const int offset = (kernel - 1) / 2;
  for (int32_t k = 0; k < n; k++) {
    /* C++ float->int conversion truncates toward zero, as here. */
    const int col = (int)(lms[k].x * (float)hm_w);
    const int row = (int)(lms[k].y * (float)hm_h);
    if (col < 0 || col >= hm_w || row < 0 || row >= hm_h) continue;
    const int c0 = col - offset > 0 ? col - offset : 0;
    const int c1 = col + offset + 1 < hm_w ? col + offset + 1 : hm_w;
    const int r0 = row - offset > 0 ? row - offset : 0;
    const int r1 = row + offset + 1 < hm_h ? row + offset + 1 : hm_h;
    float sum = 0, wcol = 0, wrow = 0, maxc = 0;
    for (int r = r0; r < r1; r++) {
      for (int c = c0; c < c1; c++) {
        const float v = heatmap[row_size * r + (int64_t)channels * c + k];
        const float conf = 1.0f / (1.0f + expf(-v));
        sum += conf;
        maxc = fmaxf(maxc, conf);
        wcol += (float)c * conf;
        wrow += (float)r * conf;
      }
    }
    if (maxc >= min_confidence && sum > 0) {
      lms[k].x = wcol / (float)hm_w / sum;
      lms[k].y = wrow / (float)hm_h / sum;
    }
  }
}
