#!/usr/bin/env bash
# Targets in other clusters (DeploymentTarget.spec.cluster): two minimal
# remote clusters, registered as Secrets in the operator's namespace with a
# token of a least-privileged service account each, get one workload's
# children; the home cluster gets none of them. The target records the
# remote's identity (kube-system uid); remote children carry no owner
# references but the workload's uid as a label. A foreign Deployment there is
# left alone. A remote that stops answering turns its target ClusterUnreachable
# while the other remote keeps receiving changes, and catches up once it
# answers again. A rotated token (the old one revoked) is picked up, a lease
# swaps a remote's image and gives it back, and a registration that suddenly
# leads to another cluster stalls its target (ClusterChanged) with nothing
# written there. Deletions: a Workload deleted while a remote is away waits the
# grace, then goes with a Warning Event, and its children there are swept when
# the remote answers again; a deleted target removes its children in its
# cluster before it goes, and one whose cluster cannot be written to lets go
# after the grace, leaving them, with a Warning Event.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"
source "$root/tests/e2e/lib/remote_cluster.sh"

ns=labfleet-e2e-mc
wl=mc-lab
registry=registry.example.com:5000/e2e
lease=e2e-mc-pr-$$
watchers=()

# delete_home [WAIT]: every Labfleet object of this test in the home cluster. A target or workload
# in another cluster carries a finalizer that the operator removes once it has cleaned up there:
# what it has not let go of within WAIT seconds (none, when no operator runs) is let go of by hand.
delete_home() {
  local deadline=$((SECONDS + ${1:-0})) object
  kubectl delete environmentleases,schedulingpolicies,workloads,deploymenttargets -l labfleet.dev/e2e=mc \
    --ignore-not-found --wait=false >/dev/null 2>&1
  while [[ -n $(kubectl get wl,dt -l labfleet.dev/e2e=mc -o name 2>/dev/null) ]] && ((SECONDS < deadline)); do sleep 1; done
  for object in $(kubectl get wl,dt -l labfleet.dev/e2e=mc -o name 2>/dev/null); do
    kubectl patch "$object" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
  done
  unregister_clusters
}
cleanup() {
  local pid
  for pid in ${watchers[@]+"${watchers[@]}"}; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for remote in remote-a remote-b; do remote_thaw "$remote" 2>/dev/null; done
  if [[ -n $operator_pid ]]; then delete_home 45; else delete_home; fi
  stop_operator
  remote_down_all
  finish
}
trap cleanup EXIT
trap "exit 143" TERM INT  # the cleanup runs on a timeout's kill too

# ready_of TARGET: "STATUS REASON" of the target's Ready condition.
ready_of() { echo "$(condition dt "$1" Ready status) $(condition dt "$1" Ready reason)"; }
# image REMOTE: the image of the workload's files Deployment in the remote's target namespace.
image() { rkubectl "$1" -n "$ns" get deploy "$wl-files" -o jsonpath='{.spec.template.spec.containers[0].image}'; }
# has_tag REMOTE TAG: that Deployment runs the files image with TAG.
has_tag() { equals "$registry/workshops/$wl-files:$2" image "$1"; }
# workshop_has_tag REMOTE TAG: the workshop ConfigMap is rendered with the workshop image of TAG.
workshop_has_tag() {
  [[ $(rkubectl "$1" -n "$ns" get cm "$wl-workshop" -o jsonpath='{.data}') == *"$registry/workshops/$wl:$2"* ]]
}
# children REMOTE TARGET: the target's children of the workload in the remote, one per line.
children() {
  rkubectl "$1" -n "$ns" get configmaps,deployments,services -l "labfleet.dev/workload=$wl,labfleet.dev/target=$2" \
    -o name | sort
}
expected_children=$(printf '%s\n' "configmap/$wl-workshop" "deployment.apps/$wl-files" "service/$wl-files")
# marks REMOTE TARGET: per child "KIND/NAME managed-by=… workload-uid=… installation=… owners=…".
marks() {
  rkubectl "$1" -n "$ns" get configmaps,deployments,services -l "labfleet.dev/workload=$wl,labfleet.dev/target=$2" \
    -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} managed-by={.metadata.labels.app\.kubernetes\.io/managed-by} workload-uid={.metadata.labels.labfleet\.dev/workload-uid} installation={.metadata.labels.labfleet\.dev/installation} owners={.metadata.ownerReferences}{"\n"}{end}' |
    sort
}
# patch_tags TAG: pins both images of the workload to TAG.
patch_tags() {
  kubectl patch wl "$wl" --type=merge \
    -p "{\"spec\":{\"images\":{\"workshop\":{\"tag\":\"$1\"},\"files\":{\"tag\":\"$1\"}}}}" >/dev/null
}

