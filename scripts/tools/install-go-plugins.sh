#!/usr/bin/env bash
# Installs the Go code generators buf runs as local plugins into
# <repo>/.tools/bin (idempotent): protoc-gen-go and protoc-gen-go-grpc.
# Pinned so `npm run generate` reproduces gen/go byte for byte; the versions
# are written into every generated file header, so a drift shows in the CI diff.
set -euo pipefail

PROTOC_GEN_GO_VERSION="v1.36.12"
PROTOC_GEN_GO_GRPC_VERSION="v1.6.2"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin_dir="${repo_root}/.tools/bin"

module_version() {
  # Reads the module version recorded in the binary's build info.
  go version -m "$1" 2>/dev/null | awk -v mod="$2" '$1 == "mod" && $2 == mod {print $3}'
}

install_plugin() {
  local binary="$1" module="$2" package="$3" version="$4"
  local target="${bin_dir}/${binary}"
  if [[ -x "${target}" && "$(module_version "${target}" "${module}")" == "${version}" ]]; then
    return 0
  fi
  GOBIN="${bin_dir}" go install "${package}@${version}" >&2
  if [[ "$(module_version "${target}" "${module}")" != "${version}" ]]; then
    echo "install-go-plugins: ${binary} does not report ${version}" >&2
    exit 1
  fi
}

if ! command -v go >/dev/null 2>&1; then
  echo "install-go-plugins: the Go toolchain is required (go not on PATH)" >&2
  exit 1
fi
mkdir -p "${bin_dir}"
install_plugin protoc-gen-go google.golang.org/protobuf \
  google.golang.org/protobuf/cmd/protoc-gen-go "${PROTOC_GEN_GO_VERSION}"
install_plugin protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc \
  google.golang.org/grpc/cmd/protoc-gen-go-grpc "${PROTOC_GEN_GO_GRPC_VERSION}"
echo "${bin_dir}"
