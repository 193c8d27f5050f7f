#!/usr/bin/env bash
# A real Kubernetes control plane for development and tests: etcd,
# kube-apiserver (Node + RBAC authorization, client-cert admin),
# kube-controller-manager and kube-scheduler, plus one node:
#   --node kwok  (default) KWOK's simulated node: pods become Ready without a
#                kubelet, so thousands of them cost nothing (the benchmarks).
#   --node real  a real node: containerd + runc + CNI, kubelet and kube-proxy in
#                a network namespace of their own (hack/lib/real-node.sh); images
#                reach it by `load`, never by pull. One per machine.
#   --node none  (or --minimal) etcd + kube-apiserver only.
# Binaries come from hack/control-plane-bins.sh.
#
#   hack/local-cluster.sh up   [--dir DIR] [--node kwok|real|none]  start (idempotent)
#   hack/local-cluster.sh down [--dir DIR]              stop what `up` started and remove what it added
#   hack/local-cluster.sh env  [--dir DIR]              print the exports for KUBECONFIG and PATH
#   hack/local-cluster.sh load [--dir DIR] ARCHIVE...   import image archives into the real node
#   hack/local-cluster.sh node-check                    say why a real node cannot run here (exit 1), or nothing
#   hack/local-cluster.sh restart-apiserver [--dir DIR] kill -9 kube-apiserver and start it again
#   hack/local-cluster.sh compact [--dir DIR]           compact etcd at its current revision
#
# LABFLEET_AUDIT_LOG=FILE with up or restart-apiserver starts kube-apiserver with an audit log in
# FILE (JSON lines, the request metadata of service-account identities: hack/audit-policy.yaml);
# LABFLEET_AUDIT_LOG= (empty) starts it without. Unset, the previous start's choice in DIR holds.
#
# DIR defaults to the user's cache directory. It holds certs/, logs/, pids/,
# the kubeconfig and env.sh (source it to use kubectl against the cluster).
# Service ClusterIPs come from 198.19.0.0/17 and pod IPs from 198.18.0.0/16.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/log.sh"
source "$here/lib/real-node.sh"

command=${1:-}
[[ -n $command ]] && shift
dir="$(labfleet_cache_dir)/cluster"
node=kwok
args=()
while (($#)); do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --node) node=$2; shift 2 ;;
    --minimal) node=none; shift ;;
    -*) die "unknown flag $1 (see the header of $0)" ;;
    *) args+=("$1"); shift ;;
  esac
done
[[ $node =~ ^(kwok|real|none)$ ]] || die "--node must be kwok, real or none, not '$node'"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
certs="$dir/certs" logs="$dir/logs" pids="$dir/pids"

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# running NAME: whether the process `up` started under NAME is alive.
running() {
  [[ -f "$pids/$1" ]] && kill -0 "$(cat "$pids/$1")" 2>/dev/null
}

# start NAME COMMAND...: runs a component in its own session, logging to logs/NAME.log.
# The pid file holds the component's own pid (nsenter execs what it runs).
start() {
  local name=$1; shift
  setsid "$@" >"$logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$pids/$name"
}

# stop NAME: TERM, then KILL after 10 s, the component started under NAME.
stop() {
  local name=$1 pid
  [[ -f "$pids/$name" ]] || return 0
  pid=$(cat "$pids/$name")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pids/$name"
}

# wait_for WHAT SECONDS COMMAND...: retries COMMAND until it succeeds.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { tail -n 20 "$logs"/*.log >&2; die "$what not ready after ${seconds}s (logs in $logs)"; }
    sleep 0.2
  done
}

# make_certs: a throwaway CA, the apiserver's serving cert, an admin client
# cert (O=system:masters) and service-account keys; made once per DIR.
make_certs() {
  [[ -f "$certs/admin.key" ]] && return 0
  step "cluster: generating CA, serving, admin and service-account keys"
  mkdir -p "$certs"
  (
    cd "$certs"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=labfleet-local-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:$kubernetes_service_ip,IP:$node_host_ip\nextendedKeyUsage=serverAuth\n" > apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=labfleet-admin" -keyout admin.key -out admin.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr
  )
}

