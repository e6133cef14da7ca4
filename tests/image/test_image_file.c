/* vp_image_load gives exactly the pixels of `ffmpeg -i X -pix_fmt rgb24`, and
 * vp_image_write_png round-trips. Media are generated with the ffmpeg CLI; the
 * public test images (if fetched) are checked against tests/ref SHA-256s. */
#include "common/check.h"
#include "common/media.h"
#include "common/reference_media.h"
#include "vpipe/image.h"

static const char *tmp;

static int frame_equals_raw(const vp_frame *f, const unsigned char *raw, size_t size) {
  if (size != (size_t)f->width * f->height * 3) {
    fprintf(stderr, "raw size %zu vs %dx%d\n", size, f->width, f->height);
    return 0;
  }
  for (int y = 0; y < f->height; y++)
    if (memcmp(f->data[0] + (size_t)y * f->linesize[0], raw + (size_t)y * f->width * 3, (size_t)f->width * 3)) {
      fprintf(stderr, "row %d differs\n", y);
      return 0;
    }
  return 1;
}

static void check_against_ffmpeg(const char *name, const char *make_args) {
  char path[512], raw[512];
  snprintf(path, sizeof path, "%s/%s", tmp, name);
  snprintf(raw, sizeof raw, "%s/%s.rgb", tmp, name);
  if (vp_test_sh("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=96x60 -vf scale=97:61 %s -frames:v 1 '%s'", make_args, path)) {
    CHECK(!"ffmpeg could not make the image");
    return;
  }
  if (vp_test_sh("ffmpeg -nostdin -v error -y -i '%s' -map 0:v:0 -frames:v 1 -f rawvideo -pix_fmt rgb24 '%s'", path, raw)) {
    CHECK(!"ffmpeg could not decode the image");
    return;
  }
  vp_frame *f = NULL;
  CHECK_STATUS(vp_image_load(path, &f), VP_OK);
  if (!f) return;
  CHECK_INT_EQ(f->width, 97);
  CHECK_INT_EQ(f->height, 61);
  CHECK_INT_EQ(f->format, VP_PIXFMT_RGB24);
  CHECK_INT_EQ(f->pts_ns, 0);
  size_t size = 0;
  unsigned char *bytes = vp_test_read_file(raw, &size);
  CHECK(bytes != NULL);
  if (bytes && !frame_equals_raw(f, bytes, size)) {
    fprintf(stderr, "%s: pixels differ from ffmpeg's\n", name);
    vp_test_failures++;
  }
  free(bytes);
  vp_frame_unref(&f);
}

static void test_png_roundtrip(void) {
  vp_frame *f = NULL, *g = NULL;
  CHECK_STATUS(vp_frame_alloc(31, 7, VP_PIXFMT_RGB24, &f), VP_OK);
  for (int y = 0; y < 7; y++)
    for (int x = 0; x < 31 * 3; x++) f->data[0][y * f->linesize[0] + x] = (uint8_t)(x * 7 + y * 13);
  char path[512];
  snprintf(path, sizeof path, "%s/rt.png", tmp);
  CHECK_STATUS(vp_image_write_png(f, path), VP_OK);
  CHECK_STATUS(vp_image_load(path, &g), VP_OK);
  if (g) {
    CHECK_INT_EQ(g->width, 31);
    int bad = 0;
    for (int y = 0; y < 7; y++) bad += memcmp(f->data[0] + y * f->linesize[0], g->data[0] + y * g->linesize[0], 93) != 0;
    CHECK_INT_EQ(bad, 0);
  }
  vp_frame_unref(&g);
  /* gray8 PNG */
  vp_frame *m = NULL;
  CHECK_STATUS(vp_frame_alloc(5, 5, VP_PIXFMT_GRAY8, &m), VP_OK);
  memset(m->data[0], 200, (size_t)m->linesize[0] * 5);
  snprintf(path, sizeof path, "%s/mask.png", tmp);
  CHECK_STATUS(vp_image_write_png(m, path), VP_OK);
  CHECK_STATUS(vp_image_load(path, &g), VP_OK);
  if (g) CHECK_INT_EQ(g->data[0][0], 200);
  vp_frame_unref(&g);
  vp_frame_unref(&m);
  /* BGR24 is written as the same RGB picture. */
  vp_frame *bgr = NULL;
  CHECK_STATUS(vp_frame_alloc(31, 7, VP_PIXFMT_BGR24, &bgr), VP_OK);
  CHECK_STATUS(vp_frame_convert(f, bgr), VP_OK);
  snprintf(path, sizeof path, "%s/bgr.png", tmp);
  CHECK_STATUS(vp_image_write_png(bgr, path), VP_OK);
  CHECK_STATUS(vp_image_load(path, &g), VP_OK);
  if (g) {
    int bad = 0;
    for (int y = 0; y < 7; y++) bad += memcmp(f->data[0] + y * f->linesize[0], g->data[0] + y * g->linesize[0], 93) != 0;
    CHECK_INT_EQ(bad, 0);
  }
  vp_frame_unref(&g);
  vp_frame_unref(&bgr);
  /* Unwritable path and unsupported format: clear errors. */
  CHECK_STATUS(vp_image_write_png(f, "/nonexistent-dir/x.png"), VP_EIO);
  CHECK(strstr(vp_last_error(), "/nonexistent-dir/x.png") != NULL);
  vp_frame *y = NULL;
  CHECK_STATUS(vp_frame_alloc(4, 4, VP_PIXFMT_YUV420P, &y), VP_OK);
  CHECK_STATUS(vp_image_write_png(y, path), VP_EUNSUPPORTED);
  vp_frame_unref(&y);
  vp_frame_unref(&f);
}