echo "--- setup: CRDs, nothing left from an earlier run"
kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
delete_home
kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
eventually "setup: no e2e-mc objects or home namespace $ns left from an earlier run" 120 \
  bash -c "[[ -z \$(kubectl get wl,dt,sp,el -l labfleet.dev/e2e=mc -o name) ]] && ! kubectl get namespace $ns"

echo "--- setup: two remote clusters, each with the target namespace and the least Roles"
for remote in remote-a remote-b; do
  remote_up "$remote" || { fail "setup: $remote up"; exit 1; }
  # remote-b gets them from `kubectl labfleet cluster add` below.
  [[ $remote == remote-b ]] || remote_grant "$remote" "$ns" ||
    { fail "setup: $remote: namespace, service account and Roles"; exit 1; }
done
uid_a=$(remote_uid remote-a)
uid_b=$(remote_uid remote-b)
check "setup: the remotes are two clusters (kube-system uids differ)" \
  bash -c "[[ -n '$uid_a' && -n '$uid_b' && '$uid_a' != '$uid_b' ]]"
register_cluster remote-a "$(remote_dir remote-a)" labfleet-token-1 || { fail "setup: remote-a registered"; exit 1; }
token_a1=$registered_token
# remote-b: its target namespace, identity, Roles, token and home Secret from `kubectl labfleet cluster
# add`, run twice (the second run changes no Role); the Secret labelled for unregister_clusters.
cluster_add_b() {
  "${LABFLEET_PLUGIN:?path of kubectl-labfleet}" cluster add remote-b --namespaces "$ns" \
    --remote-kubeconfig "$(remote_dir remote-b)/kubeconfig" --operator-namespace "$leader_namespace" "$@" \
    >"$work/cluster-add-b.out" 2>&1 || { cat "$work/cluster-add-b.out"; return 1; }
}
cluster_add_b --create-namespaces && cluster_add_b &&
  kubectl -n "$leader_namespace" label secret remote-b "${cluster_secret_labels[1]}" --overwrite >/dev/null ||
  { fail "setup: remote-b registered (kubectl labfleet cluster add)"; exit 1; }
check "setup: cluster add run again changes no Role in remote-b" \
  grep -q "^remote: Role $ns/labfleet-target unchanged" "$work/cluster-add-b.out"
check "setup: cluster add gave remote-b the Role remote_grant gave remote-a" \
  equals "$(rkubectl remote-a -n "$ns" get role labfleet-target -o jsonpath='{.rules}')" \
  rkubectl remote-b -n "$ns" get role labfleet-target -o jsonpath='{.rules}'
kubectl -n "$leader_namespace" get secret remote-b -o jsonpath='{.data.kubeconfig}' | base64 -d >"$work/cluster-b.kubeconfig"
check "setup: cluster add's identity reads kube-system in remote-b" \
  kubectl --kubeconfig "$work/cluster-b.kubeconfig" --request-timeout=10s get namespace kube-system -o name
check "setup: cluster add's identity cannot read another namespace in remote-b (Forbidden)" bash -c \
  "out=\$(kubectl --kubeconfig '$work/cluster-b.kubeconfig' --request-timeout=10s get namespace default 2>&1) && exit 1; [[ \$out == *Forbidden* ]]"
