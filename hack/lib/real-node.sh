# A real node for hack/local-cluster.sh: containerd + runc + CNI (bridge,
# host-local, loopback, portmap), kubelet and kube-proxy, all inside one
# network namespace that this file creates, joined to the host by a veth pair.
# The kube-apiserver listens on the host's end, so pods reach it through the
# `kubernetes` Service (kube-proxy) and the host reaches pods by a route.
#
# Addresses, all in 198.18.0.0/15 (reserved for network testing):
#   198.18.0.0/24    pod IPs on this node (cluster CIDR 198.18.0.0/16)
#   198.19.0.0/17    Service ClusterIPs (the `kubernetes` Service is 198.19.0.1)
#   198.19.255.0/30  the link: host end .1 (API server), node end .2 (kubelet)
#
# Everything the node adds lives in the network namespace (bridge, veth end,
# iptables rules of kube-proxy and portmap), under $dir/node (containerd's and
# kubelet's data, mounts), under the cgroup /labfleet-node of each hierarchy,
# under $node_run, plus the host's veth end and route; node_down removes each.
# One real node per machine: the names and addresses are fixed.
# shellcheck shell=bash

node_name=labfleet-node
node_netns=labfleet-node
node_host_if=lf-host
node_if=lf-node
node_host_ip=198.19.255.1
node_ip=198.19.255.2
node_link_prefix=30
pod_subnet=198.18.0.0/24
cluster_cidr=198.18.0.0/16
service_cidr=198.19.0.0/17
kubernetes_service_ip=198.19.0.1
node_cgroup=labfleet-node
sandbox_image=localhost/labfleet/pause:1

# node_paths: paths under $dir, and a short runtime folder for the sockets
# (a unix socket path must stay under 108 bytes, which $dir may not).
node_paths() {
  node_dir="$dir/node"
  node_run="/run/labfleet-$(printf '%s' "$dir" | sha256sum | cut -c1-12)"
  containerd_sock="$node_run/containerd.sock"
}

# in_node COMMAND...: runs COMMAND in the node's network namespace only
# (the mount namespace stays the host's, so kubelet's and containerd's mounts
# are seen by both). A program, not a function: `start` runs it under setsid.
in_node=(nsenter --net="/run/netns/$node_netns")
in_node() { "${in_node[@]}" "$@"; }

ctr_node() { ctr --address "$containerd_sock" --namespace k8s.io "$@"; }

# node_unavailable: why a real node cannot run here (empty when it can).
node_unavailable() {
  local tool
  for tool in containerd containerd-shim-runc-v2 runc ctr nsenter ip iptables buildah; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed (hack/deps.sh installs it)"; return; }
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/portmap && -x /usr/lib/cni/loopback ]] ||
    { echo "the CNI plugins are not in /usr/lib/cni (containernetworking-plugins)"; return; }
  [[ $(id -u) == 0 ]] || { echo "a real node needs root (network namespaces, mounts, cgroups)"; return; }
  [[ -w /sys/fs/cgroup/memory || -w /sys/fs/cgroup/cgroup.subtree_control ]] ||
    { echo "the cgroup hierarchies are not writable"; return; }
  if ip netns list 2>/dev/null | grep -qw "$node_netns" && [[ ! -d "$dir/node" ]]; then
    echo "another cluster's real node is running (one per machine; stop it with its own 'down')"; return
  fi
  grep -qw overlay /proc/filesystems || { echo "the kernel has no overlayfs"; return; }
}

# node_certs: the kubelet's (system:node:NAME in system:nodes), kube-proxy's
# (system:kube-proxy) and the API server's kubelet client certificates.
node_certs() {
  [[ -f "$certs/kube-proxy.key" ]] && return 0
  (
    cd "$certs"
    local name subject
    for pair in "kubelet:/O=system:nodes/CN=system:node:$node_name" "kube-proxy:/CN=system:kube-proxy" \
                "apiserver-kubelet-client:/O=system:masters/CN=kube-apiserver-kubelet-client"; do
      name=${pair%%:*} subject=${pair#*:}
      openssl req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$name.key" -out "$name.csr" 2>/dev/null
      openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile client.ext -out "$name.crt" 2>/dev/null
      rm -f "$name.csr"
    done
  )
}

# node_kubeconfig NAME: a kubeconfig for the node component NAME's certificate.
node_kubeconfig() {
  local name=$1 port
  port=$(cat "$dir/apiserver.port")
  cat > "$node_dir/$name.kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://$node_host_ip:$port", certificate-authority: "$certs/ca.crt"}
users:
- name: $name
  user: {client-certificate: "$certs/$name.crt", client-key: "$certs/$name.key"}
contexts:
- name: local
  context: {cluster: local, user: $name}
current-context: local
KUBECONFIG
}

