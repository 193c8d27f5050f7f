#!/usr/bin/env bash
# Runs the benchmark scenarios (bench/scenarios) for Labfleet and the
# controller-runtime peer (bench/peer-go), each on its own fresh local control
# plane, plus the floors (a bare concurrent client: the fleet's applies, then
# the storm's status writes) on a third, and prints a table. Every cluster is
# stopped at the end, also on error or Ctrl-C.
#
#   hack/bench.sh [--operators labfleet,peer] [--workloads 1000] [--targets 10]
#                 [--steady-minutes 5 | --steady-seconds 300] [--storm 1000] [--restart-runs 3]
#                 [--workers 8] [--out DIR] [--no-floor] [--readme]
#   hack/bench.sh --small    every scenario at 20 x 3, a 10 s steady state, a storm of 30 (CI runs it)
#
# Quick run: hack/bench.sh --workloads 50 --targets 3 --steady-minutes 1 --storm 100
# A run fails when any scenario cannot produce its figures (an operator that exits, a wait that
# runs out: each is bounded by the scenario's size); it never fails on the figures themselves.
# It ends with a Markdown table of every figure ($out/table.md) naming the commit and load;
# --readme also writes it into the README's block for that size (bench/table.py).
#
#   hack/bench.sh soak [--operators labfleet] [--minutes 60] [--interval 30]
#                 [--workloads 20] [--targets 3] [--workers 8] [--out DIR]
# runs only the soak (bench/scenarios/soak.sh: memory over T minutes of churn of
# every kind, then whether it levels off) for each operator on its own cluster.
#
#   hack/bench.sh multicluster [--clusters 8] [--workloads 20] [--blackhole-minutes 10]
#                 [--healthy-rounds 10] [--workers 8] [--out DIR] [--labfleet-bin PATH]
# runs only the multi-cluster scenario (bench/scenarios/multicluster.sh): one Labfleet in a home
# control plane driving N remote ones against N controller-runtime peers, one per remote; memory
# per connection, convergence, and change rounds with one remote's API server stopped. It starts
# and stops its own N+1 minimal control planes (etcd + kube-apiserver). Too heavy for CI.
# --labfleet-bin PATH runs that operator binary instead of building build/.
#
#   hack/bench.sh promotion [--workloads 100] [--environments 3] [--soak-seconds 60]
#                 [--workers 8] [--out DIR] [--labfleet-bin PATH]
# runs only the promotion scenario (bench/scenarios/promotion.sh), Labfleet alone on its own minimal
# control plane: M workloads on 1.0.0 in N environments get the candidate 1.1.0 with a soak of S
# seconds at once; the scenario plays the Deployment controller (it marks each new template rolled
# out). Gate-to-next-environment latency, API writes per workload per environment, status writes
# per second during the soaks, wall time to all Complete.
#
#   hack/bench.sh swap [--targets 10] [--rounds 3] [--poll-ms 50] [--one-workload] [--workers 8]
#                 [--out DIR] [--cluster-dir DIR] [--labfleet-bin PATH]
# runs only the swap scenario (bench/scenarios/swap.sh), Labfleet alone (on the host) against a
# cluster with the real node, which it starts and stops (one per machine; DIR/cluster unless
# --cluster-dir): N targets, each with a real file-server pod, and N leases with a files tag
# override created at once, R rounds. Per lease, Active until its Service's ClusterIP answers with
# the lease's page, split into Labfleet, controllers, kubelet, probe, endpoints and kube-proxy.
# The peer and its helpers are built with `go build` into the user's cache
# directory, keyed by bench/peer-go's go.mod, go.sum and sources.
# Each run records the load average before it: the machine is shared.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib/log.sh"

operators=labfleet,peer workloads=1000 targets=10 steady_seconds=300 storm=1000 runs=3 workers=8 floor=true
mode=scenarios labfleet_bin="$root/build/operator/labfleet-operator" readme=()
if [[ ${1:-} == soak ]]; then
  mode=soak operators=labfleet workloads=20 targets=3 soak_minutes=60 interval=30 floor=false
  shift
elif [[ ${1:-} == multicluster ]]; then
  mode=multicluster operators=labfleet workloads=20 floor=false mc_clusters=8 mc_blackhole=10 mc_rounds=10
  shift
elif [[ ${1:-} == swap ]]; then
  mode=swap operators=labfleet floor=false targets=10 sw_rounds=3 sw_poll=50 sw_one=() sw_cluster=()
  shift
elif [[ ${1:-} == promotion ]]; then
  mode=promotion operators=labfleet workloads=100 floor=false pr_environments=3 pr_soak=60
  shift