# The identity reads its namespace and kube-system, and no other namespace.
check "setup: the remote identity reads its target namespace" token_answers "$(remote_dir remote-a)" "$token_a1" "$ns"
check "setup: the remote identity reads kube-system" token_answers "$(remote_dir remote-a)" "$token_a1" kube-system
# refused_with WORD TOKEN ARGS...: remote-a answers the request made with TOKEN with an error naming WORD.
refused_with() {
  local word=$1 token=$2 out
  shift 2
  out=$(token_kubectl "$(remote_dir remote-a)" "$token" "$@" 2>&1) && { echo "allowed: $out"; return 1; }
  [[ $out == *"$word"* ]] || { echo "$out"; return 1; }
}
check "setup: the remote identity cannot read another namespace (Forbidden)" \
  refused_with Forbidden "$token_a1" get namespace default

# Someone else's Deployment in remote-a's target namespace, not labelled as Labfleet's.
rkubectl remote-a -n "$ns" create deployment foreign-web --image=nginx:1.25 >/dev/null
foreign_uid=$(rkubectl remote-a -n "$ns" get deploy foreign-web -o jsonpath='{.metadata.uid}')
foreign_generation=$(rkubectl remote-a -n "$ns" get deploy foreign-web -o jsonpath='{.metadata.generation}')

# A deleted target or workload waits this long for an unreachable or changed cluster before it lets go.
start_operator --remote-cleanup-grace=15s || exit 1
pass "operator ready"

echo "--- one workload on two targets, each in its own remote cluster"
mkdir -p "$work/plan"
cat >"$work/plan/objects.yaml" <<OBJECTS
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: e2e-mc-a, labels: {labfleet.dev/e2e: mc}}
spec: {environment: stg, namespace: $ns, cluster: {name: remote-a}, registry: "$registry", channel: stg}
---
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: e2e-mc-b, labels: {labfleet.dev/e2e: mc}}
spec: {environment: prod, namespace: $ns, cluster: {name: remote-b}, registry: "$registry", channel: prod}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: $wl, labels: {labfleet.dev/e2e: mc}}
spec:
  images:
    workshop: {repository: workshops/$wl}
    files: {repository: workshops/$wl-files, port: 8080}
  workshop:
    title: Multi-cluster lab
    image: \${WORKSHOP_IMAGE}
  replicas: 1
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: e2e-mc, labels: {labfleet.dev/e2e: mc}}
spec:
  workloadSelector: {matchLabels: {labfleet.dev/e2e: mc}}
  targetSelector: {matchLabels: {labfleet.dev/e2e: mc}}
OBJECTS
kubectl apply -f "$work/plan/objects.yaml" >/dev/null
wl_uid=$(kubectl get wl "$wl" -o jsonpath='{.metadata.uid}')
eventually "e2e-mc-a: Ready True (NamespaceReady)" 60 equals "True NamespaceReady" ready_of e2e-mc-a
eventually "e2e-mc-b: Ready True (NamespaceReady)" 60 equals "True NamespaceReady" ready_of e2e-mc-b
eventually "e2e-mc-a: status.clusterUID is remote-a's kube-system uid" 30 \
  equals "$uid_a" kubectl get dt e2e-mc-a -o jsonpath='{.status.clusterUID}'
eventually "e2e-mc-b: status.clusterUID is remote-b's kube-system uid" 30 \
  equals "$uid_b" kubectl get dt e2e-mc-b -o jsonpath='{.status.clusterUID}'
