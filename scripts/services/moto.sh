#!/usr/bin/env bash
# Starts a moto server (a DynamoDB-speaking HTTP server) on loopback for
# the DynamoDB backend's integration tests. Idempotent: the venv is reused when
# it already holds the pinned version, and a server that already answers is
# left alone. Prints the endpoint on stdout.
#
#   NESTOR_MOTO_PORT  port to listen on (default 5005)
set -euo pipefail

MOTO_VERSION="5.2.5"
port="${NESTOR_MOTO_PORT:-5005}"
endpoint="http://127.0.0.1:${port}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${repo_root}/.venv/moto"
pid_file="/tmp/nestor-moto-${port}.pid"
log_file="/tmp/nestor-moto-${port}.log"

answers() {
  # moto answers GET / with 200 once its WSGI app is up; any HTTP status means "up".
  curl --silent --output /dev/null --max-time 2 "${endpoint}/" 2>/dev/null
}

if answers; then
  echo "${endpoint}"
  exit 0
fi

installed_version() {
  "${venv}/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true
}

if [[ ! -x "${venv}/bin/moto_server" || "$(installed_version)" != "${MOTO_VERSION}" ]]; then
  echo "moto.sh: installing moto[server]==${MOTO_VERSION} into ${venv}" >&2
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install --quiet --disable-pip-version-check "moto[server]==${MOTO_VERSION}" >&2
fi

wait_until_answers() {
  local pid="$1"
  for _ in $(seq 1 100); do
    if answers; then return 0; fi
    kill -0 "${pid}" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# A server we started earlier that is still booting gets the same wait as a
# fresh one; one that never answers is replaced.
if [[ -f "${pid_file}" ]] && kill -0 "$(cat "${pid_file}")" 2>/dev/null; then
  old_pid="$(cat "${pid_file}")"
  if wait_until_answers "${old_pid}"; then
    echo "${endpoint}"
    exit 0
  fi
  echo "moto.sh: moto (pid ${old_pid}) does not answer; restarting it" >&2
  kill "${old_pid}" 2>/dev/null || true
  sleep 1
  kill -9 "${old_pid}" 2>/dev/null || true
fi

# moto_server, with one change: requests are handled one at a time. moto's
# threaded server evaluates a TransactWriteItems' conditions and applies its
# writes without a lock, so two concurrent transactions can both pass a
# condition DynamoDB would let only one pass (e.g. the catalog's revision
# counter). Serialising requests gives moto DynamoDB's per-request atomicity.
nohup "${venv}/bin/python" -c '
import logging, sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

logging.getLogger("werkzeug").setLevel(logging.WARNING)
app = DomainDispatcherApplication(create_backend_app)
one_at_a_time = threading.Lock()

def serialized(environ, start_response):
    with one_at_a_time:
        return list(app(environ, start_response))

run_simple(sys.argv[1], int(sys.argv[2]), serialized, threaded=True, request_handler=MotoRequestHandler)
' 127.0.0.1 "${port}" >"${log_file}" 2>&1 &
echo $! >"${pid_file}"

if wait_until_answers "$(cat "${pid_file}")"; then
  echo "${endpoint}"
  exit 0
fi
echo "moto.sh: moto_server did not answer on ${endpoint}; last lines of ${log_file}:" >&2
tail -n 20 "${log_file}" >&2 || true
exit 1
