#!/usr/bin/env bash
# Checks what operators copy from deploy/ (or the directory given), with no
# cluster and no network beyond the Go module proxy:
#   - every Kubernetes variant renders with kustomize and every resource in
#     it passes kubeconform -strict (Kubernetes and ServiceMonitor schemas:
#     scripts/tools/install-deploy-tools.sh), and no manifest is left out of
#     every kustomization;
#   - the alert rules pass `promtool check rules`;
#   - the alert rules, their tests and the Grafana dashboards name only
#     metrics and labels in prometheus/metrics.txt, and each dashboard passes
#     Grafana's schema;
#   - the alert rules pass their unit tests (`promtool test rules`).
# Exits non-zero on the first check that fails. test/deploy runs it.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deploy_dir="$(cd "${1:-${repo_root}/deploy}" && pwd)"

step() { printf '==> %s\n' "$*"; }

tools="$(bash "${repo_root}/scripts/tools/install-deploy-tools.sh")"
eval "${tools}"

step "kubernetes: every manifest is part of a kustomization"
k8s_dir="${deploy_dir}/kubernetes"
while IFS= read -r manifest; do
  dir="$(dirname "${manifest}")"
  if ! grep -qE "^[[:space:]]*-[[:space:]]*(path:[[:space:]]*)?$(basename "${manifest}")[[:space:]]*$" \
    "${dir}/kustomization.yaml" 2>/dev/null; then
    echo "${manifest#"${deploy_dir}/"}: not listed in ${dir#"${deploy_dir}/"}/kustomization.yaml, so never checked" >&2
    exit 1
  fi
done < <(find "${k8s_dir}" -name '*.yaml' ! -name kustomization.yaml | sort)

rendered="$(mktemp -d)"
trap 'rm -rf "${rendered}"' EXIT
variants=()
for kustomization in "${k8s_dir}"/*/kustomization.yaml; do
  variant="$(basename "$(dirname "${kustomization}")")"
  [[ "${variant}" == "base" ]] && continue
  variants+=("${variant}")
  step "kubernetes/${variant}: kustomize build"
  "${KUSTOMIZE}" build "$(dirname "${kustomization}")" >"${rendered}/${variant}.yaml"
done
if [[ ${#variants[@]} -eq 0 ]]; then
  echo "no variant under ${k8s_dir} (a directory with a kustomization.yaml besides base)" >&2
  exit 1
fi

step "kubernetes: kubeconform -strict (${variants[*]})"
"${KUBECONFORM}" -strict -summary \
  -schema-location "${DEPLOY_SCHEMAS}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
  "${rendered}"/*.yaml

step "prometheus: promtool check rules"
"${PROMTOOL}" check rules "${deploy_dir}/prometheus/alerts.yaml"

step "metric names in rules, rule tests and dashboards; Grafana dashboard schema"
dashboards=()
for dashboard in "${deploy_dir}"/grafana/*.json; do
  dashboards+=(-dashboard "${dashboard}")
done
"${DEPLOYCHECK}" metrics -metrics "${deploy_dir}/prometheus/metrics.txt" \
  -rules "${deploy_dir}/prometheus/alerts.yaml" \
  -rule-tests "${deploy_dir}/prometheus/alerts.test.yaml" \
  "${dashboards[@]}"

step "prometheus: promtool test rules"
"${PROMTOOL}" test rules "${deploy_dir}/prometheus/alerts.test.yaml"

step "deploy: every check passed"
