#!/usr/bin/env bash
# The floor: on a fresh cluster with the same fleet (no policy, no operator),
# the same server-side applies the operators issue (3 per pair) from a bare
# concurrent client: what the API server itself allows.
#
#   floor.sh --floor FLOOR_BINARY [--targets 10] [--workloads 1000] [--concurrency 64]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
floor= targets=10 workloads=1000 concurrency=64
while (($#)); do
  case $1 in
    --floor) floor=$2; shift 2 ;; --targets) targets=$2; shift 2 ;; --workloads) workloads=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;; *) die "unknown flag $1" ;;
  esac
done
[[ -x $floor ]] || die "--floor names the floor binary"
install_crds
"$BENCHCTL" seed-fleet --targets "$targets" --workloads "$workloads" --policy=false
step "floor: $((targets * workloads * 3)) server-side applies, $concurrency in flight"
printf 'floor bare-client pairs=%d %s\n' $((targets * workloads)) \
  "$("$floor" --targets "$targets" --workloads "$workloads" --concurrency "$concurrency")"
