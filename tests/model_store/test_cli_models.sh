#!/usr/bin/env bash
# `vpipe models` from the command line: path, list, verify and fetch's option
# checks, on a temporary folder (no network). Usage: test_cli_models.sh VPIPE
set -u
vpipe=$1
fail=0
check() { # DESCRIPTION EXPECTED_STATUS COMMAND...
  local what=$1 want=$2
  shift 2
  out=$("$@" 2>&1)
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: exit status $got, expected $want; output:"
    echo "$out"
    fail=1
  fi
}
contains() { # DESCRIPTION TEXT
  case "$out" in *"$2"*) ;; *) echo "FAIL: $1: output lacks '$2':"; echo "$out"; fail=1 ;; esac
}
dir=$(mktemp -d "${TMPDIR:-/tmp}/vpipe-cli-models.XXXXXX")
trap 'rm -rf "$dir"' EXIT

check "path with VPIPE_MODELS" 0 env VPIPE_MODELS="$dir/m" "$vpipe" models path
contains "path" "$dir/m"
check "path with XDG_DATA_HOME" 0 env -u VPIPE_MODELS XDG_DATA_HOME="$dir/x" "$vpipe" models path
contains "xdg path" "$dir/x/vpipe/models"

check "list of an empty folder" 0 "$vpipe" models list --dir "$dir"
contains "list" "face_landmark"
contains "list" "missing"
contains "list" "15 of 15 models missing or corrupted"
check "verify of an empty folder" 1 "$vpipe" models verify --dir "$dir"
contains "verify" "model 'pose_landmark_heavy' not found in $dir"
contains "verify" "vpipe models fetch --dir $dir"

printf 'not a model' >"$dir/selfie_segmentation.tflite"
check "list with a corrupted model" 0 "$vpipe" models list --dir "$dir"
contains "corrupted list" "corrupted"
check "verify with a corrupted model" 1 "$vpipe" models verify --dir "$dir"
contains "corrupted verify" "model 'selfie_segmentation' is corrupted"

# A real model copied in verifies.
src=$("$vpipe" models path)/face_detection_short_range.tflite
if [ -r "$src" ]; then
  cp "$src" "$dir/"
  check "list with one good model" 0 "$vpipe" models list --dir "$dir"
  echo "$out" | grep -q '^face_detection_short_range *ok ' || { echo "FAIL: good model not ok:"; echo "$out"; fail=1; }
fi

check "no sub-command" 2 "$vpipe" models
check "unknown sub-command" 2 "$vpipe" models frobnicate
contains "unknown" "unknown command 'frobnicate'"
check "unknown option" 2 "$vpipe" models list --bogus
check "--dir without a folder" 2 "$vpipe" models fetch --dir
check "--force only for fetch" 2 "$vpipe" models list --force
check "help" 0 "$vpipe" models --help
contains "help" "fetch [--force]"
exit $fail
