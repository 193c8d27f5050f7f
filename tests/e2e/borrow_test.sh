#!/usr/bin/env bash
# Borrowing with `kubectl labfleet`, as people do, with the chart's roles and
# lease admission policy in force: alice borrows a target and waits until it
# serves her image; bob queues behind her and sees who holds it until when;
# alice extends, bob may not touch her lease nor claim to be someone else;
# carol, limited to another target, is refused before anything is created and
# by the API server itself; Ctrl-C while queued withdraws the request; alice
# releases and bob's waiting borrow returns once his image is served; a lease
# administrator may end anyone's lease. Then alice borrows with --base: every
# image she names no tag for runs the base channel, her override beats it, and
# `diff` names each field the borrowed target holds differently from the files
# (exit 1), until the lease ends (exit 0).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/users.sh"
plugin=${LABFLEET_PLUGIN:?path of kubectl-labfleet}

ns=labfleet-borrow
target=e2e-borrow
cleanup() {
  kubectl delete el -l e2e=borrow --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl get el -o name 2>/dev/null | while read -r lease; do
    [[ $(kubectl get "$lease" -o jsonpath='{.spec.target}') == "$target" ]] && kubectl delete "$lease" --wait=false >/dev/null 2>&1
  done
  kubectl delete wl e2e-web e2e-api --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete dt "$target" e2e-borrow-other --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete sp e2e-borrow --ignore-not-found --wait=false >/dev/null 2>&1
  [[ -n ${roles:-} ]] && kubectl delete -f "$roles" --ignore-not-found >/dev/null 2>&1
  kubectl delete clusterrolebinding e2e-borrow-alice e2e-borrow-bob e2e-borrow-carol e2e-borrow-dave \
    --ignore-not-found >/dev/null 2>&1
  kubectl delete clusterrole e2e-borrow-other-only --ignore-not-found >/dev/null 2>&1
  kubectl delete namespace "$ns" labfleet-borrow-other --ignore-not-found --wait=false >/dev/null 2>&1
  finish
}
trap cleanup EXIT

as() { local who=$1; shift; "$plugin" --kubeconfig "$(user_kubeconfig "$who")" "$@"; }
kubectl_as() { local who=$1; shift; kubectl --kubeconfig "$(user_kubeconfig "$who")" "$@"; }
files_image() { kubectl -n "$ns" get deploy "$1-files" -o jsonpath='{.spec.template.spec.containers[0].image}'; }

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null

# The chart's user roles and lease admission policy, as installed.
roles="$work/roles.yaml"
helm template labfleet "$root/charts/labfleet" --namespace labfleet-system \
  --show-only templates/user-clusterroles.yaml --show-only templates/lease-admission-policy.yaml >"$roles"
kubectl apply -f "$roles" >/dev/null
kubectl create clusterrolebinding e2e-borrow-alice --clusterrole=labfleet-borrower --user=alice >/dev/null
kubectl create clusterrolebinding e2e-borrow-bob --clusterrole=labfleet-borrower --user=bob >/dev/null
kubectl create clusterrolebinding e2e-borrow-dave --clusterrole=labfleet-admin --user=dave >/dev/null
# carol may borrow only e2e-borrow-other.
kubectl apply -f - >/dev/null <<ROLE
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-borrow-other-only}
rules:
  - {apiGroups: [labfleet.dev], resources: [workloads, deploymenttargets, environmentleases], verbs: [get, list, watch]}
  - {apiGroups: [labfleet.dev], resources: [environmentleases], verbs: [create, patch, update, delete]}
  - {apiGroups: [labfleet.dev], resources: [deploymenttargets], resourceNames: [e2e-borrow-other], verbs: [borrow]}
ROLE
kubectl create clusterrolebinding e2e-borrow-carol --clusterrole=e2e-borrow-other-only --user=carol >/dev/null

# The fleet as files, as a repository would hold it (`diff -f` reads them).
mkdir -p "$work/fleet"
cat >"$work/fleet/fleet.yaml" <<FLEET
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: $target, labels: {e2e: borrow}}
spec: {environment: stg, namespace: $ns, channel: prod, leases: {defaultDuration: 10m, maxDuration: 1h}}
---
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: e2e-borrow-other, labels: {e2e: borrow-other}}
spec: {environment: qa, namespace: labfleet-borrow-other, channel: stg}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: e2e-web, labels: {e2e: borrow}}
spec:
  images: {workshop: {repository: e2e/web-workshop}, files: {repository: e2e/web-files, port: 8080}}
  workshop: {title: web}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: e2e-api, labels: {e2e: borrow}}
spec:
  images: {workshop: {repository: e2e/api-workshop}, files: {repository: e2e/api-files, port: 8080}}
  workshop: {title: api}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: e2e-borrow}
spec:
  workloadSelector: {matchLabels: {e2e: borrow}}
  targetSelector: {matchLabels: {e2e: borrow}}
FLEET
kubectl apply -f "$work/fleet" >/dev/null

