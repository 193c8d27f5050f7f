#!/usr/bin/env bash
# Checks the Helm chart: its CRDs equal crds/, it lints (also --strict), it renders with defaults and with
# the monitoring objects on, the default render is accepted by a real kube-apiserver (server dry-run), its
# alert rules pass promtool (when installed), and its RBAC grants exactly what the operator needs: the
# rendered ServiceAccount, roles and bindings are applied for real and probed with kubectl auth can-i.
# Also: Chart.yaml's metadata and kubeVersion, the PodDisruptionBudget's maxUnavailable (an explicit 0
# stays 0), HTTPS metrics (review rules, metrics-reader role, Service port, ServiceMonitor TLS), the
# optional NetworkPolicy, the alerts' behaviour (promtool test rules) and a self-contained NOTES.txt
# whose example is accepted by the API server.
# Needs $LABFLEET_CLUSTER_DIR/env.sh (from hack/local-cluster.sh up), which sets KUBECONFIG and PATH.
set -euo pipefail

: "${LABFLEET_CLUSTER_DIR:?LABFLEET_CLUSTER_DIR must name a directory made by hack/local-cluster.sh up}"
# shellcheck source=/dev/null
source "${LABFLEET_CLUSTER_DIR}/env.sh"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
chart="${repo_root}/charts/labfleet"
release="chart-test"
ns="labfleet-chart-test"
sa="system:serviceaccount:${ns}:${release}-labfleet"
lease_name="labfleet-operator"
crd_names=(deploymenttargets.labfleet.dev workloads.labfleet.dev schedulingpolicies.labfleet.dev
  environmentleases.labfleet.dev)

# shellcheck source=../lib/checks.sh
source "${repo_root}/tests/lib/checks.sh"
check_message_chars=600
work_dir="$(mktemp -d)"
# Offline renders assume the cluster's Kubernetes version: a helm built without the release's
# ldflags would assume v1.20, which the chart's kubeVersion (>=1.30) refuses.
kube_version="$(kubectl version -o json 2>/dev/null |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])' 2>/dev/null || true)"
helm_kv=(--kube-version "${kube_version:-v1.35.0}")

# expect_contains NAME FILE NEEDLE...: passes when every needle is in the file.
expect_contains() {
  local name="$1" file="$2" needle
  shift 2
  for needle in "$@"; do
    if ! grep -qF -- "${needle}" "${file}"; then
      fail "${name}" "missing '${needle}'"
      return 0
    fi
  done
  pass "${name}"
}

# can_i WANT VERB RESOURCE [ARGS...]: WANT is yes or no; asks the API server as the chart's ServiceAccount.
# Cluster-scoped resources are asked with --all-namespaces. Any warning (e.g. an unknown resource type,
# which makes every answer "no") fails the check.
can_i() {
  local want="$1" got warnings
  shift
  got="$(kubectl auth can-i "$@" --as="${sa}" 2>"${work_dir}/can-i.err" || true)"
  warnings="$(cat "${work_dir}/can-i.err")"
  if [[ -n "${warnings}" ]]; then
    fail "can-i ${want}: $*" "got '${got}' with: ${warnings}"
  elif [[ "${got}" == "${want}" ]]; then
    pass "can-i ${want}: $*"
  else
    fail "can-i ${want}: $*" "got '${got}'"
  fi
}

# can_i_user USER WANT VERB RESOURCE [ARGS...]: as can_i, asking as the user USER.
can_i_user() {
  local user="$1" want="$2" got warnings
  shift 2
  got="$(kubectl auth can-i "$@" --as="${user}" 2>"${work_dir}/can-i.err" || true)"
  warnings="$(cat "${work_dir}/can-i.err")"
  if [[ -n "${warnings}" ]]; then
    fail "can-i ${want} as ${user}: $*" "got '${got}' with: ${warnings}"
  elif [[ "${got}" == "${want}" ]]; then
    pass "can-i ${want} as ${user}: $*"
  else
    fail "can-i ${want} as ${user}: $*" "got '${got}'"
  fi
}

# rendered_kinds FILE KIND...: the documents of these kinds from a multi-document render.
rendered_kinds() {
  local file="$1"
  shift
  python3 - "${file}" "$@" <<'PY'
import sys, yaml
kinds = set(sys.argv[2:])
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") in kinds]
print(yaml.safe_dump_all(docs, sort_keys=False), end="")
PY
}

