/* Sources: every decoded frame exactly once, in order, with ffprobe's pts;
 * formats and containers; still images and sequences; damaged inputs. */
#include <inttypes.h>

#include "common/check.h"
#include "common/media.h"
#include "common/reference_media.h"
#include "vpipe/io.h"

static const char *tmp;

/* ffprobe's best-effort timestamps (in ns) of the video frames of @p path. */
static int probe_pts(const char *path, int64_t *pts, int max) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -select_streams v:0 -show_entries stream=time_base -of csv=p=0 '%s'; "
           "ffprobe -v error -select_streams v:0 -show_entries frame=best_effort_timestamp -of csv=p=0 '%s'",
           path, path);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  long long num = 0, den = 0;
  if (fscanf(p, "%lld/%lld", &num, &den) != 2) {
    pclose(p);
    return -1;
  }
  int n = 0;
  char line[128];
  while (fgets(line, sizeof line, p)) {
    long long v;
    if (strncmp(line, "N/A", 3) == 0 && n < max) {
      pts[n++] = INT64_MIN; /* no timestamp: vpipe says INT64_MIN too */
    } else if (sscanf(line, "%lld", &v) == 1 && n < max) {
      /* round(v * num / den * 1e9) */
      __int128 x = (__int128)v * num * 1000000000;
      pts[n++] = (int64_t)((x + den / 2) / den);
    }
  }
  pclose(p);
  return n;
}

/* Read all frames; check seq and pts against ffprobe. Returns frames read. */
static int read_all_check(const char *path, vp_status expect_end, int expect_frames) {
  static int64_t ref[20000];
  int nref = probe_pts(path, ref, 20000);
  vp_source *s = NULL;
  CHECK_STATUS(vp_source_open(path, NULL, &s), VP_OK);
  if (!s) return -1;
  vp_frame *f = NULL;
  int n = 0, bad_pts = 0;
  vp_status st;
  int64_t prev_capture = 0;
  while ((st = vp_source_read(s, &f)) == VP_OK) {
    CHECK_INT_EQ(f->seq, n);
    if (n < nref && f->pts_ns != ref[n]) {
      if (bad_pts++ < 3) fprintf(stderr, "%s frame %d: pts %" PRId64 " vs ffprobe %" PRId64 "\n", path, n, f->pts_ns, ref[n]);
    }
    CHECK(f->capture_ns >= prev_capture);
    prev_capture = f->capture_ns;
    vp_frame_unref(&f);
    n++;
  }
  CHECK_STATUS(st, expect_end);
  if (st != expect_end) fprintf(stderr, "%s: %s\n", path, vp_last_error());
  CHECK_INT_EQ(bad_pts, 0);
  if (expect_end == VP_EOF) CHECK_INT_EQ(n, nref);
  if (expect_frames >= 0) CHECK_INT_EQ(n, expect_frames);
  /* Errors are sticky. */
  CHECK_STATUS(vp_source_read(s, &f), expect_end);
  vp_source_close(s);
  return n;
}

static void make(const char *name, const char *args) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", tmp, name);
  if (vp_test_sh("ffmpeg -nostdin -v error -y %s '%s'", args, path)) vp_test_failures++;
}

