#!/usr/bin/env bash
# Checks that `kubectl explain` explains every field of the four CRDs: every property of every version's
# schema in crds/ (recursively through properties, items, additionalProperties and anyOf/allOf/oneOf)
# has a non-empty description (but the top-level metadata, which the API server describes itself), each missing one reported by its path (e.g. EnvironmentLease/v1alpha1
# status.phase); then, against a real kube-apiserver, that the descriptions reach what kubectl explain
# reads (the published OpenAPI v3) and that explain prints one for a nested field.
#   tests/integration/crd_descriptions_test.sh [CRD_DIR]   CRD_DIR defaults to crds/
# The API server part needs $LABFLEET_CLUSTER_DIR/env.sh (from hack/local-cluster.sh up), which sets
# KUBECONFIG and PATH; without LABFLEET_CLUSTER_DIR only the files are checked.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
crds_dir="${1:-${repo_root}/crds}"

# shellcheck source=../lib/checks.sh
source "${repo_root}/tests/lib/checks.sh"

# undescribed: prints KIND/VERSION PATH for every schema property without a description in the CRD files
# given as arguments; fails when a file is not a CRD with schemas.
undescribed() {
  python3 - "$@" <<'PY'
import sys, yaml

def walk(schema, path, out):
    """Appends to out the path of every property under schema that has no description."""
    for name, prop in (schema.get("properties") or {}).items():
        prop_path = f"{path}.{name}" if path else name
        # The API server allows only name and generateName under the top-level metadata (it is
        # ObjectMeta, which the server describes itself).
        if prop_path == "metadata":
            pass
        elif not str(prop.get("description") or "").strip():
            out.append(prop_path)
        walk(prop, prop_path, out)
    if isinstance(schema.get("items"), dict):
        walk(schema["items"], f"{path}[]", out)
    if isinstance(schema.get("additionalProperties"), dict):
        walk(schema["additionalProperties"], f"{path}{{}}", out)
    for keyword in ("anyOf", "allOf", "oneOf"):
        for alternative in schema.get(keyword) or []:
            walk(alternative, path, out)

for file in sys.argv[1:]:
    crd = yaml.safe_load(open(file))
    kind = crd["spec"]["names"]["kind"]
    for version in crd["spec"]["versions"]:
        missing = []
        walk(version["schema"]["openAPIV3Schema"], "", missing)
        for path in missing:
            print(f"{kind}/{version['name']} {path}")
PY
}

