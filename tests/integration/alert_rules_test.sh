#!/usr/bin/env bash
# Checks the chart's alert rules as an on-call engineer meets them: they load (promtool check rules);
# every alert has a `for`, a severity, a summary, a description and a runbook_url whose section exists
# in docs/operations.md; and on synthetic series (promtool test rules) a normal day fires nothing while
# each fault fires its alert:
#   - expiry lag: 1,000 leases due in the same second (p99 ~4 s) and the late releases after a leader
#     handover (10-30 s) fire nothing; releases 45 s late, minute after minute, fire after 5 minutes;
#   - reconcile errors: a 2-minute burst fires nothing; errors that go on fire after 10 minutes;
#   - clusters: a remote restarting for 3 minutes, or reachable from one replica only, fires nothing; one
#     gone for good fires after 5 minutes, once;
#   - fleet: a workload Degraded for 5 minutes, a lease queue with handovers fire nothing; a workload
#     left Degraded, Pending leases with no Active one, a lease Pending 8 hours, and a workload still
#     running an expired lease's images each fire theirs, once (not once per replica).
#   - promotion: a promotion Blocked for 20 minutes, or stalled again after a new candidate superseded the
#     stalled one, fires nothing; one left Blocked or Failed past the bound (default 30 minutes) fires
#     LabfleetPromotionStalled, once per workload and environment.
# Operator and leader alerts are exercised by chart_test.sh. Needs helm and promtool on PATH; with
# $LABFLEET_CLUSTER_DIR set, its env.sh (from hack/local-cluster.sh up) provides the pinned helm.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
chart="${repo_root}/charts/labfleet"
release="alerts"
ns="labfleet-system"
job="${release}-labfleet-metrics"
if [[ -n "${LABFLEET_CLUSTER_DIR:-}" ]]; then
  # shellcheck source=/dev/null
  source "${LABFLEET_CLUSTER_DIR}/env.sh"
fi

# shellcheck source=../lib/checks.sh
source "${repo_root}/tests/lib/checks.sh"
check_message_chars=2000
work_dir="$(mktemp -d)"
trap 'rm -rf "${work_dir}"' EXIT

for tool in helm promtool python3; do
  if ! command -v "${tool}" >/dev/null 2>&1; then
    fail "${tool} on PATH"
    summary
    exit 1
  fi
done

# --- render the PrometheusRule and take its groups, as Prometheus' rule_files want them ----------------
# The lag threshold is set to the documented 30 s (docs/operations.md, LabfleetLeaseExpiryLagHigh).
if ! helm template "${release}" "${chart}" --namespace "${ns}" --set prometheusRule.enabled=true \
  --set prometheusRule.leaseExpiryLagThresholdSeconds=30 --show-only templates/prometheusrule.yaml \
  >"${work_dir}/rule.yaml" 2>"${work_dir}/err"; then
  fail "helm template (prometheusRule.enabled)" "$(cat "${work_dir}/err")"
  summary
  exit 1
fi
pass "helm template (prometheusRule.enabled)"
python3 - "${work_dir}/rule.yaml" "${work_dir}/rules.yaml" "${work_dir}/rules-bare.yaml" <<'PY'
import sys, yaml
rule_in, rules_out, bare_out = sys.argv[1:]
groups = yaml.safe_load(open(rule_in))["spec"]["groups"]
yaml.safe_dump({"groups": groups}, open(rules_out, "w"), sort_keys=False)
# promtool test rules compares annotations whole: the behaviour tests use the rules without them.
for group in groups:
    for rule in group["rules"]:
        rule.pop("annotations", None)
yaml.safe_dump({"groups": groups}, open(bare_out, "w"), sort_keys=False)
PY
check "promtool check rules" promtool check rules "${work_dir}/rules.yaml"

# --- every alert: for, severity, summary, description, and a runbook section that exists ---------------
if out="$(python3 - "${work_dir}/rules.yaml" "${chart}/Chart.yaml" "${repo_root}/docs/operations.md" 2>&1 <<'PY'
import re, sys, yaml
rules_file, chart_file, doc_file = sys.argv[1:]
chart = yaml.safe_load(open(chart_file))
base = f"{chart['sources'][0].rstrip('/')}/blob/v{chart['appVersion']}/docs/operations.md#"

