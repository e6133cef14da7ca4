/* The options of `vpipe run` (layer: cli): ONE list makes the struct that
 * holds them, the table that parses and validates them, and --help.
 *
 * To add an option, add one X(...) line:
 *   X(field, C type, VP_OPT_ type, "name", "METAVAR", "default", min, max, "choices", "help")
 * C types: bool (VP_OPT_BOOL), int32_t (VP_OPT_INT, VP_OPT_ENUM: index into
 * choices), int64_t (VP_OPT_INT64), double (VP_OPT_DOUBLE), char * (VP_OPT_STRING,
 * freed by vp_options_free), vp_cli_range (VP_OPT_RANGE, "MIN:MAX").
 * min == max == 0 means unbounded. Task options (--task face|face-mesh|...)
 * go here too. */
#ifndef VP_CLI_RUN_OPTIONS_H
#define VP_CLI_RUN_OPTIONS_H

#include <stddef.h>

#include "cli/options.h"

#define VP_RUN_OPTIONS(X)                                                                         \
  X(input, char *, VP_OPT_STRING, "input", "SRC", NULL, 0, 0, NULL,                               \
    "file, image, pattern, URL (rtsp/http/udp/srt) or /dev/videoN to read (required)")            \
  X(output, char *, VP_OPT_STRING, "output", "DST", NULL, 0, 0, NULL,                             \
    "annotated video/image file or push URL")                                                     \
  X(json, char *, VP_OPT_STRING, "json", "FILE|-", NULL, 0, 0, NULL,                              \
    "write one JSON record per frame (- for standard output)")                                    \
  X(task, char *, VP_OPT_STRING, "task", "NAME[,NAME]", NULL, 0, 0, NULL,                        \
    "perception tasks: face, face-mesh, hands, pose, selfie (comma-separated, one decode); none: pass-through")                          \
  X(max_frames, int64_t, VP_OPT_INT64, "max-frames", "N", "0", 0, 1e15, NULL,                     \
    "stop after N frames (0: all)")                                                               \
  X(fps_range, vp_cli_range, VP_OPT_RANGE, "fps-range", "MIN:MAX", "15:60", 0.1, 1000, NULL,      \
    "adaptive processing rate bounds, fps")                                                       \
  X(adaptive_rate, int32_t, VP_OPT_ENUM, "adaptive-rate", "on|off", "on", 0, 0, "on|off",         \
    "thin the processing rate when input timing is irregular")                                    \
  X(rate_sigma, vp_cli_range, VP_OPT_RANGE, "rate-sigma-ms", "LOW:HIGH", "12:45", 0, 10000, NULL, \
    "interval sigma below LOW raises the rate x1.1, above HIGH lowers it x0.7")                   \
  X(jitter_window, int32_t, VP_OPT_INT, "jitter-window", "N", "64", 2, 65536, NULL,               \
    "inter-frame intervals in the jitter window")                                                 \
  X(jitter_factor, double, VP_OPT_DOUBLE, "jitter-factor", "K", "3", 0.01, 1000, NULL,            \
    "timing anomaly when the intervals' sigma exceeds K x their mean")                            \
  X(stall_ms, double, VP_OPT_DOUBLE, "stall-ms", "MS", "120", 1, 3.6e6, NULL,                     \
    "an interval longer than this counts towards a stall")                                        \
  X(stall_count, int32_t, VP_OPT_INT, "stall-count", "N", "5", 1, 100000, NULL,                   \
    "consecutive long intervals that make a stall")                                               \
  X(queue_policy, int32_t, VP_OPT_ENUM, "queue-policy", "POLICY", "auto", 0, 0,                   \
    "auto|block|drop-oldest|drop-newest",                                                         \
    "full queue: auto = block for files, drop-oldest for live sources")                           \
  X(queue_size, int32_t, VP_OPT_INT, "queue-size", "N", "2", 1, 64, NULL,                         \
    "frames per queue between pipeline workers")                                                  \
  X(latency_budget_ms, double, VP_OPT_DOUBLE, "latency-budget-ms", "MS", "0", 0, 3.6e6, NULL,     \
    "per-frame budget from capture; late frames take a cheap path or (live) are dropped; 0: none") \
  X(threads, int32_t, VP_OPT_INT, "threads", "N", "0", 0, 256, NULL,                              \
    "threads for decoding and inference (0: one per CPU)")                                        \
  X(precision, char *, VP_OPT_STRING, "precision", "fp32|bf16", "fp32", 0, 0, NULL,               \
    "model arithmetic of every task: fp32 = MediaPipe's; bf16 = 1x1 convolutions in bfloat16 "   \
    "with float32 sums (AVX512-BF16 CPUs; faster, results close to fp32's, else runs fp32)")     \
  X(stats_interval, double, VP_OPT_DOUBLE, "stats-interval", "S", "5", 0, 3600, NULL,             \
    "print statistics every S seconds on live sources (0: only at the end)")                      \
  X(stats, char *, VP_OPT_STRING, "stats", "FILE|-", NULL, 0, 0, NULL,                          \
    "write the final statistics as one JSON object")                                              \
  X(quiet, bool, VP_OPT_BOOL, "quiet", NULL, NULL, 0, 0, NULL,                                    \
    "no progress bar, no statistics (errors only)")                                               \
  X(min_detection_confidence, double, VP_OPT_DOUBLE, "min-detection-confidence", "X", "0.5", 0, 1, \
    NULL, "detector score threshold (face, hands, pose)")                                        \
  X(min_presence_confidence, double, VP_OPT_DOUBLE, "min-presence-confidence", "X", "0.5", 0, 1,   \
    NULL, "landmark model presence threshold (face-mesh, hands, pose)")                          \
  X(min_tracking_confidence, double, VP_OPT_DOUBLE, "min-tracking-confidence", "X", "0.5", 0, 1,   \
    NULL, "below this presence a tracked object is detected again (video)")                      \
  X(no_smoothing, bool, VP_OPT_BOOL, "no-smoothing", NULL, NULL, 0, 0, NULL,                      \
    "turn off landmark smoothing (One Euro) in video")                                           \
  X(face_range, int32_t, VP_OPT_ENUM, "face-range", "RANGE", "short", 0, 0,                       \
    "short|full|full-sparse", "face detection model: short (faces within ~2 m) or full range")   \
  X(refine_landmarks, bool, VP_OPT_BOOL, "refine-landmarks", NULL, NULL, 0, 0, NULL,              \
    "face-mesh: 478 points with refined lips, eyes and irises (attention model)")                \
  X(num_faces, int32_t, VP_OPT_INT, "num-faces", "N", "1", 1, 64, NULL,                           \
    "face-mesh: most faces to track (face reports every face)")                                     \
  X(min_suppression_threshold, double, VP_OPT_DOUBLE, "min-suppression-threshold", "X", "0.3", 0, \
    1, NULL, "face: IoU above which detections are merged (weighted NMS)")                       \
  X(max_results, int32_t, VP_OPT_INT, "max-results", "N", "-1", -1, 1000, NULL,                    \
    "face: report at most N faces, highest scores first (-1: all)")                               \
  X(task_pixfmt, int32_t, VP_OPT_ENUM, "task-pixfmt", "FMT", "rgb24", 0, 0, "rgb24|native",        \
    "pixels the tasks crop from: rgb24 = exactly MediaPipe's (converted on the decoder's worker), " \
    "native = the decoder's YUV directly (faster, slightly different)")                              \
  X(num_hands, int32_t, VP_OPT_INT, "num-hands", "N", "1", 1, 16, NULL,                           \
    "hands: most hands to find and track")                                                       \
  X(hand_remove_overlaps, bool, VP_OPT_BOOL, "hand-remove-overlaps", NULL, NULL, 0, 0, NULL,      \
    "hands: also drop a hand whose landmark box overlaps another's (IoU > 0.5); MediaPipe keeps " \
    "such doubled hands, so this departs from its results")                                      \
  X(hand_model, int32_t, VP_OPT_ENUM, "hand-model", "MODEL", "full", 0, 0, "lite|full",           \
    "hands: palm detection + hand landmark model size")                                          \
  X(num_poses, int32_t, VP_OPT_INT, "num-poses", "N", "1", 1, 16, NULL,                           \
    "pose: most people to find and track (each keeps an id while tracked)")                      \
  X(pose_model, int32_t, VP_OPT_ENUM, "pose-model", "MODEL", "full", 0, 0, "lite|full|heavy",     \
    "pose: landmark model size")                                                                 \
  X(segmentation_mask, char *, VP_OPT_STRING, "segmentation-mask", "DIR", NULL, 0, 0, NULL,       \
    "write confidence masks as PNG into DIR (selfie; pose asks its model for masks)")            \
  X(selfie_model, int32_t, VP_OPT_ENUM, "selfie-model", "MODEL", "square", 0, 0,                  \
    "square|landscape", "selfie: 256x256 or 256x144 segmentation model")                         \
  X(background, char *, VP_OPT_STRING, "background", "blur|COLOR|IMAGE", NULL, 0, 0, NULL,        \
    "selfie/pose output: blur, replace by a colour (#RRGGBB or a name) or an image file")        \
  X(detector_interval, int32_t, VP_OPT_INT, "detector-interval", "N", "1", 1, 1000, NULL,         \
    "hands/pose video: while some are tracked but fewer than asked, detect every N-th frame")

typedef struct vp_run_args {
#define VP__RUN_FIELD(field, ctype, type, name, meta, def, min, max, choices, help) ctype field;
  VP_RUN_OPTIONS(VP__RUN_FIELD)
#undef VP__RUN_FIELD
} vp_run_args;

static const vp_option vp_run_option_table[] = {
#define VP__RUN_ENTRY(field, ctype, type, name, meta, def, min, max, choices, help) \
  {name, help, offsetof(vp_run_args, field), type, def, min, max, choices, meta},
    VP_RUN_OPTIONS(VP__RUN_ENTRY)
#undef VP__RUN_ENTRY
    {NULL, NULL, 0, VP_OPT_BOOL, NULL, 0, 0, NULL, NULL},
};

#endif
