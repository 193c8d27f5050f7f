#!/usr/bin/env bash
# The end-to-end story of SPEC.md, driven like a user with kubectl against a
# real control plane: targets, workloads and a policy produce children with
# the right images; drift is put back; relabelling moves workloads; leases
# swap images, queue, expire and release; a restart changes nothing; deleting
# a workload removes its children; bad input gives Degraded, never a crash.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"
trap finish EXIT

registry=registry.example.com:5000/team
image() { kubectl -n "$1" get deploy "$2" -o jsonpath='{.spec.template.spec.containers[0].image}'; }
has_image() { equals "$3" image "$1" "$2"; }
# has_event REASON LEASE: an Event of that reason regards this run's lease of that name. Selected by
# the lease's uid on the server: same-named leases of earlier runs left Events in the shared cluster,
# and grep -q on a long listing would end kubectl with SIGPIPE, which pipefail turns into a failure.
has_event() {
  local uid
  uid=$(kubectl get el "$2" -o jsonpath='{.metadata.uid}' 2>/dev/null) && [[ -n $uid ]] &&
    [[ -n $(kubectl get events -A --field-selector "reason=$1,involvedObject.uid=$uid" -o name 2>/dev/null) ]]
}
absent() { ! kubectl -n "$1" get "$2" "$3" >/dev/null 2>&1; }

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
kubectl delete workloads,deploymenttargets,schedulingpolicies,environmentleases --all --wait=false >/dev/null 2>&1

start_operator || exit 1
pass "operator ready"

# --- children appear with the resolved images in both namespaces
kubectl apply -f "$root/samples/10-target-stg.yaml" -f "$root/samples/11-target-prod.yaml" \
  -f "$root/samples/20-workload-kubernetes-101.yaml" -f "$root/samples/21-workload-git-basics.yaml" \
  -f "$root/samples/30-policy-public-catalog.yaml" >/dev/null
eventually "stg: kubernetes-101 runs the stg override" 60 \
  has_image workshops-stg kubernetes-101-files "$registry/workshops/kubernetes-101-files:1.5.0-rc.1"
eventually "prod: kubernetes-101 runs the target override" 30 \
  has_image workshops kubernetes-101-files "$registry/workshops/kubernetes-101-files:1.4.2"
eventually "stg: git-basics files runs the environment override" 30 \
  has_image workshops-stg git-basics-files "$registry/workshops/git-basics-files:2.4.0-beta.2"
eventually "prod: git-basics files falls back to the prod channel" 30 \
  has_image workshops git-basics-files "$registry/workshops/git-basics-files:prod"
check "stg: workshop ConfigMap rendered with the workshop image" \
  bash -c "kubectl -n workshops-stg get cm kubernetes-101-workshop -o jsonpath='{.data}' | grep -q 'workshops/kubernetes-101:1.5.0-rc.1'"
check "prod: files Service exists" kubectl -n workshops get svc git-basics-files
check "children carry the managed-by label and an owner reference" \
  equals "labfleet Workload" kubectl -n workshops get deploy git-basics-files \
  -o jsonpath='{.metadata.labels.app\.kubernetes\.io/managed-by} {.metadata.ownerReferences[0].kind}'
eventually "Workload status lists both targets" 30 \
  equals "2" bash -c "kubectl get wl kubernetes-101 -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"status\"][\"targets\"]))'"
eventually "Workload becomes Ready (KWOK runs the pods)" 60 \
  equals "True" kubectl get wl git-basics -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
# NAME READY TARGETS SUSPENDED AGE: the table the API server prints from the CRD's columns.
eventually "kubectl get wl shows 2/2 in its Targets column" 30 \
  equals "2/2" bash -c "kubectl get wl git-basics --no-headers | awk '{print \$3}'"
eventually "policy reports 4 assignments" 30 equals "4" kubectl get sp public-catalog -o jsonpath='{.status.assignmentCount}'
eventually "target reports its workloads" 30 equals "2" kubectl get dt stg -o jsonpath='{.status.workloads}'