def anchor(heading):
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")

in_code = False
anchors = set()
for line in open(doc_file):
    if line.startswith("```"):
        in_code = not in_code
    elif not in_code and line.startswith("#"):
        anchors.add(anchor(line.lstrip("#")))

problems = []
alerts = [r for g in yaml.safe_load(open(rules_file))["groups"] for r in g["rules"] if "alert" in r]
if not alerts:
    problems.append("no alerts rendered")
for rule in alerts:
    name = rule["alert"]
    if not re.fullmatch(r"([0-9]+[smhdw])+", str(rule.get("for", ""))):
        problems.append(f"{name}: no `for` (one evaluation above the threshold must not page)")
    if rule.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
        problems.append(f"{name}: severity is {rule.get('labels', {}).get('severity')!r}")
    annotations = rule.get("annotations", {})
    for key in ("summary", "description", "runbook_url"):
        if not str(annotations.get(key, "")).strip():
            problems.append(f"{name}: no {key} annotation")
    url = str(annotations.get("runbook_url", ""))
    if url and not url.startswith(base):
        problems.append(f"{name}: runbook_url {url} is not under {base}")
    elif url and url[len(base):] not in anchors:
        problems.append(f"{name}: runbook_url {url}: docs/operations.md has no heading with anchor #{url[len(base):]}")
    elif url and url[len(base):] != name.lower():
        problems.append(f"{name}: runbook_url {url} should end with #{name.lower()}")
sys.exit("; ".join(problems) if problems else 0)
PY
)"; then
  pass "every alert has a for, a severity, a summary, a description and a runbook in docs/operations.md"
else
  fail "every alert has a for, a severity, a summary, a description and a runbook in docs/operations.md" "${out}"
fi

# --- behaviour on synthetic series -----------------------------------------------------------------------
python3 - "${work_dir}/rules-bare.yaml" "${work_dir}/alerts_test.yaml" "${job}" "${ns}" <<'PY'
import sys, yaml
rules_file, test_out, job, ns = sys.argv[1:]
sel = f'job="{job}",namespace="{ns}"'
# labfleet_lease_expiry_lag_seconds' buckets (docs/metrics.md).
BUCKETS = ["0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
           "30", "60", "+Inf"]

def lag_histogram(steps):
    """Bucket series of the lag histogram, one sample a minute. steps: per minute, a list of
    (lag seconds, releases) observed in that minute."""
    totals = {le: 0 for le in BUCKETS}
    samples = {le: [] for le in BUCKETS}
    for observed in steps:
        for lag, count in observed:
            for le in BUCKETS:
                if le == "+Inf" or lag <= float(le):
                    totals[le] += count
        for le in BUCKETS:
            samples[le].append(str(totals[le]))
    return [{"series": f'labfleet_lease_expiry_lag_seconds_bucket{{{sel},instance="a",le="{le}"}}',
             "values": " ".join(samples[le])} for le in BUCKETS]

def quiet(alert, *minutes):
    return [{"eval_time": f"{m}m", "alertname": alert, "exp_alerts": []} for m in minutes]

def fires(alert, minute, labels):
    return {"eval_time": f"{minute}m", "alertname": alert, "exp_alerts": [{"exp_labels": labels}]}

LAG = "LabfleetLeaseExpiryLagHigh"
CLUSTER = "LabfleetClusterUnreachable"

def cluster_up(instance, values):
    return [{"series": f'labfleet_cluster_up{{{sel},instance="{instance}",cluster="eu"}}', "values": values}]
ERRORS = "LabfleetReconcileErrors"
warning = {"severity": "warning"}
mass_expiry = [[]] * 5 + [[(0.4, 100), (0.9, 150), (2.0, 350), (4.0, 400)]] + [[]] * 30
handover = [[]] * 5 + [[(0.01, 30)], [(12.0, 10), (17.0, 10)]] + [[(0.01, 5)]] * 30
late = [[]] * 5 + [[(45.0, 10)]] * 30