# node_network_up: the namespace, the veth pair, forwarding and the host's
# route to the pods. Idempotent.
node_network_up() {
  ip netns list | grep -qw "$node_netns" || ip netns add "$node_netns"
  if ! ip link show "$node_host_if" >/dev/null 2>&1; then
    ip link add "$node_host_if" type veth peer name "$node_if" netns "$node_netns"
  fi
  ip addr replace "$node_host_ip/$node_link_prefix" dev "$node_host_if"
  ip link set "$node_host_if" up
  in_node ip addr replace "$node_ip/$node_link_prefix" dev "$node_if"
  in_node ip link set "$node_if" up
  in_node ip link set lo up
  in_node ip route replace default via "$node_host_ip"
  in_node sysctl -qw net.ipv4.ip_forward=1
  # Bridged pod-to-pod traffic through a Service must pass kube-proxy's rules.
  in_node sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
  ip route replace "$pod_subnet" via "$node_ip" dev "$node_host_if"
}

# node_cgroups_up: the kubelet's cgroup root, in every cgroup v1 hierarchy
# (cpuset needs its CPUs and memory nodes before anything can join it).
node_cgroups_up() {
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [[ $hierarchy == */unified/ || ! -f ${hierarchy}cgroup.procs ]] && continue
    mkdir -p "$hierarchy$node_cgroup"
  done
  if [[ -d /sys/fs/cgroup/cpuset/$node_cgroup ]]; then
    cat /sys/fs/cgroup/cpuset/cpuset.cpus > "/sys/fs/cgroup/cpuset/$node_cgroup/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems > "/sys/fs/cgroup/cpuset/$node_cgroup/cpuset.mems"
  fi
}

