#!/usr/bin/env bash
# (b) Steady state: on a converged cluster, the operator starts, settles
# (its request counter still for 15 s), then T minutes with nothing changing:
# writes issued (apiserver, the operators' kinds; coordination leases counted
# apart), the operator's own non-GET requests, CPU seconds and RSS.
#
#   steady.sh --name NAME [--minutes 5 | --seconds 300] [--log FILE] -- OPERATOR COMMAND...
set -euo pipefail
source "$(dirname "$0")/lib.sh"
name=op seconds=300 op_log=/dev/null
while (($#)); do
  case $1 in
    --name) name=$2; shift 2 ;; --minutes) seconds=$(($2 * 60)); shift 2 ;; --seconds) seconds=$2; shift 2 ;;
    --log) op_log=$2; shift 2 ;;
    --) shift; break ;; *) die "unknown flag $1" ;;
  esac
done
(($#)) || die "the operator command goes after --"
start_operator "$op_log" "$@"
wait_ready "$(ready_bound)" >/dev/null
step "steady[$name]: settling after start"
wait_quiet 15 900
before=$(mktemp) after=$(mktemp)
apiserver_requests "$before"
cpu0=$(cpu_seconds)
op_writes() { curl -fsS "$op_metrics" | awk '/^rest_client_requests_total\{/ && !/method="GET"/ { s += $NF } END { printf "%d", s }'; }
w0=$(op_writes)
step "steady[$name]: measuring for $seconds s"
guarded "measuring the steady state" sleep "$seconds"
apiserver_requests "$after"
printf 'steady %s seconds=%s apiserver_writes=%s lease_writes=%s op_writes=%s cpu_s=%s rss_mb=%s\n' \
  "$name" "$seconds" "$(requests_delta "$before" "$after" "$writes_filter")" \
  "$(requests_delta "$before" "$after" "$lease_writes_filter")" "$(( $(op_writes) - w0 ))" \
  "$(cpu_delta "$cpu0" "$(cpu_seconds)")" "$(rss_mb)"
rm -f "$before" "$after"
