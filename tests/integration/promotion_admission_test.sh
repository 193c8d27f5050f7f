#!/usr/bin/env bash
# Who may approve a promotion, as the API server enforces it with the chart's promotion admission policy
# and user roles: a change to a Workload's spec.promotion.approvals (on create: any approval) needs verb
# approve on that workload, and so does removing an environment from approvalRequired. bob may edit
# workloads but not approve; pat holds the chart's promoter role;
# quinn may approve workload prom-a only (resourceNames). `kubectl labfleet promote` writes the approval
# for pat, is idempotent, refuses an environment the promotion lacks, and reports the API server's refusal
# for bob and for quinn on another workload. Its write is guarded by the resourceVersion it read: the API
# server refuses a stale one with a Conflict (which the plugin retries after a re-read).
# Needs $LABFLEET_CLUSTER_DIR/env.sh (from hack/local-cluster.sh up) and $LABFLEET_PLUGIN; the CRDs come
# from crds/, or from $LABFLEET_CRD_DIR when set.
set -uo pipefail

: "${LABFLEET_CLUSTER_DIR:?LABFLEET_CLUSTER_DIR must name a directory made by hack/local-cluster.sh up}"
: "${LABFLEET_PLUGIN:?LABFLEET_PLUGIN must name the kubectl-labfleet binary}"
# shellcheck source=/dev/null
source "${LABFLEET_CLUSTER_DIR}/env.sh"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
crd_dir="${LABFLEET_CRD_DIR:-${repo_root}/crds}"
# shellcheck source=../lib/checks.sh
source "${repo_root}/tests/lib/checks.sh"
# shellcheck source=../e2e/lib/users.sh
source "${repo_root}/tests/e2e/lib/users.sh"
check_message_chars=600
release=promotion-test
work="$(mktemp -d)"

cleanup() {
  kubectl delete workloads.labfleet.dev prom-a prom-b prom-c prom-d --ignore-not-found --wait=false >/dev/null 2>&1
  [[ -s "${work}/chart.yaml" ]] && kubectl delete -f "${work}/chart.yaml" --ignore-not-found >/dev/null 2>&1
  kubectl delete clusterrolebinding "${release}-pat" "${release}-bob" "${release}-quinn" "${release}-approvers" \
    --ignore-not-found >/dev/null 2>&1
  kubectl delete clusterrole "${release}-editor" "${release}-approve-prom-a" --ignore-not-found >/dev/null 2>&1
  rm -rf "${work}"
}
trap cleanup EXIT

# workload NAME [APPROVALS_JSON]: a Workload promoting 1.5.0 through dev, stg, prod (prod needs approval).
workload() {
  cat <<EOF
{"apiVersion": "labfleet.dev/v1alpha1", "kind": "Workload", "metadata": {"name": "$1"},
 "spec": {"images": {"workshop": {"repository": "w/web"}, "files": {"repository": "w/web-files"}},
          "promotion": {"environments": ["dev", "stg", "prod"], "approvalRequired": ["prod"],
                        "candidate": {"workshop": {"tag": "1.5.0"}, "files": {"tag": "1.5.0"}},
                        "approvals": ${2:-[]}}}}
EOF
}
approval='[{"environment": "prod", "workshop": {"tag": "1.5.0"}, "files": {"tag": "1.5.0"}}]'
# approvals_of NAME: "ENV:WORKSHOP/FILES " per approval of the workload.
approvals_of() {
  kubectl get workloads.labfleet.dev "$1" \
    -o jsonpath='{range .spec.promotion.approvals[*]}{.environment}:{.workshop.tag}/{.files.tag} {end}'
}

# expect_out NAME WANT_RC NEEDLE COMMAND...: the command exits WANT_RC and its output holds NEEDLE.
expect_out() {
  local name="$1" want="$2" needle="$3" out rc
  shift 3
  out="$("$@" 2>&1)"
  rc=$?
  if [[ ${rc} == "${want}" && "${out}" == *"${needle}"* ]]; then
    pass "${name}"
  else
    fail "${name}" "exit ${rc}, want ${want} and '${needle}': ${out}"
  fi
}

as() { local who=$1; shift; "${LABFLEET_PLUGIN}" --kubeconfig "$(user_kubeconfig "${who}")" "$@"; }

check "the CRDs apply" kubectl apply -f "${crd_dir}"
check "the CRDs are established" kubectl wait --for condition=established --timeout=60s -f "${crd_dir}"
if kubectl get crd workloads.labfleet.dev -o jsonpath='{.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.promotion.properties.approvals.type}' |
  grep -qx array; then
  pass "the Workload CRD has spec.promotion.approvals"
else
  fail "the Workload CRD has spec.promotion.approvals" "the API server would prune it: nothing below can pass"
fi

helm template "${release}" "${repo_root}/charts/labfleet" --namespace default \
  --show-only templates/promotion-admission-policy.yaml --show-only templates/user-clusterroles.yaml \
  >"${work}/chart.yaml"
check "the chart's promotion policy and user roles apply" kubectl apply -f "${work}/chart.yaml"
check "bob may edit workloads" kubectl create clusterrole "${release}-editor" \
  --verb=get,list,watch,create,update,patch --resource=workloads.labfleet.dev
