#!/bin/sh
# Pass-through throughput: `vpipe run` (decode → pipeline → JSONL) against
# `ffmpeg -i FILE -f null -` on the same generated 1080p H.264 file, same
# decoder threads, runs alternated (A B A B ...), medians printed.
#   bench/passthrough.sh [VPIPE_BIN] [THREADS] [ROUNDS]
set -eu
bin=${1:-build/vpipe}
threads=${2:-2}
rounds=${3:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ffmpeg -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=30 -frames:v 300 \
  -c:v libx264 -preset veryfast -pix_fmt yuv420p "$dir/in.mp4"
now() { date +%s.%N; }
for i in $(seq "$rounds"); do
  t0=$(now); "$bin" run --input "$dir/in.mp4" --json /dev/null --threads "$threads" --quiet; t1=$(now)
  ffmpeg -v error -threads "$threads" -i "$dir/in.mp4" -f null -; t2=$(now)
  echo "$t0 $t1 $t2" | awk '{printf "%.3f %.3f\n", $2-$1, $3-$2}'
done > "$dir/times"
sort -n -k1 "$dir/times" | awk -v n="$rounds" 'NR==int((n+1)/2){print "vpipe  median wall s: " $1}'
sort -n -k2 "$dir/times" | awk -v n="$rounds" '{print $2}' | sort -n | awk -v n="$rounds" 'NR==int((n+1)/2){print "ffmpeg median wall s: " $1}'
awk '{print $2/$1}' "$dir/times" | sort -n | awk -v n="$rounds" 'NR==int((n+1)/2){print "throughput vpipe/ffmpeg (median of pairs): " $1}'
