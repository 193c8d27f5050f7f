#!/usr/bin/env bash
# The main job on a real node (hack/demo.sh runs it when one can start here):
# the operator from its image, installed by the chart, and workshop file
# servers as real pods answering through their Services.
#
#   LABFLEET_OPERATOR=BIN hack/demo-real-node.sh [--keep]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/hack/lib/log.sh"
keep=false
[[ ${1:-} == --keep ]] && keep=true
dir="$(labfleet_cache_dir)/demo-cluster"
operator=${LABFLEET_OPERATOR:?the operator binary the image is made from}
tags=(1.4.2 1.5.0-rc.1 pr-1234)

"$root/hack/local-cluster.sh" up --node real --dir "$dir"
source "$dir/env.sh"
source "$root/hack/lib/real-node.sh"
node_paths
cleanup() {
  if $keep; then
    step "demo: left running; use it with: source $dir/env.sh (stop it: hack/local-cluster.sh down --dir $dir)"
  else
    "$root/hack/local-cluster.sh" down --dir "$dir"
  fi
}
trap cleanup EXIT

step "demo: the operator's image from the binary just built, and a files server image per tag (${tags[*]})"
"$root/hack/image.sh" operator --host-binary "$operator"
"$root/hack/image.sh" files "${tags[@]}"
archives=("$("$root/hack/image.sh" archive operator)")
for tag in "${tags[@]}"; do archives+=("$("$root/hack/image.sh" archive "localhost/labfleet/files:$tag")"); done
"$root/hack/local-cluster.sh" load --dir "$dir" "${archives[@]}"

step "demo: helm install labfleet (two replicas, leader election, the image loaded on the node)"
helm upgrade --install labfleet "$root/charts/labfleet" --namespace labfleet-system --create-namespace \
  --set image.pullPolicy=Never --set logFormat=text --wait --timeout 180s >/dev/null
kubectl -n labfleet-system get pods -o wide

step "demo: two environments, stg and prod, and a workshop whose file server runs on both"
kubectl apply -f - <<'YAML'
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: stg, labels: {labfleet.dev/environment: stg}}
spec:
  environment: stg
  namespace: workshops-stg
  registry: localhost/labfleet
  channel: stg
  leases: {defaultDuration: 20s, maxDuration: 1h, notifyBefore: 5s}
---
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: prod, labels: {labfleet.dev/environment: prod}}
spec: {environment: prod, namespace: workshops-prod, registry: localhost/labfleet, channel: prod}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: kubernetes-101, labels: {labfleet.dev/catalog: public}}
spec:
  images:
    workshop: {repository: workshops/kubernetes-101}
    files: {repository: files, port: 8080}
  workshop: {title: Kubernetes 101, files: {image: "${FILES_IMAGE}"}}
  overrides:
    - environment: stg
      workshop: {tag: 1.5.0-rc.1}
      files: {tag: 1.5.0-rc.1}
    - environment: prod
      workshop: {tag: 1.4.2}
      files: {tag: 1.4.2}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: public-catalog}
spec:
  workloadSelector: {matchLabels: {labfleet.dev/catalog: public}}
  targetSelector: {matchExpressions: [{key: labfleet.dev/environment, operator: In, values: [stg, prod]}]}
YAML

# wait_until WHAT SECONDS COMMAND...: bounded wait with a message on time-out.
wait_until() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${seconds}s waiting for $what"
    sleep 0.5
  done
}
page() {
  local ip; ip=$(kubectl -n "workshops-$1" get svc kubernetes-101-files -o jsonpath='{.spec.clusterIP}')
  "${in_node[@]}" curl -fsS --max-time 2 "http://$ip:8080/"
}
# serves ENV TAG: the environment's Service answers with TAG's page.
serves() { [[ $(page "$1") == "labfleet files $2" ]]; }
pages() {
  local env
  for env in stg prod; do printf '  %-5s %s -> %s\n' "$env" \
    "$(kubectl -n "workshops-$env" get svc kubernetes-101-files -o jsonpath='{.spec.clusterIP}'):8080" "$(page "$env" 2>&1)"; done
}
for env in stg prod; do
  wait_until "the $env file server" 180 kubectl -n "workshops-$env" wait --for=condition=Available --timeout=2s deploy/kubernetes-101-files
done
# Available pods answer once kube-proxy has written the Services' rules.
wait_until "stg's page" 60 serves stg 1.5.0-rc.1
wait_until "prod's page" 60 serves prod 1.4.2
kubectl get labfleet
kubectl get pods -A -l app.kubernetes.io/managed-by=labfleet -o wide
step "demo: each environment's page, fetched through its Service's ClusterIP (kube-proxy):"
pages

step "demo: alice borrows stg for 20 s to try the files of pull request 1234"
kubectl apply -f - <<'YAML'
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: demo-pr-1234}
spec:
  target: stg
  holder: alice@example.com
  duration: 20s
  reason: Try kubernetes-101 pull request 1234 on stg
  overrides:
    - workload: kubernetes-101
      files: {tag: pr-1234}
YAML
wait_until "the lease to be granted" 60 bash -c "[[ \$(kubectl get el demo-pr-1234 -o jsonpath='{.status.phase}') == Active ]]"
granted=$SECONDS
wait_until "stg to serve pr-1234" 120 serves stg pr-1234
kubectl get el demo-pr-1234
step "demo: stg serves the lease's page $((SECONDS - granted)) s after the grant; prod is untouched:"
pages
step "demo: waiting for the lease to expire"
wait_until "the lease to expire" 90 bash -c "[[ \$(kubectl get el demo-pr-1234 -o jsonpath='{.status.phase}') == Expired ]]"
wait_until "stg's base page" 120 serves stg 1.5.0-rc.1
kubectl get el demo-pr-1234
step "demo: the lease expired and stg is back on its base page:"
pages
step "demo: done"
