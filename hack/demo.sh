#!/usr/bin/env bash
# The main job on a local embedded control plane: installs what is missing,
# starts etcd + kube-apiserver (+ controller-manager, scheduler, KWOK), installs
# the CRDs, builds and starts the operator, applies the samples and shows the
# result. Stops everything it started unless --keep is given.
#
#   hack/demo.sh [--keep]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/hack/lib/log.sh"
keep=false
[[ ${1:-} == --keep ]] && keep=true
cluster_dir="$(labfleet_cache_dir)/demo-cluster"

"$root/hack/deps.sh"
"$root/hack/local-cluster.sh" up --dir "$cluster_dir"
source "$cluster_dir/env.sh"
if ! $keep; then
  trap '"$root/hack/local-cluster.sh" down --dir "$cluster_dir"' EXIT
fi

step "demo: installing the CRDs"
kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null

step "demo: applying the samples"
kubectl apply -f "$root/samples/"

step "demo: kubectl get labfleet"
kubectl get labfleet

if $keep; then
  step "demo: left running; use it with: source $cluster_dir/env.sh"
fi
