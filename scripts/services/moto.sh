#!/usr/bin/env bash
# Starts a moto server (a real DynamoDB-speaking HTTP server) on loopback for
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

# A stale pid file from a server that died is replaced; a live one that does
# not answer yet is given the same wait as a fresh start.
if [[ -f "${pid_file}" ]] && kill -0 "$(cat "${pid_file}")" 2>/dev/null; then
  echo "moto.sh: moto (pid $(cat "${pid_file}")) is running but not answering yet; waiting" >&2
else
  nohup "${venv}/bin/moto_server" -H 127.0.0.1 -p "${port}" >"${log_file}" 2>&1 &
  echo $! >"${pid_file}"
fi

for _ in $(seq 1 100); do
  if answers; then
    echo "${endpoint}"
    exit 0
  fi
  if ! kill -0 "$(cat "${pid_file}")" 2>/dev/null; then
    echo "moto.sh: moto_server exited; last log lines from ${log_file}:" >&2
    tail -n 20 "${log_file}" >&2 || true
    exit 1
  fi
  sleep 0.2
done

echo "moto.sh: moto_server did not answer on ${endpoint} within 20s; see ${log_file}" >&2
exit 1
