#!/usr/bin/env bash
# Real file servers: the chart's operator renders a Workload's files
# Deployment onto the real node; its Service's ClusterIP (through kube-proxy)
# serves the page of the resolved tag; a lease swaps the tag and the page
# changes; expiry brings the base tag back. Prints the time from the lease
# turning Active to the new page being served.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"
ns=labfleet-files-test
release=files-test
site_ns=files-stg
trap 'status=$?
helm uninstall "$release" -n "$ns" >/dev/null 2>&1 || true
kubectl delete el --all --wait=false >/dev/null 2>&1 || true
kubectl delete wl site >/dev/null 2>&1 || true; kubectl delete dt real-stg >/dev/null 2>&1 || true
kubectl delete sp site-on-stg >/dev/null 2>&1 || true; kubectl delete ns "$site_ns" --wait=false >/dev/null 2>&1 || true
kubectl delete ns "$ns" --wait=false >/dev/null 2>&1 || true
finish_incluster "$status"' EXIT

check "helm install" install_operator "$release" "$ns"
eventually "both operator replicas Ready" 180 equals 2 ready_replicas "$ns" "$release-labfleet"

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: real-stg, labels: {labfleet.dev/environment: stg}}
spec:
  environment: stg
  namespace: files-stg
  registry: localhost/labfleet
  channel: stg
  leases: {defaultDuration: 20s, maxDuration: 1h, notifyBefore: 5s}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: site, labels: {labfleet.dev/catalog: real}}
spec:
  images:
    workshop: {repository: workshop, tag: v1}
    files: {repository: files, tag: v1, port: 8080}
  workshop: {title: Site, files: {image: "${FILES_IMAGE}"}}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: site-on-stg}
spec:
  workloadSelector: {matchLabels: {labfleet.dev/catalog: real}}
  targetSelector: {matchLabels: {labfleet.dev/environment: stg}}
YAML

eventually "the files Deployment is Available with real containers" 180 \
  equals True kubectl -n "$site_ns" get deploy site-files -o 'jsonpath={.status.conditions[?(@.type=="Available")].status}'
first_pod() { kubectl -n "$site_ns" get pods -o jsonpath='{.items[0].metadata.name}'; }
check "its pod's container runs in the node's containerd" test -n "$(container_pid "$site_ns" "$(first_pod)")"
ip=$(cluster_ip "$site_ns" site-files)
eventually "the Service's ClusterIP serves the v1 page" 60 equals "labfleet files v1" page "$ip" 8080

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: try-v2}
spec:
  target: real-stg
  holder: alice@example.com
  duration: 30s
  reason: try the v2 files on stg
  overrides:
    - workload: site
      files: {tag: v2}
YAML
eventually "the lease turns Active" 60 equals Active kubectl get el try-v2 -o jsonpath='{.status.phase}'
active_at=$(now)
# serves_steadily TAG: five requests in a row get TAG's page (during a
# rollout both the old and the new pod answer).
serves_steadily() {
  local i
  for i in 1 2 3 4 5; do [[ $(page "$ip" 8080 2>/dev/null) == "labfleet files $1" ]] || return 1; done
}
eventually "the ClusterIP serves the lease's v2 page" 120 serves_steadily v2
echo "measure: lease Active -> v2 page served through the ClusterIP: $(since "$active_at") s"

eventually "the lease expires" 90 equals Expired kubectl get el try-v2 -o jsonpath='{.status.phase}'
expired_at=$(now)
eventually "expiry brings the base v1 page back" 120 serves_steadily v1
echo "measure: lease Expired -> v1 page served again: $(since "$expired_at") s"
