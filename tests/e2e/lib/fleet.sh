# A synthetic fleet for the reliability tests (chaos, HA, API server
# recovery): W workloads x T targets and one policy pairing them all. Every
# object is named PREFIX-* and labelled labfleet.dev/e2e=PREFIX, and each
# target gets its own namespace PREFIX-tN, so a test deletes exactly what it
# made and never meets another test's objects. Source after harness.sh.
# shellcheck shell=bash

# The registry every fleet target names: children's images start with it.
fleet_registry=registry.example.com:5000/e2e

# prepare_fleet PREFIX: the CRDs installed and Established, and no PREFIX
# fleet left from an earlier run (its namespaces gone too, so a new one with
# the same names is not refused while they terminate).
prepare_fleet() {
  local prefix=$1
  kubectl apply -f "$root/crds/" >/dev/null &&
    kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null || return 1
  delete_fleet "$prefix"
  eventually "no $prefix fleet left from an earlier run" 120 \
    bash -c "! kubectl get workloads,deploymenttargets,namespaces -o name | grep -q '/$prefix-'"
}

# write_fleet DIR PREFIX WORKLOADS TARGETS: writes the targets, workloads and
# policy into DIR, one file per object (DIR/KIND-NAME.yaml), so a test can
# add or remove one object and `plan -f DIR` still renders the expectation. Workloads vary how their tags resolve (channel, pinned,
# environment and target overrides) so the comparison with the plan covers
# tag resolution too.
write_fleet() {
  local dir=$1 prefix=$2 workloads=$3 targets=$4
  mkdir -p "$dir"
  FLEET_REGISTRY=$fleet_registry python3 - "$dir" "$prefix" "$workloads" "$targets" <<'PY'
import os, sys, yaml
out, prefix, workloads, targets = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
label = {"labfleet.dev/e2e": prefix}
environments = ["dev", "qa", "stg", "prod"]
docs = []
for t in range(targets):
    docs.append({"apiVersion": "labfleet.dev/v1alpha1", "kind": "DeploymentTarget",
                 "metadata": {"name": f"{prefix}-t{t}", "labels": dict(label)},
                 "spec": {"environment": environments[t % 4], "namespace": f"{prefix}-t{t}",
                          "registry": os.environ["FLEET_REGISTRY"], "channel": environments[t % 4],
                          "leases": {"defaultDuration": "1h", "maxDuration": "2h", "notifyBefore": "1s"}}})
for w in range(workloads):
    name = f"{prefix}-w{w:02d}"
    spec = {"images": {"workshop": {"repository": f"workshops/{name}"},
                       "files": {"repository": f"workshops/{name}-files", "port": 8080}},
            "workshop": {"title": name, "image": "${WORKSHOP_IMAGE}", "files": "${FILES_IMAGE}",
                         "env": "${ENVIRONMENT}", "registry": "${REGISTRY_HOST}", "tag": "${IMAGE_TAG}"},
            "replicas": 1}
    if w % 5 == 1:
        spec["images"]["files"]["tag"] = "1.0.0"
    overrides = []
    if w % 3 == 2:
        overrides.append({"environment": "qa", "workshop": {"tag": "qa-rc"}, "files": {"tag": "qa-rc"}})
    if w % 4 == 3:
        overrides.append({"target": f"{prefix}-t0", "files": {"tag": "t0-pin"}})
    if overrides:
        spec["overrides"] = overrides
    docs.append({"apiVersion": "labfleet.dev/v1alpha1", "kind": "Workload",
                 "metadata": {"name": name, "labels": dict(label)}, "spec": spec})
docs.append({"apiVersion": "labfleet.dev/v1alpha1", "kind": "SchedulingPolicy",
             "metadata": {"name": f"{prefix}-all", "labels": dict(label)},
             "spec": {"workloadSelector": {"matchLabels": dict(label)},
                      "targetSelector": {"matchLabels": dict(label)}}})
for doc in docs:
    with open(os.path.join(out, "%s-%s.yaml" % (doc["kind"].lower(), doc["metadata"]["name"])), "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
PY
}

# expected_children DIR PREFIX: the plan's children of DIR's CRs as comparable lines.
expected_children() {
  "$operator" plan -f "$1" 2>/dev/null | python3 "$root/tests/e2e/lib/children.py" expected "$2"
}

# actual_children PREFIX: the cluster's children of PREFIX-* workloads, in the same form.
actual_children() {
  local prefix=$1 workloads
  workloads=$(mktemp)
  kubectl get workloads -l "labfleet.dev/e2e=$prefix" -o json >"$workloads" &&
    kubectl get configmaps,deployments,services -A -l app.kubernetes.io/managed-by=labfleet -o json |
    python3 "$root/tests/e2e/lib/children.py" actual "$prefix" "$workloads"
  local status=$?
  rm -f "$workloads"
  return $status
}

# children_match DIR PREFIX: the cluster holds exactly the plan's children (prints the diff otherwise).
children_match() {
  diff <(expected_children "$1" "$2") <(actual_children "$2")
}

# resource_versions PREFIX: "kind/ns/name rv" of every child and labfleet object of the fleet.
resource_versions() {
  {
    kubectl get configmaps,deployments,services -A -l app.kubernetes.io/managed-by=labfleet \
      -o jsonpath='{range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name} {.metadata.resourceVersion}{"\n"}{end}' |
      grep "/$1-t[0-9]*/"
    kubectl get workloads,deploymenttargets,schedulingpolicies,environmentleases -l "labfleet.dev/e2e=$1" \
      -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.metadata.resourceVersion}{"\n"}{end}'
  } | sort
}

# delete_fleet PREFIX: deletes the fleet's CRs and namespaces (children go with them; never the CRDs).
delete_fleet() {
  local prefix=$1
  kubectl delete environmentleases,schedulingpolicies,workloads,deploymenttargets -l "labfleet.dev/e2e=$prefix" \
    --wait=false >/dev/null 2>&1
  kubectl get namespaces -o name 2>/dev/null | grep "^namespace/$prefix-t[0-9]*$" |
    xargs -r kubectl delete --wait=false >/dev/null 2>&1
  return 0
}
