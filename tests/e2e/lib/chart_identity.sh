# The operator as the Helm chart's service account, with the API server's audit log on, and the
# audit-derived RBAC check (lib/rbac_audit.py) of what it used against what the chart grants.
# Source after harness.sh. Any e2e script runs as that identity when LABFLEET_OPERATOR_KUBECONFIG and
# LABFLEET_LEADER_NAMESPACE name it (harness.sh reads them), so a suite can be checked as a whole:
#   chart_identity_on RELEASE NAMESPACE || exit 1   # audit log on, the chart's RBAC, a kubeconfig
#   ...run the operator, or other scripts with chart_identity_env...
#   chart_identity_check NAME [--missing-only] [IMPLIED_FILE]
#   chart_identity_off                              # in the EXIT trap
# shellcheck shell=bash

chart_release=""
chart_namespace=""
chart_sa=""
chart_token=""
chart_rbac="$work/rbac.yaml"
chart_audit_log="$work/audit.log"
chart_previous_audit=$(cat "$LABFLEET_CLUSTER_DIR/audit-log" 2>/dev/null || true)
chart_audit_on=false

# chart_identity_on RELEASE NAMESPACE: restarts kube-apiserver with the audit log on, applies the CRDs
# and the chart's ServiceAccount, roles and bindings (default values), and points operator_kubeconfig
# and leader_namespace at a token of that account. Fails the run's check and returns 1 on a setup error.
chart_identity_on() {
  chart_release=$1
  chart_namespace=$2
  LABFLEET_AUDIT_LOG="$chart_audit_log" bash "$root/hack/local-cluster.sh" restart-apiserver \
    --dir "$LABFLEET_CLUSTER_DIR" >/dev/null || { fail "kube-apiserver restarted with the audit log on"; return 1; }
  chart_audit_on=true
  kubectl apply -f "$root/crds/" >/dev/null
  kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
  chart_service_account "$chart_release" "$chart_namespace" || { fail "the chart's service account: $chart_error"; return 1; }
  operator_kubeconfig="$work/chart-kubeconfig"
  leader_namespace="$chart_namespace"
  echo "the operator runs as system:serviceaccount:$chart_namespace:$chart_sa"
}

# chart_service_account RELEASE NAMESPACE: applies the chart's ServiceAccount, roles and bindings
# (default values) in NAMESPACE and writes $work/chart-kubeconfig with a token of that account; sets
# chart_sa. Needs only $work and kubectl, helm and python3 (rbac_scenario_test.sh uses it alone). On
# an error returns 1 with chart_error saying which step failed.
chart_service_account() {
  local release=$1 namespace=$2 server ca
  chart_error=""
  kubectl create namespace "$namespace" >/dev/null 2>&1 || true
  helm template "$release" "$root/charts/labfleet" --namespace "$namespace" > "$work/chart.yaml" ||
    { chart_error="the chart does not render"; return 1; }
  python3 -c '
import sys, yaml
keep = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
print(yaml.safe_dump_all(d for d in yaml.safe_load_all(sys.stdin) if d and d.get("kind") in keep))' \
    < "$work/chart.yaml" > "$chart_rbac"
  kubectl apply -f "$chart_rbac" >/dev/null || { chart_error="its RBAC does not apply"; return 1; }
  chart_sa=$(python3 -c 'import sys, yaml; print(next(d["metadata"]["name"] for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "ServiceAccount"))' "$chart_rbac")
  chart_token=$(kubectl -n "$namespace" create token "$chart_sa" --duration=2h) ||
    { chart_error="no token for its service account"; return 1; }
  server=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
  cat > "$work/chart-kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: operator, user: {token: "$chart_token"}}]
contexts: [{name: operator, context: {cluster: local, user: operator, namespace: $namespace}}]
current-context: operator
KUBECONFIG
}

# chart_identity_env COMMAND...: runs COMMAND (another e2e script) with the operator as the chart's identity.
chart_identity_env() {
  LABFLEET_OPERATOR_KUBECONFIG="$operator_kubeconfig" LABFLEET_LEADER_NAMESPACE="$leader_namespace" "$@"
}

# chart_identity_check NAME [--missing-only] [IMPLIED_FILE]: the audit-derived check as one case. By
# default the chart must grant exactly what was used; with --missing-only, at least what was used (a
# suite that reaches only part of the operator's requests).
chart_identity_check() {
  local name=$1 flags=()
  shift
  if [[ ${1:-} == --missing-only ]]; then flags=(--missing-only); shift; fi
  python3 "$root/tests/e2e/lib/rbac_audit.py" "${flags[@]}" "$chart_rbac" "$chart_audit_log" \
    "$chart_namespace" "$chart_sa" "$@" > "$work/rbac-diff.txt" 2>&1
  local status=$?
  cat "$work/rbac-diff.txt"
  if ((status == 0)); then pass "$name"; else fail "$name" "$(grep -E '^(missing|extra|the audit)' "$work/rbac-diff.txt")"; fi
}

# chart_identity_off: the chart's cluster-wide RBAC and namespace removed, kube-apiserver restarted
# with its previous audit setting.
chart_identity_off() {
  [[ -n $chart_release ]] &&
    kubectl delete clusterrole,clusterrolebinding -l app.kubernetes.io/instance="$chart_release" >/dev/null 2>&1
  [[ -n $chart_namespace ]] && kubectl delete namespace "$chart_namespace" --wait=false >/dev/null 2>&1
  if [[ $chart_audit_on == true ]]; then
    LABFLEET_AUDIT_LOG="$chart_previous_audit" bash "$root/hack/local-cluster.sh" restart-apiserver \
      --dir "$LABFLEET_CLUSTER_DIR" >/dev/null || fail "kube-apiserver restarted with its previous audit setting"
    chart_audit_on=false
  fi
  return 0
}
