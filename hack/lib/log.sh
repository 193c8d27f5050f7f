# Shared helpers for hack/ scripts: timestamped progress lines on stderr.
# shellcheck shell=bash

LABFLEET_LOG_START=${LABFLEET_LOG_START:-$(date +%s)}
export LABFLEET_LOG_START

# step MESSAGE: a progress line with the elapsed time of the whole run.
step() {
  local elapsed=$(( $(date +%s) - LABFLEET_LOG_START ))
  printf '[%3dm%02ds] %s\n' $((elapsed / 60)) $((elapsed % 60)) "$*" >&2
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# labfleet_cache_dir: where built tools are kept between runs.
labfleet_cache_dir() {
  printf '%s/labfleet' "${XDG_CACHE_HOME:-$HOME/.cache}"
}
