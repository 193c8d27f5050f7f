#!/usr/bin/env bash
# (h) Swaps served on real pods, Labfleet only, on the real node (`--node real`: containerd, runc,
# kubelet, kube-proxy; images reach it by import, never by pull). Starts its own cluster and stops
# it at the end, also on error or Ctrl-C. One real node per machine: it stops at once, saying why,
# when one cannot start here.
#
#   swap.sh --out DIR [--targets 10] [--rounds 3] [--poll-ms 50] [--workers 8] [--one-workload]
#           [--cluster-dir DIR] [--labfleet-bin PATH]
# (hack/bench.sh swap runs it.)
#
# Setup: N DeploymentTargets swap-tI, each with its own namespace swap-I, and a Workload per target
# (paired with it alone; --one-workload: one Workload on every target) whose files Deployment runs
# localhost/labfleet/files:v1, a real busybox httpd pod serving "labfleet files v1"; the operator
# runs on the host (the cluster's kubeconfig) and every Service serves v1.
# Each round: a poller in the node's network namespace (where kube-proxy's rules are, as for any
# client of a ClusterIP) fetches every Service's ClusterIP every --poll-ms on a new connection;
# then N EnvironmentLeases, lease I borrowing target I with files tag pr-(I+1) (a pull request's
# image), are created at once (one connection each, released by one barrier). Per lease, from the
# lease turning Active as a watcher sees it to the first answer with its page, split by the watch
# events of the objects in between (see bench/README-scenarios.md). Then every lease is released
# and the next round waits for every target to be back on v1 with its old pods gone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
targets=10 rounds=3 poll_ms=50 workers=8 one=0 out="" cluster_dir=""
labfleet_bin="$root/build/operator/labfleet-operator"
while (($#)); do
  case $1 in
    --targets) targets=$2; shift 2 ;; --rounds) rounds=$2; shift 2 ;; --poll-ms) poll_ms=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;; --one-workload) one=1; shift ;; --out) out=$2; shift 2 ;;
    --cluster-dir) cluster_dir=$2; shift 2 ;; --labfleet-bin) labfleet_bin=$2; shift 2 ;;
    *) echo "error: unknown flag $1 (see the header of $0)" >&2; exit 1 ;;
  esac
done
[[ -n $out && -x $labfleet_bin ]] || { echo "error: needs --out DIR and an executable --labfleet-bin" >&2; exit 1; }
((targets >= 1 && targets <= 50 && rounds >= 1 && poll_ms >= 10)) ||
  { echo "error: needs --targets 1..50, --rounds >= 1, --poll-ms >= 10" >&2; exit 1; }
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
cluster_dir=${cluster_dir:-$out/cluster}
mkdir -p "$cluster_dir"
cluster_dir=$(cd "$cluster_dir" && pwd)
export KUBECONFIG="$cluster_dir/kubeconfig"
PATH="$("$root/hack/control-plane-bins.sh" --bindir 2>/dev/null):$PATH"
export PATH
source "$here/lib.sh"
dir=$cluster_dir
source "$root/hack/lib/real-node.sh"

why=$("$root/hack/local-cluster.sh" node-check 2>&1) || die "a real node cannot run here: $why"
helper="$here/swap.py"
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"  # cluster_api.py
operator_ns=labfleet-system
tags=(v1)
for ((i = 1; i <= targets; i++)); do tags+=("pr-$i"); done

own_cluster swap  # everything started from here on is stopped at the end (lib.sh)

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit (with local changes)"
echo "load swap $load_before"
printf 'swap-setup run targets=%d rounds=%d poll_ms=%d one_workload=%d labfleet_sha256=%s labfleet_built=%s\n' \
  "$targets" "$rounds" "$poll_ms" "$one" "$(sha256sum "$labfleet_bin" | cut -c1-12)" \
  "$(date -u -r "$labfleet_bin" +%Y-%m-%dT%H:%MZ)"

