#!/usr/bin/env bash
# Checks the Helm chart: its CRDs equal crds/, it lints (also --strict), it renders with defaults and with
# the monitoring objects on, the default render is accepted by a real kube-apiserver (server dry-run), its
# alert rules pass promtool (when installed), and its RBAC grants exactly what the operator needs: the
# rendered ServiceAccount, roles and bindings are applied for real and probed with kubectl auth can-i.
# Needs $LABFLEET_CLUSTER_DIR/env.sh (from hack/local-cluster.sh up), which sets KUBECONFIG and PATH.
set -euo pipefail

: "${LABFLEET_CLUSTER_DIR:?LABFLEET_CLUSTER_DIR must name a directory made by hack/local-cluster.sh up}"
# shellcheck source=/dev/null
source "${LABFLEET_CLUSTER_DIR}/env.sh"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
chart="${repo_root}/charts/labfleet"
release="chart-test"
ns="labfleet-chart-test"
sa="system:serviceaccount:${ns}:${release}-labfleet"
lease_name="labfleet-operator"
crd_names=(deploymenttargets.labfleet.dev workloads.labfleet.dev schedulingpolicies.labfleet.dev
  environmentleases.labfleet.dev)

# shellcheck source=../lib/checks.sh
source "${repo_root}/tests/lib/checks.sh"
check_message_chars=600
work_dir="$(mktemp -d)"

# expect_contains NAME FILE NEEDLE...: passes when every needle is in the file.
expect_contains() {
  local name="$1" file="$2" needle
  shift 2
  for needle in "$@"; do
    if ! grep -qF -- "${needle}" "${file}"; then
      fail "${name}" "missing '${needle}'"
      return 0
    fi
  done
  pass "${name}"
}

# can_i WANT VERB RESOURCE [ARGS...]: WANT is yes or no; asks the API server as the chart's ServiceAccount.
# Cluster-scoped resources are asked with --all-namespaces. Any warning (e.g. an unknown resource type,
# which makes every answer "no") fails the check.
can_i() {
  local want="$1" got warnings
  shift
  got="$(kubectl auth can-i "$@" --as="${sa}" 2>"${work_dir}/can-i.err" || true)"
  warnings="$(cat "${work_dir}/can-i.err")"
  if [[ -n "${warnings}" ]]; then
    fail "can-i ${want}: $*" "got '${got}' with: ${warnings}"
  elif [[ "${got}" == "${want}" ]]; then
    pass "can-i ${want}: $*"
  else
    fail "can-i ${want}: $*" "got '${got}'"
  fi
}

# rendered_kinds FILE KIND...: the documents of these kinds from a multi-document render.
rendered_kinds() {
  local file="$1"
  shift
  python3 - "${file}" "$@" <<'PY'
import sys, yaml
kinds = set(sys.argv[2:])
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") in kinds]
print(yaml.safe_dump_all(docs, sort_keys=False), end="")
PY
}

# delete_test_objects: removes what this test creates, whether or not it exists, and waits until the
# namespace is gone. Without kube-controller-manager (a --minimal cluster) nothing finalizes a deleted
# namespace; its contents are deleted here first, so it is then finalized directly.
delete_test_objects() {
  if [[ -s "${work_dir}/rbac.yaml" ]]; then
    kubectl delete -f "${work_dir}/rbac.yaml" --ignore-not-found >/dev/null 2>&1 || true
  fi
  kubectl delete clusterrole,clusterrolebinding -l "app.kubernetes.io/instance=${release}" --ignore-not-found \
    >/dev/null 2>&1 || true
  kubectl get namespace "${ns}" >/dev/null 2>&1 || return 0
  kubectl delete serviceaccount,role,rolebinding --all --namespace "${ns}" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete namespace "${ns}" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if ! kubectl wait --for=delete "namespace/${ns}" --timeout=20s >/dev/null 2>&1; then
    kubectl get namespace "${ns}" -o json 2>/dev/null |
      python3 -c 'import json, sys; d = json.load(sys.stdin); d["spec"]["finalizers"] = []; print(json.dumps(d))' |
      kubectl replace --raw "/api/v1/namespaces/${ns}/finalize" -f - >/dev/null 2>&1 || true
    kubectl wait --for=delete "namespace/${ns}" --timeout=20s >/dev/null 2>&1 || true
  fi
}

