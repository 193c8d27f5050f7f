# Shared helpers for the end-to-end scenarios: checks that count, waits that
# time out with a message, and the operator as a background process.
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
: "${LABFLEET_CLUSTER_DIR:?run through ctest (the cluster fixture sets it)}"
source "$LABFLEET_CLUSTER_DIR/env.sh"
operator=${LABFLEET_OPERATOR:?path of labfleet-operator}
work=$(mktemp -d)
# shellcheck source=../../lib/checks.sh
source "$root/tests/lib/checks.sh"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

operator_pid=""
metrics_port=""
probe_port=""
# The operator's own credentials and leader-election namespace; by default the
# admin kubeconfig and `default` (rbac_scenario_test.sh runs it as the chart's
# service account).
operator_kubeconfig=${LABFLEET_OPERATOR_KUBECONFIG:-$KUBECONFIG}
leader_namespace=${LABFLEET_LEADER_NAMESPACE:-default}
# start_operator [FLAGS...]: runs the operator in the background (logs in $work).
start_operator() {
  metrics_port=$(free_port)
  probe_port=$(free_port)
  "$operator" run --kubeconfig="$operator_kubeconfig" --leader-elect \
    --leader-election-namespace="$leader_namespace" --log-format=text \
    --metrics-bind-address="127.0.0.1:$metrics_port" --metrics-secure=false --health-probe-bind-address="127.0.0.1:$probe_port" \
    "$@" >>"$work/operator.log" 2>&1 &
  operator_pid=$!
  local deadline=$((SECONDS + 30))
  until curl -fsS "127.0.0.1:$probe_port/readyz" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { tail -n 30 "$work/operator.log"; fail "operator ready"; return 1; }
    sleep 0.1
  done
}

# operator_scrape: the /metrics text of the operator start_operator runs (fails when it does not answer in 2 s).
operator_scrape() { curl -fsS -m 2 "127.0.0.1:$metrics_port/metrics" 2>/dev/null; }

# metric_sum TEXT NAME [LABELS]: the sum of NAME's samples in the scraped /metrics TEXT whose
# labels match the extended regex LABELS (all of them without it), as an integer.
metric_sum() {
  awk -v name="$2" -v labels="${3:-}" '
    index($1, name "{") == 1 || $1 == name {
      l = $1; sub(/^[^{]*/, "", l); if (labels == "" || l ~ labels) sum += $NF }
    END { printf "%d\n", sum }' <<<"$1"
}

# operator_leads: the operator reports leader_election_master_status 1 (it reconciles and writes).
operator_leads() {
  local text
  text=$(operator_scrape) && (($(metric_sum "$text" leader_election_master_status) == 1))
}

# workload_reconciles: how many Workload reconciles the operator has finished, whatever their result.
workload_reconciles() {
  local text
  text=$(operator_scrape) && metric_sum "$text" controller_runtime_reconcile_total 'controller="workload"'
}

# operator_settled [MIN]: the operator has finished at least MIN Workload reconciles (default 0),
# every work queue is empty, no worker is busy, and no reconcile finished during the last second.
operator_settled() {
  local first second
  first=$(operator_scrape) || return 1
  sleep 1
  second=$(operator_scrape) || return 1
  (($(metric_sum "$second" controller_runtime_reconcile_total 'controller="workload"') >= ${1:-0})) &&
    (($(metric_sum "$second" workqueue_depth) == 0)) &&
    (($(metric_sum "$second" controller_runtime_active_workers) == 0)) &&
    (($(metric_sum "$first" controller_runtime_reconcile_total) == $(metric_sum "$second" controller_runtime_reconcile_total)))
}

# condition KIND NAME TYPE FIELD: a field (status, reason, message) of the
# object's condition of that type, e.g. `condition wl web Ready reason`.
condition() { kubectl get "$1" "$2" -o jsonpath="{.status.conditions[?(@.type==\"$3\")].$4}"; }
# lease_phase NAME: the EnvironmentLease's status.phase.
lease_phase() { kubectl get el "$1" -o jsonpath='{.status.phase}'; }

# stop_operator [SIGNAL]: TERM (graceful) by default, or KILL.
stop_operator() {
  [[ -n $operator_pid ]] || return 0
  kill "-${1:-TERM}" "$operator_pid" 2>/dev/null || true
  wait "$operator_pid" 2>/dev/null || true
  operator_pid=""
}

# finish: the run's end, for an EXIT trap. It exits 1 itself when a check
# failed: the status a trap function returns is lost.
finish() {
  stop_operator
  # Every operator log of the run: start_operator's and each replica's (lib/replicas.sh).
  local logs=() log
  for log in "$work/operator.log" "$work"/replica-*.log; do [[ -f $log ]] && logs+=("$log"); done
  if ((${#logs[@]} == 0)); then
    fail "the API server refused no request of the operator (no 403)" "no operator log to read"
  else
    # A create into a namespace being deleted is refused with a 403 by the namespace's lifecycle,
    # not for want of a permission: the operator learns so that the namespace is going.
    check "the API server refused no request of the operator (no 403)" \
      bash -c '! grep -H "(403)" "$@" | grep -v "because it is being terminated"' _ "${logs[@]}"
  fi
  if ((failed > 0)); then
    echo "--- operator log (last 60 lines)"
    tail -n 60 "$work/operator.log" 2>/dev/null || true
  fi
  if [[ $harness_rbac_audit == true ]]; then
    chart_identity_check "the chart grants every request the operator made (audit log)" --missing-only
    chart_identity_off
  fi
  rm -rf "$work"
  summary || exit 1
}

# LABFLEET_RBAC_AUDIT=1: the operator of this script runs as the chart's service account with the API
# server's audit log on, and finish checks that the chart granted every request it made
# (lib/chart_identity.sh), so the audit-derived check covers any e2e or chaos script, not only the
# RBAC tests. Scripts that set the identity themselves (LABFLEET_OPERATOR_KUBECONFIG) are left alone.
harness_rbac_audit=false
if [[ -n ${LABFLEET_RBAC_AUDIT:-} && -z ${LABFLEET_OPERATOR_KUBECONFIG:-} ]]; then
  source "$root/tests/e2e/lib/chart_identity.sh"
  chart_identity_on "labfleet-audit-$$" "labfleet-audit-$$" || exit 1
  harness_rbac_audit=true
fi
