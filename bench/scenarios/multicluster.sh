#!/usr/bin/env bash
# (f) Multi-cluster: one Labfleet in a home cluster driving N remote clusters, against one
# controller-runtime peer per cluster. Starts its own control planes (all `--node none`: etcd +
# kube-apiserver, nothing runs pods) and stops every one at the end, also on error or Ctrl-C.
#
#   multicluster.sh --out DIR --peer PEER_BIN [--clusters 8] [--workloads 20] [--blackhole-minutes 10]
#                   [--healthy-rounds 10] [--workers 8] [--labfleet-bin PATH] [--plugin-bin PATH]
# (hack/bench.sh multicluster runs it with the peer it builds; BENCHCTL names benchctl.)
#
# In order, on the same N remotes:
#  1. peers: CRDs, namespace bench-ns-0000, one target and the policy in each remote; N peers start
#     (each with its remote's admin kubeconfig), then M workloads are created in every remote:
#     time until every remote has its M files Deployments with the right image; the peers' peak
#     RSS (VmHWM), summed. The peers are stopped before Labfleet starts; their objects stay (in
#     their own namespace, outside every Role Labfleet holds there).
#  2. Labfleet (home cluster: CRDs, namespace labfleet-system whose Secrets register the remotes,
#     each a least-privileged ServiceAccount token with the remote's CA inline): RSS idle with no
#     cluster, then with N targets (namespace lf-bench of each remote) registered and Ready but no
#     workload; then M workloads created: convergence time as for the peers, requests per cluster,
#     RSS loaded and per cached remote object.
#  3. change rounds: every workload's files tag patched, time until remote-1 .. remote-(N-1) run it;
#     R rounds with all healthy, then one remote's kube-apiserver is SIGSTOPped: time until its
#     target is Ready=False/ClusterUnreachable, rounds for B minutes on the N-1 others, RSS and fds
#     at the start and end; SIGCONT (always, also on error) and time until its target is Ready and
#     it has caught up.
# One `key=value` line per figure group on stdout; progress on stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
clusters=8 workloads=20 blackhole_minutes=10 healthy_rounds=10 workers=8 out="" peer_bin=""
labfleet_bin="$root/build/operator/labfleet-operator" plugin_bin=""
while (($#)); do
  case $1 in
    --clusters) clusters=$2; shift 2 ;; --workloads) workloads=$2; shift 2 ;;
    --blackhole-minutes) blackhole_minutes=$2; shift 2 ;; --healthy-rounds) healthy_rounds=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;; --out) out=$2; shift 2 ;; --peer) peer_bin=$2; shift 2 ;;
    --labfleet-bin) labfleet_bin=$2; shift 2 ;; --plugin-bin) plugin_bin=$2; shift 2 ;;
    *) echo "error: unknown flag $1 (see the header of $0)" >&2; exit 1 ;;
  esac
done
: "${plugin_bin:=$(dirname "$labfleet_bin")/kubectl-labfleet}"
[[ -n $out && -x $peer_bin && -x $labfleet_bin && -x $plugin_bin ]] ||
  { echo "error: needs --out DIR, --peer PEER_BIN, an executable --labfleet-bin and kubectl-labfleet beside it (or --plugin-bin)" >&2; exit 1; }
((clusters >= 2 && workloads >= 1 && blackhole_minutes >= 1 && healthy_rounds >= 1)) ||
  { echo "error: needs --clusters >= 2, --workloads >= 1, --blackhole-minutes >= 1, --healthy-rounds >= 1" >&2; exit 1; }
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
export KUBECONFIG="$out/home/kubeconfig"
PATH="$("$root/hack/control-plane-bins.sh" --bindir 2>/dev/null):$PATH"
export PATH
source "$here/lib.sh"

operator_ns=labfleet-system target_ns=lf-bench peer_ns=bench-ns-0000
registry=registry.bench:5000
sa=labfleet
helper="$out/mc-helper.py"
remote_dir() { printf '%s/remote-%d\n' "$out" "$1"; }
rk() { local i=$1; shift; kubectl --kubeconfig "$(remote_dir "$i")/kubeconfig" --request-timeout=10s "$@"; }

