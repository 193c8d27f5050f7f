#!/usr/bin/env bash
# Checks the CRDs against a real kube-apiserver: they install, the samples are accepted and listed with
# their printer columns and defaults, every manifest in tests/data/invalid is refused with a message
# naming the field, and a lease's target cannot be changed.
# Needs $LABFLEET_CLUSTER_DIR/env.sh (from hack/local-cluster.sh up), which sets KUBECONFIG and PATH.
set -euo pipefail

: "${LABFLEET_CLUSTER_DIR:?LABFLEET_CLUSTER_DIR must name a directory made by hack/local-cluster.sh up}"
# shellcheck source=/dev/null
source "${LABFLEET_CLUSTER_DIR}/env.sh"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
crds_dir="${repo_root}/crds"
samples_dir="${repo_root}/samples"
invalid_dir="${repo_root}/tests/data/invalid"
crd_names=(deploymenttargets.labfleet.dev workloads.labfleet.dev schedulingpolicies.labfleet.dev
  environmentleases.labfleet.dev)
kinds="deploymenttargets,workloads,schedulingpolicies,environmentleases"
immutable_lease="crds-test-immutable"

# shellcheck source=../lib/checks.sh
source "${repo_root}/tests/lib/checks.sh"
work_dir="$(mktemp -d)"

# expect_contains NAME HAYSTACK NEEDLE...: passes when every needle is in the haystack.
expect_contains() {
  local name="$1" haystack="$2"
  shift 2
  local needle
  for needle in "$@"; do
    if [[ "${haystack}" != *"${needle}"* ]]; then
      fail "${name}" "missing '${needle}' in: ${haystack}"
      return 0
    fi
  done
  pass "${name}"
}

# expect_jsonpath NAME RESOURCE JSONPATH WANT: passes when kubectl get prints WANT for JSONPATH.
expect_jsonpath() {
  local got
  if ! got="$(kubectl get "$2" -o "jsonpath=$3" 2>&1)"; then
    fail "$1" "kubectl get $2: ${got}"
  elif [[ "${got}" != "$4" ]]; then
    fail "$1" "$2 $3 = '${got}', want '$4'"
  else
    pass "$1"
  fi
}

# delete_test_objects: removes what this test creates (never the CRDs), whether or not it exists.
delete_test_objects() {
  kubectl delete -f "${samples_dir}" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete environmentlease "${immutable_lease}" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete "${kinds}" -l labfleet.dev/test=crds-invalid --ignore-not-found >/dev/null 2>&1 || true
}

cleanup() {
  delete_test_objects
  rm -rf "${work_dir}"
}
trap cleanup EXIT
delete_test_objects

# --- CRDs install and become established -------------------------------------------------------------
if out="$(kubectl apply -f "${crds_dir}" 2>&1)"; then pass "crds-apply"; else fail "crds-apply" "${out}"; fi
for crd in "${crd_names[@]}"; do
  if out="$(kubectl wait --for condition=established --timeout=60s "crd/${crd}" 2>&1)"; then
    pass "crd-established ${crd}"
  else
    fail "crd-established ${crd}" "${out}"
  fi
done

# --- samples --------------------------------------------------------------------------------------------
if out="$(kubectl apply --dry-run=server -f "${samples_dir}" 2>&1)"; then
  pass "samples-dry-run-server"
else
  fail "samples-dry-run-server" "${out}"
fi
if out="$(kubectl apply -f "${samples_dir}" 2>&1)"; then pass "samples-apply"; else fail "samples-apply" "${out}"; fi

