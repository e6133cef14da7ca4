/* Paths of the test media and reference fixtures for the hand/pose/selfie tests. */
#ifndef VP_TEST_BODY_FIXTURES_H
#define VP_TEST_BODY_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The 21 still images of the reference set. */
static const char *const kStills[] = {
    "darknet_person.jpg",
    "kphotoalbum_anne_helene.jpg",
    "kphotoalbum_bar55_2.jpg",
    "kphotoalbum_cold_water.jpg",
    "kphotoalbum_grand_canyon_1.jpg",
    "kphotoalbum_jesper_2.jpg",
    "kphotoalbum_new_wave_2.jpg",
    "kphotoalbum_pool.jpg",
    "kphotoalbum_wayne.jpg",
    "opencv-doc_230501201_1.jpg",
    "opencv-doc_Back_Projection_Theory0.jpg",
    "opencv-doc_fruits.jpg",
    "opencv-doc_handDst.jpg",
    "opencv-doc_handSrc.jpg",
    "python-matplotlib-data_grace_hopper.jpg",
    "python3-skimage_astronaut.png",
    "python3-skimage_chelsea.png",
    "python3-skimage_coffee.png",
    "vladmandic-face-api_sample1.jpg",
    "vladmandic-face-api_sample3.jpg",
    "vladmandic-face-api_sample4.jpg",
};
#define NUM_STILLS ((int)(sizeof kStills / sizeof kStills[0]))

/* $VPIPE_MEDIA/<name>, default ~/.cache/vpipe/media. */
static inline void media_path(char *buf, size_t n, const char *name) {
  const char *m = getenv("VPIPE_MEDIA");
  if (m && *m) snprintf(buf, n, "%s/%s", m, name);
  else snprintf(buf, n, "%s/.cache/vpipe/media/%s", getenv("HOME") ? getenv("HOME") : ".", name);
}

/* $VPIPE_REF/<sub>/<name> (tests/ref). */
static inline void ref_path(char *buf, size_t n, const char *sub, const char *name) {
  const char *r = getenv("VPIPE_REF");
  snprintf(buf, n, "%s/%s/%s", r && *r ? r : "tests/ref", sub, name);
}

static inline int file_exists(const char *p) { return access(p, R_OK) == 0; }

/* $VPIPE_MODELS/<name>.tflite or ~/.local/share/vpipe/models/<name>.tflite exists. */
static inline int model_exists(const char *name) {
  char buf[1024];
  const char *m = getenv("VPIPE_MODELS");
  if (m && *m) snprintf(buf, sizeof buf, "%s/%s.tflite", m, name);
  else snprintf(buf, sizeof buf, "%s/.local/share/vpipe/models/%s.tflite",
                getenv("HOME") ? getenv("HOME") : ".", name);
  return file_exists(buf);
}

#endif
