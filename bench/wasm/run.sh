#!/usr/bin/env bash
# bench/wasm/run.sh [ROUNDS]
#
# MediaPipe's own WASM (hands, pose lite, selfie square) in headless Debian
# Chromium against build/bench/bench_body at 1 thread, on the same images,
# alternating a WASM round and a vpipe round ROUNDS times (3), so both see the
# same machine load. Prints per task the median of the per-round medians and
# the ratio wasm / vpipe.
#
# MODE=tasks: MediaPipe Tasks (@mediapipe/tasks-vision 1.1.0, delegate CPU,
# running mode IMAGE; tasks.html), the engine of the project's reference
# results, on the store's models given normalisation metadata and packed as
# .task bundles by mkmodels.js. MODE=blank|reset|track (blank is the
# default): the legacy solutions (page.html), whose image path is WebGL.
#
# Installs what is missing: Debian chromium (apt-get), playwright-core and the
# pinned @mediapipe packages (npm) into a cache folder outside the repository.
# Environment: RUNS (50 timed calls per task and round), WARMUP (10),
# MODE, BENCH_BODY (build/bench/bench_body), VPIPE_MODELS, VPIPE_MEDIA,
# VPIPE_WASMBENCH_CACHE, PRECISION (vpipe's precisions to time, each in every
# round: "fp32" (default), "bf16" or "fp32 bf16").
set -euo pipefail

ROUNDS=${1:-3}
RUNS=${RUNS:-50}
WARMUP=${WARMUP:-10}
MODE=${MODE:-blank}
read -r -a PRECISIONS <<<"${PRECISION:-fp32}"
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH_BODY=${BENCH_BODY:-$HERE/../../build/bench/bench_body}
MEDIA=${VPIPE_MEDIA:-$HOME/.cache/vpipe/media}
MODELS=${VPIPE_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/vpipe/models}
CACHE=${VPIPE_WASMBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vpipe/wasmbench}
PLAYWRIGHT=1.65.1

# The packages vpipe takes its models from (src/model/store_manifest.c):
# short name, npm name, version, SHA-256 of the `npm pack` tarball.
LEGACY_PACKAGES=(
  "hands @mediapipe/hands 0.4.1675469240 bdd5be939c60cbd72a49f4b6141407683cf2a67263598e1a44757d70b3dfcb8a"
  "pose @mediapipe/pose 0.5.1675469404 8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
  "selfie_segmentation @mediapipe/selfie_segmentation 0.1.1675465747 7767b33eaa68990ee06c28bbb89f39a13a47ebb07ff0f1fd4947d9e817bb9bf9"
)
# MediaPipe Tasks, the version the reference results were made with (the
# SHA-256 of its `npm pack` tarball, whose SHA-1 matched the registry's).
TASKS_PACKAGES=(
  "tasks_vision @mediapipe/tasks-vision 1.1.0 46fc3d3d13fa5de631915929d045be2f74bb32e909d7a5b3a322b28976f54165"
)
# The store models mkmodels.js turns into Tasks models.
TASKS_MODELS=(palm_detection_lite hand_landmark_lite pose_detection pose_landmark_lite selfie_segmentation)
# Task (as bench_body names it) and its image: bench_body's defaults.
TASKS=(hands pose_lite selfie)
declare -A IMAGE=([hands]=opencv-doc_handSrc.jpg [pose_lite]=python3-skimage_astronaut.png
                  [selfie]=python3-skimage_astronaut.png)

die() { echo "run.sh: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

case $MODE in
  blank | reset | track) PACKAGES=("${LEGACY_PACKAGES[@]}") ;;
  tasks) PACKAGES=("${TASKS_PACKAGES[@]}") ;;
  *) die "unknown MODE $MODE (blank, reset, track or tasks)" ;;
esac
[ -x "$BENCH_BODY" ] || die "no $BENCH_BODY: build vpipe first (cmake --build build)"
for t in "${TASKS[@]}"; do
  [ -f "$MEDIA/${IMAGE[$t]}" ] || die "no $MEDIA/${IMAGE[$t]} (scripts/fetch-test-media)"
done

if [ ! -x /usr/bin/chromium ]; then
  echo "run.sh: installing Debian chromium" >&2
  as_root apt-get install -y chromium >&2 ||
    { as_root apt-get update >&2 && as_root apt-get install -y chromium >&2; } ||
    die "cannot install chromium"
fi
command -v npm >/dev/null || die "npm is needed (apt-get install npm)"

mkdir -p "$CACHE/pkg"
if [ ! -f "$CACHE/node_modules/playwright-core/package.json" ] ||
   ! grep -q "\"version\": \"$PLAYWRIGHT\"" "$CACHE/node_modules/playwright-core/package.json"; then
  echo "run.sh: installing playwright-core@$PLAYWRIGHT into $CACHE" >&2
  npm install --silent --no-save --no-audit --no-fund --prefix "$CACHE" "playwright-core@$PLAYWRIGHT" >&2 ||
    die "npm install playwright-core failed"
fi

