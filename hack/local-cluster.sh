#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for development and tests:
# etcd, kube-apiserver (RBAC, client-cert admin), kube-controller-manager,
# kube-scheduler and KWOK (one simulated node, so Deployments become
# Available without a kubelet). Binaries come from hack/control-plane-bins.sh.
#
#   hack/local-cluster.sh up   [--dir DIR] [--minimal]  start (idempotent; --minimal: etcd + apiserver only)
#   hack/local-cluster.sh down [--dir DIR]              stop what `up` started and drop its data
#   hack/local-cluster.sh env  [--dir DIR]              print the exports for KUBECONFIG and PATH
#   hack/local-cluster.sh restart-apiserver [--dir DIR] kill -9 kube-apiserver and start it again
#   hack/local-cluster.sh compact [--dir DIR]           compact etcd at its current revision
#
# DIR defaults to the user's cache directory. It holds certs/, logs/, pids/,
# the kubeconfig and env.sh (source it to use kubectl against the cluster).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/log.sh"

command=${1:-}
[[ -n $command ]] && shift
dir="$(labfleet_cache_dir)/cluster"
minimal=false
while (($#)); do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --minimal) minimal=true; shift ;;
    *) die "unknown flag $1 (see the header of $0)" ;;
  esac
done
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
    printf 'subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.0.0.1\nextendedKeyUsage=serverAuth\n' > apiserver.ext
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
  local port=$1
  local b64="base64 -w0"
  cat > "$dir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: labfleet-local
  cluster:
    server: https://127.0.0.1:$port
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

start_apiserver() {
  local port etcd_url
  port=$(cat "$dir/apiserver.port")
  etcd_url=$(cat "$dir/etcd.url")
  start kube-apiserver "$bindir/kube-apiserver" --etcd-servers="$etcd_url" --cert-dir="$certs" \
    --tls-cert-file="$certs/apiserver.crt" --tls-private-key-file="$certs/apiserver.key" \
    --client-ca-file="$certs/ca.crt" --secure-port="$port" --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 --service-cluster-ip-range=10.0.0.0/16 --allow-privileged=true \
    --authorization-mode=RBAC --disable-admission-plugins=ServiceAccount \
    --service-account-issuer="https://127.0.0.1:$port/" --service-account-key-file="$certs/sa.pub" \
    --service-account-signing-key-file="$certs/sa.key" --api-audiences="https://127.0.0.1:$port/" \
    --etcd-compaction-interval=0 --profiling=false --v=0
  wait_for "kube-apiserver" 90 curl -fsS --cacert "$certs/ca.crt" --cert "$certs/admin.crt" \
    --key "$certs/admin.key" "https://127.0.0.1:$port/readyz"
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
  down_processes
  mkdir -p "$logs" "$pids"
  make_certs
  local started=$SECONDS etcd_port peer_port
  etcd_port=$(free_port); peer_port=$(free_port)
  echo "http://127.0.0.1:$etcd_port" > "$dir/etcd.url"
  free_port > "$dir/apiserver.port"

  step "cluster: starting etcd on 127.0.0.1:$etcd_port"
  rm -rf "$dir/etcd-data"
  start etcd "$bindir/etcd" --name=labfleet --data-dir="$dir/etcd-data" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-cluster="labfleet=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level=warn
  wait_for etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

  step "cluster: starting kube-apiserver on 127.0.0.1:$(cat "$dir/apiserver.port")"
  start_apiserver
  write_kubeconfig "$(cat "$dir/apiserver.port")"
  write_env

  if ! $minimal; then
    step "cluster: starting kube-controller-manager, kube-scheduler and KWOK (one simulated node)"
    # Client QPS 500: at the defaults (20 and 50) a 10,000-Deployment fleet's
    # ReplicaSets and pods take a quarter of an hour to appear.
    start kube-controller-manager "$bindir/kube-controller-manager" --kubeconfig="$dir/kubeconfig" \
      --service-account-private-key-file="$certs/sa.key" --root-ca-file="$certs/ca.crt" \
      --use-service-account-credentials=false --leader-elect=false --secure-port=0 \
      --controllers='*,-serviceaccount-token' --kube-api-qps=500 --kube-api-burst=1000 --v=0
    start kube-scheduler "$bindir/kube-scheduler" --kubeconfig="$dir/kubeconfig" --leader-elect=false \
      --secure-port=0 --kube-api-qps=500 --kube-api-burst=1000 --v=0
    start kwok "$bindir/kwok" --kubeconfig="$dir/kubeconfig" --config="$bindir/kwok-stages.yaml" \
      --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake --node-ip=127.0.0.1 \
      --server-address=127.0.0.1:0
    "$bindir/kubectl" --kubeconfig="$dir/kubeconfig" apply -f "$here/kwok-node.yaml" >/dev/null
  fi
  step "cluster: up in $((SECONDS - started)) s — source $dir/env.sh to use it"
}

down_processes() {
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$name"; done
}

down() {
  down_processes
  rm -rf "$dir/etcd-data" "$dir/kubeconfig"
  step "cluster: stopped ($dir)"
}

case $command in
  up) up ;;
  down) down ;;
  env) bindir=$("$here/control-plane-bins.sh" --bindir); write_env; cat "$dir/env.sh" ;;
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
  *) die "usage: $0 up|down|env|restart-apiserver|compact [--dir DIR] [--minimal]" ;;
esac
