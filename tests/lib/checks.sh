# Counting checks shared by the shell tests: every case prints `ok   NAME` or
# `FAIL NAME[: MESSAGE]`, and summary prints the final `N passed, M failed`.
# shellcheck shell=bash

passed=0
failed=0
# How many characters of a failure message are kept (after folding it onto one line).
check_message_chars=400

# pass NAME: records a passed case.
pass() {
  printf 'ok   %s\n' "$1"
  passed=$((passed + 1))
}

# fail NAME [MESSAGE]: records a failed case; the message is folded onto one line and cut.
fail() {
  if (($# > 1)); then
    printf 'FAIL %s: %s\n' "$1" "$(printf '%s' "$2" | tr '\n' ' ' | cut -c1-"${check_message_chars}")"
  else
    printf 'FAIL %s\n' "$1"
  fi
  failed=$((failed + 1))
}

# check NAME COMMAND...: passes when the command succeeds; its output, if any, is the failure message.
check() {
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then pass "${name}"; else fail "${name}" ${out:+"${out}"}; fi
}

# eventually NAME SECONDS COMMAND...: an assertion that must become true in time.
eventually() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then fail "$name (not true after ${seconds}s)"; return 0; fi
    sleep 0.2
  done
  pass "$name"
}

# equals EXPECTED COMMAND...: the command prints exactly EXPECTED.
equals() {
  local expected=$1; shift
  [[ "$("$@" 2>/dev/null)" == "$expected" ]]
}

# summary: prints `N passed, M failed`; succeeds only when no case failed.
summary() {
  printf '%d passed, %d failed\n' "${passed}" "${failed}"
  ((failed == 0))
}
