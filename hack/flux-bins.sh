#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller at the pins below
# from the Go module proxy, for tests/e2e/flux_test.sh, and keeps them with
# their CRDs in the user's cache directory, keyed by the pins and the Go
# version: a rebuild happens only when a pin changes.
#
#   hack/flux-bins.sh            build what is missing, report progress
#   hack/flux-bins.sh --bindir   same, then print the bin directory
#
# The bin directory holds source-controller, kustomize-controller and
# flux-crds.yaml (their CRDs from config/crd/bases of the same modules).
#
# Each controller's go.mod replaces its API module with ./api, a nested module
# the proxy ships on its own, so `go install module@version` refuses it. The
# module's source is copied to a temporary directory, ./api is filled in from
# the proxy at the version that go.mod requires, and the command is built
# there against the module's own go.sum (-mod=readonly: nothing is resolved
# anew; only the modules the build needs are downloaded, as some that only
# the controllers' tests use are not on the proxy). A cold build compiles
# about 4,000 packages: tens of minutes on 2 cores, an hour when they are busy.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/log.sh"

command -v go >/dev/null || die "go is required to build Flux's controllers (install Go 1.26+)"

# The newest releases that build here: v1.10 requires Go 1.27, and
# source-controller v1.9.1 to v1.9.6 need github.com/fluxcd/pkg/artifact
# versions the module proxy does not serve. kustomize-controller v1.9.6
# requires source-controller's API v1.9.0: the pair speaks the same API.
source_controller_version=v1.9.0
kustomize_controller_version=v1.9.6

recipe=1  # bump when the way the programs are built changes
key=$( (echo "$recipe"; go version; echo "$source_controller_version $kustomize_controller_version") |
  sha256sum | cut -c1-16)
bindir="$(labfleet_cache_dir)/bin/flux-$key"
mkdir -p "$bindir"

export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local

scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT

# module_dir MODULE@VERSION: downloads the module (checked against the
# checksum database) and prints its directory in the module cache.
module_dir() {
  local json; json=$(cd "$scratch" && go mod download -json "$1") || die "flux: downloading $1: $json"
  sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' <<<"$json"
}

# build NAME VERSION: builds github.com/fluxcd/NAME at VERSION into $bindir,
# printing how many packages have been compiled every 20 seconds.
build() {
  local name=$1 version=$2 module=github.com/fluxcd/$1
  [[ -x $bindir/$name ]] && return 0
  step "flux: downloading $module@$version"
  local src="$scratch/$name" dir api_version
  dir=$(module_dir "$module@$version")
  cp -R "$dir" "$src"
  chmod -R u+w "$src"
  api_version=$(awk -v api="$module/api" '$1 == api {print $2; exit}' "$src/go.mod")
  [[ -n $api_version ]] || die "flux: $module@$version/go.mod requires no $module/api"
  dir=$(module_dir "$module/api@$api_version")
  cp -R "$dir" "$src/api"
  chmod -R u+w "$src/api"
  local total; total=$(cd "$src" && go list -deps . | wc -l)
  step "flux: building $name $version - $total packages (cold: minutes; cached packages are skipped)"
  local log started=$SECONDS; log=$(mktemp)
  compiled() { printf '%s of ~%s packages compiled' "$(grep -c . "$1" || true)" "$total"; }
  go_build() { cd "$src" && nice -n 10 go build -v -trimpath -ldflags "-s -w" -o "$bindir/$name.tmp" . && mv "$bindir/$name.tmp" "$bindir/$name"; }
  with_progress "flux: $name" "$log" compiled go_build
  rm -f "$log"
  step "flux: built $name in $((SECONDS - started)) s"
}

build source-controller "$source_controller_version"
build kustomize-controller "$kustomize_controller_version"
if [[ ! -f "$bindir/flux-crds.yaml" ]]; then
  for pin in "source-controller@$source_controller_version" "kustomize-controller@$kustomize_controller_version"; do
    for f in "$(module_dir "github.com/fluxcd/$pin")"/config/crd/bases/*.yaml; do
      printf -- '---\n'; cat "$f"
    done
  done > "$bindir/flux-crds.yaml.tmp"
  mv "$bindir/flux-crds.yaml.tmp" "$bindir/flux-crds.yaml"
fi

step "flux: binaries ready in the cache (flux-$key)"
[[ ${1:-} == --bindir ]] && printf '%s\n' "$bindir"
exit 0
