#!/usr/bin/env bash
# (e) Soak: memory under churn. Seeds a fleet of M workloads x N targets, starts
# the operator, waits until it has converged, then runs `benchctl churn` (every
# kind of change: tag patches; leases created, granted, renewed, released,
# expiring and deleted; workloads, targets, namespaces and policies created and
# deleted; a policy's selection changed) for T minutes. Every interval it
# prints one line: the operator's memory from /proc (VmRSS, RssAnon, and
# smaps_rollup's Anonymous and Private_Dirty), its open fds, the object counts
# it exports (leases by phase, assignments, queued keys, metric series), and at
# the end whether memory levels off: the least-squares slope of RssAnon over
# the last third of the run against the first third. A leak grows at the same
# rate throughout; a bounded history or cache grows early and then stops.
#
#   soak.sh --name NAME [--minutes 60] [--interval 30] [--workloads 20] [--targets 3]
#           [--log FILE] [--samples FILE] -- OPERATOR COMMAND...
#
# The operator should delete finished leases well within the run
# (--lease-history-retention, hack/bench.sh passes 60s): a retained history is
# bounded by the retention, and a retention longer than the run reads as growth.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
name=op minutes=60 interval=30 workloads=20 targets=3 op_log=/dev/null samples=
while (($#)); do
  case $1 in
    --name) name=$2; shift 2 ;; --minutes) minutes=$2; shift 2 ;; --interval) interval=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;; --targets) targets=$2; shift 2 ;;
    --log) op_log=$2; shift 2 ;; --samples) samples=$2; shift 2 ;;
    --) shift; break ;; *) die "unknown flag $1" ;;
  esac
done
(($#)) || die "the operator command goes after --"
# A soak shorter than a few intervals has no thirds to compare; longer than
# 8 h it outlives what a shared machine should be lent for.
((minutes >= 3 && minutes <= 480)) || die "--minutes must be 3..480 (got $minutes)"
((interval >= 5 && interval * 9 <= minutes * 60)) || die "--interval must be >= 5 s and give at least 9 samples"
[[ -n $samples ]] || samples=$(mktemp)

install_crds
step "soak[$name]: seeding $workloads workloads x $targets targets"
"$BENCHCTL" seed-fleet --targets "$targets" --workloads "$workloads"
start_operator "$op_log" "$@"
wait_ready "$(ready_bound)" >/dev/null
guarded "converging" "$BENCHCTL" wait-converged --targets "$targets" --workloads "$workloads" \
  --timeout "$(bound 120 0.2 $((targets * workloads)))s"
wait_quiet 5 120

# sample ELAPSED_S: one line of key=value figures of the operator process.
sample() {
  local status=/proc/$op_pid/status rollup=/proc/$op_pid/smaps_rollup metrics
  metrics=$(curl -fsS --max-time 10 "$op_metrics" 2>/dev/null || true)
  printf 'sample t_s=%s vmrss_kb=%s rssanon_kb=%s anon_kb=%s private_dirty_kb=%s fds=%s threads=%s %s\n' "$1" \
    "$(awk '/^VmRSS:/ {print $2}' "$status")" "$(awk '/^RssAnon:/ {print $2}' "$status")" \
    "$(awk '/^Anonymous:/ {print $2}' "$rollup")" "$(awk '/^Private_Dirty:/ {print $2}' "$rollup")" \
    "$(find "/proc/$op_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" \
    "$(awk '/^Threads:/ {print $2}' "$status")" \
    "$(awk '
      /^labfleet_leases\{/ { match($0, /phase="[^"]*"/); leases[substr($0, RSTART + 7, RLENGTH - 8)] = $NF }
      /^labfleet_assignments / { pairs = $NF }
      /^labfleet_workload_image_info\{/ { images++ }
      /^workqueue_depth\{/ { depth += $NF }
      /^[a-z]/ { series++ }
      END {
        printf "leases_pending=%d leases_active=%d leases_expired=%d leases_released=%d assignments=%d image_series=%d queue_depth=%d metric_series=%d",
          leases["Pending"], leases["Active"], leases["Expired"], leases["Released"], pairs, images, depth, series
      }' <<<"$metrics")"
}

step "soak[$name]: churn for $minutes min, a sample every $interval s"
: > "$samples"
"$BENCHCTL" churn --targets "$targets" --workloads "$workloads" --for "${minutes}m" > "$samples.churn" &
churn_pid=$!
trap 'kill "$churn_pid" 2>/dev/null || true; stop_operator' EXIT
started=$SECONDS
sample 0 | tee -a "$samples"
while kill -0 "$churn_pid" 2>/dev/null; do
  # The next sample at a whole interval from the start, so the slopes see even spacing.
  next=$(( ( (SECONDS - started) / interval + 1) * interval ))
  while ((SECONDS - started < next)) && kill -0 "$churn_pid" 2>/dev/null; do sleep 1; done
  op_alive || operator_exited "the fleet churned"
  sample $((SECONDS - started)) | tee -a "$samples"
done
wait "$churn_pid" || die "churn failed"
cat "$samples.churn"

# The verdict: slopes of RssAnon (MB/h) over the first and last thirds.
python3 - "$name" "$minutes" "$samples" <<'EOF'
import sys
name, minutes, path = sys.argv[1], sys.argv[2], sys.argv[3]
rows = []
for line in open(path):
    fields = dict(f.split("=", 1) for f in line.split()[1:])
    rows.append((int(fields["t_s"]), int(fields["rssanon_kb"]) / 1024, int(fields["vmrss_kb"]) / 1024))
def slope(part):  # MB per hour, least squares
    n = len(part)
    mx = sum(t for t, _, _ in part) / n
    my = sum(m for _, m, _ in part) / n
    var = sum((t - mx) ** 2 for t, _, _ in part)
    return 0.0 if var == 0 else sum((t - mx) * (m - my) for t, m, _ in part) / var * 3600
third = len(rows) // 3
first, last = slope(rows[:third + 1]), slope(rows[-third - 1:])
# Levels off: the last third grows at under a fifth of the first third's rate,
# or under 0.5 MB/h (below that, 24 h add less than the fleet's own churn does).
levels = last < 0.5 or (first > 0 and last < first / 5)
print("soak %s minutes=%s samples=%d rss_start_mb=%.1f rss_end_mb=%.1f rss_max_mb=%.1f anon_start_mb=%.1f anon_end_mb=%.1f "
      "anon_slope_first_mb_h=%.2f anon_slope_last_mb_h=%.2f verdict=%s" % (
          name, minutes, len(rows), rows[0][2], rows[-1][2], max(r[2] for r in rows), rows[0][1], rows[-1][1],
          first, last, "levels-off" if levels else "still-growing"))
EOF
