/**
 * @file vpipe.h
 * @brief Umbrella header: everything a vpipe user needs.
 *
 * Lifecycle (compiled from examples/lifecycle.c in CI, so it cannot drift):
 * @code
 *   vp_model *model;
 *   if (vp_model_create_by_name("face_detection_short_range", NULL, &model) != VP_OK) {
 *     fprintf(stderr, "vpipe: %s\n", vp_last_error());
 *     return 1;
 *   }
 *   vp_session *session;
 *   vp_session_create(model, NULL, &session);
 *   float *in = vp_session_input(session, 0);   // 1x128x128x3, [-1, 1]
 *   // ... fill `in` ...
 *   vp_session_run(session);
 *   const float *scores = vp_session_output(session, 1);
 *   vp_session_destroy(session);
 *   vp_model_destroy(model);
 * @endcode
 */
#ifndef VPIPE_VPIPE_H
#define VPIPE_VPIPE_H

#include "vpipe/core.h"
#include "vpipe/image.h"
#include "vpipe/model.h"

#endif
