#!/usr/bin/env bash
# The SIGKILL chaos test (tests/e2e/chaos_kill_test.sh) run longer: more
# kills, a bigger fleet, several rounds with fresh seeds. Stops at the first
# failed round and prints its seed, so `--seed S --rounds 1` replays it.
#
#   hack/chaos.sh [--kills 100] [--workloads 50] [--targets 5] [--leases 6] [--rounds 3] [--seed S]
#                 [--dir DIR] [--operator PATH]
#
# Uses the local control plane in DIR (default: a chaos cluster in the cache
# directory; started if not running and stopped again afterwards) and the
# operator built in build/ unless --operator or $LABFLEET_OPERATOR says otherwise.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib/log.sh"

kills=100 workloads=50 targets=5 leases=6 rounds=3 seed=""
dir="$(labfleet_cache_dir)/chaos-cluster"
operator=${LABFLEET_OPERATOR:-$root/build/operator/labfleet-operator}
while (($#)); do
  case $1 in
    --kills) kills=$2; shift 2 ;; --workloads) workloads=$2; shift 2 ;; --targets) targets=$2; shift 2 ;;
    --leases) leases=$2; shift 2 ;; --rounds) rounds=$2; shift 2 ;; --seed) seed=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;; --operator) operator=$2; shift 2 ;;
    *) die "unknown flag $1 (see the header of $0)" ;;
  esac
done
[[ -x $operator ]] || die "no operator binary at $operator (build it: ninja -C build labfleet-operator)"

started_cluster=false
if ! [[ -f $dir/pids/kube-apiserver ]] || ! kill -0 "$(cat "$dir/pids/kube-apiserver")" 2>/dev/null; then
  "$here/local-cluster.sh" up --dir "$dir"
  started_cluster=true
fi
stop_cluster() { if $started_cluster; then "$here/local-cluster.sh" down --dir "$dir"; fi; }
trap stop_cluster EXIT

for ((round = 1; round <= rounds; round++)); do
  round_seed=${seed:-$((RANDOM * 32768 + RANDOM))}
  step "chaos: round $round/$rounds: $kills kills, $workloads workloads x $targets targets, $leases leases, seed $round_seed"
  if ! LABFLEET_CLUSTER_DIR=$dir KUBECONFIG=$dir/kubeconfig LABFLEET_OPERATOR=$operator \
    CHAOS_KILLS=$kills CHAOS_WORKLOADS=$workloads CHAOS_TARGETS=$targets CHAOS_LEASES=$leases \
    CHAOS_SEED=$round_seed bash "$root/tests/e2e/chaos_kill_test.sh"; then
    die "chaos: round $round failed; replay it with --seed $round_seed --rounds 1"
  fi
done
step "chaos: $rounds rounds passed"
