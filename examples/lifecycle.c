/* The lifecycle example of vpipe.h: detect faces in one image.
 * usage: example_lifecycle IMAGE */
#include <stdio.h>

#include <vpipe/vpipe.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
    return 2;
  }
  vp_frame *image;
  if (vp_image_load(argv[1], &image) != VP_OK) { /* decoded to RGB24 */
    fprintf(stderr, "vpipe: %s\n", vp_last_error());
    return 1;
  }
  vp_face_detector_options o = vp_face_detector_options_default();
  o.min_detection_confidence = 0.5f; /* MediaPipe's default */
  vp_face_detector *det;
  if (vp_face_detector_create(&o, &det) != VP_OK) { /* model from the store */
    fprintf(stderr, "vpipe: %s\n", vp_last_error()); /* says how to fetch it */
    vp_frame_unref(&image);
    return 1;
  }
  const vp_face_detector_result *r; /* owned by det */
  if (vp_face_detector_detect(det, image, &r) == VP_OK)
    for (int32_t i = 0; i < r->count; i++)
      printf("face %.3f at %.3f,%.3f\n", r->faces[i].score, r->faces[i].box.x, r->faces[i].box.y);
  vp_face_detector_destroy(det);
  vp_frame_unref(&image);
  return 0;
}
