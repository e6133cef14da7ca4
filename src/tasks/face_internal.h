/* Private interface between the face detector and the face landmarker. */
#ifndef VP_TASKS_FACE_INTERNAL_H
#define VP_TASKS_FACE_INTERNAL_H

#include "tasks/calc.h"

/* Run the whole detector (preprocess, inference, decoding, NMS, projection)
 * and return the detections in image-normalised coordinates, best first,
 * clipped to max_results. Valid until the next call. */
vp_status vp__face_detector_run(vp_face_detector *det, const vp_frame *frame,
                                const vp__detection **dets, int32_t *count);

#endif