eventually "remote-a: the ConfigMap, Deployment and Service of the workload" 60 equals "$expected_children" children remote-a e2e-mc-a
eventually "remote-b: the ConfigMap, Deployment and Service of the workload" 60 equals "$expected_children" children remote-b e2e-mc-b
eventually "remote-a: the Deployment runs the stg channel" 30 has_tag remote-a stg
eventually "remote-b: the Deployment runs the prod channel" 30 has_tag remote-b prod
eventually "remote-a: the ConfigMap is rendered with the workshop image" 30 workshop_has_tag remote-a stg
# plugin_diff DIR: `kubectl labfleet diff` of the files in DIR, its output and exit status.
plugin_diff() { "$LABFLEET_PLUGIN" diff -f "$1" --operator-namespace "$leader_namespace" 2>&1; echo "exit $?"; }
check "diff: the applied files match what both remotes hold" equals $'no differences\nexit 0' plugin_diff "$work/plan"
mkdir -p "$work/plan-prod"
sed 's/channel: stg}/channel: prod}/' "$work/plan/objects.yaml" >"$work/plan-prod/objects.yaml"
# differs_in_remote_a: a channel changed in the files shows as remote-a's Deployment differing, read there.
differs_in_remote_a() {
  local out
  out=$(plugin_diff "$work/plan-prod")
  [[ $out == *"~ Deployment $ns/$wl-files (cluster remote-a)"* && $out == *"exit 1" &&
     $out != *"(cluster remote-b)"* && $out != *"missing"* ]] || { echo "$out"; return 1; }
}
check "diff: a changed file is compared with the remote it targets" differs_in_remote_a
# status_clusters: the CLUSTER column of `status -o wide`, per target.
status_clusters() { "$LABFLEET_PLUGIN" -o wide status "$wl" | awk 'NR > 1 { print $2, $NF }' | sort; }
check "status -o wide: each target's cluster" equals $'e2e-mc-a remote-a\ne2e-mc-b remote-b' status_clusters
expected_marks() {
  printf "%s managed-by=labfleet workload-uid=$wl_uid installation=$home_uid owners=\n" \
    "ConfigMap/$wl-workshop" "Deployment/$wl-files" "Service/$wl-files"
}
# This installation's name: the home cluster's kube-system uid.
home_uid=$(kubectl get namespace kube-system -o jsonpath='{.metadata.uid}')
for remote in remote-a remote-b; do
  target=e2e-mc-${remote#remote-}
  check "$remote: the children carry the workload's uid and the installation as labels, no ownerReferences" \
    equals "$(expected_marks)" marks "$remote" "$target"
done
check "home: the workload carries the finalizer for its objects in other clusters" \
  equals "labfleet.dev/remote-objects" kubectl get wl "$wl" -o jsonpath='{.metadata.finalizers[*]}'
check "home: nothing of the workload in any namespace" \
  equals "" kubectl get configmaps,deployments,services -A -l "labfleet.dev/workload=$wl" -o name
check "home: no namespace $ns made" bash -c "! kubectl get namespace $ns"
# cluster_immutable: a change of spec.cluster is refused with the CRD's message (a server-side dry
# run: were it accepted, the rest of the run would still see the target on remote-a).
cluster_immutable() {
  local out
  ! out=$(kubectl patch dt e2e-mc-a --dry-run=server --type=merge -p '{"spec":{"cluster":{"name":"remote-b"}}}' 2>&1) &&
    grep -q "spec.cluster cannot change" <<<"$out" || { echo "$out"; return 1; }
}
check "spec.cluster cannot change" cluster_immutable

echo "--- a target in a namespace of remote-a where the identity has no Role"
noperm=labfleet-e2e-mc-noperm
rkubectl remote-a create namespace "$noperm" >/dev/null
kubectl apply -f - >/dev/null <<TARGET
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: e2e-mc-c, labels: {labfleet.dev/e2e: mc}}
spec: {environment: qa, namespace: $noperm, cluster: {name: remote-a}, registry: "$registry"}
TARGET
eventually "no permissions: e2e-mc-c Stalled, ClusterPermissionsMissing" 45 \
  equals "False ClusterPermissionsMissing" ready_of e2e-mc-c
check "no permissions: the condition names what is missing" \
  grep -q "may not get configmaps, list configmaps" <<<"$(condition dt e2e-mc-c Ready message)"
check "no permissions: nothing written there" equals "" rkubectl remote-a -n "$noperm" get cm,deploy,svc -o name
remote_grant remote-a "$noperm"
eventually "no permissions, then the Role: e2e-mc-c Ready True" 45 equals "True NamespaceReady" ready_of e2e-mc-c
noperm_children() { rkubectl remote-a -n "$noperm" get configmaps,deployments,services -o name | sort; }
eventually "no permissions, then the Role: the children are written there" 30 equals "$expected_children" noperm_children
kubectl delete dt e2e-mc-c --wait=false >/dev/null
eventually "no permissions, then the Role: the target deleted, its children there removed" 45 \
  bash -c "! kubectl get dt e2e-mc-c >/dev/null 2>&1"
