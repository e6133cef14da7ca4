/* LIVE mode of the hand, pose and selfie tasks against their VIDEO mode on
 * real video: LIVE is VIDEO with the result handed to a callback, so every
 * frame's callback must carry a result identical to VIDEO mode's for the same
 * frame and timestamp (counts, ids, handedness, landmarks bit for bit), the
 * callback must see the frame it was called for, and a timestamp that does
 * not increase must reach the callback as an error without disturbing the
 * tracking state. Hands: opencv-doc_cup.mp4 (num_hands 2, lite); pose:
 * opencv-doc_vtest.avi (lite, smoothing on, 2 poses so that ids matter);
 * selfie: the cup video with smoothing on. */
#include <string.h>

#include "common/check.h"
#include "fixtures.h"
#include "vpipe/io.h"
#include "vpipe/tasks.h"

typedef struct live_box {
  int calls, errors;
  vp_status last_status;
  const vp_frame *frame;
  int64_t timestamp_ns;
  int32_t count;
  vp_hand hands[4];
  vp_pose poses[4];
  float fraction;
  uint64_t mask_sum; /* a cheap digest of the selfie mask */
} live_box;

static uint64_t digest(const float *v, size_t n) {
  uint64_t h = 1469598103934665603u;
  for (size_t i = 0; i < n; i++) {
    uint32_t b;
    memcpy(&b, &v[i], sizeof b);
    h = (h ^ b) * 1099511628211u;
  }
  return h;
}

static void on_hands(void *user, vp_status st, const vp_hand_landmarker_result *r, const vp_frame *f) {
  live_box *b = user;
  b->calls++;
  b->last_status = st;
  b->frame = f;
  if (st != VP_OK || !r) {
    b->errors++;
    return;
  }
  b->timestamp_ns = r->timestamp_ns;
  b->count = r->count < 4 ? r->count : 4;
  memcpy(b->hands, r->hands, sizeof(vp_hand) * (size_t)b->count);
}

static void on_poses(void *user, vp_status st, const vp_pose_landmarker_result *r, const vp_frame *f) {
  live_box *b = user;
  b->calls++;
  b->last_status = st;
  b->frame = f;
  if (st != VP_OK || !r) {
    b->errors++;
    return;
  }
  b->count = r->count < 4 ? r->count : 4;
  memcpy(b->poses, r->poses, sizeof(vp_pose) * (size_t)b->count);
}

static void on_mask(void *user, vp_status st, const vp_segmenter_result *r, const vp_frame *f) {
  live_box *b = user;
  b->calls++;
  b->last_status = st;
  b->frame = f;
  if (st != VP_OK || !r) {
    b->errors++;
    return;
  }
  b->timestamp_ns = r->timestamp_ns;
  b->fraction = r->foreground_fraction;
  b->mask_sum = digest(r->confidence, (size_t)r->width * (size_t)r->height);
}

static bool same_landmarks(const vp_landmark *a, const vp_landmark *b, int n) {
  return memcmp(a, b, sizeof(vp_landmark) * (size_t)n) == 0;
}

static vp_source *open_video(const char *name) {
  char mp[1024];
  media_path(mp, sizeof mp, name);
  if (!file_exists(mp)) return NULL;
  vp_source_options so = vp_source_options_default();
  so.pixfmt = VP_PIXFMT_RGB24;
  vp_source *src = NULL;
  CHECK_STATUS(vp_source_open(mp, &so, &src), VP_OK);
  return src;
}

static int hands_live(void) {
  vp_source *src = open_video("opencv-doc_cup.mp4");
  if (!src) return vp_test_skip_or_fail("opencv-doc_cup.mp4 (scripts/fetch-test-media)");
  live_box box = {0};
  vp_hand_landmarker_options o = vp_hand_landmarker_options_default();
  o.model = VP_MODEL_LITE;
  o.num_hands = 2;
  o.running_mode = VP_RUNNING_MODE_VIDEO;
  vp_hand_landmarker *video = NULL, *live = NULL;
  CHECK_STATUS(vp_hand_landmarker_create(&o, &video), VP_OK);
  o.running_mode = VP_RUNNING_MODE_LIVE;
  o.result_callback = on_hands;
  o.user = &box;
  CHECK_STATUS(vp_hand_landmarker_create(&o, &live), VP_OK);
  vp_frame *f = NULL;
  int frames = 0, mismatches = 0, found = 0;
  while (video && live && frames < 80 && vp_source_read(src, &f) == VP_OK) {
    const vp_hand_landmarker_result *r = NULL;
    CHECK_STATUS(vp_hand_landmarker_detect_for_video(video, f, f->pts_ns, &r), VP_OK);
    const int calls = box.calls;
    CHECK_STATUS(vp_hand_landmarker_detect_async(live, f, f->pts_ns), VP_OK);
    CHECK_INT_EQ(box.calls, calls + 1);
    CHECK(box.frame == f);
    CHECK(box.timestamp_ns == f->pts_ns);
    bool same = r && box.count == r->count;
    for (int32_t i = 0; same && i < r->count; i++) {
      const vp_hand *a = &r->hands[i], *b = &box.hands[i];
      same = a->id == b->id && !strcmp(a->handedness, b->handedness) &&
             a->handedness_score == b->handedness_score &&
             same_landmarks(a->landmarks, b->landmarks, VP_HAND_LANDMARK_COUNT) &&
             same_landmarks(a->world_landmarks, b->world_landmarks, VP_HAND_LANDMARK_COUNT);
    }
    mismatches += !same;
    found += r ? r->count : 0;
    /* A repeated timestamp is refused through the callback; tracking goes on. */
    if (frames == 50) {
      const int errors = box.errors;
      CHECK(vp_hand_landmarker_detect_async(live, f, f->pts_ns) == VP_EINVAL);
      CHECK_INT_EQ(box.errors, errors + 1);
      CHECK(box.last_status == VP_EINVAL);
    }
    frames++;
    vp_frame_unref(&f);
  }
  printf("hands LIVE vs VIDEO: %d frames, %d hands, %d frames differ\n", frames, found, mismatches);
  CHECK_INT_EQ(frames, 80);
  CHECK(found > 60);
  CHECK_INT_EQ(mismatches, 0);
  vp_hand_landmarker_destroy(video);
  vp_hand_landmarker_destroy(live);
  vp_source_close(src);
  return 0;
}