# Unpack each verified tarball into pkg/SHORT; the stamp names what is there.
for p in "${PACKAGES[@]}"; do
  read -r short name ver sha <<<"$p"
  dir=$CACHE/pkg/$short
  [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$name@$ver $sha" ] && continue
  tgz=$CACHE/pkg/$(echo "${name#@}" | tr / -)-$ver.tgz
  if [ ! -f "$tgz" ] || [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$sha" ]; then
    echo "run.sh: npm pack $name@$ver" >&2
    (cd "$CACHE/pkg" && npm pack --silent "$name@$ver" >/dev/null) || die "npm pack $name@$ver failed"
  fi
  got=$(sha256sum "$tgz" | cut -d' ' -f1)
  [ "$got" = "$sha" ] || die "$tgz: sha256 $got, expected $sha"
  rm -rf "$dir" && mkdir -p "$dir"
  tar -xzf "$tgz" -C "$dir" --strip-components=1
  echo "$name@$ver $sha" >"$dir/.stamp"
done

# Tasks models: the store's files, checked against the store's pins
# (src/model/store_manifest.c), given metadata and bundled, every run (cheap).
driver_args=(--mode "$MODE")
if [ "$MODE" = tasks ]; then
  manifest=$HERE/../../src/model/store_manifest.c
  for m in "${TASKS_MODELS[@]}"; do
    want=$(grep -A1 "{\"$m\"," "$manifest" | grep -o '[0-9a-f]\{64\}' | head -n1)
    [ -n "$want" ] || die "$m: no SHA-256 in $manifest"
    [ -f "$MODELS/$m.tflite" ] || die "no $MODELS/$m.tflite (vpipe models fetch)"
    got=$(sha256sum "$MODELS/$m.tflite" | cut -d' ' -f1)
    [ "$got" = "$want" ] || die "$MODELS/$m.tflite: sha256 $got, expected $want"
  done
  node "$HERE/mkmodels.js" "$MODELS" "$CACHE/models" >&2 || die "mkmodels.js failed"
  driver_args+=(--models "$CACHE/models")
fi

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

declare -A W V WF VF G  # per-round medians, what each side found, WebGL ms (tasks)
jobs=()
for t in "${TASKS[@]}"; do jobs+=("$t=$MEDIA/${IMAGE[$t]}"); done
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);" \
     "$ROUNDS rounds of $RUNS timed runs after $WARMUP warm-up, wasm mode $MODE"
for ((r = 1; r <= ROUNDS; r++)); do
  # WASM round: one browser, one page per task.
  out=$(NODE_PATH=$CACHE/node_modules node "$HERE/driver.js" --runs "$RUNS" --warmup "$WARMUP" \
          "${driver_args[@]}" "$CACHE/pkg" "${jobs[@]}") || die "driver.js failed"
  while read -r line; do
    if [[ $line == "#"* ]]; then
      [ "$r" = 1 ] && echo "$line"
      # tasks.html: "# webgl (TASK): ... taking X ms (mean)", the WebGL calls' share of a call.
      if [[ $line =~ ^#\ webgl\ \(([a-z_]+)\):.*taking\ ([0-9.]+)\ ms ]]; then
        G[${BASH_REMATCH[1]}]+="${BASH_REMATCH[2]} "
      fi
      continue
    fi
    read -r t med p90 min found size wasm <<<"$line"
    echo "round $r wasm  $t: median $med ms, p90 $p90, min $min; found $found; $size; $wasm"
    W[$t]+="$med "
    WF[$t]=$found
  done <<<"$out"
  # vpipe round: the same tasks and images, 1 thread, each precision.
  for t in "${TASKS[@]}"; do
    for p in "${PRECISIONS[@]}"; do
      line=$("$BENCH_BODY" image "$t" "$MEDIA/${IMAGE[$t]}" --threads 1 --iters "$RUNS" --precision "$p") ||
        die "bench_body $t --precision $p failed"
      med=$(sed -n 's/.*wall median \([0-9.]*\) ms.*/\1/p' <<<"$line" | head -n1)
      found=$(sed -n 's/.*, \([0-9]*\) found:.*/\1/p' <<<"$line" | head -n1)
      echo "round $r vpipe $t $p: median $med ms; found $found"
      V[$t.$p]+="$med "
      VF[$t.$p]=$found
    done
  done
done

# Tasks mode adds the median of the rounds' mean WebGL time per call (image
# upload + readback, part of wasm_ms; nothing is subtracted).
printf '\n%-10s %10s' task wasm_ms
for p in "${PRECISIONS[@]}"; do printf ' %10s %12s' "vpipe_$p" "wasm/$p"; done
[ "$MODE" = tasks ] && printf ' %14s' 'of_it_webgl_ms'
printf '\n'
for t in "${TASKS[@]}"; do
  w=$(tr ' ' '\n' <<<"${W[$t]}" | grep . | median)
  printf '%-10s %10.2f' "$t" "$w"
  for p in "${PRECISIONS[@]}"; do
    v=$(tr ' ' '\n' <<<"${V[$t.$p]}" | grep . | median)
    printf ' %10.2f %11.1fx' "$v" "$(awk -v a="$w" -v b="$v" 'BEGIN {print a / b}')"
  done
  [ "$MODE" = tasks ] && printf ' %14.2f' "$(tr ' ' '\n' <<<"${G[$t]}" | grep . | median)"
  printf '\n'
  # Different numbers of hands/poses found would mean different work timed.
  for p in "${PRECISIONS[@]}"; do
    [ "${WF[$t]}" = "${VF[$t.$p]}" ] || echo "  warning: $t: wasm found ${WF[$t]}, vpipe ($p) ${VF[$t.$p]}"
  done
done
