#!/usr/bin/env bash
# Pod settings against a real control plane: a namespace whose ResourceQuota
# requires limits refuses pods without them (checked first, so the test means
# something), and gets running files-server pods once its DeploymentTarget
# sets spec.pod.resources. The merged settings of target and workload land on
# the pod template with quantities in the server's own text, so the operator
# stays quiet; a setting taken away is removed; a workload request above the
# target's limit writes nothing and makes the workload Degraded.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"

ns=labfleet-pod-quota
priority_class=labfleet-e2e-workshops
cleanup() {
  kubectl delete wl e2e-quota e2e-plain --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete dt e2e-quota --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete sp e2e-quota --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete priorityclass "$priority_class" --ignore-not-found >/dev/null 2>&1
  finish
}
trap cleanup EXIT

template() { kubectl -n "$ns" get deploy "$1" -o jsonpath="{.spec.template$2}"; }
ready_pods() {
  kubectl -n "$ns" get pods -l "labfleet.dev/workload=$1" \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True
}
applies_of() { grep -c "applying child.*$ns/$1" "$work/operator.log"; }

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null

# --- the quota bites: a Deployment without limits gets no pods in this namespace
kubectl create namespace "$ns" >/dev/null
kubectl apply -f - >/dev/null <<QUOTA
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: $ns}
spec:
  hard: {limits.cpu: "4", limits.memory: 2Gi, requests.cpu: "2", requests.memory: 1Gi}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: $priority_class}
value: 1000
description: Labfleet e2e pod settings.
QUOTA
kubectl -n "$ns" create deployment no-limits --image=example.com/files:1 >/dev/null
eventually "control: a pod without limits is refused by the quota" 60 \
  bash -c "kubectl -n $ns get events --field-selector reason=FailedCreate -o jsonpath='{.items[*].message}' |
    grep -q 'must specify limits'"
check "control: no pod exists for it" equals "" kubectl -n "$ns" get pods -l app=no-limits -o name
kubectl -n "$ns" delete deployment no-limits >/dev/null

start_operator || exit 1
pass "operator ready"

# Quantities in several spellings, each written back by the server in its own form.
kubectl apply -f - >/dev/null <<'OBJECTS'
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata:
  name: e2e-quota
  labels: {labfleet.dev/e2e: pod-settings}
spec:
  environment: quota
  namespace: labfleet-pod-quota
  pod:
    resources:
      requests: {cpu: "0.1", memory: 0.0625Gi}
      limits: {cpu: "0.5", memory: 128Mi}
    imagePullSecrets: [{name: regcred}]
    nodeSelector: {kubernetes.io/os: linux, type: kwok}
    tolerations:
      - {key: dedicated, operator: Equal, value: workshops, effect: NoSchedule}
    priorityClassName: labfleet-e2e-workshops
    labels: {cost-center: platform}
    annotations: {example.com/owner: platform-team}
    securityContext: {runAsUser: 101, runAsGroup: 101}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata:
  name: e2e-quota
  labels: {labfleet.dev/e2e: pod-settings}
spec:
  images:
    workshop: {repository: workshops/quota}
    files: {repository: workshops/quota-files}
  replicas: 2
  pod:
    resources:
      limits: {memory: 0.25Gi}
    imagePullSecrets: [{name: team-registry}]
    tolerations:
      - {key: spot, operator: Exists}
    labels: {cost-center: education}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata:
  name: e2e-plain
  labels: {labfleet.dev/e2e: pod-settings}
spec:
  images:
    workshop: {repository: workshops/plain}
    files: {repository: workshops/plain-files}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata:
  name: e2e-quota
spec:
  workloadSelector: {matchLabels: {labfleet.dev/e2e: pod-settings}}
  targetSelector: {matchLabels: {labfleet.dev/e2e: pod-settings}}
OBJECTS