# render NAME FILE [HELM_ARGS...]: helm template into FILE; records a failure (and leaves FILE empty) when it fails.
render() {
  local name="$1" file="$2" out
  shift 2
  if out="$(helm template "${release}" "${chart}" "${helm_kv[@]}" --namespace "${ns}" "$@" 2>&1)"; then
    printf '%s
' "${out}" >"${file}"
    pass "${name}"
  else
    : >"${file}"
    fail "${name}" "${out}"
  fi
}

# expect_py NAME FILE PYTHON: runs PYTHON with `docs` (the rendered documents of FILE) and `kind(k)`
# (the first document of kind k, or {}); passes when it exits 0, its output is the failure message.
expect_py() {
  local name="$1" file="$2" code="$3" out script="${work_dir}/expect.py"
  {
    printf '%s\n' 'import sys, yaml' \
      'docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]' \
      'def kind(k):' '    return next((d for d in docs if d.get("kind") == k), {})'
    printf '%s\n' "${code}"
  } >"${script}"
  if out="$(python3 "${script}" "${file}" 2>&1)"; then
    pass "${name}"
  else
    fail "${name}" "${out}"
  fi
}

# delete_test_objects: removes what this test creates, whether or not it exists, and waits until the
# namespace is gone. Without kube-controller-manager (a --minimal cluster) nothing finalizes a deleted
# namespace; its contents are deleted here first, so it is then finalized directly.
delete_test_objects() {
  if [[ -s "${work_dir}/rbac.yaml" ]]; then
    kubectl delete -f "${work_dir}/rbac.yaml" --ignore-not-found >/dev/null 2>&1 || true
  fi
  kubectl delete clusterrole,clusterrolebinding -l "app.kubernetes.io/instance=${release}" --ignore-not-found \
    >/dev/null 2>&1 || true
  kubectl delete -n "${ns}" networkpolicy -l "app.kubernetes.io/instance=${release}" --ignore-not-found \
    >/dev/null 2>&1 || true
  kubectl get namespace "${ns}" >/dev/null 2>&1 || return 0
  kubectl delete serviceaccount,role,rolebinding --all --namespace "${ns}" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete namespace "${ns}" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if ! kubectl wait --for=delete "namespace/${ns}" --timeout=20s >/dev/null 2>&1; then
    kubectl get namespace "${ns}" -o json 2>/dev/null |
      python3 -c 'import json, sys; d = json.load(sys.stdin); d["spec"]["finalizers"] = []; print(json.dumps(d))' |
      kubectl replace --raw "/api/v1/namespaces/${ns}/finalize" -f - >/dev/null 2>&1 || true
    kubectl wait --for=delete "namespace/${ns}" --timeout=20s >/dev/null 2>&1 || true
  fi
}

# crds_present: whether every labfleet.dev CRD is installed.
crds_present() {
  kubectl get crd "${crd_names[@]}" >/dev/null 2>&1
}

cleanup() {
  delete_test_objects
  # CRDs this test installed stay: they equal crds/, which every later test
  # applies, and deleting them could leave one terminating (refusing creates)
  # when the next test starts.
  rm -rf "${work_dir}"
}
trap cleanup EXIT
delete_test_objects

# --- the chart's CRDs are the repository's ---------------------------------------------------------------
check "check-chart: chart CRDs equal crds/" bash "${repo_root}/hack/check-chart.sh"

# --- every values.yaml key is commented (on the line above, or inline) ------------------------------------
if out="$(python3 - "${chart}/values.yaml" 2>&1 <<'PY'
import re, sys
previous, bare = "", []
for number, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if re.match(r"^\s*(- )?[A-Za-z_][\w.-]*:", line) and "#" not in line and not previous.lstrip().startswith("#"):
        bare.append(f"line {number}: {line.strip()}")
    if line.strip():
        previous = line
sys.exit("; ".join(bare) if bare else 0)
PY
)"; then
  pass "values.yaml: every key commented"
else
  fail "values.yaml: every key commented" "${out}"
fi

# --- lint and render -------------------------------------------------------------------------------------
check "helm lint" helm lint "${helm_kv[@]}" "${chart}"
check "helm lint --strict" helm lint --strict "${helm_kv[@]}" "${chart}"
check "helm lint --strict with monitoring and dashboard" helm lint --strict "${helm_kv[@]}" "${chart}" \
  --set serviceMonitor.enabled=true --set prometheusRule.enabled=true --set dashboard.enabled=true

default_render="${work_dir}/default.yaml"
monitoring_render="${work_dir}/monitoring.yaml"
if out="$(helm template "${release}" "${chart}" "${helm_kv[@]}" --namespace "${ns}" 2>&1)"; then
  printf '%s\n' "${out}" >"${default_render}"
  pass "helm template defaults"
