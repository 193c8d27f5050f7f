#!/usr/bin/env bash
# The main job: installs what is missing, builds the operator and its image,
# starts a local cluster with a real node (containerd + runc, kubelet,
# kube-proxy), installs the chart with that image, applies two environments
# with a workshop whose file server is a real pod, and shows the page each
# environment serves through its Service; then borrows stg with a short
# EnvironmentLease, shows the page swapped, and shows the base page back once
# the lease has expired. Where a real node cannot start it says why in one
# line and runs the same story on KWOK's simulated node with the operator as a
# local process (images are then only names); --simulated chooses that story.
# Stops everything it started unless --keep is given.
#
#   hack/demo.sh [--keep] [--simulated]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/hack/lib/log.sh"
keep=false simulated=false
for arg in "$@"; do
  case $arg in
    --keep) keep=true ;;
    --simulated) simulated=true ;;
    *) die "unknown argument $arg (hack/demo.sh [--keep] [--simulated])" ;;
  esac
done
cluster_dir="$(labfleet_cache_dir)/demo-cluster"
build_dir=${LABFLEET_BUILD_DIR:-$root/build}

"$root/hack/deps.sh"
step "demo: building labfleet-operator"
cmake -S "$root" -B "$build_dir" -G Ninja >/dev/null
ninja -C "$build_dir" labfleet-operator | grep -vE '^\[' || true
operator="$build_dir/operator/labfleet-operator"

if $simulated; then
  step "demo: on the simulated node (--simulated)"
elif why=$("$root/hack/local-cluster.sh" node-check); then
  keep_flag=(); $keep && keep_flag=(--keep)
  LABFLEET_OPERATOR="$operator" exec "$root/hack/demo-real-node.sh" "${keep_flag[@]}"
else
  step "demo: no real node on this machine ($why): using the simulated node"
fi
"$root/hack/local-cluster.sh" up --dir "$cluster_dir"
source "$cluster_dir/env.sh"
operator_pid=""
cleanup() {
  [[ -n $operator_pid ]] && kill "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null
  if $keep; then
    step "demo: left running; use it with: source $cluster_dir/env.sh (operator log: $cluster_dir/operator.log)"
  else
    "$root/hack/local-cluster.sh" down --dir "$cluster_dir"
  fi
}
trap cleanup EXIT

step "demo: installing the CRDs"
kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null

step "demo: starting the operator (log: $cluster_dir/operator.log)"
"$operator" run --leader-elect --leader-election-namespace=default --log-format=text \
  --metrics-bind-address=127.0.0.1:0 --health-probe-bind-address=127.0.0.1:0 >"$cluster_dir/operator.log" 2>&1 &
operator_pid=$!

step "demo: applying the samples (targets stg and prod, two workloads, a policy)"
kubectl apply -f "$root/samples/10-target-stg.yaml" -f "$root/samples/11-target-prod.yaml" \
  -f "$root/samples/20-workload-kubernetes-101.yaml" -f "$root/samples/21-workload-git-basics.yaml" \
  -f "$root/samples/30-policy-public-catalog.yaml"

images() {
  kubectl get deploy -A -l app.kubernetes.io/managed-by=labfleet \
    -o custom-columns='NAMESPACE:.metadata.namespace,DEPLOYMENT:.metadata.name,READY:.status.readyReplicas,IMAGE:.spec.template.spec.containers[0].image'
}
wait_for() {
  local what=$1; shift
  for _ in $(seq 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "demo: timed out waiting for $what" >&2
  tail -n 20 "$cluster_dir/operator.log" >&2
  return 1
}
stg_image() { kubectl -n workshops-stg get deploy kubernetes-101-files -o jsonpath='{.spec.template.spec.containers[0].image}'; }

wait_for "the children" bash -c '[[ $(kubectl get deploy -A -l app.kubernetes.io/managed-by=labfleet -o name | wc -l) -eq 4 ]]'
wait_for "workloads Ready" kubectl wait --for=condition=Ready --timeout=1s wl --all
step "demo: kubectl get labfleet"
kubectl get labfleet
step "demo: the Deployments the operator made, with their resolved images"
images

step "demo: borrowing stg for 10 s to try pull request 1234 (EnvironmentLease)"
kubectl apply -f - <<'LEASE'
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata:
  name: demo-pr-1234
spec:
  target: stg
  holder: alice@example.com
  duration: 10s
  reason: Try kubernetes-101 pull request 1234 on stg
  overrides:
    - workload: kubernetes-101
      files: {tag: pr-1234}
LEASE
wait_for "the lease's image" bash -c "[[ \$(kubectl -n workshops-stg get deploy kubernetes-101-files -o jsonpath='{.spec.template.spec.containers[0].image}') == *:pr-1234 ]]"
kubectl get el demo-pr-1234
echo "stg now runs: $(stg_image)"
step "demo: waiting for the lease to expire"
wait_for "the lease to expire" bash -c "[[ \$(kubectl get el demo-pr-1234 -o jsonpath='{.status.phase}') == Expired ]]"
wait_for "stg's base image" bash -c "[[ \$(kubectl -n workshops-stg get deploy kubernetes-101-files -o jsonpath='{.spec.template.spec.containers[0].image}') == *:1.5.0-rc.1 ]]"
kubectl get el demo-pr-1234
echo "stg is back on: $(stg_image)"
kubectl get events -n default --field-selector involvedObject.name=demo-pr-1234 2>/dev/null | tail -n 5 || true
step "demo: done"