check "bind bob" kubectl create clusterrolebinding "${release}-bob" --clusterrole="${release}-editor" --user=bob
check "bind pat to the promoter role" kubectl create clusterrolebinding "${release}-pat" \
  --clusterrole="${release}-labfleet-promoter" --user=pat
check "let the group approvers edit workloads" kubectl create clusterrolebinding "${release}-approvers" \
  --clusterrole="${release}-editor" --group=approvers
cat >"${work}/quinn.yaml" <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${release}-approve-prom-a
rules:
  - apiGroups: [labfleet.dev]
    resources: [workloads]
    verbs: [get, list, watch, patch, update]
  - apiGroups: [labfleet.dev]
    resources: [workloads]
    resourceNames: [prom-a]
    verbs: [approve]
EOF
check "quinn may approve prom-a only" kubectl apply -f "${work}/quinn.yaml"
check "bind quinn" kubectl create clusterrolebinding "${release}-quinn" --clusterrole="${release}-approve-prom-a" \
  --user=quinn

check "create prom-a and prom-b without approvals (as bob)" \
  kubectl --as bob create -f <(workload prom-a) -f <(workload prom-b)
# The policy takes effect once the API server has loaded it: until bob's approval is refused.
refused() { ! kubectl --as bob create --dry-run=server -f <(workload prom-c "${approval}") >/dev/null 2>&1; }
eventually "the promotion policy is in force" 30 refused

expect_out "bob may not create a workload with an approval" 1 \
  "bob may not approve promotions of workload prom-c: changing spec.promotion.approvals needs verb approve on workloads/prom-c" \
  kubectl --as bob create -f <(workload prom-c "${approval}")
expect_out "bob may not add an approval" 1 "needs verb approve on workloads/prom-a in API group labfleet.dev" \
  kubectl --as bob patch workloads.labfleet.dev prom-a --type merge \
  -p "{\"spec\": {\"promotion\": {\"approvals\": ${approval}}}}"
check "bob may change the rest of the workload" kubectl --as bob patch workloads.labfleet.dev prom-a --type merge \
  -p '{"metadata": {"labels": {"team": "web"}}, "spec": {"promotion": {"soak": "20m"}}}'
expect_out "bob may not drop prod's need for approval" 1 \
  "removing an environment from spec.promotion.approvalRequired needs verb approve on workloads/prom-a" \
  kubectl --as bob patch workloads.labfleet.dev prom-a --type merge \
  -p '{"spec": {"promotion": {"approvalRequired": []}}}'
check "bob may make stg need approval too" kubectl --as bob patch workloads.labfleet.dev prom-b --type merge \
  -p '{"spec": {"promotion": {"approvalRequired": ["stg", "prod"]}}}'
check "an approver who may create workloads may create one with an approval" \
  kubectl --as pat --as-group approvers create -f <(workload prom-d "${approval}")

expect_out "promote: pat approves prom-a for prod" 0 "approved 1.5.0 for prod on workload prom-a" \
  as pat promote prom-a --to prod
check "promote: the approval is in spec" equals "prod:1.5.0/1.5.0 " approvals_of prom-a
expect_out "promote: again, nothing to change" 0 "1.5.0 is already approved for prod on workload prom-a" \
  as pat promote prom-a --to prod
expect_out "promote: an environment the promotion lacks is refused" 1 \
  "environment qa is not in spec.promotion.environments of workload prom-a (dev, stg, prod)" \
  as pat promote prom-a --to qa
expect_out "promote: bob is refused by the API server, naming the verb" 1 \
  "bob may not approve promotions of workload prom-b" as bob promote prom-b --to prod
check "promote: bob's refusal wrote nothing" equals "" approvals_of prom-b
expect_out "promote: quinn approves prom-a for stg, told it does not wait for one" 0 \
  "stg is not in spec.promotion.approvalRequired" as quinn promote prom-a --to stg
expect_out "promote: quinn may not approve prom-b" 1 "quinn may not approve promotions of workload prom-b" \
  as quinn promote prom-b --to prod
kubectl patch workloads.labfleet.dev prom-a --type merge \
  -p '{"spec": {"promotion": {"candidate": {"workshop": {"tag": "1.6.0"}, "files": {"tag": "1.6.0"}}}}}' >/dev/null
expect_out "promote: a new candidate's approval replaces the old one for prod" 0 \
  "approved 1.6.0 for prod on workload prom-a" as pat promote prom-a --to prod
check "promote: one approval per environment, the stg one kept" equals "stg:1.5.0/1.5.0 prod:1.6.0/1.6.0 " \
  approvals_of prom-a
# The guard the plugin's write relies on: a merge patch carrying a stale resourceVersion is a Conflict.
expect_out "a write with a stale resourceVersion is refused with a Conflict" 1 "Conflict" \
  kubectl --as pat patch workloads.labfleet.dev prom-a --type merge \
  -p "{\"metadata\": {\"resourceVersion\": \"1\"}, \"spec\": {\"promotion\": {\"approvals\": []}}}"

summary