write_kubeconfig() {
  local port=$1 host
  host=$(cat "$dir/apiserver.host")
  local b64="base64 -w0"
  cat > "$dir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: labfleet-local
  cluster:
    server: https://$host:$port
    certificate-authority-data: $($b64 < "$certs/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $($b64 < "$certs/admin.crt")
    client-key-data: $($b64 < "$certs/admin.key")
contexts:
- name: labfleet-local
  context: {cluster: labfleet-local, user: admin, namespace: default}
current-context: labfleet-local
KUBECONFIG
  chmod 600 "$dir/kubeconfig"
}

# audit_flags: sets `audit` to kube-apiserver's audit-log flags, empty when the log is off; the
# choice (see the header) is kept in DIR/audit-log so that a restart without the variable keeps it.
audit_flags() {
  audit=()
  if [[ -n ${LABFLEET_AUDIT_LOG+set} ]]; then
    if [[ -n $LABFLEET_AUDIT_LOG ]]; then realpath -m "$LABFLEET_AUDIT_LOG" > "$dir/audit-log"; else rm -f "$dir/audit-log"; fi
  fi
  [[ -f "$dir/audit-log" ]] || return 0
  local file; file=$(cat "$dir/audit-log")
  mkdir -p "$(dirname "$file")"
  # blocking: an event is written before its response is sent, so the log is complete once the client is done.
  audit=(--audit-policy-file="$here/audit-policy.yaml" --audit-log-path="$file" --audit-log-format=json
    --audit-log-mode=blocking --audit-log-maxbackup=0 --audit-log-maxsize=0)
}

# start_apiserver: on loopback, or on the host's end of the real node's link
# so that pods reach it. Pods get service-account tokens (the ServiceAccount
# admission plugin) only where a kubelet can run them.
start_apiserver() {
  local port host etcd_url node_flags=()
  port=$(cat "$dir/apiserver.port")
  host=$(cat "$dir/apiserver.host")
  etcd_url=$(cat "$dir/etcd.url")
  audit_flags
  if [[ -f "$dir/node.real" ]]; then
    node_flags=(--kubelet-client-certificate="$certs/apiserver-kubelet-client.crt"
      --kubelet-client-key="$certs/apiserver-kubelet-client.key" --kubelet-preferred-address-types=InternalIP)
  else
    node_flags=(--disable-admission-plugins=ServiceAccount)
  fi
  start kube-apiserver "$bindir/kube-apiserver" --etcd-servers="$etcd_url" --cert-dir="$certs" \
    --tls-cert-file="$certs/apiserver.crt" --tls-private-key-file="$certs/apiserver.key" \
    --client-ca-file="$certs/ca.crt" --secure-port="$port" --bind-address="$host" \
    --advertise-address="$host" --service-cluster-ip-range="$service_cidr" --allow-privileged=true \
    --authorization-mode=Node,RBAC "${node_flags[@]}" \
    --service-account-issuer="https://$host:$port/" --service-account-key-file="$certs/sa.pub" \
    --service-account-signing-key-file="$certs/sa.key" --api-audiences="https://$host:$port/" \
    --etcd-compaction-interval=0 --profiling=false "${audit[@]}" --v=0
  wait_for "kube-apiserver" 90 curl -fsS --cacert "$certs/ca.crt" --cert "$certs/admin.crt" \
    --key "$certs/admin.key" "https://$host:$port/readyz"
}

write_env() {
  cat > "$dir/env.sh" <<ENV
export KUBECONFIG="$dir/kubeconfig"
export PATH="$bindir:\$PATH"
ENV
}

up() {
  bindir=$("$here/control-plane-bins.sh" --bindir)
  if running kube-apiserver && [[ -f "$dir/kubeconfig" ]]; then
    write_env
    step "cluster: already running in $dir"
    return 0
  fi
  if [[ $node == real ]]; then
    local why; why=$(node_unavailable)
    [[ -z $why ]] || die "a real node cannot run here: $why"
  fi
  down_processes
  mkdir -p "$logs" "$pids"
  make_certs
  local started=$SECONDS etcd_port peer_port
  etcd_port=$(free_port); peer_port=$(free_port)
  echo "http://127.0.0.1:$etcd_port" > "$dir/etcd.url"
  free_port > "$dir/apiserver.port"
  rm -f "$dir/node.real"
  if [[ $node == real ]]; then
    touch "$dir/node.real"
    node_paths
    node_network_up
    echo "$node_host_ip" > "$dir/apiserver.host"
  else
    echo 127.0.0.1 > "$dir/apiserver.host"
  fi

  step "cluster: starting etcd on 127.0.0.1:$etcd_port"
  rm -rf "$dir/etcd-data"
  start etcd "$bindir/etcd" --name=labfleet --data-dir="$dir/etcd-data" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-cluster="labfleet=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level=warn
  wait_for etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

  step "cluster: starting kube-apiserver on $(cat "$dir/apiserver.host"):$(cat "$dir/apiserver.port")"
  [[ $node == real ]] && node_certs
  start_apiserver
  write_kubeconfig "$(cat "$dir/apiserver.port")"
  write_env

  if [[ $node != none ]]; then
    step "cluster: starting kube-controller-manager and kube-scheduler"
    # Client QPS 500: at the defaults (20 and 50) a 10,000-Deployment fleet's
    # ReplicaSets and pods take a quarter of an hour to appear.
    start kube-controller-manager "$bindir/kube-controller-manager" --kubeconfig="$dir/kubeconfig" \
      --service-account-private-key-file="$certs/sa.key" --root-ca-file="$certs/ca.crt" \
      --use-service-account-credentials=false --leader-elect=false --secure-port=0 \
      --controllers='*,-serviceaccount-token' --kube-api-qps=500 --kube-api-burst=1000 \
      --service-cluster-ip-range="$service_cidr" --v=0
    start kube-scheduler "$bindir/kube-scheduler" --kubeconfig="$dir/kubeconfig" --leader-elect=false \
      --secure-port=0 --kube-api-qps=500 --kube-api-burst=1000 --v=0
  fi
  case $node in
    kwok)
      step "cluster: starting KWOK (one simulated node)"
      start kwok "$bindir/kwok" --kubeconfig="$dir/kubeconfig" --config="$bindir/kwok-stages.yaml" \
        --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake --node-ip=127.0.0.1 \
        --server-address=127.0.0.1:0
      "$bindir/kubectl" --kubeconfig="$dir/kubeconfig" apply -f "$here/kwok-node.yaml" >/dev/null ;;
    real) node_up ;;
  esac
  step "cluster: up in $((SECONDS - started)) s — source $dir/env.sh to use it"
}

