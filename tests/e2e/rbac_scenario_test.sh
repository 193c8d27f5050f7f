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
cleanup() {
  kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1
  kubectl delete clusterrole,clusterrolebinding -l app.kubernetes.io/instance=rbac-e2e >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

kubectl apply -f "$root/crds/" >/dev/null
kubectl create namespace "$ns" >/dev/null 2>&1 || true
helm template rbac-e2e "$root/charts/labfleet" --namespace "$ns" |
  python3 -c '
import sys, yaml
keep = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
docs = [d for d in yaml.safe_load_all(sys.stdin) if d and d.get("kind") in keep]
print(yaml.safe_dump_all(docs))' > "$work/rbac.yaml"
kubectl apply -f "$work/rbac.yaml" >/dev/null || { echo "FAIL applying the chart's RBAC"; echo "0 passed, 1 failed"; exit 1; }
sa=$(python3 -c 'import sys, yaml; print(next(d["metadata"]["name"] for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "ServiceAccount"))' "$work/rbac.yaml")
token=$(kubectl -n "$ns" create token "$sa" --duration=1h)
server=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
ca=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
cat > "$work/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: operator, user: {token: "$token"}}]
contexts: [{name: operator, context: {cluster: local, user: operator, namespace: $ns}}]
current-context: operator
KUBECONFIG
echo "running the scenario as system:serviceaccount:$ns:$sa"
LABFLEET_OPERATOR_KUBECONFIG="$work/kubeconfig" LABFLEET_LEADER_NAMESPACE="$ns" bash "$here/scenario_test.sh"