# --- everything started here, stopped by cleanup ------------------------------------------------
cluster_dirs=() up_pids=() peer_pids=() seed_pids=() frozen_pid=""
cleanup() {
  local status=$? pid dir
  set +e
  trap - INT TERM
  [[ -n $frozen_pid ]] && kill -CONT "$frozen_pid" 2>/dev/null
  for pid in ${peer_pids[@]+"${peer_pids[@]}"}; do kill "$pid" 2>/dev/null; done
  stop_operator
  for pid in ${up_pids[@]+"${up_pids[@]}"}; do kill "$pid" 2>/dev/null; done
  for pid in ${seed_pids[@]+"${seed_pids[@]}"}; do kill "$pid" 2>/dev/null; done
  for pid in ${peer_pids[@]+"${peer_pids[@]}"} ${up_pids[@]+"${up_pids[@]}"} ${seed_pids[@]+"${seed_pids[@]}"}; do
    for _ in $(seq 50); do running "$pid" || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
  for dir in ${cluster_dirs[@]+"${cluster_dirs[@]}"}; do
    # A stopped kube-apiserver would wait out local-cluster.sh's 10 s grace.
    pid=$(cat "$dir/pids/kube-apiserver" 2>/dev/null) && kill -CONT "$pid" 2>/dev/null
    "$root/hack/local-cluster.sh" down --dir "$dir" >>"$out/logs/down.log" 2>&1 &
  done
  wait
  ((${#cluster_dirs[@]})) && step "multicluster: stopped ${#cluster_dirs[@]} control planes"
  exit "$status"
}
reset_traps() { trap cleanup EXIT; trap 'exit 130' INT TERM; }
reset_traps

# --- the helper: patches and convergence polls over kept-alive HTTPS, no kubectl per poll -------
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"  # cluster_api.py
cat >"$helper" <<'PY'
import http.client, json, ssl, sys, time

from cluster_api import Api  # bench/scenarios/cluster_api.py, on PYTHONPATH

def name(w): return "bench-w%04d" % w

def patch(home, m, tag):
    """Pins every workload's files tag to TAG."""
    api, body = Api(home, 30), json.dumps({"spec": {"images": {"files": {"tag": tag}}}})
    for w in range(m):
        s, data = api.req("PATCH", "/apis/labfleet.dev/v1alpha1/workloads/" + name(w), body, "application/merge-patch+json")
        if s != 200: sys.exit("patch %s: HTTP %d %s" % (name(w), s, data[:200]))

def converged(api, ns, image, m):
    s, data = api.req("GET", "/apis/apps/v1/namespaces/%s/deployments?labelSelector=app.kubernetes.io%%2Fmanaged-by%%3Dlabfleet" % ns)
    if s != 200: return -1
    want = {name(w) + "-files": image.format(name=name(w) + "-files") for w in range(m)}
    good = 0
    for d in json.loads(data)["items"]:
        img = [c["image"] for c in d["spec"]["template"]["spec"]["containers"] if c["name"] == "files"]
        if want.get(d["metadata"]["name"]) in img: good += 1
    return good

def wait(start_ns, timeout, ns, image, m, dirs):
    """Until every cluster in DIRS has M files Deployments with IMAGE (polled every 0.2 s):
    prints the seconds since START_NS when the last got there, the slowest cluster, and each
    cluster's seconds as NAME=S."""
    apis, done, deadline, last = {d: Api(d) for d in dirs}, {}, time.time() + timeout, time.time()
    while len(done) < len(dirs):
        for d in dirs:
            if d in done: continue
            try: good = converged(apis[d], ns, image, m)
            except (OSError, http.client.HTTPException, ValueError, KeyError): good = -1
            if good == m: done[d] = (time.time_ns() - start_ns) / 1e9
        if time.time() > deadline:
            print("timeout converged=%d/%d" % (len(done), len(dirs))); sys.exit(2)
        if time.time() - last > 15 and len(done) < len(dirs):
            print("  %d of %d clusters converged" % (len(done), len(dirs)), file=sys.stderr); last = time.time()
        if len(done) < len(dirs): time.sleep(0.2)
    slowest = max(done, key=done.get)
    print("%.3f %s %s" % (done[slowest], slowest.rsplit("/", 1)[1],
                          " ".join("%s=%.3f" % (d.rsplit("/", 1)[1], done[d]) for d in dirs)))

cmd = sys.argv[1]
if cmd == "patch": patch(sys.argv[2], int(sys.argv[3]), sys.argv[4])
elif cmd == "wait": wait(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7:])
else: sys.exit("unknown command " + cmd)
PY

now_ns() { date +%s%N; }
# converge_wait START_NS TIMEOUT NS IMAGE_TEMPLATE DIR...: prints "SECONDS SLOWEST NAME=SECONDS...",
# or "timeout ..." (status 2).
converge_wait() { python3 "$helper" wait "$1" "$2" "$3" "$4" "$workloads" "${@:5}"; }
remote_dirs() { local i; for i in "$@"; do remote_dir "$i"; done; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maximum() { sort -g | tail -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.2f", a / b; else print "nan" }'; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
kb_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# settle: a quiet moment before a memory reading (the operator's allocator and caches at rest).
settle() { sleep 10; op_alive || operator_exited "settling"; }
# requests_by_cluster: "CLUSTER COUNT" lines, labfleet_cluster_requests_total summed over method and code.
requests_by_cluster() {
  curl -fsS "$op_metrics" | awk '/^labfleet_cluster_requests_total\{/ {
      if (match($0, /cluster="[^"]*"/)) s[substr($0, RSTART + 9, RLENGTH - 10)] += $NF }
    END { for (c in s) print c, s[c] }' | sort -V
}
metric_sum() { curl -fsS "$op_metrics" | awk -v n="$1" 'index($0, n "{") == 1 || $1 == n { s += $NF } END { printf "%d", s }'; }

all=$(seq 1 "$clusters")
per_round_limit=$(bound 60 0.05 $((clusters * workloads)))
step "multicluster: $clusters remotes, $workloads workloads, $blackhole_minutes min black-holed; out $out"
echo "load multicluster $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'multicluster-setup run clusters=%d workloads=%d blackhole_minutes=%d healthy_rounds=%d labfleet_sha256=%s labfleet_built=%s\n' \
  "$clusters" "$workloads" "$blackhole_minutes" "$healthy_rounds" "$(sha256sum "$labfleet_bin" | cut -c1-12)" \
  "$(date -u -r "$labfleet_bin" +%Y-%m-%dT%H:%MZ)"

# --- 1. control planes: home + N remotes, three starting at a time on 2 cores --------------------
names=(home) started=$SECONDS
for i in $all; do names+=("remote-$i"); done
up_running() { local p n=0; for p in ${up_pids[@]+"${up_pids[@]}"}; do running "$p" && n=$((n + 1)); done; echo "$n"; }
up_limit=$(bound 120 60 $((clusters + 1))) last_note=$SECONDS
for name in "${names[@]}"; do
  while (($(up_running) >= 3)); do
    ((SECONDS - started < up_limit)) || die "control planes not up within $up_limit s (logs in $out/logs)"
    ((SECONDS - last_note >= 15)) && { step "multicluster: starting control planes, $((SECONDS - started)) s"; last_note=$SECONDS; }
    sleep 1
  done
  cluster_dirs+=("$out/$name")
  "$root/hack/local-cluster.sh" up --dir "$out/$name" --node none >"$out/logs/up-$name.log" 2>&1 &
  up_pids+=($!)
  step "multicluster: starting control plane $name (${#cluster_dirs[@]} of $((clusters + 1)))"
done
for k in "${!up_pids[@]}"; do
  while running "${up_pids[k]}"; do
    ((SECONDS - started < up_limit)) || die "control planes not up within $up_limit s (logs in $out/logs)"
    sleep 1
  done
  wait "${up_pids[k]}" || { tail -n 20 "$out/logs/up-${names[k]}.log" >&2; die "control plane ${names[k]} failed to start"; }
done
up_pids=()
step "multicluster: $((clusters + 1)) control planes up in $((SECONDS - started)) s"

# --- 2. the peers: one per remote, on its own cluster --------------------------------------------
step "multicluster: peers: CRDs, one target and the policy in each remote"
# wait_seeds: waits for the seeding jobs in seed_pids; fails when one did.
wait_seeds() { local p s=0; for p in ${seed_pids[@]+"${seed_pids[@]}"}; do wait "$p" || s=1; done; seed_pids=(); return $s; }
for i in $all; do
  (
    export KUBECONFIG="$(remote_dir "$i")/kubeconfig"
    install_crds && "$BENCHCTL" seed-fleet --targets 1 --workloads 0
  ) >"$out/logs/seed-peer-$i.log" 2>&1 &
  seed_pids+=($!)
done
wait_seeds || die "seeding the remotes for the peers failed (logs in $out/logs/seed-peer-*.log)"
declare -A peer_probe
for i in $all; do
  mport=$(free_port) pport=$(free_port)
  KUBECONFIG="$(remote_dir "$i")/kubeconfig" "$peer_bin" run --leader-elect=false --workers="$workers" --kube-api-qps=-1 \
    --metrics-bind-address="127.0.0.1:$mport" --health-probe-bind-address="127.0.0.1:$pport" >"$out/logs/peer-$i.log" 2>&1 &
  peer_pids+=($!) peer_probe[$i]="http://127.0.0.1:$pport/readyz"
done
step "multicluster: peers: $clusters started, waiting for /readyz"
deadline=$((SECONDS + $(bound 60 10 "$clusters")))
for i in $all; do
  until curl -fsS -o /dev/null "${peer_probe[$i]}" 2>/dev/null; do
    running "${peer_pids[i - 1]}" || { tail -n 20 "$out/logs/peer-$i.log" >&2; die "peer $i exited"; }
    ((SECONDS < deadline)) || die "peer $i not ready in time (log: $out/logs/peer-$i.log)"
    sleep 0.1
  done
done
step "multicluster: peers: creating $workloads workloads in each remote"
t0=$(now_ns)
for i in $all; do
  KUBECONFIG="$(remote_dir "$i")/kubeconfig" "$BENCHCTL" seed-fleet --targets 0 --workloads "$workloads" --policy=false \
    >"$out/logs/seed-peer-w-$i.log" 2>&1 &
  seed_pids+=($!)
done
conv_limit=$(bound 120 0.2 $((clusters * workloads)))
read -r peer_wall _ < <(converge_wait "$t0" "$conv_limit" "$peer_ns" "$registry/t0/workshops/{name}:c0" $(remote_dirs $all)) || true
wait_seeds || die "seeding the peers' workloads failed"
[[ $peer_wall =~ ^[0-9.]+$ ]] || die "the peers did not converge within $conv_limit s"
sleep 5
peer_hwm_kb=0 peer_rss_kb=0
for k in "${!peer_pids[@]}"; do
  running "${peer_pids[k]}" || die "peer $((k + 1)) exited (log: $out/logs/peer-$((k + 1)).log)"
  peer_hwm_kb=$((peer_hwm_kb + $(kb_of "${peer_pids[k]}" VmHWM)))
  peer_rss_kb=$((peer_rss_kb + $(kb_of "${peer_pids[k]}" VmRSS)))
done
for pid in "${peer_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${peer_pids[@]}"; do
  for _ in $(seq 100); do running "$pid" || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
done
peer_pids=()
step "multicluster: peers converged in $peer_wall s; summed peak RSS $(mb "$peer_hwm_kb") MiB; stopped"

# --- 3. Labfleet in the home cluster -------------------------------------------------------------
install_crds
kubectl create namespace "$operator_ns" >/dev/null
start_operator "$out/logs/labfleet.log" "$labfleet_bin" run --leader-elect=false --metrics-secure=false \
  --workers="$workers" --leader-election-namespace="$operator_ns" --log-format=text
reset_traps
wait_ready "$(ready_bound 0)" >/dev/null
settle
rss0_kb=$(kb_of "$op_pid" VmRSS)
step "multicluster: labfleet ready, idle with no cluster: RSS $(mb "$rss0_kb") MiB"

# register I: remote I registered as docs/multicluster.md shows, by `kubectl labfleet cluster add`:
# the least identity there (the operator's own permission list), a token bound to a Secret there,
# and the home Secret remote-I with an inline-CA kubeconfig.
register() {
  local log="$out/logs/cluster-add-$1.log"
  "$plugin_bin" cluster add "remote-$1" --remote-kubeconfig "$(remote_dir "$1")/kubeconfig" \
    --namespaces "$target_ns" --create-namespaces --operator-namespace "$operator_ns" \
    --service-account "$operator_ns/$sa" --token-duration 24h >"$log" 2>&1 || { tail -n 5 "$log" >&2; return 1; }
}
step "multicluster: registering $clusters remotes (least-privileged ServiceAccount tokens) and their targets"
for i in $all; do register "$i" || die "registering remote-$i failed"; done
for i in $all; do
  cat <<TARGET
---
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata:
  name: remote-$i
  labels: {bench.labfleet.dev/fleet: "true"}
spec: {environment: mc, namespace: $target_ns, registry: "$registry", channel: stable, cluster: {name: remote-$i}}
TARGET
done | kubectl apply -f - >/dev/null
"$BENCHCTL" seed-fleet --targets 0 --workloads 0 --policy=true >/dev/null
guarded "waiting for the targets to be Ready" kubectl wait --for=condition=Ready deploymenttargets --all \
  --timeout="$(bound 60 10 "$clusters")s" >/dev/null || die "the targets did not become Ready (log: $op_log)"
settle
rss_idle_kb=$(kb_of "$op_pid" VmRSS) fds_idle=$(fds "$op_pid")
step "multicluster: $clusters targets Ready, no workload: RSS $(mb "$rss_idle_kb") MiB, $fds_idle fds"

step "multicluster: labfleet: creating $workloads workloads ($((clusters * workloads)) pairs)"
requests_before=$(requests_by_cluster)
t0=$(now_ns)
"$BENCHCTL" seed-fleet --targets 0 --workloads "$workloads" --policy=false >/dev/null
read -r lf_wall _ < <(guarded "converging" converge_wait "$t0" "$conv_limit" "$target_ns" "$registry/workshops/{name}:stable" \
  $(remote_dirs $all)) || true
[[ $lf_wall =~ ^[0-9.]+$ ]] || die "Labfleet did not converge within $conv_limit s (log: $op_log)"
step "multicluster: labfleet converged in $lf_wall s"
settle
rss_loaded_kb=$(kb_of "$op_pid" VmRSS) hwm_converged_kb=$(kb_of "$op_pid" VmHWM)
cached=$(metric_sum labfleet_cluster_cached_objects)
requests_after=$(requests_by_cluster)
# Per cluster, the requests while converging (the counters' delta over the workloads' creation).
requests_by_cluster=$(awk 'NR == FNR { before[$1] = $2; next } { print $1, $2 - before[$1] }' \
  <(printf '%s\n' "$requests_before") <(printf '%s\n' "$requests_after"))
requests_total=$(awk '{ s += $2 } END { printf "%d", s }' <<<"$requests_by_cluster")
requests_min=$(awk 'NR == 1 || $2 < m { m = $2 } END { printf "%d", m }' <<<"$requests_by_cluster")
requests_max=$(awk '$2 > m { m = $2 } END { printf "%d", m }' <<<"$requests_by_cluster")
requests_since_start=$(awk '{ s += $2 } END { printf "%d", s }' <<<"$requests_after")

# --- 4. change rounds, all healthy, then with one remote black-holed -----------------------------
# round TAG DIR...: patches every workload's files tag and waits until every DIR runs it; prints
# the seconds until remote-1 .. remote-(N-1) all did (the victim of the black hole is remote-N:
# with all healthy it is waited for, so that rounds do not overlap, but not counted, so that both
# kinds of round time the same N-1 clusters).
round() {
  local tag=$1 t result; shift
  t=$(now_ns)
  python3 "$helper" patch "$out/home" "$workloads" "$tag" || die "patching the workloads failed"
  result=$(guarded "a change round" converge_wait "$t" "$per_round_limit" "$target_ns" "$registry/workshops/{name}:$tag" "$@") || true
  [[ $result == [0-9]* ]] || { echo timeout; return; }
  tr ' ' '\n' <<<"${result#* * }" | awk -F= -v victim="remote-$clusters" '$1 != victim && $2 > m { m = $2 } END { print m }'
}
healthy_times=()
for k in $(seq "$healthy_rounds"); do
  healthy_times+=("$(round "h$k" $(remote_dirs $all))")
  [[ ${healthy_times[-1]} =~ ^[0-9.]+$ ]] || die "healthy round $k did not converge within $per_round_limit s"
  sleep 2
done
step "multicluster: $healthy_rounds rounds with all healthy: ${healthy_times[*]} s"

victim=$clusters healthy=$(seq 1 $((clusters - 1)))
frozen_pid=$(cat "$(remote_dir "$victim")/pids/kube-apiserver")
ready_reason() { kubectl get deploymenttarget "remote-$victim" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Ready")].reason}'; }
step "multicluster: SIGSTOP remote-$victim's kube-apiserver (pid $frozen_pid)"
t=$(now_ns)
kill -STOP "$frozen_pid"
deadline=$((SECONDS + 300))
until [[ $(ready_reason) == */ClusterUnreachable ]]; do
  op_alive || operator_exited "waiting for ClusterUnreachable"
  ((SECONDS < deadline)) || die "remote-$victim's target not ClusterUnreachable within 300 s (Ready: $(ready_reason))"
  sleep 0.5
done
unreachable_s=$(elapsed_since "$t")
step "multicluster: remote-$victim's target is ClusterUnreachable after $unreachable_s s; rounds for $blackhole_minutes min"
rss_bh_start_kb=$(kb_of "$op_pid" VmRSS) fds_bh_start=$(fds "$op_pid")
bh_times=() bh_timeouts=0 k=0 end=$((SECONDS + blackhole_minutes * 60)) last_note=$SECONDS
while ((SECONDS < end)); do
  k=$((k + 1))
  r=$(round "b$k" $(remote_dirs $healthy))
  if [[ $r =~ ^[0-9.]+$ ]]; then bh_times+=("$r"); else bh_timeouts=$((bh_timeouts + 1)); fi
  ((SECONDS - last_note >= 60)) && { step "multicluster: black-holed, $k rounds, last ${r:-timeout} s, RSS $(mb "$(kb_of "$op_pid" VmRSS)") MiB, $(fds "$op_pid") fds"; last_note=$SECONDS; }
  sleep 2
done
rss_bh_end_kb=$(kb_of "$op_pid" VmRSS) fds_bh_end=$(fds "$op_pid")
step "multicluster: SIGCONT remote-$victim"
t=$(now_ns)
kill -CONT "$frozen_pid"
frozen_pid=""
deadline=$((SECONDS + 300))
until [[ $(ready_reason) == True/* ]]; do
  op_alive || operator_exited "waiting for the thawed target to be Ready"
  ((SECONDS < deadline)) || die "remote-$victim's target not Ready within 300 s of SIGCONT (Ready: $(ready_reason))"
  sleep 0.5
done
recovered_s=$(elapsed_since "$t")
read -r caught_up_s _ < <(converge_wait "$t" "$per_round_limit" "$target_ns" "$registry/workshops/{name}:b$k" "$(remote_dir "$victim")") || true
hwm_end_kb=$(kb_of "$op_pid" VmHWM)

# --- figures -------------------------------------------------------------------------------------
h_p50=$(printf '%s\n' "${healthy_times[@]}" | median) h_max=$(printf '%s\n' "${healthy_times[@]}" | maximum)
if ((${#bh_times[@]})); then
  b_p50=$(printf '%s\n' "${bh_times[@]}" | median) b_max=$(printf '%s\n' "${bh_times[@]}" | maximum)
else b_p50=nan b_max=nan; fi
per_idle=$(awk -v a="$rss_idle_kb" -v b="$rss0_kb" -v n="$clusters" 'BEGIN { printf "%.2f", (a - b) / 1024 / n }')
per_loaded=$(awk -v a="$rss_loaded_kb" -v b="$rss0_kb" -v n="$clusters" 'BEGIN { printf "%.2f", (a - b) / 1024 / n }')
per_object=$(awk -v a="$rss_loaded_kb" -v b="$rss_idle_kb" -v n="$cached" 'BEGIN { if (n > 0) printf "%.2f", (a - b) / n; else print "nan" }')
conv_ratio=$(ratio "$lf_wall" "$peer_wall")
mem_ratio=$(ratio "$hwm_converged_kb" "$peer_hwm_kb")
printf 'multicluster-memory labfleet clusters=%d idle0_rss_mb=%s idle_rss_mb=%s mb_per_idle_conn=%s loaded_rss_mb=%s mb_per_loaded_conn=%s cached_objects=%d kb_per_cached_object=%s fds_idle=%d\n' \
  "$clusters" "$(mb "$rss0_kb")" "$(mb "$rss_idle_kb")" "$per_idle" "$(mb "$rss_loaded_kb")" "$per_loaded" "$cached" "$per_object" "$fds_idle"
printf 'multicluster-convergence labfleet pairs=%d wall_s=%s requests_total=%d requests_per_cluster_min=%d requests_per_cluster_max=%d requests_since_start=%d peak_rss_mb=%s\n' \
  $((clusters * workloads)) "$lf_wall" "$requests_total" "$requests_min" "$requests_max" "$requests_since_start" "$(mb "$hwm_converged_kb")"
printf 'multicluster-requests labfleet %s\n' "$(awk '{ printf "%s%s=%d", (NR > 1 ? " " : ""), $1, $2 }' <<<"$requests_by_cluster")"
printf 'multicluster-convergence peers peers=%d pairs=%d wall_s=%s sum_peak_rss_mb=%s sum_rss_mb=%s\n' \
  "$clusters" $((clusters * workloads)) "$peer_wall" "$(mb "$peer_hwm_kb")" "$(mb "$peer_rss_kb")"
printf 'multicluster-rounds healthy rounds=%d p50_s=%s max_s=%s\n' "${#healthy_times[@]}" "$h_p50" "$h_max"
printf 'multicluster-rounds blackholed rounds=%d timed_out=%d p50_s=%s max_s=%s ratio_p50=%s ratio_max=%s\n' \
  "${#bh_times[@]}" "$bh_timeouts" "$b_p50" "$b_max" "$(ratio "$b_p50" "$h_p50")" "$(ratio "$b_max" "$h_max")"
printf 'multicluster-blackhole labfleet minutes=%d unreachable_s=%s rss_start_mb=%s rss_end_mb=%s fds_start=%d fds_end=%d ready_again_s=%s caught_up_s=%s peak_rss_end_mb=%s\n' \
  "$blackhole_minutes" "$unreachable_s" "$(mb "$rss_bh_start_kb")" "$(mb "$rss_bh_end_kb")" "$fds_bh_start" "$fds_bh_end" \
  "$recovered_s" "${caught_up_s:-timeout}" "$(mb "$hwm_end_kb")"
goal() { awk -v v="$1" -v g="$2" 'BEGIN { if (v != v + 0) print "n/a"; else print (v <= g ? "met" : "missed") }'; }
printf 'multicluster-goals labfleet memory_vs_peers=%s(goal<1:%s) convergence_vs_peers=%s(goal<=1.2:%s) mb_per_idle_conn=%s(goal<=4:%s) blackholed_ratio_p50=%s(goal<=1.1:%s)\n' \
  "$mem_ratio" "$(goal "$mem_ratio" 0.999)" "$conv_ratio" "$(goal "$conv_ratio" 1.2)" "$per_idle" "$(goal "$per_idle" 4)" \
  "$(ratio "$b_p50" "$h_p50")" "$(goal "$(ratio "$b_p50" "$h_p50")" 1.1)"
step "multicluster: done"
