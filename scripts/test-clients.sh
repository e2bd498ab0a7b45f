#!/usr/bin/env bash
# Proves the generated clients against a live server (`npm test` runs this
# after vitest; CI runs `npm test`). Installs the toolchain (idempotent),
# starts `nestor-catalog serve` on a free port with memory storage, and a
# second one on hybrid storage (embedded primary, Redis replica) for the
# clients' read-your-writes tests, then:
#   - go vet + go test   test/clients/go        (gen/go)
#   - pytest             test/clients/python    (gen/python, installed)
#   - grpcurl via reflection only: list, describe, unary, server streaming
#   - examples/processor-{ts,go,python}, each briefly, seeing a live change,
#     and each one's follow example registering and seeing its constraint move
#   - scripts/release.sh: the three packages build and install in scratch projects
# and stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

step() { printf '\n==> clients: %s\n' "$*"; }
fail() { echo "test-clients: $*" >&2; exit 1; }

step "toolchain: grpcurl, Python venv, gen/python installed"
grpcurl="${NESTOR_GRPCURL:-$(bash scripts/tools/install-grpcurl.sh)}"
python="$(bash scripts/tools/install-python-clients-venv.sh)"
# Installed (not on sys.path from the tree) so the tests import what pip installs.
"${python}" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall ./gen/python
rm -rf gen/python/build

work="$(mktemp -d)"
server_pid=""
hybrid_pid=""
hybrid_prefix="nestor-clients:${RANDOM}${RANDOM}:"
cleanup() {
  for pid in "${server_pid}" "${hybrid_pid}"; do
    if [[ -n "${pid}" ]] && kill -0 "${pid}" 2>/dev/null; then
      kill -TERM "${pid}" 2>/dev/null || true
      wait "${pid}" 2>/dev/null || true
    fi
  done
  if command -v redis-cli >/dev/null; then
    redis-cli -u "${NESTOR_TEST_REDIS_URL:-redis://127.0.0.1:6379}" --scan --pattern "${hybrid_prefix}*" |
      xargs -r redis-cli -u "${NESTOR_TEST_REDIS_URL:-redis://127.0.0.1:6379}" unlink >/dev/null || true
  fi
  rm -rf "${work}"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# wait_serving ADDR PID LOG: until grpc.health.v1 says SERVING, or fail with the server's log.
wait_serving() {
  local addr="$1" pid="$2" log="$3"
  for _ in $(seq 1 120); do
    # Captured, not piped into grep -q: with pipefail an early grep exit can fail the pipe.
    if grep -q SERVING <<<"$("${grpcurl}" -plaintext -max-time 2 "${addr}" grpc.health.v1.Health/Check 2>/dev/null || true)"; then
      return 0
    fi
    kill -0 "${pid}" 2>/dev/null || { cat "${log}" >&2; fail "server exited during start"; }
    sleep 0.5
  done
  grep -q SERVING <<<"$("${grpcurl}" -plaintext -max-time 2 "${addr}" grpc.health.v1.Health/Check || true)" ||
    { cat "${log}" >&2; fail "server at ${addr} never became SERVING"; }
}

step "server: memory storage on a free port"
port="$(free_port)"
addr="127.0.0.1:${port}"
# One node process (no npx/tsx wrapper), so the pid we stop is the server itself.
NESTOR_STORAGE_TYPE=memory node --import tsx src/main.ts serve --host 127.0.0.1 --port "${port}" >"${work}/server.log" 2>&1 &
server_pid=$!
wait_serving "${addr}" "${server_pid}" "${work}/server.log"
echo "serving at ${addr}"
export NESTOR_CATALOG_ADDR="${addr}"
export NESTOR_CATALOG_URL="http://${addr}"

step "server: hybrid storage (embedded primary, Redis replica) for the read-your-writes tests"
hybrid_port="$(free_port)"
hybrid_addr="127.0.0.1:${hybrid_port}"
NESTOR_STORAGE_TYPE=hybrid NESTOR_STORAGE_PRIMARY=embedded NESTOR_STORAGE_EMBEDDED_DATA_DIR="${work}/hybrid-data" \
  NESTOR_STORAGE_REPLICAS=redis NESTOR_STORAGE_REDIS_URL="${NESTOR_TEST_REDIS_URL:-redis://127.0.0.1:6379}" \
  NESTOR_STORAGE_REDIS_KEY_PREFIX="${hybrid_prefix}" NESTOR_STORAGE_HYBRID_READ_WAIT_MS=500 \
  node --import tsx src/main.ts serve --host 127.0.0.1 --port "${hybrid_port}" >"${work}/hybrid.log" 2>&1 &
hybrid_pid=$!
wait_serving "${hybrid_addr}" "${hybrid_pid}" "${work}/hybrid.log"
echo "serving at ${hybrid_addr}"
export NESTOR_CATALOG_HYBRID_ADDR="${hybrid_addr}"

step "Go: go vet (gen/go, test/clients/go, examples/processor-go) and go test"
(cd gen/go && go vet ./...)
(cd examples/processor-go && go vet ./...)
(cd test/clients/go && go vet ./... && go test -count=1 -v ./...)

step "Python: pytest"
set +e
(cd test/clients/python && "${python}" -m pytest -q)
pytest_rc=$?
set -e
case "${pytest_rc}" in
  0) ;;
  5) fail "pytest collected no tests in test/clients/python" ;;
  *) fail "pytest failed (exit ${pytest_rc})" ;;
