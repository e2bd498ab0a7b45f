#!/usr/bin/env bash
# Installs what scripts/check-deploy.sh runs into <repo>/.tools (idempotent;
# a second run only checks versions) and prints the schema location
# kubeconform validates against:
#   - kubeconform and kustomize, pinned, from the Go module proxy;
#   - deploycheck (scripts/tools/deploycheck), rebuilt when its sources change;
#   - promtool: the one on PATH (Debian's `prometheus` package), else the
#     binary taken out of that package with apt-get download, no root needed;
#   - strict JSON schemas: the Kubernetes definitions kubeconform's module
#     ships plus the ServiceMonitor CRD controller-gen generates from the
#     prometheus-operator API types pinned in deploycheck's go.mod. No network
#     beyond the Go module proxy (and the Debian mirror for promtool).
set -euo pipefail

KUBECONFORM_VERSION="v0.8.0"
# v5.8.3 needs Go 1.27.
KUSTOMIZE_VERSION="v5.8.2"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools_dir="${repo_root}/.tools"
bin_dir="${tools_dir}/bin"
deploycheck_dir="${repo_root}/scripts/tools/deploycheck"

say() { echo "install-deploy-tools: $*" >&2; }

module_version() {
  # Reads the module version recorded in the binary's build info.
  go version -m "$1" 2>/dev/null | awk -v mod="$2" '$1 == "mod" && $2 == mod {print $3}'
}

install_go_binary() {
  local binary="$1" module="$2" package="$3" version="$4"
  local target="${bin_dir}/${binary}"
  if [[ -x "${target}" && "$(module_version "${target}" "${module}")" == "${version}" ]]; then
    return 0
  fi
  say "installing ${package}@${version}"
  GOBIN="${bin_dir}" go install "${package}@${version}" >&2
  if [[ "$(module_version "${target}" "${module}")" != "${version}" ]]; then
    say "${binary} does not report ${version}"
    exit 1
  fi
}

install_deploycheck() {
  local target="${bin_dir}/deploycheck"
  if [[ -x "${target}" && -z "$(find "${deploycheck_dir}" -newer "${target}" -type f -print -quit)" ]]; then
    return 0
  fi
  say "building deploycheck"
  go build -C "${deploycheck_dir}" -o "${target}" . >&2
}

install_promtool() {
  if command -v promtool >/dev/null 2>&1; then
    return 0
  fi
  local target="${bin_dir}/promtool"
  if [[ -x "${target}" ]]; then
    return 0
  fi
  say "promtool not on PATH: taking it from Debian's prometheus package"
  local work
  work="$(mktemp -d)"
  if ! (cd "${work}" && apt-get download prometheus >/dev/null 2>&1); then
    rm -rf "${work}"
    say "could not download Debian's prometheus package: install it (apt-get install prometheus) or put promtool on PATH"
    exit 1
  fi
  dpkg-deb -x "${work}"/prometheus_*.deb "${work}/root"
  install -m 0755 "${work}/root/usr/bin/promtool" "${target}"
  rm -rf "${work}"
}

# Prints the directory holding the strict schemas, generating it when the
# pinned versions or the generator changed.
build_schemas() {
  local key
  key="$(cat "${deploycheck_dir}/go.sum" "${deploycheck_dir}/schemas.go" <(echo "${KUBECONFORM_VERSION}") |
    sha256sum | cut -c1-16)"
  local out="${tools_dir}/deploy-schemas/${key}"
  if [[ -f "${out}/.complete" ]]; then
    echo "${out}"
    return 0
  fi
  say "generating schemas into ${out}"
  rm -rf "${out}"
  mkdir -p "${out}"
  local kubeconform_dir
  kubeconform_dir="$(go mod download -json "github.com/yannh/kubeconform@${KUBECONFORM_VERSION}" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  local crd_dir="${out}/.crd"
  go -C "${deploycheck_dir}" tool controller-gen crd:crdVersions=v1 \
    paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1 \
    "output:crd:dir=${crd_dir}" >&2
  "${bin_dir}/deploycheck" schemas -k8s-fixtures "${kubeconform_dir}/fixtures/cache" \
    -crd "${crd_dir}/monitoring.coreos.com_servicemonitors.yaml" -out "${out}"
  touch "${out}/.complete"
  echo "${out}"
}

if ! command -v go >/dev/null 2>&1; then
  say "the Go toolchain is required (go not on PATH)"
  exit 1
fi
mkdir -p "${bin_dir}"
install_go_binary kubeconform github.com/yannh/kubeconform \
  github.com/yannh/kubeconform/cmd/kubeconform "${KUBECONFORM_VERSION}"
install_go_binary kustomize sigs.k8s.io/kustomize/kustomize/v5 \
  sigs.k8s.io/kustomize/kustomize/v5 "${KUSTOMIZE_VERSION}"
install_deploycheck
install_promtool
build_schemas