sample_names=()
for f in "${samples_dir}"/*.yaml; do
  # kubectl prints several kinds as kind.group/name, e.g. deploymenttarget.labfleet.dev/stg.
  sample_names+=("$(awk '/^kind:/ { kind = tolower($2) } /^metadata:/ { m = 1; next }
    m && /^  name:/ { print kind ".labfleet.dev/" $2; exit }' "${f}")")
done
listing="$(kubectl get labfleet 2>&1 || true)"
expect_contains "get-labfleet lists every sample" "${listing}" "${sample_names[@]}"
expect_contains "get-labfleet target columns" "${listing}" "ENVIRONMENT" "NAMESPACE" "CHANNEL" "LEASE HOLDER" \
  "workshops-stg"
expect_contains "get-labfleet workload columns" "${listing}" "TARGETS" "SUSPENDED"
expect_contains "get-labfleet policy columns" "${listing}" "ASSIGNMENTS"
expect_contains "get-labfleet lease columns" "${listing}" "HOLDER" "PHASE" "QUEUE" "EXPIRES" "alice@example.com"

# Defaults are filled in by the API server, including nested ones under a defaulted object.
expect_jsonpath "default channel" deploymenttarget/prod '{.spec.channel}' "prod"
expect_jsonpath "default leases" deploymenttarget/prod \
  '{.spec.leases.defaultDuration}/{.spec.leases.maxDuration}/{.spec.leases.notifyBefore}' "1h/8h/5m"
expect_jsonpath "default paused" deploymenttarget/prod '{.spec.paused}' "false"
expect_jsonpath "default port and suspend" workload/git-basics '{.spec.images.files.port}/{.spec.suspend}' "8080/false"
expect_jsonpath "default lease release" environmentlease/stg-pr-1234 '{.spec.release}' "false"
expect_jsonpath "workshop kept verbatim" workload/kubernetes-101 '{.spec.workshop.session.env[0].value}' '${ENVIRONMENT}'

# The status subresource accepts what the operator writes, and the printer columns show it.
status_patch='{"status":{"observedGeneration":1,"workloads":2,"pendingLeases":0,
  "activeLease":{"name":"stg-pr-1234","holder":"alice@example.com","expiresAt":"2030-01-01T00:00:00Z"},
  "conditions":[{"type":"Ready","status":"True","observedGeneration":1,"reason":"Reconciled","message":"2 workloads applied",
  "lastTransitionTime":"2025-01-01T00:00:00Z"}]}}'
if out="$(kubectl patch deploymenttarget stg --subresource=status --type=merge -p "${status_patch}" 2>&1)"; then
  row="$(kubectl get deploymenttarget stg --no-headers 2>&1 || true)"
  expect_contains "status subresource and columns" "${row}" "stg" "workshops-stg" "alice@example.com" "True"
else
  fail "status subresource and columns" "${out}"
fi
lease_status='{"status":{"phase":"Active","queuePosition":0,"acquiredAt":"2025-01-01T00:00:00Z",
  "expiresAt":"2025-01-01T02:00:00Z"}}'
if out="$(kubectl patch environmentlease stg-pr-1234 --subresource=status --type=merge -p "${lease_status}" 2>&1)"; then
  row="$(kubectl get environmentlease stg-pr-1234 --no-headers 2>&1 || true)"
  expect_contains "lease status columns" "${row}" "Active" "2025-01-01T02:00:00Z"
else
  fail "lease status columns" "${out}"
fi
if out="$(kubectl patch environmentlease stg-pr-1234 --subresource=status --type=merge \
  -p '{"status":{"phase":"Borrowed"}}' 2>&1)"; then
  fail "lease status phase enum" "accepted phase Borrowed"
else
  expect_contains "lease status phase enum" "${out}" "status.phase"
fi

# --- a promotion: defaults, and its record as the operator writes it, in the Promotion column ------------
promotion_manifest="apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata:
  name: promoting
  labels:
    labfleet.dev/test: crds-invalid
spec:
  images:
    workshop: {repository: labs/intro}
    files: {repository: labs/intro-files}
  promotion:
    environments: [dev, stg, prod]
    candidate: {workshop: {tag: 1.5.0}, files: {tag: 1.5.0}}
    approvalRequired: [prod]"
if out="$(printf '%s\n' "${promotion_manifest}" | kubectl apply -f - 2>&1)"; then
  expect_jsonpath "promotion defaults" workload/promoting '{.spec.promotion.soak}/{.spec.promotion.deadline}' "10m/30m"
  promotion_status='{"status":{"observedGeneration":1,"promotion":{"candidate":{"workshopTag":"1.5.0","filesTag":"1.5.0"},
    "phase":"Promoting","summary":"stg 1.5.0 soaking 3m/10m","message":"served since the soak began",
    "environments":[{"name":"dev","workshopTag":"1.5.0","filesTag":"1.5.0","since":"2025-01-01T00:00:00Z","state":"Passed"},
    {"name":"stg","workshopTag":"1.5.0","filesTag":"1.5.0","since":"2025-01-01T00:10:00Z","state":"Soaking",
     "servedSince":"2025-01-01T00:11:00Z"},{"name":"prod","state":"Pending"}]}}}'
  if out="$(kubectl patch workload promoting --subresource=status --type=merge -p "${promotion_status}" 2>&1)"; then
    row="$(kubectl get workload promoting --no-headers 2>&1 || true)"
    expect_contains "promotion status column" "${row}" "stg 1.5.0 soaking 3m/10m"
  else
    fail "promotion status column" "${out}"
  fi
else
  fail "promotion defaults" "create failed: ${out}"
fi

# --- every invalid manifest is refused with a message naming the field ----------------------------------
for f in "${invalid_dir}"/*.yaml; do
  name="$(basename "${f}" .yaml)"
  expect="$(sed -n '1s/^# expect: //p' "${f}")"
  if [[ -z "${expect}" ]]; then
    fail "${name}" "first line must be '# expect: <text>'"
    continue
  fi
  if kubectl apply -f "${f}" >"${work_dir}/out" 2>"${work_dir}/err"; then
    fail "${name}" "accepted: $(cat "${work_dir}/out")"
    kubectl delete -f "${f}" --ignore-not-found >/dev/null 2>&1 || true
  elif ! grep -qF -- "${expect}" "${work_dir}/err"; then
    fail "${name}" "error does not contain '${expect}': $(cat "${work_dir}/err")"
  else
    pass "${name}"
  fi
done

# --- a lease's target is immutable (a transition rule, so it needs an update) ---------------------------
lease_manifest="apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata:
  name: ${immutable_lease}
spec:
  target: stg
  holder: bob@example.com
  duration: 30m"
if out="$(printf '%s\n' "${lease_manifest}" | kubectl apply -f - 2>&1)"; then
  if out="$(kubectl patch environmentlease "${immutable_lease}" --type=merge -p '{"spec":{"target":"prod"}}' 2>&1)"; then
    fail "lease-target-immutable" "target change accepted: ${out}"
  else
    expect_contains "lease-target-immutable" "${out}" "spec.target" "target is immutable"
  fi
  # Renewal (raising the duration) stays allowed.
  if out="$(kubectl patch environmentlease "${immutable_lease}" --type=merge -p '{"spec":{"duration":"1h"}}' 2>&1)"; then
    pass "lease-duration-renewable"
  else
    fail "lease-duration-renewable" "${out}"
  fi
else
  fail "lease-target-immutable" "create failed: ${out}"
fi

summary