esac

step "grpcurl (reflection only, no proto files)"
"${grpcurl}" -plaintext "${addr}" list | tee "${work}/list.txt"
grep -qx 'nestor.catalog.v1.CatalogService' "${work}/list.txt" || fail "grpcurl list does not show CatalogService"
"${grpcurl}" -plaintext "${addr}" describe nestor.catalog.v1.CatalogService >"${work}/describe.txt"
grep -q 'rpc WatchEvents ( .nestor.catalog.v1.WatchEventsRequest ) returns ( stream .nestor.catalog.v1.WatchEventsResponse )' \
  "${work}/describe.txt" || { cat "${work}/describe.txt" >&2; fail "grpcurl describe does not show the streaming WatchEvents"; }
echo "describe: $(grep -c '  rpc ' "${work}/describe.txt") methods"

# A component for the examples' "seeded server" and grpcurl's calls.
create_component() { # name version
  "${grpcurl}" -plaintext -d @ "${addr}" nestor.catalog.v1.CatalogService/CreateComponent <<JSON
{"component": {"name": "$1", "version": "$2", "provider": "aws", "category": "database",
  "description": "seeded by scripts/test-clients.sh",
  "inputs": [{"name": "instance_class", "type": "VALUE_TYPE_STRING", "defaultValue": "db.t3.micro"}],
  "outputs": [{"name": "endpoint", "type": "VALUE_TYPE_STRING"}],
  "deployment": {"engine": "terraform"}}}
JSON
}
seed="grpcurl-seed-${RANDOM}"
created_revision="$(create_component "${seed}" 1.0.0 | sed -n 's/^  "revision": "\([0-9]*\)".*/\1/p')"
[[ -n "${created_revision}" ]] || fail "grpcurl unary CreateComponent returned no revision"
resolved="$("${grpcurl}" -plaintext -d "{\"name\": \"${seed}\", \"version\": \"^1\"}" "${addr}" \
  nestor.catalog.v1.CatalogService/GetComponent)"
grep -q '"version": "1.0.0"' <<<"${resolved}" || fail "grpcurl unary GetComponent did not resolve ^1"
echo "unary: CreateComponent at revision ${created_revision}, GetComponent ^1 -> 1.0.0"
# Server streaming: replay from just before the create; the stream stays open
# (it is a watch), so -max-time ends it with DeadlineExceeded (exit 64+4).
set +e
"${grpcurl}" -plaintext -max-time 3 -d "{\"start_revision\": $((created_revision - 1)), \"filter\": {\"names\": [\"${seed}\"]}}" \
  "${addr}" nestor.catalog.v1.CatalogService/WatchEvents >"${work}/watch.txt" 2>"${work}/watch.err"
