/* The task table of `vpipe run --task` (layer: cli). */
#include "cli/run_tasks.h"

#include <stdio.h>
#include <string.h>

#include "cli/run_body.h"
#include "cli/run_face.h"
#include "vpipe/core.h"

const vp_run_task vp_run_tasks[] = {
    {"face", "face detection (BlazeFace short or full range; --face-range)", vp_run_face_add},
    {"face-mesh", "face mesh, 468 points or 478 with --refine-landmarks, tracked in video",
     vp_run_face_mesh_add},
    {"hands", "hand landmarks (21 points, handedness), tracked in video", vp_run_hands_add},
    {"pose", "body pose (33 points, visibility, world landmarks, masks), tracked per person",
     vp_run_pose_add},
    {"selfie", "person segmentation (selfie models), confidence mask at frame size",
     vp_run_selfie_add},
    {NULL, NULL, NULL},
};

vp_status vp_run_tasks_add(vp_pipeline *p, const char *list, const vp_run_args *args) {
  char names[256] = "";
  for (const vp_run_task *t = vp_run_tasks; t->name; t++) {
    if (names[0]) strncat(names, ", ", sizeof names - strlen(names) - 1);
    strncat(names, t->name, sizeof names - strlen(names) - 1);
  }
  const char *s = list;
  while (s && *s) {
    const char *comma = strchr(s, ',');
    size_t n = comma ? (size_t)(comma - s) : strlen(s);
    const vp_run_task *found = NULL;
    for (const vp_run_task *t = vp_run_tasks; t->name; t++)
      if (strlen(t->name) == n && !strncmp(t->name, s, n)) found = t;
    if (!found) {
      fprintf(stderr, "vpipe run: unknown task '%.*s' (available: %s)\n", (int)n, s,
              names[0] ? names : "none in this build");
      return VP_EINVAL;
    }
    vp_status st = found->add_stages(p, args);
    if (st) {
      fprintf(stderr, "vpipe run: task '%s': %s\n", found->name, vp_last_error());
      return st;
    }
    s = comma ? comma + 1 : NULL;
  }
  return VP_OK;
}
