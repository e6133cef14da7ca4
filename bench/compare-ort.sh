#!/usr/bin/env bash
# compare-ort.sh PEER_DIR [-t "1 2"] [-r ROUNDS] [-n RUNS] [-c] [MODEL...]
#
# Alternates `vpipe bench model` and the native ONNX Runtime baseline
# (PEER_DIR/ortpeer/bench.sh, prepared by PEER_DIR/ortpeer/ensure.sh) on each
# model and thread count, ROUNDS times, and prints the median of the per-round
# medians of both and their ratio (vpipe / ORT; below 1 means vpipe is faster).
# Alternating matters on a shared machine: both see the same load.
# -c: compare CPU time per run instead of wall-clock latency (perf stat
#     task-clock of a RUNS+30-run process minus a 30-run one, for both sides):
#     robust when other users overload the machine; meaningful at 1 thread.
#
# Environment: VPIPE (the vpipe binary, default build/vpipe), VPIPE_MODELS.
set -euo pipefail

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
PEER=$1; shift
THREADS="1 2"; ROUNDS=5; RUNS=100; CPU=0
while [ $# -gt 0 ]; do
  case $1 in
    -t) THREADS=$2; shift 2 ;;
    -r) ROUNDS=$2; shift 2 ;;
    -n) RUNS=$2; shift 2 ;;
    -c) CPU=1; shift ;;
    -h|--help) usage ;;
    *) break ;;
  esac
done
MODELS=("$@")
if [ ${#MODELS[@]} -eq 0 ]; then
  MODELS=(face_detection_short_range face_landmark palm_detection_lite hand_landmark_lite pose_detection
          pose_landmark_lite pose_landmark_full pose_landmark_heavy selfie_segmentation)
fi
VPIPE=${VPIPE:-$(dirname "$0")/../build/vpipe}
ORT="$PEER/ortpeer/bench.sh"
[ -x "$VPIPE" ] || { echo "compare-ort: no vpipe binary at $VPIPE (set VPIPE)" >&2; exit 1; }
[ -f "$ORT" ] || { echo "compare-ort: no $ORT (run ensure.sh in the peer folder first)" >&2; exit 1; }

# CPU milliseconds (task-clock, children included) of one command.
task_ms() { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}'; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

[ "$CPU" = 1 ] && { command -v perf >/dev/null || { echo "compare-ort: -c needs perf" >&2; exit 1; }; }
printf '%-28s %3s %10s %10s %7s   (%s)\n' model thr vpipe_ms ort_ms ratio "$([ "$CPU" = 1 ] && echo 'CPU ms per run' || echo 'median latency')"
for m in "${MODELS[@]}"; do
  for t in $THREADS; do
    v=(); o=()
    for ((r = 0; r < ROUNDS; r++)); do
      if [ "$CPU" = 1 ]; then
        a=$(task_ms "$VPIPE" bench model "$m" --threads "$t" --runs $((RUNS + 30)) --warmup 20)
        b=$(task_ms "$VPIPE" bench model "$m" --threads "$t" --runs 30 --warmup 20)
        v+=("$(awk -v a="$a" -v b="$b" -v n="$RUNS" 'BEGIN {print (a - b) / n}')")
        a=$(task_ms bash "$ORT" "$m" "$t" $((RUNS + 30)))
        b=$(task_ms bash "$ORT" "$m" "$t" 30)
        o+=("$(awk -v a="$a" -v b="$b" -v n="$RUNS" 'BEGIN {print (a - b) / n}')")
        continue
      fi
      vj=$("$VPIPE" bench model "$m" --threads "$t" --runs "$RUNS" --warmup 20 --json)
      v+=("$(printf '%s' "$vj" | sed -n 's/.*"median_ms": \([0-9.]*\).*/\1/p')")
      o+=("$(bash "$ORT" "$m" "$t" "$RUNS" | tail -1)")
    done
    vm=$(printf '%s\n' "${v[@]}" | median)
    om=$(printf '%s\n' "${o[@]}" | median)
    printf '%-28s %3s %10.3f %10.3f %7.3f\n' "$m" "$t" "$vm" "$om" "$(awk -v a="$vm" -v b="$om" 'BEGIN {print a / b}')"
  done
done
