#!/usr/bin/env bash
# Two replicas with leader election (short timings: lease 8 s, renew 5 s,
# retry 1 s) converge a small fleet; only the leader writes.
# (a) SIGSTOP the leader: the other takes the Lease and applies a change made
#     meanwhile; SIGCONT the old one: it must notice it lost the Lease, write
#     nothing (its write counter and every object's resourceVersion stay put)
#     and exit to be restarted, as controller-runtime does.
# (b) kill -9 the leader: the restarted old one takes over and converges a
#     new change.
# Throughout, both replicas' write counters are sampled: never do both grow
# in the same interval, never do both report themselves leader.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/harness.sh"
source "$here/lib/replicas.sh"
source "$here/lib/fleet.sh"

prefix=ha
lease_id=ha-fencing-$$
election=(--leader-elect=true --leader-election-id="$lease_id" --leader-election-lease-duration=8s
  --leader-election-renew-deadline=5s --leader-election-retry-period=1s)
sampler_pid=""

cleanup() {
  [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null && wait "$sampler_pid" 2>/dev/null
  stop_all_replicas
  check "no replica was refused a request (no 403)" replicas_refused_nothing
  ((failed > 0)) && show_replica_logs 40 && echo "--- samples (time writes1 writes2 leader1 leader2)" &&
    cat "$work/samples" 2>/dev/null
  kubectl -n "$leader_namespace" delete lease "$lease_id" --ignore-not-found >/dev/null 2>&1
  delete_fleet "$prefix"
  finish
}
trap cleanup EXIT

prepare_fleet "$prefix" || { fail "prepare the fleet"; exit 1; }
write_fleet "$work/crs" "$prefix" 4 1
kubectl apply -f "$work/crs/" >/dev/null || { fail "apply the fleet"; exit 1; }

files_image() { kubectl -n "$prefix-t0" get deploy "$1-files" -o jsonpath='{.spec.template.spec.containers[0].image}'; }
has_files_image() { equals "$fleet_registry/workshops/$1-files:$2" files_image "$1"; }
set_files_tag() {
  kubectl patch workload "$1" --type=merge -p "{\"spec\":{\"images\":{\"files\":{\"tag\":\"$2\"}}}}" >/dev/null
}
# leader: the replica (1 or 2) that reports leader_election_master_status 1; fails unless exactly one does.
leader() {
  local n found=""
  for n in 1 2; do
    if replica_leads "$n" "$lease_id"; then [[ -z $found ]] || return 1; found=$n; fi
  done
  [[ -n $found ]] && echo "$found"
}
holder() { kubectl -n "$leader_namespace" get lease "$lease_id" -o jsonpath='{.spec.holderIdentity}'; }
# Writes other than the leader Lease's: the Lease is renewed with PUT, and
# this test has no EnvironmentLeases (whose status is the only other PUT), so
# POST, PATCH and DELETE are the writes to children, status and Events.
object_writes() { replica_writes "$1" 'POST|PATCH|DELETE'; }
# wait_writes_quiet N: replica N's writes have not moved for 3 s (at most 60 s).
wait_writes_quiet() {
  local last now still=0 deadline=$((SECONDS + 60))
  last=$(object_writes "$1")
  while ((still < 3 && SECONDS < deadline)); do
    sleep 1
    now=$(object_writes "$1")
    if [[ $now == "$last" ]]; then still=$((still + 1)); else still=0; last=$now; fi
  done
}

start_replica 1 "${election[@]}"
start_replica 2 "${election[@]}"
eventually "both replicas become ready" 60 bash -c "curl -fsS 127.0.0.1:${replica_probe[1]}/readyz && curl -fsS 127.0.0.1:${replica_probe[2]}/readyz"
eventually "exactly one replica leads" 60 leader
first=$(leader) || first=1
other=$((3 - first))
check "the Lease names the leader's identity" equals "$(replica_identity "$first")" holder
eventually "the leader converges the fleet" 120 children_match "$work/crs" "$prefix"

# The sampler: every ~0.5 s both replicas' object writes and leader status
# ("-" when a replica does not answer: stopped, killed or restarting).
sample() {
  local n text w l line
  while :; do
    line=$(date +%s.%N | cut -c1-14) w="" l=""
    for n in 1 2; do
      if text=$(replica_scrape "$n"); then
        w+=" $(writes_in "$text" 'POST|PATCH|DELETE')"
        if leads_in "$text" "$lease_id"; then l+=" 1"; else l+=" 0"; fi
      else
        w+=" -" l+=" -"
      fi
    done
    echo "$line$w$l"
    sleep 0.5
  done
}
sample >"$work/samples" 2>/dev/null &
sampler_pid=$!

# --- (a) SIGSTOP the leader
wait_writes_quiet "$first"
old_pid=${replica_pid[$first]}
writes_before_stop=$(object_writes "$first")
lease_puts_before_stop=$(replica_writes "$first" PUT)
kill -STOP "$old_pid"
stopped_at=$SECONDS
eventually "SIGSTOP: replica $other takes over the Lease" 60 equals "$other" leader
check "SIGSTOP: the Lease names the new leader" equals "$(replica_identity "$other")" holder
echo "takeover after $((SECONDS - stopped_at)) s"
set_files_tag "$prefix-w00" 2.0.0
eventually "SIGSTOP: the new leader applies a change made meanwhile" 60 has_files_image "$prefix-w00" 2.0.0
wait_writes_quiet "$other"
versions_before=$(resource_versions "$prefix")
not_leader_before=$(grep -c 'not the leader' "$work/replica-$first.log")
kill -CONT "$old_pid"
# Scrape the woken replica as often as it answers until it exits: its last
# counts are what it sent after SIGCONT.
writes_after_cont="" puts_after_cont="" deadline=$((SECONDS + 60))
while kill -0 "$old_pid" 2>/dev/null && [[ $(ps -o stat= -p "$old_pid") != Z* ]] && ((SECONDS < deadline)); do
  # One scrape for both counts: the replica may exit right after it.
  if text=$(replica_scrape "$first"); then
    writes_after_cont=$(writes_in "$text" 'POST|PATCH|DELETE') puts_after_cont=$(writes_in "$text" PUT)
  fi
  sleep 0.01
done
check "SIGCONT: the old leader notices it lost the Lease and exits" bash -c "! kill -0 $old_pid 2>/dev/null || ps -o stat= -p $old_pid | grep -q Z"
wait "$old_pid"; code=$?
replica_pid[$first]=""
check "SIGCONT: the old leader exits with status 1 (leadership lost)" test "$code" -eq 1
check "SIGCONT: the old leader logs that it lost leadership" grep -q 'leadership lost' "$work/replica-$first.log"
echo "old leader after SIGCONT: object writes ${writes_after_cont:-unseen} (before SIGSTOP $writes_before_stop)," \
  "Lease PUTs ${puts_after_cont:-unseen} (before $lease_puts_before_stop)," \
  "writes refused by its gate $(($(grep -c 'not the leader' "$work/replica-$first.log") - not_leader_before))"
# Without one answered scrape there is nothing to compare: that fails, it is not a pass.
check "SIGCONT: the woken old leader answered a scrape before it exited" test -n "$writes_after_cont"
check "SIGCONT: the old leader sent no write to any object" \
  test "${writes_after_cont:-unseen}" = "$writes_before_stop"
check "SIGCONT: no object of the fleet changed (resourceVersions as before)" \
  equals "$versions_before" resource_versions "$prefix"
check "SIGCONT: the new leader keeps the Lease" equals "$(replica_identity "$other")" holder

# --- (b) kill -9 the leader
start_replica "$first" "${election[@]}"
eventually "the restarted replica becomes ready as a follower" 60 replica_ready "$first"
check "the restarted replica does not take the Lease" equals "$(replica_identity "$other")" holder
check "the restarted replica does not report itself leader" bash -c "! curl -fsS -m 5 127.0.0.1:${replica_metrics[$first]}/metrics | grep -Eq '^leader_election_master_status.name=\"$lease_id\". 1'"
kill -9 "${replica_pid[$other]}"
wait "${replica_pid[$other]}" 2>/dev/null
replica_pid[$other]=""
killed_at=$SECONDS
eventually "kill -9: replica $first takes over the Lease" 60 equals "$first" leader
echo "takeover after $((SECONDS - killed_at)) s"
set_files_tag "$prefix-w01" 3.0.0
eventually "kill -9: the new leader converges a new change" 60 has_files_image "$prefix-w01" 3.0.0

kill "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null; sampler_pid=""
check "the sampler took samples" test "$(wc -l <"$work/samples")" -ge 10
# Between two samples, a replica "wrote" when its count grew; "-" never counts.
check "never did both replicas write in the same interval" awk '
  NR > 1 { w1 = ($2 != "-" && p2 != "-" && $2 > p2); w2 = ($3 != "-" && p3 != "-" && $3 > p3); if (w1 && w2) { print; bad = 1 } }
  { p2 = $2; p3 = $3 } END { exit bad }' "$work/samples"
check "never did both replicas report themselves leader" bash -c "! awk '\$4 == 1 && \$5 == 1' '$work/samples' | grep ."
