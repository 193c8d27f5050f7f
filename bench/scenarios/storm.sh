#!/usr/bin/env bash
# (c) Lease storm: K storm targets with one lease each (no policy selects
# them). The operator starts and grants all K; then every lease's duration is
# raised so that acquiredAt + duration is the same second for all of them;
# measured: expiry lag p50/p99 from the operator's
# labfleet_lease_expiry_lag_seconds histogram (interpolated like
# histogram_quantile), its highest bucket, and the status-level lag
# (releasedAt - expiresAt, whole seconds), and the lag a watcher sees (each
# lease's first watch event in phase Expired, less expiresAt: the figure to
# quote, exact and the same for every operator), and the CPU seconds the operator and the API server
# spent from the deadline until the watcher saw every lease Expired (window_s: the 2 cores are shared, so the
# operator's CPU is taken from the API server's), and the writes of that window by kind (lease
# statuses, target statuses, Events) and its reads (GET, LIST). --lead (s) must cover the renewals
# and the operator writing every new expiresAt; the scenario fails otherwise.
# --no-renew: every lease is created with duration --lead instead, so the
# expiries spread over as long as the grants took (expiresAt_spread_s).
# --floor: the storm's floor, with no operator (none goes after --): a bare
# client writes every lease Active with the common expiresAt, and at that
# second every lease's Expired status, one status update each (--patch: a
# merge patch each, as the peer writes; --conditions: statuses with the conditions
# Labfleet's carry, eight while Active and its three health conditions once Expired),
# --concurrency in flight (64); the same watcher
# measures it. The least lag this API server allows.
# Needs a cluster without the storm of an earlier run (it says so and stops).
#
#   storm.sh --name NAME [--count 1000] [--lead S] [--no-renew] [--log FILE] -- OPERATOR COMMAND...
#   storm.sh --name NAME --floor [--count 1000] [--lead S] [--concurrency 64] [--patch] [--conditions]
# --lead defaults to 5 s + 0.115 s a lease with an operator (120 s at 1,000), 5 s + 0.025 s a
# lease for the floor (30 s at 1,000).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
name=op count=1000 lead= renew=true floor=false concurrency=64 patch=false conditions=false op_log=/dev/null
while (($#)); do
  case $1 in
    --name) name=$2; shift 2 ;; --count) count=$2; shift 2 ;; --lead) lead=$2; shift 2 ;;
    --no-renew) renew=false; shift ;; --floor) floor=true; shift ;;
    --concurrency) concurrency=$2; shift 2 ;; --patch) patch=true; shift ;;
    --conditions) conditions=true; shift ;; --log) op_log=$2; shift 2 ;; --) shift; break ;;
    *) die "unknown flag $1" ;;
  esac
done
if $floor; then
  (($# == 0)) || die "--floor runs no operator: drop the command after --"
  $renew || die "--floor and --no-renew do not go together"
  lead=${lead:-$(bound 5 0.025 "$count")}     # 30 s at 1,000 leases
else
  (($#)) || die "the operator command goes after --"
  lead=${lead:-$(bound 5 0.115 "$count")}     # 120 s at 1,000 leases
fi
# Every wait is bounded by the storm's size: 2 min plus 0.5 s a lease.
limit_s=$(bound 120 0.5 "$count") limit="${limit_s}s"
install_crds
# The storm's leases are seeded once: those of an earlier run would never turn Active again.
if kubectl get environmentleases -o name 2>/dev/null | grep '/storm-l' >/dev/null; then  # not -q: with pipefail, kubectl's SIGPIPE would fail the test
  die "storm leases from an earlier run are in this cluster: run the storm on a fresh one"
fi
if ! $floor; then
  start_operator "$op_log" "$@"
  wait_ready "$(ready_bound)" >/dev/null
  wait_quiet 10 900
fi
step "storm[$name]: $count targets with a lease each"
if $renew; then
  "$BENCHCTL" seed-storm --count "$count" --duration 1h
  if $floor; then
    at=$(( $(date +%s) + lead ))
    "$BENCHCTL" grant-floor --at "$at" --concurrency 64 $($conditions && echo --conditions)
  else
    guarded "granting the storm's leases" "$BENCHCTL" wait-leases --count "$count" --phase Active --timeout "$limit"
    at=$(( $(date +%s) + lead ))
    "$BENCHCTL" renew --at "$at"
  fi
  step "storm[$name]: all Active; every lease now expires at $(date -u -d @"$at" +%T)"
  watched=$(mktemp)
  "$BENCHCTL" watch-expired --at "$at" --count "$count" --timeout "$((lead + limit_s))s" >"$watched" &
  watcher=$!
  guarded "waiting for the common expiry" "$BENCHCTL" wait-expires --at "$at"
  # CPU from the deadline until every lease is Expired: the operator's, and the API server's it
  # shares the cores with (the floor's writer is not counted; neither is the watcher).
  sleep_until() { python3 -c 'import sys, time; time.sleep(max(0.0, float(sys.argv[1]) - time.time()))' "$1"; }
  # The writes of the window by kind, from the API server's counters read a second before it.
  sleep_until $((at - 1))
  requests_before=$(mktemp) requests_after=$(mktemp)
  apiserver_requests "$requests_before"
  sleep_until "$at"
  apiserver=$(apiserver_pid || true)
  window_start=$(date +%s%N)
  op_cpu0=$($floor || cpu_seconds) api_cpu0=${apiserver:+$(process_cpu_seconds "$apiserver")}
  if $floor; then
    step "storm[$name]: at the deadline a bare client writes every Expired status"
    figures=$("$BENCHCTL" expire-floor --at "$at" --concurrency "$concurrency" \
      $($patch && echo --patch) $($conditions && echo --conditions))
  fi
else
  "$BENCHCTL" seed-storm --count "$count" --duration "${lead}s"
fi
if $renew; then
  # The window ends when the watcher has seen every lease Expired: it reads the leases from its one
  # watch, where a poll's LIST of all K would cost the API server CPU inside the window.
  awaited "expiring the storm's leases" "$watcher" || die "watching the expiries failed"
  cpu="window_s=$(elapsed_since "$window_start")"
  $floor || cpu+=" op_cpu_s=$(cpu_delta "$op_cpu0" "$(cpu_seconds)")"
  [[ -n $apiserver ]] && cpu+=" apiserver_cpu_s=$(cpu_delta "$api_cpu0" "$(process_cpu_seconds "$apiserver")")"
  apiserver_requests "$requests_after"
  for kind in environmentleases deploymenttargets events; do
    cpu+=" window_${kind}_writes=$(requests_delta "$requests_before" "$requests_after" \
      "$not_a_read"' && $3 == "'"$kind"'"')"
  done
  cpu+=" window_reads=$(requests_delta "$requests_before" "$requests_after" "$reads_filter")"
  rm -f "$requests_before" "$requests_after"
else
  guarded "expiring the storm's leases" "$BENCHCTL" wait-leases --count "$count" --phase Expired --timeout "$limit"
fi
$floor || figures=$("$BENCHCTL" histogram --url "$op_metrics" --name labfleet_lease_expiry_lag_seconds)
printf 'storm %s %s %s %s %s\n' "$name" "$figures" "$("$BENCHCTL" lease-report)" "$($renew && cat "$watched")" \
  "${cpu:-}"
