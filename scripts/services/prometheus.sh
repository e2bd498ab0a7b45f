#!/usr/bin/env bash
# Installs Debian's `prometheus` package (the server and promtool) when
# missing, for the metrics tests; prints the directory holding both binaries.
# Idempotent. Starts no server: each test runs its own on a free port with its
# own config and data dir. A server the package itself started is stopped, so
# nothing scrapes or holds port 9090 behind the tests' backs.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  echo "prometheus.sh: installing prometheus" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2 ||
    { as_root apt-get update -qq >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2; }
  as_root pkill -x prometheus 2>/dev/null || true
fi
dirname "$(command -v prometheus)"
