#!/usr/bin/env bash
# Objects as large as the API server stores, one of each kind, against a real
# control plane: no user's object may crash or wedge the operator (SPEC.md,
# "Failure handling"). Each kind carries annotations up to the API server's
# 256 KiB limit; Workloads carry a free-form workshop definition up to the
# largest object the server accepts (etcd's 1.5 MiB less the rest), one of them
# the 60,000-digit string that once crashed the process on every start.
#
# Checked: the operator stays up, reconciles every one of them (the workshop
# too large for a ConfigMap is reported on the Workload, with a bounded
# message), keeps serving a small Workload beside them, and `plan` reads the
# same objects from files. Prints the time to reconcile each and the
# operator's peak memory.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"

ns=labfleet-e2e-size
target=e2e-size-stg
canary=e2e-size-canary
cleanup() {
  kubectl delete wl -l e2e=size --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete el -l e2e=size --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete sp -l e2e=size --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete dt -l e2e=size --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
  finish
}
trap cleanup EXIT

# The largest padding the API server takes in annotations (256 KiB for keys
# and values together, less the room of the other annotations).
head -c 250000 /dev/zero | tr '\0' p >"$work/padding"
# object_file KIND NAME < SPEC_JSON: writes one object as JSON (JSON is YAML),
# with the padding annotation, to $work/KIND-NAME.json. Large values travel
# through files and pipes: an argument or environment variable holds 128 KiB.
object_file() {
  python3 -c '
import json, sys
padding, kind, name = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
print(json.dumps({"apiVersion": "labfleet.dev/v1alpha1", "kind": kind,
                  "metadata": {"name": name, "labels": {"e2e": "size"},
                               "annotations": {"labfleet.dev/e2e-padding": padding}},
                  "spec": json.load(sys.stdin)}))' "$work/padding" "$1" "$2" >"$work/$1-$2.json"
}
# workload_spec NAME FIELD BYTES: a Workload spec whose workshop holds FIELD, a
# string of BYTES sevens (digits: it reads as a number unless quoted).
workload_spec() {
  python3 -c '
import json, sys
name, field, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
print(json.dumps({"images": {"workshop": {"repository": "labs/" + name}, "files": {"repository": "labs/" + name + "-files"}},
                  "workshop": {field: "7" * size}}))' "$@"
}
size_of() { stat -c %s "$work/$1-$2.json"; }
# reconciled KIND NAME: status.observedGeneration is the object's generation
# (for a lease: it has a phase).
reconciled() {
  local got generation observed phase
  got=$(kubectl get "$1" "$2" -o jsonpath='{.metadata.generation} {.status.observedGeneration} {.status.phase}')
  read -r generation observed phase <<<"$got"
  [[ $1 == el ]] && { [[ -n ${phase:-} ]]; return; }
  [[ -n $generation && $generation == "${observed:-}" ]]
}
status_bytes() { kubectl get "$1" "$2" -o json | jq -c .status | wc -c; }
operator_alive() { kill -0 "$operator_pid" 2>/dev/null; }

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
start_operator || exit 1

spec_target="{\"environment\":\"stg\",\"namespace\":\"$ns\",\"registry\":\"registry.example.com\",\"channel\":\"stg\"}"
object_file DeploymentTarget "$target" <<<"$spec_target"
object_file SchedulingPolicy e2e-size \
  <<<'{"workloadSelector":{"matchLabels":{"e2e":"size"}},"targetSelector":{"matchLabels":{"e2e":"size"}}}'
workload_spec "$canary" title 1 | object_file Workload "$canary"
check "the target, the policy and a small workload are created" \
  kubectl create -f "$work/DeploymentTarget-$target.json" -f "$work/SchedulingPolicy-e2e-size.json" \
  -f "$work/Workload-$canary.json"
eventually "the small workload serves on the target" 60 \
  equals 1 kubectl -n "$ns" get deploy "$canary-files" -o jsonpath='{.status.readyReplicas}'

