#!/usr/bin/env bash
# Measures the controllers on a local control plane (prints figures; not a test):
#  1. time from `kubectl apply` of a Workload to all its children present on 10 targets;
#  2. lease expiry lag (labfleet_lease_expiry_lag_seconds) over N leases on N
#     targets that all expire within the same few seconds.
#
#   bench/controllers.sh [LEASES]      (default 200; needs a built build/operator/labfleet-operator)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/hack/lib/log.sh"
leases=${1:-200}
dir=$(mktemp -d)
operator="${LABFLEET_BUILD_DIR:-$root/build}/operator/labfleet-operator"
[[ -x $operator ]] || die "build the operator first (hack/test.sh or ninja -C build labfleet-operator)"

"$root/hack/local-cluster.sh" up --dir "$dir/cluster" --minimal
source "$dir/cluster/env.sh"
pid=""
trap '[[ -n $pid ]] && kill $pid; "$root/hack/local-cluster.sh" down --dir "$dir/cluster"; rm -rf "$dir"' EXIT
kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$operator" run --metrics-bind-address="127.0.0.1:$port" --metrics-secure=false --health-probe-bind-address=127.0.0.1:0 \
  --log-level=warn ${LABFLEET_BENCH_FLAGS:-} >"$dir/operator.log" 2>&1 &
pid=$!

now_ms() { date +%s%3N; }
children() { kubectl get cm,deploy,svc -A -l labfleet.dev/workload="$1" --no-headers 2>/dev/null | wc -l; }

# --- 1. apply → children on 10 targets
{
  for i in $(seq 1 10); do
    printf 'apiVersion: labfleet.dev/v1alpha1\nkind: DeploymentTarget\nmetadata: {name: t%s, labels: {bench: fan-out}}\nspec: {environment: e%s, namespace: fan-%s}\n---\n' "$i" "$i" "$i"
  done
  printf 'apiVersion: labfleet.dev/v1alpha1\nkind: SchedulingPolicy\nmetadata: {name: fan-out}\nspec:\n  workloadSelector: {matchLabels: {bench: fan-out}}\n  targetSelector: {matchLabels: {bench: fan-out}}\n'
} | kubectl apply -f - >/dev/null
until [[ $(kubectl get ns --no-headers | grep -c '^fan-') -eq 10 ]]; do sleep 0.1; done
start=$(now_ms)
kubectl apply -f - >/dev/null <<'WL'
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: fan, labels: {bench: fan-out}}
spec:
  images:
    workshop: {repository: w/fan}
    files: {repository: w/fan-files}
  workshop: {title: fan-out}
WL
until [[ $(children fan) -eq 30 ]]; do sleep 0.05; done
fan_out_ms=$(( $(now_ms) - start ))

# --- 2. N leases expiring together
step "bench: creating $leases targets with one lease each"
{
  for i in $(seq 1 "$leases"); do
    printf 'apiVersion: labfleet.dev/v1alpha1\nkind: DeploymentTarget\nmetadata: {name: l%s}\nspec: {environment: lease, namespace: lease-%s}\n---\n' "$i" "$i"
  done
} | kubectl apply -f - >/dev/null
{
  for i in $(seq 1 "$leases"); do
    printf 'apiVersion: labfleet.dev/v1alpha1\nkind: EnvironmentLease\nmetadata: {name: l%s}\nspec: {target: l%s, holder: bench, duration: 20s}\n---\n' "$i" "$i"
  done
} | kubectl apply -f - >/dev/null
step "bench: waiting for the leases to expire"
deadline=$((SECONDS + 120))
until [[ $(kubectl get el -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c Expired) -eq $leases ]]; do
  ((SECONDS < deadline)) || die "not every lease expired in time"
  sleep 1
done
metrics=$(curl -fsS "127.0.0.1:$port/metrics")
grep '^labfleet_lease_expiry_lag_seconds' <<<"$metrics" | python3 -c '
import sys, re
buckets, count, total = [], 0, 0.0
for line in sys.stdin:
    if "_bucket" in line:
        le = re.search(r"le=\"([^\"]+)\"", line).group(1)
        buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
    elif "_count" in line: count = float(line.split()[-1])
    elif "_sum" in line: total = float(line.split()[-1])
def quantile(q):
    rank, prev_le, prev_n = q * count, 0.0, 0.0
    for le, n in buckets:
        if n >= rank:
            return prev_le + (le - prev_le) * (rank - prev_n) / max(n - prev_n, 1e-9) if le != float("inf") else prev_le
        prev_le, prev_n = le, n
print(f"lease expiry lag over {int(count)} leases: mean {1000*total/count:.1f} ms, "
      f"p50 {1000*quantile(0.5):.1f} ms, p99 {1000*quantile(0.99):.1f} ms (histogram interpolation)")
'
echo "apply → 30 children on 10 targets: ${fan_out_ms} ms"
