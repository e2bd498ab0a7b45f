#!/usr/bin/env bash
# Starts a local PostgreSQL for Nestor Catalog's tests and development:
# installs Debian's `postgresql` when missing, starts the cluster on
# 127.0.0.1:5432, creates role and database `nestor` (password `nestor`),
# waits until it accepts connections and prints the URL.
# Idempotent: re-running with the server already up changes nothing.
set -euo pipefail

PORT="${NESTOR_POSTGRES_PORT:-5432}"
ROLE="nestor"
PASSWORD="nestor"
DATABASE="nestor"
URL="postgres://${ROLE}:${PASSWORD}@127.0.0.1:${PORT}/${DATABASE}"

log() { echo "postgres.sh: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing postgresql"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
fi

# Highest installed major version, e.g. 15 on Debian 12.
VERSION="$(ls /usr/lib/postgresql | sort -n | tail -1)"
CLUSTER="main"

if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "${VERSION} ${CLUSTER}"; then
  log "creating cluster ${VERSION}/${CLUSTER}"
  as_root pg_createcluster "${VERSION}" "${CLUSTER}" --port "${PORT}"
fi

status="$(pg_lsclusters -h | awk -v v="${VERSION}" -v c="${CLUSTER}" '$1==v && $2==c {print $4}')"
if [ "${status}" != "online" ]; then
  log "starting cluster ${VERSION}/${CLUSTER}"
  # A stale pid file left by a killed server would stop pg_ctlcluster; it
  # refuses to start only when a live postmaster owns it, so this is safe.
  as_root pg_ctlcluster "${VERSION}" "${CLUSTER}" start || {
    log "start failed; last log lines:"
    tail -n 20 "/var/log/postgresql/postgresql-${VERSION}-${CLUSTER}.log" >&2 || true
    exit 1
  }
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "${PORT}"; then break; fi
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "${PORT}" || { log "server not ready on 127.0.0.1:${PORT}"; exit 1; }

psql_admin() {
  as_root runuser -u postgres -- psql -p "${PORT}" -v ON_ERROR_STOP=1 -qtAX "$@"
}

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}'")" != "1" ]; then
  log "creating role ${ROLE}"
  psql_admin -c "CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'")" != "1" ]; then
  log "creating database ${DATABASE}"
  psql_admin -c "CREATE DATABASE ${DATABASE} OWNER ${ROLE}"
fi

# Wait until the role can really log in over TCP (password auth, not just the socket).
for _ in $(seq 1 60); do
  if PGPASSWORD="${PASSWORD}" psql "${URL}" -qtAX -c "SELECT 1" >/dev/null 2>&1; then
    echo "${URL}"
    exit 0
  fi
  sleep 0.5
done
log "could not log in as ${ROLE} at ${URL}"
exit 1
