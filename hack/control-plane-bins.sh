#!/usr/bin/env bash
# Builds the pinned control-plane programs from the Go module proxy and keeps
# them in the user's cache directory, keyed by the pins (hack/tools/*/go.mod,
# go.sum) and the Go version: a rebuild happens only when a pin changes.
#
#   hack/control-plane-bins.sh            build what is missing, report progress
#   hack/control-plane-bins.sh --bindir   same, then print the bin directory
#   hack/control-plane-bins.sh --all      also the programs only tests use (Prometheus)
#
# Programs: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
# kubelet and kube-proxy (hack/tools/kube), etcd (hack/tools/etcd), helm (hack/tools/helm) and KWOK's
# controller (hack/tools/kwok); with --all also Prometheus (hack/tools/prometheus;
# Debian's has no Kubernetes service discovery), which only the tests use. A cold build takes tens of minutes on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/log.sh"

command -v go >/dev/null || die "go is required to build the control plane (install Go 1.25+)"

tools="$here/tools"
recipe=2  # bump when the way the programs are built changes
key=$( (echo "$recipe"; go version; cat "$tools"/*/go.mod "$tools"/*/go.sum) | sha256sum | cut -c1-16)
bindir="$(labfleet_cache_dir)/bin/$key"
mkdir -p "$bindir"

export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

kube_version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$tools/kube/go.mod")
minor=${kube_version#v1.}; minor=${minor%%.*}
kube_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$kube_version \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/client-go/pkg/version.gitVersion=$kube_version"

# command_name PACKAGE: the file name `go build -o DIR/` gives a command
# (a trailing major-version element such as /v3 is skipped).
command_name() {
  local name; name=$(basename "$1")
  [[ $name =~ ^v[0-9]+$ ]] && name=$(basename "$(dirname "$1")")
  printf '%s' "$name"
}

# build MODULE LDFLAGS PACKAGE... : builds each package's command into $bindir,
# printing how many packages have been compiled every 20 seconds.
build() {
  local module=$1 ldflags=$2; shift 2
  local missing=()
  for pkg in "$@"; do [[ -x "$bindir/$(command_name "$pkg")" ]] || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  local names; names=$(for p in "${missing[@]}"; do command_name "$p"; printf ' '; done)
  step "control plane: downloading modules for $module ($names)"
  (cd "$tools/$module" && go mod download)
  local total; total=$(cd "$tools/$module" && go list -deps "${missing[@]}" | wc -l)
  step "control plane: building $names- $total packages (cold: many minutes; cached packages are skipped)"
  local log started=$SECONDS; log=$(mktemp)
  compiled() { printf '%s of ~%s packages compiled' "$(grep -c . "$1" || true)" "$total"; }
  go_build() { cd "$tools/$module" && go build -v -trimpath -ldflags "$ldflags" -o "$bindir/" "${missing[@]}"; }
  with_progress "control plane: $module" "$log" compiled go_build
  rm -f "$log"
  step "control plane: built $names in $((SECONDS - started)) s"
}

build kube "$kube_ldflags" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
  k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
# etcd's main package is its server module, built as "server" and renamed.
if [[ ! -x "$bindir/etcd" ]]; then
  build etcd "-s -w" go.etcd.io/etcd/server/v3
  mv "$bindir/server" "$bindir/etcd"
fi
# As helm's Makefile: the Kubernetes version `helm template`/`lint` assume
# without --kube-version (else v1.20, which the chart's kubeVersion refuses).
build helm "-s -w -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor" helm.sh/helm/v3/cmd/helm
build kwok "-s -w" sigs.k8s.io/kwok/cmd/kwok
[[ ${1:-} == --all ]] && build prometheus "-s -w" github.com/prometheus/prometheus/cmd/prometheus
# KWOK's own stage definitions (node ready + heartbeat, pod ready/complete/
# delete) from the pinned module, as one config file for `kwok --config`.
if [[ ! -f "$bindir/kwok-stages.yaml" ]]; then
  stages="$(cd "$tools/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage"
  for f in "$stages"/node/fast/node-initialize.yaml "$stages"/node/heartbeat/*.yaml "$stages"/pod/fast/pod-*.yaml; do
    printf -- '---\n'; cat "$f"
  done > "$bindir/kwok-stages.yaml"
fi

step "control plane: binaries ready in the cache ($key)"
[[ ${1:-} == --bindir ]] && printf '%s\n' "$bindir"
exit 0
