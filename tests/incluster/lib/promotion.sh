# Helpers for the in-cluster promotion test: files images made and imported
# for any tag, a recorder of what each environment's Service answers (one
# line per change, with the time), a recorder of the Workload's status
# history, and bounded waits that print where the promotion stands.
# Source after lib/harness.sh.
# shellcheck shell=bash

# import_files_images TAG...: localhost/labfleet/files:TAG (a page naming TAG)
# built if missing and imported into the real node.
import_files_images() {
  local tag archives=()
  "$root/hack/image.sh" files "$@" >"$work/images.log" 2>&1 || { cat "$work/images.log"; return 1; }
  for tag in "$@"; do archives+=("$("$root/hack/image.sh" archive "localhost/labfleet/files:$tag")"); done
  "$root/hack/local-cluster.sh" load --dir "$dir" "${archives[@]}" >>"$work/images.log" 2>&1 ||
    { cat "$work/images.log"; return 1; }
}

# record_pages LOG SECONDS NAME=IP...: for at most SECONDS, asks each Service
# IP (port 8080) for its page about five times a second and appends
# "EPOCH NAME PAGE" to LOG whenever NAME's answer differs from its last one
# ("-" when it did not answer). Run it in the background.
record_pages() {
  local log=$1 seconds=$2; shift 2
  local stop=$((SECONDS + seconds)) entry name got
  local -A last=()
  while ((SECONDS < stop)); do
    for entry in "$@"; do
      name=${entry%%=*}
      got=$(page "${entry#*=}" 8080 2>/dev/null) || got=-
      if [[ $got != "${last[$name]:-}" ]]; then
        printf '%s %s %s\n' "$(now)" "$name" "$got" >>"$log"
        last[$name]=$got
      fi
    done
    sleep 0.2
  done
}

# first_seen LOG NAME PAGE [AFTER]: the first time (epoch) NAME answered PAGE,
# at or after AFTER; fails when it never did.
first_seen() {
  awk -v name="$2" -v want="$3" -v after="${4:-0}" '
    { t = $1; n = $2; $1 = ""; $2 = ""; sub(/^  /, "") }
    n == name && $0 == want && t + 0 >= after + 0 { print t; found = 1; exit }
    END { exit !found }' "$1"
}

# answers_since LOG NAME SINCE: every distinct answer NAME gave from SINCE on,
# including the one it was giving at SINCE, one a line.
answers_since() {
  awk -v name="$2" -v since="$3" '
    { t = $1; n = $2; $1 = ""; $2 = ""; sub(/^  /, "") }
    n != name { next }
    t + 0 < since + 0 { current = $0; next }
    { if (!seen[$0]++) print $0 }
    END { if (current != "" && !seen[current]) print current }' "$1" | sort -u
}

# only_answered LOG NAME SINCE PAGE: NAME answered PAGE and nothing else from
# SINCE on; prints what else it answered.
only_answered() {
  local answers; answers=$(answers_since "$1" "$2" "$3")
  [[ $answers == "$4" ]] || { echo "$2 answered: $(tr '\n' '|' <<<"$answers")"; return 1; }
}

# promotion WORKLOAD JQ: a jq expression over the Workload's status.promotion.
promotion() { kubectl get wl "$1" -o json | jq -r ".status.promotion | $2"; }

# summary_of WORKLOAD: the promotion's phase and summary, one line.
summary_of() {
  kubectl get wl "$1" -o json 2>/dev/null |
    jq -r '.status.promotion // {} | "\(.phase // "-"): \(.summary // "-")"'
}

# await NAME SECONDS WORKLOAD COMMAND...: like `eventually` (tests/lib/checks.sh),
# at most SECONDS and 5 * SECONDS tries, and prints the WORKLOAD's promotion
# summary whenever it changes, so a long wait shows where it stands.
await() {
  local name=$1 seconds=$2 workload=$3; shift 3
  local stop=$((SECONDS + seconds)) tries=0 shown="" line
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if ((SECONDS >= stop || tries >= 5 * seconds)); then
      fail "$name (not true after ${seconds}s)" "promotion: $(summary_of "$workload")"
      return 0
    fi
    if ((tries % 5 == 0)); then
      line=$(summary_of "$workload")
      [[ $line != "$shown" ]] && { echo "     ... $name: promotion $line"; shown=$line; }
    fi
    sleep 0.2
  done
  pass "$name"
}

# epoch RFC3339: seconds since the epoch.
epoch() {
  python3 -c 'import sys, datetime; print(datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00")).timestamp())' "$1"
}

# seconds_between A B: B - A, two decimals.
seconds_between() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

# not_before A B: A >= B (epochs); prints both otherwise.
not_before() {
  python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$1" "$2" ||
    { echo "$1 is $(seconds_between "$2" "$1") s before $2"; return 1; }
}

# holds NAME SECONDS COMMAND...: COMMAND stays true for SECONDS (checked
# about five times a second); fails at the first look it is not.
holds() {
  local name=$1 seconds=$2; shift 2
  local stop=$((SECONDS + seconds)) out
  while ((SECONDS < stop)); do
    out=$("$@" 2>&1) || { fail "$name (for ${seconds}s)" "stopped holding: ${out:-exit status non-zero}"; return 0; }
    sleep 0.2
  done
  pass "$name (for ${seconds}s)"
}
