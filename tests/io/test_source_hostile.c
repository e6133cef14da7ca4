/* Hostile inputs: files with bytes flipped at random (seeded) places, cut at
 * random lengths, or with random headers. Every one must open or fail with a
 * message, and reading must end (frames, then a status) without a crash. */
#include "common/check.h"
#include "common/media.h"
#include "vpipe/io.h"

static uint32_t rng = 12345;
static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static void run_one(const char *path, int *opened, int *frames) {
  vp_source *s = NULL;
  vp_status st = vp_source_open(path, NULL, &s);
  if (st != VP_OK) {
    CHECK(s == NULL);
    CHECK(vp_last_error()[0] != 0);
    return;
  }
  (*opened)++;
  vp_frame *f = NULL;
  int n = 0;
  while ((st = vp_source_read(s, &f)) == VP_OK && n < 10000) {
    CHECK(f->width > 0 && f->height > 0 && f->data[0] != NULL);
    n++;
    vp_frame_unref(&f);
  }
  CHECK(st != VP_OK);
  *frames += n;
  vp_source_close(s);
}

int main(void) {
  if (!vp_test_have_ffmpeg()) return vp_test_skip_or_fail("ffmpeg/ffprobe CLI");
  const char *tmp = vp_test_tmpdir();
  const char *kinds[] = {"mp4", "mkv", "avi", "webm", "png", "jpg"};
  const char *args[] = {"-t 1 -c:v libx264 -bf 2 -movflags +faststart", "-t 1 -c:v libx264", "-t 1 -c:v mpeg4",
                        "-t 1 -c:v libvpx-vp9 -deadline realtime -cpu-used 8", "-frames:v 1", "-frames:v 1"};
  int opened = 0, frames = 0, cases = 0;
  for (int k = 0; k < 6; k++) {
    char src[512];
    snprintf(src, sizeof src, "%s/src.%s", tmp, kinds[k]);
    if (vp_test_sh("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=96x64:rate=10 %s '%s'", args[k], src)) {
      vp_test_failures++;
      continue;
    }
    size_t size = 0;
    unsigned char *orig = vp_test_read_file(src, &size);
    if (!orig || size < 64) {
      free(orig);
      vp_test_failures++;
      continue;
    }
    unsigned char *buf = malloc(size);
    for (int v = 0; v < 12; v++) {
      memcpy(buf, orig, size);
      size_t len = size;
      int mode = v % 3;
      if (mode == 0) { /* flip bytes */
        for (int i = 0; i < 1 + v; i++) buf[next_rand() % size] ^= (unsigned char)(1 + next_rand() % 255);
      } else if (mode == 1) { /* cut */
        len = 1 + next_rand() % size;
      } else { /* overwrite a run */
        size_t at = next_rand() % size, n = 1 + next_rand() % 64;
        for (size_t i = at; i < at + n && i < size; i++) buf[i] = (unsigned char)next_rand();
      }
      char path[512];
      snprintf(path, sizeof path, "%s/hostile_%d.%s", tmp, v, kinds[k]);
      FILE *fp = fopen(path, "wb");
      fwrite(buf, 1, len, fp);
      fclose(fp);
      run_one(path, &opened, &frames);
      cases++;
    }
    free(buf);
    free(orig);
  }
  fprintf(stderr, "%d hostile inputs: %d opened, %d frames read in all\n", cases, opened, frames);
  CHECK_INT_EQ(cases, 72);
  vp_test_rmdir(tmp);
  return TEST_EXIT();
}