# --- every property in the CRD files has a description ----------------------------------------------------
shopt -s nullglob
crd_files=("${crds_dir}"/*.yaml)
if ((${#crd_files[@]} != 4)); then
  fail "four CRDs in ${crds_dir}" "found ${#crd_files[@]}"
fi
for file in "${crd_files[@]}"; do
  name="$(basename "${file}")"
  if ! out="$(undescribed "${file}" 2>&1)"; then
    fail "${name} is a CRD with schemas" "${out}"
  elif [[ -n "${out}" ]]; then
    while IFS= read -r path; do fail "${name}: no description: ${path}"; done <<<"${out}"
  else
    pass "${name}: every property has a description"
  fi
done

# The walk finds what it must: a property without a description at the top, under items and under
# additionalProperties, each reported by its path; described ones are not.
probe="$(mktemp)"
cat >"${probe}" <<'YAML'
spec:
  names: {kind: Probe}
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              description: Described.
              type: object
              properties:
                bare: {type: string}
                list:
                  description: Described.
                  type: array
                  items:
                    type: object
                    properties:
                      x: {type: string}
                      y: {type: string, description: Described.}
                map:
                  description: Described.
                  type: object
                  additionalProperties:
                    type: object
                    properties:
                      z: {type: string, description: "  "}
YAML
want=$'Probe/v1 spec.bare\nProbe/v1 spec.list[].x\nProbe/v1 spec.map{}.z'
if out="$(undescribed "${probe}" 2>&1)" && [[ "${out}" == "${want}" ]]; then
  pass "the walk reports every undescribed property by its path"
else
  fail "the walk reports every undescribed property by its path" "got: ${out}"
fi
rm -f "${probe}"

# --- what kubectl explain reads: the API server's published OpenAPI v3 --------------------------------------
if [[ -z "${LABFLEET_CLUSTER_DIR:-}" ]]; then
  echo "skip kubectl explain checks: LABFLEET_CLUSTER_DIR not set"
  summary
  exit
fi
# shellcheck source=/dev/null
source "${LABFLEET_CLUSTER_DIR}/env.sh"

if out="$(kubectl apply -f "${crds_dir}" 2>&1)"; then pass "crds-apply"; else fail "crds-apply" "${out}"; fi
if out="$(kubectl wait --for condition=established --timeout=60s crd/deploymenttargets.labfleet.dev \
  crd/workloads.labfleet.dev crd/schedulingpolicies.labfleet.dev crd/environmentleases.labfleet.dev 2>&1)"; then
  pass "crds established"
else
  fail "crds established" "${out}"
fi

# The server publishes a CRD's OpenAPI a moment after it is established: wait (bounded) for the lease kind.
openapi_has_leases() {
  kubectl get --raw /openapi/v3/apis/labfleet.dev/v1alpha1 2>/dev/null |
    grep -q '"dev.labfleet.v1alpha1.EnvironmentLease"'
}
eventually "OpenAPI v3 publishes labfleet.dev/v1alpha1" 60 openapi_has_leases

# Every property of the four kinds in the published document has a description (metadata is ObjectMeta,
# described by the server; its own fields are Kubernetes').
if out="$(kubectl get --raw /openapi/v3/apis/labfleet.dev/v1alpha1 2>&1 | python3 2>&1 -c '
import json, sys
doc = json.load(sys.stdin)
schemas = doc["components"]["schemas"]
missing = []
def walk(schema, path):
    if "$ref" in schema or path.endswith(".metadata"):
        return
    for name, prop in (schema.get("properties") or {}).items():
        prop_path = f"{path}.{name}"
        if not str(prop.get("description") or "").strip():
            missing.append(prop_path)
        walk(prop, prop_path)
    if isinstance(schema.get("items"), dict):
        walk(schema["items"], path + "[]")
    if isinstance(schema.get("additionalProperties"), dict):
        walk(schema["additionalProperties"], path + "{}")
    for keyword in ("anyOf", "allOf", "oneOf"):
        for alternative in schema.get(keyword) or []:
            walk(alternative, path)
kinds = ["DeploymentTarget", "Workload", "SchedulingPolicy", "EnvironmentLease"]
for kind in kinds:
    key = "dev.labfleet.v1alpha1." + kind
    if key not in schemas:
        missing.append(f"{kind} (not published)")
    else:
        walk(schemas[key], kind)
if missing:
    sys.exit(f"{len(missing)} without a description: " + "; ".join(missing))
')"; then
  pass "OpenAPI v3: every property of the four kinds has a description"
else
  fail "OpenAPI v3: every property of the four kinds has a description" "${out}"
fi

# explain on nested fields (through an array of objects) prints the CRD's description (compared with
# runs of white space made one space: explain wraps long lines).
explain_prints() {
  local field="$1" want="$2" out
  if ! out="$(kubectl explain "${field}" 2>&1)"; then
    fail "kubectl explain ${field}" "${out}"
  elif out="$(tr -s '[:space:]' ' ' <<<"${out}")" && [[ "${out}" != *"${want}"* ]]; then
    fail "kubectl explain ${field}" "missing '${want}' in: ${out}"
  else
    pass "kubectl explain ${field}"
  fi
}
explain_prints environmentlease.status.phase "Expired and Released are final"
explain_prints environmentlease.status.conditions.reason "one CamelCase word"
explain_prints workload.status.targets.readyReplicas "Ready pods of the <name>-files Deployment"
explain_prints schedulingpolicy.spec.workloadSelector.matchExpressions.operator "whatever its value"

summary