watch_rc=$?
set -e
[[ "${watch_rc}" == 68 ]] || { cat "${work}/watch.err" >&2; fail "grpcurl WatchEvents exited ${watch_rc}, expected 68 (deadline on an open stream)"; }
grep -q '"type": "EVENT_TYPE_CREATED"' "${work}/watch.txt" && grep -q "\"name\": \"${seed}\"" "${work}/watch.txt" ||
  { cat "${work}/watch.txt" >&2; fail "grpcurl WatchEvents did not replay the CREATED event"; }
echo "server streaming: WatchEvents replayed the CREATED event of ${seed}"

step "examples: list, then follow a live change"
run_example() { # label dir command...
  local label="$1" dir="$2"
  shift 2
  local log="${work}/example-${label}.log" name="example-${label}-${RANDOM}"
  (cd "${dir}" && exec "$@") >"${log}" 2>&1 &
  local pid=$!
  for _ in $(seq 1 240); do
    grep -q '^watching from revision' "${log}" && break
    kill -0 "${pid}" 2>/dev/null || break
    sleep 0.25
  done
  grep -q '^watching from revision' "${log}" || { kill "${pid}" 2>/dev/null; cat "${log}" >&2; fail "${label} example never started watching"; }
  create_component "${name}" 1.0.0 >/dev/null
  local rc=0
  wait "${pid}" || rc=$?
  cat "${log}"
  [[ "${rc}" == 0 ]] || fail "${label} example exited ${rc}"
  grep -q '^listed [0-9]* component versions at revision' "${log}" || fail "${label} example did not list"
  grep -q "CREATED ${name}@1.0.0" "${log}" || fail "${label} example did not print the live CREATED ${name}@1.0.0"
}
run_example ts examples/processor-ts node --import tsx processor.ts --duration 6
(cd examples/processor-go && go build -o "${work}/processor-go" .)
run_example go examples/processor-go "${work}/processor-go" -duration 6s
run_example python examples/processor-python "${python}" processor.py --duration 6

step "examples: register as a consumer, then follow a constraint"
run_follow_example() { # label dir command...
  local label="$1" dir="$2"
  shift 2
  local log="${work}/follow-${label}.log" name="follow-${label}-${RANDOM}"
  create_component "${name}" 1.0.0 >/dev/null
  (cd "${dir}" && exec "$@" "${name}") >"${log}" 2>&1 &
  local pid=$!
  for _ in $(seq 1 240); do
    grep -q '^following' "${log}" && break
    kill -0 "${pid}" 2>/dev/null || break
    sleep 0.25
  done
  grep -q '^following' "${log}" || { kill "${pid}" 2>/dev/null; cat "${log}" >&2; fail "${label} follow example never started"; }
  create_component "${name}" 1.1.0 >/dev/null
  local rc=0
  wait "${pid}" || rc=$?
  cat "${log}"
  [[ "${rc}" == 0 ]] || fail "${label} follow example exited ${rc}"
  grep -q "^following ${name}@.* now 1.0.0" "${log}" || fail "${label} follow example did not resolve ^1 to 1.0.0"
  grep -q '^now 1.1.0 (was 1.0.0)' "${log}" || fail "${label} follow example did not print the move to 1.1.0"
  "${grpcurl}" -plaintext -d "{\"name\": \"${name}\"}" "${addr}" nestor.catalog.v1.CatalogService/ListConsumers |
    grep -q "\"consumer\": \"example-${label}\"" || fail "${label} follow example is not a registered consumer"
}
run_follow_example ts examples/processor-ts node --import tsx follow.ts --consumer example-ts --constraint '^1' \
  --duration 6 --component
(cd examples/processor-go && go build -o "${work}/follow-go" ./follow)
run_follow_example go examples/processor-go "${work}/follow-go" -addr "${addr}" -consumer example-go -constraint '^1' \
  -duration 6s -component
run_follow_example python examples/processor-python "${python}" follow.py --consumer example-python --constraint '^1' \
  --duration 6 --component

step "release: build, install and import the three packages"
bash scripts/release.sh "v$(node -p 'require("./gen/ts/package.json").version')"

step "all client checks passed"
