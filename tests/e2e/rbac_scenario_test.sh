#!/usr/bin/env bash
# The end-to-end scenario again, with the operator running as the Helm
# chart's service account (a token from the TokenRequest API) instead of the
# admin: the chart's RBAC must allow everything the operator does. Any
# forbidden request shows as a failed check and in the operator log.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
source "${LABFLEET_CLUSTER_DIR:?run through ctest}/env.sh"
ns=labfleet-rbac-e2e
work=$(mktemp -d)
source "$here/lib/chart_identity.sh"
cleanup() {
  kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1
  kubectl delete clusterrole,clusterrolebinding -l app.kubernetes.io/instance=rbac-e2e >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

kubectl apply -f "$root/crds/" >/dev/null
chart_service_account rbac-e2e "$ns" || { echo "FAIL $chart_error"; echo "0 passed, 1 failed"; exit 1; }
echo "running the scenario as system:serviceaccount:$ns:$chart_sa"
LABFLEET_OPERATOR_KUBECONFIG="$work/chart-kubeconfig" LABFLEET_LEADER_NAMESPACE="$ns" bash "$here/scenario_test.sh"