static void path_of(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", tmp, name); }

static void test_containers(void) {
  char p[512];
  /* H.264 with B-frames + AAC in MP4. */
  make("a.mp4", "-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 "
                "-t 2 -c:v libx264 -bf 2 -g 12 -pix_fmt yuv420p -c:a aac -shortest");
  path_of(p, sizeof p, "a.mp4");
  read_all_check(p, VP_EOF, 50);
  char fileurl[600];
  snprintf(fileurl, sizeof fileurl, "file:%s", p);
  read_all_check(fileurl, VP_EOF, 50);
  vp_source *s = NULL;
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
  if (s) {
    const vp_source_info *in = vp_source_get_info(s);
    CHECK_INT_EQ(in->kind, VP_SOURCE_FILE);
    CHECK_INT_EQ(in->width, 320);
    CHECK_INT_EQ(in->height, 240);
    CHECK_INT_EQ(in->fps_num, 25);
    CHECK_INT_EQ(in->fps_den, 1);
    CHECK_INT_EQ(in->frame_count, 50);
    CHECK(in->has_audio);
    CHECK(!in->is_live);
    CHECK_INT_EQ(in->pixfmt, VP_PIXFMT_YUV420P);
    CHECK_NEAR((double)in->duration_ns / 1e9, 2.0, 0.05);
    vp_source_close(s);
  }
  /* VP9 in WebM, MPEG-4 in AVI, MJPEG in AVI, H.264 in MKV, variable frame rate. */
  make("b.webm", "-f lavfi -i testsrc2=size=176x144:rate=30 -t 1 -c:v libvpx-vp9 -deadline realtime -cpu-used 8");
  path_of(p, sizeof p, "b.webm");
  read_all_check(p, VP_EOF, 30);
  make("c.avi", "-f lavfi -i testsrc2=size=176x144:rate=15 -t 1 -c:v mpeg4 -bf 1");
  path_of(p, sizeof p, "c.avi");
  read_all_check(p, VP_EOF, 15);
  make("d.avi", "-f lavfi -i testsrc2=size=176x144:rate=10 -t 1 -c:v mjpeg");
  path_of(p, sizeof p, "d.avi");
  read_all_check(p, VP_EOF, 10);
  make("e.mkv", "-f lavfi -i testsrc2=size=160x120:rate=24 -t 1 -c:v libx264 -bf 3");
  path_of(p, sizeof p, "e.mkv");
  read_all_check(p, VP_EOF, 24);
  make("vfr.mkv", "-f lavfi -i testsrc2=size=160x120:rate=30 -t 1 -vf select='not(mod(n\\,3))+eq(n\\,4)' -fps_mode vfr -c:v libx264");
  path_of(p, sizeof p, "vfr.mkv");
  read_all_check(p, VP_EOF, -1);
}

static void test_pixfmt_and_pool(void) {
  char p[512];
  path_of(p, sizeof p, "a.mp4");
  vp_source_options o = vp_source_options_default();
  o.pixfmt = VP_PIXFMT_RGB24;
  o.pool_capacity = 3;
  vp_source *s = NULL;
  CHECK_STATUS(vp_source_open(p, &o, &s), VP_OK);
  if (!s) return;
  CHECK_INT_EQ(vp_source_get_info(s)->pixfmt, VP_PIXFMT_RGB24);
  vp_frame *f[3] = {0};
  for (int i = 0; i < 3; i++) {
    CHECK_STATUS(vp_source_read(s, &f[i]), VP_OK);
    if (f[i]) CHECK_INT_EQ(f[i]->format, VP_PIXFMT_RGB24);
  }
  /* With every frame out, a blocking read would wait: interrupt it instead. */
  vp_source_interrupt(s);
  vp_frame *g = NULL;
  CHECK_STATUS(vp_source_read(s, &g), VP_ECANCELED);
  for (int i = 0; i < 3; i++) vp_frame_unref(&f[i]);
  vp_source_close(s);

  /* Steady state allocates nothing: 100 frames, two held at a time. */
  for (int native = 0; native < 2; native++) {
    path_of(p, sizeof p, "long.mkv");
    o = vp_source_options_default();
    o.pixfmt = native ? VP_PIXFMT_NONE : VP_PIXFMT_RGB24;
    CHECK_STATUS(vp_source_open(p, &o, &s), VP_OK);
    if (!s) return;
    vp_frame *hold[2] = {0};
    int n = 0;
    vp_source_stats st10;
    memset(&st10, 0, sizeof st10);
    while (vp_source_read(s, &g) == VP_OK) {
      vp_frame_unref(&hold[n % 2]);
      hold[n % 2] = g;
      g = NULL;
      if (++n == 10) vp_source_stats_get(s, &st10);
    }
    vp_frame_unref(&hold[0]);
    vp_frame_unref(&hold[1]);
    vp_source_stats ss;
    vp_source_stats_get(s, &ss);
    CHECK_INT_EQ(n, 100);
    CHECK_INT_EQ(ss.frame_allocations, st10.frame_allocations);
    CHECK(ss.frame_allocations <= 2 * o.pool_capacity);
    fprintf(stderr, "%s: %lld frame allocations for 100 frames\n", native ? "native" : "rgb24",
            (long long)ss.frame_allocations);
    vp_source_close(s);
  }
  path_of(p, sizeof p, "a.mp4");

  /* Native frames (zero copy) outlive the source. */
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
  if (!s) return;
  vp_frame *keep = NULL;
  for (int i = 0; i < 5; i++) {
    vp_frame_unref(&keep);
    CHECK_STATUS(vp_source_read(s, &keep), VP_OK);
  }
  vp_source_close(s);
  if (keep) {
    CHECK_INT_EQ(keep->seq, 4);
    CHECK_INT_EQ(keep->format, VP_PIXFMT_YUV420P);
    volatile uint8_t x = keep->data[0][keep->linesize[0] * (keep->height - 1) + keep->width - 1];
    (void)x;
  }
  vp_frame_unref(&keep);

  /* Zero copy (raw video: the decoder's buffers are held by nobody else): frames
   * outlive the source, and the shells and their holders are recycled. */
  make("raw.nut", "-f lavfi -i testsrc2=size=176x144:rate=10 -t 1 -c:v rawvideo -pix_fmt yuv420p");
  path_of(p, sizeof p, "raw.nut");
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
  if (!s) return;
  vp_frame *held[3] = {0};
  for (int i = 0; i < 10; i++) {
    vp_frame_unref(&held[i % 3]);
    CHECK_STATUS(vp_source_read(s, &held[i % 3]), VP_OK);
  }
  vp_source_stats zs;
  vp_source_stats_get(s, &zs);
  CHECK(zs.frame_allocations <= 8); /* 4 shells + 4 holders at most */
  vp_source_close(s);
  for (int i = 0; i < 3; i++) {
    if (held[i]) {
      CHECK_INT_EQ(held[i]->format, VP_PIXFMT_YUV420P);
      memset(held[i]->data[0], 0, (size_t)held[i]->linesize[0] * held[i]->height); /* still writable memory */
    }
    vp_frame_unref(&held[i]);
  }
}

static void test_images(void) {
  char p[512];
  make("still.jpg", "-f lavfi -i testsrc2=size=128x96 -frames:v 1");
  path_of(p, sizeof p, "still.jpg");
  vp_source *s = NULL;
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
  if (s) {
    CHECK_INT_EQ(vp_source_get_info(s)->kind, VP_SOURCE_IMAGE);
    CHECK_INT_EQ(vp_source_get_info(s)->frame_count, 1);
    vp_frame *f = NULL;
    CHECK_STATUS(vp_source_read(s, &f), VP_OK);
    if (f) {
      CHECK_INT_EQ(f->pts_ns, 0);
      CHECK_INT_EQ(f->width, 128);
    }
    vp_frame_unref(&f);
    CHECK_STATUS(vp_source_read(s, &f), VP_EOF);
    vp_source_close(s);
  }
  /* Sequences: printf pattern, directory, glob. */
  vp_test_sh("mkdir -p '%s/seq'", tmp);
  make("seq/img_%04d.png", "-f lavfi -i testsrc2=size=64x48:rate=25 -frames:v 7");
  const char *forms[] = {"seq/img_%04d.png", "seq", "seq/img_*.png"};
  for (int i = 0; i < 3; i++) {
    path_of(p, sizeof p, forms[i]);
    CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
    if (!s) continue;
    CHECK_INT_EQ(vp_source_get_info(s)->kind, VP_SOURCE_IMAGE_SEQUENCE);
    vp_frame *f = NULL;
    int n = 0;
    vp_status st;
    while ((st = vp_source_read(s, &f)) == VP_OK) {
      CHECK_INT_EQ(f->seq, n);
      n++;
      vp_frame_unref(&f);
    }
    CHECK_STATUS(st, VP_EOF);
    CHECK_INT_EQ(n, 7);
    vp_source_close(s);
  }
  /* A directory whose name has glob characters. */
  vp_test_sh("mkdir -p '%s/odd [dir]*' && cp '%s'/seq/*.png '%s/odd [dir]*/'", tmp, tmp, tmp);
  path_of(p, sizeof p, "odd [dir]*");
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
  if (s) {
    vp_frame *f = NULL;
    int n = 0;
    while (vp_source_read(s, &f) == VP_OK) {
      n++;
      vp_frame_unref(&f);
    }
    CHECK_INT_EQ(n, 7);
    vp_source_close(s);
  }
  /* A sequence at a chosen rate. */
  path_of(p, sizeof p, "seq");
  vp_source_options o = vp_source_options_default();
  o.fps = 10;
  CHECK_STATUS(vp_source_open(p, &o, &s), VP_OK);
  if (s) {
    vp_frame *f = NULL;
    CHECK_STATUS(vp_source_read(s, &f), VP_OK);
    vp_frame_unref(&f);
    CHECK_STATUS(vp_source_read(s, &f), VP_OK);
    if (f) CHECK_INT_EQ(f->pts_ns, 100000000);
    vp_frame_unref(&f);
    vp_source_close(s);
  }
}

static void test_bad_inputs(void) {
  char p[512];
  vp_source *s = NULL;
  CHECK_STATUS(vp_source_open("/nonexistent/file.mp4", NULL, &s), VP_ENOENT);
  CHECK(strstr(vp_last_error(), "/nonexistent/file.mp4") != NULL);
  /* A generator by format name: no file behind it. */
  vp_source_options lo = vp_source_options_default();
  lo.format = "lavfi";
  CHECK_STATUS(vp_source_open("testsrc2=size=64x48:rate=10:duration=1", &lo, &s), VP_OK);
  if (s) {
    vp_frame *f = NULL;
    int n = 0;
    while (vp_source_read(s, &f) == VP_OK) {
      n++;
      vp_frame_unref(&f);
    }
    CHECK_INT_EQ(n, 10);
    vp_source_close(s);
  }
  /* A camera that is not there. */
  CHECK_STATUS(vp_source_open("/dev/video99", NULL, &s), VP_ENOENT);
  CHECK(strstr(vp_last_error(), "/dev/video99") != NULL);
  /* Audio only: no video stream. */
  make("audio.m4a", "-f lavfi -i sine=duration=1 -c:a aac");
  path_of(p, sizeof p, "audio.m4a");
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_EFORMAT);
  CHECK(strstr(vp_last_error(), "no video stream") != NULL);
  /* Garbage file. */
  path_of(p, sizeof p, "garbage.mp4");
  vp_test_sh("head -c 100000 /dev/urandom > '%s'", p);
  vp_status st = vp_source_open(p, NULL, &s);
  CHECK(st != VP_OK);
  if (st == VP_OK) vp_source_close(s);
  /* Empty file. */
  path_of(p, sizeof p, "empty.mp4");
  vp_test_sh(": > '%s'", p);
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_EFORMAT);
  /* A video codec without a decoder: a stream whose codec tag is unknown. */
  make("tagged.avi", "-f lavfi -i testsrc2=size=64x48:rate=5 -t 1 -c:v mpeg4");
  path_of(p, sizeof p, "tagged.avi");
  /* Rewrite the FourCC so that no decoder is known for it. */
  vp_test_sh("perl -pi -e 's/FMP4/QZQZ/g' '%s'", p);
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_EUNSUPPORTED);
  CHECK(strstr(vp_last_error(), "decoder") != NULL);
}

