# What the kstatus library (sigs.k8s.io/cli-utils/pkg/kstatus: Flux's health
# checks, `kubectl wait`-style tooling) says about live objects, computed by
# the library itself (tests/tools/kstatus, built once from the Go module proxy
# into the user's cache directory, keyed by its go.mod, go.sum, sources and
# the Go version, with the shared Go build cache; as hack/bench.sh builds
# its peer). Needs go and kubectl on PATH and KUBECONFIG set.
#
#   source tests/e2e/lib/kstatus.sh
#   kstatus_of Workload web                      # → Current
#   kstatus_of EnvironmentLease pr-1             # cluster-scoped kinds need no namespace
#   kstatus_of Deployment web-files labs-qa      # namespaced: NAMESPACE
#   kubectl get workloads -o json | "$(kstatus_checker)"   # every object, one line each
#
# shellcheck shell=bash

_kstatus_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools/kstatus" && pwd)
# shellcheck source=../../../hack/lib/log.sh
source "$_kstatus_src/../../../hack/lib/log.sh"  # labfleet_cache_dir

# kstatus_checker: prints the path of the kstatus-check binary, building it
# first when the cache lacks it (cold: about a minute; progress on stderr).
# The binary reads one object or a List as JSON on stdin and prints
# "<Kind>/<name>\t<status>\t<message>" per object, exit 0 (2 on bad input).
kstatus_checker() {
  local key bin
  key=$( (go version; cat "$_kstatus_src/go.mod" "$_kstatus_src/go.sum" "$_kstatus_src"/*.go) | sha256sum | cut -c1-16)
  bin="$(labfleet_cache_dir)/bin/kstatus-$key/kstatus-check"
  if [[ ! -x $bin ]]; then
    echo "kstatus: building the checker (sigs.k8s.io/cli-utils from the Go module proxy) into ${bin%/*}" >&2
    mkdir -p "${bin%/*}"
    (cd "$_kstatus_src" && CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local \
      go build -trimpath -o "$bin.tmp" . && mv "$bin.tmp" "$bin") >&2 || { echo "kstatus: build failed" >&2; return 1; }
  fi
  printf '%s\n' "$bin"
}

# kstatus_of KIND NAME [NAMESPACE]: prints the kstatus of one live object,
# exactly one of Current, InProgress, Failed, Terminating, NotFound, Unknown
# (Unknown also when the object cannot be read or computed). Returns 0 for
# each of these; 1 only when the checker cannot be built.
# KIND is what kubectl accepts (Workload, workloads, dt, ...).
kstatus_of() {
  local kind=$1 name=$2 ns=${3:-} checker json err
  checker=$(kstatus_checker) || return 1
  err=$(mktemp)
  if ! json=$(kubectl get "$kind" "$name" ${ns:+-n "$ns"} -o json 2>"$err"); then
    if grep -q NotFound "$err"; then echo NotFound; else echo Unknown; fi
    rm -f "$err"
    return 0
  fi
  rm -f "$err"
  local line
  line=$("$checker" <<<"$json" 2>/dev/null) || { echo Unknown; return 0; }
  line=${line#*$'\t'}
  echo "${line%%$'\t'*}"
}

# kstatus_line KIND NAME [NAMESPACE]: the checker's whole line for one live
# object ("Workload/web<TAB>InProgress<TAB>Workload is reconciling: ..."), for
# failure messages.
kstatus_line() {
  local kind=$1 name=$2 ns=${3:-} checker
  checker=$(kstatus_checker) || return 1
  kubectl get "$kind" "$name" ${ns:+-n "$ns"} -o json 2>&1 | "$checker" 2>&1 || true
}
