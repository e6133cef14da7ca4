/* The public test media as the tests find them: the 21 still images of the
 * reference set and the path of a medium in the cache that
 * scripts/fetch-test-media fills ($VPIPE_MEDIA, else
 * $XDG_CACHE_HOME/vpipe/media, else ~/.cache/vpipe/media — the same rule as
 * the script). */
#ifndef VP_TEST_REFERENCE_MEDIA_H
#define VP_TEST_REFERENCE_MEDIA_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *const vp_test_stills[] = {
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
#define VP_TEST_NUM_STILLS ((int)(sizeof vp_test_stills / sizeof vp_test_stills[0]))

static inline void vp_test_media_dir(char *buf, size_t n) {
  const char *m = getenv("VPIPE_MEDIA");
  const char *xdg = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  if (m && *m)
    snprintf(buf, n, "%s", m);
  else if (xdg && *xdg)
    snprintf(buf, n, "%s/vpipe/media", xdg);
  else
    snprintf(buf, n, "%s/.cache/vpipe/media", home ? home : ".");
}

static inline void media_path(char *buf, size_t n, const char *name) {
  char dir[768];
  vp_test_media_dir(dir, sizeof dir);
  snprintf(buf, n, "%s/%s", dir, name);
}

static inline int file_exists(const char *p) { return access(p, R_OK) == 0; }

#endif