fi
out=/tmp/labfleet-bench-$(date +%Y%m%d-%H%M%S)
while (($#)); do
  case $1 in
    --operators) operators=$2; shift 2 ;; --workloads) workloads=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;; --steady-minutes) steady_seconds=$(($2 * 60)); shift 2 ;;
    --steady-seconds) steady_seconds=$2; shift 2 ;;
    --small) workloads=20 targets=3 steady_seconds=10 storm=30 runs=1; shift ;;
    --storm) storm=$2; shift 2 ;; --restart-runs) runs=$2; shift 2 ;; --workers) workers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;; --no-floor) floor=false; shift ;; --labfleet-bin) labfleet_bin=$2; shift 2 ;;
    --readme) readme=(--readme "$root/README.md"); shift ;;
    --minutes) [[ $mode == soak ]] || die "--minutes is the soak's (hack/bench.sh soak ...)"; soak_minutes=$2; shift 2 ;;
    --interval) [[ $mode == soak ]] || die "--interval is the soak's (hack/bench.sh soak ...)"; interval=$2; shift 2 ;;
    --clusters|--blackhole-minutes|--healthy-rounds)
      [[ $mode == multicluster ]] || die "$1 is the multi-cluster scenario's (hack/bench.sh multicluster ...)"
      case $1 in --clusters) mc_clusters=$2 ;; --blackhole-minutes) mc_blackhole=$2 ;; *) mc_rounds=$2 ;; esac
      shift 2 ;;
    --environments|--soak-seconds)
      [[ $mode == promotion ]] || die "$1 is the promotion scenario's (hack/bench.sh promotion ...)"
      case $1 in --environments) pr_environments=$2 ;; *) pr_soak=$2 ;; esac
      shift 2 ;;
    --rounds|--poll-ms|--one-workload|--cluster-dir)
      [[ $mode == swap ]] || die "$1 is the swap scenario's (hack/bench.sh swap ...)"
      case $1 in
        --rounds) sw_rounds=$2; shift 2 ;; --poll-ms) sw_poll=$2; shift 2 ;;
        --one-workload) sw_one=(--one-workload); shift ;; *) sw_cluster=(--cluster-dir "$2"); shift 2 ;;
      esac ;;
    *) die "unknown flag $1 (see the header of $0)" ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The peer, benchctl and floor: rebuilt only when the module changes.
peer_src="$root/bench/peer-go"
key=$( (go version; cat "$peer_src/go.mod" "$peer_src/go.sum"; find "$peer_src" -name '*.go' | sort | xargs cat) |
  sha256sum | cut -c1-16)
peer_bin="$(labfleet_cache_dir)/bench/$key"
if [[ ! -x $peer_bin/peer || ! -x $peer_bin/benchctl || ! -x $peer_bin/floor ]]; then
  mkdir -p "$peer_bin"
  step "bench: building the controller-runtime peer (cold: a few minutes; modules from the Go module proxy)"
  (cd "$peer_src" && go mod download)
  (cd "$peer_src" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -o "$peer_bin/" ./cmd/...) &
  pid=$! started=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    (( (SECONDS - started) % 20 == 0 )) && kill -0 "$pid" 2>/dev/null && step "bench: still building, $((SECONDS - started)) s"
  done
  wait "$pid" || die "building the peer failed"
  step "bench: peer built in $((SECONDS - started)) s"
fi
export BENCHCTL="$peer_bin/benchctl"

if [[ ,$operators, == *,labfleet,* && ! -x $labfleet_bin ]]; then
  step "bench: building labfleet-operator"
  cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$root/build" -j2 labfleet-operator kubectl-labfleet
fi

if [[ $mode == multicluster ]]; then
  # The scenario starts, and always stops, its own control planes.
  "$root/bench/scenarios/multicluster.sh" --out "$out" --peer "$peer_bin/peer" --labfleet-bin "$labfleet_bin" \
    --clusters "$mc_clusters" --workloads "$workloads" --blackhole-minutes "$mc_blackhole" \
    --healthy-rounds "$mc_rounds" --workers "$workers" | tee "$out/results.txt"
  echo
  echo "Multi-cluster ($mc_clusters remotes x $workloads workloads, $mc_blackhole min black-holed; logs in $out)"
  column -t "$out/results.txt"
  exit 0
fi

if [[ $mode == promotion ]]; then
  # The scenario starts, and always stops, its own control plane.
  "$root/bench/scenarios/promotion.sh" --out "$out" --labfleet-bin "$labfleet_bin" --workloads "$workloads" \
    --environments "$pr_environments" --soak-seconds "$pr_soak" --workers "$workers" | tee "$out/results.txt"
  echo
  echo "Promotion ($workloads workloads x $pr_environments environments, soak $pr_soak s; logs in $out)"
  cat "$out/table.md"
  exit 0
fi

