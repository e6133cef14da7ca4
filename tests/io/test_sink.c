/* Sinks: the annotated output keeps every frame, the timestamps and the frame
 * rate, and its audio stream is bit-identical to the input's; image outputs;
 * unwritable paths. */
#include "common/check.h"
#include "common/media.h"
#include "vpipe/io.h"

static const char *tmp;

static void path_of(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", tmp, name); }

static long long probe_count(const char *path) {
  char out[256] = "";
  vp_test_sh_out(out, sizeof out,
                 "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 '%s'",
                 path);
  return atoll(out);
}

static void probe_line(char *out, size_t n, const char *entries, const char *sel, const char *path) {
  vp_test_sh_out(out, n, "ffprobe -v error -select_streams %s -show_entries %s -of csv=p=0 '%s' | tr -d ',' | tr -s '\\n ' ' '", sel,
                 entries, path);
}

static void audio_md5(char *out, size_t n, const char *path) {
  vp_test_sh_out(out, n, "ffmpeg -nostdin -v error -i '%s' -map 0:a -c copy -f md5 -", path);
}

/* Copy @p in to @p out through a source and a sink, drawing on every frame. */
static int transcode(const char *in, const char *out, const char *codec, vp_pixfmt pixfmt) {
  vp_source_options so = vp_source_options_default();
  so.pixfmt = pixfmt;
  vp_source *s = NULL;
  CHECK_STATUS(vp_source_open(in, &so, &s), VP_OK);
  if (!s) return -1;
  vp_video_sink_options ko = vp_video_sink_options_default();
  ko.source = s;
  ko.codec = codec;
  vp_video_sink *k = NULL;
  CHECK_STATUS(vp_video_sink_open(out, &ko, &k), VP_OK);
  if (!k) {
    vp_source_close(s);
    return -1;
  }
  vp_frame *f = NULL;
  int n = 0;
  vp_status st;
  while ((st = vp_source_read(s, &f)) == VP_OK) {
    if (vp_frame_is_writable(f)) {
      CHECK_STATUS(vp_draw_circle(f, 20, 20, 8, vp_rgba(255, 0, 0, 255)), VP_OK);
      CHECK_STATUS(vp_draw_text(f, 2, 2, "vpipe", 1, vp_rgba(255, 255, 255, 255), vp_rgba(0, 0, 0, 160)), VP_OK);
    }
    CHECK_STATUS(vp_video_sink_write(k, f), VP_OK);
    vp_frame_unref(&f);
    n++;
  }
  CHECK_STATUS(st, VP_EOF);
  CHECK_STATUS(vp_video_sink_close(k), VP_OK);
  vp_source_close(s);
  return n;
}

static void test_video_with_audio(void) {
  char in[512], out[512], a[512], b[512];
  path_of(in, sizeof in, "in.mp4");
  if (vp_test_sh("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i "
                 "sine=frequency=440:sample_rate=44100 -t 3 -c:v libx264 -bf 2 -g 15 -pix_fmt yuv420p -c:a aac "
                 "-b:a 96k -shortest '%s'", in)) {
    vp_test_failures++;
    return;
  }
  const char *outs[] = {"out.mp4", "out.mkv", "out_mpeg4.avi"};
  const char *codecs[] = {NULL, NULL, "mpeg4"};
  vp_pixfmt fmts[] = {VP_PIXFMT_NONE, VP_PIXFMT_RGB24, VP_PIXFMT_NONE};
  for (int i = 0; i < 3; i++) {
    path_of(out, sizeof out, outs[i]);
    int n = transcode(in, out, codecs[i], fmts[i]);
    CHECK_INT_EQ(n, 75);
    CHECK_INT_EQ(probe_count(out), 75);
    /* Same frame rate and duration, same frame timestamps. */
    probe_line(a, sizeof a, "stream=avg_frame_rate", "v:0", in);
    probe_line(b, sizeof b, "stream=avg_frame_rate", "v:0", out);
    if (strcmp(a, b) != 0) {
      fprintf(stderr, "%s: frame rate %s vs %s\n", outs[i], b, a);
      vp_test_failures++;
    }
    /* Frame times, relative to the first frame: Matroska shifts everything so
     * that the AAC priming samples do not start before 0, as ffmpeg does. AVI
     * has no timestamps (its demuxer invents them), so it is left out. */
    if (i < 2) {
      static char ta[8192], tb[8192];
      probe_line(ta, sizeof ta, "frame=best_effort_timestamp_time", "v:0", in);
      probe_line(tb, sizeof tb, "frame=best_effort_timestamp_time", "v:0", out);
      char *pa = ta, *pb = tb;
      double a0 = 0, b0 = 0;
      int k = 0, bad = 0;
      for (;; k++) {
        char *ea, *eb;
        double va = strtod(pa, &ea), vb = strtod(pb, &eb);
        if (ea == pa || eb == pb) {
          CHECK(ea == pa && eb == pb); /* same number of frames */
          break;
        }
        if (k == 0) a0 = va, b0 = vb;
        if (fabs((va - a0) - (vb - b0)) > 0.0005 && bad++ < 3)
          fprintf(stderr, "%s frame %d: at %.6f, input %.6f\n", outs[i], k, vb - b0, va - a0);
        pa = ea, pb = eb;
      }
      CHECK_INT_EQ(bad, 0);
      CHECK_INT_EQ(k, 75);
      if (i == 0) CHECK_NEAR(b0, a0, 0.0005); /* MP4 keeps them absolutely */
    }
    /* Audio copied packet for packet. */
    audio_md5(a, sizeof a, in);
    audio_md5(b, sizeof b, out);
    CHECK(strlen(a) > 10);
    if (strcmp(a, b) != 0) {
      fprintf(stderr, "%s: audio md5 %s vs input %s\n", outs[i], b, a);
      vp_test_failures++;
    }
  }
}

static void test_images_and_errors(void) {
  char in[512], out[512], dims[256];
  path_of(in, sizeof in, "still.jpg");
  vp_test_sh("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=200x150 -frames:v 1 '%s'", in);
  const char *outs[] = {"annotated.png", "annotated.jpg"};
  for (int i = 0; i < 2; i++) {
    path_of(out, sizeof out, outs[i]);
    CHECK_INT_EQ(transcode(in, out, NULL, VP_PIXFMT_RGB24), 1);
    probe_line(dims, sizeof dims, "stream=codec_name,width,height", "v:0", out);
    fprintf(stderr, "%s: %s\n", outs[i], dims);
    CHECK(strstr(dims, i == 0 ? "png200150" : "mjpeg200150") != NULL);
  }
  /* The PNG holds exactly the annotated pixels. */
  path_of(out, sizeof out, "annotated.png");
  vp_frame *g = NULL;
  CHECK_STATUS(vp_image_load(out, &g), VP_OK);
  if (g) CHECK_INT_EQ(g->data[0][20 * g->linesize[0] + 20 * 3], 255);
  vp_frame_unref(&g);

  vp_video_sink *k = NULL;
  CHECK_STATUS(vp_video_sink_open("/nonexistent-dir/out.mp4", NULL, &k), VP_EIO);
  CHECK(strstr(vp_last_error(), "/nonexistent-dir/out.mp4") != NULL);
  CHECK_STATUS(vp_video_sink_open("/nonexistent-dir/out.png", NULL, &k), VP_EIO);
  path_of(out, sizeof out, "noext");
  CHECK_STATUS(vp_video_sink_open(out, NULL, &k), VP_EINVAL);
  CHECK(k == NULL);

  /* No source: frames without pts at the given rate; nothing written leaves no file. */
  path_of(out, sizeof out, "synthetic.mkv");
  vp_video_sink_options o = vp_video_sink_options_default();
  o.fps_num = 10;
  CHECK_STATUS(vp_video_sink_open(out, &o, &k), VP_OK);
  vp_frame *f = NULL;
  CHECK_STATUS(vp_frame_alloc(64, 48, VP_PIXFMT_RGB24, &f), VP_OK);
  memset(f->data[0], 90, (size_t)f->linesize[0] * 48);
  for (int i = 0; i < 10; i++) CHECK_STATUS(vp_video_sink_write(k, f), VP_OK);
  CHECK_STATUS(vp_video_sink_close(k), VP_OK);
  CHECK_INT_EQ(probe_count(out), 10);
  probe_line(dims, sizeof dims, "format=duration", "v:0", out);
  CHECK_NEAR(atof(dims), 1.0, 0.11);
  /* Odd sizes into H.264 4:2:0 (which needs even ones). */
  path_of(out, sizeof out, "odd.mp4");
  CHECK_STATUS(vp_video_sink_open(out, &o, &k), VP_OK);
  vp_frame *odd = NULL;
  CHECK_STATUS(vp_frame_alloc(97, 61, VP_PIXFMT_RGB24, &odd), VP_OK);
  memset(odd->data[0], 120, (size_t)odd->linesize[0] * 61);
  for (int i = 0; i < 5; i++) CHECK_STATUS(vp_video_sink_write(k, odd), VP_OK);
  CHECK_STATUS(vp_video_sink_close(k), VP_OK);
  CHECK_INT_EQ(probe_count(out), 5);
  vp_frame_unref(&odd);
  path_of(out, sizeof out, "never.mp4");
  CHECK_STATUS(vp_video_sink_open(out, NULL, &k), VP_OK);
  CHECK_STATUS(vp_video_sink_close(k), VP_OK);
  CHECK(access(out, F_OK) != 0);
  vp_frame_unref(&f);
}

int main(void) {
  if (!vp_test_have_ffmpeg()) return vp_test_skip_or_fail("ffmpeg/ffprobe CLI");
  tmp = vp_test_tmpdir();
  test_video_with_audio();
  test_images_and_errors();
  vp_test_rmdir(tmp);
  return TEST_EXIT();
}