static uint64_t clean[100]; /* hashes of long.mkv's frames */

static uint64_t frame_hash(const vp_frame *f) {
  uint64_t h = 1469598103934665603ull;
  for (int p = 0; p < 3; p++) {
    int w = p ? (f->width + 1) / 2 : f->width, hgt = p ? (f->height + 1) / 2 : f->height;
    for (int y = 0; y < hgt; y++)
      for (int x = 0; x < w; x++) h = (h ^ f->data[p][(size_t)y * f->linesize[p] + x]) * 1099511628211ull;
  }
  return h;
}

/* Truncated and corrupted files: the good frames come out, then VP_EFORMAT. */
/* The rate controller's hint: skip non-reference / non-key frames before decoding. */
static void test_discard(void) {
  char p[512];
  path_of(p, sizeof p, "a.mp4"); /* 50 frames, B-frames, GOP 12 */
  vp_source_discard modes[2] = {VP_DISCARD_NONREF, VP_DISCARD_NONKEY};
  for (int m = 0; m < 2; m++) {
    vp_source *s = NULL;
    CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
    if (!s) return;
    vp_source_set_discard(s, modes[m]);
    vp_frame *f = NULL;
    int n = 0, keys = 0;
    int64_t last = INT64_MIN;
    vp_status st;
    while ((st = vp_source_read(s, &f)) == VP_OK) {
      CHECK(f->pts_ns > last);
      last = f->pts_ns;
      keys += (f->flags & VP_FRAME_FLAG_KEY) != 0;
      n++;
      vp_frame_unref(&f);
    }
    CHECK_STATUS(st, VP_EOF); /* skipping on purpose is not damage */
    fprintf(stderr, "discard %s: %d of 50 frames decoded, %d key\n", m ? "nonkey" : "nonref", n, keys);
    CHECK(n < 50 && n > 0);
    if (m == 1) CHECK_INT_EQ(n, keys);
    vp_source_close(s);
  }
}

