#!/usr/bin/env bash
# The chart's RBAC is exactly what the operator uses. kube-apiserver is restarted with its audit
# log on (hack/local-cluster.sh, LABFLEET_AUDIT_LOG), the operator runs as the chart's service
# account through the end-to-end scenario (scenario_test.sh) and a second round that covers the
# rest (a target namespace that does not exist yet, a tag change, a lease deleted after its
# retention, a target in another cluster added and deleted (its finalizer), a stored lease the operator cannot decode, a HTTPS /metrics request reviewed with
# TokenReview and SubjectAccessReview, a graceful leader release), so that every status write runs
# as that identity (Workload, DeploymentTarget and SchedulingPolicy status by merge patch; lease
# status by update, from the plan and for a lease that does not decode; the target's record of
# served leases by merge patch), and lib/rbac_audit.py compares every (verb, group, resource, scope) the
# identity used with what the rendered ClusterRole and Role grant: any rule granted and never
# used, or used and not granted, is listed and fails the test. The API server is restarted with
# its previous audit setting at the end.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
unset LABFLEET_RBAC_AUDIT  # this test sets up the chart's identity and its check itself
source "$here/lib/harness.sh"
source "$here/lib/chart_identity.sh"
source "$here/lib/remote_cluster.sh"
release=rbac-audit
# Fresh each run: a token of an account in a namespace still terminating from a previous run is refused.
ns=labfleet-rbac-audit-$$
# A namespace no other test uses, fresh each run: the operator must create it.
target_ns="labfleet-audit-$$"

cleanup() {
  stop_operator
  kubectl delete workloads,deploymenttargets,schedulingpolicies,environmentleases -l labfleet.dev/test=rbac-audit --wait=false >/dev/null 2>&1
  # A remote target, or its workload, left mid-run keeps its finalizer with no operator to remove it.
  local object
  for object in dt/rbac-audit-remote $(kubectl get wl -l labfleet.dev/test=rbac-audit -o name 2>/dev/null); do
    kubectl patch "$object" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
  done
  unregister_clusters
  remote_down_all
  kubectl apply -f "$root/crds/" >/dev/null 2>&1
  kubectl delete namespace "$target_ns" --wait=false >/dev/null 2>&1
  chart_identity_off
  finish
}
trap cleanup EXIT

# The chart's identity with its default values (metrics.secure, leader election).
chart_identity_on "$release" "$ns" || exit 1
sa=$chart_sa
token=$chart_token

# --- round 1: the end-to-end scenario
echo "running the scenario as system:serviceaccount:$ns:$sa"
LABFLEET_OPERATOR_KUBECONFIG="$operator_kubeconfig" LABFLEET_LEADER_NAMESPACE="$ns" \
  bash "$here/scenario_test.sh" > "$work/scenario.log" 2>&1
scenario_status=$?
sed 's/^/  scenario: /' "$work/scenario.log"
if ((scenario_status == 0)); then pass "the scenario passes as the chart's identity"; else fail "the scenario passes as the chart's identity"; fi

# --- round 2: what the scenario does not reach
registry=registry.example.com:5000/team
start_operator --metrics-secure=true --lease-history-retention=1s || exit 1
kubectl apply -f - >/dev/null <<OBJECTS
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: rbac-audit, labels: {labfleet.dev/test: rbac-audit}}
spec: {environment: audit, namespace: $target_ns, registry: $registry, channel: stg}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: rbac-audit, labels: {labfleet.dev/test: rbac-audit}}
spec:
  images:
    workshop: {repository: workshops/audit, tag: "1.0"}
    files: {repository: workshops/audit-files, tag: "1.0", port: 8080}
  workshop: {title: Audit, description: RBAC audit., duration: 10m, image: "\${WORKSHOP_IMAGE}"}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: rbac-audit, labels: {labfleet.dev/test: rbac-audit}}
spec:
  workloadSelector: {matchLabels: {labfleet.dev/test: rbac-audit}}
  targetSelector: {matchLabels: {labfleet.dev/test: rbac-audit}}
