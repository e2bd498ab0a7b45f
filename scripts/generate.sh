#!/usr/bin/env bash
# Regenerates gen/ from proto/ and third_party/proto/ (`npm run generate`).
# CI runs this and fails if the committed gen/ differs from what it produces,
# so every generator is pinned: protoc-gen-es by package-lock.json, the Go
# plugins by scripts/tools/install-go-plugins.sh, protoc and the gRPC Python
# plugin by scripts/tools/python-clients-requirements.txt (grpcio-tools).
#
# Only generated folders are removed; handwritten files next to them
# (gen/ts/src/client, go.mod, pyproject.toml, READMEs) are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

# TypeScript: the server and @nestor/catalog-client (buf.gen.yaml).
rm -rf gen/ts/src/nestor gen/ts/src/grpc gen/ts/src/google
buf generate

# Go: gen/go, proto/nestor only (buf.gen.go.yaml).
go_bin="$(bash scripts/tools/install-go-plugins.sh)"
rm -rf gen/go/nestor
PATH="${go_bin}:$PATH" buf generate --template buf.gen.go.yaml

# Python: gen/python, proto/nestor only. buf's protoc_builtin plugins need a
# protoc binary on PATH, so this runs the protoc bundled in grpcio-tools.
python="$(bash scripts/tools/install-python-clients-venv.sh)"
py_root=gen/python/src/nestor_catalog
py_out="$(mktemp -d)"
trap 'rm -rf "${py_out}"' EXIT
(cd proto && find nestor -name '*.proto' | LC_ALL=C sort) > "${py_out}/files"
(cd proto && xargs "${python}" -m grpc_tools.protoc -I . \
  --python_out="${py_out}" --pyi_out="${py_out}" --grpc_python_out="${py_out}" < "${py_out}/files")
# nestor/catalog/<version> becomes nestor_catalog.<version>: the top-level
# package is ours alone and shadows nothing (grpc, google).
find "${py_root}" -mindepth 1 -maxdepth 1 -type d -name 'v[0-9]*' -exec rm -rf {} +
for generated in "${py_out}"/nestor/catalog/*/; do
  api_version="$(basename "${generated}")"
  mkdir -p "${py_root}/${api_version}"
  cp "${generated}"* "${py_root}/${api_version}/"
  printf '"""Generated from proto/nestor/catalog/%s by scripts/generate.sh. Do not edit."""\n' "${api_version}" \
    > "${py_root}/${api_version}/__init__.py"
done
# protoc imports siblings absolutely by proto package (nestor.catalog.v1);
# the installed package is nestor_catalog.v1, so point the imports there.
find "${py_root}" \( -name '*.py' -o -name '*.pyi' \) -print0 |
  xargs -0 sed -i 's/^from nestor\.catalog\.\([a-z0-9]*\) import /from nestor_catalog.\1 import /'
