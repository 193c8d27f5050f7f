#!/usr/bin/env bash
# Leader election between two operator processes against a real kube-apiserver:
# exactly one holds the Lease and reports itself leader, the other neither
# leads nor writes; kill -9 of the holder hands the Lease over within ~20 s
# (lease 15 s + retry 2 s, the defaults).
# Needs $LABFLEET_CLUSTER_DIR/env.sh (hack/local-cluster.sh up) and
# $LABFLEET_OPERATOR (the built labfleet-operator).
set -euo pipefail

: "${LABFLEET_CLUSTER_DIR:?LABFLEET_CLUSTER_DIR must name a directory made by hack/local-cluster.sh up}"
: "${LABFLEET_OPERATOR:?LABFLEET_OPERATOR must name the labfleet-operator binary}"
# shellcheck source=/dev/null
source "${LABFLEET_CLUSTER_DIR}/env.sh"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lease="it-leader"
lease_ns="default"
takeover_limit=25
# shellcheck source=../lib/checks.sh
source "${repo_root}/tests/lib/checks.sh"
work_dir="$(mktemp -d)"
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -9 "${pid}" 2>/dev/null || true; done
  kubectl -n "${lease_ns}" delete lease "${lease}" --ignore-not-found >/dev/null 2>&1 || true
  rm -rf "${work_dir}"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_operator N: starts replica N with its own metrics/probe ports; sets port_N and pid_N.
start_operator() {
  local n="$1" metrics probes
  metrics="$(free_port)"
  probes="$(free_port)"
  "${LABFLEET_OPERATOR}" run --leader-elect --leader-election-namespace="${lease_ns}" \
    --leader-election-id="${lease}" --metrics-bind-address="127.0.0.1:${metrics}" --metrics-secure=false \
    --health-probe-bind-address="127.0.0.1:${probes}" --log-format=json \
    >"${work_dir}/operator-${n}.log" 2>&1 &
  pids+=("$!")
  printf -v "pid_${n}" '%s' "$!"
  printf -v "port_${n}" '%s' "${metrics}"
}

# identity_of N: the leader-election identity replica N logged at start.
identity_of() {
  sed -n 's/.*"identity":"\([^"]*\)".*/\1/p' "${work_dir}/operator-$1.log" | head -n1
}

holder() {
  kubectl -n "${lease_ns}" get lease "${lease}" -o 'jsonpath={.spec.holderIdentity}' 2>/dev/null || true
}

# leader_status N: replica N's leader_election_master_status for our lease ("" when unreachable).
leader_status() {
  local port_var="port_$1"
  curl -fsS "http://127.0.0.1:${!port_var}/metrics" 2>/dev/null |
    sed -n "s/^leader_election_master_status{name=\"${lease}\"} \([0-9.]*\)$/\1/p" | cut -d. -f1 || true
}

# writes_of N: replica N's non-GET requests so far, from rest_client_requests_total.
writes_of() {
  local port_var="port_$1"
  curl -fsS "http://127.0.0.1:${!port_var}/metrics" 2>/dev/null |
    awk '/^rest_client_requests_total\{/ && /method="(POST|PUT|PATCH|DELETE)"/ {sum += $NF} END {print sum + 0}'
}

kubectl apply -f "${repo_root}/crds/" >/dev/null
kubectl -n "${lease_ns}" delete lease "${lease}" --ignore-not-found >/dev/null

start_operator 1
start_operator 2

# Wait for a holder that is one of ours.
id_1="" id_2="" current=""
for _ in $(seq 1 60); do
  id_1="$(identity_of 1)"
  id_2="$(identity_of 2)"
  current="$(holder)"
  if [[ -n "${id_1}" && -n "${id_2}" && ( "${current}" == "${id_1}" || "${current}" == "${id_2}" ) ]]; then break; fi
  sleep 0.5
done
if [[ -z "${id_1}" || -z "${id_2}" || "${id_1}" == "${id_2}" ]]; then
  fail "two replicas start with distinct identities" "ids '${id_1}' '${id_2}'; logs: $(tail -n3 "${work_dir}"/operator-*.log)"
else
  pass "two replicas start with distinct identities"
fi

if [[ "${current}" == "${id_1}" ]]; then
  leader=1 follower=2
elif [[ "${current}" == "${id_2}" ]]; then
  leader=2 follower=1
else
  fail "one replica acquires the Lease" "holder '${current}'"
  summary || true
  exit 1
fi
pass "one replica acquires the Lease (replica ${leader})"

# Give the follower a few retry periods to (wrongly) grab it.
sleep 5
leader_id_var="id_${leader}"
follower_id_var="id_${follower}"
leader_pid_var="pid_${leader}"
if [[ "$(holder)" == "${!leader_id_var}" ]]; then
  pass "the Lease stays with the first holder"
else
  fail "the Lease stays with the first holder" "holder now '$(holder)'"
fi
status_l="$(leader_status "${leader}")"
status_f="$(leader_status "${follower}")"
# A replica that never led has no series yet (as client-go), or 0; its /metrics must answer.
follower_port_var="port_${follower}"
if [[ "${status_l}" == "1" && "${status_f}" != "1" ]] &&
  curl -fsS "http://127.0.0.1:${!follower_port_var}/metrics" >/dev/null; then
  pass "exactly one replica reports leader_election_master_status 1"
else
  fail "exactly one replica reports leader_election_master_status 1" "leader '${status_l}', follower '${status_f}'"
fi
follower_writes="$(writes_of "${follower}")"
if [[ "${follower_writes}" == "0" ]]; then
  pass "the follower has made no write request"
else
  fail "the follower has made no write request" "${follower_writes} writes"
fi

kill -9 "${!leader_pid_var}"
killed_at=$(date +%s.%N)
took=""
for _ in $(seq 1 $((takeover_limit * 4 + 20))); do
  if [[ "$(holder)" == "${!follower_id_var}" ]]; then
    took=$(python3 -c "print(f'{$(date +%s.%N) - ${killed_at}:.1f}')")
    break
  fi
  sleep 0.25
done
if [[ -n "${took}" ]] && python3 -c "import sys; sys.exit(0 if ${took} <= ${takeover_limit} else 1)"; then
  pass "after kill -9 of the holder the other replica takes the Lease (${took} s)"
else
  fail "after kill -9 of the holder the other replica takes the Lease" "took '${took:-never}' s (limit ${takeover_limit} s); holder '$(holder)'"
fi
transitions="$(kubectl -n "${lease_ns}" get lease "${lease}" -o 'jsonpath={.spec.leaseTransitions}')"
if [[ "${transitions}" -ge 1 ]]; then
  pass "the Lease counts the transition (leaseTransitions ${transitions})"
else
  fail "the Lease counts the transition" "leaseTransitions '${transitions}'"
fi
for _ in $(seq 1 20); do [[ "$(leader_status "${follower}")" == "1" ]] && break; sleep 0.25; done
if [[ "$(leader_status "${follower}")" == "1" ]]; then
  pass "the new holder reports leader_election_master_status 1"
else
  fail "the new holder reports leader_election_master_status 1" "'$(leader_status "${follower}")'"
fi

summary