static void test_bad_inputs(void) {
  vp_frame *f = NULL;
  CHECK_STATUS(vp_image_load("/nonexistent/x.png", &f), VP_ENOENT);
  CHECK(strstr(vp_last_error(), "/nonexistent/x.png") != NULL);
  char path[512];
  snprintf(path, sizeof path, "%s/garbage.png", tmp);
  FILE *fp = fopen(path, "wb");
  for (int i = 0; i < 1000; i++) fputc((i * 7919) & 255, fp);
  fclose(fp);
  vp_status st = vp_image_load(path, &f);
  CHECK(st != VP_OK);
  CHECK(f == NULL);
  /* A truncated PNG: error, no crash. */
  snprintf(path, sizeof path, "%s/t.png", tmp);
  vp_test_sh("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240 -frames:v 1 '%s' && truncate -s 2000 '%s'", path, path);
  st = vp_image_load(path, &f);
  if (st == VP_OK) vp_frame_unref(&f); /* FFmpeg may conceal; it must not crash */
}

/* Reference SHA-256s of the public test images (tests/ref/media/decoded_rgb24.tsv). */
static void test_reference_media(void) {
  const char *ref = getenv("VPIPE_REF");
  char mdir[512], tsv[512];
  vp_test_media_dir(mdir, sizeof mdir);
  snprintf(tsv, sizeof tsv, "%s/media/decoded_rgb24.tsv", ref ? ref : "tests/ref");
  FILE *fp = fopen(tsv, "r");
  CHECK(fp != NULL);
  if (!fp) return;
  char line[512];
  int checked = 0, missing = 0;
  while (fgets(line, sizeof line, fp)) {
    char name[256], sha[80];
    int frame, w, h;
    double pts;
    if (sscanf(line, "%255s %d %lf %d %d %79s", name, &frame, &pts, &w, &h, sha) != 6) continue;
    char path[1024], raw[1024], out[256];
    snprintf(path, sizeof path, "%s/%s", mdir, name);
    if (access(path, R_OK) != 0) {
      missing++;
      continue;
    }
    vp_frame *f = NULL;
    CHECK_STATUS(vp_image_load(path, &f), VP_OK);
    if (!f) continue;
    CHECK_INT_EQ(f->width, w);
    CHECK_INT_EQ(f->height, h);
    snprintf(raw, sizeof raw, "%s/ref.rgb", tmp);
    FILE *o = fopen(raw, "wb");
    for (int y = 0; y < f->height; y++) fwrite(f->data[0] + (size_t)y * f->linesize[0], 1, (size_t)f->width * 3, o);
    fclose(o);
    vp_test_sh_out(out, sizeof out, "sha256sum '%s'", raw);
    if (strncmp(out, sha, 64) != 0) {
      fprintf(stderr, "%s: RGB24 sha256 %.64s, reference %s\n", name, out, sha);
      vp_test_failures++;
    }
    checked++;
    vp_frame_unref(&f);
  }
  fclose(fp);
  fprintf(stderr, "reference images: %d checked, %d missing\n", checked, missing);
  /* Missing media are fine locally (run scripts/fetch-test-media), not in CI. */
  if (missing && getenv("VPIPE_REQUIRE_ASSETS")) {
    fprintf(stderr, "%d test media missing and VPIPE_REQUIRE_ASSETS is set\n", missing);
    vp_test_failures++;
  }
}

int main(void) {
  if (!vp_test_have_ffmpeg()) return vp_test_skip_or_fail("ffmpeg/ffprobe CLI");
  tmp = vp_test_tmpdir();
  check_against_ffmpeg("a.jpg", "-q:v 3");
  check_against_ffmpeg("b.png", "");
  check_against_ffmpeg("c.ppm", "");
  check_against_ffmpeg("d.pgm", "-pix_fmt gray");
  check_against_ffmpeg("e.bmp", "");
  check_against_ffmpeg("f444.jpg", "-pix_fmt yuvj444p");
  check_against_ffmpeg("g.png", "-pix_fmt rgba");
  test_png_roundtrip();
  test_bad_inputs();
  test_reference_media();
  vp_test_rmdir(tmp);
  return TEST_EXIT();
}
