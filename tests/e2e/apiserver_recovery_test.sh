#!/usr/bin/env bash
# The operator rides out its control plane: a kube-apiserver restart and an
# etcd compaction, in both orders, never restart the operator process, its
# /readyz comes back to 200, and it converges what changed around them.
# (The runtime's own recovery, an informer resuming after a restart or a
# compaction, is tests/integration/runtime/recovery_test.cpp; this is the
# whole operator: leader election, informers, controllers.)
# (1) Operator running: compact, restart the API server, and right after it is
#     back create a workload, delete another and delete a child by hand.
# (2) Operator paused (SIGSTOP, as in a long pause or a partition) while the
#     API server restarts (its watches die), then a workload is unselected
#     (relabelled: no garbage collector removes its children, only the
#     operator's prune), another's tag changed, a new one created, and etcd
#     compacted: on SIGCONT its watches resume from a compacted
#     resourceVersion (410 Gone) and must relist to see what it missed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/harness.sh"
source "$here/lib/fleet.sh"

prefix=rec
election_id=$prefix-recovery-$$
cluster() { "$root/hack/local-cluster.sh" "$1" --dir "$LABFLEET_CLUSTER_DIR" >/dev/null 2>&1; }
cleanup() {
  [[ -n $operator_pid ]] && kill -CONT "$operator_pid" 2>/dev/null
  kubectl delete workload "$prefix-w01" --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl -n "$leader_namespace" delete lease "$election_id" --ignore-not-found >/dev/null 2>&1
  delete_fleet "$prefix"
  finish
}
trap cleanup EXIT

prepare_fleet "$prefix" || { fail "prepare the fleet"; exit 1; }
# All six workloads are written to $work/all; the cluster (and $work/crs, the
# plan's input) starts with the first three.
write_fleet "$work/all" "$prefix" 6 2
mkdir -p "$work/crs"
cp "$work/all"/deploymenttarget-* "$work/all"/schedulingpolicy-* "$work/crs/"
for w in 00 01 02; do cp "$work/all/workload-$prefix-w$w.yaml" "$work/crs/"; done
kubectl apply -f "$work/crs/" >/dev/null || { fail "apply the fleet"; exit 1; }
add_workload() { cp "$work/all/workload-$prefix-w$1.yaml" "$work/crs/" && kubectl apply -f "$work/crs/workload-$prefix-w$1.yaml" >/dev/null; }
remove_workload() { kubectl delete -f "$work/crs/workload-$prefix-w$1.yaml" --wait=false >/dev/null && rm "$work/crs/workload-$prefix-w$1.yaml"; }

# A leader that cannot renew within the renew deadline steps down and exits
# by design (as controller-runtime does); the deadline here outlasts the
# slowest API server restart, since this test is about riding it out.
start_operator --leader-election-id="$election_id" --leader-election-lease-duration=60s \
  --leader-election-renew-deadline=45s --leader-election-retry-period=2s || exit 1
pid=$operator_pid
ready() { curl -fsS -m 2 "127.0.0.1:$probe_port/readyz" >/dev/null; }
same_process() { kill -0 "$pid" 2>/dev/null && [[ $(ps -o stat= -p "$pid") != Z* ]] && [[ $operator_pid == "$pid" ]]; }
eventually "the operator converges the fleet" 120 children_match "$work/crs" "$prefix"

# --- (1) compact, restart, then changes right after
cluster compact || fail "etcd compaction"
started=$SECONDS
cluster restart-apiserver || fail "API server restart"
echo "API server back after $((SECONDS - started)) s"
add_workload 03
remove_workload 00
kubectl -n "$prefix-t1" delete deploy "$prefix-w01-files" --wait=false >/dev/null
check "restart: the operator process is still the same one" same_process
eventually "restart: /readyz is 200 again" 90 ready
eventually "restart: new workload's children appear, deleted workload's are gone, deleted child is back" 120 \
  children_match "$work/crs" "$prefix"

# --- (2) pause the operator, restart, change things, compact, resume
kill -STOP "$pid"
cluster restart-apiserver || fail "API server restart"
kubectl label workload "$prefix-w01" labfleet.dev/e2e=$prefix-unselected --overwrite >/dev/null
rm "$work/crs/workload-$prefix-w01.yaml"
kubectl patch workload "$prefix-w02" --type=merge -p '{"spec":{"images":{"files":{"tag":"9.9.9"}}}}' >/dev/null
python3 - "$work/crs/workload-$prefix-w02.yaml" <<'PY'
import sys, yaml
path = sys.argv[1]
doc = yaml.safe_load(open(path))
doc["spec"]["images"]["files"]["tag"] = "9.9.9"
yaml.safe_dump(doc, open(path, "w"), sort_keys=False)
PY
add_workload 04
cluster compact || fail "etcd compaction"
kill -CONT "$pid"
check "pause+restart+compact: the operator process is still the same one" same_process
eventually "pause+restart+compact: /readyz is 200 again" 90 ready
eventually "pause+restart+compact: the unselected workload is pruned, the tag change and the new workload converge" 120 \
  children_match "$work/crs" "$prefix"
check "pause+restart+compact: the changed tag is applied" equals "$fleet_registry/workshops/$prefix-w02-files:9.9.9" \
  kubectl -n "$prefix-t0" get deploy "$prefix-w02-files" -o jsonpath='{.spec.template.spec.containers[0].image}'
check "the operator never lost leadership" bash -c "! grep -q 'leadership lost' '$work/operator.log'"
check "the operator is still the same process at the end" same_process
echo "apiserver recovery: finished in $SECONDS s"
