#!/usr/bin/env bash
# Labfleet never takes over what it did not create (SPEC.md, "Objects
# produced"): a Deployment `x-files` someone else made is left exactly as it
# is, the Workload says so (Degraded/ObjectNotOwned) with a Warning Event
# naming the object, and the other children are still made; a target in a
# namespace on the deny-list (kube-system) is refused and nothing is written
# there.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"

ns=labfleet-e2e-foreign
cleanup() {
  kubectl delete wl x e2e-sys --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete dt e2e-foreign e2e-sys --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete sp e2e-foreign e2e-sys --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
  finish
}
trap cleanup EXIT

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null

# Someone else's Deployment, with the name Labfleet would give workload x's files server.
kubectl create namespace "$ns" >/dev/null
kubectl -n "$ns" create deployment x-files --image=nginx:1.25 >/dev/null
before=$(kubectl -n "$ns" get deploy x-files -o jsonpath='{.metadata.generation}')
uid=$(kubectl -n "$ns" get deploy x-files -o jsonpath='{.metadata.uid}')
# foreign FIELDS: a jsonpath of the foreign Deployment, failing unless it is
# the very object made above (not deleted, not replaced by another).
foreign() {
  local out
  out=$(kubectl -n "$ns" get deploy x-files --show-managed-fields -o jsonpath="{.metadata.uid}|$1") || return 1
  [[ ${out%%|*} == "$uid" ]] || return 1
  printf '%s' "${out#*|}"
}

start_operator || exit 1
kubectl apply -f - >/dev/null <<OBJECTS
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: e2e-foreign, labels: {e2e: foreign}}
spec: {environment: qa, namespace: $ns}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: x, labels: {e2e: foreign}}
spec:
  images:
    workshop: {repository: labs/x}
    files: {repository: labs/x-files}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: e2e-foreign}
spec:
  workloadSelector: {matchLabels: {e2e: foreign}}
  targetSelector: {matchLabels: {e2e: foreign}}
OBJECTS
eventually "foreign object: the workload is Degraded, ObjectNotOwned" 60 equals ObjectNotOwned condition wl x Degraded reason
check "foreign object: the condition names the object" \
  bash -c "kubectl get wl x -o jsonpath='{.status.conditions[?(@.type==\"Degraded\")].message}' | grep -q 'Deployment $ns/x-files'"
eventually "foreign object: a Warning Event names it" 30 \
  bash -c "kubectl get events -A -o jsonpath='{range .items[*]}{.type} {.reason} {.note}{.message}{\"\n\"}{end}' | grep -q 'Warning ObjectNotOwned .*x-files'"
eventually "foreign object: the other children are made" 30 kubectl -n "$ns" get cm x-workshop
# Each of these reads the object through foreign, so a deleted or replaced one fails them all.
check "foreign object: still there, the same object (same uid)" foreign ""
check "foreign object: the Deployment's spec is untouched (same generation)" \
  equals "$before" foreign '{.metadata.generation}'
# no_labfleet_manager: its fields have managers (kubectl's), none of them Labfleet.
no_labfleet_manager() {
  local managers
  managers=$(foreign '{.metadata.managedFields[*].manager}') && [[ -n $managers ]] || return 1
  ! grep -qw labfleet <<<"$managers" || { echo "managers: $managers"; return 1; }
}
check "foreign object: no field of it written by Labfleet" no_labfleet_manager
# not_labfleets: no managed-by label and no ownerReference.
not_labfleets() {
  local marks
  marks=$(foreign '{.metadata.labels.app\.kubernetes\.io/managed-by}{.metadata.ownerReferences}') || return 1
  [[ -z $marks ]] || { echo "$marks"; return 1; }
}
check "foreign object: not labelled or owned by Labfleet" not_labfleets
check "foreign object: still runs its own image" \
  equals nginx:1.25 foreign '{.spec.template.spec.containers[0].image}'

# --- a target in kube-system is refused
kubectl apply -f - >/dev/null <<OBJECTS
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: e2e-sys, labels: {e2e: sys}}
spec: {environment: qa, namespace: kube-system}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: e2e-sys, labels: {e2e: sys}}
spec:
  images:
    workshop: {repository: labs/sys}
    files: {repository: labs/sys-files}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: e2e-sys}
spec:
  workloadSelector: {matchLabels: {e2e: sys}}
  targetSelector: {matchLabels: {e2e: sys}}
OBJECTS
eventually "deny-list: the kube-system target is refused" 30 equals NamespaceDenied condition dt e2e-sys Ready reason
eventually "deny-list: the workload has no target" 30 equals NoTargets condition wl e2e-sys Ready reason
check "deny-list: nothing written in kube-system" \
  equals "" kubectl -n kube-system get cm,deploy,svc -l labfleet.dev/workload=e2e-sys -o name
