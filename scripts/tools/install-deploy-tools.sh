#!/usr/bin/env bash
# Installs what scripts/check-deploy.sh runs into <repo>/.tools (idempotent;
# a second run only checks versions) and prints, for `eval`, where each tool
# is (KUBECONFORM, KUSTOMIZE, PROMTOOL, DEPLOYCHECK) and the schema location
# kubeconform validates against (DEPLOY_SCHEMAS):
#   - kubeconform and kustomize, pinned, from the Go module proxy;
#   - deploycheck (scripts/tools/deploycheck), built once per version of its
#     sources (.tools may be shared by several checkouts);
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

# Prints a short hash of the files given.
content_key() {
  cat "$@" | sha256sum | cut -c1-16
}

# Prints the path of deploycheck built from the current sources; builds of
# other versions are removed (the Go build cache makes a rebuild cheap).
install_deploycheck() {
  local key
  key="$(find "${deploycheck_dir}" -type f -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16)"
  local target="${tools_dir}/deploycheck/${key}/deploycheck"
  if [[ ! -x "${target}" ]]; then
    say "building deploycheck"
    find "${tools_dir}/deploycheck" -mindepth 1 -maxdepth 1 -type d ! -name "${key}" \
      -exec rm -rf {} + 2>/dev/null || true
    go build -C "${deploycheck_dir}" -o "${target}" . >&2
  fi
  echo "${target}"
}

# Prints the path of promtool.
install_promtool() {
  if command -v promtool; then
    return 0
  fi
  local target="${bin_dir}/promtool"
  if [[ -x "${target}" ]]; then
    echo "${target}"
    return 0
  fi
  say "promtool not on PATH: taking it from Debian's prometheus package"
  local work
  work="$(mktemp -d)"
  if ! (cd "${work}" && apt-get download prometheus >/dev/null 2>&1); then
    rm -rf "${work}"
    say "could not download Debian's prometheus package:" \
      "install it (apt-get install prometheus) or put promtool on PATH"
    exit 1
  fi
  dpkg-deb -x "${work}"/prometheus_*.deb "${work}/root"
  install -m 0755 "${work}/root/usr/bin/promtool" "${target}"
  rm -rf "${work}"
  echo "${target}"
}

# Prints the directory holding the strict schemas, generating it when the
# pinned versions or the generator changed.
build_schemas() {
  local deploycheck="$1" key
  key="$(content_key "${deploycheck_dir}/go.sum" "${deploycheck_dir}/schemas.go" <(echo "${KUBECONFORM_VERSION}"))"
  local out="${tools_dir}/deploy-schemas/${key}"
  if [[ -f "${out}/.complete" ]]; then
    echo "${out}"
    return 0
  fi
  say "generating schemas into ${out}"
  find "${tools_dir}/deploy-schemas" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} + 2>/dev/null || true
  mkdir -p "${out}"
  local kubeconform_dir
  kubeconform_dir="$(go mod download -json "github.com/yannh/kubeconform@${KUBECONFORM_VERSION}" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  local crd_dir="${out}/.crd"
  go -C "${deploycheck_dir}" tool controller-gen crd:crdVersions=v1 \
    paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1 \
    "output:crd:dir=${crd_dir}" >&2
  "${deploycheck}" schemas -k8s-fixtures "${kubeconform_dir}/fixtures/cache" \
    -crd "${crd_dir}/monitoring.coreos.com_servicemonitors.yaml" -out "${out}" >&2
  touch "${out}/.complete"
  echo "${out}"
}

if ! command -v go >/dev/null 2>&1; then
  say "the Go toolchain is required (go not on PATH)"
  exit 1
fi
mkdir -p "${bin_dir}"
# Test files run in parallel and .tools may be shared by several checkouts: one installer at a time.
exec 9>"${tools_dir}/.install-deploy-tools.lock"
flock 9
install_go_binary kubeconform github.com/yannh/kubeconform \
  github.com/yannh/kubeconform/cmd/kubeconform "${KUBECONFORM_VERSION}"
install_go_binary kustomize sigs.k8s.io/kustomize/kustomize/v5 \
  sigs.k8s.io/kustomize/kustomize/v5 "${KUSTOMIZE_VERSION}"
deploycheck="$(install_deploycheck)"
promtool="$(install_promtool)"
schemas="$(build_schemas "${deploycheck}")"
printf 'KUBECONFORM=%q\nKUSTOMIZE=%q\nPROMTOOL=%q\nDEPLOYCHECK=%q\nDEPLOY_SCHEMAS=%q\n' \
  "${bin_dir}/kubeconform" "${bin_dir}/kustomize" "${promtool}" "${deploycheck}" "${schemas}"
