/* A live HTTP stream served on loopback by a local ffmpeg process that stops
 * mid-stream and comes back: the source reconnects, reports the gap, keeps seq
 * continuous and pts monotonic. Then a server that does not come back: the
 * source gives up with VP_EIO. And an interrupt from another thread.
 * No timing assertions: generous attempt counts, waits only for events. */
#include <pthread.h>
#include <signal.h>

#include "common/check.h"
#include "common/media.h"
#include "vpipe/io.h"

static const char *tmp;
static int port;

/* FFmpeg's own worker threads synchronise in uninstrumented code, which
 * ThreadSanitizer misreads (memset races inside libavcodec's slice threads);
 * under TSan the codecs run single-threaded so that only vpipe's threads are
 * checked. */
#if defined(__SANITIZE_THREAD__)
#define CODEC_THREADS 1
#else
#define CODEC_THREADS 0
#endif
static char url[128];

typedef struct {
  int disconnected, retries, reconnected, gave_up;
  int64_t gap_ns;
  int restart; /* start the next server on DISCONNECTED */
  double next_seconds;
} events;

static void start_server(double seconds, int idx) {
  vp_test_sh("ffmpeg -nostdin -v error -re -f lavfi -i testsrc2=size=160x120:rate=25 -t %.1f -c:v libx264 "
             "-preset ultrafast -g 25 -f mpegts -listen 1 '%s' > '%s/server%d.log' 2>&1 & echo $! > '%s/server%d.pid'",
             seconds, url, tmp, idx, tmp, idx);
}

static void stop_server(int idx) {
  char path[512];
  snprintf(path, sizeof path, "%s/server%d.pid", tmp, idx);
  FILE *f = fopen(path, "r");
  int pid = 0;
  if (f) {
    if (fscanf(f, "%d", &pid) != 1) pid = 0;
    fclose(f);
  }
  if (pid > 0) kill(pid, SIGTERM);
}

static void on_event(void *user, const vp_source_event *e) {
  events *ev = user;
  fprintf(stderr, "event %s attempt %d gap %.3f s last_frame %lld: %s\n", vp_source_event_name(e->type), e->attempt,
          (double)e->gap_ns / 1e9, (long long)e->last_seq, e->message);
  switch (e->type) {
    case VP_SOURCE_EVENT_DISCONNECTED:
      ev->disconnected++;
      if (ev->restart) {
        ev->restart = 0;
        start_server(ev->next_seconds, 2);
      }
      break;
    case VP_SOURCE_EVENT_RETRY: ev->retries++; break;
    case VP_SOURCE_EVENT_RECONNECTED:
      ev->reconnected++;
      ev->gap_ns = e->gap_ns;
      break;
    case VP_SOURCE_EVENT_GAVE_UP: ev->gave_up++; break;
  }
}

/* The server needs a moment to listen: retry the first open. */
static vp_source *open_live(events *ev, int attempts) {
  vp_source_options o = vp_source_options_default();
  o.on_event = on_event;
  o.event_user = ev;
  o.reconnect_attempts = attempts;
  o.reconnect_initial_ms = 100;
  o.reconnect_max_ms = 1000;
  o.io_timeout_ms = 20000;
  o.decode_threads = CODEC_THREADS;
  vp_source *s = NULL;
  for (int i = 0; i < 100 && !s; i++) {
    if (vp_source_open(url, &o, &s) != VP_OK) usleep(100000);
  }
  return s;
}

static void test_reconnect(void) {
  events ev = {.restart = 1, .next_seconds = 2.0};
  start_server(3.0, 1);
  vp_source *s = open_live(&ev, 60);
  CHECK(s != NULL);
  if (!s) return;
  const vp_source_info *in = vp_source_get_info(s);
  CHECK_INT_EQ(in->kind, VP_SOURCE_NETWORK);
  CHECK(in->is_live);
  vp_frame *f = NULL;
  int64_t last_pts = INT64_MIN, expect_seq = 0;
  int before = 0, after = 0, nonmono = 0;
  vp_status st;
  while ((st = vp_source_read(s, &f)) == VP_OK) {
    CHECK_INT_EQ(f->seq, expect_seq);
    expect_seq++;
    if (f->pts_ns <= last_pts) nonmono++;
    last_pts = f->pts_ns;
    if (ev.reconnected) after++;
    else before++;
    vp_frame_unref(&f);
    if (after >= 20) break; /* the second server ran long enough */
  }
  fprintf(stderr, "frames before the gap %d, after %d; last status %s (%s)\n", before, after, vp_strerror(st),
          st ? vp_last_error() : "");
  CHECK(before > 10);
  CHECK_INT_EQ(after, 20);
  CHECK_INT_EQ(ev.disconnected, 1);
  CHECK_INT_EQ(ev.reconnected, 1);
  CHECK(ev.gap_ns > 0);
  CHECK_INT_EQ(nonmono, 0);
  vp_source_stats ss;
  vp_source_stats_get(s, &ss);
  CHECK_INT_EQ(ss.reconnects, 1);
  vp_source_close(s);
  stop_server(1);
  stop_server(2);
}