# --- 1. images, the cluster, the fleet on v1 -----------------------------------------------------
step "swap: files images ${tags[*]}"
"$root/hack/image.sh" files "${tags[@]}" >"$out/logs/images.log" 2>&1 || { tail -n 20 "$out/logs/images.log" >&2; die "building the files images failed"; }
cluster_started=true
started=$SECONDS
timeout 300 "$root/hack/local-cluster.sh" up --dir "$cluster_dir" --node real >"$out/logs/up.log" 2>&1 ||
  { tail -n 20 "$out/logs/up.log" >&2; die "the cluster did not start within 300 s"; }
archives=()
for t in "${tags[@]}"; do archives+=("$("$root/hack/image.sh" archive "localhost/labfleet/files:$t")"); done
"$root/hack/local-cluster.sh" load --dir "$cluster_dir" "${archives[@]}" >"$out/logs/load.log" 2>&1 ||
  { tail -n 20 "$out/logs/load.log" >&2; die "importing the files images failed"; }
step "swap: cluster with a real node up and ${#tags[@]} files images imported in $((SECONDS - started)) s"
# containerd's events (the node's containers' task starts, to the nanosecond) for the kubelet's part.
node_paths
ctr --address "$containerd_sock" events >"$out/ctr-events.txt" 2>"$out/logs/ctr-events.err" &
watch_pids+=($!)
: >"$out/ctr-ids.jsonl"
install_crds
kubectl create namespace "$operator_ns" >/dev/null
python3 "$helper" watches "$cluster_dir" "$out/events.jsonl" 2>"$out/logs/watches.err" &
watch_pids+=($!)
python3 "$helper" seed "$cluster_dir" "$targets" "$one" || die "seeding the fleet failed"
start_operator "$out/logs/labfleet.log" "$labfleet_bin" run --leader-elect=false --metrics-secure=false \
  --workers="$workers" --leader-election-namespace="$operator_ns" --log-format=text
reset_traps
wait_ready "$(bound 60 0.1 "$targets")" >/dev/null
step "swap: labfleet ready; waiting for $targets file servers on v1"
settle_s=$(bound 120 6 "$targets")
guarded "starting the fleet" python3 "$helper" settled "$cluster_dir" "$targets" "$one" v1 "$settle_s" >"$out/ips.txt" ||
  die "the fleet did not settle on v1 within $settle_s s (log: $op_log)"