OBJECTS
image() { kubectl -n "$target_ns" get deploy rbac-audit-files -o jsonpath='{.spec.template.spec.containers[0].image}'; }
eventually "a target namespace that did not exist is created, with the children" 60 \
  equals "$registry/workshops/audit-files:1.0" image
# Checked inside a request, so absent from the log: setting an ownerReference with
# blockOwnerDeletion needs update on the owner's finalizers (OwnerReferencesPermissionEnforcement).
# Live children show which owners get one.
kubectl get deploy,svc,cm -n "$target_ns" -l app.kubernetes.io/managed-by=labfleet -o json | python3 -c '
import json, subprocess, sys
plurals = {}
for item in json.load(sys.stdin)["items"]:
    for ref in item["metadata"].get("ownerReferences", []):
        if not ref.get("blockOwnerDeletion"):
            continue
        if ref["apiVersion"] not in plurals:
            path = ("/apis/" if "/" in ref["apiVersion"] else "/api/") + ref["apiVersion"]
            out = subprocess.run(["kubectl", "get", "--raw", path], capture_output=True, check=True)
            plurals[ref["apiVersion"]] = {r["kind"]: r["name"] for r in json.loads(out.stdout)["resources"] if "/" not in r["name"]}
        group = ref["apiVersion"].split("/")[0] if "/" in ref["apiVersion"] else "core"
        print("update", group, plurals[ref["apiVersion"]][ref["kind"]] + "/finalizers", item["metadata"]["namespace"])
' | sort -u > "$work/implied.txt"
# Paths no scenario reaches on demand, each needed by the code (keep this list short and explained):
# - a lease is read back when its own status write is not in the cache in time (read-your-writes).
echo "get labfleet.dev environmentleases -" >> "$work/implied.txt"

kubectl patch wl rbac-audit --type=merge -p '{"spec":{"images":{"files":{"tag":"1.1"}}}}' >/dev/null
eventually "a tag change reaches the Deployment" 30 equals "$registry/workshops/audit-files:1.1" image
# Objects someone else made under a workload's child names: the create-only applies are refused
# (the names are taken), and only then does the operator read each object (get), and leave it.
kubectl -n "$target_ns" create configmap rbac-audit-taken-workshop >/dev/null
kubectl -n "$target_ns" create service clusterip rbac-audit-taken-files --tcp=80 >/dev/null
kubectl -n "$target_ns" create deployment rbac-audit-taken-files --image=example.invalid/x >/dev/null
kubectl apply -f - >/dev/null <<'TAKEN'
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: rbac-audit-taken, labels: {labfleet.dev/test: rbac-audit}}
spec:
  images:
    workshop: {repository: workshops/taken, tag: "1.0"}
    files: {repository: workshops/taken-files, tag: "1.0", port: 8080}
  workshop: {title: Taken, description: Names taken., duration: 10m, image: "${WORKSHOP_IMAGE}"}
TAKEN
eventually "objects of another under a workload's child names are read and left alone" 60 \
  equals ObjectNotOwned condition wl rbac-audit-taken Degraded reason
kubectl delete wl rbac-audit-taken >/dev/null
kubectl -n "$target_ns" delete configmap/rbac-audit-taken-workshop service/rbac-audit-taken-files \
  deployment/rbac-audit-taken-files >/dev/null

