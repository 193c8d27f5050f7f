#!/usr/bin/env bash
# (a) Convergence: M Workloads x N DeploymentTargets and one policy pairing
# them all, then the operator starts; measured until every child Deployment
# exists with its right image: wall time, the operator's API requests, the
# apiserver's writes on the operators' kinds, peak RSS, CPU seconds, and the
# resident memory of the same operator started once before on the empty cluster; then a
# `phases` line (bench/phases.py): queue wait and reconcile time p50/p99 of the
# workload controller, and requests per pair by method.
#
#   convergence.sh --name NAME [--targets 10] [--workloads 1000] [--log FILE] -- OPERATOR COMMAND...
set -euo pipefail
source "$(dirname "$0")/lib.sh"
name=op targets=10 workloads=1000 log=/dev/null
while (($#)); do
  case $1 in
    --name) name=$2; shift 2 ;; --targets) targets=$2; shift 2 ;; --workloads) workloads=$2; shift 2 ;;
    --log) log=$2; shift 2 ;; --) shift; break ;; *) die "unknown flag $1" ;;
  esac
done
(($#)) || die "the operator command goes after --"
install_crds
# The operator's resident memory with empty caches: what the memory figures are counted from
# (bytes per cached object and per pair, bench/table.py).
step "convergence[$name]: the operator's memory with nothing to cache"
# (start_operator sets op_log: the two runs' log paths are kept apart in `log`.)
start_operator "$([[ $log == /dev/null ]] && echo /dev/null || echo "$log.empty")" "$@"
wait_ready "$(ready_bound 0)" >/dev/null
sleep 2
empty_rss=$(rss_mb)
stop_operator
step "convergence[$name]: seeding $workloads workloads x $targets targets"
"$BENCHCTL" seed-fleet --targets "$targets" --workloads "$workloads"
before=$(mktemp) after=$(mktemp)
apiserver_requests "$before"
step "convergence[$name]: starting the operator"
start_operator "$log" "$@"
# Bounded by size: 2 min plus 0.2 s a pair (2-3 times what either operator needs on 2 cores).
limit=$(bound 120 0.2 $((targets * workloads)))
guarded "converging" "$BENCHCTL" wait-converged --targets "$targets" --workloads "$workloads" --timeout "${limit}s"
wall=$(elapsed_since "$op_started")
apiserver_requests "$after"
printf 'convergence %s pairs=%d wall_s=%s op_requests=%s apiserver_writes=%s peak_rss_mb=%s cpu_s=%s empty_rss_mb=%s\n' \
  "$name" $((targets * workloads)) "$wall" "$(op_client_requests)" "$(requests_delta "$before" "$after" "$writes_filter")" \
  "$(peak_rss_mb)" "$(cpu_seconds)" "$empty_rss"
# Where the time went: the workload controller's queue wait and reconcile time, requests by method.
printf 'phases %s %s\n' "$name" "$(python3 "$bench_root/bench/phases.py" "$op_metrics" $((targets * workloads)))"
rm -f "$before" "$after"
