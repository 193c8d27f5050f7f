# Several operator processes side by side, for the chaos and HA tests
# (harness.sh's start_operator runs one): replica N has its own pid, metrics
# and probe ports and log ($work/replica-N.log, JSON lines). Source after
# harness.sh.
# shellcheck shell=bash

declare -A replica_pid=() replica_metrics=() replica_probe=()

# start_replica N [FLAGS...]: starts replica N in the background and returns at once.
# A restarted replica keeps its ports, so a sampler started earlier (in a
# subshell, with copies of these arrays) still finds it.
start_replica() {
  local n=$1; shift
  [[ -n ${replica_metrics[$n]:-} ]] || replica_metrics[$n]=$(free_port)
  [[ -n ${replica_probe[$n]:-} ]] || replica_probe[$n]=$(free_port)
  "$operator" run --kubeconfig="$operator_kubeconfig" --leader-election-namespace="$leader_namespace" \
    --log-format=json --metrics-bind-address="127.0.0.1:${replica_metrics[$n]}" --metrics-secure=false \
    --health-probe-bind-address="127.0.0.1:${replica_probe[$n]}" "$@" >>"$work/replica-$n.log" 2>&1 &
  replica_pid[$n]=$!
}

# replica_ready N: /readyz of replica N answers 200.
replica_ready() { curl -fsS -m 2 "127.0.0.1:${replica_probe[$1]}/readyz" >/dev/null 2>&1; }

# replica_alive N: the process of replica N still runs (not reaped, not a zombie).
replica_alive() {
  local pid=${replica_pid[$1]:-}
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(ps -o stat= -p "$pid" 2>/dev/null) != Z* ]]
}

# stop_replica N [SIGNAL]: TERM (graceful) by default, or KILL; waits for the process.
stop_replica() {
  local pid=${replica_pid[$1]:-}
  [[ -n $pid ]] || return 0
  kill -CONT "$pid" 2>/dev/null || true
  kill "-${2:-TERM}" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  replica_pid[$1]=""
}

stop_all_replicas() {
  local n
  for n in "${!replica_pid[@]}"; do stop_replica "$n" KILL; done
}

# replica_scrape N: replica N's /metrics text (fails when it does not answer within 2 s).
replica_scrape() { curl -fsS -m 2 "127.0.0.1:${replica_metrics[$1]}/metrics" 2>/dev/null; }

# replica_writes N [METHODS]: replica N's requests with those methods so far, from
# rest_client_requests_total (default POST|PUT|PATCH|DELETE); fails when it does not answer.
replica_writes() {
  local text
  text=$(replica_scrape "$1") || return 1
  writes_in "$text" "${2:-}"
}

# writes_in METRICS_TEXT [METHODS]: the same count from an already scraped /metrics text.
writes_in() {
  local methods=${2:-POST|PUT|PATCH|DELETE}
  awk -v m="^($methods)\$" '/^rest_client_requests_total\{/ {
      if (match($0, /method="[A-Z]+"/)) { method = substr($0, RSTART + 8, RLENGTH - 9); if (method ~ m) sum += $NF } }
    END { printf "%d\n", sum }' <<<"$1"
}

# replica_leads N LEASE_NAME: replica N reports leader_election_master_status 1 for LEASE_NAME.
replica_leads() {
  local text
  text=$(replica_scrape "$1") || return 1
  leads_in "$text" "$2"
}

# leads_in METRICS_TEXT LEASE_NAME: the same from an already scraped /metrics text.
leads_in() {
  grep -Eq "^leader_election_master_status\{name=\"$2\"\} 1(\.0*)?$" <<<"$1"
}

# replica_identity N: the leader-election identity replica N logged at its latest start.
replica_identity() {
  sed -n 's/.*"identity":"\([^"]*\)".*/\1/p' "$work/replica-$1.log" | tail -n1
}

# replicas_refused_nothing: no replica log shows a request the API server refused with 403.
replicas_refused_nothing() {
  ! grep -l '(403)' "$work"/replica-*.log 2>/dev/null
}

# show_replica_logs [LINES]: the tail of every replica's log (for a failed run).
show_replica_logs() {
  local log
  for log in "$work"/replica-*.log; do
    [[ -f $log ]] || continue
    echo "--- $(basename "$log") (last ${1:-40} lines)"
    tail -n "${1:-40}" "$log"
  done
}
