#!/usr/bin/env bash
# Starts a local MariaDB for Nestor Catalog's MySQL backend (tests and
# development): installs Debian's `mariadb-server` when missing, runs a
# server of its own on a private data directory (not the system service) on
# 127.0.0.1:3306, creates user `nestor` (password `nestor`) with every
# privilege on the databases `nestor` and `nestor_*` (tests make one each),
# waits until it accepts connections and prints the URL.
# Idempotent: re-running with the server already up changes nothing.
set -euo pipefail

PORT="${NESTOR_MARIADB_PORT:-3306}"
DATA_DIR="${NESTOR_MARIADB_DATA_DIR:-/var/lib/nestor-mariadb}"
RUN_DIR="${DATA_DIR}-run"
SOCKET="${RUN_DIR}/mysqld.sock"
USER_NAME="nestor"
PASSWORD="nestor"
DATABASE="nestor"
URL="mysql://${USER_NAME}:${PASSWORD}@127.0.0.1:${PORT}/${DATABASE}"

log() { echo "mariadb.sh: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  log "installing mariadb-server"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server
  # The package may start the system service on the same port; this script runs its own server instead.
  as_root sh -c 'if command -v service >/dev/null 2>&1; then service mariadb stop; fi' >/dev/null 2>&1 || true
fi
MARIADBD="$(command -v mariadbd || echo /usr/sbin/mariadbd)"

admin() { as_root mariadb --protocol=socket --socket="${SOCKET}" -u root "$@"; }
answering() { as_root mariadb-admin --protocol=socket --socket="${SOCKET}" -u root ping >/dev/null 2>&1; }

if ! answering; then
  as_root mkdir -p "${RUN_DIR}"
  as_root chown mysql:mysql "${RUN_DIR}"
  if [ ! -d "${DATA_DIR}/mysql" ]; then
    log "initialising ${DATA_DIR}"
    as_root mkdir -p "${DATA_DIR}"
    as_root chown mysql:mysql "${DATA_DIR}"
    as_root mariadb-install-db --user=mysql --datadir="${DATA_DIR}" --auth-root-authentication-method=socket \
      --skip-test-db >/dev/null
  fi
  log "starting mariadbd on 127.0.0.1:${PORT} (data ${DATA_DIR})"
  # setsid: the server outlives this script and the shell that ran it.
  as_root setsid "${MARIADBD}" --no-defaults --user=mysql --datadir="${DATA_DIR}" --port="${PORT}" \
    --bind-address=127.0.0.1 --socket="${SOCKET}" --pid-file="${RUN_DIR}/mysqld.pid" \
    --log-error="${DATA_DIR}/server.log" --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
    --innodb-flush-log-at-trx-commit=2 --max-connections=500 </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 120); do
    if answering; then break; fi
    sleep 0.5
  done
  answering || { log "server did not start; last log lines:"; tail -n 20 "${DATA_DIR}/server.log" >&2 || true; exit 1; }
fi

admin -e "CREATE DATABASE IF NOT EXISTS \`${DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS '${USER_NAME}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}';
CREATE USER IF NOT EXISTS '${USER_NAME}'@'localhost' IDENTIFIED BY '${PASSWORD}';
GRANT ALL PRIVILEGES ON \`${DATABASE}\`.* TO '${USER_NAME}'@'127.0.0.1', '${USER_NAME}'@'localhost';
GRANT ALL PRIVILEGES ON \`${DATABASE}\\_%\`.* TO '${USER_NAME}'@'127.0.0.1', '${USER_NAME}'@'localhost';"

# Wait until the user can really log in over TCP.
for _ in $(seq 1 60); do
  if mariadb -h 127.0.0.1 -P "${PORT}" -u "${USER_NAME}" -p"${PASSWORD}" -e "SELECT 1" "${DATABASE}" >/dev/null 2>&1; then
    echo "${URL}"
    exit 0
  fi
  sleep 0.5
done
log "could not log in as ${USER_NAME} at ${URL}"
exit 1