else
  fail "helm template defaults" "${out}"
fi
if out="$(helm template "${release}" "${chart}" "${helm_kv[@]}" --namespace "${ns}" --set serviceMonitor.enabled=true \
  --set prometheusRule.enabled=true --set dashboard.enabled=true 2>&1)"; then
  printf '%s\n' "${out}" >"${monitoring_render}"
  pass "helm template with serviceMonitor, prometheusRule and dashboard"
else
  fail "helm template with serviceMonitor, prometheusRule and dashboard" "${out}"
fi
touch "${default_render}" "${monitoring_render}"

expect_contains "default render: secure pod" "${default_render}" "runAsNonRoot: true" "runAsUser: 65532" \
  "type: RuntimeDefault" "- ALL" "readOnlyRootFilesystem: true" "allowPrivilegeEscalation: false" \
  "automountServiceAccountToken: true"
expect_contains "default render: HA and probes" "${default_render}" "replicas: 2" "--leader-elect=true" \
  "--leader-election-namespace=${ns}" "path: /healthz" "path: /readyz" "kind: PodDisruptionBudget"
if grep -qE '^kind: (ServiceMonitor|PrometheusRule)$' "${default_render}"; then
  fail "default render: no monitoring objects" "ServiceMonitor or PrometheusRule rendered by default"
else
  pass "default render: no monitoring objects"
fi
expect_contains "monitoring render: objects and alerts" "${monitoring_render}" "kind: ServiceMonitor" \
  "kind: PrometheusRule" "alert: LabfleetOperatorDown" "alert: LabfleetReconcileErrors" \
  "alert: LabfleetLeaseExpiryLagHigh" "alert: LabfleetNoLeader" "labfleet.json:"
if out="$(python3 - "${default_render}" 2>&1 <<'PY'
import sys, yaml
bad = [f"{d['kind']}/{d['metadata']['name']}: {rule}"
       for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") in ("ClusterRole", "Role")
       for rule in d.get("rules", [])
       if any("*" in v for key in ("apiGroups", "resources", "verbs", "resourceNames") for v in rule.get(key, []))]
sys.exit("; ".join(bad) if bad else 0)
PY
)"; then
  pass "rbac: no wildcards"
else
  fail "rbac: no wildcards" "${out}"
fi

# --- who may approve a promotion: the admission policy and the promoter role ----------------------------
expect_py "default render: changing approvals needs verb approve on the workload" "${default_render}" '
def named(k, suffix):
    return [d for d in docs if d["kind"] == k and d["metadata"]["name"].endswith(suffix)]
policy = named("ValidatingAdmissionPolicy", "-promotion-approvers")
binding = named("ValidatingAdmissionPolicyBinding", "-promotion-approvers")
problems = []
if len(policy) != 1 or len(binding) != 1:
    sys.exit(f"policy {len(policy)}, binding {len(binding)}")
spec = policy[0]["spec"]
rules = spec["matchConstraints"]["resourceRules"]
if rules != [{"apiGroups": ["labfleet.dev"], "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"], "resources": ["workloads"]}]:
    problems.append(f"resourceRules {rules}")
if spec.get("failurePolicy") != "Fail": problems.append("failurePolicy")
text = yaml.safe_dump(spec)
for needle in ("resource(\x27workloads\x27).name(object.metadata.name).check(\x27approve\x27)", "oldObject.spec.promotion.approvals",
               "object.spec.promotion.approvals"):
    if needle not in text.replace("\n", " "): problems.append("no " + needle)
if binding[0]["spec"] != {"policyName": policy[0]["metadata"]["name"], "validationActions": ["Deny"]}:
    problems.append("binding " + repr(binding[0]["spec"]))
def verbs(role, resource):
    return {v for r in role.get("rules", []) if resource in r.get("resources", []) for v in r.get("verbs", [])}
promoter = named("ClusterRole", "-labfleet-promoter")
if len(promoter) != 1:
    problems.append("no promoter role")
else:
    if verbs(promoter[0], "workloads") != {"get", "list", "watch", "patch", "update", "approve"}:
        problems.append("promoter verbs " + repr(verbs(promoter[0], "workloads")))
    if any(k.startswith("rbac.authorization.k8s.io/aggregate") for k in promoter[0]["metadata"].get("labels", {})):
        problems.append("the promoter role is aggregated")