# crds_present: whether every labfleet.dev CRD is installed.
crds_present() {
  kubectl get crd "${crd_names[@]}" >/dev/null 2>&1
}

cleanup() {
  delete_test_objects
  # CRDs this test installed stay: they equal crds/, which every later test
  # applies, and deleting them could leave one terminating (refusing creates)
  # when the next test starts.
  rm -rf "${work_dir}"
}
trap cleanup EXIT
delete_test_objects

# --- the chart's CRDs are the repository's ---------------------------------------------------------------
check "check-chart: chart CRDs equal crds/" bash "${repo_root}/hack/check-chart.sh"

# --- every values.yaml key is commented (on the line above, or inline) ------------------------------------
if out="$(python3 - "${chart}/values.yaml" 2>&1 <<'PY'
import re, sys
previous, bare = "", []
for number, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if re.match(r"^\s*(- )?[A-Za-z_][\w.-]*:", line) and "#" not in line and not previous.lstrip().startswith("#"):
        bare.append(f"line {number}: {line.strip()}")
    if line.strip():
        previous = line
sys.exit("; ".join(bare) if bare else 0)
PY
)"; then
  pass "values.yaml: every key commented"
else
  fail "values.yaml: every key commented" "${out}"
fi

# --- lint and render -------------------------------------------------------------------------------------
check "helm lint" helm lint "${chart}"
check "helm lint --strict" helm lint --strict "${chart}"
check "helm lint --strict with monitoring and dashboard" helm lint --strict "${chart}" \
  --set serviceMonitor.enabled=true --set prometheusRule.enabled=true --set dashboard.enabled=true

default_render="${work_dir}/default.yaml"
monitoring_render="${work_dir}/monitoring.yaml"
if out="$(helm template "${release}" "${chart}" --namespace "${ns}" 2>&1)"; then
  printf '%s\n' "${out}" >"${default_render}"
  pass "helm template defaults"
else
  fail "helm template defaults" "${out}"
fi
if out="$(helm template "${release}" "${chart}" --namespace "${ns}" --set serviceMonitor.enabled=true \
  --set prometheusRule.enabled=true --set dashboard.enabled=true 2>&1)"; then
  printf '%s\n' "${out}" >"${monitoring_render}"
  pass "helm template with serviceMonitor, prometheusRule and dashboard"
else
  fail "helm template with serviceMonitor, prometheusRule and dashboard" "${out}"
fi
touch "${default_render}" "${monitoring_render}"

expect_contains "default render: secure pod" "${default_render}" "runAsNonRoot: true" "runAsUser: 65532" \
  "type: RuntimeDefault" "- ALL" "readOnlyRootFilesystem: true" "allowPrivilegeEscalation: false" \
  "automountServiceAccountToken: true"
expect_contains "default render: HA and probes" "${default_render}" "replicas: 2" "--leader-elect=true" \
  "--leader-election-namespace=${ns}" "path: /healthz" "path: /readyz" "kind: PodDisruptionBudget"
if grep -qE '^kind: (ServiceMonitor|PrometheusRule)$' "${default_render}"; then
  fail "default render: no monitoring objects" "ServiceMonitor or PrometheusRule rendered by default"
else
  pass "default render: no monitoring objects"
fi
expect_contains "monitoring render: objects and alerts" "${monitoring_render}" "kind: ServiceMonitor" \
  "kind: PrometheusRule" "alert: LabfleetOperatorDown" "alert: LabfleetReconcileErrors" \
  "alert: LabfleetLeaseExpiryLagHigh" "alert: LabfleetNoLeader" "labfleet.json:"
if out="$(python3 - "${default_render}" 2>&1 <<'PY'
import sys, yaml
bad = [f"{d['kind']}/{d['metadata']['name']}: {rule}"
       for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") in ("ClusterRole", "Role")
       for rule in d.get("rules", [])
       if any("*" in v for key in ("apiGroups", "resources", "verbs", "resourceNames") for v in rule.get(key, []))]
sys.exit("; ".join(bad) if bad else 0)
PY
)"; then
  pass "rbac: no wildcards"
else
  fail "rbac: no wildcards" "${out}"
fi