def errors(increments):
    total, values = 0, []
    for step in increments:
        total += step
        values.append(str(total))
    return [{"series": f'controller_runtime_reconcile_errors_total{{{sel},instance="a",controller="workload"}}',
             "values": " ".join(values)}]

tests = [
    # A remote API server restarting (3 minutes away) fires nothing; one replica that cannot reach it
    # while the other can fires nothing; a cluster gone for good fires after 5 minutes, once.
    {"interval": "1m", "input_series": cluster_up("a", "1x5 0x3 1x30") + cluster_up("b", "1x5 0x3 1x30"),
     "alert_rule_test": quiet(CLUSTER, 6, 8, 10, 20)},
    {"interval": "1m", "input_series": cluster_up("a", "1x5 0x30") + cluster_up("b", "1x35"),
     "alert_rule_test": quiet(CLUSTER, 10, 20, 30)},
    {"interval": "1m", "input_series": cluster_up("a", "1x5 0x30") + cluster_up("b", "1x5 0x30"),
     "alert_rule_test": quiet(CLUSTER, 6, 9) + [fires(CLUSTER, 12, {"severity": "warning", "cluster": "eu"})]},
    # 1,000 leases due in the same second, released within 4 s: a normal day.
    {"interval": "1m", "input_series": lag_histogram(mass_expiry),
     "alert_rule_test": quiet(LAG, 6, 7, 10, 15, 20)},
    # A leader handover: the leases due during it are released 12-17 s late, then on time again.
    {"interval": "1m", "input_series": lag_histogram(handover),
     "alert_rule_test": quiet(LAG, 7, 8, 12, 20)},
    # Every release 45 s late, minute after minute: pending first, firing after 5 minutes.
    {"interval": "1m", "input_series": lag_histogram(late),
     "alert_rule_test": quiet(LAG, 6, 9) + [fires(LAG, 12, warning), fires(LAG, 30, warning)]},
    # A 2-minute burst of reconcile errors (a conflict storm, an API blip): retried, no alert.
    {"interval": "1m", "input_series": errors([0] * 5 + [5, 5] + [0] * 30),
     "alert_rule_test": quiet(ERRORS, 6, 8, 12, 20)},
    # Errors that go on: firing after 10 minutes, not before.
    {"interval": "1m", "input_series": errors([0] * 5 + [1] * 40),
     "alert_rule_test": quiet(ERRORS, 8, 14) + [fires(ERRORS, 20, {"severity": "warning", "controller": "workload"})]},
]
# The fleet's series, exported by two replicas from their caches (a series that goes away is `stale`, as
# Prometheus marks a series a scrape no longer has).
def replicas(series, values):
    return [{"series": series.replace("}", f',instance="{i}"}}'), "values": values} for i in ("a", "b")]

def degraded(values):
    return replicas(f'labfleet_resource_condition{{{sel},kind="Workload",name="w",type="Degraded",status="True"}}',
                    values)

def phase(lease, target, phase_, values):
    return replicas(f'labfleet_lease_phase{{{sel},name="{lease}",target="{target}",phase="{phase_}"}}', values)

def lease_images(lease, values):
    return [{"series": f'labfleet_workload_image_info{{{sel},instance="a",workload="w",target="stg",'
                       f'image="registry.example.com/w-files:pr-1",source="lease/{lease}"}}', "values": values}]

