#!/usr/bin/env bash
# Health as GitOps tools read it, on live objects: each of the four kinds is driven through its
# phases, and at each one both verdicts are checked on the same object: kstatus's (what Flux's
# health checks and `kubectl wait`-style tools compute; tests/e2e/lib/kstatus.sh) and Argo CD's
# (the chart's Lua health checks in charts/labfleet/argocd, run by Lua 5.1 as Argo CD runs them;
# tests/e2e/lib/argocd_health.sh). The phases: a target ready, paused and refused (a denied
# namespace); a policy valid and invalid; a workload whose spec the operator has not seen yet,
# rolling out, ready, stuck rolling out beside a ready old pod, suspended and stalled (an unknown
# placeholder); a lease rolling out, serving, queued, waiting on a paused target, naming a missing
# target, released and expired.
# The run ends with a table phase → kstatus → Argo CD health. With LABFLEET_ARGOCD_FIXTURES=DIR
# it also writes each captured object (trimmed) and its Argo CD verdict in Argo CD's test layout,
# DIR/KIND/testdata/PHASE.json and DIR/KIND/health_test.yaml (tests/data/argocd came from here).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"
source "$root/tests/e2e/lib/argocd_health.sh"
source "$root/tests/e2e/lib/kstatus.sh"

fixtures=${LABFLEET_ARGOCD_FIXTURES:-$work/fixtures}
rows=()
cleanup() {
  kubectl delete environmentleases gh-a gh-b gh-x --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete workloads gh-w1 --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete schedulingpolicies gh-all gh-bad --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete deploymenttargets gh-t1 gh-denied --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl apply -f "$root/crds/labfleet.dev_schedulingpolicies.yaml" >/dev/null 2>&1
  if ((${#rows[@]} > 0)); then
    echo "--- health per phase"
    printf '%-44s %-11s %-12s %s\n' PHASE KSTATUS "ARGO CD" "ARGO CD MESSAGE"
    printf '%s\n' "${rows[@]}"
  fi
  finish
}
trap cleanup EXIT

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
kubectl delete environmentleases gh-a gh-b gh-x --ignore-not-found --wait=true --timeout=60s >/dev/null 2>&1
kubectl delete workloads gh-w1 --ignore-not-found --wait=true --timeout=60s >/dev/null 2>&1
kubectl delete schedulingpolicies gh-all gh-bad --ignore-not-found >/dev/null 2>&1
kubectl delete deploymenttargets gh-t1 gh-denied --ignore-not-found >/dev/null 2>&1

kstatus_check=$(kstatus_checker) || { fail "the kstatus checker builds"; exit 1; }

# verdicts KIND NAME: prints "KSTATUS ARGO-STATUS ARGO-MESSAGE" for the live object, both
# computed from the same JSON, which it leaves in $work/live.json.
verdicts() {
  local line
  kubectl get "$1" "$2" -o json >"$work/live.json" 2>/dev/null || return 1
  line=$("$kstatus_check" <"$work/live.json") || return 1
  line=${line#*$'\t'}
  printf '%s %s\n' "${line%%$'\t'*}" "$(argocd_health "$(jq -r .kind "$work/live.json")" "$work/live.json")"
}

# phase LABEL KIND NAME KSTATUS ARGO-STATUS [SECONDS]: both verdicts reach the expected ones in
# time. The last state seen goes into the table, and, when it matched, into the fixtures.
phase() {
  local label=$1 kind=$2 name=$3 want_kstatus=$4 want_argo=$5 seconds=${6:-60}
  local deadline=$((SECONDS + seconds)) seen="" kstatus argo message
  while ((SECONDS < deadline)); do
    if seen=$(verdicts "$kind" "$name"); then
      read -r kstatus argo message <<<"$seen"
      [[ $kstatus == "$want_kstatus" && $argo == "$want_argo" ]] && break
    fi
    sleep 0.2
  done
  read -r kstatus argo message <<<"${seen:-? ?}"
  rows+=("$(printf '%-44s %-11s %-12s %s' "$label" "$kstatus" "$argo" "${message:0:110}")")
  if [[ $kstatus != "$want_kstatus" || $argo != "$want_argo" ]]; then
    fail "$label: kstatus $want_kstatus, Argo CD $want_argo" "saw: ${seen:-no object}"
    return 0
  fi
  pass "$label: kstatus $want_kstatus, Argo CD $want_argo"
  ((${no_fixture:-0})) || save_fixture "$label" "$argo" "$message"
}

# phase_again LABEL ...: phase for a state already captured; it adds no fixture.
phase_again() { local no_fixture=1; phase "$@"; }

# save_fixture LABEL STATUS MESSAGE: $work/live.json, trimmed to what a health check reads (no
# managedFields, uid, resourceVersion, timestamps of metadata or annotations), as
# fixtures/KIND/testdata/SLUG.json (SLUG from LABEL), and its expected health appended to
# fixtures/KIND/health_test.yaml.
save_fixture() {
  local kind slug
  kind=$(jq -r .kind "$work/live.json")
  slug=$(printf '%s' "${1#*: }" | tr -cs 'a-z0-9' '-' | sed 's/-$//')
  mkdir -p "$fixtures/$kind/testdata"
  jq '{apiVersion, kind, metadata: {name: .metadata.name, generation: .metadata.generation}, spec, status}' \
    "$work/live.json" >"$fixtures/$kind/testdata/$slug.json"
  [[ -f $fixtures/$kind/health_test.yaml ]] || echo "tests:" >"$fixtures/$kind/health_test.yaml"
  python3 - "$fixtures/$kind/health_test.yaml" "$2" "$3" "testdata/$slug.json" <<'PY'
import json, sys
path, status, message, input_path = sys.argv[1:]
with open(path, "a") as out:
    out.write("  - healthStatus:\n      status: %s\n      message: %s\n    inputPath: %s\n"
              % (status, json.dumps(message), input_path))
PY
}


start_operator || exit 1
pass "operator ready"

# --- a target, a policy, and a workload whose pods no node accepts: it rolls out for good
kubectl apply -f - >/dev/null <<'OBJECTS'
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata:
  name: gh-t1
  labels: {labfleet.dev/e2e: gitops-health}
spec:
  environment: stg
  namespace: gh-t1
  registry: registry.example.com:5000/team
  channel: stg
  leases: {defaultDuration: 1h, maxDuration: 2h, notifyBefore: 1s}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata:
  name: gh-all
  labels: {labfleet.dev/e2e: gitops-health}
spec:
  workloadSelector: {matchLabels: {labfleet.dev/e2e: gitops-health}}
  targetSelector: {matchLabels: {labfleet.dev/e2e: gitops-health}}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata:
  name: gh-w1
  labels: {labfleet.dev/e2e: gitops-health}
spec:
  images:
    workshop: {repository: workshops/gh-w1}
    files: {repository: workshops/gh-w1-files, port: 8080}
  workshop: {title: GitOps health, image: "${WORKSHOP_IMAGE}", files: "${FILES_IMAGE}"}
  replicas: 1
  pod:
    nodeSelector: {labfleet.dev/e2e-node: none}
OBJECTS
phase "target: ready" dt gh-t1 Current Healthy
phase "policy: valid" sp gh-all Current Healthy
phase "workload: rolling out (pods unschedulable)" wl gh-w1 InProgress Progressing

# --- leases: one granted while the workload cannot roll out, one queued, one for no target
kubectl apply -f - >/dev/null <<'LEASES'
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: gh-a}
spec:
  target: gh-t1
  holder: alice@example.com
  duration: 1h
  overrides:
    - workload: gh-w1
      files: {tag: pr-1}
LEASES
eventually "lease gh-a becomes Active" 30 equals Active lease_phase gh-a
kubectl apply -f - >/dev/null <<'LEASES'
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: gh-b}
spec:
  target: gh-t1
  holder: bob@example.com
  duration: 15s
  overrides:
    - workload: gh-w1
      files: {tag: pr-2}
---
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: gh-x}
spec:
  target: gh-missing
  holder: carol@example.com
  duration: 1h
LEASES
phase "lease: active, rolling out" el gh-a InProgress Progressing
phase "lease: pending, queued" el gh-b InProgress Progressing
phase "lease: target missing" el gh-x Failed Degraded

# --- the pods may run: the workload is ready and the lease serves
kubectl patch wl gh-w1 --type=json -p '[{"op":"remove","path":"/spec/pod"}]' >/dev/null
phase "workload: ready" wl gh-w1 Current Healthy
phase "lease: active, serving" el gh-a Current Healthy

# --- a rollout stuck beside a ready old pod: the new pod cannot be scheduled, the old one serves on.
# Neither the workload nor the lease overriding it may look done while it lasts; once the operator
# has seen the stuck Deployment (its message says so) both verdicts must say InProgress.
kubectl patch wl gh-w1 --type=merge -p '{"spec":{"pod":{"nodeSelector":{"labfleet.dev/e2e-node":"none"}}}}' >/dev/null
eventually "stuck rollout: the old pod is still the ready one (updated 1, ready 1 of 2 replicas)" 60 \
  equals "2 1 1" kubectl -n gh-t1 get deploy gh-w1-files \
  -o 'jsonpath={.status.replicas} {.status.updatedReplicas} {.status.readyReplicas}'
eventually "stuck rollout: the workload names the old replica it waits on" 30 \
  bash -c "kubectl get wl gh-w1 -o 'jsonpath={.status.conditions[?(@.type==\"Ready\")].message}' | grep -q 'old replicas still running'"
phase "workload: stuck rollout, old pod still ready" wl gh-w1 InProgress Progressing
check "stuck rollout: Ready is not True" equals False condition wl gh-w1 Ready status
check "stuck rollout: Progressing is not Complete" equals RollingOut condition wl gh-w1 Progressing reason
phase_again "lease: active, its workload's rollout stuck" el gh-a InProgress Progressing
kubectl patch wl gh-w1 --type=json -p '[{"op":"remove","path":"/spec/pod"}]' >/dev/null
phase_again "workload: ready once the stuck rollout is undone" wl gh-w1 Current Healthy
check "undone: Progressing Complete" equals Complete condition wl gh-w1 Progressing reason
phase_again "lease: serving again" el gh-a Current Healthy

# --- a spec the operator has not seen yet: stopped, the generation moves past observedGeneration
stop_operator
kubectl patch wl gh-w1 --type=merge -p '{"spec":{"replicas":2}}' >/dev/null
phase "workload: new generation, operator stopped" wl gh-w1 InProgress Progressing 10
start_operator || exit 1
phase_again "workload: ready at 2 replicas" wl gh-w1 Current Healthy

# --- suspended: scaled to zero, configuration kept
kubectl patch wl gh-w1 --type=merge -p '{"spec":{"suspend":true}}' >/dev/null
phase "workload: suspended" wl gh-w1 Current Suspended
kubectl patch wl gh-w1 --type=merge -p '{"spec":{"suspend":false}}' >/dev/null
eventually "resumed workload is Ready again" 60 equals True condition wl gh-w1 Ready status

# --- stalled: a placeholder the operator does not know needs a person
kubectl patch wl gh-w1 --type=merge -p '{"spec":{"workshop":{"image":"${WORKSHOP_IMAGEE}"}}}' >/dev/null
phase "workload: stalled (unknown placeholder)" wl gh-w1 Failed Degraded
kubectl patch wl gh-w1 --type=merge -p '{"spec":{"workshop":{"image":"${WORKSHOP_IMAGE}"}}}' >/dev/null
phase_again "workload: placeholder fixed" wl gh-w1 Current Healthy

# --- a paused target: suspended itself, and the queue behind it waits
kubectl patch dt gh-t1 --type=merge -p '{"spec":{"paused":true}}' >/dev/null
phase "target: paused" dt gh-t1 Current Suspended
kubectl patch el gh-a --type=merge -p '{"spec":{"release":true}}' >/dev/null
eventually "lease gh-a is Released" 30 equals Released lease_phase gh-a
phase "lease: released" el gh-a Current Healthy
phase "lease: pending, target paused" el gh-b InProgress Progressing
kubectl patch dt gh-t1 --type=merge -p '{"spec":{"paused":false}}' >/dev/null
phase_again "target: resumed" dt gh-t1 Current Healthy
eventually "lease gh-b is granted once the target resumes" 30 \
  bash -c "kubectl get el gh-b -o jsonpath='{.status.acquiredAt}' | grep -q ."
eventually "lease gh-b expires" 60 equals Expired lease_phase gh-b
phase "lease: expired" el gh-b Current Healthy

# --- refused: a target whose namespace is on the operator's deny-list
kubectl apply -f - >/dev/null <<'TARGET'
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: gh-denied}
spec:
  environment: dev
  namespace: kube-public
