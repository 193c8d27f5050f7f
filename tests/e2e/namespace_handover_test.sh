#!/usr/bin/env bash
# A namespace changing hands, against a real control plane (SPEC.md, "Objects
# produced"): a second target naming a namespace that another target holds
# gets Ready=False/NamespaceConflict and nothing is written for it; once the
# holder is deleted it takes the namespace over and ends with its own objects
# serving (the Deployment, whose selector is immutable, is replaced); a target
# namespace deleted with kubectl is created again and its children come back.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"

ns=labfleet-e2e-handover
wl=e2e-handover
cleanup() {
  kubectl delete wl "$wl" --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete dt e2e-ho-stg e2e-ho-stg2 --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete sp "$wl" --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
  finish
}
trap cleanup EXIT

# target NAME CHANNEL: a DeploymentTarget in $ns selected by the scenario's policy.
target() {
  kubectl apply -f - >/dev/null <<TARGET
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: $1, labels: {e2e: handover}}
spec: {environment: stg, namespace: $ns, registry: registry.example.com, channel: $2}
TARGET
}
field() { kubectl -n "$ns" get "$1" "$2" -o jsonpath="$3"; }
files_image() { field deploy "$wl-files" '{.spec.template.spec.containers[0].image}'; }
# serving TARGET TAG: the Deployment runs TAG, selects TARGET's pods and has a
# ready pod, and the Service selects that target's ready pods.
serving() {
  [[ $(files_image) == "registry.example.com/labs/$wl-files:$2" ]] || return 1
  [[ $(field deploy "$wl-files" '{.spec.selector.matchLabels.labfleet\.dev/target}') == "$1" ]] || return 1
  [[ $(field deploy "$wl-files" '{.status.readyReplicas}') == 1 ]] || return 1
  [[ $(field svc "$wl-files" '{.spec.selector.labfleet\.dev/target}') == "$1" ]] || return 1
  kubectl -n "$ns" get pods -l "labfleet.dev/workload=$wl,labfleet.dev/target=$1" \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -q True
}
ready_reason() { kubectl get dt "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}'; }

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
start_operator || exit 1

target e2e-ho-stg tag-stg
kubectl apply -f - >/dev/null <<OBJECTS
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: $wl, labels: {e2e: handover}}
spec:
  images:
    workshop: {repository: labs/$wl}
    files: {repository: labs/$wl-files, port: 8080}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: $wl}
spec:
  workloadSelector: {matchLabels: {e2e: handover}}
  targetSelector: {matchLabels: {e2e: handover}}
OBJECTS
eventually "the first target's objects serve" 90 serving e2e-ho-stg tag-stg

# --- a second target naming the taken namespace loses and gets nothing
target e2e-ho-stg2 tag-stg2
eventually "shared namespace: the younger target is refused" 30 equals NamespaceConflict ready_reason e2e-ho-stg2
# A barrier: once a new tag reaches the holder, every reconcile that saw the second target has run.
kubectl patch dt e2e-ho-stg --type=merge -p '{"spec":{"channel":"tag-stg-b"}}' >/dev/null
eventually "shared namespace: the holder still follows its own spec" 60 serving e2e-ho-stg tag-stg-b
check "shared namespace: nothing is written for the refused target" \
  equals "" kubectl -n "$ns" get cm,deploy,svc -l labfleet.dev/target=e2e-ho-stg2 -o name
check "shared namespace: the workload lists only the holder" \
  equals e2e-ho-stg kubectl get wl "$wl" -o jsonpath='{.status.targets[*].name}'

# --- handover: the holder is deleted, the waiting target takes the namespace over
kubectl delete dt e2e-ho-stg >/dev/null
eventually "handover: the new target's objects serve (Deployment replaced)" 120 serving e2e-ho-stg2 tag-stg2
eventually "handover: the workload is Ready again" 60 \
  equals True kubectl get wl "$wl" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
eventually "handover: the new target is Ready" 30 equals NamespaceReady ready_reason e2e-ho-stg2
check "handover: nothing of the old target is left" \
  equals "" kubectl -n "$ns" get cm,deploy,svc -l labfleet.dev/target=e2e-ho-stg -o name

# --- the namespace deleted under the operator is created again
# The operator re-creates it within moments of its removal, often between two
# polls, so "created again" is a namespace of another uid, not a gap seen.
ns_uid() { kubectl get namespace "$ns" -o jsonpath='{.metadata.uid}' 2>/dev/null; }
deleted_uid=$(ns_uid)
recreated() { local uid; uid=$(ns_uid) && [[ -n $uid && $uid != "$deleted_uid" ]]; }
kubectl delete namespace "$ns" --wait=false >/dev/null
eventually "namespace delete: created again (a new namespace, not the deleted one)" 120 recreated
eventually "namespace delete: the children are back and serve" 120 serving e2e-ho-stg2 tag-stg2
check "namespace delete: the recreated namespace is labelled as Labfleet's" \
  equals labfleet kubectl get namespace "$ns" -o jsonpath='{.metadata.labels.app\.kubernetes\.io/created-by}'
