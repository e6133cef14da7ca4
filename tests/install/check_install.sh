#!/usr/bin/env bash
# Install into a temporary prefix, then build examples/lifecycle.c against it
# with nothing but `pkg-config --cflags --libs vpipe`, as a user would.
set -eu
build=${1:?usage: check_install.sh BUILD_DIR SOURCE_DIR CC}
src=${2:?}
cc=${3:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name vpipe.pc | head -n1)
[ -n "$pc" ] || { echo "no vpipe.pc installed"; exit 1; }
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs vpipe)
# The installed library may carry sanitizer instrumentation; link its runtime too.
extra=$(sed -n 's/^VPIPE_SANITIZE:STRING=\(..*\)$/-fsanitize=\1/p' "$build/CMakeCache.txt")
"$cc" -std=c11 -Wall -Werror $extra -o "$tmp/lifecycle" "$src/examples/lifecycle.c" $flags
rc=0
"$tmp/lifecycle" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "installed example: expected usage exit 2, got $rc"; exit 1; }
echo "install + pkg-config: ok"