check "no permissions, then the Role: nothing left there" \
  equals "" rkubectl remote-a -n "$noperm" get cm,deploy,svc -o name

echo "--- remote-b stops answering (its kube-apiserver frozen), then answers again"
# A short lease on e2e-mc-b, Active before the freeze: its deadline is kept while remote-b is away.
kubectl apply -f - >/dev/null <<LEASE
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: $lease-b, labels: {labfleet.dev/e2e: mc}}
spec:
  target: e2e-mc-b
  holder: ci@example.com
  duration: 30s
  overrides:
    - workload: $wl
      files: {tag: pr-9}
LEASE
eventually "short lease on e2e-mc-b: Active" 30 equals Active lease_phase "$lease-b"
eventually "short lease on e2e-mc-b: remote-b's Deployment runs its tag" 30 has_tag remote-b pr-9
a_since=$(condition dt e2e-mc-a Ready lastTransitionTime)
remote_freeze remote-b
eventually "frozen remote-b: e2e-mc-b turns Ready False, ClusterUnreachable" 45 \
  equals "False ClusterUnreachable" ready_of e2e-mc-b
patch_tags v2
eventually "frozen remote-b: the change reaches remote-a's Deployment" 30 has_tag remote-a v2
eventually "frozen remote-b: the change reaches remote-a's workshop ConfigMap" 30 workshop_has_tag remote-a v2
# a_steady: e2e-mc-a is Ready True, and has been since before the freeze (no flap in between).
a_steady() {
  local now
  now="$(ready_of e2e-mc-a) $(condition dt e2e-mc-a Ready lastTransitionTime)"
  [[ $now == "True NamespaceReady $a_since" ]] || { echo "Ready: $now (before the freeze: True NamespaceReady $a_since)"; return 1; }
}
check "frozen remote-b: e2e-mc-a stayed Ready True (no transition)" a_steady
# cluster_metric NAME CLUSTER: the operator's NAME series of CLUSTER, summed.
cluster_metric() { metric_sum "$(operator_scrape)" "$1" "cluster=\"$2\""; }
eventually "frozen remote-b: labfleet_cluster_up is 0 for remote-b" 15 equals 0 cluster_metric labfleet_cluster_up remote-b
check "frozen remote-b: labfleet_cluster_up is 1 for remote-a" equals 1 cluster_metric labfleet_cluster_up remote-a
check "frozen remote-b: remote-a's requests are counted" test "$(cluster_metric labfleet_cluster_requests_total remote-a)" -gt 0
check "frozen remote-b: remote-a's children are counted in its cache" \
  test "$(cluster_metric labfleet_cluster_cached_objects remote-a)" -ge 3
# expiry_ahead CLUSTER: its credential's expiry (the token's exp claim) is exported, and lies ahead.
expiry_ahead() {
  local expiry
  expiry=$(cluster_metric labfleet_cluster_credential_expiry_timestamp_seconds "$1")
  expiry=${expiry%.*}
  [[ -n $expiry && $expiry -gt $(date +%s) ]] || { echo "expiry: '$expiry'"; return 1; }
}
check "frozen remote-b: remote-a's token expiry is exported" expiry_ahead remote-a
eventually "frozen remote-b: the short lease on e2e-mc-b expires on time all the same" 45 \
  equals Expired lease_phase "$lease-b"
check "frozen remote-b: e2e-mc-b still ClusterUnreachable when the lease expired" \
  equals "False ClusterUnreachable" ready_of e2e-mc-b
remote_thaw remote-b
eventually "thawed remote-b: e2e-mc-b back to Ready True (NamespaceReady)" 45 equals "True NamespaceReady" ready_of e2e-mc-b
eventually "thawed remote-b: its Deployment gets the change (the expired lease's tag reverted)" 60 has_tag remote-b v2
kubectl delete el "$lease-b" --ignore-not-found >/dev/null

