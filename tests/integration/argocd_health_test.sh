#!/usr/bin/env bash
# The chart's Argo CD health check (charts/labfleet/argocd/health.lua), run by Lua 5.1 in a sandbox
# like Argo CD's gopher-lua one (tests/e2e/lib/argocd_health.lua), against objects captured from
# live runs of tests/e2e/gitops_health_test.sh: tests/data/argocd/KIND/health_test.yaml lists each
# object and the health Argo CD must show for it, in Argo CD's own test layout. Also checked: the
# runner refuses what Argo CD refuses (the string library, an unknown status), a few cases no live
# run shows, every kind covered with the statuses it can reach, a promoting Workload in each phase
# (rolling out, soaking, awaiting approval, failed, blocked, complete) with the kstatus library
# agreeing on each, and charts/labfleet/argocd/argocd-cm.yaml equal to the script for each kind
# (`bash tests/integration/argocd_health_test.sh --update` rewrites it).
# Needs lua5.1, python3 (with PyYAML) and jq; go for the kstatus agreement (skipped, and said so,
# without it); no cluster.
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

# --- a promoting Workload (docs/gitops.md): the health kstatus gives it. The operator writes the
# promotion's phase into the three conditions (reasons Promoting, AwaitingApproval: Reconciling;
# PromotionBlocked, PromotionFailed: Stalled), their message led by status.promotion.summary, as
# `kubectl get workloads` shows it; once Complete, the workload's usual health.
# promoting TRUE REASON MESSAGE PHASE SUMMARY WHY ENVIRONMENTS: a Workload promoting 1.5.0 through dev,
# stg and prod (prod with approval) whose condition TRUE (Ready, Reconciling or Stalled) is True, the
# other two False, all three with REASON and MESSAGE; status.promotion has PHASE, SUMMARY, WHY (its
# message) and ENVIRONMENTS (JSON). Printed as JSON.
promoting() {
  jq -n --arg true "$1" --arg reason "$2" --arg message "$3" --arg phase "$4" --arg summary "$5" --arg why "$6" \
    --argjson environments "$7" '{
    apiVersion: "labfleet.dev/v1alpha1", kind: "Workload", metadata: {name: "web", generation: 4},
    spec: {promotion: {environments: ["dev", "stg", "prod"], soak: "10m", approvalRequired: ["prod"],
      candidate: {workshop: {tag: "1.5.0"}, files: {tag: "1.5.0"}}}},
    status: {observedGeneration: 4,
      conditions: [("Ready", "Reconciling", "Stalled") | {type: ., status: (if . == $true then "True" else "False" end),
        reason: $reason, message: $message, observedGeneration: 4, lastTransitionTime: "2026-12-05T11:00:00Z"}],
      promotion: {candidate: {workshopTag: "1.5.0", filesTag: "1.5.0"}, phase: $phase, summary: $summary,
        message: $why, environments: $environments}}}'
}
# environments DEV_TAG DEV_STATE STG_TAG STG_STATE PROD_TAG PROD_STATE: status.promotion.environments.
environments() {
  jq -cn --args '[$ARGS.positional as $a | ("dev", "stg", "prod") as $name
    | {name: $name, workshopTag: $a[2 * (["dev", "stg", "prod"] | index($name))], state: $a[2 * (["dev", "stg", "prod"] | index($name)) + 1]}
    | .filesTag = .workshopTag | .since = "2026-12-05T11:00:00Z"]' "$@"
}
# promoting_in REASON PHASE SUMMARY WHY ENVIRONMENTS: as the operator writes a promotion in flight,
# Reconciling or Stalled by REASON, with the message "SUMMARY: WHY".
promoting_in() {
  local true=Reconciling
  [[ $1 == Promotion* ]] && true=Stalled
  promoting "$true" "$1" "$3: $4" "$2" "$3" "$4" "$5"
}
# promotion_case NAME EXPECTED OBJECT: the Argo CD health; the object is kept for the kstatus check below.
promotion_case() {
  local file
  file="$work/promotion-$((++promotion_cases)).json"
  printf '%s\n' "$3" >"$file"
  printf '%s\t%s\n' "$file" "${2%% *}" >>"$work/promotion-cases"
  check "promotion: $1" equals "$2" argocd_health Workload "$file"
}
promotion_cases=0
: >"$work/promotion-cases"
promotion_case "rolling out to the first environment is Progressing" \
  "Progressing dev 1.5.0 rolling out: waiting for t-dev (not on 1.5.0)" \
  "$(promoting_in Promoting Promoting "dev 1.5.0 rolling out" "waiting for t-dev (not on 1.5.0)" \
    "$(environments 1.5.0 RollingOut 1.4.0 Pending 1.4.0 Pending)")"
promotion_case "soaking is Progressing, named as kubectl get workloads shows it" \
  "Progressing stg 1.5.0 soaking 3m/10m: served since the soak began; 3m/10m of the soak" \
  "$(promoting_in Promoting Promoting "stg 1.5.0 soaking 3m/10m" "served since the soak began; 3m/10m of the soak" \
    "$(environments 1.5.0 Passed 1.5.0 Soaking 1.4.0 Pending)")"
