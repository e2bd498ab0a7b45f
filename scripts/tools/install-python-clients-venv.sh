#!/usr/bin/env bash
# Creates <repo>/.venv/clients (idempotent) with the pinned Python tools the
# clients need: grpcio-tools (protoc + the gRPC plugin for gen/python), the
# runtime the generated package depends on, pytest and build. Prints the
# venv's python path on stdout; progress goes to stderr.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${repo_root}/.venv/clients"
requirements="${repo_root}/scripts/tools/python-clients-requirements.txt"
stamp="${venv}/.requirements.sha256"

want="$(sha256sum "${requirements}" | cut -d' ' -f1)"
if [[ -x "${venv}/bin/python" && -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]]; then
  echo "${venv}/bin/python"
  exit 0
fi

python3 -m venv "${venv}" >&2
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}" >&2
echo "${want}" > "${stamp}"
echo "${venv}/bin/python"