echo "--- remote-a's token rotated, the old one revoked"
register_cluster remote-a "$(remote_dir remote-a)" labfleet-token-2 || fail "rotation: remote-a registered again"
token_a2=$registered_token
rkubectl remote-a -n "$remote_sa_namespace" delete secret labfleet-token-1 >/dev/null
eventually "rotation: remote-a refuses the old token (Unauthorized: its Secret deleted)" 30 \
  refused_with Unauthorized "$token_a1" get namespace "$ns"
check "rotation: remote-a accepts the new token" token_answers "$(remote_dir remote-a)" "$token_a2" "$ns"
patch_tags v3
eventually "rotation: writes to remote-a go on (its Deployment gets the change)" 60 has_tag remote-a v3
eventually "rotation: remote-b gets the change too" 30 has_tag remote-b v3
eventually "rotation: e2e-mc-a Ready True" 30 equals "True NamespaceReady" ready_of e2e-mc-a

echo "--- a lease on e2e-mc-a"
kubectl apply -f - >/dev/null <<LEASE
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: $lease, labels: {labfleet.dev/e2e: mc}}
spec:
  target: e2e-mc-a
  holder: ci@example.com
  duration: 10m
  overrides:
    - workload: $wl
      workshop: {tag: pr-7}
      files: {tag: pr-7}
LEASE
eventually "lease: Active" 30 equals Active lease_phase "$lease"
eventually "lease: remote-a's Deployment runs the lease's tag" 30 has_tag remote-a pr-7
check "lease: remote-b keeps its tag" has_tag remote-b v3
kubectl patch el "$lease" --type=merge -p '{"spec":{"release":true}}' >/dev/null
eventually "lease: released" 30 equals Released lease_phase "$lease"
eventually "lease: remote-a's Deployment back to the workload's tag" 30 has_tag remote-a v3
kubectl delete el "$lease" --ignore-not-found >/dev/null

echo "--- the foreign Deployment in remote-a, after all of the above"
# foreign FIELDS: a jsonpath of the foreign Deployment, failing unless it is the very object made above.
foreign() {
  local out
  out=$(rkubectl remote-a -n "$ns" get deploy foreign-web -o jsonpath="{.metadata.uid}|$1") || return 1
  [[ ${out%%|*} == "$foreign_uid" ]] || return 1
  printf '%s' "${out#*|}"
}
check "foreign object: still there, the same object (same uid)" foreign ""
check "foreign object: untouched (same generation)" equals "$foreign_generation" foreign '{.metadata.generation}'
check "foreign object: not labelled as Labfleet's" equals "" foreign '{.metadata.labels.app\.kubernetes\.io/managed-by}'

echo "--- remote-a's registration now leads to remote-b"
# Everything labelled as e2e-mc-a's that remote-b ever holds, watched from now on.
for kind in configmaps deployments services; do
  kubectl --kubeconfig "$(remote_dir remote-b)/kubeconfig" get "$kind" -A -l labfleet.dev/target=e2e-mc-a \
    --watch -o name >"$work/watch-$kind.out" 2>"$work/watch-$kind.err" &
  watchers+=($!)
done
sleep 1  # the watches have listed
register_cluster remote-a "$(remote_dir remote-b)" labfleet-impostor || fail "cluster changed: remote-a re-registered"
eventually "cluster changed: e2e-mc-a turns Stalled" 45 equals True condition dt e2e-mc-a Stalled status
eventually "cluster changed: e2e-mc-a Ready False, ClusterChanged" 30 equals "False ClusterChanged" ready_of e2e-mc-a
check "cluster changed: e2e-mc-a keeps remote-a's uid" \
  equals "$uid_a" kubectl get dt e2e-mc-a -o jsonpath='{.status.clusterUID}'