start_operator
eventually "both workloads run the channel's images on the target" 60 \
  equals "e2e/api-files:prod e2e/web-files:prod" bash -c "echo \$(kubectl -n $ns get deploy -o jsonpath='{range .items[*]}{.spec.template.spec.containers[0].image}{\"\\n\"}{end}' | sort)"

# --- bad input never reaches the cluster
leases_before=$(kubectl get el --no-headers 2>/dev/null | wc -l)
out=$(as alice borrow nope e2e-web=pr-1 2>&1)
check "an unknown target is named" grep -q 'target "nope" not found' <<<"$out"
out=$(as alice borrow "$target" e2e-nope=pr-1 2>&1); rc=$?
check "an unknown workload is named (exit 1)" bash -c "[[ $rc == 1 ]] && grep -q 'workload \"e2e-nope\" not found' <<<'$out'"
out=$(as alice borrow "$target" e2e-web=pr-1 --for 2h 2>&1)
check "a duration over the target's maximum names the maximum" grep -q 'allows (leases.maxDuration 1h)' <<<"$out"
out=$(as alice borrow "$target" 'e2e-web=bad:tag' 2>&1)
check "a tag the CRD would refuse is named" grep -q 'tag bad:tag' <<<"$out"
out=$(as carol borrow "$target" e2e-web=pr-1 --no-wait 2>&1)
check "carol may not borrow a target outside her rights (and is told which verb)" \
  grep -q "carol may not borrow target $target (needs verb borrow on deploymenttargets/$target" <<<"$out"
check "nothing was created by refused borrows" equals "$leases_before" bash -c "kubectl get el --no-headers 2>/dev/null | wc -l"

# --- alice borrows and waits until the target serves her image
started=$(date +%s.%N)
out=$(as alice borrow "$target" e2e-web=pr-1 --for 10m --reason "try PR 1" 2>"$work/alice.err"); rc=$?
borrow_seconds=$(echo "$(date +%s.%N) - $started" | bc)
echo "borrow → serving: ${borrow_seconds}s"
check "alice's borrow returns once served (exit 0)" test "$rc" = 0
check "it says what is served where and until when" grep -q "serving on $target until" <<<"$out"
check "the files Deployment runs alice's image when borrow returns" equals "e2e/web-files:pr-1" files_image e2e-web
alice_lease=$(sed -n 's/^lease \([^ ]*\) created.*/\1/p' "$work/alice.err")
check "the lease got a generated name" grep -q "^$target-" <<<"$alice_lease"
check "the holder is alice, as authenticated" equals alice kubectl get el "$alice_lease" -o jsonpath='{.spec.holder}'

# --- bob queues behind alice and sees who holds the target until when
bob_out="$work/bob.out"
as bob borrow "$target" e2e-api=pr-2 --timeout 2m >"$bob_out" 2>"$work/bob.err" &
bob_pid=$!
eventually "bob's borrow shows his place and alice's hold" 30 \
  grep -q "queued at position 1 on $target; held by alice until" "$work/bob.err"
bob_lease=$(sed -n 's/^lease \([^ ]*\) created.*/\1/p' "$work/bob.err")
out=$(as bob leases "$target")
check "leases lists alice Active with time left and bob Pending 1" \
  bash -c "grep -Eq '^$alice_lease +$target +alice +Active +- +[0-9]+m' <<<'$out' && grep -Eq '^$bob_lease +$target +bob +Pending +1 ' <<<'$out'"

# --- who may do what
check "alice extends her lease" as alice extend "$alice_lease" --for 5m
check "the lease now lasts 15m" equals 15m kubectl get el "$alice_lease" -o jsonpath='{.spec.duration}'
out=$(as bob extend "$alice_lease" --for 5m 2>&1)
check "bob may not extend alice's lease (the policy names the holder rule)" \
  grep -q "is held by alice; only its holder or a lease administrator" <<<"$out"
out=$(as bob release "$alice_lease" 2>&1)
check "bob may not release alice's lease" grep -q "is held by alice" <<<"$out"
out=$(kubectl_as alice create -f - 2>&1 <<LEASE
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {generateName: $target-}
spec: {target: $target, holder: bob, overrides: [{workload: e2e-web, files: {tag: pr-9}}]}
LEASE
)
check "alice cannot create a lease held by bob" grep -q "spec.holder must be the requesting user (alice)" <<<"$out"
out=$(kubectl_as carol create -f - 2>&1 <<LEASE
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {generateName: $target-}
spec: {target: $target, holder: carol, overrides: [{workload: e2e-web, files: {tag: pr-9}}]}
LEASE
)
check "the API server itself refuses carol's lease on a target she may not borrow" \
  grep -q "carol may not borrow target $target" <<<"$out"

# --- Ctrl-C while queued withdraws the request
# Started directly (not through a function, whose subshell would take the signal).
"$plugin" --kubeconfig "$(user_kubeconfig dave)" borrow "$target" e2e-web=pr-3 >/dev/null 2>"$work/dave.err" &
dave_pid=$!
eventually "dave is queued" 30 grep -q "queued at position 2" "$work/dave.err"
dave_lease=$(sed -n 's/^lease \([^ ]*\) created.*/\1/p' "$work/dave.err")
kill -INT "$dave_pid"; wait "$dave_pid"; rc=$?
check "Ctrl-C ends the borrow with 130" test "$rc" = 130
eventually "and withdraws the queued lease" 15 bash -c "! kubectl get el '$dave_lease' >/dev/null 2>&1"

