/* The 21 still images of the reference set (shared reference README). */
static const char *const k_still_images[] = {
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
#define K_STILL_IMAGES (int)(sizeof k_still_images / sizeof k_still_images[0])

#include <stdio.h>
#include <stdlib.h>

static inline void media_path(char *buf, size_t n, const char *name) {
  const char *m = getenv("VPIPE_MEDIA");
  const char *home = getenv("HOME");
  if (m && *m)
    snprintf(buf, n, "%s/%s", m, name);
  else
    snprintf(buf, n, "%s/.cache/vpipe/media/%s", home ? home : ".", name);
}

static inline void ref_path(char *buf, size_t n, const char *name, const char *config) {
  const char *r = getenv("VPIPE_REF");
#ifdef VP_TEST_REF_DIR
  if (!r) r = VP_TEST_REF_DIR; /* run by hand, outside ctest */
#endif
  snprintf(buf, n, "%s/results/%s.%s.jsonl", r ? r : "tests/ref", name, config);
}

static inline int file_exists(const char *p) {
  FILE *f = fopen(p, "rb");
  if (f) fclose(f);
  return f != NULL;
}
