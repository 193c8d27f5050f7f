#!/usr/bin/env bash
# /metrics as a cluster expects it, against a real kube-apiserver: the built operator runs as bare
# processes on free loopback ports. By default /metrics is HTTPS with a self-signed certificate and
# checks callers with TokenReview + SubjectAccessReview: no token → 401, a ServiceAccount without the
# permission → 403, one bound to the chart's metrics-reader ClusterRole (rendered with helm, binding
# included) → 200 with the metrics. A second replica on the same Lease is a standby that exports
# leader_election_master_status 0 and writes nothing; --metrics-secure=false serves plain HTTP;
# --metrics-cert-dir serves a given certificate and picks up a rotated one.
# Needs $LABFLEET_CLUSTER_DIR/env.sh (hack/local-cluster.sh up) and $LABFLEET_OPERATOR.
set -euo pipefail

: "${LABFLEET_CLUSTER_DIR:?LABFLEET_CLUSTER_DIR must name a directory made by hack/local-cluster.sh up}"
: "${LABFLEET_OPERATOR:?LABFLEET_OPERATOR must name the labfleet-operator binary}"
# shellcheck source=/dev/null
source "${LABFLEET_CLUSTER_DIR}/env.sh"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
chart="${repo_root}/charts/labfleet"
release="it-metrics"
ns="labfleet-metrics-test"
lease="it-metrics"
reader_role="${release}-labfleet-metrics-reader"
# shellcheck source=../lib/checks.sh
source "${repo_root}/tests/lib/checks.sh"
work_dir="$(mktemp -d)"
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${pid}" 2>/dev/null || true
  done
  if [[ -s "${work_dir}/reader-rbac.yaml" ]]; then
    kubectl delete -f "${work_dir}/reader-rbac.yaml" --ignore-not-found >/dev/null 2>&1 || true
  fi
  kubectl -n "${ns}" delete lease "${lease}" --ignore-not-found >/dev/null 2>&1 || true
  kubectl -n "${ns}" delete serviceaccount reader nobody --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete namespace "${ns}" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  rm -rf "${work_dir}"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_operator N [FLAGS...]: starts replica N on the test's Lease with its own ports; sets port_N, pid_N.
start_operator() {
  local n="$1" metrics probes
  shift
  metrics="$(free_port)"
  probes="$(free_port)"
  "${LABFLEET_OPERATOR}" run --leader-elect --leader-election-namespace="${ns}" --leader-election-id="${lease}" \
    --metrics-bind-address="127.0.0.1:${metrics}" --health-probe-bind-address="127.0.0.1:${probes}" \
    --log-format=json "$@" >"${work_dir}/operator-${n}.log" 2>&1 &
  pids+=("$!")
  printf -v "pid_${n}" '%s' "$!"
  printf -v "port_${n}" '%s' "${metrics}"
}

# status_of URL [CURL_ARGS...]: the HTTP status of a GET (000 when no HTTP answer came); the body is
# left in $work_dir/body.
status_of() {
  local url="$1"
  shift
  curl -s -m 10 -o "${work_dir}/body" -w '%{http_code}' "$@" "${url}" 2>/dev/null || true
}

# wait_answering URL [CURL_ARGS...]: waits up to 30 s for any HTTP answer.
wait_answering() {
  local code
  for _ in $(seq 1 60); do
    code="$(status_of "$@")"
    [[ "${code}" != "000" && -n "${code}" ]] && return 0
    sleep 0.5
  done
  return 1
}

# expect_status NAME WANT URL [CURL_ARGS...]
expect_status() {
  local name="$1" want="$2" got
  shift 2
  got="$(status_of "$@")"
  if [[ "${got}" == "${want}" ]]; then
    pass "${name}"
  else
    fail "${name}" "got ${got}, want ${want}: $(head -c 200 "${work_dir}/body" 2>/dev/null)"
  fi
}

# leader_status_in FILE: the value of leader_election_master_status for our Lease ("" when absent).
leader_status_in() {
  sed -n "s/^leader_election_master_status{name=\"${lease}\"} \([0-9.]*\)$/\1/p" "$1" | cut -d. -f1
}

# writes_in FILE: the non-GET requests counted in rest_client_requests_total.
writes_in() {
  awk '/^rest_client_requests_total\{/ && /method="(POST|PUT|PATCH|DELETE)"/ {sum += $NF} END {print sum + 0}' "$1"
}

identity_of() {
  sed -n 's/.*"identity":"\([^"]*\)".*/\1/p' "${work_dir}/operator-$1.log" | head -n1
}

holder() {
  kubectl -n "${ns}" get lease "${lease}" -o 'jsonpath={.spec.holderIdentity}' 2>/dev/null || true
}

kubectl apply -f "${repo_root}/crds/" >/dev/null
kubectl create namespace "${ns}" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "${ns}" create serviceaccount reader --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "${ns}" create serviceaccount nobody --dry-run=client -o yaml | kubectl apply -f - >/dev/null

