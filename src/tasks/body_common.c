/* Small helpers shared by the hand/pose/segmentation calculators. */
#include <math.h>

#include "tasks/body_calc.h"

/* NormalizeRadians as in mediapipe/calculators/util/detections_to_rects_calculator.h
 * and mediapipe/modules/hand_landmark/calculators/hand_landmarks_to_rect_calculator.cc:
 * angle - 2*pi*floor((angle + pi) / (2*pi)), evaluated in double (M_PI is double). */
float vp__body_normalize_radians(float angle) {
  return (float)(angle - 2.0 * M_PI * floor((angle + M_PI) / (2.0 * M_PI)));
}
