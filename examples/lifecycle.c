/* The lifecycle example of vpipe.h: load a model by name, run it once. */
#include <stdio.h>
#include <string.h>

#include <vpipe/vpipe.h>

int main(void) {
  vp_model *model;
  if (vp_model_create_by_name("face_detection_short_range", NULL, &model) != VP_OK) {
    fprintf(stderr, "vpipe: %s\n", vp_last_error());
    return 1;
  }
  vp_session *session;
  if (vp_session_create(model, NULL, &session) != VP_OK) {
    fprintf(stderr, "vpipe: %s\n", vp_last_error());
    vp_model_destroy(model);
    return 1;
  }
  float *in = vp_session_input(session, 0); /* 1x128x128x3, [-1, 1] */
  memset(in, 0, 128 * 128 * 3 * sizeof *in);
  if (vp_session_run(session) != VP_OK) fprintf(stderr, "vpipe: %s\n", vp_last_error());
  const float *scores = vp_session_output(session, 1);
  printf("first score logit: %f\n", scores[0]);
  vp_session_destroy(session);
  vp_model_destroy(model);
  return 0;
}