# A change while it is stalled: remote-b gets it for e2e-mc-b, nothing for e2e-mc-a.
patch_tags v4
eventually "cluster changed: remote-b still gets e2e-mc-b's changes" 60 has_tag remote-b v4
sleep 3  # time for a write that should not happen
check "cluster changed: e2e-mc-a is still ClusterChanged" equals "False ClusterChanged" ready_of e2e-mc-a
check "cluster changed: e2e-mc-b still Ready True" equals "True NamespaceReady" ready_of e2e-mc-b
check "cluster changed: nothing labelled as e2e-mc-a's in remote-b" \
  equals "" rkubectl remote-b get configmaps,deployments,services -A -l labfleet.dev/target=e2e-mc-a -o name
# never_appeared: each watch still runs and saw nothing.
never_appeared() {
  local kind i=0 seen
  for kind in configmaps deployments services; do
    kill -0 "${watchers[i]}" 2>/dev/null || { echo "the watch of $kind ended: $(cat "$work/watch-$kind.err")"; return 1; }
    seen=$(sort -u "$work/watch-$kind.out")
    [[ -z $seen ]] || { echo "$kind appeared: $seen"; return 1; }
    i=$((i + 1))
  done
}
check "cluster changed: nothing labelled as e2e-mc-a's ever appeared in remote-b (watched)" never_appeared
check "cluster changed: remote-a keeps e2e-mc-a's children (nothing pruned)" \
  equals "$expected_children" children remote-a e2e-mc-a

echo "--- deletions"
# The workload as it was applied, to create it again.
kubectl get wl "$wl" -o json | python3 -c '
import json, sys
o = json.load(sys.stdin)
meta = o["metadata"]
o["metadata"] = {"name": meta["name"], "labels": meta.get("labels", {})}
o.pop("status", None)
json.dump(o, sys.stdout)' >"$work/workload.json"
remote_freeze remote-b
eventually "workload deleted while remote-b is away: e2e-mc-b ClusterUnreachable first" 45 \
  equals "False ClusterUnreachable" ready_of e2e-mc-b
kubectl delete wl "$wl" --wait=false >/dev/null
sleep 5
check "workload deleted while remote-b is away: it waits its grace" kubectl get wl "$wl" -o name
eventually "workload deleted while remote-b is away: gone after the grace" 45 bash -c "! kubectl get wl $wl >/dev/null 2>&1"
check "workload deleted while remote-b is away: a Warning Event RemoteObjectsLeft says what was left" \
  test -n "$(kubectl get events -A --field-selector reason=RemoteObjectsLeft,involvedObject.name=$wl -o name)"
remote_thaw remote-b
eventually "workload deleted while remote-b was away: its children there swept once it answers" 60 \
  equals "" children remote-b e2e-mc-b
kubectl create -f "$work/workload.json" >/dev/null
eventually "workload created again: its children back in remote-b" 60 equals "$expected_children" children remote-b e2e-mc-b

kubectl delete dt e2e-mc-b --wait=false >/dev/null
eventually "target deleted: its children in remote-b removed" 60 equals "" children remote-b e2e-mc-b
eventually "target deleted: then the target is gone" 30 bash -c "! kubectl get dt e2e-mc-b >/dev/null 2>&1"
check "target deleted: the foreign Deployment in remote-a untouched" foreign ""

# e2e-mc-a's registration leads elsewhere: nothing may be deleted through it.
kubectl delete dt e2e-mc-a --wait=false >/dev/null
sleep 5
check "changed cluster: the deleted target waits its grace" kubectl get dt e2e-mc-a -o name
eventually "changed cluster: after the grace the target is gone" 45 bash -c "! kubectl get dt e2e-mc-a >/dev/null 2>&1"
check "changed cluster: a Warning Event RemoteObjectsLeft says what was left" \
  test -n "$(kubectl get events -A --field-selector reason=RemoteObjectsLeft,involvedObject.name=e2e-mc-a -o name)"
check "changed cluster: remote-a keeps e2e-mc-a's children (left, not deleted through another cluster)" \
  equals "$expected_children" children remote-a e2e-mc-a
check "changed cluster: still nothing labelled as e2e-mc-a's in remote-b" never_appeared