for suffix, want in (("-labfleet-admin", True), ("-labfleet-borrower", False), ("-labfleet-viewer", False)):
    role = named("ClusterRole", suffix)
    if not role or ("approve" in verbs(role[0], "workloads")) != want:
        problems.append(f"{suffix}: approve {not want}")
sys.exit("; ".join(problems) if problems else 0)'
no_promotion_policy_render="${work_dir}/no-promotion-policy.yaml"
render "helm template with promotionAdmission.enabled=false" "${no_promotion_policy_render}" \
  --set promotionAdmission.enabled=false
expect_py "promotionAdmission.enabled=false: no promotion policy, the lease policy stays" \
  "${no_promotion_policy_render}" '
names = [d["metadata"]["name"] for d in docs if d["kind"].startswith("ValidatingAdmissionPolicy")]
sys.exit(0 if not any("promotion" in n for n in names) and any("lease-holders" in n for n in names) else f"got {names}")'

# The values schema refuses a bad value with a message naming the key.
if out="$(helm template "${release}" "${chart}" "${helm_kv[@]}" --set logFormat=xml 2>&1)"; then
  fail "values schema refuses logFormat=xml" "rendered"
elif [[ "${out}" == *logFormat* ]]; then
  pass "values schema refuses logFormat=xml"
else
  fail "values schema refuses logFormat=xml" "${out}"
fi

# --- Chart.yaml metadata -----------------------------------------------------------------------------------
if out="$(helm show chart "${chart}" 2>&1)"; then
  printf '%s\n' "${out}" >"${work_dir}/chart.yaml"
else
  : >"${work_dir}/chart.yaml"
fi
expect_py "Chart.yaml: kubeVersion, home and sources" "${work_dir}/chart.yaml" '
chart = docs[0] if docs else {}
problems = [k for k in ("kubeVersion", "home", "sources") if not chart.get(k)]
if chart.get("kubeVersion") != ">=1.30.0-0":
    problems.append("kubeVersion " + repr(chart.get("kubeVersion")))
sys.exit("; ".join(problems) if problems else 0)'
if out="$(helm template "${release}" "${chart}" --kube-version 1.29.9 2>&1)"; then
  fail "kubeVersion refuses Kubernetes 1.29" "rendered"
elif [[ "${out}" == *kubeVersion* || "${out}" == *"incompatible"* ]]; then
  pass "kubeVersion refuses Kubernetes 1.29"
else
  fail "kubeVersion refuses Kubernetes 1.29" "${out}"
fi
check "kubeVersion admits a provider build of 1.30" \
  helm template "${release}" "${chart}" --kube-version v1.30.2-eks-1234

# --- PodDisruptionBudget: an explicit 0 stays 0, null or absent means 1, minAvailable wins -----------------
pdb_case() {
  local name="$1" want="$2" file="${work_dir}/pdb-$RANDOM.yaml"
  shift 2
  render "render PDB (${name})" "${file}" --show-only templates/poddisruptionbudget.yaml "$@"
  expect_py "PDB ${name}: spec has ${want}" "${file}" "
spec = kind('PodDisruptionBudget').get('spec', {})
got = {k: spec[k] for k in ('maxUnavailable', 'minAvailable') if k in spec}
sys.exit(0 if got == ${want} else f'got {got}')"
}
pdb_case "defaults" "{'maxUnavailable': 1}"
pdb_case "maxUnavailable=0" "{'maxUnavailable': 0}" --set podDisruptionBudget.maxUnavailable=0
pdb_case "maxUnavailable=null" "{'maxUnavailable': 1}" --set podDisruptionBudget.maxUnavailable=null
pdb_case "maxUnavailable=50%" "{'maxUnavailable': '50%'}" --set-string podDisruptionBudget.maxUnavailable=50%
pdb_case "minAvailable=1" "{'minAvailable': 1}" --set podDisruptionBudget.minAvailable=1

