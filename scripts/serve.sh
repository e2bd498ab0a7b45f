#!/usr/bin/env bash
# `npm start`: builds the server and the web app (`npm run build`) and serves
# both (embedded storage in ./data, 127.0.0.1:8080 unless configured
# otherwise; the web catalog browser at /) on a supported Node: the
# machine's own when it is 22 or newer, else Node 24 installed into .tools/
# from the npm registry (scripts/tools/ensure-node.sh). Extra arguments go to
# `nestor-catalog serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/tools/ensure-node.sh --export)"
npm run build
exec node dist/src/main.js serve "$@"