static void test_damaged(void) {
  char good[512], p[512];
  make("long.mkv", "-f lavfi -i testsrc2=size=160x120:rate=25 -t 4 -c:v libx264 -g 25 -bf 0");
  path_of(good, sizeof good, "long.mkv");
  int total = read_all_check(good, VP_EOF, 100);
  /* Hashes of the clean frames, to check that what comes out of damaged copies is intact. */
  vp_source *c = NULL;
  CHECK_STATUS(vp_source_open(good, NULL, &c), VP_OK);
  for (int i = 0; c && i < 100; i++) {
    vp_frame *f = NULL;
    if (vp_source_read(c, &f) != VP_OK) break;
    clean[i] = frame_hash(f);
    vp_frame_unref(&f);
  }
  vp_source_close(c);
  /* Cut in the middle. */
  path_of(p, sizeof p, "cut.mkv");
  vp_test_sh("head -c $(( $(stat -c %%s '%s') / 2 )) '%s' > '%s'", good, good, p);
  vp_source *s = NULL;
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
  if (s) {
    vp_frame *f = NULL;
    int n = 0;
    vp_status st;
    while ((st = vp_source_read(s, &f)) == VP_OK) {
      CHECK_INT_EQ(f->seq, n);
      CHECK_INT_EQ(f->pts_ns, (int64_t)n * 40000000);
      if (n < 100 && frame_hash(f) != clean[n]) {
        fprintf(stderr, "truncated copy: frame %d differs from the clean decode\n", n);
        vp_test_failures++;
      }
      n++;
      vp_frame_unref(&f);
    }
    fprintf(stderr, "truncated: %d of %d frames, then %s: %s\n", n, total, vp_strerror(st), vp_last_error());
    CHECK(n > 20 && n < total);
    CHECK_STATUS(st, VP_EFORMAT);
    vp_source_close(s);
  }
  /* Garbage in the payload (past the headers): seeded runs of random bytes at
   * several places. Frames before the damage are the clean ones; the end is
   * VP_EFORMAT. */
  size_t size = 0;
  unsigned char *orig = vp_test_read_file(good, &size);
  CHECK(orig != NULL);
  uint32_t seed = 2024;
  for (int v = 0; orig && v < 6; v++) {
    unsigned char *buf = malloc(size);
    memcpy(buf, orig, size);
    double where = 0.3 + 0.1 * v; /* 30 % .. 80 % of the file */
    size_t at = (size_t)(where * (double)size);
    for (size_t i = at; i < at + 3000 && i < size; i++) {
      seed ^= seed << 13;
      seed ^= seed >> 17;
      seed ^= seed << 5;
      buf[i] = (unsigned char)seed;
    }
    path_of(p, sizeof p, "corrupt.mkv");
    FILE *fp = fopen(p, "wb");
    fwrite(buf, 1, size, fp);
    fclose(fp);
    free(buf);
    CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
    if (!s) continue;
    vp_frame *f = NULL;
    int n = 0, intact = 0, first_bad = -1;
    vp_status st;
    /* Frames wholly before the damaged bytes (the file is ~evenly spread). */
    int safe = (int)(where * 100) - 10;
    while ((st = vp_source_read(s, &f)) == VP_OK) {
      int idx = (int)(f->pts_ns / 40000000);
      if (idx < safe) {
        if (idx < 100 && frame_hash(f) == clean[idx]) intact++;
        else if (first_bad < 0) first_bad = idx;
      }
      n++;
      vp_frame_unref(&f);
    }
    fprintf(stderr, "corrupted at %.0f%%: %d of %d frames, then %s: %s\n", where * 100, n, total, vp_strerror(st),
            vp_last_error());
    CHECK_INT_EQ(intact, safe);
    CHECK_INT_EQ(first_bad, -1);
    CHECK(n >= safe);
    CHECK_STATUS(st, VP_EFORMAT);
    vp_source_close(s);
  }
  free(orig);
}

