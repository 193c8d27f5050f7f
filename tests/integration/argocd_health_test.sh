#!/usr/bin/env bash
# The chart's Argo CD health check (charts/labfleet/argocd/health.lua), run by Lua 5.1 in a sandbox
# like Argo CD's gopher-lua one (tests/e2e/lib/argocd_health.lua), against objects captured from
# live runs of tests/e2e/gitops_health_test.sh: tests/data/argocd/KIND/health_test.yaml lists each
# object and the health Argo CD must show for it, in Argo CD's own test layout. Also checked: the
# runner refuses what Argo CD refuses (the string library, an unknown status), a few cases no live
# run shows, every kind covered with the statuses it can reach, and
# charts/labfleet/argocd/argocd-cm.yaml equal to the script for each kind
# (`bash tests/integration/argocd_health_test.sh --update` rewrites it).
# Needs lua5.1, python3 (with PyYAML) and jq; no cluster.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
scripts=${ARGOCD_HEALTH_SCRIPTS:-$repo_root/charts/labfleet/argocd}
data="$repo_root/tests/data/argocd"
kinds=(Workload DeploymentTarget SchedulingPolicy EnvironmentLease)
# shellcheck source=../lib/checks.sh
source "$repo_root/tests/lib/checks.sh"
# shellcheck source=../e2e/lib/argocd_health.sh
ARGOCD_HEALTH_SCRIPTS=$scripts source "$repo_root/tests/e2e/lib/argocd_health.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The argocd-cm data Argo CD reads: one key per kind, each with the one script as its value.
snippet() {
  python3 - "$scripts" "${kinds[@]}" <<'PY'
import sys
scripts, kinds = sys.argv[1], sys.argv[2:]
print("# Argo CD health checks for Labfleet's kinds, generated from health.lua beside this one")
print("# (bash tests/integration/argocd_health_test.sh --update). Merge into argocd-cm, e.g.")
print("#   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file argocd-cm.yaml")
print("# See docs/gitops.md.")
print("data:")
for kind in kinds:
    print("  resource.customizations.health.labfleet.dev_%s: |" % kind)
    for line in open("%s/health.lua" % scripts).read().splitlines():
        print(("    " + line) if line else "")
PY
}

if [[ ${1:-} == --update ]]; then
  snippet >"$scripts/argocd-cm.yaml" && echo "wrote $scripts/argocd-cm.yaml"
  exit
fi

for tool in lua5.1 python3 jq; do
  command -v "$tool" >/dev/null 2>&1 || { fail "$tool on PATH"; summary; exit 1; }
done

# --- the runner is as strict as Argo CD: what gopher-lua refuses fails here too
probe() {
  printf '%s\n' "$1" >"$work/health.lua"
  echo '{"kind":"Probe","metadata":{"name":"p","generation":1}}' >"$work/probe.json"
  ARGOCD_HEALTH_SCRIPTS=$work bash "$repo_root/tests/e2e/lib/argocd_health.sh" Probe "$work/probe.json"
}
refused() { ! probe "$1"; }
check "runner: a health check may not use the string library" \
  refused 'return { status = "Healthy", message = string.format("%d", 1) }'
check "runner: nor string methods" refused 'return { status = "Healthy", message = ("x"):upper() }'
check "runner: nor math" refused 'return { status = "Healthy", message = "" .. math.floor(1.5) }'
check "runner: a status Argo CD does not know is an error" refused 'return { status = "Ready" }'
check "runner: so is a script that returns no table" refused 'return "Healthy"'
check "runner: control, a script with a known status runs" equals "Healthy ok" probe 'return { status = "Healthy", message = "ok" }'

# --- every captured phase gives the health recorded for it
for kind in "${kinds[@]}"; do
  if [[ ! -f $data/$kind/health_test.yaml ]]; then
    fail "$kind: $data/$kind/health_test.yaml exists"
    continue
  fi
  python3 -c '
import json, sys, yaml
for case in yaml.safe_load(open(sys.argv[1]))["tests"]:
    print(json.dumps([case["inputPath"], case["healthStatus"]["status"], case["healthStatus"].get("message", "")]))
