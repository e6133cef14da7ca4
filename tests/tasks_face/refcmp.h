/* Reading MediaPipe reference JSONL (shared RESULTS.md format) and matching
 * instances the way the project's compare_results tool does: greedy pairing by
 * box IoU (> 0.1), then per-instance point distances. */
#ifndef VP_TEST_REFCMP_H
#define VP_TEST_REFCMP_H

#include <stdbool.h>

#define REF_MAX_POINTS 512
#define REF_MAX_INST 16

typedef struct ref_inst {
  float score;
  bool has_box;
  float box[4]; /* x0, y0, x1, y1 */
  int npts;
  float pts[REF_MAX_POINTS][3];
} ref_inst;

typedef struct ref_frame {
  int frame;
  double pts_ms;
  int width, height;
  bool present; /* the field was in the record */
  int n;
  ref_inst inst[REF_MAX_INST];
} ref_frame;

/* Read every record of @p path; @p field is "faces" or "face_landmarks"
 * (points from "keypoints" resp. "landmarks"). Returns the number of records
 * (frames), or -1; *out is malloc'ed. */
int ref_load(const char *path, const char *field, ref_frame **out);

/* Box of an instance: its box, else the extent of its points. */
void ref_box_of(const ref_inst *r, float b[4]);
float ref_iou(const float a[4], const float b[4]);

/* Greedy IoU matching; pairs[k] = {ref index, cand index}. Returns the count. */
int ref_match(const ref_frame *ref, const ref_frame *cand, int pairs[][2]);

/* Mean and max 2-D distance between corresponding points. */
void ref_point_stats(const ref_inst *a, const ref_inst *b, double *mean, double *max);

#endif