# --- metrics: HTTPS by default, reviews allowed, metrics-reader role, TLS-aware ServiceMonitor ------------
expect_py "default render: HTTPS metrics" "${default_render}" '
args = kind("Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]
ports = kind("Service")["spec"]["ports"]
rules = kind("ClusterRole")["rules"]
reader = [d for d in docs if d["kind"] == "ClusterRole" and d["metadata"]["name"].endswith("-metrics-reader")]
problems = []
if "--metrics-secure=true" not in args: problems.append(f"args {args}")
if any(a.startswith("--metrics-cert-dir") for a in args): problems.append("cert dir without certSecret")
if [p["name"] for p in ports] != ["https"]: problems.append(f"service ports {ports}")
want = [{"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
        {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]}]
if any(w not in rules for w in want): problems.append("review rules missing from the ClusterRole")
if len(reader) != 1 or reader[0]["rules"] != [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]:
    problems.append(f"metrics-reader {reader}")
if any(d["kind"] == "ClusterRoleBinding" and d["metadata"]["name"].endswith("-metrics-reader") for d in docs):
    problems.append("a metrics-reader binding without metrics.readers")
if any(d["kind"] == "NetworkPolicy" for d in docs): problems.append("a NetworkPolicy by default")
sys.exit("; ".join(problems) if problems else 0)'
expect_py "monitoring render: the ServiceMonitor scrapes HTTPS with its token" "${monitoring_render}" '
endpoint = kind("ServiceMonitor")["spec"]["endpoints"][0]
want = {"port": "https", "scheme": "https", "bearerTokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token",
        "tlsConfig": {"insecureSkipVerify": True}}
got = {k: endpoint.get(k) for k in want}
sys.exit(0 if got == want else f"got {got}")'

cert_render="${work_dir}/cert.yaml"
render "helm template with metrics.certSecret and readers" "${cert_render}" --set serviceMonitor.enabled=true \
  --set metrics.certSecret=labfleet-metrics-tls --set "metrics.readers[0].kind=ServiceAccount" \
  --set "metrics.readers[0].name=prometheus-k8s" --set "metrics.readers[0].namespace=monitoring"
expect_py "certSecret: mounted for --metrics-cert-dir, verified by the ServiceMonitor" "${cert_render}" '
pod = kind("Deployment")["spec"]["template"]["spec"]
container = pod["containers"][0]
endpoint = kind("ServiceMonitor")["spec"]["endpoints"][0]
binding = [d for d in docs if d["kind"] == "ClusterRoleBinding" and d["metadata"]["name"].endswith("-metrics-reader")]
problems = []
if "--metrics-cert-dir=/var/run/secrets/labfleet/metrics-certs" not in container["args"]: problems.append("no --metrics-cert-dir")
if {"name": "metrics-certs", "mountPath": "/var/run/secrets/labfleet/metrics-certs", "readOnly": True} not in container["volumeMounts"]:
    problems.append("mounts " + repr(container["volumeMounts"]))
if not any(v.get("secret", {}).get("secretName") == "labfleet-metrics-tls" for v in pod["volumes"]): problems.append("no secret volume")
tls = endpoint.get("tlsConfig", {})
if tls.get("ca") != {"secret": {"name": "labfleet-metrics-tls", "key": "ca.crt"}} or tls.get("insecureSkipVerify"):
    problems.append(f"tlsConfig {tls}")
if not tls.get("serverName", "").endswith(".svc"): problems.append("no serverName")
if len(binding) != 1 or binding[0]["subjects"] != [{"kind": "ServiceAccount", "name": "prometheus-k8s", "namespace": "monitoring"}]:
    problems.append(f"binding {binding}")
sys.exit("; ".join(problems) if problems else 0)'

plain_render="${work_dir}/plain.yaml"
render "helm template with metrics.secure=false" "${plain_render}" --set metrics.secure=false \
  --set serviceMonitor.enabled=true --set metrics.certSecret=ignored
expect_py "metrics.secure=false: plain HTTP, no review rules" "${plain_render}" '
args = kind("Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]
endpoint = kind("ServiceMonitor")["spec"]["endpoints"][0]
rules = kind("ClusterRole")["rules"]
problems = []
if "--metrics-secure=false" not in args or any(a.startswith("--metrics-cert-dir") for a in args): problems.append(f"args {args}")
if [p["name"] for p in kind("Service")["spec"]["ports"]] != ["metrics"]: problems.append("service port name")
if endpoint.get("port") != "metrics" or "scheme" in endpoint or "tlsConfig" in endpoint: problems.append(f"endpoint {endpoint}")
if any("tokenreviews" in r.get("resources", []) for r in rules): problems.append("review rules without HTTPS")
sys.exit("; ".join(problems) if problems else 0)'

# --- NetworkPolicy (optional) ----------------------------------------------------------------------------
netpol_render="${work_dir}/netpol.yaml"
render "helm template with networkPolicy.enabled" "${netpol_render}" --set networkPolicy.enabled=true
expect_py "NetworkPolicy: Prometheus to the metrics port, egress to the API server only" "${netpol_render}" '
spec = kind("NetworkPolicy").get("spec", {})
problems = []
if spec.get("policyTypes") != ["Ingress", "Egress"]: problems.append("policyTypes " + repr(spec.get("policyTypes")))
ingress = spec.get("ingress", [])
want_from = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
              "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}]
if len(ingress) != 1 or ingress[0].get("from") != want_from or ingress[0].get("ports") != [{"port": 8080, "protocol": "TCP"}]:
    problems.append(f"ingress {ingress}")
egress = spec.get("egress", [])
if len(egress) != 1 or egress[0].get("ports") != [{"port": 443, "protocol": "TCP"}, {"port": 6443, "protocol": "TCP"}] or "to" in egress[0]:
    problems.append(f"egress {egress}")
labels = kind("Deployment")["spec"]["template"]["metadata"]["labels"]
if any(labels.get(k) != v for k, v in spec.get("podSelector", {}).get("matchLabels", {"x": "y"}).items()):
    problems.append("podSelector does not select the operator pods")
sys.exit("; ".join(problems) if problems else 0)'
netpol_full_render="${work_dir}/netpol-full.yaml"
render "helm template with networkPolicy CIDRs and DNS" "${netpol_full_render}" --set networkPolicy.enabled=true \
  --set "networkPolicy.apiServer.cidrs={10.0.0.10/32}" --set networkPolicy.dns.enabled=true
expect_py "NetworkPolicy: API server CIDRs and cluster DNS" "${netpol_full_render}" '
egress = kind("NetworkPolicy")["spec"]["egress"]
problems = []
if egress[0].get("to") != [{"ipBlock": {"cidr": "10.0.0.10/32"}}]: problems.append(f"api server {egress[0]}")
dns = egress[1] if len(egress) > 1 else {}
if dns.get("ports") != [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]: problems.append(f"dns {dns}")
if dns.get("to", [{}])[0].get("namespaceSelector") != {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}:
    problems.append(f"dns peer {dns}")
sys.exit("; ".join(problems) if problems else 0)'
check "helm lint --strict with networkPolicy and certSecret" helm lint --strict "${helm_kv[@]}" "${chart}" \
  --set networkPolicy.enabled=true --set metrics.certSecret=labfleet-metrics-tls --set serviceMonitor.enabled=true

# --- the default render is accepted by the API server ----------------------------------------------------
check "create namespace ${ns}" kubectl create namespace "${ns}"
check "kubectl apply --dry-run=server (default render)" \
  kubectl apply --dry-run=server --namespace "${ns}" -f "${default_render}"
check "kubectl apply --dry-run=server (NetworkPolicy with CIDRs and DNS)" \
  kubectl apply --dry-run=server --namespace "${ns}" -f <(rendered_kinds "${netpol_full_render}" NetworkPolicy)

# --- alert rules are valid Prometheus rules --------------------------------------------------------------
if command -v promtool >/dev/null 2>&1; then
  rules_file="${work_dir}/rules.yaml"
  if out="$(python3 - "${monitoring_render}" "${rules_file}" 2>&1 <<'PY'
import sys, yaml
rules = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "PrometheusRule"]
if len(rules) != 1:
    sys.exit(f"want one PrometheusRule, found {len(rules)}")
yaml.safe_dump({"groups": rules[0]["spec"]["groups"]}, open(sys.argv[2], "w"), sort_keys=False)
PY
  )"; then
    check "promtool check rules" promtool check rules "${rules_file}"
    alerts_test_file="${work_dir}/alerts_test.yaml"
    # The alerts' behaviour on synthetic series (annotations dropped: promtool compares them whole).
    python3 - "${rules_file}" "${work_dir}/rules-bare.yaml" "${alerts_test_file}" \
      "${release}-labfleet-metrics" "${ns}" <<'PY'
