# Shared helpers for hack/ scripts: timestamped progress lines on stderr.
# shellcheck shell=bash

LABFLEET_LOG_START=${LABFLEET_LOG_START:-$(date +%s)}
export LABFLEET_LOG_START

# step MESSAGE: a progress line with the elapsed time of the whole run.
step() {
  local elapsed=$(( $(date +%s) - LABFLEET_LOG_START ))
  printf '[%3dm%02ds] %s\n' $((elapsed / 60)) $((elapsed % 60)) "$*" >&2
}

# with_progress WHAT LOG STATUS COMMAND...: runs COMMAND (a program or a
# function) with its output in LOG; every 20 s while it runs, prints
# "WHAT: <STATUS LOG>, N s". When COMMAND fails, prints LOG's end and dies.
with_progress() {
  local what=$1 log=$2 status=$3; shift 3
  "$@" >"$log" 2>&1 &
  local pid=$! started=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null && sleep 1; done
    kill -0 "$pid" 2>/dev/null && step "$what: $("$status" "$log"), $((SECONDS - started)) s"
  done
  wait "$pid" || { tail -n 40 "$log" >&2; die "$what failed (log: $log)"; }
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# labfleet_cache_dir: where built tools are kept between runs.
labfleet_cache_dir() {
  printf '%s/labfleet' "${XDG_CACHE_HOME:-$HOME/.cache}"
}