# --- alice releases; bob's waiting borrow returns once his image is served
check "alice releases her own lease (no name needed)" as alice release
wait "$bob_pid"; rc=$?
check "bob's borrow returns served (exit 0)" test "$rc" = 0
check "the target serves bob's image and alice's is gone" \
  bash -c "[[ \$(kubectl -n $ns get deploy e2e-api-files -o jsonpath='{.spec.template.spec.containers[0].image}') == e2e/api-files:pr-2 && \$(kubectl -n $ns get deploy e2e-web-files -o jsonpath='{.spec.template.spec.containers[0].image}') == e2e/web-files:prod ]]"
out=$(as alice status e2e-api)
check "status shows the tag's source" grep -Eq "e2e-api +$target +.* e2e/api-files:pr-2 +lease/$bob_lease" <<<"$out"

# --- a lease administrator may end anyone's lease
check "dave (lease administrator) releases bob's lease" as dave release "$bob_lease"
eventually "bob's lease is Released" 15 equals Released lease_phase "$bob_lease"

# --- --base: every image given no tag runs the base channel; an override beats it
# A channel no target here runs is warned about, never refused: production may
# run in another cluster, and only the registry knows which tags exist.
out=$(as alice borrow "$target" --base stgg --no-wait 2>&1); rc=$?
check "a base no target here runs is borrowed (exit 0)" test "$rc" = 0
check "with a warning naming the channels in use" \
  grep -q 'warning: --base stgg: no DeploymentTarget in this cluster runs channel "stgg" (channels in use: prod, stg)' <<<"$out"
unfamiliar_lease=$(sed -n 's/^lease \([^ ]*\) created.*/\1/p' <<<"$out")
check "the lease carries that base" equals stgg kubectl get el "$unfamiliar_lease" -o jsonpath='{.spec.base}'
check "alice releases it" as alice release "$unfamiliar_lease"
eventually "it ends" 30 bash -c "[[ \$(kubectl get el $unfamiliar_lease -o jsonpath='{.status.phase}') =~ ^(Released|AlreadyServed)\$ ]]"
out=$(as alice borrow "$target" e2e-api=pr-5 --base stg --for 10m 2>"$work/base.err"); rc=$?
check "alice's borrow with --base returns served (exit 0)" test "$rc" = 0
base_lease=$(sed -n 's/^lease \([^ ]*\) created.*/\1/p' "$work/base.err")
check "the lease carries the base" equals stg kubectl get el "$base_lease" -o jsonpath='{.spec.base}'
check "e2e-web, given no tag, runs the base channel" equals e2e/web-files:stg files_image e2e-web
check "e2e-api's override beats the base" equals e2e/api-files:pr-5 files_image e2e-api
status_shows() { as alice status | grep -Eq "$1"; }
eventually "status names the base as the source of e2e-web's tags" 15 \
  status_shows "^e2e-web +$target +e2e/web-workshop:stg +e2e/web-files:stg +lease-base/$base_lease "
eventually "and the override as e2e-api's (its workshop image runs the base)" 15 \
  status_shows "^e2e-api +$target +e2e/api-workshop:stg +e2e/api-files:pr-5 +lease/$base_lease "

# --- diff, as a CI gate would run it: the fields that differ, live -> desired
out=$("$plugin" diff -f "$work/fleet" 2>"$work/diff.err"); rc=$?
check "diff exits 1 while the borrowed target differs from the files" test "$rc" = 1
check "diff names the Deployment that differs" grep -q "^~ Deployment $ns/e2e-web-files\$" <<<"$out"
check "diff shows the field with the live and the desired value" \
  grep -Fq 'spec.template.spec.containers[0].image: "e2e/web-files:stg" -> "e2e/web-files:prod"' <<<"$out"
check "diff shows the override's value too" \
  grep -Fq 'spec.template.spec.containers[0].image: "e2e/api-files:pr-5" -> "e2e/api-files:prod"' <<<"$out"
check "alice releases the base lease" as alice release "$base_lease"
eventually "the target is back on its channel" 60 \
  equals "e2e/api-files:prod e2e/web-files:prod" bash -c "echo \$(kubectl -n $ns get deploy -o jsonpath='{range .items[*]}{.spec.template.spec.containers[0].image}{\"\\n\"}{end}' | sort)"
eventually "diff exits 0 once the cluster holds what the files say" 30 "$plugin" diff -f "$work/fleet"
# 1 means "differences found" to CI; a failure must not look like one.
"$plugin" diff -f "$work/no-such-dir" 2>/dev/null; rc=$?
check "diff exits 2 when it cannot read its files" test "$rc" = 2
"$plugin" diff -f "$work/fleet" --no-such-flag 2>/dev/null; rc=$?
check "diff exits 2 on a usage error" test "$rc" = 2