mapfile -t ips <"$out/ips.txt"
((${#ips[@]} == targets)) || die "expected $targets Service IPs, got ${#ips[@]}"
# steady TAG: every Service answers with TAG's page five times in a row (bounded by the caller).
steady() { in_node python3 "$helper" steady "$1" "${ips[@]}"; }
deadline=$((SECONDS + 60))
until steady v1; do ((SECONDS < deadline)) || die "the Services do not all serve v1 after 60 s"; sleep 0.5; done
step "swap: every Service serves v1 through its ClusterIP"

# --- 2. the rounds -------------------------------------------------------------------------------
: >"$out/rounds.txt"
# kube-proxy's own figures, before and after the rounds (its metrics listen in the node's namespace).
kube_proxy_metrics() { in_node curl -fsS --max-time 5 http://127.0.0.1:10249/metrics >"$1" 2>/dev/null || : >"$1"; }
kube_proxy_metrics "$out/kube-proxy-before.txt"
for ((r = 1; r <= rounds; r++)); do
  wait_quiet 3 60
  pairs=()
  for ((i = 0; i < targets; i++)); do pairs+=("${ips[i]}=pr-$((i + 1))"); done
  poll_limit=$(bound 30 1 "$targets")
  # nsenter runs python in place of itself: $! is the poller.
  "${in_node[@]}" python3 "$helper" poll "$out/poll-$r.jsonl" "$poll_ms" "$poll_limit" "${pairs[@]}" \
    >"$out/logs/poll-$r.out" 2>"$out/logs/poll-$r.err" &
  poller=$!
  watch_pids+=("$poller")
  deadline=$((SECONDS + 20))
  until grep -q polling "$out/logs/poll-$r.out" 2>/dev/null; do
    running "$poller" || die "the poller of round $r exited (logs in $out/logs)"
    ((SECONDS < deadline)) || die "the poller of round $r did not reach every Service within 20 s"
    sleep 0.05
  done
  cpu_before=$(head -n 1 /proc/stat)
  t0=$(python3 "$helper" grant "$cluster_dir" "$targets" "$r" "$one") || die "creating the leases of round $r failed"
  step "swap: round $r: $targets leases created; waiting for each Service to serve its lease's page"
  # The poller ends once every Service has served its page, or at its bound.
  poller_done() { while running "$poller"; do sleep 0.05; done; }
  guarded "round $r's swaps" poller_done || die "round $r: waiting for the poller failed"
  wait "$poller" 2>/dev/null || true
  # The machine's CPU over the swaps (every core; idle and iowait count as idle).
  awk -v a="$cpu_before" -v b="$(head -n 1 /proc/stat)" -v r="$r" 'BEGIN { n = split(a, x); split(b, y)
    for (i = 2; i <= n; i++) { d = y[i] - x[i]; total += d; if (i == 5 || i == 6) idle += d }
    printf "swap-cpu round=%d busy_pct=%.0f window_s=%.2f\n", r, 100 * (total - idle) / total, total / '"$(nproc)"' / '"$(getconf CLK_TCK)"' }'
  echo "$r $t0 $out/poll-$r.jsonl" >>"$out/rounds.txt"
  served=$(grep -c '"t": [0-9]' "$out/poll-$r.jsonl" || true)
  ((served == targets)) || die "round $r: $served of $targets Services served their lease's page within $poll_limit s (see $out/poll-$r.jsonl)"
  guarded "round $r's Serving verdicts" python3 "$helper" wait-serving "$cluster_dir" "$targets" "$r" "$(bound 60 2 "$targets")" ||
    die "round $r: the leases did not all report Serving (log: $op_log)"
  python3 "$helper" ctr-map "$containerd_sock" "$out/ctr-ids.jsonl" || die "round $r: listing the node's containers failed"
  step "swap: round $r: every Service served its lease's page; releasing the leases"
  python3 "$helper" release "$cluster_dir" "$targets" "$r" || die "releasing the leases of round $r failed"
  guarded "round $r's release" python3 "$helper" settled "$cluster_dir" "$targets" "$one" v1 "$settle_s" >/dev/null ||
    die "round $r: the fleet did not settle back on v1 within $settle_s s"
  deadline=$((SECONDS + 60))
  until steady v1; do ((SECONDS < deadline)) || die "round $r: the Services do not all serve v1 60 s after the release"; sleep 0.5; done
done
sleep 1  # the watches' last events
kube_proxy_metrics "$out/kube-proxy-after.txt"

# --- 3. figures ----------------------------------------------------------------------------------
python3 "$helper" analyze "$out/events.jsonl" "$out/rounds.txt" "$targets" "$one" "$out/table.md" \
  "$out/ctr-events.txt" "$out/ctr-ids.jsonl" ||
  die "the swaps' figures could not be computed (events in $out/events.jsonl)"
# kube-proxy over the rounds (releases included): rule syncs and their mean duration, and the
# network programming latency (an endpoint's change to its rules written, as kube-proxy measures it).
awk '
  /^kubeproxy_(sync_proxy_rules|network_programming)_duration_seconds_(sum|count)\{ip_family="IPv4"\} / {
    sub(/\{.*/, "", $1); v[$1] += (FILENAME == ARGV[1] ? -$2 : $2) }
  END { sc = v["kubeproxy_sync_proxy_rules_duration_seconds_count"]; pc = v["kubeproxy_network_programming_duration_seconds_count"]
    printf "swap-kube-proxy syncs=%d sync_mean_ms=%.0f programming_count=%d programming_mean_ms=%.0f\n", sc,
      sc ? 1000 * v["kubeproxy_sync_proxy_rules_duration_seconds_sum"] / sc : 0, pc,
      pc ? 1000 * v["kubeproxy_network_programming_duration_seconds_sum"] / pc : 0 }' \
  "$out/kube-proxy-before.txt" "$out/kube-proxy-after.txt"
echo "load swap-end $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'swap-operator cpu_s=%s peak_rss_mb=%s warnings=%d errors=%d commit=%s\n' "$(cpu_seconds)" "$(peak_rss_mb)" \
  "$(grep -c 'level=warn' "$op_log" || true)" "$(grep -c 'level=error' "$op_log" || true)" "${commit// /_}"
step "swap: done"
