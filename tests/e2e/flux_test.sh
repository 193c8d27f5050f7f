#!/usr/bin/env bash
# Labfleet under a real GitOps tool: Flux's source-controller and
# kustomize-controller (pinned, hack/flux-bins.sh) run as local processes
# against the test cluster and sync the samples from a git repository served
# on loopback (lib/gitserver.py) with `wait: true` and `prune: true`. Checked:
# the Kustomization is Ready only once Labfleet has converged (never while a
# Workload's pods cannot be scheduled); a commit changing a tag rolls it out;
# a commit removing a Workload prunes it and its children; a steady sync sees
# no drift and Labfleet never writes a synced object's spec or metadata; a
# lease kept in git is granted exactly once, whatever retention does; a
# promotion kept in git, its approval committed beside it, is applied by Flux
# under an identity the approval admission policy lets approve (and refused
# under one it does not), and the operator promotes it.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"

registry=registry.example.com:5000/team
# Flux's sync periods: short, so each commit lands within seconds.
source_interval=5s
sync_interval=10s
# How long the sync is watched for drift (LABFLEET_FLUX_STEADY_SECONDS).
steady_seconds=${LABFLEET_FLUX_STEADY_SECONDS:-120}
# Finished leases are deleted this long after they end: far shorter than the
# lease check's window, so a deletion (and Flux's re-creation) happens in it.
lease_retention=3s

fluxbin=""
flux_pids=()
promotion_rbac=""
# promotion_cleanup: what step (f) added besides Labfleet's and Flux's objects.
promotion_cleanup() {
  [[ -n $promotion_rbac ]] && kubectl delete -f "$promotion_rbac" --ignore-not-found >/dev/null 2>&1
  kubectl delete clusterrolebinding e2e-flux-promotions-edit e2e-flux-promotions-approve --ignore-not-found >/dev/null 2>&1
  kubectl delete clusterrole e2e-flux-promotions-edit --ignore-not-found >/dev/null 2>&1
}
cleanup() {
  # Deleting the Kustomization makes Flux prune what it synced; then the
  # controllers and the git server stop and the Flux API goes away.
  if ((${#flux_pids[@]})); then
    kubectl -n flux-system delete kustomizations.kustomize.toolkit.fluxcd.io fleet promotion --ignore-not-found --timeout=60s >/dev/null 2>&1
    kubectl -n flux-system delete gitrepositories.source.toolkit.fluxcd.io fleet promotion --ignore-not-found --timeout=30s >/dev/null 2>&1
  fi
  local pid
  for pid in "${flux_pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  if [[ -n $fluxbin ]]; then
    # Finalizers a controller could not remove would hold the CRDs' deletion.
    for kind in kustomizations.kustomize.toolkit.fluxcd.io gitrepositories.source.toolkit.fluxcd.io; do
      for name in fleet promotion; do
        kubectl -n flux-system patch "$kind" "$name" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
      done
    done
    kubectl delete -f "$fluxbin/flux-crds.yaml" --ignore-not-found --wait=false >/dev/null 2>&1
  fi
  promotion_cleanup
  kubectl delete namespace flux-system --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete workloads,deploymenttargets,schedulingpolicies,environmentleases --all --wait=false >/dev/null 2>&1
  if ((failed > 0)); then
    local log
    for log in kustomize-controller source-controller gitserver; do
      echo "--- $log log (last 30 lines)"
      tail -n 30 "$work/$log.log" 2>/dev/null || true
    done
  fi
  finish
}
trap cleanup EXIT

# never NAME SECONDS COMMAND...: a state that must not occur during a bounded window.
never() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then fail "$name (it did)"; return 0; fi
    sleep 0.2
  done
  pass "$name"
}

# wait_ready NAME PID PORT LOG: waits for a program's /readyz (bounded).
wait_ready() {
  local deadline=$((SECONDS + 60))
  until curl -fsS "127.0.0.1:$3/readyz" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)) || ! kill -0 "$2" 2>/dev/null; then
      tail -n 20 "$4"; fail "$1 ready"; exit 1
    fi
    sleep 0.2
  done
  pass "$1 ready"
}

kubectl apply -f "$root/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$root/crds/" >/dev/null
kubectl delete workloads,deploymenttargets,schedulingpolicies,environmentleases --all --wait=false >/dev/null 2>&1