/* The public test videos decode to exactly the RGB24 pixels (and pts) of the
 * reference decode (tests/ref/media/decoded_rgb24_video.tsv: first 5 frames). */
static void test_reference_videos(void) {
  const char *ref = getenv("VPIPE_REF");
  char mdir[512], tsv[512];
  vp_test_media_dir(mdir, sizeof mdir);
  snprintf(tsv, sizeof tsv, "%s/media/decoded_rgb24_video.tsv", ref ? ref : "tests/ref");
  FILE *fp = fopen(tsv, "r");
  CHECK(fp != NULL);
  if (!fp) return;
  char line[512], open_name[256] = "";
  vp_source *s = NULL;
  int checked = 0, missing = 0;
  while (fgets(line, sizeof line, fp)) {
    char name[256], sha[80];
    int frame, w, h;
    double pts_ms;
    if (sscanf(line, "%255s %d %lf %d %d %79s", name, &frame, &pts_ms, &w, &h, sha) != 6) continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", mdir, name);
    if (strcmp(name, open_name) != 0) {
      vp_source_close(s);
      s = NULL;
      snprintf(open_name, sizeof open_name, "%s", name);
      if (access(path, R_OK) != 0) {
        missing++;
        continue;
      }
      vp_source_options o = vp_source_options_default();
      o.pixfmt = VP_PIXFMT_RGB24;
      CHECK_STATUS(vp_source_open(path, &o, &s), VP_OK);
    }
    if (!s) continue;
    vp_frame *f = NULL;
    CHECK_STATUS(vp_source_read(s, &f), VP_OK);
    if (!f) continue;
    CHECK_INT_EQ(f->seq, frame);
    CHECK_INT_EQ(f->width, w);
    CHECK_INT_EQ(f->height, h);
    CHECK_NEAR((double)f->pts_ns / 1e6, pts_ms, 0.0006);
    char raw[600], out[256];
    snprintf(raw, sizeof raw, "%s/ref.rgb", tmp);
    FILE *o = fopen(raw, "wb");
    for (int y = 0; y < f->height; y++) fwrite(f->data[0] + (size_t)y * f->linesize[0], 1, (size_t)f->width * 3, o);
    fclose(o);
    vp_test_sh_out(out, sizeof out, "sha256sum '%s'", raw);
    if (strncmp(out, sha, 64) != 0) {
      fprintf(stderr, "%s frame %d: RGB24 sha256 %.64s, reference %s\n", name, frame, out, sha);
      vp_test_failures++;
    }
    checked++;
    vp_frame_unref(&f);
  }
  vp_source_close(s);
  fclose(fp);
  fprintf(stderr, "reference video frames: %d checked, %d media missing\n", checked, missing);
  /* Missing media are fine locally (run scripts/fetch-test-media), not in CI. */
  if (missing && getenv("VPIPE_REQUIRE_ASSETS")) {
    fprintf(stderr, "%d test media missing and VPIPE_REQUIRE_ASSETS is set\n", missing);
    vp_test_failures++;
  }
}