# --- the chart's metrics-reader ClusterRole, bound to `reader` through metrics.readers -------------------
# --kube-version: the cluster's, since a helm built without release ldflags assumes v1.20.
kube_version="$(kubectl version -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')"
if out="$(helm template "${release}" "${chart}" --namespace "${ns}" --kube-version "${kube_version}" \
  --show-only templates/metrics-reader-clusterrole.yaml \
  --set "metrics.readers[0].kind=ServiceAccount" --set "metrics.readers[0].name=reader" \
  --set "metrics.readers[0].namespace=${ns}" 2>&1)"; then
  printf '%s\n' "${out}" >"${work_dir}/reader-rbac.yaml"
  pass "helm template: metrics-reader ClusterRole and its binding"
else
  fail "helm template: metrics-reader ClusterRole and its binding" "${out}"
fi
check "apply the chart's metrics-reader RBAC" kubectl apply -f "${work_dir}/reader-rbac.yaml"
check "the reader may get /metrics" \
  bash -c "[[ \$(kubectl auth can-i get /metrics --as=system:serviceaccount:${ns}:reader) == yes ]]"
check "nobody may not get /metrics" \
  bash -c "[[ \$(kubectl auth can-i get /metrics --as=system:serviceaccount:${ns}:nobody) == no ]]"

reader_token="$(kubectl -n "${ns}" create token reader --duration=10m)"
nobody_token="$(kubectl -n "${ns}" create token nobody --duration=10m)"

# --- HTTPS with a self-signed certificate, callers checked --------------------------------------------
start_operator 1
url_1="https://127.0.0.1:${port_1}/metrics"
if wait_answering "${url_1}" -k; then
  pass "replica 1 serves /metrics over HTTPS"
else
  fail "replica 1 serves /metrics over HTTPS" "$(tail -n 5 "${work_dir}/operator-1.log")"
fi
expect_status "no token: 401" 401 "${url_1}" -k
expect_status "a token the API server rejects: 401" 401 "${url_1}" -k -H "Authorization: Bearer not-a-token"
expect_status "a ServiceAccount without the permission: 403" 403 "${url_1}" -k -H "Authorization: Bearer ${nobody_token}"
if grep -q "system:serviceaccount:${ns}:nobody" "${work_dir}/body"; then
  pass "the 403 names the user"
else
  fail "the 403 names the user" "$(head -c 200 "${work_dir}/body")"
fi
expect_status "a ServiceAccount bound to metrics-reader: 200" 200 "${url_1}" -k -H "Authorization: Bearer ${reader_token}"
cp "${work_dir}/body" "${work_dir}/metrics-1"
if grep -q '^# TYPE leader_election_master_status gauge' "${work_dir}/metrics-1" &&
  grep -q '^rest_client_requests_total{' "${work_dir}/metrics-1"; then
  pass "the authorized scrape returns the metrics"
else
  fail "the authorized scrape returns the metrics" "$(head -c 300 "${work_dir}/metrics-1")"
fi
expect_status "again, from the cache: 200" 200 "${url_1}" -k -H "Authorization: Bearer ${reader_token}"
expect_status "plain HTTP to the HTTPS port gets no HTTP answer" 000 "http://127.0.0.1:${port_1}/metrics"
# The certificate is self-signed: a verifying client refuses it (curl exit 60).
curl -s -m 10 -o /dev/null "${url_1}" 2>/dev/null && rc=0 || rc=$?
if [[ "${rc}" == 60 ]]; then
  pass "the self-signed certificate is not trusted without -k"
else
  fail "the self-signed certificate is not trusted without -k" "curl exit ${rc}"
fi

# --- a standby replica on the same Lease exports leader_election_master_status 0 --------------------
start_operator 2
url_2="https://127.0.0.1:${port_2}/metrics"
wait_answering "${url_2}" -k || true
id_1="" id_2="" current=""
for _ in $(seq 1 60); do
  id_1="$(identity_of 1)"
  id_2="$(identity_of 2)"
  current="$(holder)"
  if [[ -n "${id_1}" && -n "${id_2}" && ("${current}" == "${id_1}" || "${current}" == "${id_2}") ]]; then break; fi
  sleep 0.5
done
leader="" standby=""
if [[ "${current}" == "${id_1}" ]]; then
  leader=1 standby=2
elif [[ "${current}" == "${id_2}" ]]; then
  leader=2 standby=1
