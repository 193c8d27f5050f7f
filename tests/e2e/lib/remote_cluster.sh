# Remote clusters for the multi-cluster scenarios: minimal control planes
# (etcd + kube-apiserver, hack/local-cluster.sh --node none), each with its
# own CA, under $work; the least identity Labfleet needs there; and their
# registration as Secrets in the operator's namespace of the home cluster.
# Source after harness.sh.
#
#   remote_up NAME / remote_down NAME            start / stop and remove a remote
#   remote_dir NAME                              its directory (kubeconfig, pids/, logs/)
#   rkubectl NAME ARGS...                        kubectl as the remote's admin (10 s request timeout)
#   remote_grant NAME NAMESPACE                  namespace, ServiceAccount and least Roles for a target
#   register_cluster NAME REMOTE_DIR BINDING     a token of the remote's service account bound to its
#                                                Secret BINDING, as the home Secret NAME's kubeconfig
#   unregister_clusters                          deletes the home Secrets register_cluster made
#   remote_freeze NAME / remote_thaw NAME        SIGSTOP / SIGCONT the remote's kube-apiserver
#   token_kubectl REMOTE_DIR TOKEN ARGS...       kubectl against the remote with a token alone
# shellcheck shell=bash

# The remote identity: ServiceAccount remote_sa in remote_sa_namespace of every remote.
remote_sa=labfleet
remote_sa_namespace=labfleet-system
# The labels of the Secrets registering a cluster: the one the operator selects on, and
# the one unregister_clusters deletes them by.
cluster_secret_labels=(labfleet.dev/secret-type=cluster labfleet.dev/e2e=remote-cluster)
# Remotes started by remote_up and not yet stopped (remote_down_all stops them).
remote_names=()
# Set by register_cluster: the token it minted (to check its revocation).
registered_token=""

remote_dir() { printf '%s\n' "$work/remotes/$1"; }

# dir_kubectl DIR ARGS...: kubectl as the admin of the remote in DIR; a frozen API server
# answers nothing, so every request gives up after 10 s.
dir_kubectl() {
  local dir=$1; shift
  kubectl --kubeconfig "$dir/kubeconfig" --request-timeout=10s "$@"
}
rkubectl() {
  local name=$1; shift
  dir_kubectl "$(remote_dir "$name")" "$@"
}

# remote_up NAME: a minimal cluster in $(remote_dir NAME); its log in $work/remote-NAME.log.
remote_up() {
  local name=$1 dir
  dir=$(remote_dir "$name")
  mkdir -p "$dir"
  remote_names+=("$name")
  bash "$root/hack/local-cluster.sh" up --dir "$dir" --node none >"$work/remote-$name.log" 2>&1 || {
    tail -n 20 "$work/remote-$name.log"
    return 1
  }
}

# remote_apiserver_pid NAME: the pid of the remote's kube-apiserver (local-cluster.sh's pid file).
remote_apiserver_pid() { cat "$(remote_dir "$1")/pids/kube-apiserver"; }

remote_freeze() { kill -STOP "$(remote_apiserver_pid "$1")"; }
remote_thaw() { kill -CONT "$(remote_apiserver_pid "$1")"; }

# remote_down NAME: stops the remote (thawed first: a stopped process would wait out
# local-cluster.sh's 10 s grace) and removes its directory.
remote_down() {
  local name=$1 dir pid
  dir=$(remote_dir "$name")
  [[ -d $dir ]] || return 0
  if pid=$(cat "$dir/pids/kube-apiserver" 2>/dev/null); then kill -CONT "$pid" 2>/dev/null || true; fi
  bash "$root/hack/local-cluster.sh" down --dir "$dir" >>"$work/remote-$name.log" 2>&1 || true
  rm -rf "$dir"
}

# remote_down_all: remote_down of every remote remote_up started (for the EXIT trap).
remote_down_all() {
  local name
  for name in ${remote_names[@]+"${remote_names[@]}"}; do remote_down "$name"; done
  remote_names=()
}

# remote_uid NAME: the uid of the remote's kube-system namespace (the identity Labfleet records).
remote_uid() { rkubectl "$1" get namespace kube-system -o jsonpath='{.metadata.uid}'; }

