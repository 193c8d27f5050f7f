#!/usr/bin/env bash
# Status sizes at 1,000 workloads on one target (issue 20, item 2): a base
# lease's grant once carried a Serving message naming every workload, the
# API server refused it (a condition message over 32 KiB) and the lease, and
# every lease queued behind it, stayed Pending for good. Here 1,000 Workloads
# with long repository names share one target; a base lease is granted while
# all 1,000 still run the channel, a second base lease queues behind it and is
# granted once the first is released (the swap), then it is released too.
# Each step must reach its phase, and the largest status of every kind stays
# under a bound (printed at each step). Workloads run 0 replicas: the
# Deployments roll out without pods, so the test measures Labfleet, not pods.
# It does not wait for the 1,000 rollouts a lease starts (on 2 busy cores
# that takes many minutes): the grant's status, with every rollout pending,
# is the largest one a lease gets.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"

prefix=e2e-sizes
target=$prefix-target
ns=$prefix-ns
count=${LABFLEET_STATUS_SIZE_WORKLOADS:-1000}
# Every status stays under this many bytes: half of what one condition message
# may hold (32768), a hundredth of the API server's request limit.
bound=$((16 * 1024))

cleanup() {
  kubectl delete environmentleases,schedulingpolicies,workloads,deploymenttargets -l "labfleet.dev/e2e=$prefix" \
    --wait=false >/dev/null 2>&1
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
  finish
}
trap cleanup EXIT

progress() { printf '... %s (%ds)\n' "$*" "$SECONDS"; }

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
kubectl delete environmentleases,schedulingpolicies,workloads,deploymenttargets -l "labfleet.dev/e2e=$prefix" \
  --wait=false >/dev/null 2>&1
eventually "no $prefix objects left from an earlier run" 120 \
  bash -c "! kubectl get workloads,deploymenttargets,environmentleases -l labfleet.dev/e2e=$prefix -o name | grep -q . &&
           ! kubectl get namespace $ns >/dev/null 2>&1"

# The fleet: one target, $count workloads with long repository names, one policy.
python3 - "$work/fleet.yaml" "$prefix" "$target" "$ns" "$count" <<'PY'
import sys, yaml
out, prefix, target, ns, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
label = {"labfleet.dev/e2e": prefix}
docs = [{"apiVersion": "labfleet.dev/v1alpha1", "kind": "DeploymentTarget",
         "metadata": {"name": target, "labels": dict(label)},
         "spec": {"environment": "stg", "namespace": ns, "registry": "registry.example.internal:5000",
                  "channel": "stg", "leases": {"defaultDuration": "1h", "maxDuration": "2h"}}}]
for w in range(count):
    name = f"{prefix}-workshop-platform-engineering-{w:04d}"
    repository = f"platform-engineering/learning-center/workshops/{name}"
    docs.append({"apiVersion": "labfleet.dev/v1alpha1", "kind": "Workload",
                 "metadata": {"name": name, "labels": dict(label)},
                 "spec": {"images": {"workshop": {"repository": repository},
                                     "files": {"repository": repository + "-files", "port": 8080}},
                          "workshop": {"title": name, "image": "${WORKSHOP_IMAGE}"},
                          "replicas": 0}})
docs.append({"apiVersion": "labfleet.dev/v1alpha1", "kind": "SchedulingPolicy",
             "metadata": {"name": f"{prefix}-all", "labels": dict(label)},
             "spec": {"workloadSelector": {"matchLabels": dict(label)},
                      "targetSelector": {"matchLabels": dict(label)}}})
with open(out, "w") as f:
    yaml.safe_dump_all(docs, f, sort_keys=False)
PY
progress "creating 1 target, $count workloads and 1 policy"
check "the fleet is created" kubectl create -f "$work/fleet.yaml" -o name
start_operator