# The 60,000 digits that crashed the process; then the largest definition the
# API server stores, found by trying sizes from the top.
workload_spec e2e-size-digits version 60000 | object_file Workload e2e-size-digits
check "the workload with 60,000 digits is created" kubectl create -f "$work/Workload-e2e-size-digits.json"
mega=""
for bytes in 1400000 1300000 1150000 1000000; do
  workload_spec e2e-size-mega text "$bytes" | object_file Workload e2e-size-mega
  if kubectl create -f "$work/Workload-e2e-size-mega.json" >/dev/null 2>"$work/mega.err"; then
    mega=$bytes
    break
  fi
done
check "the API server stores a workload with a definition of a megabyte or more" test -n "$mega"
echo "# largest workload stored: $(size_of Workload e2e-size-mega) bytes (definition $mega bytes)"
object_file EnvironmentLease e2e-size-lease <<< \
  "{\"target\":\"$target\",\"holder\":\"alice\",\"base\":\"prod\",\"duration\":\"1m\",\"reason\":\"$(head -c 256 /dev/zero | tr '\0' r)\"}"
check "a lease as large as its schema allows is created" kubectl create -f "$work/EnvironmentLease-e2e-size-lease.json"

started=$SECONDS
for object in "wl e2e-size-digits" "wl e2e-size-mega" "dt $target" "sp e2e-size" "el e2e-size-lease"; do
  read -r kind name <<<"$object"
  eventually "$kind $name is reconciled" 90 reconciled "$kind" "$name"
  echo "# $kind $name: reconciled $((SECONDS - started)) s after the large objects were created"
  bytes=$(status_bytes "$kind" "$name")
  check "$kind $name: its status stays small ($bytes bytes)" test "$bytes" -lt 16384
done
check "the operator is still running" operator_alive
check "no crash in the operator's log" \
  bash -c "! grep -Eqi 'segmentation|terminate called|std::bad_alloc' '$work/operator.log'"

# A workshop of a megabyte or more cannot fit a ConfigMap (1 MiB): the Workload
# says so, in a message of bounded size, and the digits' workshop is rendered.
eventually "the digits' ConfigMap holds them" 60 \
  bash -c "kubectl -n $ns get cm e2e-size-digits-workshop -o json | grep -q 777777777777"
eventually "the oversized workshop is reported on its workload (Degraded, ApplyFailed)" 60 \
  equals "True ApplyFailed" bash -c "echo \$(kubectl get wl e2e-size-mega -o jsonpath='{.status.conditions[?(@.type==\"Degraded\")].status} {.status.conditions[?(@.type==\"Degraded\")].reason}')"
message=$(condition wl e2e-size-mega Degraded message)
echo "# the oversized workshop's Degraded message: ${message:0:300}"
check "in a bounded message (${#message} bytes)" test "${#message}" -le 4096

# The rest of the fleet keeps converging.
kubectl patch wl "$canary" --type merge -p '{"spec":{"images":{"files":{"tag":"size-2"}}}}' >/dev/null
eventually "the small workload still converges after a change" 60 \
  equals "registry.example.com/labs/$canary-files:size-2" \
  kubectl -n "$ns" get deploy "$canary-files" -o jsonpath='{.spec.template.spec.containers[0].image}'
echo "# operator peak RSS: $(awk '/^VmHWM:/ {printf "%.1f MB", $2 / 1024}' "/proc/$operator_pid/status")"

# plan reads the same objects from files, as a repository would hold them.
mkdir -p "$work/fleet"
cp "$work"/DeploymentTarget-*.json "$work"/SchedulingPolicy-*.json "$work"/Workload-e2e-size-digits.json "$work/fleet/"
"$operator" plan -f "$work/fleet" >"$work/plan.out" 2>"$work/plan.err"; rc=$?
check "plan renders the 60,000-digit workload (exit $rc)" test "$rc" = 0
check "with the digits quoted as a string" grep -q "version: \"7777" "$work/plan.out"