fi
if [[ -n "${leader}" ]]; then
  pass "one replica holds the Lease (replica ${leader})"
  leader_url_var="url_${leader}"
  standby_url_var="url_${standby}"
  leader_value="" standby_value=""
  # The leader sets 1 once its caches are synced and it holds the Lease; give it a few seconds.
  for _ in $(seq 1 40); do
    status_of "${!leader_url_var}" -k -H "Authorization: Bearer ${reader_token}" >/dev/null
    leader_value="$(leader_status_in "${work_dir}/body")"
    [[ "${leader_value}" == "1" ]] && break
    sleep 0.5
  done
  status_of "${!standby_url_var}" -k -H "Authorization: Bearer ${reader_token}" >/dev/null
  cp "${work_dir}/body" "${work_dir}/metrics-standby"
  standby_value="$(leader_status_in "${work_dir}/metrics-standby")"
  if [[ "${leader_value}" == "1" && "${standby_value}" == "0" ]]; then
    pass "leader exports leader_election_master_status 1, the standby 0"
  else
    fail "leader exports leader_election_master_status 1, the standby 0" \
      "leader '${leader_value}', standby '${standby_value}'"
  fi
  standby_writes="$(writes_in "${work_dir}/metrics-standby")"
  if [[ "${standby_writes}" == "0" ]]; then
    pass "scraping the standby (reviews included) counts no write request"
  else
    fail "scraping the standby (reviews included) counts no write request" "${standby_writes} writes"
  fi
else
  fail "one replica holds the Lease" "holder '${current}', ids '${id_1}' '${id_2}'"
fi

# --- --metrics-secure=false: plain HTTP, no checks; a standby from its start --------------------------
start_operator 3 --metrics-secure=false
url_3="http://127.0.0.1:${port_3}/metrics"
if wait_answering "${url_3}"; then
  pass "--metrics-secure=false serves plain HTTP"
else
  fail "--metrics-secure=false serves plain HTTP" "$(tail -n 5 "${work_dir}/operator-3.log")"
fi
expect_status "--metrics-secure=false: 200 without a token" 200 "${url_3}"
if [[ "$(leader_status_in "${work_dir}/body")" == "0" ]]; then
  pass "a replica that never led exports leader_election_master_status 0"
else
  fail "a replica that never led exports leader_election_master_status 0" \
    "'$(leader_status_in "${work_dir}/body")'"
fi

# --- --metrics-cert-dir: a given certificate, verified by the client, and its rotation --------------
# make_cert DIR CN: a CA-less self-signed serving certificate for 127.0.0.1 in DIR/tls.{crt,key}.
make_cert() {
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=$2" \
    -addext "subjectAltName=IP:127.0.0.1" -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$1/tls.key" -out "$1/tls.crt" >/dev/null 2>&1
}
cert_dir="${work_dir}/certs"
make_cert "${work_dir}/cert-a" labfleet-test-a
make_cert "${work_dir}/cert-b" labfleet-test-b
mkdir -p "${cert_dir}"
cp "${work_dir}/cert-a/tls.crt" "${work_dir}/cert-a/tls.key" "${cert_dir}/"
start_operator 4 --metrics-cert-dir="${cert_dir}"
url_4="https://127.0.0.1:${port_4}/metrics"
wait_answering "${url_4}" -k || true
expect_status "--metrics-cert-dir: the given certificate verifies" 200 "${url_4}" \
  --cacert "${work_dir}/cert-a/tls.crt" -H "Authorization: Bearer ${reader_token}"
cp "${work_dir}/cert-b/tls.crt" "${work_dir}/cert-b/tls.key" "${cert_dir}/"
rotated=""
for _ in $(seq 1 30); do
  if [[ "$(status_of "${url_4}" --cacert "${work_dir}/cert-b/tls.crt" -H "Authorization: Bearer ${reader_token}")" == 200 ]]; then
    rotated=yes
    break
  fi
  sleep 1
done
if [[ -n "${rotated}" ]]; then
  pass "a rotated certificate is served without a restart"
else
  fail "a rotated certificate is served without a restart" "$(grep -i certificate "${work_dir}/operator-4.log" | tail -n 3)"
fi

# --- start-up refusals ---------------------------------------------------------------------------------
same_port="$(free_port)"
if out="$(timeout 30 "${LABFLEET_OPERATOR}" run --metrics-bind-address="127.0.0.1:${same_port}" \
  --health-probe-bind-address="127.0.0.1:${same_port}" 2>&1)"; then
  fail "HTTPS metrics on the probes' address is refused" "it ran"
elif [[ "${out}" == *"must differ"* ]]; then
  pass "HTTPS metrics on the probes' address is refused"
else
  fail "HTTPS metrics on the probes' address is refused" "${out}"
fi
if out="$(timeout 30 "${LABFLEET_OPERATOR}" run --metrics-bind-address=127.0.0.1:0 \
  --health-probe-bind-address=127.0.0.1:0 --metrics-cert-dir="${work_dir}/missing" 2>&1)"; then
  fail "a missing --metrics-cert-dir is refused" "it ran"
elif [[ "${out}" == *"--metrics-cert-dir"*"tls.crt"* ]]; then
  pass "a missing --metrics-cert-dir is refused"
else
  fail "a missing --metrics-cert-dir is refused" "${out}"
fi

summary
