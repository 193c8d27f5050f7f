#!/usr/bin/env bash
# Builds and installs the kubectl plugin, so that `kubectl labfleet ...` works:
#
#   hack/install-plugin.sh [BINDIR]      default: /usr/local/bin (as root), else ~/.local/bin
#
# kubectl finds plugins on PATH by name (kubectl-labfleet); BINDIR must be on PATH.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/hack/lib/log.sh"
build_dir=${LABFLEET_BUILD_DIR:-$root/build}
if [[ $# -gt 0 ]]; then bindir=$1
elif [[ $(id -u) == 0 ]]; then bindir=/usr/local/bin
else bindir=$HOME/.local/bin
fi

"$root/hack/deps.sh"
step "plugin: configuring in $build_dir"
cmake -S "$root" -B "$build_dir" -G Ninja >/dev/null
step "plugin: compiling kubectl-labfleet"
ninja -C "$build_dir" kubectl-labfleet | awk '/^\[/ { if (++n % 10 == 0) { print; fflush() } next } { print; fflush() }'
mkdir -p "$bindir"
install -m 0755 "$build_dir/operator/kubectl-labfleet" "$bindir/kubectl-labfleet"
step "plugin: installed $bindir/kubectl-labfleet"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) echo "note: $bindir is not on PATH; add it so kubectl finds the plugin" ;;
esac
