#include "tasks/body_calc.h"

/* Handedness: TensorsToClassificationCalculator with binary_classification
 * (class 0 score = raw, class 1 = 1 - raw; mediapipe/calculators/tensor/
 * tensors_to_classification_calculator.cc), top_k 1, and the Tasks label map
 * 0 "Right", 1 "Left" (mediapipe/tasks/cc/vision/hand_landmarker/
 * hand_landmarks_detector_graph.cc ConfigureTensorsToHandednessCalculator).
 * std::partial_sort with "a > b" keeps class 0 on a tie. */
void vp__hand_handedness(float raw, const char **label, float *score) {
  const float other = (float)(1.0 - (double)raw);
  if (other > raw) {
    *label = "Left";
    *score = other;
  } else {
    *label = "Right";
    *score = raw;
  }
}