static void test_give_up(void) {
  events ev = {0};
  start_server(1.0, 3);
  vp_source *s = open_live(&ev, 2);
  CHECK(s != NULL);
  if (!s) return;
  vp_frame *f = NULL;
  int n = 0;
  vp_status st;
  while ((st = vp_source_read(s, &f)) == VP_OK) {
    n++;
    vp_frame_unref(&f);
  }
  fprintf(stderr, "give-up: %d frames, then %s: %s\n", n, vp_strerror(st), vp_last_error());
  CHECK(n > 0);
  CHECK_STATUS(st, VP_EIO);
  CHECK(strstr(vp_last_error(), "gave up") != NULL);
  CHECK_INT_EQ(ev.gave_up, 1);
  CHECK_INT_EQ(ev.retries, 2);
  vp_source_close(s);
  stop_server(3);
}

typedef struct {
  vp_source *s;
  int frames;
  vp_status end;
} reader;

static void *reader_main(void *p) {
  reader *r = p;
  vp_frame *f = NULL;
  while ((r->end = vp_source_read(r->s, &f)) == VP_OK) {
    __atomic_add_fetch(&r->frames, 1, __ATOMIC_SEQ_CST);
    vp_frame_unref(&f);
  }
  return NULL;
}

static void test_interrupt(void) {
  events ev = {0};
  start_server(30.0, 4);
  vp_source *s = open_live(&ev, 5);
  CHECK(s != NULL);
  if (!s) return;
  reader r = {.s = s};
  pthread_t t;
  pthread_create(&t, NULL, reader_main, &r);
  while (__atomic_load_n(&r.frames, __ATOMIC_SEQ_CST) < 5) usleep(20000);
  vp_source_interrupt(s);
  pthread_join(t, NULL);
  CHECK_STATUS(r.end, VP_ECANCELED);
  vp_source_close(s);
  stop_server(4);
}

/* The sink pushes to an RTSP server (a local ffmpeg in listen mode recording
 * what it receives); every frame arrives. */
static int pid_alive(int idx) {
  char path[512];
  snprintf(path, sizeof path, "%s/server%d.pid", tmp, idx);
  FILE *f = fopen(path, "r");
  int pid = 0;
  if (f) {
    if (fscanf(f, "%d", &pid) != 1) pid = 0;
    fclose(f);
  }
  return pid > 0 && kill(pid, 0) == 0;
}

static void test_push_rtsp(void) {
  char rtsp[128], rec[512];
  snprintf(rtsp, sizeof rtsp, "rtsp://127.0.0.1:%d/live", port);
  snprintf(rec, sizeof rec, "%s/received.mkv", tmp);
  vp_test_sh("ffmpeg -nostdin -v error -rtsp_flags listen -timeout 60 -i '%s' -c copy -y '%s' > '%s/server5.log' 2>&1 & "
             "echo $! > '%s/server5.pid'", rtsp, rec, tmp, tmp);
  vp_video_sink_options o = vp_video_sink_options_default();
  o.fps_num = 25;
  o.io_timeout_ms = 20000;
  o.threads = CODEC_THREADS;
  vp_frame *f = NULL;
  CHECK_STATUS(vp_frame_alloc(160, 120, VP_PIXFMT_YUV420P, &f), VP_OK);
  vp_video_sink *k = NULL;
  vp_status st = VP_EIO;
  /* The server needs a moment to listen. */
  for (int i = 0; i < 100; i++) {
    CHECK_STATUS(vp_video_sink_open(rtsp, &o, &k), VP_OK);
    if (!k) break;
    memset(f->data[0], 16, (size_t)f->linesize[0] * 120);
    memset(f->data[1], 128, (size_t)f->linesize[1] * 60);
    memset(f->data[2], 128, (size_t)f->linesize[2] * 60);
    f->pts_ns = 0;
    st = vp_video_sink_write(k, f);
    if (st == VP_OK) break;
    vp_video_sink_close(k);
    k = NULL;
    usleep(100000);
  }
  CHECK_STATUS(st, VP_OK);
  if (k) {
    for (int i = 1; i < 50; i++) {
      f->pts_ns = (int64_t)i * 40000000;
      CHECK_STATUS(vp_draw_rect(f, (float)i, 10, 20, 20, 0, vp_rgba(255, 255, 255, 255)), VP_OK);
      CHECK_STATUS(vp_video_sink_write(k, f), VP_OK);
    }
    CHECK_STATUS(vp_video_sink_close(k), VP_OK);
  }
  vp_frame_unref(&f);
  for (int i = 0; i < 600 && pid_alive(5); i++) usleep(100000);
  char out[64] = "";
  vp_test_sh_out(out, sizeof out,
                 "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 '%s'",
                 rec);
  fprintf(stderr, "RTSP push: the server recorded %s frames\n", out);
  CHECK_INT_EQ(atoi(out), 50);
  stop_server(5);
}

