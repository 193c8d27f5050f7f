# Shared helpers for the in-cluster tests: the real node's cluster, the chart
# installed with the locally built image, and looks inside the node (container
# processes through containerd, Service ClusterIPs through kube-proxy).
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
: "${LABFLEET_CLUSTER_DIR:?run through ctest (the real node fixture sets it)}"
source "$LABFLEET_CLUSTER_DIR/env.sh"
source "$root/tests/lib/checks.sh"
source "$root/hack/lib/real-node.sh"
dir=$LABFLEET_CLUSTER_DIR
node_paths
chart=${LABFLEET_CHART:-$root/charts/labfleet}
work=$(mktemp -d)

# now: seconds since the epoch, with milliseconds.
now() { date +%s.%3N; }
# since T: seconds from T to now, two decimals.
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }

# install_operator RELEASE NAMESPACE [HELM ARGS...]: the chart with the image
# loaded into the node (pullPolicy Never: nothing is ever pulled here).
install_operator() {
  local release=$1 namespace=$2; shift 2
  helm install "$release" "$chart" --namespace "$namespace" --create-namespace \
    --set image.pullPolicy=Never --set logFormat=text "$@" >"$work/helm-$release.log" 2>&1
}

# operator_pods NAMESPACE: names of the operator pods, one a line.
operator_pods() {
  kubectl -n "$1" get pods -l app.kubernetes.io/name=labfleet -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'
}

# ready_replicas NAMESPACE DEPLOYMENT: the Deployment's ready replicas (0 when none).
ready_replicas() {
  local n; n=$(kubectl -n "$1" get deploy "$2" -o jsonpath='{.status.readyReplicas}' 2>/dev/null)
  echo "${n:-0}"
}

# leader NAMESPACE LEASE: the holder of the leader-election Lease.
leader() { kubectl -n "$1" get lease "$2" -o jsonpath='{.spec.holderIdentity}' 2>/dev/null; }
# pod_of IDENTITY: the pod an operator's leader identity names (HOSTNAME_SUFFIX).
pod_of() { printf '%s' "${1%_*}"; }

# memory_of PID: the memory cgroup's usage and the process's resident set, in KiB.
memory_of() {
  local cgroup
  cgroup=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' "/proc/$1/cgroup")
  printf 'cgroup usage %d KiB, process RSS %d KiB' \
    $(($(cat "/sys/fs/cgroup/memory$cgroup/memory.usage_in_bytes") / 1024)) \
    "$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status")"
}

# container_pid NAMESPACE POD: the host pid of the pod's first container's process.
container_pid() {
  local id
  id=$(kubectl -n "$1" get pod "$2" -o jsonpath='{.status.containerStatuses[0].containerID}')
  id=${id#containerd://}
  ctr_node tasks list | awk -v id="$id" '$1 == id {print $2}'
}

# cluster_ip NAMESPACE SERVICE
cluster_ip() { kubectl -n "$1" get svc "$2" -o jsonpath='{.spec.clusterIP}'; }

# page IP PORT: what a client in the node's network gets from IP:PORT (a
# Service's ClusterIP goes through kube-proxy's rules).
page() { in_node curl -fsS --max-time 2 "http://$1:$2/"; }

# finish_incluster STATUS: for an EXIT trap, given the script's exit status
# ($?): a script that stopped early has failed; dumps what helps then.
finish_incluster() {
  (($1 == 0)) || fail "the script stopped early (exit $1)"
  if ((failed > 0)); then
    echo "--- pods"; kubectl get pods -A -o wide 2>&1 | tail -n 30
    echo "--- events"; kubectl get events -A --sort-by=.lastTimestamp 2>&1 | tail -n 30
  fi
  rm -rf "$work"
  summary || exit 1
}
