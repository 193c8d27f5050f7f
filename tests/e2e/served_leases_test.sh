#!/usr/bin/env bash
# A lease kept in git is granted once even when its target goes away: a lease
# on target T expires and retention deletes it; T is deleted and created
# again; the lease is restored (kubectl plays the GitOps tool) and must be
# finished at once as AlreadyServed, never granted again. Also: retention
# deletes a finished lease whose target does not exist, recording its name
# first; and a restored lease with `release: true` stays AlreadyServed.
set -uo pipefail
# The operator's own namespace is not `default`: the records must land in it.
export LABFLEET_LEADER_NAMESPACE=labfleet-e2e-served-home-$(date +%s)
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"

# Finished leases are deleted this long after they end.
lease_retention=3s
target=e2e-served-$(date +%s)  # events and records outlive a run: names of their own
record=labfleet-served-leases-$target

cleanup() {
  kubectl delete environmentleases -l labfleet.dev/e2e=served-leases --wait=false >/dev/null 2>&1
  kubectl delete deploymenttarget "$target" --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete namespace "$leader_namespace" --ignore-not-found --wait=false >/dev/null 2>&1
  finish
}
trap cleanup EXIT

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
kubectl create namespace "$leader_namespace" >/dev/null 2>&1
start_operator --lease-history-retention="$lease_retention" || exit 1
pass "operator ready"

apply_target() {
  kubectl apply -f - >/dev/null <<TARGET
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: $target}
spec:
  environment: stg
  namespace: $target
  leases: {defaultDuration: 2s, maxDuration: 1h, notifyBefore: 1s}
TARGET
}
# apply_lease NAME [RELEASE]: the lease as kept in git.
apply_lease() {
  kubectl apply -f - >/dev/null <<LEASE
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: $1, labels: {labfleet.dev/e2e: served-leases}}
spec: {target: $target, holder: gitops@example.com, duration: 2s, release: ${2:-false}}
LEASE
}
lease_gone() { ! kubectl get el "$1" >/dev/null 2>&1; }
recorded() { kubectl -n "$leader_namespace" get configmap "$record" -o json | python3 -c '
import json, sys; sys.exit(0 if sys.argv[1] in json.load(sys.stdin).get("data", {}) else 1)' "$1"; }
# already_served NAME: Expired, Ready reason AlreadyServed, never acquired.
already_served() {
  [[ $(lease_phase "$1") == Expired && $(condition el "$1" Ready reason) == AlreadyServed &&
     -z $(kubectl get el "$1" -o jsonpath='{.status.acquiredAt}') ]]
}
grants() {
  kubectl get events -A -o json | python3 -c '
import json, sys
print(sum(e.get("count") or 1 for e in json.load(sys.stdin)["items"]
          if e["reason"] == "LeaseGranted" and e["involvedObject"]["name"] == sys.argv[1]))' "$1"
}

# --- the target is deleted and re-created between retention and the restore
apply_target
first=$target-a
apply_lease "$first"
eventually "the lease is granted" 30 equals Active lease_phase "$first"
eventually "it expires" 30 equals Expired lease_phase "$first"
eventually "retention deletes it" 30 lease_gone "$first"
check "its name is in the target's record before it goes" recorded "$first"
kubectl delete deploymenttarget "$target" --wait=true --timeout=30s >/dev/null
apply_target
apply_lease "$first"
eventually "restored after the target was re-created, it is AlreadyServed" 30 already_served "$first"
sleep 5  # longer than the retention: an AlreadyServed lease is kept, never granted
check "it is still there (never deleted)" kubectl get el "$first"
check "it was granted once (LeaseGranted events)" equals 1 grants "$first"

# --- release: true, restored: AlreadyServed, not Released again
second=$target-b
apply_lease "$second"
eventually "a second lease is granted" 30 equals Active lease_phase "$second"
apply_lease "$second" true
eventually "released" 30 equals Released lease_phase "$second"
eventually "retention deletes the released lease" 30 lease_gone "$second"
apply_lease "$second" true
eventually "restored with release: true, it is AlreadyServed" 30 already_served "$second"
sleep 5
check "and stays so past the retention" already_served "$second"

# --- retention runs when the target does not exist
third=$target-c
apply_lease "$third"
eventually "a third lease is granted" 30 equals Active lease_phase "$third"
kubectl delete deploymenttarget "$target" --wait=true --timeout=30s >/dev/null
eventually "with its target gone, it expires" 30 equals Expired lease_phase "$third"
eventually "retention deletes it without a target" 30 lease_gone "$third"
check "its name was recorded" recorded "$third"
