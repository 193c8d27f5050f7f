#!/usr/bin/env bash
# A renewal that arrives after the lease's expiresAt does not revive it
# (SPEC.md, "Leases"): the operator is stopped (SIGSTOP, as a failover or a
# long pause would) while a short lease is Active; once its status.expiresAt
# has passed, spec.duration is raised to 1h; the operator is resumed. The
# lease must end Expired at the expiresAt it had, never stay Active with a
# deadline recomputed from the new duration.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"

target=e2e-late-$(date +%s)
lease=$target-lease
cleanup() {
  [[ -n $operator_pid ]] && kill -CONT "$operator_pid" 2>/dev/null
  kubectl delete el "$lease" --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete dt "$target" --ignore-not-found --wait=false >/dev/null 2>&1
  finish
}
trap cleanup EXIT

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
start_operator || exit 1

kubectl apply -f - >/dev/null <<OBJECTS
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: $target}
spec:
  environment: stg
  namespace: $target
  leases: {defaultDuration: 4s, maxDuration: 2h, notifyBefore: 1s}
---
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: $lease}
spec: {target: $target, holder: alice@example.com, duration: 4s}
OBJECTS
eventually "the lease is granted" 30 equals Active lease_phase "$lease"
expires_at=$(kubectl get el "$lease" -o jsonpath='{.status.expiresAt}')
check "it has an expiresAt" test -n "$expires_at"

kill -STOP "$operator_pid"
expires_epoch=$(date -d "$expires_at" +%s)
# Bounded: the lease lasts 4 s from its grant.
until (($(date +%s) > expires_epoch + 1)); do sleep 0.2; done
check "while the operator is stopped, the lease's expiresAt passes" test "$(date +%s)" -gt "$expires_epoch"
check "and then its duration is raised to 1h" \
  kubectl patch el "$lease" --type merge -p '{"spec":{"duration":"1h"}}' -o name
kill -CONT "$operator_pid"

eventually "the resumed operator expires the lease" 30 equals Expired lease_phase "$lease"
check "at the expiresAt it had, not one recomputed from the new duration" \
  equals "$expires_at" kubectl get el "$lease" -o jsonpath='{.status.expiresAt}'
check "the target holds no lease" equals "" kubectl get dt "$target" -o jsonpath='{.status.activeLease.name}'
