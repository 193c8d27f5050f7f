#!/usr/bin/env bash
# Prometheus (Debian's) finds the operator pods with kubernetes_sd_configs
# (role pod, the chart's pod labels), scrapes both replicas over HTTPS with a
# service-account token bound to the chart's metrics-reader ClusterRole, and
# evaluates the chart's own alert rules: none fires on a normal run; the
# no-leader alert fires when no replica leads (the leader-election Lease is
# taken by an intruder); the operator-down alert fires when every operator pod
# is gone. The rules are the chart's rendering; only their `for:` is shortened
# to 10 s, so the test does not wait out the 1 and 5 minutes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"
ns=labfleet-monitoring
release=mon
deployment="$release-labfleet"
lease=labfleet-operator
prom_pid=""
trap 'status=$?
[[ -n $prom_pid ]] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
helm uninstall "$release" -n "$ns" >/dev/null 2>&1 || true
kubectl delete ns "$ns" --wait=false >/dev/null 2>&1 || true
((failed == 0)) || tail -n 20 "$work/prometheus.log" 2>/dev/null
finish_incluster "$status"' EXIT

# The pinned Prometheus, next to the pinned kubectl (Debian's has no Kubernetes discovery).
prometheus="$(dirname "$(command -v kubectl)")/prometheus"
[[ -x $prometheus ]] || { fail "the pinned Prometheus is built (hack/control-plane-bins.sh --all)"; exit 1; }
kubectl create namespace "$ns" >/dev/null
kubectl -n "$ns" create serviceaccount prometheus >/dev/null
kubectl -n "$ns" create serviceaccount nobody >/dev/null
# Discovery: list and watch the pods of the operator's namespace.
kubectl -n "$ns" create role pod-discovery --verb=get,list,watch --resource=pods >/dev/null
kubectl -n "$ns" create rolebinding prometheus-discovery --role=pod-discovery --serviceaccount="$ns:prometheus" >/dev/null
check "helm install (metrics over HTTPS, prometheus bound to metrics-reader)" install_operator "$release" "$ns" \
  --set "metrics.readers[0].kind=ServiceAccount" --set "metrics.readers[0].name=prometheus" \
  --set "metrics.readers[0].namespace=$ns" --set prometheusRule.jobLabel=labfleet
eventually "both replicas Ready" 180 equals 2 ready_replicas "$ns" "$deployment"

kubectl -n "$ns" create token prometheus --duration=1h > "$work/token"
pod_ip=$(kubectl -n "$ns" get pods -l app.kubernetes.io/name=labfleet -o jsonpath='{.items[0].status.podIP}')
scrape_status() { in_node curl -sk -o /dev/null -w '%{http_code}' --max-time 3 "$@" "https://$pod_ip:8080/metrics"; }
check "a scrape without a token gets 401" equals 401 scrape_status
check "a scrape by an account without the role gets 403" equals 403 scrape_status \
  -H "Authorization: Bearer $(kubectl -n "$ns" create token nobody --duration=10m)"
check "a scrape by prometheus' account gets 200" equals 200 scrape_status -H "Authorization: Bearer $(cat "$work/token")"

# The chart's alert rules, as Prometheus' rule_files take them.
helm template "$release" "$chart" -n "$ns" --set prometheusRule.enabled=true --set prometheusRule.jobLabel=labfleet \
  --show-only templates/prometheusrule.yaml > "$work/rule.yaml"
python3 - "$work/rule.yaml" "$work/rules.yaml" <<'PY'
import sys, yaml
rule = yaml.safe_load(open(sys.argv[1]))
groups = rule["spec"]["groups"]
for group in groups:
    for r in group["rules"]:
        if r.get("alert") in ("LabfleetNoLeader", "LabfleetOperatorDown"):
            r["for"] = "10s"
yaml.safe_dump({"groups": groups}, open(sys.argv[2], "w"))
PY
check "the rules load (promtool)" promtool check rules "$work/rules.yaml"

api_host=$(cat "$LABFLEET_CLUSTER_DIR/apiserver.host") api_port=$(cat "$LABFLEET_CLUSTER_DIR/apiserver.port")
prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/prometheus.yml" <<YAML
global: {scrape_interval: 2s, evaluation_interval: 2s}
rule_files: [$work/rules.yaml]
scrape_configs:
  - job_name: labfleet
    scheme: https
    tls_config: {insecure_skip_verify: true}
    authorization: {credentials_file: $work/token}
    kubernetes_sd_configs:
      - role: pod
        api_server: https://$api_host:$api_port
        tls_config: {ca_file: $LABFLEET_CLUSTER_DIR/certs/ca.crt}
        authorization: {credentials_file: $work/token}
        namespaces: {names: [$ns]}
    relabel_configs:
      - {source_labels: [__meta_kubernetes_pod_label_app_kubernetes_io_name], regex: labfleet, action: keep}
      - {source_labels: [__meta_kubernetes_pod_container_port_name], regex: metrics, action: keep}
      # The target labels a ServiceMonitor gives, which the chart's rules select on.
      - {source_labels: [__meta_kubernetes_namespace], target_label: namespace}
      - {source_labels: [__meta_kubernetes_pod_name], target_label: pod}
