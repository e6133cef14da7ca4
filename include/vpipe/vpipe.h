/**
 * @file vpipe.h
 * @brief Umbrella header: everything a vpipe user needs.
 *
 * Lifecycle of a task (compiled and run from examples/lifecycle.c by the test
 * suite, so it cannot drift):
 * @code
 *   vp_frame *image;
 *   if (vp_image_load("portrait.jpg", &image) != VP_OK) {   // decoded to RGB24
 *     fprintf(stderr, "vpipe: %s\n", vp_last_error());
 *     return 1;
 *   }
 *   vp_face_detector_options o = vp_face_detector_options_default();
 *   o.min_detection_confidence = 0.5f;                     // MediaPipe's default
 *   vp_face_detector *det;
 *   if (vp_face_detector_create(&o, &det) != VP_OK) {      // model from the store
 *     fprintf(stderr, "vpipe: %s\n", vp_last_error());     // says how to fetch it
 *     vp_frame_unref(&image);
 *     return 1;
 *   }
 *   const vp_face_detector_result *r;                      // owned by det
 *   if (vp_face_detector_detect(det, image, &r) == VP_OK)
 *     for (int32_t i = 0; i < r->count; i++)
 *       printf("face %.3f at %.3f,%.3f\n", r->faces[i].score, r->faces[i].box.x, r->faces[i].box.y);
 *   vp_face_detector_destroy(det);
 *   vp_frame_unref(&image);
 * @endcode
 *
 * Layers: core.h (status, logging, thread pools) < model.h (.tflite on
 * XNNPACK) < image.h (frames, pools, drawing) < tasks.h / tasks_body.h
 * (MediaPipe's solutions) < pipeline.h (stages, queues, QoS) < io.h (FFmpeg
 * sources and sinks, JSON Lines).
 */
#ifndef VPIPE_VPIPE_H
#define VPIPE_VPIPE_H

#include "vpipe/core.h"
#include "vpipe/image.h"
#include "vpipe/io.h"
#include "vpipe/model.h"
#include "vpipe/pipeline.h"
#include "vpipe/tasks.h"
#include "vpipe/tasks_body.h"

#endif
