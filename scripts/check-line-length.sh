#!/usr/bin/env bash
# Checks that every line of the project's git-tracked TypeScript (src/, test/,
# bench/, web/, scripts/, examples/; never gen/ or dist/) is at most 120
# columns. Biome formats code to 120 columns but cannot break a long string
# or template literal or a long comment, so those are checked here.
# Prints each offending file:line and exits 1 if there is any.
#   bash scripts/check-line-length.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

max=120

# Lengths are counted in characters, not bytes ("→" is one column).
export LC_ALL=C.UTF-8

mapfile -d '' files < <(
  git ls-files -z -- 'src/*.ts' 'test/*.ts' 'bench/*.ts' 'web/*.ts' 'scripts/*.ts' 'examples/*.ts' \
    ':(exclude,glob)gen/**' ':(exclude,glob)**/dist/**'
)
if [ "${#files[@]}" -eq 0 ]; then
  echo "check-line-length: no TypeScript files found" >&2
  exit 1
fi

# GNU grep counts characters in a UTF-8 locale; awk may not (Debian's default, mawk, counts bytes).
long="$(grep -nHE ".{$((max + 1)),}" -- "${files[@]}" | cut -d: -f1,2 || true)"
if [ -n "${long}" ]; then
  printf '%s\n' "${long}"
  echo "check-line-length: $(printf '%s\n' "${long}" | wc -l) line(s) over ${max} columns" >&2
  exit 1
fi
echo "check-line-length: ${#files[@]} files, every line at most ${max} columns"
