#!/usr/bin/env bash
# Starts a throwaway redis-server for tests on 127.0.0.1 (port $1 or
# $NESTOR_REDIS_PORT, default 6379). Idempotent: installs redis-server only
# when missing and starts it only when nothing answers PING on that port.
# No persistence: test data is disposable.
set -euo pipefail

port="${1:-${NESTOR_REDIS_PORT:-6379}}"

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server >/dev/null
fi

if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
  echo "redis already answering on 127.0.0.1:$port"
  exit 0
fi

redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
  --pidfile "/tmp/nestor-redis-$port.pid" --logfile "/tmp/nestor-redis-$port.log"

for _ in $(seq 1 100); do
  if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
    echo "redis answering on 127.0.0.1:$port"
    exit 0
  fi
  sleep 0.1
done
echo "redis-server did not answer PING on 127.0.0.1:$port within 10s (see /tmp/nestor-redis-$port.log)" >&2
exit 1
