#!/usr/bin/env bash
# The three most common first-install mistakes, made as a new user makes them:
# a server that refuses connections, a wrong token (401 from the real API
# server), and a server certificate the kubeconfig's CA does not sign. For
# each, the operator started with a short --cache-sync-timeout must:
#   - log each failed list with its cause (rate-limited, not silent),
#   - name the cause per informer in /readyz?verbose,
#   - exit non-zero with the cause in its last log line.
# Needs $LABFLEET_CLUSTER_DIR/env.sh (hack/local-cluster.sh up) and
# $LABFLEET_OPERATOR (the built labfleet-operator).
set -euo pipefail

: "${LABFLEET_CLUSTER_DIR:?LABFLEET_CLUSTER_DIR must name a directory made by hack/local-cluster.sh up}"
: "${LABFLEET_OPERATOR:?LABFLEET_OPERATOR must name the labfleet-operator binary}"
# shellcheck source=/dev/null
source "${LABFLEET_CLUSTER_DIR}/env.sh"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../lib/checks.sh
source "${repo_root}/tests/lib/checks.sh"
sync_timeout=6
# Bounds on each wait: the first failed list comes within a second of the
# start; the exit follows the sync timeout and a short shutdown.
first_failure_limit=15
exit_limit=$((sync_timeout + 30))
work_dir="$(mktemp -d)"
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -9 "${pid}" 2>/dev/null || true; done
  rm -rf "${work_dir}"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# write_kubeconfig FILE SERVER CA_DATA [TOKEN]: a kubeconfig as a user would write one.
write_kubeconfig() {
  local file=$1 server=$2 ca_data=$3 token=${4:-}
  {
    printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n'
    printf '    server: %s\n    certificate-authority-data: %s\n' "${server}" "${ca_data}"
    printf 'users:\n- name: u\n  user:\n'
    if [[ -n "${token}" ]]; then printf '    token: %s\n' "${token}"; else printf '    {}\n'; fi
    printf 'contexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n'
  } >"${file}"
}

# list_failure_logged LOG CAUSE: a "list failed" record carries CAUSE.
list_failure_logged() {
  grep -F '"msg":"list failed"' "$1" | grep -qF "$2"
}

# readyz_names PORT TEXT: /readyz?verbose fails and its body contains TEXT.
readyz_names() {
  local body
  body="$(curl -sS -m 2 "http://127.0.0.1:$1/readyz?verbose")" || return 1
  [[ "${body}" == *"[-]informers failed: "* && "${body}" == *"$2"* ]]
}

# run_case NAME KUBECONFIG CAUSE: starts the operator on KUBECONFIG and checks
# that CAUSE (what follows "list failed: ") is logged, served and its last word.
run_case() {
  local name=$1 kubeconfig=$2 cause=$3 probes log pid rc
  # Never the closed port of case (a): the kernel may hand it out again, and
  # the operator would then reach its own probe server.
  probes="$(free_port)"
  while [[ ${probes} == "${closed:-}" ]]; do probes="$(free_port)"; done
  log="${work_dir}/${name}.log"
  "${LABFLEET_OPERATOR}" run --kubeconfig="${kubeconfig}" --metrics-bind-address=0 \
    --health-probe-bind-address="127.0.0.1:${probes}" --log-format=json \
    --cache-sync-timeout="${sync_timeout}s" >"${log}" 2>&1 &
  pid=$!
  pids+=("${pid}")

  eventually "${name}: a failed list is logged with its cause" "${first_failure_limit}" \
    list_failure_logged "${log}" "${cause}"
  eventually "${name}: /readyz?verbose names the cause per informer" "${first_failure_limit}" \
    readyz_names "${probes}" "workloads not synced: list failed: ${cause}"

  local deadline=$((SECONDS + exit_limit))
  while kill -0 "${pid}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "${pid}" 2>/dev/null; then
    fail "${name}: exits after --cache-sync-timeout" "still running after ${exit_limit}s"
    kill -9 "${pid}" 2>/dev/null || true
    return 0
  fi
  rc=0
  wait "${pid}" || rc=$?
  if ((rc != 0)); then pass "${name}: exits non-zero (${rc})"; else fail "${name}: exits non-zero" "exit 0"; fi

  local last
  last="$(tail -n 1 "${log}")"
  if [[ "${last}" == *'"level":"error"'* && "${last}" == *"caches not synced within ${sync_timeout}s"* &&
    "${last}" == *"list failed: ${cause}"* ]]; then
    pass "${name}: the last log line is the error naming the cause"
  else
    fail "${name}: the last log line is the error naming the cause" "${last}"
  fi
  # Rate-limited: one record per informer (8) for the first failure; the
  # next would come only after the 30 s interval, longer than this run.
  local records
  records="$(grep -cF '"msg":"list failed"' "${log}" || true)"
  if ((records >= 1 && records <= 8)); then
    pass "${name}: failed lists are logged once per informer, not flooded (${records})"
  else
    fail "${name}: failed lists are logged once per informer, not flooded" "${records} records"
  fi
}

server="$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')"
ca_data="$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')"
host_port="${server#https://}"

# (a) Nothing listens on the port.
closed="$(free_port)"
write_kubeconfig "${work_dir}/closed.kubeconfig" "https://127.0.0.1:${closed}" "${ca_data}" "some-token"
run_case "connection refused" "${work_dir}/closed.kubeconfig" \
  "Transport: connect: 127.0.0.1:${closed}: Connection refused"

# (b) The real API server, a token it does not know.
write_kubeconfig "${work_dir}/token.kubeconfig" "${server}" "${ca_data}" "not-a-valid-token"
run_case "wrong token" "${work_dir}/token.kubeconfig" "Unauthorized (401): Unauthorized"

# (c) The real API server, a CA that did not sign its certificate.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=not-the-cluster-ca" \
  -keyout "${work_dir}/other-ca.key" -out "${work_dir}/other-ca.crt" 2>/dev/null
write_kubeconfig "${work_dir}/ca.kubeconfig" "${server}" "$(base64 -w0 <"${work_dir}/other-ca.crt")"
run_case "wrong CA" "${work_dir}/ca.kubeconfig" \
  "Transport: tls handshake: certificate verify failed: unable to get local issuer certificate (server ${host_port}"

summary
