#!/usr/bin/env bash
# scripts/fetch-test-media without the network: --list/--check states, a
# present and verified file is skipped, malformed manifests are refused before
# anything is downloaded. Usage: test_fetch_test_media.sh SOURCE_DIR
set -u
src=$1
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
contains() {
  case "$out" in *"$2"*) ;; *) echo "FAIL: $1: output lacks '$2':"; echo "$out"; fail=1 ;; esac
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vpipe-media-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=$(grep -vc '^media' "$src/tests/media.tsv")

# The real manifest against an empty cache: everything missing.
export VPIPE_MEDIA=$tmp/media
check "--check on an empty cache" 1 "$src/scripts/fetch-test-media" --check
contains "check" "missing or corrupted: $tmp/media/opencv-doc_cup.mp4"
check "--list on an empty cache" 0 "$src/scripts/fetch-test-media" --list
[ "$(grep -c '^missing' <<<"$out")" = "$n" ] || { echo "FAIL: expected $n missing"; echo "$out"; fail=1; }
printf 'garbage' >"$tmp/media/darknet_person.jpg"
check "--list with a corrupted file" 0 "$src/scripts/fetch-test-media" --list
contains "list" "corrupted  darknet_person.jpg"
check "unknown option" 2 "$src/scripts/fetch-test-media" --bogus

# A private copy of the script with its own manifest.
mkdir -p "$tmp/repo/scripts" "$tmp/repo/tests"
cp "$src/scripts/fetch-test-media" "$tmp/repo/scripts/"
script=$tmp/repo/scripts/fetch-test-media
head -n1 "$src/tests/media.tsv" >"$tmp/header.tsv"

printf 'hello' >"$tmp/media/sample.txt"
sum=$(sha256sum "$tmp/media/sample.txt" | cut -d' ' -f1)
{ cat "$tmp/header.tsv"; printf 'sample.txt\tdeb:nonexistent-package\t1.0\tusr/share/x\t%s\n' "$sum"; } \
  >"$tmp/repo/tests/media.tsv"
check "a verified file is skipped (no download)" 0 "$script"
contains "skip" "all 1 media present and verified"

{ cat "$tmp/header.tsv"; printf 'x.jpg\tdeb:p\t1\tusr/x.jpg\tnot-a-sha\n'; } >"$tmp/repo/tests/media.tsv"
check "bad SHA-256 in the manifest" 1 "$script"
contains "bad sha" "bad SHA-256 for x.jpg"

{ cat "$tmp/header.tsv"; printf '../x.jpg\tdeb:p\t1\tusr/x.jpg\t%s\n' "$sum"; } >"$tmp/repo/tests/media.tsv"
check "unsafe medium name" 1 "$script"
contains "bad name" "bad medium name"

{ cat "$tmp/header.tsv"; printf 'x.jpg\tdeb:p\t1\t../../etc/passwd\t%s\n' "$sum"; } >"$tmp/repo/tests/media.tsv"
check "unsafe path in a package" 1 "$script"
contains "unsafe path" "unsafe path"

{ cat "$tmp/header.tsv"; printf 'x.jpg\tftp:p\t1\tusr/x.jpg\t%s\n' "$sum"; } >"$tmp/repo/tests/media.tsv"
check "unknown source kind" 1 "$script"
contains "unknown source" "unknown source 'ftp:p'"
[ -e "$tmp/media/x.jpg" ] && { echo "FAIL: something was installed as x.jpg"; fail=1; }
exit $fail
