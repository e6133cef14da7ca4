/* The pinned model manifest (layer: model). Must equal models/manifest.tsv in
 * the source tree; the test model_store_manifest compares the two. The
 * SHA-256 values were computed from `npm pack` of each package; 13 of the 15
 * model hashes also appear in the reference results' README. */
#include <string.h>

#include "model/store.h"

enum { P_FACE_DETECTION, P_FACE_MESH, P_HANDS, P_POSE, P_SELFIE };

const vp__store_package vp__store_packages[] = {
    [P_FACE_DETECTION] = {"@mediapipe/face_detection", "0.4.1657300184",
                          "a118cde74923dc4435257fbfbb613464a0f58d115dff6314d4ff96c8aebf6419"},
    [P_FACE_MESH] = {"@mediapipe/face_mesh", "0.4.1657299874",
                     "c08a7e0742a326285da666cf81d77c8b6f3a181a2ee948cadaf166008e0d3bc7"},
    [P_HANDS] = {"@mediapipe/hands", "0.4.1675469240",
                 "bdd5be939c60cbd72a49f4b6141407683cf2a67263598e1a44757d70b3dfcb8a"},
    [P_POSE] = {"@mediapipe/pose", "0.5.1675469404",
                "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"},
    [P_SELFIE] = {"@mediapipe/selfie_segmentation", "0.1.1675465747",
                  "7767b33eaa68990ee06c28bbb89f39a13a47ebb07ff0f1fd4947d9e817bb9bf9"},
};
const int vp__store_package_count = sizeof vp__store_packages / sizeof vp__store_packages[0];

#define FM_PACK "package/face_mesh_solution_packed_assets.data"
#define HANDS_PACK "package/hands_solution_packed_assets.data"
#define POSE_PACK "package/pose_solution_packed_assets.data"
#define MODULES "/third_party/mediapipe/modules/"

const vp__store_model vp__store_models[] = {
    {"face_detection_short_range", P_FACE_DETECTION, "package/face_detection_short_range.tflite",
     NULL, 229032, "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633"},
    {"face_detection_full_range", P_FACE_DETECTION, "package/face_detection_full_range.tflite",
     NULL, 1083984, "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3"},
    {"face_detection_full_range_sparse", P_FACE_DETECTION,
     "package/face_detection_full_range_sparse.tflite", NULL, 680736,
     "671dd2f9ed11a78436fc21cc42357a803dfc6f73e9fb86541be942d5716c2dce"},
    {"face_landmark", P_FACE_MESH, FM_PACK, MODULES "face_landmark/face_landmark.tflite", 1241896,
     "c603fa6149219a3e9487dc9abd7a0c24474c77263273d24868378cdf40aa26d1"},
    {"face_landmark_with_attention", P_FACE_MESH, FM_PACK,
     MODULES "face_landmark/face_landmark_with_attention.tflite", 2495952,
     "883b7411747bac657c30c462d305d312e9dec6adbf8b85e2f5d8d722fca9455d"},
    {"palm_detection_lite", P_HANDS, HANDS_PACK, MODULES "palm_detection/palm_detection_lite.tflite",
     1985440, "e9a4aaddf90dda56a87235303cf00e4c2d3fb28725f68fd88772997dac905c18"},
    {"palm_detection_full", P_HANDS, HANDS_PACK, MODULES "palm_detection/palm_detection_full.tflite",
     2341280, "2f25e740121983f68ffc05f99991d524dc0ea812134f6316a26125816941ee85"},
    {"hand_landmark_lite", P_HANDS, "package/hand_landmark_lite.tflite", NULL, 2071408,
     "d7fde8ac11f8ce03f8663775bfc323f4fc9f2a38062b4f4efa142874ef5b2a48"},
    {"hand_landmark_full", P_HANDS, "package/hand_landmark_full.tflite", NULL, 5478688,
     "8c026882c9ec059ce0f8e75266bee5a9a23c341a40e0000df755374d3d1b9b68"},
    {"pose_detection", P_POSE, POSE_PACK, MODULES "pose_detection/pose_detection.tflite", 2962288,
     "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85"},
    {"pose_landmark_lite", P_POSE, "package/pose_landmark_lite.tflite", NULL, 2819824,
     "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"},
    {"pose_landmark_full", P_POSE, "package/pose_landmark_full.tflite", NULL, 6440512,
     "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"},
    {"pose_landmark_heavy", P_POSE, "package/pose_landmark_heavy.tflite", NULL, 27709200,
     "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"},
    {"selfie_segmentation", P_SELFIE, "package/selfie_segmentation.tflite", NULL, 249024,
     "8d13b7fae74af625c641226813616a2117bd6bca19eb3b75574621fc08557f27"},
    {"selfie_segmentation_landscape", P_SELFIE, "package/selfie_segmentation_landscape.tflite",
     NULL, 249792, "4aafe6223bb8dac6fac8ca8ed56852870a33051ef3f6238822d282a109962894"},
};
const int vp__store_model_count = sizeof vp__store_models / sizeof vp__store_models[0];

const vp__store_model *vp__store_find(const char *name) {
  if (!name) return NULL;
  for (int i = 0; i < vp__store_model_count; i++)
    if (!strcmp(vp__store_models[i].name, name)) return &vp__store_models[i];
  return NULL;
}