import sys, yaml
rules_in, rules_out, test_out, job, ns = sys.argv[1:]
groups = yaml.safe_load(open(rules_in))["groups"]
for group in groups:
    for rule in group["rules"]:
        rule.pop("annotations", None)
yaml.safe_dump({"groups": groups}, open(rules_out, "w"), sort_keys=False)
sel = f'job="{job}",namespace="{ns}"'
def leader(instance, values):
    return {"series": f'leader_election_master_status{{name="labfleet-operator",{sel},instance="{instance}"}}', "values": values}
def up(instance, values):
    return {"series": f'up{{{sel},instance="{instance}"}}', "values": values}
tests = [
    # Two replicas up, both standing by (the leader's Lease lost): LabfleetNoLeader after its minute.
    {"interval": "1m", "input_series": [up("a", "1x10"), up("b", "1x10"), leader("a", "0x10"), leader("b", "0x10")],
     "alert_rule_test": [
         {"eval_time": "30s", "alertname": "LabfleetNoLeader", "exp_alerts": []},
         {"eval_time": "2m", "alertname": "LabfleetNoLeader", "exp_alerts": [{"exp_labels": {"severity": "critical"}}]},
         {"eval_time": "10m", "alertname": "LabfleetOperatorDown", "exp_alerts": []}]},
    # One leader, one standby: quiet.
    {"interval": "1m", "input_series": [up("a", "1x10"), up("b", "1x10"), leader("a", "1x10"), leader("b", "0x10")],
     "alert_rule_test": [
         {"eval_time": "10m", "alertname": "LabfleetNoLeader", "exp_alerts": []},
         {"eval_time": "10m", "alertname": "LabfleetOperatorDown", "exp_alerts": []}]},
    # Every scrape fails (down, or refused with 403): LabfleetOperatorDown after 5 minutes.
    {"interval": "1m", "input_series": [up("a", "0x10"), up("b", "0x10")],
     "alert_rule_test": [
         {"eval_time": "4m", "alertname": "LabfleetOperatorDown", "exp_alerts": []},
         {"eval_time": "6m", "alertname": "LabfleetOperatorDown", "exp_alerts": [{"exp_labels": {"severity": "critical"}}]}]},
    # No target at all: LabfleetOperatorDown too.
    {"interval": "1m", "input_series": [{"series": 'up{job="someone-else"}', "values": "1x10"}],
     "alert_rule_test": [
         {"eval_time": "6m", "alertname": "LabfleetOperatorDown", "exp_alerts": [{"exp_labels": {"severity": "critical"}}]}]},
]
yaml.safe_dump({"rule_files": [rules_out], "evaluation_interval": "30s", "tests": tests}, open(test_out, "w"), sort_keys=False)
PY
    check "promtool test rules (alert behaviour)" promtool test rules "${alerts_test_file}"
  else
    fail "promtool check rules" "${out}"
  fi
