#!/usr/bin/env bash
# Crash quarantine against a real control plane: one Workload's reconcile
# aborts the operator (the test-only hook LABFLEET_TEST_ABORT_IN_RECONCILE),
# and the operator is started again on the same --crash-record-dir, as the
# kubelet restarts a container with its emptyDir. The first death makes the
# key a suspect, the second (run alone) quarantines it: the third process
# stays up, the Workload is Stalled with reason ReconcileCrashed and a
# Warning Event, and the rest of the fleet, a workload created meanwhile
# included, is reconciled. The quarantine survives an orderly restart and
# lifts when the Workload's spec changes.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/harness.sh"
source "$here/lib/fleet.sh"

prefix=crashq
crashy=$prefix-w01
ns=$prefix-t0
record=$work/crash-record
mkdir -p "$record"

cleanup() {
  delete_fleet "$prefix"
  finish
}
trap cleanup EXIT

# run_operator [ENV=VALUE...]: one start of the container: the operator without
# leader election (it reconciles at once) on the same crash record, in the background.
starts=0
run_operator() {
  starts=$((starts + 1))
  metrics_port=$(free_port)
  probe_port=$(free_port)
  echo "=== start $starts" >>"$work/operator.log"
  env "$@" "$operator" run --kubeconfig="$KUBECONFIG" --log-format=text --crash-record-dir="$record" \
    --metrics-bind-address="127.0.0.1:$metrics_port" --metrics-secure=false \
    --health-probe-bind-address="127.0.0.1:$probe_port" >>"$work/operator.log" 2>&1 &
  operator_pid=$!
}

# wait_exit SECONDS: waits (bounded) for the operator to end and sets `status` to its exit
# status, or "running". Not in a subshell: only this shell can wait for its child.
status=""
wait_exit() {
  local deadline=$((SECONDS + $1))
  while kill -0 "$operator_pid" 2>/dev/null; do
    ((SECONDS < deadline)) || { status=running; return; }
    sleep 0.2
  done
  wait "$operator_pid" 2>/dev/null
  status=$?
  operator_pid=""
}
# aborted NAME: passes when the operator ended with SIGABRT (status 134) within 60 s.
aborted() {
  wait_exit 60
  if [[ $status == 134 ]]; then pass "$1"; else fail "$1" "exit status $status"; fi
}
alive() { kill -0 "$operator_pid" 2>/dev/null; }

# this_start_logged TEXT: the log of the latest start contains TEXT.
this_start_logged() { awk -v n="=== start $starts" '$0 == n {keep = 1} keep' "$work/operator.log" | grep -qF -- "$1"; }
deployments_of() { kubectl -n "$ns" get deployments -l "labfleet.dev/workload=$1" -o name 2>/dev/null; }
has_deployment() { [[ -n $(deployments_of "$1") ]]; }
crashed_events() {
  kubectl get events -A --field-selector "reason=ReconcileCrashed,involvedObject.name=$crashy" \
    -o jsonpath='{range .items[*]}{.type} {.reason} {.involvedObject.kind}/{.involvedObject.name}: {.message}{"\n"}{end}'
}
crashed_event_shown() { crashed_events | grep -q "^Warning ReconcileCrashed Workload/$crashy: "; }

prepare_fleet "$prefix" || { fail "prepare the fleet"; exit 1; }
write_fleet "$work/crs" "$prefix" 5 1
late=$work/crs/workload-$prefix-w04.yaml
mv "$late" "$work/late.yaml"
kubectl apply -f "$work/crs/" >/dev/null || { fail "apply the fleet"; exit 1; }
hook=LABFLEET_TEST_ABORT_IN_RECONCILE=workload:$crashy

# --- 1st start: dies in the crashing reconcile, with whatever else was in flight
run_operator "$hook"
aborted "1st start: the reconcile of $crashy aborts the process (SIGABRT)"
check "1st start: the log names the key it aborted in" this_start_logged "key=$crashy"

# --- 2nd start: the suspect runs alone and dies again
run_operator "$hook"
aborted "2nd start: the process dies again"
check "2nd start: it read what was in flight at the last death" \
  this_start_logged "the last process ended while reconciling"
check "2nd start: $crashy ran alone" this_start_logged "reconciling alone"

# --- 3rd start: quarantined; the process stays up and the fleet goes on
run_operator "$hook"
eventually "3rd start: ready" 60 curl -fsS "127.0.0.1:$probe_port/readyz"
eventually "$crashy is Stalled with reason ReconcileCrashed" 60 \
  equals ReconcileCrashed condition wl "$crashy" Stalled reason
check "$crashy Stalled=True" equals True condition wl "$crashy" Stalled status
check "$crashy Ready=False" equals False condition wl "$crashy" Ready status
eventually "a Warning Event ReconcileCrashed regarding $crashy" 30 crashed_event_shown
for w in 00 02 03; do
  eventually "the rest of the fleet is reconciled: $prefix-w$w has its Deployment" 60 has_deployment "$prefix-w$w"
done
kubectl apply -f "$work/late.yaml" >/dev/null
eventually "a workload created after the quarantine is reconciled" 60 has_deployment "$prefix-w04"
check "3rd start: the quarantine is logged" this_start_logged "quarantined: its reconcile ended the process twice in a row"
check "3rd start: the skip is logged" this_start_logged "reconcile skipped: quarantined"
check "3rd start: still running (never aborted)" alive
check "$crashy got no Deployment" equals "" deployments_of "$crashy"
echo "--- the log lines of the quarantine"
grep -E "aborting in this reconcile|last process ended|reconciling alone|quarantin" "$work/operator.log" | cut -c1-400
echo "--- the Event"
crashed_events
stop_operator TERM

# --- 4th start, without the fault: an orderly restart keeps the quarantine; an edit lifts it
run_operator
eventually "4th start: ready" 60 curl -fsS "127.0.0.1:$probe_port/readyz"
eventually "4th start: the fleet has settled" 60 operator_settled 1
check "4th start: $crashy is still skipped" this_start_logged "reconcile skipped: quarantined"
check "4th start: $crashy still has no Deployment" equals "" deployments_of "$crashy"
kubectl patch wl "$crashy" --type=merge -p '{"spec":{"replicas":2}}' >/dev/null
eventually "after a spec change $crashy is reconciled: its Deployment exists" 60 has_deployment "$crashy"
eventually "after a spec change $crashy is no longer Stalled" 60 equals False condition wl "$crashy" Stalled status
check "4th start: the lift is logged" this_start_logged "quarantine lifted: the object changed"