DEGRADED = "LabfleetWorkloadDegraded"
STUCK = "LabfleetLeaseQueueStuck"
LONG = "LabfleetLeasePendingTooLong"
SERVING = "LabfleetExpiredLeaseStillServing"
tests += [
    # Degraded for 5 minutes, then fixed by its author: no alert.
    {"interval": "1m", "input_series": degraded("0x5 1x5 0x30"),
     "alert_rule_test": quiet(DEGRADED, 8, 12, 20, 30)},
    # Degraded and left so: one alert per workload (not per replica) after 15 minutes.
    {"interval": "1m", "input_series": degraded("0x5 1x40"),
     "alert_rule_test": quiet(DEGRADED, 10, 19) + [fires(DEGRADED, 25, {"severity": "warning", "name": "w"})]},
    # A normal queue: b waits behind a, is granted when a expires at 10m, c waits behind b; a expired
    # lease's images go when it expires, b's come.
    {"interval": "1m",
     "input_series": phase("a", "stg", "Active", "1x10 stale") + phase("a", "stg", "Expired", "_x10 1x30")
                     + phase("b", "stg", "Pending", "1x10 stale") + phase("b", "stg", "Active", "_x10 1x30")
                     + phase("c", "stg", "Pending", "_x3 1x40")
                     + lease_images("a", "1x10 stale") + lease_images("b", "_x10 1x30"),
     "alert_rule_test": quiet(STUCK, 5, 11, 20, 40) + quiet(SERVING, 5, 11, 16, 20, 40) + quiet(LONG, 40)},
    # Leases for a target that has no Active lease (missing, paused, or granting fails): after 15 minutes.
    {"interval": "1m", "input_series": phase("b", "gone", "Pending", "1x40") + phase("c", "gone", "Pending", "_x5 1x35"),
     "alert_rule_test": quiet(STUCK, 10) + [fires(STUCK, 20, {"severity": "warning", "target": "gone"})]},
    # A lease that waits a working day behind others: after 8 hours, not before.
    {"interval": "1m", "input_series": phase("a", "stg", "Active", "1x600") + phase("b", "stg", "Pending", "1x600"),
     "alert_rule_test": [{"eval_time": "7h", "alertname": LONG, "exp_alerts": []},
                         {"eval_time": "9h", "alertname": LONG,
                          "exp_alerts": [{"exp_labels": {"severity": "warning", "name": "b", "target": "stg"}}]}]},
    # Lease a expires at 10m but the workload keeps its images: after 5 minutes.
    {"interval": "1m",
     "input_series": phase("a", "stg", "Active", "1x10 stale") + phase("a", "stg", "Expired", "_x10 1x30")
                     + lease_images("a", "1x40"),
     "alert_rule_test": quiet(SERVING, 5, 12) + [
         fires(SERVING, 20, {"severity": "warning", "workload": "w", "target": "stg", "lease": "a"})]},
]
# A promotion's stall, as the old and the new leader export it across a handover: the value is when
# it stopped (in promtool, time() is the seconds since the test's start), absent while it moves.
def stalled_since(workload, environment, values):
    return replicas(f'labfleet_promotion_stalled_since_timestamp_seconds{{{sel},workload="{workload}",'
                    f'environment="{environment}"}}', values)

STALLED = "LabfleetPromotionStalled"
tests += [
    # Blocked at 5m for 20 minutes, then an eligible target lets it go on: shorter than the bound
    # (the default 30 minutes), no alert.
    {"interval": "1m", "input_series": stalled_since("w", "stg", "_x5 300x20 stale"),
     "alert_rule_test": quiet(STALLED, 10, 24, 30, 40)},
    # Failed at 5m and left so: pending once 30 minutes have passed (35m), firing a minute later, once per
    # workload and environment (not per replica); another workload stalled since 20m is not yet due.
    {"interval": "1m", "input_series": stalled_since("w", "stg", "_x5 300x60") + stalled_since("v", "dev", "_x20 1200x45"),
     "alert_rule_test": quiet(STALLED, 20, 34, 35) + [
         fires(STALLED, 37, {"severity": "warning", "workload": "w", "environment": "stg"})]},
    # Failed at 5m, superseded at 20m by a new candidate that fails at 25m: the clock starts again with
    # the new stall, so 40m (35 minutes after the first) fires nothing and 57m fires.
    {"interval": "1m", "input_series": stalled_since("w", "dev", "_x5 300x15 stale _x4 1500x40"),
     "alert_rule_test": quiet(STALLED, 36, 40, 50) + [
         fires(STALLED, 57, {"severity": "warning", "workload": "w", "environment": "dev"})]},
]
yaml.safe_dump({"rule_files": [rules_file], "evaluation_interval": "30s", "tests": tests}, open(test_out, "w"),
               sort_keys=False)
PY
check "promtool test rules: a normal day fires nothing, each fault fires its alert" \
  promtool test rules "${work_dir}/alerts_test.yaml"

summary
