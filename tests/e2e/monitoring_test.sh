#!/usr/bin/env bash
# Monitoring as an SRE gets it: a real Prometheus scrapes the running
# operator, and PromQL over Prometheus' HTTP API returns the labfleet_* and
# controller-runtime series; the chart's alert rules pass promtool.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"
prometheus_pid=""
stop_prometheus() { [[ -n $prometheus_pid ]] && kill "$prometheus_pid" 2>/dev/null && wait "$prometheus_pid" 2>/dev/null; }
trap 'stop_prometheus; finish' EXIT

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
start_operator || exit 1
kubectl apply -f "$root/samples/10-target-stg.yaml" -f "$root/samples/20-workload-kubernetes-101.yaml" \
  -f "$root/samples/30-policy-public-catalog.yaml" -f "$root/samples/40-lease-stg-pr-1234.yaml" >/dev/null

prometheus_port=$(free_port)
cat > "$work/prometheus.yml" <<CONFIG
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: labfleet-operator
    static_configs: [{targets: ["127.0.0.1:$metrics_port"]}]
CONFIG
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!

# query PROMQL: prints the number of series the instant query returns.
query() {
  curl -fsS --get "http://127.0.0.1:$prometheus_port/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json, sys; d = json.load(sys.stdin); print(len(d["data"]["result"]) if d["status"] == "success" else -1)'
}
has_series() { [[ $(query "$1") -gt 0 ]]; }

eventually "Prometheus scrapes the operator (up == 1)" 60 has_series 'up{job="labfleet-operator"} == 1'
eventually "labfleet_leases has an Active lease" 60 has_series 'labfleet_leases{phase="Active"} == 1'
eventually "controller_runtime_reconcile_total counts workload reconciles" 30 \
  has_series 'controller_runtime_reconcile_total{controller="workload",result="success"} > 0'
# The lease controller's workers are its own (--lease-workers, 32); the others follow --workers (4).
eventually "controller_runtime_max_concurrent_reconciles: 32 lease workers, 4 for workloads" 30 has_series \
  'controller_runtime_max_concurrent_reconciles{controller="environmentlease"} == 32 and on() controller_runtime_max_concurrent_reconciles{controller="workload"} == 4'
eventually "workqueue_adds_total per controller" 30 has_series 'workqueue_adds_total{name="environmentlease"} > 0'
eventually "rest_client_requests_total by code and method" 30 has_series 'rest_client_requests_total{method="PATCH"} > 0'
eventually "leader_election_master_status is 1" 30 has_series 'leader_election_master_status{name="labfleet-operator"} == 1'
eventually "labfleet_workload_image_info names the lease's image" 30 \
  has_series 'labfleet_workload_image_info{workload="kubernetes-101",source=~"lease/.*"}'
eventually "labfleet_assignments" 30 has_series 'labfleet_assignments == 1'

helm template labfleet "$root/charts/labfleet" --set prometheusRule.enabled=true |
  python3 -c '
import sys, yaml
rules = [d for d in yaml.safe_load_all(sys.stdin) if d and d.get("kind") == "PrometheusRule"]
print(yaml.safe_dump({"groups": rules[0]["spec"]["groups"]}))' > "$work/rules.yml"
check "the chart's alert rules pass promtool check rules" promtool check rules "$work/rules.yml"

kubectl delete environmentleases,workloads,schedulingpolicies,deploymenttargets --all --wait=false >/dev/null 2>&1
