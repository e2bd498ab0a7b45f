#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (test/web/) when it is
# missing, and prints the binary's path. Idempotent: an installed chromium
# is only located. NESTOR_CHROMIUM names another binary to use instead.
set -euo pipefail

if [ -n "${NESTOR_CHROMIUM:-}" ]; then
  if [ -x "$NESTOR_CHROMIUM" ]; then
    echo "$NESTOR_CHROMIUM"
    exit 0
  fi
  echo "NESTOR_CHROMIUM=$NESTOR_CHROMIUM is not an executable file" >&2
  exit 1
fi

binary=/usr/bin/chromium
if [ ! -x "$binary" ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "chromium is not installed and installing it needs root: apt-get install -y chromium" >&2
    exit 1
  fi
  as_root=()
  [ "$(id -u)" -ne 0 ] && as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  # Another apt-get (a parallel service install) may hold dpkg's lock: wait for it rather than fail.
  "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >&2
fi
if [ ! -x "$binary" ]; then
  echo "apt-get install chromium finished but $binary is missing" >&2
  exit 1
fi
echo "$binary"