# --- drift is put back
kubectl -n workshops-stg set image deploy/kubernetes-101-files files=evil/image:latest >/dev/null 2>&1 ||
  kubectl -n workshops-stg patch deploy kubernetes-101-files --type=json \
    -p '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil/image:latest"}]' >/dev/null
eventually "an edited Deployment image is put back" 30 \
  has_image workshops-stg kubernetes-101-files "$registry/workshops/kubernetes-101-files:1.5.0-rc.1"

# --- relabelling a target moves the workloads
kubectl label dt prod labfleet.dev/environment=retired --overwrite >/dev/null
eventually "unselected target: its children are pruned" 30 absent workshops deploy kubernetes-101-files
check "the other target keeps its children" kubectl -n workshops-stg get deploy kubernetes-101-files
kubectl label dt prod labfleet.dev/environment=prod --overwrite >/dev/null
eventually "selected again: children come back" 30 \
  has_image workshops kubernetes-101-files "$registry/workshops/kubernetes-101-files:1.4.2"

# --- leases: grant, queue, expire, release
# The first lease lasts long enough for the checks made while it holds stg (a dozen kubectl
# calls, seconds each on a loaded machine), then expires while the second one waits.
kubectl apply -f - >/dev/null <<'LEASES'
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: e2e-pr-1}
spec:
  target: stg
  holder: alice@example.com
  duration: 25s
  overrides:
    - workload: kubernetes-101
      files: {tag: pr-1}
LEASES
eventually "first lease becomes Active" 20 equals Active lease_phase e2e-pr-1
eventually "lease swaps the image on stg" 20 \
  has_image workshops-stg kubernetes-101-files "$registry/workshops/kubernetes-101-files:pr-1"
check "prod is untouched by a stg lease" \
  has_image workshops kubernetes-101-files "$registry/workshops/kubernetes-101-files:1.4.2"
kubectl apply -f - >/dev/null <<'LEASES'
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: e2e-pr-2}
spec:
  target: stg
  holder: bob@example.com
  duration: 1h
  overrides:
    - workload: kubernetes-101
      files: {tag: pr-2}
LEASES
eventually "second lease waits as Pending" 20 equals Pending lease_phase e2e-pr-2
eventually "second lease has queuePosition 1" 20 equals 1 kubectl get el e2e-pr-2 -o jsonpath='{.status.queuePosition}'
check "target shows who holds it" equals "alice@example.com" kubectl get dt stg -o jsonpath='{.status.activeLease.holder}'
eventually "first lease expires" 45 equals Expired lease_phase e2e-pr-1
eventually "LeaseExpired event recorded" 20 has_event LeaseExpired e2e-pr-1
eventually "second lease becomes Active after the first expires" 20 equals Active lease_phase e2e-pr-2
eventually "LeaseGranted event recorded" 20 has_event LeaseGranted e2e-pr-2
eventually "stg runs the second lease's tag" 20 \
  has_image workshops-stg kubernetes-101-files "$registry/workshops/kubernetes-101-files:pr-2"