if ! fluxbin=$("$root/hack/flux-bins.sh" --bindir 2>"$work/flux-bins.log"); then
  tail -n 20 "$work/flux-bins.log"; fail "Flux's controllers built (hack/flux-bins.sh)"; fluxbin=""; exit 1
fi
kubectl apply --server-side -f "$fluxbin/flux-crds.yaml" >/dev/null
kubectl wait --for condition=established --timeout=60s -f "$fluxbin/flux-crds.yaml" >/dev/null
kubectl create namespace flux-system >/dev/null 2>&1

start_operator --lease-history-retention="$lease_retention" || exit 1
pass "operator ready"

# --- the fleet's repository: the samples, pushed to a bare repository that
# the git server serves; each commit() pushes and prints the commit's hash.
repo=$work/fleet
git init -q -b main "$repo"
git init -q --bare -b main "$work/git/fleet.git"
git -C "$repo" remote add origin "$work/git/fleet.git"
commit() {
  git -C "$repo" add -A &&
    git -C "$repo" -c user.name=e2e -c user.email=e2e@example.com commit -qm "$1" &&
    git -C "$repo" push -q origin main &&
    git -C "$repo" rev-parse HEAD
}
cp "$root"/samples/{10-target-stg,11-target-prod,20-workload-kubernetes-101,21-workload-git-basics,30-policy-public-catalog}.yaml "$repo/"
# First commit: kubernetes-101's pods ask for a node that does not exist, so
# the Workload cannot converge.
cat >>"$repo/20-workload-kubernetes-101.yaml" <<'UNSCHEDULABLE'
  pod:
    nodeSelector:
      labfleet.dev/e2e-pool: absent
UNSCHEDULABLE
rev=$(commit "fleet whose kubernetes-101 cannot be scheduled")

python3 "$root/tests/e2e/lib/gitserver.py" "$work/git" "$work/git.port" >>"$work/gitserver.log" 2>&1 &
flux_pids+=($!)
eventually "git server listening" 10 test -s "$work/git.port"
git_url="http://127.0.0.1:$(cat "$work/git.port")/fleet.git"

# --- Flux, run outside the cluster: loopback ports, artifacts in $work, no leader election.
mkdir -p "$work/artifacts"
storage_port=$(free_port)
source_health=$(free_port)
RUNTIME_NAMESPACE=flux-system "$fluxbin/source-controller" --watch-all-namespaces \
  --storage-path="$work/artifacts" --storage-addr="127.0.0.1:$storage_port" --storage-adv-addr="127.0.0.1:$storage_port" \
  --metrics-addr="127.0.0.1:$(free_port)" --health-addr="127.0.0.1:$source_health" \
  --enable-leader-election=false --log-encoding=json >>"$work/source-controller.log" 2>&1 &
flux_pids+=($!)
wait_ready source-controller "$!" "$source_health" "$work/source-controller.log"
kustomize_health=$(free_port)
# A new commit cancels a health check still waiting on the previous one
# (the first commit's can never pass).
RUNTIME_NAMESPACE=flux-system "$fluxbin/kustomize-controller" --watch-all-namespaces --no-remote-bases \
  --feature-gates=CancelHealthCheckOnNewRevision=true \
  --metrics-addr="127.0.0.1:$(free_port)" --health-addr="127.0.0.1:$kustomize_health" \
  --enable-leader-election=false --log-encoding=json >>"$work/kustomize-controller.log" 2>&1 &
flux_pids+=($!)
wait_ready kustomize-controller "$!" "$kustomize_health" "$work/kustomize-controller.log"

kubectl apply -f - >/dev/null <<FLUX
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet, namespace: flux-system}
spec:
  url: $git_url
  ref: {branch: main}
  interval: $source_interval
  timeout: 20s
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: fleet, namespace: flux-system}
spec:
  sourceRef: {kind: GitRepository, name: fleet}
  path: ./
  interval: $sync_interval
  retryInterval: 5s
  timeout: 40s
  prune: true
  wait: true
FLUX

ks() { kubectl -n flux-system get kustomizations.kustomize.toolkit.fluxcd.io fleet -o jsonpath="$1"; }
# ready_at REV: the Kustomization is Ready with REV applied.
ready_at() { [[ $(ks '{.status.conditions[?(@.type=="Ready")].status} {.status.lastAppliedRevision}') == "True main@sha1:$1" ]]; }
attempted() { [[ $(ks '{.status.lastAttemptedRevision}') == "main@sha1:$1" ]]; }
image() { kubectl -n "$1" get deploy "$2" -o jsonpath='{.spec.template.spec.containers[0].image}'; }
# gone ARGS...: `kubectl get ARGS` answers and finds none of the objects.
gone() { local found; found=$(kubectl get "$@" --ignore-not-found -o name) && [[ -z $found ]]; }
children_gone() { gone -n "$1" "deploy/$2-files" "svc/$2-files" "cm/$2-workshop"; }