/* Drawing on every frame a source hands out (they are writable) must not
 * change the frames decoded after it (which may be predicted from it). */
static void test_draw_keeps_decoding_intact(void) {
  char p[512];
  path_of(p, sizeof p, "long.mkv");
  vp_source *s = NULL;
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
  if (!s) return;
  vp_frame *f = NULL;
  int n = 0, same = 0;
  while (vp_source_read(s, &f) == VP_OK) {
    if (n < 100 && frame_hash(f) == clean[n]) same++;
    CHECK(vp_frame_is_writable(f));
    CHECK_STATUS(vp_draw_rect(f, 0, 0, (float)f->width, (float)f->height, 0, vp_rgba(255, 0, 255, 255)), VP_OK);
    vp_frame_unref(&f);
    n++;
  }
  CHECK_INT_EQ(n, 100);
  CHECK_INT_EQ(same, 100);
  vp_source_close(s);

  /* Shared buffers: no copy, and the frames say they are read-only. */
  vp_source_options o = vp_source_options_default();
  o.shared_buffers = true;
  CHECK_STATUS(vp_source_open(p, &o, &s), VP_OK);
  if (!s) return;
  n = same = 0;
  int readonly = 0;
  while (vp_source_read(s, &f) == VP_OK) {
    if (n < 100 && frame_hash(f) == clean[n]) same++;
    readonly += !vp_frame_is_writable(f);
    vp_frame *copy = NULL;
    if (!vp_frame_is_writable(f)) {
      CHECK_STATUS(vp_frame_clone(f, &copy), VP_OK);
      CHECK(vp_frame_is_writable(copy));
      CHECK_STATUS(vp_draw_rect(copy, 0, 0, 10, 10, 0, vp_rgba(255, 0, 255, 255)), VP_OK);
      vp_frame_unref(&copy);
    }
    vp_frame_unref(&f);
    n++;
  }
  CHECK_INT_EQ(same, 100);
  CHECK(readonly > 50); /* H.264 P-frames are references */
  vp_source_stats zs;
  vp_source_stats_get(s, &zs);
  CHECK(zs.frame_allocations <= 2 * o.pool_capacity);
  vp_source_close(s);
}