else
  echo "skip promtool check rules: promtool not installed"
fi

# --- RBAC: apply the rendered identity and roles for real, then ask the authorizer -----------------------
# can-i resolves resource names through discovery, so the chart's CRDs must be installed.
if crds_present; then
  pass "chart CRDs present"
elif out="$(kubectl apply -f "${chart}/crds" 2>&1)" &&
  out="$(kubectl wait --for condition=established --timeout=60s "${crd_names[@]/#/crd/}" 2>&1)"; then
  # Discovery is cached per kubeconfig; a fresh lookup makes can-i see the new kinds.
  kubectl api-resources --api-group=labfleet.dev >/dev/null 2>&1 || true
  pass "install chart CRDs"
else
  fail "install chart CRDs" "${out}"
fi
# --- NOTES.txt: self-contained (no samples/ path), the full upgrade command, an example that works ---------
notes="${work_dir}/notes.txt"
# Server dry run: the cluster's version meets kubeVersion; nothing is created.
if out="$(helm install "${release}" "${chart}" --namespace "${ns}" --dry-run=server 2>&1)"; then
  printf '%s\n' "${out}" | sed -n '/^NOTES:/,$p' >"${notes}"
  pass "helm install --dry-run shows NOTES"
else
  : >"${notes}"
  fail "helm install --dry-run shows NOTES" "${out}"
fi
if grep -q "samples/" "${notes}"; then
  fail "NOTES: no path the packaged chart lacks" "$(grep -n "samples/" "${notes}")"
else
  pass "NOTES: no path the packaged chart lacks"
fi
expect_contains "NOTES: the full upgrade command" "${notes}" \
  "kubectl apply --server-side --force-conflicts -f CHART/crds/" \
  "helm upgrade ${release} CHART --namespace ${ns} --reuse-values --set image.tag=NEW_TAG" \
  "https://${release}-labfleet-metrics.${ns}.svc:8080/metrics" "${release}-labfleet-metrics-reader"
python3 - "${notes}" >"${work_dir}/notes-example.yaml" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
start = next(i for i, l in enumerate(lines) if l.startswith("  apiVersion: labfleet.dev/"))
end = next(i for i in range(start, len(lines)) if not lines[i].startswith("  "))
print("\n".join(l[2:] for l in lines[start:end]))
PY
check "NOTES: its example is accepted by the API server (dry run)" \
  kubectl apply --dry-run=server -f "${work_dir}/notes-example.yaml"

rendered_kinds "${default_render}" ServiceAccount ClusterRole ClusterRoleBinding Role RoleBinding \
  >"${work_dir}/rbac.yaml"
check "apply rendered RBAC" kubectl apply --namespace "${ns}" -f "${work_dir}/rbac.yaml"

can_i yes list workloads.labfleet.dev --all-namespaces
can_i yes watch environmentleases.labfleet.dev --all-namespaces
can_i yes patch workloads.labfleet.dev --subresource=status --all-namespaces
# The finalizer of a workload or target in another cluster: a merge patch of metadata.finalizers
# (RBAC cannot narrow patch to a field; the operator never sends a spec).
can_i yes patch workloads.labfleet.dev --all-namespaces
can_i yes patch deploymenttargets.labfleet.dev --all-namespaces
can_i yes update environmentleases.labfleet.dev --subresource=status --all-namespaces
can_i yes delete environmentleases.labfleet.dev --all-namespaces
can_i yes create deployments.apps --all-namespaces
can_i yes create deployments.apps --namespace workshops-stg
can_i yes patch configmaps --namespace workshops-stg
can_i yes delete services --namespace workshops-stg
can_i yes create namespaces --all-namespaces
can_i yes create events.events.k8s.io --namespace default
can_i yes patch events.events.k8s.io --namespace workshops-stg
can_i yes create leases.coordination.k8s.io --namespace "${ns}"
can_i yes update "leases.coordination.k8s.io/${lease_name}" --namespace "${ns}"
can_i yes get "leases.coordination.k8s.io/${lease_name}" --namespace "${ns}"
can_i no get secrets --namespace "${ns}"
can_i no list secrets --all-namespaces
can_i no delete namespaces --all-namespaces
can_i no update workloads.labfleet.dev --all-namespaces
can_i no create workloads.labfleet.dev --all-namespaces
can_i no update deploymenttargets.labfleet.dev --all-namespaces
can_i no delete workloads.labfleet.dev --all-namespaces
can_i no create clusterroles.rbac.authorization.k8s.io --all-namespaces
can_i no create rolebindings.rbac.authorization.k8s.io --namespace "${ns}"
can_i no update leases.coordination.k8s.io/someone-elses-lease --namespace "${ns}"
can_i no create leases.coordination.k8s.io --namespace default
can_i no create pods --namespace workshops-stg
can_i no list events.events.k8s.io --namespace default
can_i yes create tokenreviews.authentication.k8s.io --all-namespaces
can_i yes create subjectaccessreviews.authorization.k8s.io --all-namespaces
can_i no list namespaces --all-namespaces
can_i no watch namespaces --all-namespaces
can_i no update deployments.apps --namespace workshops-stg
can_i no update configmaps --namespace workshops-stg
can_i no update workloads.labfleet.dev --subresource=status --all-namespaces
can_i no patch environmentleases.labfleet.dev --subresource=status --all-namespaces
can_i no get workloads.labfleet.dev --all-namespaces
# The operator never writes spec: it has no verb approve (its writes are exempt from the policy anyway).
can_i no approve workloads.labfleet.dev/web --all-namespaces

# --- the user roles: the promoter approves, a borrower does not ----------------------------------------------
promoter="${release}-approver"
borrower="${release}-borrower"
check "bind the promoter role to a user" kubectl create clusterrolebinding "${release}-promoter-test" \
  --clusterrole="${release}-labfleet-promoter" --user="${promoter}"
check "bind the borrower role to a user" kubectl create clusterrolebinding "${release}-borrower-test" \
  --clusterrole="${release}-labfleet-borrower" --user="${borrower}"
check "label the test bindings for cleanup" kubectl label clusterrolebinding "${release}-promoter-test" \
  "${release}-borrower-test" "app.kubernetes.io/instance=${release}"
can_i_user "${promoter}" yes approve workloads.labfleet.dev/web --all-namespaces
can_i_user "${promoter}" yes patch workloads.labfleet.dev/web --all-namespaces
can_i_user "${promoter}" yes update workloads.labfleet.dev --all-namespaces
can_i_user "${promoter}" no delete workloads.labfleet.dev --all-namespaces
can_i_user "${promoter}" no create workloads.labfleet.dev --all-namespaces
can_i_user "${promoter}" no patch deploymenttargets.labfleet.dev --all-namespaces
can_i_user "${borrower}" no approve workloads.labfleet.dev/web --all-namespaces
can_i_user "${borrower}" no patch workloads.labfleet.dev --all-namespaces

summary