YAML
"$prometheus" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
prom_pid=$!

# query PROMQL: the first sample's value, or nothing.
query() {
  curl -fsS --max-time 3 "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
# firing: the names of the alerts firing now, sorted, one line.
firing() {
  curl -fsS --max-time 3 "http://127.0.0.1:$prom_port/api/v1/alerts" |
    python3 -c 'import json,sys; print(" ".join(sorted({a["labels"]["alertname"] for a in json.load(sys.stdin)["data"]["alerts"] if a["state"] == "firing"})))'
}
# fires NAME: the alert NAME is firing.
fires() { [[ " $(firing) " == *" $1 "* ]]; }
# active: "NAME=STATE" of every alert pending or firing now, sorted, one line;
# fails when Prometheus does not answer (so silence is never taken for "none").
active() {
  local alerts
  alerts=$(curl -fsS --max-time 3 "http://127.0.0.1:$prom_port/api/v1/alerts") || return 1
  python3 -c 'import json,sys; print(" ".join(sorted({a["labels"]["alertname"] + "=" + a["state"] for a in json.load(sys.stdin)["data"]["alerts"]})))' <<<"$alerts"
}
# rules_evaluated_since EPOCH: every alerting rule of the chart is loaded, healthy, and
# its group was last evaluated after EPOCH.
rules_evaluated_since() {
  curl -fsS --max-time 3 "http://127.0.0.1:$prom_port/api/v1/rules?type=alert" | python3 -c '
import datetime, json, sys, yaml
want = sum(1 for g in yaml.safe_load(open(sys.argv[2]))["groups"] for r in g["rules"] if "alert" in r)
groups = json.load(sys.stdin)["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
def at(text):
    return datetime.datetime.fromisoformat(text[:26].rstrip("Z") + "+00:00").timestamp()
ok = want > 0 and len(rules) == want and all(r["health"] == "ok" for r in rules) and \
    all(at(g["lastEvaluation"]) > float(sys.argv[1]) for g in groups)
sys.exit(0 if ok else 1)' "$1" "$work/rules.yaml"
}
eventually "Prometheus discovers and scrapes both replicas (up == 1)" 60 equals 2 query 'count(up{job="labfleet"} == 1)'
eventually "both replicas export leader_election_master_status" 30 \
  equals 2 query 'count(leader_election_master_status{job="labfleet"})'
check "exactly one of them leads" equals 1 query 'sum(leader_election_master_status{job="labfleet"})'
# A normal run watched for 20 s (ten evaluations): no alert may even be
# pending, since six of the rules keep a `for:` of minutes to hours and could
# never reach firing here. The watch starts once every rule has been evaluated
# after both replicas were seen up: an evaluation from before the first
# scrapes leaves LabfleetOperatorDown pending until the next one.
up_seen=$(date +%s)
eventually "every alert rule was evaluated after both replicas were up" 30 rules_evaluated_since "$((up_seen + 1))"
watch_from=$(date +%s) seen="" deadline=$((SECONDS + 20))
while ((SECONDS < deadline)); do
  now_active=$(active) || { seen+=" (Prometheus did not answer)"; break; }
  for alert in $now_active; do [[ " $seen " == *" $alert "* ]] || seen+=" $alert"; done
  sleep 2
done
eventually "every alert rule was evaluated during the normal run" 30 rules_evaluated_since "$((watch_from + 10))"
check "no alert fires or is pending on a normal run" test -z "$seen"
[[ -z $seen ]] || echo "active on a normal run:$seen"

# No replica leads: an intruder holds the Lease for an hour and renews it.
now_rfc3339() { date -u +%Y-%m-%dT%H:%M:%S.000000Z; }
take_lease() {
  kubectl -n "$ns" patch lease "$lease" --type merge -p \
    "{\"spec\":{\"holderIdentity\":\"intruder\",\"leaseDurationSeconds\":3600,\"renewTime\":\"$(now_rfc3339)\",\"acquireTime\":\"$(now_rfc3339)\"}}" >/dev/null
}
take_lease
eventually "no replica leads once the Lease is taken" 60 equals 0 query 'max(leader_election_master_status{job="labfleet"})'
eventually "LabfleetNoLeader fires" 90 fires LabfleetNoLeader
kubectl -n "$ns" delete lease "$lease" >/dev/null
eventually "a replica leads again once the Lease is free" 60 equals 1 query 'max(leader_election_master_status{job="labfleet"})'

kubectl -n "$ns" scale deploy "$deployment" --replicas=0 >/dev/null
eventually "LabfleetOperatorDown fires when every operator pod is gone" 120 fires LabfleetOperatorDown
echo "alerts firing at the end: $(firing)"