# --- a restart mid-lease changes nothing
# Compared only once the new process leads (with --leader-elect it waits out
# the killed one's Lease) and has reconciled every Workload: until then it
# writes nothing whatever its code does.
# versions: "kind/ns/name resourceVersion" of every child and every Labfleet object.
versions() {
  kubectl get configmaps,deployments,services -A -l app.kubernetes.io/managed-by=labfleet \
    -o jsonpath='{range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name} {.metadata.resourceVersion}{"\n"}{end}' &&
    kubectl get workloads,deploymenttargets,schedulingpolicies,environmentleases \
      -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.metadata.resourceVersion}{"\n"}{end}'
}
# no_object_writes: no request of the restarted operator that creates, patches or deletes
# succeeded (its Lease is renewed with PUT; a create answered AlreadyExists changed nothing);
# prints its requests otherwise.
no_object_writes() {
  local text
  text=$(operator_scrape) || return 1
  (($(metric_sum "$text" rest_client_requests_total 'code="2[0-9][0-9]".*method="(POST|PATCH|DELETE)"') == 0)) ||
    { grep '^rest_client_requests_total' <<<"$text"; return 1; }
}
eventually "restart: the operator is settled before the restart" 60 operator_settled
before=$(versions)
workloads=$(kubectl get workloads -o name | wc -l)
stop_operator KILL
log_lines=$(wc -l <"$work/operator.log")
start_operator || exit 1
eventually "restart: the new process leads" 60 operator_leads
eventually "restart: the new process has reconciled all $workloads Workloads and is idle" 60 operator_settled "$workloads"
check "restart: no child applied" equals 0 bash -c "tail -n +$((log_lines + 1)) '$work/operator.log' | grep -c 'applying child'"
check "restart: nothing created, patched or deleted" no_object_writes
check "restart: no child or Labfleet object rewritten (resourceVersions as before)" equals "$before" versions
check "restart: second lease still Active" equals Active lease_phase e2e-pr-2

kubectl patch el e2e-pr-2 --type=merge -p '{"spec":{"release":true}}' >/dev/null
eventually "release: true ends the lease" 20 equals Released lease_phase e2e-pr-2
eventually "stg returns to its base tag" 20 \
  has_image workshops-stg kubernetes-101-files "$registry/workshops/kubernetes-101-files:1.5.0-rc.1"
eventually "LeaseReleased event recorded" 20 has_event LeaseReleased e2e-pr-2

# --- bad input that slips past the schema gives Degraded, never a crash:
# serve Workloads for a moment with a schema that accepts anything (as an
# older CRD would), create a bad one, and check the operator's answer.
kubectl get crd workloads.labfleet.dev -o json | python3 -c '
import json, sys
crd = json.load(sys.stdin)
for key in ("status", ):
    crd.pop(key, None)
for field in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
    crd["metadata"].pop(field, None)
version = crd["spec"]["versions"][0]
spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
version["schema"]["openAPIV3Schema"]["properties"]["spec"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
print(json.dumps(crd))' > "$work/permissive-crd.json"
kubectl replace -f "$work/permissive-crd.json" >/dev/null
kubectl apply -f - >/dev/null <<'BAD'
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: e2e-bad, labels: {labfleet.dev/catalog: public}}
spec:
  images:
    workshop: {repository: workshops/bad}
    files: {repository: workshops/bad-files, port: eighty}
BAD
eventually "bad workload: Degraded=True naming the field" 30 \
  bash -c "kubectl get wl e2e-bad -o jsonpath='{.status.conditions[?(@.type==\"Degraded\")].message}' | grep -q 'spec.images.files.port'"
check "bad workload: no children created" absent workshops-stg deploy e2e-bad-files
check "operator still running after bad input" kill -0 "$operator_pid"
check "other workloads untouched" \
  has_image workshops-stg kubernetes-101-files "$registry/workshops/kubernetes-101-files:1.5.0-rc.1"
kubectl delete wl e2e-bad >/dev/null
kubectl apply -f "$root/crds/labfleet.dev_workloads.yaml" >/dev/null 2>&1 ||
  kubectl replace -f "$root/crds/labfleet.dev_workloads.yaml" >/dev/null

# --- deleting a workload removes its children
kubectl delete wl git-basics --wait=true >/dev/null
eventually "deleted workload: its Deployments are gone" 60 absent workshops-stg deploy git-basics-files
eventually "deleted workload: its ConfigMaps are gone" 60 absent workshops cm git-basics-workshop
check "operator still running" kill -0 "$operator_pid"

kubectl delete workloads,deploymenttargets,schedulingpolicies,environmentleases --all --wait=false >/dev/null 2>&1