# deployments_running TAG: how many files Deployments in the namespace run an image tagged TAG
# and have been seen by the Deployment controller.
deployments_running() {
  kubectl -n "$ns" get deployments -o json 2>/dev/null | python3 -c '
import json, sys
tag = sys.argv[1]
items = json.load(sys.stdin)["items"]
print(sum(1 for d in items
          if d["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":" + tag)
          and d.get("status", {}).get("observedGeneration", 0) >= d["metadata"]["generation"]))' "$1"
}
# wait_count WHAT SECONDS EXPECTED COMMAND...: like eventually, printing progress every 10 s.
wait_count() {
  local what=$1 seconds=$2 expected=$3; shift 3
  local deadline=$((SECONDS + seconds)) next=$((SECONDS + 10)) now
  while now=$("$@" 2>/dev/null); [[ $now != "$expected" ]]; do
    if ((SECONDS >= deadline)); then fail "$what (at $now, not $expected after ${seconds}s)"; return 0; fi
    ((SECONDS >= next)) && { progress "$what: $now of $expected"; next=$((SECONDS + 10)); }
    sleep 1
  done
  pass "$what"
}

largest_seen=0
# sizes STEP: prints the largest status of each kind in bytes and checks each against the bound.
sizes() {
  local step=$1 line kind bytes name
  while read -r kind bytes name; do
    printf '    largest %s status %s: %d bytes (%s)\n' "$kind" "$step" "$bytes" "$name"
    ((bytes > largest_seen)) && largest_seen=$bytes
    check "$kind status $step stays under $bound bytes ($bytes)" test "$bytes" -lt "$bound"
  done < <(kubectl get workloads,deploymenttargets,schedulingpolicies,environmentleases \
             -l "labfleet.dev/e2e=$prefix" -o json | python3 -c '
import json, sys
largest = {}
for item in json.load(sys.stdin)["items"]:
    size = len(json.dumps(item.get("status", {}), separators=(",", ":")))
    kind = item["kind"]
    if size >= largest.get(kind, (-1, ""))[0]:
        largest[kind] = (size, item["metadata"]["name"])
for kind, (size, name) in sorted(largest.items()):
    print(kind, size, name)')
}

wait_count "the operator rolls out all $count workloads on the target's channel" 600 "$count" deployments_running stg
eventually "the target counts $count workloads" 60 \
  equals "$count" kubectl get dt "$target" -o jsonpath='{.status.workloads}'
eventually "the policy counts $count assignments" 60 \
  equals "$count" kubectl get sp "$prefix-all" -o jsonpath='{.status.assignmentCount}'
sizes "before any lease"

# --- grant: a base lease while all $count workloads still run stg; a second one queues behind it
lease() {
  kubectl create -f - -o name <<LEASE
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: $1, labels: {labfleet.dev/e2e: $prefix}}
spec: {target: $target, holder: e2e@example.com, duration: 1h, base: $2, reason: "status sizes at $count workloads"}
LEASE
}
progress "borrowing $target with base prod, then queueing a lease with base rc"
check "a base lease is created" lease "$prefix-a" prod
sleep 1.1  # queued by creationTimestamp: the second lease is created a second later
check "a second base lease is created" lease "$prefix-b" rc
eventually "the first lease is granted (Active)" 60 equals Active lease_phase "$prefix-a"
eventually "the second lease waits (Pending, position 1)" 30 \
  equals "Pending 1" bash -c "kubectl get el $prefix-b -o jsonpath='{.status.phase} {.status.queuePosition}'"
sizes "at the grant"
sizes "while the first lease rolls out"

# --- swap: releasing the first grants the second
progress "releasing the first lease"
check "the first lease is released" kubectl patch el "$prefix-a" --type merge -p '{"spec":{"release":true}}' -o name
eventually "the first lease is Released" 60 equals Released lease_phase "$prefix-a"
eventually "the second lease is granted (Active)" 60 equals Active lease_phase "$prefix-b"
sizes "at the swap"

# --- release: the target returns to its channel
progress "releasing the second lease"
check "the second lease is released" kubectl patch el "$prefix-b" --type merge -p '{"spec":{"release":true}}' -o name
eventually "the second lease is Released" 60 equals Released lease_phase "$prefix-b"
eventually "the target holds no lease" 60 equals "" kubectl get dt "$target" -o jsonpath='{.status.activeLease.name}'
sizes "after the release"
printf '    largest status seen: %d bytes (bound %d)\n' "$largest_seen" "$bound"
