#!/usr/bin/env bash
# Layer check: a file in src/<layer>/ may include private headers only from its
# own layer and the layers below it (DESIGN.md: core < model < image < tasks <
# pipeline < io < cli), and the CLI only the public headers in include/vpipe/.
set -u
root=${1:?usage: check_layers.sh SOURCE_DIR}
order=(core model image tasks pipeline io)
status=0
for i in "${!order[@]}"; do
  layer=${order[$i]}
  allowed=("${order[@]:0:$((i + 1))}")
  pattern=$(IFS='|'; echo "${allowed[*]}")
  for f in "$root"/src/"$layer"/*.[ch]; do
    [ -e "$f" ] || continue
    while IFS= read -r inc; do
      dir=${inc%%/*}
      if ! [[ "$dir" =~ ^($pattern|vpipe)$ ]]; then
        echo "layer violation: ${f#"$root"/} (layer $layer) includes \"$inc\""
        status=1
      fi
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
  done
done
for f in "$root"/src/cli/*.[ch]; do
  [ -e "$f" ] || continue
  while IFS= read -r inc; do
    dir=${inc%%/*}
    if ! [[ "$dir" =~ ^(cli|vpipe)$ ]]; then
      echo "layer violation: ${f#"$root"/} (cli) includes private \"$inc\""
      status=1
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
# Public headers include only public headers.
for f in "$root"/include/vpipe/*.h; do
  while IFS= read -r inc; do
    [[ "$inc" == vpipe/* ]] || { echo "public header ${f#"$root"/} includes \"$inc\""; status=1; }
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
[ $status -eq 0 ] && echo "layers: ok"
exit $status
