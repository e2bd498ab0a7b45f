#!/usr/bin/env bash
# The one test command (`npm test`): starts the real servers the tests need
# (idempotent: installs and starts what is missing), then runs the type check
# and every test suite. CI runs exactly this after its own checks.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# Every step runs on a supported Node: the machine's when it is 22 or newer,
# else Node 24 LTS installed into .tools/ from the npm registry.
eval "$(bash scripts/tools/ensure-node.sh --export)"

step "services: PostgreSQL, Redis, moto (DynamoDB), MariaDB (MySQL)"
# Each script prints its URL; tests read NESTOR_TEST_* variables whose
# defaults match what these scripts start.
bash scripts/services/postgres.sh
bash scripts/services/redis.sh
bash scripts/services/moto.sh
bash scripts/services/mariadb.sh

step "browser: chromium (the web app's tests, test/web/)"
export NESTOR_CHROMIUM="$(bash scripts/services/chromium.sh)"

step "tools: grpcurl, Prometheus (promtool), the deploy checks' tools (kubeconform, kustomize, deploycheck)"
export NESTOR_GRPCURL="$(bash scripts/tools/install-grpcurl.sh)"
bash scripts/services/prometheus.sh >/dev/null
# Built before vitest runs, so the first build (minutes on a fresh machine) never meets a test timeout.
bash scripts/tools/install-deploy-tools.sh >/dev/null

step "typecheck"
npx tsc --noEmit -p tsconfig.json
npx tsc --noEmit -p web/tsconfig.json

step "vitest"
report="$(mktemp)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report"

for extra in scripts/test-*.sh; do
  [ -e "$extra" ] || continue
  step "$extra"
  bash "$extra"
done

# One closing line in the plain "N passed, N failed" form for CI's summary.
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report"
rm -f "$report"