static int pose_live(void) {
  vp_source *src = open_video("opencv-doc_vtest.avi");
  if (!src) return vp_test_skip_or_fail("opencv-doc_vtest.avi (scripts/fetch-test-media)");
  live_box box = {0};
  vp_pose_landmarker_options o = vp_pose_landmarker_options_default();
  o.model = VP_MODEL_LITE;
  o.num_poses = 2;
  o.running_mode = VP_RUNNING_MODE_VIDEO;
  vp_pose_landmarker *video = NULL, *live = NULL;
  CHECK_STATUS(vp_pose_landmarker_create(&o, &video), VP_OK);
  o.running_mode = VP_RUNNING_MODE_LIVE;
  o.result_callback = on_poses;
  o.user = &box;
  CHECK_STATUS(vp_pose_landmarker_create(&o, &live), VP_OK);
  vp_frame *f = NULL;
  int frames = 0, mismatches = 0, found = 0;
  while (video && live && frames < 60 && vp_source_read(src, &f) == VP_OK) {
    const vp_pose_landmarker_result *r = NULL;
    CHECK_STATUS(vp_pose_landmarker_detect_for_video(video, f, f->pts_ns, &r), VP_OK);
    const int calls = box.calls;
    CHECK_STATUS(vp_pose_landmarker_detect_async(live, f, f->pts_ns), VP_OK);
    CHECK_INT_EQ(box.calls, calls + 1);
    CHECK(box.frame == f);
    bool same = r && box.count == r->count;
    for (int32_t i = 0; same && i < r->count; i++) {
      const vp_pose *a = &r->poses[i], *b = &box.poses[i];
      same = a->id == b->id && same_landmarks(a->landmarks, b->landmarks, VP_POSE_LANDMARK_COUNT) &&
             same_landmarks(a->world_landmarks, b->world_landmarks, VP_POSE_LANDMARK_COUNT);
    }
    mismatches += !same;
    found += r ? r->count : 0;
    frames++;
    vp_frame_unref(&f);
  }
  printf("pose LIVE vs VIDEO: %d frames, %d poses, %d frames differ\n", frames, found, mismatches);
  CHECK_INT_EQ(frames, 60);
  CHECK(found > 30);
  CHECK_INT_EQ(mismatches, 0);
  vp_pose_landmarker_destroy(video);
  vp_pose_landmarker_destroy(live);
  vp_source_close(src);
  return 0;
}

static int selfie_live(void) {
  vp_source *src = open_video("opencv-doc_cup.mp4");
  if (!src) return vp_test_skip_or_fail("opencv-doc_cup.mp4 (scripts/fetch-test-media)");
  live_box box = {0};
  vp_segmenter_options o = vp_segmenter_options_default();
  o.smoothing = true;
  o.running_mode = VP_RUNNING_MODE_VIDEO;
  vp_segmenter *video = NULL, *live = NULL;
  CHECK_STATUS(vp_segmenter_create(&o, &video), VP_OK);
  o.running_mode = VP_RUNNING_MODE_LIVE;
  o.result_callback = on_mask;
  o.user = &box;
  CHECK_STATUS(vp_segmenter_create(&o, &live), VP_OK);
  vp_frame *f = NULL;
  int frames = 0, mismatches = 0;
  while (video && live && frames < 30 && vp_source_read(src, &f) == VP_OK) {
    const vp_segmenter_result *r = NULL;
    CHECK_STATUS(vp_segmenter_segment_for_video(video, f, f->pts_ns, &r), VP_OK);
    CHECK_STATUS(vp_segmenter_segment_async(live, f, f->pts_ns), VP_OK);
    CHECK(box.frame == f);
    CHECK(box.timestamp_ns == f->pts_ns);
    mismatches += !r || box.fraction != r->foreground_fraction ||
                  box.mask_sum != digest(r->confidence, (size_t)r->width * (size_t)r->height);
    frames++;
    vp_frame_unref(&f);
  }
  printf("selfie LIVE vs VIDEO: %d frames, %d differ\n", frames, mismatches);
  CHECK_INT_EQ(frames, 30);
  CHECK_INT_EQ(box.calls, 30);
  CHECK_INT_EQ(mismatches, 0);
  vp_segmenter_destroy(video);
  vp_segmenter_destroy(live);
  vp_source_close(src);
  return 0;
}

int main(void) {
  if (!model_exists("hand_landmark_lite") || !model_exists("pose_landmark_lite") ||
      !model_exists("selfie_segmentation"))
    return vp_test_skip_or_fail("models (vpipe models fetch)");
  int rc = hands_live();
  if (!rc) rc = pose_live();
  if (!rc) rc = selfie_live();
  if (rc) return rc;
  return TEST_EXIT();
}