# placeholder_repeats: one more UnknownPlaceholder Warning (an unknown placeholder in, then out);
# succeeds once the repeats made the Event a series (a patch: the recorder's min_patch_interval).
placeholder_repeats() {
  local condition="{.status.conditions[?(@.type==\"PlaceholdersResolved\")].status}" description status
  for description in '${FOO}' 'RBAC audit.'; do
    kubectl patch wl rbac-audit --type=merge -p "{\"spec\":{\"workshop\":{\"description\":\"$description\"}}}" >/dev/null
    [[ $description == '${FOO}' ]] && status=False || status=True
    local deadline=$((SECONDS + 10))
    until [[ $(kubectl get wl rbac-audit -o jsonpath="$condition") == "$status" ]]; do
      ((SECONDS < deadline)) || return 1
      sleep 0.2
    done
  done
  # Only this run's Workload counts: Events of an earlier run's outlive it.
  kubectl get events.events.k8s.io -n default -o json | python3 -c '
import json, sys
sys.exit(not any(e.get("reason") == "UnknownPlaceholder" and e["regarding"].get("uid") == sys.argv[1] and e.get("series")
                 for e in json.load(sys.stdin)["items"]))' "$(kubectl get wl rbac-audit -o jsonpath='{.metadata.uid}')"
}
eventually "a repeated Warning becomes a series" 90 placeholder_repeats
kubectl apply -f - >/dev/null <<'LEASE'
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: rbac-audit, labels: {labfleet.dev/test: rbac-audit}}
spec: {target: rbac-audit, holder: audit@example.com, duration: 2s}
LEASE
eventually "a finished lease is deleted after its retention" 30 bash -c "! kubectl get el rbac-audit >/dev/null 2>&1"
# A target in another cluster: its finalizer is added, and removed once its objects there are gone.
remote_up rbac-remote || fail "a remote cluster starts"
remote_grant rbac-remote "$target_ns"
register_cluster rbac-remote "$(remote_dir rbac-remote)" labfleet-token || fail "the remote cluster is registered"
kubectl apply -f - >/dev/null <<TARGET
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: rbac-audit-remote, labels: {labfleet.dev/test: rbac-audit}}
spec: {environment: audit, namespace: $target_ns, cluster: {name: rbac-remote}}
TARGET
eventually "a remote target's children are written there" 60 \
  rkubectl rbac-remote -n "$target_ns" get deploy rbac-audit-files
kubectl delete dt rbac-audit-remote --wait=false >/dev/null
eventually "a deleted remote target goes once its children there are removed" 60 \
  bash -c "! kubectl get dt rbac-audit-remote >/dev/null 2>&1"
check "its children there are gone" equals "" rkubectl rbac-remote -n "$target_ns" get deploy -o name
# A lease stored before the CRDs refused its duration (an older CRD, or one applied after the lease):
# the operator cannot decode it, leaves it out of the plan and says why in its status. That write,
# of an object that does not decode, is a lease status write too: an update, as the chart grants.
python3 - "$root/crds/labfleet.dev_environmentleases.yaml" > "$work/loose-leases.yaml" <<'LOOSEN'
import sys, yaml
crd = yaml.safe_load(open(sys.argv[1]))
spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
spec["properties"]["duration"].pop("x-kubernetes-validations")
print(yaml.safe_dump(crd))
LOOSEN
check "a CRD without the duration range applies" kubectl apply -f "$work/loose-leases.yaml"
check "it admits a duration the operator cannot use" kubectl apply -f - <<'LEASE'
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: rbac-audit-stored, labels: {labfleet.dev/test: rbac-audit}}
spec: {target: rbac-audit, holder: audit@example.com, duration: 0.5ms}
LEASE
check "the CRD with the range applies again" kubectl apply -f "$root/crds/labfleet.dev_environmentleases.yaml"
eventually "a stored lease that does not decode is Stalled (InvalidSpec) by a status update" 30 \
  equals InvalidSpec condition el rbac-audit-stored Stalled reason
# Any bearer token makes the operator review it (TokenReview) and its access (SubjectAccessReview).
check "HTTPS /metrics reviews its caller" \
  curl -ksS -o /dev/null -H "Authorization: Bearer $token" "https://127.0.0.1:$metrics_port/metrics"
kubectl delete sp rbac-audit >/dev/null
eventually "children of an unselected workload are pruned" 30 \
  bash -c "! kubectl -n '$target_ns' get deploy rbac-audit-files >/dev/null 2>&1"
stop_operator TERM

# --- the comparison
chart_identity_check "the chart grants exactly the permissions the operator used" "$work/implied.txt"
