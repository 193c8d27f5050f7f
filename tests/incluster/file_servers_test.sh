#!/usr/bin/env bash
# Real file servers: the chart's operator renders a Workload's files
# Deployment onto the real node; its Service's ClusterIP (through kube-proxy)
# serves the page of the resolved tag; a lease swaps the tag and the page
# changes; expiry brings the base tag back. Prints the time from the lease
# turning Active to the new page being served. Then a rollout that cannot
# finish (a files tag never imported: the new pod sits in ImagePullBackOff
# while the old one is still ready) keeps the Workload from Ready and from
# Progressing Complete, in its conditions, in kstatus and in Argo CD's
# health, until the tag is moved back.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"
source "$root/tests/e2e/lib/argocd_health.sh"
source "$root/tests/e2e/lib/kstatus.sh"
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

# --- a stuck rollout: the files tag moved to one never imported into the node
# wl_condition TYPE FIELD: a field of the Workload's condition of that type.
wl_condition() { kubectl get wl site -o "jsonpath={.status.conditions[?(@.type==\"$1\")].$2}"; }
# pulls_failing: a files pod of the never-imported tag fails to pull its image.
pulls_failing() {
  kubectl -n "$site_ns" get pods -l labfleet.dev/workload=site \
    -o jsonpath='{range .items[*]}{.spec.containers[0].image} {.status.containerStatuses[0].state.waiting.reason}{"\n"}{end}' |
    grep -Eq '^localhost/labfleet/files:never-imported (ErrImagePull|ImagePullBackOff)$'
}
# old_pod_ready: the Deployment still counts the old pod ready beside the updated one.
old_pod_ready() {
  equals "2 1 1" kubectl -n "$site_ns" get deploy site-files \
    -o 'jsonpath={.status.replicas} {.status.updatedReplicas} {.status.readyReplicas}'
}
# not_ready_while_stuck: the Workload's verdicts while the rollout is stuck (none may say done).
not_ready_while_stuck() {
  local json ready progressing reconciling
  json=$(kubectl get wl site -o json) || return 1
  ready=$(jq -r '.status.conditions[] | select(.type == "Ready") | .status' <<<"$json")
  progressing=$(jq -r '.status.conditions[] | select(.type == "Progressing") | .status + "/" + .reason' <<<"$json")
  reconciling=$(jq -r '.status.conditions[] | select(.type == "Reconciling") | .status' <<<"$json")
  [[ $ready != True && $progressing == True/RollingOut && $reconciling == True ]] ||
    { echo "Ready $ready, Progressing $progressing, Reconciling $reconciling"; return 1; }
  [[ $(jq -r .status.readyTargets <<<"$json") == 0/1 ]] || { echo "readyTargets $(jq -r .status.readyTargets <<<"$json")"; return 1; }
}
kstatus_check=$(kstatus_checker) || fail "the kstatus checker builds"
# verdicts: kstatus and Argo CD health of the Workload, from the same JSON: "KSTATUS ARGO-STATUS".
verdicts() {
  local line
  kubectl get wl site -o json >"$work/site.json" || return 1
  line=$("$kstatus_check" <"$work/site.json") || return 1
  line=${line#*$'\t'}
  printf '%s %s\n' "${line%%$'\t'*}" "$(argocd_health Workload "$work/site.json" | cut -d' ' -f1)"
}

kubectl patch wl site --type merge -p '{"spec":{"images":{"files":{"tag":"never-imported"}}}}' >/dev/null
eventually "the new pod waits on an image it cannot pull" 120 pulls_failing
eventually "the old pod is still the ready one (updated 1, ready 1 of 2 replicas)" 60 old_pod_ready
# The operator has seen the stuck Deployment once its message says so.
eventually "the Workload names the old replica it waits on" 60 \
  bash -c "kubectl get wl site -o 'jsonpath={.status.conditions[?(@.type==\"Ready\")].message}' | grep -q 'old replicas still running'"
# For as long as the pod stays stuck (ten looks, a second apart), nothing says done.
for look in 1 2 3 4 5 6 7 8 9 10; do
  check "stuck rollout, look $look: Ready not True, Progressing RollingOut, not Complete" not_ready_while_stuck
  check "stuck rollout, look $look: kstatus InProgress, Argo CD Progressing" equals "InProgress Progressing" verdicts
  old_pod_ready || { fail "stuck rollout, look $look: still updated 1, ready 1 of 2 replicas"; break; }
  sleep 1
done
check "kubectl get wl shows READY not True" bash -c "! kubectl get wl site --no-headers | grep -qw True"
check "the old pod still serves the v1 page" serves_steadily v1

kubectl patch wl site --type merge -p '{"spec":{"images":{"files":{"tag":"v1"}}}}' >/dev/null
eventually "moving the tag back: Ready True" 120 equals True wl_condition Ready status
check "and Progressing Complete" equals False/Complete bash -c "kubectl get wl site -o 'jsonpath={.status.conditions[?(@.type==\"Progressing\")].status}/{.status.conditions[?(@.type==\"Progressing\")].reason}'"
check "and kstatus Current, Argo CD Healthy" equals "Current Healthy" verdicts
eventually "the stuck pod is gone" 60 bash -c "! kubectl -n $site_ns get pods -o jsonpath='{..image}' | grep -q never-imported"
check "the v1 page is served" serves_steadily v1
