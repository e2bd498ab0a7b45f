#!/usr/bin/env bash
# Installs grpcurl into <repo>/.tools/bin (idempotent) and prints its path.
# Tests use it to prove server reflection works for a real third-party client.
# Pinned: the newest v1.9.x the Go module proxy serves.
set -euo pipefail

GRPCURL_VERSION="v1.9.4"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin_dir="${repo_root}/.tools/bin"
target="${bin_dir}/grpcurl"

installed_version() {
  # `go install` builds report "dev build" from -version, so read the module
  # version recorded in the binary's build info instead.
  go version -m "${target}" 2>/dev/null |
    awk '$1 == "mod" && $2 == "github.com/fullstorydev/grpcurl" {print $3}'
}

if [[ -x "${target}" && "$(installed_version)" == "${GRPCURL_VERSION}" ]]; then
  echo "${target}"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-grpcurl: the Go toolchain is required (go not on PATH)" >&2
  exit 1
fi

mkdir -p "${bin_dir}"
# Progress goes to stderr so stdout carries only the path.
GOBIN="${bin_dir}" go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@${GRPCURL_VERSION}" >&2

if [[ "$(installed_version)" != "${GRPCURL_VERSION}" ]]; then
  echo "install-grpcurl: installed binary does not report ${GRPCURL_VERSION}" >&2
  exit 1
fi
echo "${target}"
