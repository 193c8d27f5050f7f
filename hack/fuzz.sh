#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan) and runs
# each over its corpus for a while. Exits non-zero when any target finds a
# crash, a sanitizer report, a leak or a timeout, printing the reproducer.
#
#   hack/fuzz.sh [--seconds N] [--grow] [TARGET...]
#
#   --seconds N  run each target N seconds (default 30, what CI runs)
#   --grow       merge the inputs that add coverage into tests/fuzz/corpus/
#                (often hundreds: review, keep a few and commit those);
#                otherwise the repository's corpus is only read and new
#                inputs stay in the build directory
#   TARGET       e.g. watch_stream_fuzz; default all of tests/fuzz/*_fuzz.cpp
#
# The build is cached in $LABFLEET_FUZZ_BUILD_DIR (default build-fuzz).
# Reproduce a finding with: BUILD_DIR/tests/fuzz/TARGET ARTIFACT
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/hack/lib/log.sh"
build_dir=${LABFLEET_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${LABFLEET_JOBS:-$(nproc)}

seconds=30
grow=false
targets=()
while (($#)); do
  case $1 in
    --seconds) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--seconds needs a number"; seconds=$2; shift 2 ;;
    --grow) grow=true; shift ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  for source in "$root"/tests/fuzz/*_fuzz.cpp; do targets+=("$(basename "$source" .cpp)"); done
fi

"$root/hack/deps.sh"
step "fuzz: configuring in $build_dir"
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build_dir" -G Ninja -DLABFLEET_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" >/dev/null
step "fuzz: compiling with $jobs jobs"
ninja -C "$build_dir" -j "$jobs" "${targets[@]}" | awk '/^\[/ { if (++n % 10 == 0) { print; fflush() } next } { print; fflush() }'

# Leaks are findings too; UBSan stops at the first report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=()
for target in "${targets[@]}"; do
  binary=$build_dir/tests/fuzz/$target
  seeds=$root/tests/fuzz/corpus/$target
  [[ -x $binary ]] || die "no fuzz target $target (tests/fuzz/$target.cpp)"
  [[ -d $seeds ]] || die "no corpus for $target (tests/fuzz/corpus/$target/)"
  # New inputs go to the first directory: the build's, never the repository's.
  work=$build_dir/corpus/$target
  artifacts=$build_dir/artifacts/$target
  log=$build_dir/logs/$target.log
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  python3 "$root/tests/fuzz/large_seeds.py" "$target" "$work"
  step "fuzz: $target for ${seconds}s"
  status=0
  # Inputs up to 1 MiB, about the largest object the API server stores (the
  # seeds of large_seeds.py start there). The wall-clock guard covers a hang outside libFuzzer's per-input -timeout.
  timeout --kill-after=10 $((seconds + 120)) "$binary" -max_total_time="$seconds" -timeout=10 \
    -max_len=1048576 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$work" "$seeds" </dev/null >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
  if ((status != 0)); then
    failed+=("$target")
    printf '%s: FAILED (exit %d) after %s executions; the report (whole log: %s):\n' \
      "$target" "$status" "${runs:-?}" "$log" >&2
    # The first report with its top frames, else the end of the log.
    report=$(grep -m 1 -A 24 -E '^==[0-9]+==ERROR|runtime error:|^terminate called|ERROR: libFuzzer' "$log" || true)
    printf '%s\n' "${report:-$(tail -n 30 "$log")}" >&2
    for artifact in $(sed -n 's/.*Test unit written to //p' "$log"); do
      printf '\nreproducer %s (%d bytes, first 1 KiB, non-printing bytes shown by cat -v):\n' \
        "$artifact" "$(stat -c %s "$artifact")" >&2
      head -c 1024 "$artifact" | cat -v >&2
      printf '\nreproduce with: %s %s\n' "$binary" "$artifact" >&2
    done
    continue
  fi
  printf '%s: ok, %s executions, %s, corpus %s inputs\n' "$target" "${runs:-?}" "${coverage:-cov: ?}" \
    "$(find "$work" "$seeds" -type f | wc -l)"
  if $grow; then
    step "fuzz: merging inputs that add coverage into tests/fuzz/corpus/$target"
    "$binary" -merge=1 "$seeds" "$work" </dev/null >"$log.merge" 2>&1 || die "merge failed; see $log.merge"
  fi
done

if ((${#failed[@]})); then
  die "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
fi
step "fuzz: all ${#targets[@]} targets ran ${seconds}s without a finding"