# The values schema refuses a bad value with a message naming the key.
if out="$(helm template "${release}" "${chart}" --set logFormat=xml 2>&1)"; then
  fail "values schema refuses logFormat=xml" "rendered"
elif [[ "${out}" == *logFormat* ]]; then
  pass "values schema refuses logFormat=xml"
else
  fail "values schema refuses logFormat=xml" "${out}"
fi

# --- the default render is accepted by the API server ----------------------------------------------------
check "create namespace ${ns}" kubectl create namespace "${ns}"
check "kubectl apply --dry-run=server (default render)" \
  kubectl apply --dry-run=server --namespace "${ns}" -f "${default_render}"

# --- alert rules are valid Prometheus rules --------------------------------------------------------------
if command -v promtool >/dev/null 2>&1; then
  rules_file="${work_dir}/rules.yaml"
  if out="$(python3 - "${monitoring_render}" "${rules_file}" 2>&1 <<'PY'
import sys, yaml
rules = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "PrometheusRule"]
if len(rules) != 1:
    sys.exit(f"want one PrometheusRule, found {len(rules)}")
yaml.safe_dump({"groups": rules[0]["spec"]["groups"]}, open(sys.argv[2], "w"), sort_keys=False)
PY
  )"; then
    check "promtool check rules" promtool check rules "${rules_file}"
  else
    fail "promtool check rules" "${out}"
  fi
else
  echo "skip promtool check rules: promtool not installed"
fi

# --- RBAC: apply the rendered identity and roles for real, then ask the authorizer -----------------------
# can-i resolves resource names through discovery, so the chart's CRDs must be installed.
if crds_present; then
  pass "chart CRDs present"
elif out="$(kubectl apply -f "${chart}/crds" 2>&1)" &&
  out="$(kubectl wait --for condition=established --timeout=60s "${crd_names[@]/#/crd/}" 2>&1)"; then
  # Discovery is cached per kubeconfig; a fresh lookup makes can-i see the new kinds.
  kubectl api-resources --api-group=labfleet.dev >/dev/null 2>&1 || true
  pass "install chart CRDs"
else
  fail "install chart CRDs" "${out}"
fi
rendered_kinds "${default_render}" ServiceAccount ClusterRole ClusterRoleBinding Role RoleBinding \
  >"${work_dir}/rbac.yaml"
check "apply rendered RBAC" kubectl apply --namespace "${ns}" -f "${work_dir}/rbac.yaml"

can_i yes list workloads.labfleet.dev --all-namespaces
can_i yes watch environmentleases.labfleet.dev --all-namespaces
can_i yes patch workloads.labfleet.dev --subresource=status --all-namespaces
can_i yes update environmentleases.labfleet.dev --subresource=status --all-namespaces
can_i yes delete environmentleases.labfleet.dev --all-namespaces
can_i yes create deployments.apps --all-namespaces
can_i yes create deployments.apps --namespace workshops-stg
can_i yes patch configmaps --namespace workshops-stg
can_i yes delete services --namespace workshops-stg
can_i yes create namespaces --all-namespaces
can_i yes create events.events.k8s.io --namespace default
can_i yes patch events.events.k8s.io --namespace workshops-stg
can_i yes create leases.coordination.k8s.io --namespace "${ns}"
can_i yes update "leases.coordination.k8s.io/${lease_name}" --namespace "${ns}"
can_i yes get "leases.coordination.k8s.io/${lease_name}" --namespace "${ns}"
can_i no get secrets --namespace "${ns}"
can_i no list secrets --all-namespaces
can_i no delete namespaces --all-namespaces
can_i no update workloads.labfleet.dev --all-namespaces
can_i no patch workloads.labfleet.dev --all-namespaces
can_i no create workloads.labfleet.dev --all-namespaces
can_i no update deploymenttargets.labfleet.dev --all-namespaces
can_i no delete workloads.labfleet.dev --all-namespaces
can_i no create clusterroles.rbac.authorization.k8s.io --all-namespaces
can_i no create rolebindings.rbac.authorization.k8s.io --namespace "${ns}"
can_i no update leases.coordination.k8s.io/someone-elses-lease --namespace "${ns}"
can_i no create leases.coordination.k8s.io --namespace default
can_i no create pods --namespace workshops-stg
can_i no list events.events.k8s.io --namespace default

summary