' "$data/$kind/health_test.yaml" >"$work/cases"
  while IFS= read -r case; do
    input=$(jq -r '.[0]' <<<"$case")
    want="$(jq -r '.[1] + " " + .[2]' <<<"$case")"
    check "$kind ${input#testdata/}: $(jq -r '.[1]' <<<"$case")" \
      equals "$want" argocd_health "$kind" "$data/$kind/$input"
  done <"$work/cases"
done

# --- every kind has its phases; together they show each status the checks can give
statuses() { cat "$data/$1/health_test.yaml" 2>/dev/null | sed -n 's/^ *status: //p' | sort -u | tr '\n' ' '; }
check "Workload: Healthy, Progressing, Degraded and Suspended captured" \
  equals "Degraded Healthy Progressing Suspended " statuses Workload
check "DeploymentTarget: Healthy, Degraded and Suspended captured" \
  equals "Degraded Healthy Suspended " statuses DeploymentTarget
check "SchedulingPolicy: Healthy and Degraded captured" equals "Degraded Healthy " statuses SchedulingPolicy
check "EnvironmentLease: Healthy, Progressing and Degraded captured" \
  equals "Degraded Healthy Progressing " statuses EnvironmentLease

# --- cases no live run shows
health_of() { printf '%s' "$2" | argocd_health "$1"; }
refused_kind() { ! health_of "$1" "$2" 2>/dev/null; }
check "an object the operator never saw (no status) is Progressing" \
  equals "Progressing waiting for the operator to observe generation 1" \
  health_of SchedulingPolicy '{"kind":"SchedulingPolicy","metadata":{"name":"p","generation":1},"spec":{}}'
check "a Stalled condition of an older generation is not read as the current one" \
  equals "Progressing waiting for the Ready condition" \
  health_of Workload '{"kind":"Workload","metadata":{"name":"w","generation":3},"spec":{},
    "status":{"observedGeneration":3,"conditions":[{"type":"Stalled","status":"True","observedGeneration":2,
    "reason":"InvalidSpec","message":"spec.x: old"}]}}'
check "Stalled wins over a paused target: it needs a person either way" \
  equals "Degraded namespace kube-public is denied" \
  health_of DeploymentTarget '{"kind":"DeploymentTarget","metadata":{"name":"t","generation":2},"spec":{"paused":true},
    "status":{"observedGeneration":2,"conditions":[{"type":"Stalled","status":"True","observedGeneration":2,
    "reason":"NamespaceDenied","message":"namespace kube-public is denied"}]}}'
check "strings reach the script intact (escapes, a digit after a newline, UTF-8)" \
  equals $'Healthy line\n1 \t"quoted" \\ caf\u00e9' \
  health_of SchedulingPolicy '{"kind":"SchedulingPolicy","metadata":{"name":"p","generation":1},"spec":{},
    "status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True","message":"line\n1 \t\"quoted\" \\ caf\u00e9"}]}}'
check "a condition without a message shows its reason" \
  equals "Healthy Valid" \
  health_of SchedulingPolicy '{"kind":"SchedulingPolicy","metadata":{"name":"p","generation":1},"spec":{},
    "status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True","reason":"Valid"}]}}'

# --- the argocd-cm snippet is the script, once per kind
check "argocd_health refuses an object of another kind than asked" \
  refused_kind Workload '{"kind":"SchedulingPolicy","metadata":{"name":"p","generation":1},"spec":{}}'
check "argocd-cm.yaml is generated from health.lua (--update rewrites it)" \
  diff <(snippet) "$scripts/argocd-cm.yaml"
check "argocd-cm.yaml is YAML whose keys Argo CD reads" equals \
  "resource.customizations.health.labfleet.dev_DeploymentTarget resource.customizations.health.labfleet.dev_EnvironmentLease resource.customizations.health.labfleet.dev_SchedulingPolicy resource.customizations.health.labfleet.dev_Workload" \
  python3 -c 'import sys, yaml; print(" ".join(sorted(yaml.safe_load(open(sys.argv[1]))["data"])))' "$scripts/argocd-cm.yaml"

summary
