#!/usr/bin/env bash
# What the API server admits, the operator must use: lib/admission_parity.py generates values of every
# field the CRDs validate (seeded: LABFLEET_PARITY_SEED, default 20), creates an object with each on the
# API server with dryRun=All, and feeds every admitted object to `labfleet-operator check-specs`, which
# decodes and validates it as the reconcilers do. Any value admitted and refused fails the test.
# Needs $LABFLEET_CLUSTER_DIR/env.sh (from hack/local-cluster.sh up) and $LABFLEET_OPERATOR.
set -uo pipefail

: "${LABFLEET_CLUSTER_DIR:?LABFLEET_CLUSTER_DIR must name a directory made by hack/local-cluster.sh up}"
: "${LABFLEET_OPERATOR:?LABFLEET_OPERATOR must name the labfleet-operator binary}"
# shellcheck source=/dev/null
source "${LABFLEET_CLUSTER_DIR}/env.sh"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../lib/checks.sh
source "${repo_root}/tests/lib/checks.sh"

check "the CRDs apply" kubectl apply -f "${repo_root}/crds"
check "the CRDs are established" kubectl wait --for condition=established --timeout=60s -f "${repo_root}/crds"

out="$(python3 "${repo_root}/tests/integration/lib/admission_parity.py" "${KUBECONFIG}" "${LABFLEET_OPERATOR}" \
  "${LABFLEET_PARITY_SEED:-20}" 2>&1)"
status=$?
printf '%s\n' "${out}"
if ((status == 0)); then
  pass "every value the API server admits, the operator uses"
else
  fail "every value the API server admits, the operator uses" "$(grep -E '^(FAIL|  |admission_parity)' <<<"${out}" | head -n 8)"
fi
summary