if [[ $mode == swap ]]; then
  # The scenario starts, and always stops, its own cluster with the real node.
  "$root/bench/scenarios/swap.sh" --out "$out" --labfleet-bin "$labfleet_bin" --targets "$targets" \
    --rounds "$sw_rounds" --poll-ms "$sw_poll" --workers "$workers" ${sw_one[@]+"${sw_one[@]}"} \
    ${sw_cluster[@]+"${sw_cluster[@]}"} | tee "$out/results.txt"
  echo
  echo "Swaps on real pods ($targets leases at once, $sw_rounds rounds; logs in $out)"
  cat "$out/table.md"
  exit 0
fi

clusters=()
cleanup() {
  for c in "${clusters[@]}"; do "$here/local-cluster.sh" down --dir "$c" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cluster NAME: a fresh control plane in $out/cluster-NAME; exports its env.
cluster() {
  local dir="$out/cluster-$1"
  clusters+=("$dir")
  "$here/local-cluster.sh" up --dir "$dir"
  # shellcheck disable=SC1091
  source "$dir/env.sh"
  # Every pair has a ClusterIP Service: the cluster's service range must hold them all.
  local cidr prefix capacity
  cidr=$(kubectl get servicecidrs kubernetes -o jsonpath='{.spec.cidrs[0]}' 2>/dev/null || true)
  if [[ $cidr == */* ]]; then
    prefix=${cidr#*/}; capacity=$(( (1 << (32 - prefix)) - 3 ))
    (( targets * workloads <= capacity )) ||
      die "$((targets * workloads)) pairs need as many Services, the cluster's service range $cidr holds $capacity"
  fi
}

results="$out/results.txt"
: > "$results"
scenarios="$root/bench/scenarios"
for op in ${operators//,/ }; do
  case $op in
    # Each operator gets only its own flags (the scenarios add the metrics and probe addresses).
    labfleet) cmd=("$labfleet_bin" run --leader-elect=false --workers="$workers" --metrics-secure=false) ;;
    peer) cmd=("$peer_bin/peer" run --leader-elect=false --workers="$workers" --kube-api-qps=-1) ;;
    *) die "unknown operator $op (labfleet or peer)" ;;
  esac
  step "bench: $op: ${cmd[*]}"
  echo "load $op $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results"
  cluster "$op"
  if [[ $mode == soak ]]; then
    # Finished leases are deleted within the run, so their history is bounded by it.
    [[ $op == labfleet ]] && cmd+=(--lease-history-retention=60s)
    "$scenarios/soak.sh" --name "$op" --minutes "$soak_minutes" --interval "$interval" --targets "$targets" \
      --workloads "$workloads" --log "$out/$op-soak.log" --samples "$out/$op-soak-samples.txt" -- "${cmd[@]}" |
      tee -a "$results"
    "$here/local-cluster.sh" down --dir "$out/cluster-$op"
    continue
  fi
  "$scenarios/convergence.sh" --name "$op" --targets "$targets" --workloads "$workloads" \
    --log "$out/$op-convergence.log" -- "${cmd[@]}" | tee -a "$results"
  "$scenarios/steady.sh" --name "$op" --seconds "$steady_seconds" --log "$out/$op-steady.log" -- "${cmd[@]}" | tee -a "$results"
  "$scenarios/restart.sh" --name "$op" --runs "$runs" --log "$out/$op-restart.log" -- "${cmd[@]}" | tee -a "$results"
  "$scenarios/storm.sh" --name "$op" --count "$storm" --log "$out/$op-storm.log" -- "${cmd[@]}" | tee -a "$results"
  "$here/local-cluster.sh" down --dir "$out/cluster-$op"
done
if $floor; then
  cluster floor
  echo "load floor $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results"
  "$scenarios/floor.sh" --floor "$peer_bin/floor" --targets "$targets" --workloads "$workloads" | tee -a "$results"
  # Statuses of the size Labfleet's are (its conditions), as the storm's target is set against.
  "$scenarios/storm.sh" --name floor --floor --count "$storm" --conditions | tee -a "$results"
  "$here/local-cluster.sh" down --dir "$out/cluster-floor"
fi

echo
if [[ $mode == soak ]]; then
  echo "Soak ($workloads workloads x $targets targets, $soak_minutes min of churn; samples and logs in $out)"
  grep -v '^sample ' "$results" | column -t
  exit 0
fi
echo "Results ($workloads workloads x $targets targets, steady $steady_seconds s, storm $storm leases; logs in $out)"
column -t "$results"
echo
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
# The README's tables are this script's own output (--readme): writing one leaves the build as it was.
git -C "$root" diff --quiet HEAD -- . ':(exclude)README.md' 2>/dev/null || commit="$commit (with local changes)"
python3 "$root/bench/table.py" "$results" --operators "$operators" $($floor && echo --floor) \
  --commit "$commit" --size "$workloads x $targets" --steady "$steady_seconds" ${readme[@]+"${readme[@]}"} |
  tee "$out/table.md"