/* Other live protocols: read 20 frames from an mpegts stream sent over UDP and
 * over SRT (when FFmpeg has it) by a local ffmpeg. */
static void test_protocol(const char *name, const char *send_url, const char *recv_url, int idx) {
  vp_test_sh("ffmpeg -nostdin -v error -re -f lavfi -i testsrc2=size=160x120:rate=25 -t 30 -c:v libx264 "
             "-preset ultrafast -g 10 -f mpegts '%s' > '%s/server%d.log' 2>&1 & echo $! > '%s/server%d.pid'",
             send_url, tmp, idx, tmp, idx);
  vp_source_options o = vp_source_options_default();
  o.io_timeout_ms = 20000;
  o.decode_threads = CODEC_THREADS;
  vp_source *s = NULL;
  for (int i = 0; i < 50 && !s; i++)
    if (vp_source_open(recv_url, &o, &s) != VP_OK) usleep(200000);
  CHECK(s != NULL);
  if (s) {
    CHECK(vp_source_get_info(s)->is_live);
    vp_frame *f = NULL;
    int n = 0;
    int64_t last = INT64_MIN;
    while (n < 20 && vp_source_read(s, &f) == VP_OK) {
      CHECK(f->pts_ns > last);
      last = f->pts_ns;
      n++;
      vp_frame_unref(&f);
    }
    fprintf(stderr, "%s: %d frames\n", name, n);
    CHECK_INT_EQ(n, 20);
    vp_source_close(s);
  }
  stop_server(idx);
}

/* Stats and interrupt from another thread while the reader converts frames
 * (an endless generator, so only the interrupt ends it). */
static void test_interrupt_converting(void) {
  vp_source_options o = vp_source_options_default();
  o.format = "lavfi";
  o.pixfmt = VP_PIXFMT_RGB24;
  o.pool_capacity = 2;
  vp_source *s = NULL;
  CHECK_STATUS(vp_source_open("testsrc2=size=64x48:rate=1000", &o, &s), VP_OK);
  if (!s) return;
  reader r = {.s = s};
  pthread_t t;
  pthread_create(&t, NULL, reader_main, &r);
  vp_source_stats st;
  do {
    vp_source_stats_get(s, &st);
    usleep(1000);
  } while (st.frames < 50);
  vp_source_interrupt(s);
  pthread_join(t, NULL);
  CHECK_STATUS(r.end, VP_ECANCELED);
  vp_source_stats_get(s, &st);
  CHECK(st.frame_allocations <= 2);
  vp_source_close(s);
}

int main(void) {
  if (!vp_test_have_ffmpeg()) return vp_test_skip_or_fail("ffmpeg/ffprobe CLI");
  tmp = vp_test_tmpdir();
  test_interrupt_converting();
  port = 20000 + (int)(getpid() % 20000);
  snprintf(url, sizeof url, "http://127.0.0.1:%d/live.ts", port);
  test_reconnect();
  port++;
  snprintf(url, sizeof url, "http://127.0.0.1:%d/live.ts", port);
  test_give_up();
  port++;
  snprintf(url, sizeof url, "http://127.0.0.1:%d/live.ts", port);
  test_interrupt();
  port++;
  test_push_rtsp();
  char a[128], b[128];
  port++;
  snprintf(a, sizeof a, "udp://127.0.0.1:%d?pkt_size=1316", port);
  snprintf(b, sizeof b, "udp://127.0.0.1:%d", port);
  test_protocol("udp", a, b, 6);
  /* libsrt's own threads race in its receive-buffer teardown (reported by TSan
   * inside libsrt), so the SRT case is left out of ThreadSanitizer builds. */
#if defined(__SANITIZE_THREAD__)
  const bool srt_ok = false;
#else
  const bool srt_ok = true;
#endif
  if (srt_ok && system("ffmpeg -hide_banner -protocols 2>/dev/null | grep -qw srt") == 0) {
    port++;
    snprintf(a, sizeof a, "srt://127.0.0.1:%d?mode=listener", port);
    snprintf(b, sizeof b, "srt://127.0.0.1:%d?mode=caller", port);
    test_protocol("srt", a, b, 7);
  }
  vp_test_rmdir(tmp);
  return TEST_EXIT();
}
