# Shared helpers of the benchmark scenarios (sourced). Each scenario runs
# against a cluster from hack/local-cluster.sh (KUBECONFIG set by its env.sh)
# and an operator command given after `--`.
# shellcheck shell=bash
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$bench_root/hack/lib/log.sh"

: "${BENCHCTL:?BENCHCTL must name the benchctl binary (hack/bench.sh builds it)}"
: "${KUBECONFIG:?source the cluster env.sh first}"

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# install_crds: the four CRDs, established.
install_crds() {
  kubectl apply -f "$bench_root/crds/" >/dev/null
  kubectl wait --for=condition=Established --timeout=60s -f "$bench_root/crds/" >/dev/null
}

# start_operator LOG CMD...: runs the operator with fresh metrics and probe ports appended (the
# two flags every operator here takes; anything else operator-specific is part of CMD); sets
# op_pid, op_log, op_metrics, op_probe, op_started (epoch ns).
start_operator() {
  op_log=$1; shift
  local mport pport
  mport=$(free_port); pport=$(free_port)
  op_metrics="http://127.0.0.1:$mport/metrics"
  op_probe="http://127.0.0.1:$pport"
  op_started=$(date +%s%N)
  "$@" --metrics-bind-address="127.0.0.1:$mport" --health-probe-bind-address="127.0.0.1:$pport" >"$op_log" 2>&1 &
  op_pid=$!
  trap 'stop_operator' EXIT
  trap 'exit 130' INT TERM
}

# A scenario that starts its own cluster (promotion.sh, swap.sh) calls `own_cluster NAME` once:
# from then on the EXIT trap stops the operator, every background process in watch_pids (TERM,
# KILL after 5 s) and, once cluster_started is true, the cluster in cluster_dir (its log appended
# to $out/logs/down.log), and exits with the script's status. start_operator sets a trap of its
# own: reset_traps puts this one back after it.
own_cluster() {
  own_cluster_name=$1 cluster_started=false watch_pids=()
  reset_traps
}
reset_traps() { trap stop_own_cluster EXIT; trap 'exit 130' INT TERM; }
stop_own_cluster() {
  local status=$? pid
  set +e
  trap - INT TERM
  stop_operator
  for pid in ${watch_pids[@]+"${watch_pids[@]}"}; do kill "$pid" 2>/dev/null; done
  for pid in ${watch_pids[@]+"${watch_pids[@]}"}; do
    for _ in $(seq 50); do running "$pid" || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
  if $cluster_started; then
    "$bench_root/hack/local-cluster.sh" down --dir "$cluster_dir" >>"$out/logs/down.log" 2>&1
    step "$own_cluster_name: stopped the cluster"
  fi
  exit "$status"
}

# running PID: the process is still running (one that exited stays a zombie, which kill -0 still
# reaches, until this shell waits for it). op_alive: the operator started here is.
running() {
  local stat state
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1  # no forks: the waits poll this on the shared cores
  state=${stat##*) } state=${state%% *}
  [[ $state != Z ]]
}
op_alive() { [[ -n ${op_pid:-} ]] && running "$op_pid"; }

# operator_exited WHAT: the scenario's end when the operator is gone: its exit status and the
# first and last lines of its log, then exit 1.
operator_exited() {
  local status=0
  wait "$op_pid" 2>/dev/null || status=$?
  op_pid=
  {
    echo "the operator exited (status $status) while $1; its log ($op_log), first and last lines:"
    # The first lines hold a refused flag's message, the last ones a crash's.
    awk '{ line[NR] = $0 } END { for (i = 1; i <= NR; i++) if (i <= 5 || i > NR - 15) print "  | " line[i]; else if (i == 6) print "  | ..." }' "$op_log" 2>/dev/null
  } >&2
  die "the scenario cannot produce its figures"
}

# guarded WHAT CMD...: runs CMD while watching the operator; the scenario fails at once, with the
# operator's last log lines, when the operator exits before CMD finishes (CMD is stopped). With no
# operator started here (the floors), CMD just runs. CMD's stdout passes through; its status is
# guarded's.
guarded() {
  local what=$1; shift
  "$@" &
  awaited "$what" $!
}

# awaited WHAT PID: waits for this shell's background job PID as guarded waits for its CMD (within
# 0.1 s of its end); its status is the job's.
awaited() {
  local what=$1 pid=$2 status=0
  while [[ -n ${op_pid:-} ]] && running "$pid"; do
    op_alive || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; operator_exited "$what"; }
    sleep 0.1
  done
  wait "$pid" || status=$?
  return "$status"
}

# bound BASE PER_ITEM ITEMS: a wait's bound in seconds scaled to the scenario's size:
# BASE + PER_ITEM x ITEMS (PER_ITEM may be a fraction), rounded up.
bound() {
  awk -v b="$1" -v p="$2" -v n="$3" 'BEGIN { s = b + p * n; printf "%d", (s == int(s)) ? s : int(s) + 1 }'
}

# ready_bound [OBJECTS]: wait_ready's bound, 1 min plus 0.01 s an object the operator caches
# (counted now when not given).
ready_bound() { bound 60 0.01 "${1:-$("$BENCHCTL" count)}"; }

