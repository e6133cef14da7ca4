/* 478-point refinement of the attention face mesh (layer: tasks).
 *
 * LandmarksRefinementCalculator as configured in
 * mediapipe/modules/face_landmark/tensors_to_face_landmarks_with_attention.pbtxt:
 * the 468 mesh points are copied (z copied); lips (80), left eye (71) and right
 * eye (71) overwrite x, y of the mesh indices listed below (z kept); the two
 * irises (5 each) become indices 468–472 and 473–477 with z = the average z of
 * the 16 eye-contour indices listed for each. The index tables are the ones of
 * that file.
 */
#include "tasks/face_refinement.h"

/* lips: lower outer, upper outer, lower inner, upper inner, lower semi-outer,
 * upper semi-outer, lower semi-inner, upper semi-inner */
static const int16_t k_lips[80] = {
    61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291,
    185, 40, 39, 37, 0, 267, 269, 270, 409,
    78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308,
    191, 80, 81, 82, 13, 312, 311, 310, 415,
    76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306,
    184, 74, 73, 72, 11, 302, 303, 304, 408,
    62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292,
    183, 42, 41, 38, 12, 268, 271, 272, 407};

/* left eye: lower contour, upper contour, halos x2..x5 */
static const int16_t k_left_eye[71] = {
    33, 7, 163, 144, 145, 153, 154, 155, 133,
    246, 161, 160, 159, 158, 157, 173,
    130, 25, 110, 24, 23, 22, 26, 112, 243,
    247, 30, 29, 27, 28, 56, 190,
    226, 31, 228, 229, 230, 231, 232, 233, 244,
    113, 225, 224, 223, 222, 221, 189,
    35, 124, 46, 53, 52, 65,
    143, 111, 117, 118, 119, 120, 121, 128, 245,
    156, 70, 63, 105, 66, 107, 55, 193};

static const int16_t k_right_eye[71] = {
    263, 249, 390, 373, 374, 380, 381, 382, 362,
    466, 388, 387, 386, 385, 384, 398,
    359, 255, 339, 254, 253, 252, 256, 341, 463,
    467, 260, 259, 257, 258, 286, 414,
    446, 261, 448, 449, 450, 451, 452, 453, 464,
    342, 445, 444, 443, 442, 441, 413,
    265, 353, 276, 283, 282, 295,
    372, 340, 346, 347, 348, 349, 350, 357, 465,
    383, 300, 293, 334, 296, 336, 285, 417};

/* The first 16 entries of each eye table (lower + upper contour) give the iris z. */
#define IRIS_Z_SOURCES 16

static void overwrite_xy(vp_landmark *out, const float *raw, const int16_t *idx, int n) {
  for (int i = 0; i < n; i++) {
    out[idx[i]].x = raw[2 * i] / 192.0f;
    out[idx[i]].y = raw[2 * i + 1] / 192.0f;
  }
}

static void iris(vp_landmark *out, int first, const float *raw, const int16_t *eye) {
  float z = 0;
  for (int i = 0; i < IRIS_Z_SOURCES; i++) z += out[eye[i]].z;
  z /= IRIS_Z_SOURCES;
  for (int i = 0; i < 5; i++) {
    out[first + i].x = raw[2 * i] / 192.0f;
    out[first + i].y = raw[2 * i + 1] / 192.0f;
    out[first + i].z = z;
    out[first + i].visibility = 0;
    out[first + i].presence = 0;
  }
}

void vp__face_refine_landmarks(const float *lips, const float *left_eye, const float *right_eye,
                               const float *left_iris, const float *right_iris,
                               vp_landmark *out) {
  overwrite_xy(out, lips, k_lips, 80);
  overwrite_xy(out, left_eye, k_left_eye, 71);
  overwrite_xy(out, right_eye, k_right_eye, 71);
  iris(out, 468, left_iris, k_left_eye);
  iris(out, 473, right_iris, k_right_eye);
}
