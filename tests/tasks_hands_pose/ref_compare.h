/*
 * Reading MediaPipe's reference results (JSONL, tests/ref/results) and judging
 * vpipe's answers against them, as /shared/tools/compare_results.py does:
 * instances matched greedily by IoU (> 0.1) of their landmark extents; per
 * instance mean and max 2-D landmark distance (normalised units); visibility
 * mean absolute difference; world landmarks mean 3-D distance (metres);
 * duplicate reference hands (extent IoU > 0.5 with an earlier one) dropped.
 */
#ifndef VP_TEST_REF_COMPARE_H
#define VP_TEST_REF_COMPARE_H

#include <stdbool.h>
#include <stdint.h>

#define REF_MAX_INST 16
#define REF_MAX_LM 64

typedef struct ref_inst {
  int32_t n;                      /* landmarks */
  float x[REF_MAX_LM], y[REF_MAX_LM], z[REF_MAX_LM], vis[REF_MAX_LM];
  bool has_world;
  float wx[REF_MAX_LM], wy[REF_MAX_LM], wz[REF_MAX_LM];
  char handedness[8];
} ref_inst;

typedef struct ref_frame {
  int64_t frame;
  double pts_ms;
  int32_t width, height;
  int32_t count;        /* instances of the field */
  bool has_field;
  ref_inst inst[REF_MAX_INST];
  bool has_seg;
  double foreground_fraction;
} ref_frame;

/* All records of a JSONL file (field "hands" or "poses"); *out is malloc'ed. */
int ref_load(const char *path, const char *field, ref_frame **out, int32_t *count);

/* Drop reference instances whose extent IoU with an earlier kept one is > 0.5. */
void ref_dedup(ref_frame *f);

typedef struct ref_stats {
  int32_t matched;
  double worst_mean, worst_max, worst_vis, worst_world;
  double sum_mean; /* over matched instances */
  int32_t handedness_mismatch;
} ref_stats;

/* Compare candidate instances with reference ones; accumulates into @p st.
 * @p pairs (may be NULL) gets for each reference instance the candidate index or -1. */
void ref_compare(const ref_frame *ref, const ref_inst *cand, int32_t n_cand, ref_stats *st,
                 int32_t *pairs);

/* Per-instance numbers of one matched pair. */
void ref_pair_errors(const ref_inst *a, const ref_inst *b, double *mean, double *max,
                     double *vis, double *world);

/* A 1-bit (or 8-bit) gray PNG as 0/1 bytes; *out malloc'ed. 0 on success. */
int ref_load_mask(const char *path, uint8_t **out, int32_t *w, int32_t *h);

#endif