promotion_case "awaiting a person's approval is Progressing, as kstatus reads it (InProgress)" \
  "Progressing prod 1.5.0 awaiting approval: 1.5.0 waits for approval to prod (kubectl labfleet promote WORKLOAD --to prod)" \
  "$(promoting_in AwaitingApproval AwaitingApproval "prod 1.5.0 awaiting approval" \
    "1.5.0 waits for approval to prod (kubectl labfleet promote WORKLOAD --to prod)" \
    "$(environments 1.5.0 Passed 1.5.0 Passed 1.4.0 AwaitingApproval)")"
promotion_case "failed (ProgressDeadlineExceeded) is Degraded" \
  "Degraded dev 1.5.0 failed: the Deployment of t-dev reports ProgressDeadlineExceeded" \
  "$(promoting_in PromotionFailed Failed "dev 1.5.0 failed" "the Deployment of t-dev reports ProgressDeadlineExceeded" \
    "$(environments 1.5.0 Failed 1.4.0 Pending 1.4.0 Pending)")"
promotion_case "failed (not served within the deadline) is Degraded" \
  "Degraded stg 1.5.0 failed: not served within the deadline of 30m: t-stg (0/1 ready)" \
  "$(promoting_in PromotionFailed Failed "stg 1.5.0 failed" "not served within the deadline of 30m: t-stg (0/1 ready)" \
    "$(environments 1.5.0 Passed 1.5.0 Failed 1.4.0 Pending)")"
promotion_case "blocked (no eligible target) is Degraded" \
  "Degraded stg 1.5.0 blocked: every target of environment stg is passed by: t-stg (paused)" \
  "$(promoting_in PromotionBlocked Blocked "stg 1.5.0 blocked" "every target of environment stg is passed by: t-stg (paused)" \
    "$(environments 1.5.0 Passed 1.4.0 Blocked 1.4.0 Pending)")"
promotion_case "complete with every target ready is Healthy, by the workload's usual Ready" \
  "Healthy 3/3 targets ready" \
  "$(promoting Ready TargetsReady "3/3 targets ready" Complete "prod 1.5.0 complete" \
    "1.5.0 is served in every environment" "$(environments 1.5.0 Served 1.5.0 Served 1.5.0 Served)")"
promotion_case "complete while a target rolls out again is Progressing, by the workload's usual health" \
  "Progressing 2/3 targets ready; waiting for t-prod (0/1 ready)" \
  "$(promoting Reconciling TargetsNotReady "2/3 targets ready; waiting for t-prod (0/1 ready)" Complete \
    "prod 1.5.0 complete" "1.5.0 is served in every environment" "$(environments 1.5.0 Served 1.5.0 Served 1.5.0 Served)")"
promotion_case "a failure recorded for an older generation (a new candidate just committed) is not read as the current one" \
  "Progressing waiting for the operator to observe generation 5" \
  "$(promoting_in PromotionFailed Failed "dev 1.5.0 failed" "the Deployment of t-dev reports ProgressDeadlineExceeded" \
    "$(environments 1.5.0 Failed 1.4.0 Pending 1.4.0 Pending)" | jq '.metadata.generation = 5')"

# The same objects under the kstatus library (what Flux and `kubectl wait`-style tools compute):
# Progressing is InProgress, Degraded is Failed, Healthy is Current. Needs go (the library is built
# once into the user's cache, see tests/e2e/lib/kstatus.sh).
kstatus_agrees() {
  local checker file health want got
  checker=$(kstatus_checker) || return 1
  while IFS=$'\t' read -r file health; do
    case $health in
      Progressing) want=InProgress ;; Degraded) want=Failed ;; Healthy) want=Current ;; *) want="?$health" ;;
    esac
    got=$("$checker" <"$file" | cut -f2)
    [[ $got == "$want" ]] || { echo "$(basename "$file"): Argo CD $health, kstatus $got (want $want)"; return 1; }
  done <"$work/promotion-cases"
}
if command -v go >/dev/null 2>&1; then
  # shellcheck source=../e2e/lib/kstatus.sh
  source "$repo_root/tests/e2e/lib/kstatus.sh"
  check "promotion: kstatus agrees with Argo CD on every case above" kstatus_agrees
else
  echo "skip promotion: kstatus agrees with Argo CD (no go on PATH to build the kstatus library)"
fi

# --- the argocd-cm snippet is the script, once per kind
check "argocd_health refuses an object of another kind than asked" \
  refused_kind Workload '{"kind":"SchedulingPolicy","metadata":{"name":"p","generation":1},"spec":{}}'
check "argocd-cm.yaml is generated from health.lua (--update rewrites it)" \
  diff <(snippet) "$scripts/argocd-cm.yaml"
check "argocd-cm.yaml is YAML whose keys Argo CD reads" equals \
  "resource.customizations.health.labfleet.dev_DeploymentTarget resource.customizations.health.labfleet.dev_EnvironmentLease resource.customizations.health.labfleet.dev_SchedulingPolicy resource.customizations.health.labfleet.dev_Workload" \
  python3 -c 'import sys, yaml; print(" ".join(sorted(yaml.safe_load(open(sys.argv[1]))["data"])))' "$scripts/argocd-cm.yaml"

summary
