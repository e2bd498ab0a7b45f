#!/usr/bin/env bash
# Regenerates gen/ from proto/ and third_party/proto/. CI runs this and fails
# if the committed gen/ differs from what it produces.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
rm -rf gen/ts/src/nestor gen/ts/src/grpc gen/ts/src/google
buf generate