TARGET
phase "target: refused (denied namespace)" dt gh-denied Failed Degraded

# --- invalid: a policy the schema would refuse, stored while SchedulingPolicies are served with a
# schema that accepts any spec (as an older CRD would), then the real schema is put back
kubectl get crd schedulingpolicies.labfleet.dev -o json | python3 -c '
import json, sys
crd = json.load(sys.stdin)
crd.pop("status", None)
for field in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
    crd["metadata"].pop(field, None)
schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
schema["spec"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
print(json.dumps(crd))' >"$work/permissive-crd.json"
kubectl replace -f "$work/permissive-crd.json" >/dev/null
cat >"$work/bad-policy.yaml" <<'POLICY'
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: gh-bad}
spec:
  workloadSelector: {matchLabels: {labfleet.dev/e2e: gitops-health}}
  targetSelector: {matchLabels: {labfleet.dev/e2e: gitops-health}}
  environments: [Not_A_Label]
POLICY
eventually "an invalid policy is stored under the permissive schema" 30 kubectl apply -f "$work/bad-policy.yaml"
check "the real SchedulingPolicy schema is back" kubectl replace -f "$root/crds/labfleet.dev_schedulingpolicies.yaml"
phase "policy: invalid" sp gh-bad Failed Degraded

check "operator still running" kill -0 "$operator_pid"
