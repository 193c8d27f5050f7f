#!/usr/bin/env bash
# Installs the Debian packages that building and testing Labfleet need.
# Idempotent: packages already installed are skipped, apt runs only when
# something is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

packages=(
  build-essential cmake ninja-build pkg-config git openssl ca-certificates curl
  libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev
  prometheus-cpp-dev zlib1g-dev catch2 prometheus python3 python3-yaml
  clang-14 libclang-rt-14-dev  # hack/fuzz.sh: libFuzzer and the sanitizer runtimes come with clang-rt
  # hack/image.sh: daemonless image builds, the Debian base, the files server's busybox
  buildah mmdebstrap busybox-static
  # the real node (hack/lib/real-node.sh): runtime, CNI plugins, kube-proxy's iptables and conntrack
  containerd runc containernetworking-plugins iptables conntrack iproute2 util-linux
  lua5.1  # the Argo CD health checks run on gopher-lua, a Lua 5.1
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  step "deps: all ${#packages[@]} Debian packages present"
  exit 0
fi

sudo=""
[[ $(id -u) == 0 ]] || sudo="sudo"
step "deps: installing ${#missing[@]} Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
step "deps: done"