/* BT.709 full-range video: native frames converted later with vp_frame_convert
 * give the same RGB as the source's own conversion and as ffmpeg's. */
static void test_colour_properties(void) {
  char p[512], raw[512];
  make("bt709.mp4", "-f lavfi -i testsrc2=size=96x64:rate=5 -t 1 -vf scale=out_color_matrix=bt709:out_range=full "
                    "-c:v libx264 -pix_fmt yuv420p -colorspace bt709 -color_range pc");
  path_of(p, sizeof p, "bt709.mp4");
  path_of(raw, sizeof raw, "bt709.rgb");
  vp_test_sh("ffmpeg -nostdin -v error -y -i '%s' -frames:v 1 -f rawvideo -pix_fmt rgb24 '%s'", p, raw);
  size_t size = 0;
  unsigned char *ref = vp_test_read_file(raw, &size);
  CHECK(ref && size == 96 * 64 * 3);
  vp_source *s = NULL;
  CHECK_STATUS(vp_source_open(p, NULL, &s), VP_OK);
  if (!s || !ref) {
    free(ref);
    vp_source_close(s);
    return;
  }
  vp_frame *f = NULL, *rgb = NULL;
  CHECK_STATUS(vp_source_read(s, &f), VP_OK);
  CHECK_STATUS(vp_frame_alloc(96, 64, VP_PIXFMT_RGB24, &rgb), VP_OK);
  if (f && rgb) {
    CHECK_STATUS(vp_frame_convert(f, rgb), VP_OK);
    int diff = 0;
    for (int y = 0; y < 64; y++) diff += memcmp(rgb->data[0] + y * rgb->linesize[0], ref + y * 96 * 3, 96 * 3) != 0;
    CHECK_INT_EQ(diff, 0);
  }
  vp_frame_unref(&f);
  vp_frame_unref(&rgb);
  vp_source_close(s);
  free(ref);
}

int main(void) {
  if (!vp_test_have_ffmpeg()) return vp_test_skip_or_fail("ffmpeg/ffprobe CLI");
  tmp = vp_test_tmpdir();
  test_containers();
  test_discard();
  test_colour_properties();
  test_images();
  test_bad_inputs();
  test_damaged();
  test_pixfmt_and_pool();
  test_draw_keeps_decoding_intact();
  test_reference_videos();
  vp_test_rmdir(tmp);
  return TEST_EXIT();
}