# converged: Labfleet has converged and the Kustomization turned Ready no
# earlier than any Workload: every Workload Ready for its generation, every
# Deployment it owns rolled out and available. Prints what is not.
converged() {
  kubectl -n flux-system get kustomizations.kustomize.toolkit.fluxcd.io fleet -o json >"$work/ks.json" &&
    kubectl get workloads.labfleet.dev -o json >"$work/workloads.json" &&
    kubectl get deployments -A -l app.kubernetes.io/managed-by=labfleet -o json >"$work/deployments.json" &&
    python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
load = lambda name: json.load(open(f"{work}/{name}.json"))
def condition(obj, kind):
    return next((c for c in obj.get("status", {}).get("conditions", []) if c["type"] == kind), None)
ks_ready = condition(load("ks"), "Ready")
problems = []
workloads = load("workloads")["items"]
for w in workloads:
    name, ready = w["metadata"]["name"], condition(w, "Ready")
    if not ready or ready["status"] != "True":
        problems.append(f"Workload {name} is not Ready ({ready and ready.get('message')})")
    elif w["status"].get("observedGeneration") != w["metadata"]["generation"]:
        problems.append(f"Workload {name}: status.observedGeneration is not metadata.generation")
    elif ks_ready and ready["lastTransitionTime"] > ks_ready["lastTransitionTime"]:
        problems.append(f"Workload {name} turned Ready at {ready['lastTransitionTime']}, "
                        f"after the Kustomization at {ks_ready['lastTransitionTime']}")
names = {w["metadata"]["name"] for w in workloads}
for d in load("deployments")["items"]:
    if d["metadata"]["labels"].get("labfleet.dev/workload") not in names:
        continue
    meta, status, want = d["metadata"], d.get("status", {}), d["spec"].get("replicas", 1)
    counts = [status.get(k, 0) for k in ("replicas", "updatedReplicas", "availableReplicas")]
    if status.get("observedGeneration") != meta["generation"] or counts != [want] * 3:
        problems.append(f"Deployment {meta['namespace']}/{meta['name']} not rolled out "
                        f"(replicas/updated/available {counts}, want {want})")
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
}

# ready_only_when_converged NAME REV: waits for the Kustomization to be Ready
# at REV, and checks Labfleet had converged by then.
ready_only_when_converged() {
  local deadline=$((SECONDS + 120))
  until ready_at "$2"; do
    if ((SECONDS >= deadline)); then fail "$1: Kustomization Ready at ${2:0:7}" "$(ks '{.status.conditions}')"; return 0; fi
    sleep 0.2
  done
  check "$1: Labfleet had converged when the Kustomization turned Ready" converged
}

# --- (a) Ready only after Labfleet has converged
eventually "Flux attempts the first commit" 90 attempted "$rev"
eventually "kubernetes-101's Workload is synced and its pods wait for a node" 60 \
  bash -c "kubectl -n workshops get pods -l labfleet.dev/workload=kubernetes-101 -o jsonpath='{.items[*].status.phase}' | grep -q Pending"
never "Kustomization not Ready while kubernetes-101's pods cannot be scheduled (20s)" 20 ready_at "$rev"
cp "$root/samples/20-workload-kubernetes-101.yaml" "$repo/"
rev=$(commit "kubernetes-101 schedulable")
ready_only_when_converged "schedulable fleet" "$rev"
check "prod: kubernetes-101 runs the target override" \
  equals "$registry/workshops/kubernetes-101-files:1.4.2" image workshops kubernetes-101-files

# --- (b) a commit that changes a tag rolls it out
sed -i 's/tag: 1\.4\.2$/tag: 1.4.3/' "$repo/20-workload-kubernetes-101.yaml"
rev=$(commit "prod: kubernetes-101 files 1.4.3")
eventually "the new tag rolls out on prod" 60 \
  equals "$registry/workshops/kubernetes-101-files:1.4.3" image workshops kubernetes-101-files
ready_only_when_converged "tag change" "$rev"

