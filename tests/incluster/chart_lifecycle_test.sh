#!/usr/bin/env bash
# The chart running the operator on a real node, from the locally built image:
# both replicas Ready through /readyz; the pods run as 65532 with a read-only
# root filesystem and use the mounted service-account token; deleting the
# leader hands over and a change made right after converges; `helm upgrade`
# rolls the pods with never two leaders; `helm uninstall` leaves the CRs and
# their children alone. Prints install-to-Ready, failover and memory figures.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"
ns=labfleet-system
release=lifecycle
deployment="$release-labfleet"
lease=labfleet-operator
app_ns=lifecycle-apps
watch_pid=""
trap 'status=$?
[[ -n $watch_pid ]] && kill "$watch_pid" 2>/dev/null
helm uninstall "$release" -n "$ns" >/dev/null 2>&1 || true
kubectl delete wl lc-app --wait=false >/dev/null 2>&1 || true; kubectl delete dt lc-stg >/dev/null 2>&1 || true
kubectl delete sp lc-policy >/dev/null 2>&1 || true
kubectl delete ns "$app_ns" "$ns" --wait=false >/dev/null 2>&1 || true
finish_incluster "$status"' EXIT

installed_at=$(now)
check "helm install with the locally built image" install_operator "$release" "$ns"
eventually "both replicas become Ready" 180 equals 2 ready_replicas "$ns" "$deployment"
echo "measure: helm install -> both operator pods Ready: $(since "$installed_at") s"
check "readiness is /readyz on the probe port" equals /readyz \
  kubectl -n "$ns" get deploy "$deployment" -o jsonpath='{.spec.template.spec.containers[0].readinessProbe.httpGet.path}'

for pod in $(operator_pods "$ns"); do
  pid=$(container_pid "$ns" "$pod")
  check "$pod: the container's process runs as 65532" \
    bash -c "grep -E '^Uid:\s+65532\s+65532\s+65532\s+65532' /proc/$pid/status"
  check "$pod: its root filesystem is mounted read-only" \
    bash -c "awk '\$5 == \"/\" {print \$6}' /proc/$pid/mountinfo | grep -E '^ro(,|$)'"
  check "$pod: the service-account token is mounted" \
    test -s "/proc/$pid/root/var/run/secrets/kubernetes.io/serviceaccount/token"
  check "$pod: the operator loaded the in-cluster config" \
    bash -c "kubectl -n $ns logs $pod | grep -m1 starting | grep -q in-cluster"
  echo "measure: $pod memory: $(memory_of "$pid")"
done
eventually "one replica leads" 60 bash -c "[[ -n \$(kubectl -n $ns get lease $lease -o jsonpath='{.spec.holderIdentity}') ]]"

# A fleet that the failover's change lands in.
kubectl apply -f - >/dev/null <<YAML
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: lc-stg, labels: {lifecycle: "yes"}}
spec: {environment: stg, namespace: $app_ns, registry: localhost/labfleet, channel: stg}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: lc-app, labels: {lifecycle: "yes"}}
spec:
  images: {workshop: {repository: workshop, tag: v1}, files: {repository: files, tag: v1}}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: lc-policy}
spec: {workloadSelector: {matchLabels: {lifecycle: "yes"}}, targetSelector: {matchLabels: {lifecycle: "yes"}}}
YAML
files_image() { kubectl -n "$app_ns" get deploy lc-app-files -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null; }
eventually "the operator in the cluster renders the files Deployment" 60 equals localhost/labfleet/files:v1 files_image

kubectl -n "$ns" get lease "$lease" -o json --watch >"$work/lease.json" 2>"$work/lease-watch.err" &
watch_pid=$!
# The watch's first record (the Lease as it is) before the leader goes: the history starts with it.
eventually "the Lease watch has its first record" 30 test -s "$work/lease.json"
old_leader=$(leader "$ns" "$lease")
deleted_at=$(now)
kubectl -n "$ns" delete pod "$(pod_of "$old_leader")" --wait=false >/dev/null
kubectl patch wl lc-app --type merge -p '{"spec":{"images":{"files":{"tag":"v2"}}}}' >/dev/null
new_leader() { local l; l=$(leader "$ns" "$lease"); [[ -n $l && $l != "$old_leader" ]]; }
eventually "deleting the leader pod hands over to another replica" 60 new_leader
failover_leader=$(leader "$ns" "$lease")
echo "measure: leader pod deleted -> another replica leads: $(since "$deleted_at") s"
eventually "the change made right after converges" 60 equals localhost/labfleet/files:v2 files_image
echo "measure: leader pod deleted -> the change applied: $(since "$deleted_at") s"
eventually "the Deployment is back to 2 Ready replicas" 180 equals 2 ready_replicas "$ns" "$deployment"

