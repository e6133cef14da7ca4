/* 478-point refinement of the attention face mesh (layer: tasks). */
#ifndef VP_TASKS_FACE_REFINEMENT_H
#define VP_TASKS_FACE_REFINEMENT_H

#include "vpipe/tasks.h"

/* @p out holds the 468 mesh landmarks decoded from a 192×192 crop (tensor
 * normalised, before projection) and room for 478. The raw tensors are the
 * attention model's lips (80×2), eyes (71×2) and irises (5×2) outputs in
 * tensor pixels. */
void vp__face_refine_landmarks(const float *lips, const float *left_eye, const float *right_eye,
                               const float *left_iris, const float *right_iris,
                               vp_landmark *out);

#endif