# --- (c) a commit that removes a Workload prunes it and its children
git -C "$repo" rm -q 21-workload-git-basics.yaml
rev=$(commit "retire git-basics")
eventually "Flux prunes the removed Workload" 60 gone workloads.labfleet.dev git-basics
for ns in workshops workshops-stg; do
  eventually "$ns: git-basics' Deployment, Service and ConfigMap are gone" 60 children_gone "$ns" git-basics
done
check "kubernetes-101 keeps its children" kubectl -n workshops get deploy kubernetes-101-files
ready_only_when_converged "prune" "$rev"

# --- (d) a steady sync: no drift; Labfleet writes status only
inventory() { ks '{range .status.inventory.entries[*]}{.id}{"\n"}{end}'; }
# synced_objects: every synced object as JSON (a List), from Flux's inventory
# (ids are namespace_name_group_kind; Labfleet's kinds are cluster-scoped).
synced_objects() {
  local id namespace name group kind args=()
  while IFS=_ read -r namespace name group kind; do
    args+=("$kind.$group/$name")
  done < <(inventory)
  kubectl get "${args[@]}" -o json --show-managed-fields
}
steady_from=$(wc -l <"$work/kustomize-controller.log")
synced_objects >"$work/steady-before.json"
sleep "$steady_seconds"
synced_objects >"$work/steady-after.json"
tail -n +"$((steady_from + 1))" "$work/kustomize-controller.log" >"$work/steady.log"
check "steady sync (${steady_seconds}s): Flux applied the fleet again and again, every object unchanged" \
  python3 - "$work/steady.log" "$steady_seconds" "${sync_interval%s}" <<'PY'
import json, sys
log, seconds, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
applies, drift = 0, []
for line in open(log):
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    if entry.get("msg") != "server-side apply completed":
        continue
    applies += 1
    drift += [f"{subject} {action}" for subject, action in entry["output"].items() if action != "unchanged"]
if drift:
    sys.exit("Flux found drift: " + ", ".join(sorted(set(drift))))
if applies < seconds // interval // 2:
    sys.exit(f"only {applies} applies in {seconds}s (interval {interval}s)")
PY
check "steady sync: no synced object's generation changed" \
  python3 - "$work/steady-before.json" "$work/steady-after.json" <<'PY'
import json, sys
generations = lambda path: {f"{o['kind']}/{o['metadata']['name']}": o["metadata"]["generation"]
                            for o in json.load(open(path))["items"]}
before, after = generations(sys.argv[1]), generations(sys.argv[2])
changed = [k for k in before if after.get(k) != before[k]]
if changed:
    sys.exit("generation changed: " + ", ".join(changed))
PY
check "field managers: only Flux wrote the synced objects' spec and metadata (Labfleet: status only)" \
  python3 - "$work/steady-after.json" <<'PY'
import json, sys
writes = []
for o in json.load(open(sys.argv[1]))["items"]:
    for entry in o["metadata"].get("managedFields", []):
        if entry["manager"] == "kustomize-controller" or entry.get("subresource") == "status":
            continue
        fields = sorted(k[2:] for k in entry.get("fieldsV1", {}))
        writes.append(f"{o['kind']}/{o['metadata']['name']}: {entry['manager']} ({entry['operation']}) wrote {fields}")
if writes:
    sys.exit("; ".join(writes))
PY

# --- (e) a lease kept in git is granted exactly once, whatever retention does:
# it expires, retention may delete it, Flux may create it again; it must
# never be granted again.
lease=e2e-gitops-$(date +%s)  # events outlive a run: a name of its own
cat >"$repo/40-lease-$lease.yaml" <<LEASE
apiVersion: labfleet.dev/v1alpha1
kind: EnvironmentLease
metadata: {name: $lease}
spec:
  target: stg
  holder: gitops@example.com
  duration: 8s
  reason: A lease kept in git
  overrides:
    - workload: kubernetes-101
      files: {tag: pr-7}