# stop_operator: SIGTERM the operator started here, SIGKILL after 10 s.
stop_operator() {
  [[ -n ${op_pid:-} ]] || return 0
  if kill -0 "$op_pid" 2>/dev/null; then
    kill "$op_pid" 2>/dev/null || true
    for _ in $(seq 100); do op_alive || break; sleep 0.1; done
    kill -9 "$op_pid" 2>/dev/null || true
  fi
  wait "$op_pid" 2>/dev/null || true
  op_pid=
}

# wait_ready SECONDS: polls /readyz every 10 ms; prints seconds since op_started.
wait_ready() {
  local deadline=$((SECONDS + $1))
  until curl -fsS -o /dev/null "$op_probe/readyz" 2>/dev/null; do
    op_alive || operator_exited "waiting for /readyz"
    ((SECONDS < deadline)) || die "operator not ready after $1 s (log: $op_log)"
    sleep 0.01
  done
  elapsed_since "$op_started"
}

# elapsed_since EPOCH_NS: seconds, 3 decimals.
elapsed_since() {
  python3 -c "import sys,time; print('%.3f' % ((time.time_ns() - int(sys.argv[1])) / 1e9))" "$1"
}

# peak_rss_mb / cpu_seconds: of the operator process, from /proc.
peak_rss_mb() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$op_pid/status"; }
rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$op_pid/status"; }
cpu_seconds() { process_cpu_seconds "$op_pid"; }
# cpu_delta BEFORE AFTER: AFTER - BEFORE CPU seconds, to two decimals.
cpu_delta() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
# process_cpu_seconds PID: user + system CPU seconds of that process.
process_cpu_seconds() {
  local tck; tck=$(getconf CLK_TCK)
  sed 's/^.*) //' "/proc/$1/stat" | awk -v t="$tck" '{printf "%.2f", ($12 + $13) / t}'
}
# apiserver_pid: the pid of the cluster's kube-apiserver (hack/local-cluster.sh keeps it beside
# the kubeconfig), or nothing.
apiserver_pid() {
  local file; file="$(dirname "$KUBECONFIG")/pids/kube-apiserver"
  [[ -f $file ]] && cat "$file"
}

# apiserver_requests FILE: apiserver_request_total summed as "verb group resource count" lines.
apiserver_requests() {
  kubectl get --raw /metrics | awk '
    /^apiserver_request_total\{/ {
      verb = group = resource = ""
      if (match($0, /verb="[^"]*"/)) verb = substr($0, RSTART + 6, RLENGTH - 7)
      if (match($0, /group="[^"]*"/)) group = substr($0, RSTART + 7, RLENGTH - 8)
      if (match($0, /resource="[^"]*"/)) resource = substr($0, RSTART + 10, RLENGTH - 11)
      if (resource == "") next
      sum[verb " " (group == "" ? "core" : group) " " resource] += $NF
    }
    END { for (k in sum) print k, sum[k] }' > "$1"
}

# requests_delta BEFORE AFTER FILTER: sum of count differences over lines matching the awk FILTER
# (fields: $1 verb, $2 group, $3 resource).
requests_delta() {
  awk -v OFS=' ' 'NR == FNR { before[$1 " " $2 " " $3] = $4; next }
    { key = $1 " " $2 " " $3; d = $4 - before[key]; if ('"$3"') total += d }
    END { printf "%d", total }' "$1" "$2"
}

# requests_delta's filters. Writes are every verb but the reads; reads_filter leaves out WATCH,
# whose count is of streams opened, not of objects read.
not_a_read='$1 != "GET" && $1 != "LIST" && $1 != "WATCH"'
reads_filter='$1 == "GET" || $1 == "LIST"'
# Operator-relevant writes: on the kinds the operators touch.
writes_filter="$not_a_read"' && ($2 == "labfleet.dev" || $3 == "configmaps" || $3 == "services" || $3 == "deployments" || $3 == "events" || $3 == "namespaces")'
lease_writes_filter="$not_a_read"' && $3 == "leases"'

# op_client_requests: the operator's own rest_client_requests_total, summed.
op_client_requests() {
  curl -fsS "$op_metrics" | awk '/^rest_client_requests_total\{/ { s += $NF } END { printf "%d", s }'
}

# wait_quiet SECONDS MAX: waits until the operator's request counter has not moved for SECONDS.
# Dies when that has not happened within MAX s, or when /metrics does not answer: a figure
# measured on an operator that is still busy would be wrong, and must not be reported.
wait_quiet() {
  local quiet=$1 max=$2 deadline=$((SECONDS + $2)) last now still=0
  last=$(op_client_requests) || { op_alive || operator_exited "waiting for it to settle"; die "wait_quiet: the operator's /metrics did not answer"; }
  while ((still < quiet)); do
    ((SECONDS < deadline)) ||
      die "the operator's requests did not stop for $quiet s within $max s (still moving, at $last)"
    sleep 1
    now=$(op_client_requests) || { op_alive || operator_exited "waiting for it to settle"; die "wait_quiet: the operator's /metrics did not answer"; }
    if [[ $now == "$last" ]]; then still=$((still + 1)); else still=0; last=$now; fi
  done
}
