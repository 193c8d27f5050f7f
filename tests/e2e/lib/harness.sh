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
  check "the API server refused no request of the operator (no 403)" bash -c "! grep -q '(403)' '$work/operator.log'"
  if ((failed > 0)); then
    echo "--- operator log (last 60 lines)"
    tail -n 60 "$work/operator.log" 2>/dev/null || true
  fi
  rm -rf "$work"
  summary || exit 1
}