LEASE
commit "lease stg for pr-7" >/dev/null
lease_field() { kubectl get environmentleases.labfleet.dev "$lease" -o jsonpath="$1"; }
eventually "the lease from git is granted" 60 equals Active lease_field '{.status.phase}'
first_uid=$(lease_field '{.metadata.uid}')
eventually "the lease expires" 60 equals Expired lease_field '{.status.phase}'
# The window covers retention, two of Flux's sync intervals and a grant.
window=$((${lease_retention%s} + 2 * ${sync_interval%s} + 15))
regranted() {
  local uid phase; read -r uid phase < <(lease_field '{.metadata.uid} {.status.phase}')
  [[ -n $uid && $uid != "$first_uid" ]] && echo "$uid" >>"$work/lease-uids"
  [[ $phase == Active ]]
}
never "the lease is not granted again within ${window}s after it expired" "$window" regranted
# lease_grants: how many times the lease was granted (LeaseGranted events, by name).
lease_grants() {
  kubectl get events -A -o json | python3 -c '
import json, sys
print(sum(e.get("count") or 1 for e in json.load(sys.stdin)["items"]
          if e["reason"] == "LeaseGranted" and e["involvedObject"]["name"] == sys.argv[1]))' "$lease"
}
grants=$(lease_grants)
check "the lease is granted exactly once (LeaseGranted events: $grants)" test "$grants" = 1
if [[ -s $work/lease-uids ]]; then
  echo "note: the lease was deleted and created again by Flux ($(sort -u "$work/lease-uids" | wc -l) new object(s))"
else
  echo "note: the lease was kept (never deleted and re-created)"
fi

# --- (f) a promotion kept in git, with its approval committed in
# spec.promotion.approvals. Flux applies it as a ServiceAccount of its own
# (Kustomization spec.serviceAccountName: kustomize-controller impersonates
# it), so the chart's approval admission policy judges that identity: refused
# while it may edit Workloads but not approve, accepted once it holds the
# chart's promoter role. The operator promotes the candidate through both
# environments, the approved one included, and never writes the spec.
promotion_rbac=$work/promotion-rbac.yaml
helm template labfleet "${LABFLEET_CHART:-$root/charts/labfleet}" --namespace labfleet-system |
  python3 "$root/tests/e2e/lib/approval_objects.py" >"$promotion_rbac"
[[ -s $promotion_rbac ]] && kubectl apply -f "$promotion_rbac" >/dev/null
# names_of KIND FILE: the names of the objects of KIND in the YAML FILE.
names_of() {
  python3 -c 'import sys, yaml; [print(d["metadata"]["name"]) for d in yaml.safe_load_all(open(sys.argv[2])) if d and d["kind"] == sys.argv[1]]' "$1" "$2"
}
promoter_role=$(names_of ClusterRole "$promotion_rbac" | head -n1)
approval_policy=$(names_of ValidatingAdmissionPolicy "$promotion_rbac" | head -n1)
kubectl -n flux-system create serviceaccount fleet-promotions >/dev/null
# The identity may do everything to Labfleet's kinds except approve.
kubectl apply -f - >/dev/null <<'ROLE'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-flux-promotions-edit}
rules:
  - apiGroups: [labfleet.dev]
    resources: [workloads, deploymenttargets, schedulingpolicies]
    verbs: [get, list, watch, create, update, patch, delete]
ROLE
kubectl create clusterrolebinding e2e-flux-promotions-edit --clusterrole=e2e-flux-promotions-edit \
  --serviceaccount=flux-system:fleet-promotions >/dev/null

promo_repo=$work/promotion
git init -q -b main "$promo_repo"
git init -q --bare -b main "$work/git/promotion.git"
git -C "$promo_repo" remote add origin "$work/git/promotion.git"
cat >"$promo_repo/promotion.yaml" <<'FLEET'
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: e2e-promo-dev, labels: {e2e: flux-promotion}}
spec: {environment: gitdev, namespace: e2e-promo-dev, registry: registry.example.com:5000/team}
---
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: e2e-promo-prod, labels: {e2e: flux-promotion}}
spec: {environment: gitprod, namespace: e2e-promo-prod, registry: registry.example.com:5000/team}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: e2e-promotion}
spec:
  workloadSelector: {matchLabels: {e2e: flux-promotion}}
  targetSelector: {matchLabels: {e2e: flux-promotion}}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: e2e-promoted, labels: {e2e: flux-promotion}}
spec:
  images:
    workshop: {repository: workshops/promoted, tag: "1.0.0"}
    files: {repository: workshops/promoted-files, tag: "1.0.0", port: 8080}
  workshop: {title: Promoted from git, files: {image: "${FILES_IMAGE}"}}
  promotion:
    environments: [gitdev, gitprod]
    candidate: {workshop: {tag: "1.1.0"}, files: {tag: "1.1.0"}}
    soak: 3s
    deadline: 5m
    approvalRequired: [gitprod]
    approvals:
      - {environment: gitprod, workshop: {tag: "1.1.0"}, files: {tag: "1.1.0"}}