# remote_grant NAME NAMESPACE: in the remote, the target namespace (made as admin: Labfleet only
# reads it), the ServiceAccount, and the least Labfleet needs for a target there:
#   - in NAMESPACE: its children (configmaps, services, deployments), and `get` on the namespace
#     itself (for the namespaces resource the API server takes the object's name as the request's
#     namespace, so a Role in NAMESPACE with resourceNames [NAMESPACE] grants it);
#   - in kube-system: `get` on the kube-system namespace (the cluster's identity), likewise.
remote_grant() {
  local name=$1 ns=$2
  rkubectl "$name" apply -f - >/dev/null <<OBJECTS
apiVersion: v1
kind: Namespace
metadata: {name: $remote_sa_namespace}
---
apiVersion: v1
kind: Namespace
metadata: {name: $ns}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: $remote_sa, namespace: $remote_sa_namespace}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: labfleet-target, namespace: $ns}
rules:
  - apiGroups: [""]
    resources: [configmaps, services]
    verbs: [get, list, watch, create, patch, delete]
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [get, list, watch, create, patch, delete]
  - apiGroups: [""]
    resources: [namespaces]
    resourceNames: [$ns]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: labfleet-target, namespace: $ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: labfleet-target}
subjects: [{kind: ServiceAccount, name: $remote_sa, namespace: $remote_sa_namespace}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: labfleet-cluster-identity, namespace: kube-system}
rules:
  - apiGroups: [""]
    resources: [namespaces]
    resourceNames: [kube-system]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: labfleet-cluster-identity, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: labfleet-cluster-identity}
subjects: [{kind: ServiceAccount, name: $remote_sa, namespace: $remote_sa_namespace}]
OBJECTS
}

# remote_token REMOTE_DIR BINDING: prints a 1 h token of the remote's service account bound to
# its Secret BINDING (made if missing): deleting that Secret revokes the token.
remote_token() {
  local dir=$1 binding=$2 uid
  dir_kubectl "$dir" -n "$remote_sa_namespace" get secret "$binding" >/dev/null 2>&1 ||
    dir_kubectl "$dir" -n "$remote_sa_namespace" create secret generic "$binding" >/dev/null || return 1
  uid=$(dir_kubectl "$dir" -n "$remote_sa_namespace" get secret "$binding" -o jsonpath='{.metadata.uid}') &&
    [[ -n $uid ]] || return 1
  dir_kubectl "$dir" -n "$remote_sa_namespace" create token "$remote_sa" --duration=1h \
    --bound-object-kind=Secret --bound-object-name="$binding" --bound-object-uid="$uid"
}

# token_kubeconfig REMOTE_DIR TOKEN: prints a kubeconfig reaching the remote with TOKEN
# (its server, its CA inline, nothing read from files).
token_kubeconfig() {
  local dir=$1 token=$2 server ca
  server=$(dir_kubectl "$dir" config view --raw -o jsonpath='{.clusters[0].cluster.server}') &&
    ca=$(dir_kubectl "$dir" config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}') || return 1
  cat <<KUBECONFIG
apiVersion: v1
kind: Config
clusters: [{name: remote, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: labfleet, user: {token: "$token"}}]
contexts: [{name: remote, context: {cluster: remote, user: labfleet}}]
current-context: remote
KUBECONFIG
}

# register_cluster NAME REMOTE_DIR BINDING: registers (or re-registers) cluster NAME in the home
# cluster: the Secret NAME in the operator's namespace, labelled as a cluster, whose
# data.kubeconfig reaches the remote in REMOTE_DIR with a new token bound to the remote Secret
# BINDING. Sets registered_token.
register_cluster() {
  local name=$1 dir=$2 binding=$3 token file="$work/cluster-$1.kubeconfig"
  token=$(remote_token "$dir" "$binding") && [[ -n $token ]] || return 1
  token_kubeconfig "$dir" "$token" >"$file" || return 1
  kubectl -n "$leader_namespace" create secret generic "$name" --from-file=kubeconfig="$file" \
    --dry-run=client -o yaml |
    kubectl label --local -f - "${cluster_secret_labels[@]}" -o yaml |
    kubectl apply -f - >/dev/null || return 1
  registered_token=$token
}

# unregister_clusters: deletes every Secret register_cluster made (for the EXIT trap).
unregister_clusters() {
  kubectl -n "$leader_namespace" delete secret -l "${cluster_secret_labels[1]}" --ignore-not-found --wait=false >/dev/null 2>&1
  return 0
}

# token_kubectl REMOTE_DIR TOKEN ARGS...: kubectl against the remote in REMOTE_DIR with TOKEN alone.
token_kubectl() {
  local dir=$1 token=$2 file status
  shift 2
  file=$(mktemp -p "$work") && token_kubeconfig "$dir" "$token" >"$file" || return 1
  kubectl --kubeconfig "$file" --request-timeout=10s "$@"
  status=$?
  rm -f "$file"
  return $status
}

# token_answers REMOTE_DIR TOKEN NAMESPACE: the remote authenticates TOKEN (reading NAMESPACE with it).
token_answers() { token_kubectl "$1" "$2" get namespace "$3" -o name; }