down_processes() {
  for name in kwok kube-scheduler kube-controller-manager; do stop "$name"; done
  node_down
  for name in kube-apiserver etcd; do stop "$name"; done
}

down() {
  # Only a real node's teardown needs the pinned kubectl: never build for a down.
  if [[ -f "$dir/node.real" ]]; then bindir=$("$here/control-plane-bins.sh" --bindir); fi
  down_processes
  rm -rf "$dir/etcd-data" "$dir/kubeconfig" "$dir/node.real" "$dir/audit-log"
  step "cluster: stopped ($dir)"
}

case $command in
  up) up ;;
  down) down ;;
  env) bindir=$("$here/control-plane-bins.sh" --bindir); write_env; cat "$dir/env.sh" ;;
  load)
    [[ -f "$dir/node.real" ]] || die "load needs a cluster started with --node real in $dir"
    ((${#args[@]})) || die "load needs at least one image archive"
    node_load "${args[@]}"
    step "cluster: loaded ${#args[@]} image archive(s) into the node" ;;
  node-check) why=$(node_unavailable); [[ -z $why ]] || { echo "$why"; exit 1; } ;;
  restart-apiserver)
    bindir=$("$here/control-plane-bins.sh" --bindir)
    if [[ -f "$pids/kube-apiserver" ]]; then
      pid=$(cat "$pids/kube-apiserver")
      kill -9 "$pid" 2>/dev/null || true
      # The port is free only once the process is gone: kill does not wait.
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    start_apiserver
    step "cluster: kube-apiserver restarted" ;;
  compact)
    url=$(cat "$dir/etcd.url")
    revision=$(curl -fsS -X POST -d '{"key":"AA=="}' "$url/v3/kv/range" | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
    curl -fsS -X POST -d "{\"revision\": \"$revision\", \"physical\": true}" "$url/v3/kv/compaction" >/dev/null
    step "cluster: etcd compacted at revision $revision" ;;
  *) die "usage: $0 up|down|env|load|node-check|restart-apiserver|compact [--dir DIR] [--node kwok|real|none]" ;;
esac