FLEET
git -C "$promo_repo" add -A
git -C "$promo_repo" -c user.name=e2e -c user.email=e2e@example.com commit -qm "promote 1.1.0, approved for gitprod"
git -C "$promo_repo" push -q origin main
promo_rev=$(git -C "$promo_repo" rev-parse HEAD)
kubectl apply -f - >/dev/null <<FLUX
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: promotion, namespace: flux-system}
spec:
  url: http://127.0.0.1:$(cat "$work/git.port")/promotion.git
  ref: {branch: main}
  interval: $source_interval
  timeout: 20s
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: promotion, namespace: flux-system}
spec:
  sourceRef: {kind: GitRepository, name: promotion}
  serviceAccountName: fleet-promotions
  path: ./
  interval: $sync_interval
  retryInterval: 5s
  timeout: 60s
  prune: true
  wait: true
FLUX
pks() { kubectl -n flux-system get kustomizations.kustomize.toolkit.fluxcd.io promotion -o jsonpath="$1"; }
promoted() { kubectl get workloads.labfleet.dev e2e-promoted -o json; }
if [[ -n $approval_policy ]]; then
  # refused_for_approve: Flux's last attempt failed and says the identity may not approve.
  refused_for_approve() {
    [[ $(pks '{.status.lastAttemptedRevision} {.status.conditions[?(@.type=="Ready")].status}') == "main@sha1:$promo_rev False" ]] &&
      pks '{.status.conditions[?(@.type=="Ready")].message}' | grep -qi approve
  }
  eventually "(f) without verb approve, Flux's identity may not apply the approval" 90 refused_for_approve
  echo "     Flux says: $(pks '{.status.conditions[?(@.type=="Ready")].message}' | tr '\n' ' ' | cut -c1-300)"
  # no_approval_applied: the Workload is absent, or present without approvals.
  no_approval_applied() {
    local json
    json=$(kubectl get workloads.labfleet.dev e2e-promoted --ignore-not-found -o json) || return 1
    [[ -z $json ]] || jq -e '(.spec.promotion.approvals // []) | length == 0' <<<"$json" >/dev/null
  }
  check "(f) and no Workload holds it" no_approval_applied
else
  echo "note: the chart has no admission policy about approvals yet: who may approve from git is not enforced, not checked"
fi
if [[ -n $promoter_role ]]; then
  kubectl create clusterrolebinding e2e-flux-promotions-approve --clusterrole="$promoter_role" \
    --serviceaccount=flux-system:fleet-promotions >/dev/null
else
  fail "(f) the chart has a promoter role (verb approve on workloads)" "it renders no ClusterRole named *-promoter"
fi
eventually "(f) Flux applies the commit as fleet-promotions and turns Ready" 180 \
  equals "True main@sha1:$promo_rev" pks '{.status.conditions[?(@.type=="Ready")].status} {.status.lastAppliedRevision}'
check "(f) the approval from git is in the live Workload" equals "gitprod 1.1.0 1.1.0" \
  bash -c "kubectl get workloads.labfleet.dev e2e-promoted -o json | jq -r '.spec.promotion.approvals[] | \"\(.environment) \(.workshop.tag) \(.files.tag)\"'"
check "(f) the operator sees the promotion (status.promotion for 1.1.0)" equals "1.1.0 1.1.0" \
  bash -c "kubectl get workloads.labfleet.dev e2e-promoted -o json | jq -r '.status.promotion.candidate | \"\(.workshopTag) \(.filesTag)\"'"
eventually "(f) the approved candidate reaches gitprod: promotion Complete" 120 equals Complete \
  bash -c "kubectl get workloads.labfleet.dev e2e-promoted -o jsonpath='{.status.promotion.phase}'"
check "(f) gitprod runs files 1.1.0" equals "$registry/workshops/promoted-files:1.1.0" image e2e-promo-prod e2e-promoted-files
check "(f) only Flux wrote the promoted Workload's spec (the operator: status only)" bash -c \
  "kubectl get workloads.labfleet.dev e2e-promoted -o json --show-managed-fields |
   jq -e '[.metadata.managedFields[] | select(.manager != \"kustomize-controller\" and .subresource != \"status\")] | length == 0' >/dev/null"
