#!/usr/bin/env bash
# (d) Restart: with the fleet already in the cluster, time from process start
# to the first /readyz 200 (caches synced), polled every 10 ms. Runs RUNS times.
# ready_rss_mb: the resident memory at that moment (every object cached), the
# median over the runs.
#
#   restart.sh --name NAME [--runs 3] [--log FILE] -- OPERATOR COMMAND...
set -euo pipefail
source "$(dirname "$0")/lib.sh"
name=op runs=3 op_log=/dev/null
while (($#)); do
  case $1 in
    --name) name=$2; shift 2 ;; --runs) runs=$2; shift 2 ;; --log) op_log=$2; shift 2 ;;
    --) shift; break ;; *) die "unknown flag $1" ;;
  esac
done
(($#)) || die "the operator command goes after --"
objects=$("$BENCHCTL" count)
times=() rss=()
for _ in $(seq "$runs"); do
  start_operator "$op_log" "$@"
  times+=("$(wait_ready "$(ready_bound "$objects")")")
  rss+=("$(rss_mb)")
  stop_operator
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
printf 'restart %s objects=%s ready_s=[%s] median_s=%s ready_rss_mb=%s\n' "$name" "$objects" "${sorted% }" \
  "$(median "${times[@]}")" "$(median "${rss[@]}")"
