#!/usr/bin/env bash
# Crash consistency: the operator is killed with SIGKILL at random moments
# while it converges a fleet (W workloads x T targets, one policy) and grants
# a queue of EnvironmentLeases on one target, restarted, killed again (100
# times by default: enough that kills land between status writes and their
# Events), then left to finish. Afterwards the cluster must hold
# exactly what `labfleet-operator plan` renders for the same CRs (names,
# images, rendered data, owner references to the live Workloads), nothing
# more; and the lease queue must never have had two Active leases on the
# target, nor granted one lease twice, and every lease must have exactly one
# LeaseGranted and one LeaseExpired Event.
#
# Sizes and seed (hack/chaos.sh runs bigger ones): CHAOS_KILLS, CHAOS_WORKLOADS,
# CHAOS_TARGETS, CHAOS_LEASES, CHAOS_SEED.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/harness.sh"
source "$here/lib/replicas.sh"
source "$here/lib/fleet.sh"

kills=${CHAOS_KILLS:-100}
workloads=${CHAOS_WORKLOADS:-20}
targets=${CHAOS_TARGETS:-3}
leases=${CHAOS_LEASES:-3}
seed=${CHAOS_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$seed
prefix=chaos
lease_target=$prefix-t0
sampler_pid=""

cleanup() {
  [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null && wait "$sampler_pid" 2>/dev/null
  stop_all_replicas
  check "no replica was refused a request (no 403)" replicas_refused_nothing
  ((failed > 0)) && show_replica_logs 40
  delete_fleet "$prefix"
  finish
}
trap cleanup EXIT
echo "chaos: $kills kills, $workloads workloads x $targets targets, $leases leases, seed $seed"

prepare_fleet "$prefix" || { fail "prepare the fleet"; exit 1; }

write_fleet "$work/crs" "$prefix" "$workloads" "$targets"
kubectl apply -f "$work/crs/" >/dev/null || { fail "apply the fleet"; exit 1; }
# A queue of short leases on one target, all created before the chaos starts
# (FIFO by creationTimestamp, then name: l1 first), each overriding one
# workload's tag while Active. They expire during or after the chaos, so the
# final images are the base ones the plan shows.
for ((l = 1; l <= leases; l++)); do
  kubectl apply -f - >/dev/null <<LEASE
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: $prefix-l$l, labels: {labfleet.dev/e2e: $prefix}}
spec:
  target: $lease_target
  holder: chaos-$l@example.com
  duration: 4s
  overrides:
    - workload: $prefix-w00
      files: {tag: lease-$l}
LEASE
done

# The lease sampler: every ~0.3 s, one line per poll with the Active leases
# of the target and every lease's acquiredAt (to find a lease granted twice).
sample_leases() {
  while :; do
    kubectl get environmentleases -l "labfleet.dev/e2e=$prefix" -o json 2>/dev/null | python3 -c '
import json, sys, time
items = json.load(sys.stdin)["items"]
active = [i["metadata"]["name"] for i in items
          if i["spec"]["target"] == sys.argv[1] and (i.get("status") or {}).get("phase") == "Active"]
acquired = ["%s=%s" % (i["metadata"]["name"], (i.get("status") or {}).get("acquiredAt", "")) for i in items]
print("%.1f active=%d [%s] %s" % (time.time(), len(active), ",".join(active), " ".join(acquired)))' "$lease_target"
    sleep 0.3
  done
}
sample_leases >"$work/lease-samples" 2>/dev/null &
sampler_pid=$!

# SIGKILL at random moments. Leader election is off: a SIGKILLed holder
# never releases its Lease, so with election on every restart would wait out
# the 15 s lease and the chaos would mostly hit a replica that is not leading
# yet; this test is about the reconcilers' crash consistency, the HA test
# about election.
chaos_started=$SECONDS
died_early=0
for ((i = 1; i <= kills; i++)); do
  start_replica 1 --leader-elect=false
  delay_ms=$((200 + RANDOM % 1801))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"  # chaos timing, not an assertion
  replica_alive 1 || died_early=$((died_early + 1))
  stop_replica 1 KILL
done
echo "chaos: $kills kills in $((SECONDS - chaos_started)) s"
check "the operator never exited by itself between kills" test "$died_early" -eq 0

start_replica 1 --leader-elect=false
eventually "the last start becomes ready" 60 replica_ready 1
eventually "after the chaos the children are exactly the plan's (names, images, data, owners)" $((120 + workloads * targets)) \
  children_match "$work/crs" "$prefix"
check "children: exact comparison with the plan" children_match "$work/crs" "$prefix"
planned_count() { expected_children "$work/crs" "$prefix" | wc -l; }
check "the plan has every pair's three children" equals "$((workloads * targets * 3))" planned_count
no_stale_children() { ! actual_children "$prefix" | grep -E 'owner-stale|labels-mismatch'; }
check "no child has a stale owner or labels of another workload" no_stale_children

# One more kill, and while the operator is down a workload is deleted with
# --cascade=orphan: the garbage collector strips its children's owner
# references and leaves them. Nothing changes them again, so only the next
# start can find them (by their workload label) and prune them.
stop_replica 1 KILL
orphaned=$prefix-w01
kubectl delete workload "$orphaned" --cascade=orphan --timeout=60s >/dev/null || fail "delete $orphaned orphaning its children"
rm "$work/crs/workload-$orphaned.yaml"
orphans() {
  kubectl get configmaps,deployments,services -A -l "labfleet.dev/workload=$orphaned" -o json |
    python3 -c 'import json, sys; print(sum(not i["metadata"].get("ownerReferences") for i in json.load(sys.stdin)["items"]))'
}
check "its $((targets * 3)) children outlive it, without owners" equals "$((targets * 3))" orphans
start_replica 1 --leader-elect=false
eventually "the next start prunes them: the children are the plan's again" 120 children_match "$work/crs" "$prefix"

# --- the lease queue
phases() { kubectl get environmentleases -l "labfleet.dev/e2e=$prefix" -o jsonpath='{.items[*].status.phase}'; }
eventually "every lease was granted and has expired" 120 \
  equals "$(printf 'Expired %.0s' $(seq "$leases") | sed 's/ $//')" phases
kill "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null; sampler_pid=""
check "the lease sampler took samples" test "$(wc -l <"$work/lease-samples")" -ge 10
check "the sampler saw a lease Active" grep -q ' active=1 ' "$work/lease-samples"
check "never two Active leases on the target (samples: $(wc -l <"$work/lease-samples"))" \
  bash -c "! grep -v ' active=[01] ' '$work/lease-samples'"
# A lease granted twice would show two different acquiredAt values over time.
check "no lease was granted twice (acquiredAt never changes once set)" bash -c "
  tr ' ' '\n' <'$work/lease-samples' | grep '^$prefix-l[0-9]*=.' | sort -u | cut -d= -f1 | uniq -d | grep . && exit 1 || exit 0"
check "leases were granted first come, first served" bash -c "
  kubectl get environmentleases -l labfleet.dev/e2e=$prefix -o json | python3 -c '
import json, sys
items = sorted(json.load(sys.stdin)[\"items\"], key=lambda i: (i[\"metadata\"][\"creationTimestamp\"], i[\"metadata\"][\"name\"]))
acquired = [i[\"status\"][\"acquiredAt\"] for i in items]
sys.exit(0 if acquired == sorted(acquired) else \"acquiredAt out of queue order: %s\" % acquired)'"
# Lifecycle Events per lease of this run (by uid: Events of an earlier run's
# same-named leases live on), Event objects plus their series counts: every
# lease was granted and expired once, so exactly one LeaseGranted and one
# LeaseExpired each, however the kills fell between a status write and its Event.
lease_events() {
  kubectl get environmentleases -l "labfleet.dev/e2e=$prefix" -o json >"$work/leases.json" &&
    kubectl get events.events.k8s.io -A -o json | python3 -c '
import json, sys
uids = {i["metadata"]["uid"]: i["metadata"]["name"] for i in json.load(open(sys.argv[1]))["items"]}
counts = {}
for e in json.load(sys.stdin)["items"]:
    name = uids.get((e.get("regarding") or {}).get("uid", ""))
    if e.get("reason") in ("LeaseGranted", "LeaseExpired") and name:
        key = (name, e["reason"])
        counts[key] = counts.get(key, 0) + ((e.get("series") or {}).get("count") or 1)
names = sorted(set(uids.values()))
print(" ".join("%s=%d/%d" % (n, counts.get((n, "LeaseGranted"), 0), counts.get((n, "LeaseExpired"), 0)) for n in names))' "$work/leases.json"
}
expected_events=$(for ((l = 1; l <= leases; l++)); do printf '%s ' "$prefix-l$l=1/1"; done | sed 's/ $//')
eventually "exactly one LeaseGranted and one LeaseExpired event per lease (lease=granted/expired)" 30 \
  equals "$expected_events" lease_events
[[ "$(lease_events)" == "$expected_events" ]] || echo "lease Events (granted/expired): $(lease_events)"
check "the operator is still running" replica_alive 1
echo "chaos: finished in $SECONDS s"
