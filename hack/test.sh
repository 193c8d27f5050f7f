#!/usr/bin/env bash
# Runs every test: installs what is missing (Debian packages, the pinned
# control-plane binaries), builds Labfleet, its tests and its image, then runs
# the unit tests, the integration tests against a real etcd + kube-apiserver
# on loopback, and the in-cluster tests: the chart running that image on a real
# node. Idempotent; everything built is cached.
#
#   hack/test.sh [ctest arguments...]     e.g. hack/test.sh -L unit
#
# The image is built from the Dockerfile exactly as written (CI does this);
# LABFLEET_IMAGE_FROM_HOST=1 builds it from the binary just compiled instead,
# which takes seconds.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/hack/lib/log.sh"
build_dir=${LABFLEET_BUILD_DIR:-$root/build}
jobs=${LABFLEET_JOBS:-$(nproc)}

"$root/hack/deps.sh"
"$root/hack/control-plane-bins.sh" --all
"$root/hack/flux-bins.sh"  # Flux's controllers, for tests/e2e/flux_test.sh

step "build: configuring in $build_dir"
cmake -S "$root" -B "$build_dir" -G Ninja -DLABFLEET_BUILD_TESTS=ON >/dev/null
step "build: compiling with $jobs jobs"
ninja -C "$build_dir" -j "$jobs" | awk '/^\[/ { if (++n % 10 == 0) { print; fflush() } next } { print; fflush() }'
if [[ ${LABFLEET_IMAGE_FROM_HOST:-0} == 1 ]]; then
  "$root/hack/image.sh" operator --host-binary "$build_dir/operator/labfleet-operator"
else
  "$root/hack/image.sh" operator
fi
step "test: running ctest"
if ! ctest --test-dir "$build_dir" --output-on-failure --timeout 900 "$@"; then
  # The failed checks again, last, where a reader of a long log looks first.
  log="$build_dir/Testing/Temporary/LastTest.log"
  if [[ -f $log ]]; then
    echo "--- failed checks of the failed tests (from $log):"
    awk '/^[0-9]+\/[0-9]+ Testing: / { test = substr($0, index($0, ":") + 2) }
         /^( *scenario: )?FAIL / { print "  " test ": " $0 }' "$log" | tail -n 40
  fi
  exit 1
fi

# Then the unit tests under ASan + UBSan and a short run of every fuzz target,
# each in its own build directory (build-asan, build-fuzz) so the main build is
# untouched. LABFLEET_SKIP_SANITIZERS=1 leaves them out; LABFLEET_FUZZ_SECONDS
# sets the time per target.
if [[ ${LABFLEET_SKIP_SANITIZERS:-0} != 1 ]]; then
  step "test: unit tests under ASan + UBSan (hack/sanitize.sh)"
  "$root/hack/sanitize.sh"
  step "test: fuzz targets, ${LABFLEET_FUZZ_SECONDS:-30}s each (hack/fuzz.sh)"
  "$root/hack/fuzz.sh" --seconds "${LABFLEET_FUZZ_SECONDS:-30}"
fi