eventually "the files Deployment is created" 60 kubectl -n "$ns" get deploy e2e-quota-files
eventually "pods are created under the quota and become Ready" 90 equals 2 ready_pods e2e-quota
eventually "a workload without settings of its own runs on the target's" 90 equals 1 ready_pods e2e-plain
eventually "Workload Ready" 60 equals True condition wl e2e-quota Ready status
check "resources merged, in the server's text" \
  equals '{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"64Mi"}}' \
  bash -c "kubectl -n $ns get deploy e2e-quota-files -o json |
    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[\"spec\"][\"template\"][\"spec\"][\"containers\"][0][\"resources\"], sort_keys=True, separators=(\",\",\":\")))'"
check "imagePullSecrets: the target's, then the workload's" equals "regcred team-registry" \
  template e2e-quota-files '.spec.imagePullSecrets[*].name'
check "tolerations: the union" equals "dedicated spot" template e2e-quota-files '.spec.tolerations[*].key'
check "nodeSelector from the target" equals "kwok" template e2e-quota-files '.spec.nodeSelector.type'
check "priorityClassName from the target" equals "$priority_class" template e2e-quota-files '.spec.priorityClassName'
check "pod label: the workload's value wins" equals "education" template e2e-quota-files '.metadata.labels.cost-center'
check "pod annotation from the target" equals "platform-team" template e2e-quota-files '.metadata.annotations.example\.com/owner'
check "securityContext: IDs set, restricted defaults kept" equals "101 101 true RuntimeDefault" \
  bash -c "kubectl -n $ns get deploy e2e-quota-files -o jsonpath='{.spec.template.spec.securityContext}' |
    python3 -c 'import json,sys; c=json.load(sys.stdin); print(c[\"runAsUser\"], c[\"runAsGroup\"], str(c[\"runAsNonRoot\"]).lower(), c[\"seccompProfile\"][\"type\"])'"
check "pods got the priority of the class" equals "1000" \
  bash -c "kubectl -n $ns get pods -l labfleet.dev/workload=e2e-quota -o jsonpath='{.items[0].spec.priority}'"

# --- quiet: the live Deployment compares equal, so it is not applied again
# The nudge's reconcile is proven by the Workload reconcile counter: idle
# before the nudge, so the reconcile that moves it is the nudged one.
eventually "quiet: the operator is idle before the nudge" 60 operator_settled
before=$(applies_of e2e-quota-files)
reconciles=$(workload_reconciles) || { fail "quiet: the operator's /metrics answers"; exit 1; }
generation=$(kubectl -n "$ns" get deploy e2e-quota-files -o jsonpath='{.metadata.generation}')
kubectl annotate wl e2e-quota labfleet.dev/e2e-nudge="$(date +%s)" --overwrite >/dev/null  # a reconcile
eventually "quiet: the nudged reconcile ran and the operator is idle again" 30 operator_settled "$((reconciles + 1))"
check "no further apply of the Deployment (quantities round-trip)" equals "$before" applies_of e2e-quota-files
check "Deployment generation unchanged" equals "$generation" \
  kubectl -n "$ns" get deploy e2e-quota-files -o jsonpath='{.metadata.generation}'

# --- a setting taken away is removed from the Deployment
kubectl patch dt e2e-quota --type=json -p '[{"op":"remove","path":"/spec/pod/nodeSelector"},
  {"op":"remove","path":"/spec/pod/tolerations"}]' >/dev/null
eventually "removed nodeSelector is gone from the pod template" 30 equals "" template e2e-quota-files '.spec.nodeSelector'
check "the workload's toleration stays, the target's is gone" equals "spot" template e2e-quota-files '.spec.tolerations[*].key'
eventually "pods roll and are Ready again" 90 equals True condition wl e2e-quota Ready status

# --- a workload request above the target's limit: nothing written, Degraded naming both fields
generation=$(kubectl -n "$ns" get deploy e2e-quota-files -o jsonpath='{.metadata.generation}')
kubectl patch wl e2e-quota --type=merge -p '{"spec":{"pod":{"resources":{"requests":{"cpu":"1"}}}}}' >/dev/null
eventually "Degraded=True with reason InvalidPodSettings" 30 equals InvalidPodSettings condition wl e2e-quota Degraded reason
check "the message names both fields" bash -c "kubectl get wl e2e-quota -o jsonpath='{.status.conditions[?(@.type==\"Degraded\")].message}' |
  grep -q 'spec.pod.resources.requests.cpu 1 of Workload e2e-quota exceeds spec.pod.resources.limits.cpu 500m of DeploymentTarget e2e-quota'"
eventually "an InvalidPodSettings Event is recorded" 30 \
  bash -c "kubectl get events -A --field-selector reason=InvalidPodSettings -o name | grep -q ."
check "the running Deployment is left as it was" equals "$generation" \
  kubectl -n "$ns" get deploy e2e-quota-files -o jsonpath='{.metadata.generation}'
kubectl patch wl e2e-quota --type=json -p '[{"op":"remove","path":"/spec/pod/resources/requests"}]' >/dev/null
eventually "fixed: Degraded=False again" 30 equals False condition wl e2e-quota Degraded status
check "operator still running" kill -0 "$operator_pid"