before=$(kubectl -n "$ns" get pods -l app.kubernetes.io/name=labfleet -o jsonpath='{.items[*].metadata.name}')
check "helm upgrade to a changed value" helm upgrade "$release" "$chart" -n "$ns" --reuse-values --set logLevel=debug
rolled() {
  local pods; pods=$(kubectl -n "$ns" get pods -l app.kubernetes.io/name=labfleet -o jsonpath='{.items[*].metadata.name}')
  [[ $(ready_replicas "$ns" "$deployment") == 2 ]] || return 1
  [[ $(kubectl -n "$ns" get deploy "$deployment" -o jsonpath='{.status.updatedReplicas}') == 2 ]] || return 1
  local pod; for pod in $pods; do [[ " $before " != *" $pod "* ]] || return 1; done
}
eventually "the upgrade rolls both pods" 240 rolled
# runs_changed_value: every operator pod now running (not the template Helm
# rendered) was started with --log-level=debug: its container's process's own
# command line, read through the node.
runs_changed_value() {
  local pod pid pods=0
  for pod in $(operator_pods "$ns"); do
    pid=$(container_pid "$ns" "$pod")
    [[ -n $pid ]] || { echo "$pod: no running container"; return 1; }
    tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qx -- --log-level=debug ||
      { echo "$pod runs: $(tr '\0' ' ' <"/proc/$pid/cmdline")"; return 1; }
    pods=$((pods + 1))
  done
  ((pods == 2)) || { echo "$pods operator pods running"; return 1; }
}
check "the new pods run with the changed value" runs_changed_value
# upgraded_leader: the Lease's holder is one of the pods the upgrade started.
upgraded_leader() {
  local holder; holder=$(leader "$ns" "$lease")
  [[ -n $holder && " $before " != *" $(pod_of "$holder") "* ]]
}
eventually "a replica of the upgrade leads" 60 upgraded_leader
upgrade_leader=$(leader "$ns" "$lease")
watch_alive=yes
kill -0 "$watch_pid" 2>/dev/null || watch_alive=no
kill "$watch_pid" 2>/dev/null; wait "$watch_pid" 2>/dev/null || true; watch_pid=""
check "the Lease watch ran until the end, without error" \
  bash -c "[[ $watch_alive == yes ]] && ! grep . '$work/lease-watch.err'"
# The history must show both handovers it is about (the deleted leader's and
# the upgrade's), so an empty or cut-short watch fails rather than passes.
check "never two leaders through failover and upgrade (Lease history)" \
  python3 "$root/tests/incluster/lease_watch.py" "$work/lease.json" "$old_leader" "$failover_leader" "$upgrade_leader"
echo "leaders: $(python3 "$root/tests/incluster/lease_watch.py" "$work/lease.json" | head -n1)"

uid_before=$(kubectl -n "$app_ns" get deploy lc-app-files -o jsonpath='{.metadata.uid}')
check "helm uninstall" helm uninstall "$release" -n "$ns" --wait --timeout 120s
sleep 5
check "uninstall leaves the Workload" kubectl get wl lc-app
check "uninstall leaves the DeploymentTarget" kubectl get dt lc-stg
check "uninstall leaves the CRDs" kubectl get crd workloads.labfleet.dev
check "uninstall leaves the children (same Deployment)" equals "$uid_before" \
  kubectl -n "$app_ns" get deploy lc-app-files -o jsonpath='{.metadata.uid}'
check "uninstall leaves the children (ConfigMap and Service)" kubectl -n "$app_ns" get configmap/lc-app-workshop service/lc-app-files