# node_restrict_oom: true when this process lacks CAP_SYS_RESOURCE (bit 24).
node_restrict_oom() {
  local effective; effective=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  if (( (16#$effective >> 24) & 1 )); then echo false; else echo true; fi
}

# node_wait_ready: bounded; stops early when kubelet or kube-proxy has died.
node_wait_ready() {
  local deadline=$((SECONDS + 120)) name
  until "$bindir/kubectl" --kubeconfig="$dir/kubeconfig" wait --for=condition=Ready --timeout=2s \
      "node/$node_name" >/dev/null 2>&1; do
    for name in containerd kubelet kube-proxy; do
      running "$name" || { tail -n 15 "$logs/$name.log" >&2; die "$name exited (log: $logs/$name.log)"; }
    done
    ((SECONDS < deadline)) || { tail -n 15 "$logs/kubelet.log" >&2; die "node $node_name not Ready after 120 s (logs in $logs)"; }
    sleep 1
  done
}

node_write_configs() {
  mkdir -p "$node_dir/cni" "$node_dir/cni-ipam" "$node_dir/containerd" "$node_dir/kubelet" "$node_run"
  cat > "$node_dir/containerd.toml" <<TOML
version = 2
root = "$node_dir/containerd/root"
state = "$node_run/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$containerd_sock"
[ttrpc]
  address = "$containerd_sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$node_dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$sandbox_image"
  # Without CAP_SYS_RESOURCE (as on this kind of machine) no process may lower its
  # oom_score_adj: keep the sandboxes' and Guaranteed pods' at containerd's own.
  restrict_oom_score_adj = $(node_restrict_oom)
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$node_dir/cni"
TOML
  cat > "$node_dir/cni/10-labfleet.conflist" <<CNI
{
  "cniVersion": "1.0.0",
  "name": "labfleet",
  "plugins": [
    {"type": "bridge", "bridge": "lf-cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$pod_subnet"}]],
              "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$node_dir/cni-ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
CNI
  cat > "$node_dir/kubelet.yaml" <<KUBELET
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$node_cgroup
containerRuntimeEndpoint: unix://$containerd_sock
address: $node_ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$certs/ca.crt"}
authorization: {mode: Webhook}
failSwapOn: false
resolvConf: ""
clusterDomain: cluster.local
serializeImagePulls: false
# Images arrive by import and can never be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
maxPods: 110
KUBELET
  cat > "$node_dir/kube-proxy.yaml" <<PROXY
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$node_dir/kube-proxy.kubeconfig"}
hostnameOverride: $node_name
mode: iptables
clusterCIDR: $cluster_cidr
bindAddress: $node_ip
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# The conntrack table is the kernel's, shared with the host: leave its size alone.
conntrack: {maxPerCore: 0}
# One node: Service and endpoint changes are written within 100 ms, not up to 1 s later (the
# default minimum between the end of a sync and the next, meant to batch a large cluster's changes;
# a sync here takes tens of ms). 0s would mean the default.
iptables: {minSyncPeriod: 100ms}
PROXY
  node_kubeconfig kubelet
  node_kubeconfig kube-proxy
}

# node_up: starts containerd, imports the sandbox image, then kubelet and
# kube-proxy; waits (bounded) for the node to be Ready.
node_up() {
  node_paths
  # First, before anything is added to the machine: node_down cleans up
  # after a node whose folder exists, so an interrupted up is undone too.
  mkdir -p "$node_dir"
  node_certs
  ip netns list | awk '{print $1}' | grep '^cni-' > "$dir/netns-before" || true
  node_network_up
  node_cgroups_up
  node_write_configs
  step "cluster: real node: starting containerd (runc, CNI bridge lf-cni0, pods in $pod_subnet)"
  start containerd "${in_node[@]}" containerd --config "$node_dir/containerd.toml"
  wait_for containerd 30 ctr --address "$containerd_sock" version
  step "cluster: real node: importing the sandbox image"
  "$here/image.sh" pause >/dev/null
  node_load "$("$here/image.sh" archive "$sandbox_image")"
  step "cluster: real node: starting kubelet and kube-proxy"
  start kubelet "${in_node[@]}" "$bindir/kubelet" --config="$node_dir/kubelet.yaml" \
    --kubeconfig="$node_dir/kubelet.kubeconfig" --root-dir="$node_dir/kubelet" \
    --cert-dir="$node_dir/kubelet/pki" --hostname-override="$node_name" --node-ip="$node_ip" --v=1
  start kube-proxy "${in_node[@]}" "$bindir/kube-proxy" --config="$node_dir/kube-proxy.yaml" --v=1
  node_wait_ready
}

# node_load ARCHIVE...: imports image archives into the node's containerd.
node_load() {
  node_paths
  local archive
  for archive in "$@"; do
    ctr_node images import --no-unpack=false "$archive" >/dev/null ||
      die "importing $archive into the node's containerd failed"
  done
}

# node_down: pods first (so CNI's DEL releases their addresses, rules and
# namespaces), then the processes, then whatever a crash could leave behind.
node_down() {
  node_paths
  [[ -d $node_dir ]] || return 0
  step "cluster: real node: deleting its pods, then stopping kubelet, kube-proxy and containerd"
  if running kubelet && running kube-apiserver; then
    "$bindir/kubectl" --kubeconfig="$dir/kubeconfig" cordon "$node_name" >/dev/null 2>&1 || true
    "$bindir/kubectl" --kubeconfig="$dir/kubeconfig" delete pods --all-namespaces \
      --field-selector "spec.nodeName=$node_name" --grace-period=1 --wait=false >/dev/null 2>&1 || true
    # Stopped sandboxes stay listed until kubelet collects them: wait for running ones only.
    local deadline=$((SECONDS + 60))
    while ((SECONDS < deadline)) && ctr_node tasks list 2>/dev/null | awk '$3 == "RUNNING" {found = 1} END {exit !found}'; do
      sleep 0.5
    done
  fi
  for name in kube-proxy kubelet; do stop "$name"; done
  # Sandboxes kubelet did not stop: kill their tasks before containerd goes.
  if running containerd; then
    local task
    for task in $(ctr_node tasks list -q 2>/dev/null); do
      ctr_node tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    done
    sleep 1
    for task in $(ctr_node tasks list -q 2>/dev/null); do ctr_node tasks delete -f "$task" >/dev/null 2>&1 || true; done
  fi
  stop containerd
  step "cluster: real node: removing mounts, network namespaces, cgroups and the host's link"
  # Shims outlive containerd by design; ours name our socket.
  pkill -9 -f "containerd-shim-runc-v2 .*-address $containerd_sock" 2>/dev/null || true
  # Mounts under the node's data (rootfs overlays, volumes), deepest first.
  local mount
  while read -r mount; do umount -l "$mount" 2>/dev/null || true; done \
    < <(awk -v d="$node_dir/" -v r="$node_run/" 'index($5, d) == 1 || index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  # Pod network namespaces that appeared since `up` and are still there.
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep '^cni-' || true); do
    grep -qx "$ns" "$dir/netns-before" 2>/dev/null || ip netns delete "$ns" 2>/dev/null || true
  done
  ip route del "$pod_subnet" via "$node_ip" 2>/dev/null || true
  ip link del "$node_host_if" 2>/dev/null || true
  ip netns delete "$node_netns" 2>/dev/null || true
  # The node's cgroups, innermost first (empty once their processes are gone).
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [[ -d "$hierarchy$node_cgroup" ]] || continue
    find "$hierarchy$node_cgroup" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf "$node_dir" "$node_run" "$dir/netns-before"
}
