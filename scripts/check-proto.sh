#!/usr/bin/env bash
# Guards the API contract: buf lint (STANDARD) and buf format are clean,
# gen/ is exactly what `buf generate` produces, and nothing breaks against
# main's previous commit (buf breaking, FILE rules).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

buf lint
buf format --diff --exit-code

bash scripts/generate.sh
if ! git diff --exit-code --stat -- gen/ || [ -n "$(git status --porcelain -- gen/)" ]; then
  echo "check-proto: gen/ differs from what 'buf generate' produces; run 'npm run generate' and commit" >&2
  git status --porcelain -- gen/ >&2
  exit 1
fi

if git rev-parse --is-shallow-repository | grep -q true; then
  git fetch --quiet --deepen=1 origin || true
fi
if git rev-parse --verify --quiet HEAD~1 >/dev/null; then
  if git cat-file -e HEAD~1:buf.yaml 2>/dev/null; then
    buf breaking --against ".git#ref=HEAD~1"
    echo "buf breaking: no breaking change against $(git rev-parse --short HEAD~1)"
  else
    echo "buf breaking: HEAD~1 has no buf.yaml; nothing to compare against"
  fi
else
  echo "buf breaking: no previous commit; nothing to compare against"
fi
