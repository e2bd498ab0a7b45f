#!/usr/bin/env bash
# Builds the three client packages from one tag and proves each installs and
# imports in a scratch project:
#   gen/ts      -> npm tarball   @nestor/catalog-client-X.Y.Z.tgz
#   gen/python  -> wheel         nestor_catalog_client-X.Y.Z-py3-none-any.whl
#   gen/go      -> Go module     github.com/nestor-catalog/nestor-catalog/gen/go,
#                                published by pushing the tag gen/go/vX.Y.Z
# Versions move in lockstep (gen/README.md): the tag must equal every
# package's version, or nothing is built.
#
#   scripts/release.sh vX.Y.Z      artifacts land in dist/release/vX.Y.Z
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

tag="${1:-}"
if [[ ! "${tag}" =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "usage: scripts/release.sh vX.Y.Z (got '${tag}')" >&2
  exit 2
fi
version="${tag#v}"
go_module="github.com/nestor-catalog/nestor-catalog/gen/go"
step() { printf '\n--> release %s: %s\n' "${tag}" "$*"; }

step "versions in lockstep"
ts_version="$(node -p 'require("./gen/ts/package.json").version')"
py_version="$(sed -n 's/^version = "\(.*\)"$/\1/p' gen/python/pyproject.toml)"
py_module_version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' gen/python/src/nestor_catalog/__init__.py)"
go_path="$(cd gen/go && go list -m)"
for pair in "gen/ts/package.json:${ts_version}" "gen/python/pyproject.toml:${py_version}" \
  "nestor_catalog.__version__:${py_module_version}"; do
  if [[ "${pair##*:}" != "${version}" ]]; then
    echo "release: ${pair%%:*} says ${pair##*:}, the tag says ${version}; bump every package together" >&2
    exit 1
  fi
done
if [[ "${go_path}" != "${go_module}" ]]; then
  echo "release: gen/go/go.mod declares ${go_path}, expected ${go_module}" >&2
  exit 1
fi

out="${repo}/dist/release/${tag}"
scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT
rm -rf "${out}"
mkdir -p "${out}"
python="$(bash scripts/tools/install-python-clients-venv.sh)"

step "npm pack gen/ts"
# prepack builds dist/ with the repository's TypeScript.
(cd gen/ts && PATH="${repo}/node_modules/.bin:$PATH" npm pack --loglevel=error --pack-destination "${out}" >/dev/null)
tarball="$(ls "${out}"/nestor-catalog-client-"${version}".tgz)"
contents="$(tar -tzf "${tarball}")"
for entry in package/dist/client/index.js package/dist/client/index.d.ts package/README.md; do
  grep -qx "${entry}" <<<"${contents}" || { echo "release: ${tarball} lacks ${entry}" >&2; exit 1; }
done

step "install the tarball into a scratch npm project and import it"
mkdir -p "${scratch}/ts"
cat > "${scratch}/ts/package.json" <<JSON
{ "name": "scratch-ts", "version": "0.0.0", "private": true, "type": "module" }
JSON
(cd "${scratch}/ts" && npm install --silent --no-audit --no-fund --prefer-offline "${tarball}")
cat > "${scratch}/ts/check.ts" <<'TS'
import { createCatalogClient, watchCatalog, listAllComponents, fieldViolations, CatalogService, Code, type WatchUpdate } from "@nestor/catalog-client";
const client = createCatalogClient("http://127.0.0.1:1", { protocol: "connect", timeoutMs: 1000 });
const update: WatchUpdate = { kind: "progress", revision: 1n };
if (typeof client.watchEvents !== "function" || typeof watchCatalog !== "function" || typeof listAllComponents !== "function") throw new Error("missing exports");
if (CatalogService.typeName !== "nestor.catalog.v1.CatalogService" || fieldViolations(undefined).length !== 0 || Code.OutOfRange !== 11) throw new Error("bad exports");
console.log(`@nestor/catalog-client imports: ${CatalogService.typeName}, ${update.kind}`);
TS
"${repo}/node_modules/.bin/tsc" --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 \
  --typeRoots "${repo}/node_modules/@types" --types node "${scratch}/ts/check.ts"
(cd "${scratch}/ts" && cp check.ts check.mts && "${repo}/node_modules/.bin/tsx" check.mts)

step "wheel for gen/python"
# --no-isolation builds with the pinned venv's setuptools (no download).
rm -rf gen/python/build
"${python}" -m build --wheel --no-isolation --outdir "${out}" gen/python >/dev/null
rm -rf gen/python/build
wheel="$(ls "${out}"/nestor_catalog_client-"${version}"-py3-none-any.whl)"

step "install the wheel into a scratch venv and import it"
python3 -m venv "${scratch}/py"
"${scratch}/py/bin/python" -m pip install --quiet --disable-pip-version-check "${wheel}"
(cd "${scratch}" && "${scratch}/py/bin/python" - <<'PY'
import grpc
import nestor_catalog
from google.rpc import error_details_pb2
from nestor_catalog.v1 import catalog_service_pb2, catalog_service_pb2_grpc

# The package must not shadow the grpc library it depends on.
assert hasattr(grpc, "insecure_channel"), grpc.__file__
assert "site-packages" in nestor_catalog.__file__, nestor_catalog.__file__
assert catalog_service_pb2.DESCRIPTOR.services_by_name["CatalogService"]
assert catalog_service_pb2_grpc.CatalogServiceStub
assert error_details_pb2.BadRequest
print(f"nestor_catalog {nestor_catalog.__version__} imports with grpc {grpc.__version__}")
PY
)

step "Go module ${go_module}"
(cd gen/go && go build ./... && go vet ./...)
mkdir -p "${scratch}/go"
cat > "${scratch}/go/go.mod" <<GOMOD
module scratch

go 1.25.0

require ${go_module} v${version}

replace ${go_module} => ${repo}/gen/go
GOMOD
cat > "${scratch}/go/main.go" <<'GO'
package main

import (
	"fmt"

	catalogv1 "github.com/nestor-catalog/nestor-catalog/gen/go/nestor/catalog/v1"
)

func main() { fmt.Println("gen/go imports:", catalogv1.CatalogService_ServiceDesc.ServiceName) }
GO
(cd "${scratch}/go" && go mod tidy >/dev/null 2>&1 && go run .)

step "done"
echo "  ${tarball}"
echo "  ${wheel}"
echo "  Go: git tag gen/go/${tag} && git push origin gen/go/${tag}; users run: go get ${go_module}@${tag}"
