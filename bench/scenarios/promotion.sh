#!/usr/bin/env bash
# (g) Promotion: what a Workload's spec.promotion costs and how fast it moves, Labfleet only. Starts
# its own minimal control plane (`--node none`: etcd + kube-apiserver, no kube-controller-manager,
# no node) and stops it at the end, also on error or Ctrl-C.
#
#   promotion.sh --out DIR [--workloads 100] [--environments 3] [--soak-seconds 60] [--workers 8]
#                [--labfleet-bin PATH]
# (hack/bench.sh promotion runs it; BENCHCTL names benchctl, which lib.sh asks for.)
#
# In order:
#  1. N DeploymentTargets env-0 .. env-(N-1) (environment = name, namespace promo-env-I), one policy
#     assigning every workload to every target, M workloads pinned to 1.0.0 without a promotion;
#     the operator starts and every environment converges on 1.0.0.
#  2. Every workload gets spec.promotion {environments: [env-0, ...], candidate 1.1.0, soak S,
#     deadline 1h} at once; wait until all M are Complete.
# Nobody writes Deployment status here, so the scenario plays the Deployment controller: a watch of
# the Deployments labelled app.kubernetes.io/managed-by=labfleet that, for each one whose
# status.observedGeneration is not its generation, patches the status subresource to the generation
# with replicas = updated = ready = available = spec.replicas. It records when each Deployment was
# first seen at a new generation (its new template) and when it was marked rolled out. A second
# watch records every Workload event (a status write shows as an event that keeps the generation).
#
# Figures (key=value lines on stdout, a Markdown table in DIR/table.md; progress on stderr):
#  gate_to_next   environment I passing its gate (status servedSince + soak) until environment
#                 I+1's Deployment is seen with the candidate, over workloads and I < N-1
#  writes         apiserver_request_total deltas over the promotion (before the candidate, after
#                 all Complete and the operator quiet), per workload per environment: child writes
#                 (configmaps, deployments, services, no subresource), workloads/status, events;
#                 our own deployments/status patches and spec patches apart
#  soak_writes    Workload status writes (watch events) per 1 s bucket inside the soak windows,
#                 and per workload per soak window
#  wall           candidate written until the last workload is Complete
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
workloads=100 environments=3 soak_seconds=60 workers=8 out=""
labfleet_bin="$root/build/operator/labfleet-operator"
while (($#)); do
  case $1 in
    --workloads) workloads=$2; shift 2 ;; --environments) environments=$2; shift 2 ;;
    --soak-seconds) soak_seconds=$2; shift 2 ;; --workers) workers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;; --labfleet-bin) labfleet_bin=$2; shift 2 ;;
    *) echo "error: unknown flag $1 (see the header of $0)" >&2; exit 1 ;;
  esac
done
[[ -n $out && -x $labfleet_bin ]] || { echo "error: needs --out DIR and an executable --labfleet-bin" >&2; exit 1; }
((workloads >= 1 && environments >= 2 && environments <= 8 && soak_seconds >= 1)) ||
  { echo "error: needs --workloads >= 1, --environments 2..8, --soak-seconds >= 1" >&2; exit 1; }
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
cluster_dir="$out/cluster"
export KUBECONFIG="$cluster_dir/kubeconfig"
PATH="$("$root/hack/control-plane-bins.sh" --bindir 2>/dev/null):$PATH"
export PATH
source "$here/lib.sh"

helper="$out/promotion-helper.py"
operator_ns=labfleet-system candidate=1.1.0 base=1.0.0 deadline=1h

own_cluster promotion  # everything started from here on is stopped at the end (lib.sh)

# --- the helper: the Deployment controller's part, watches, waits and the figures ----------------
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"  # cluster_api.py
cat >"$helper" <<'PY'
import collections, http.client, json, math, queue, ssl, sys, threading, time
from datetime import datetime, timezone

from cluster_api import Api, watch  # bench/scenarios/cluster_api.py, on PYTHONPATH

MANAGED = "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dlabfleet"

def files_tag(d):
    cs = d["spec"]["template"]["spec"]["containers"]
    image = next((c["image"] for c in cs if c["name"] == "files"), cs[0]["image"])
    return image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""

def deployer(d, log):
    """The Deployment controller's part: every Deployment whose status lags its generation is
    marked rolled out. Logs 'seen T NS/NAME GEN TAG' (first seen at a new generation) and
    'rolled T NS/NAME GEN HTTP' (its status patched)."""
    out, todo, queued = open(log, "a", buffering=1), queue.Queue(), {}
    def handle(kind, o, t):
        if kind == "DELETED": return
        m, st = o["metadata"], o.get("status") or {}
        key, gen = m["namespace"] + "/" + m["name"], m.get("generation", 0)
        if st.get("observedGeneration") == gen or queued.get(key, 0) >= gen: return
        queued[key] = gen
        out.write("seen %.6f %s %d %s\n" % (t, key, gen, files_tag(o)))
        todo.put((key, gen, o["spec"].get("replicas", 1)))
    def patcher():
        api = Api(d, 10)
        while True:
            key, gen, n = todo.get()
            ns, name = key.split("/")
            body = json.dumps({"status": {"observedGeneration": gen, "replicas": n, "updatedReplicas": n,
                "readyReplicas": n, "availableReplicas": n, "conditions": [
                    {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}})
            try: s, _ = api.req("PATCH", "/apis/apps/v1/namespaces/%s/deployments/%s/status" % (ns, name), body,
                                "application/merge-patch+json")
            except (OSError, http.client.HTTPException): s = 0
            out.write("rolled %.6f %s %d %d\n" % (time.time(), key, gen, s))
    threading.Thread(target=patcher, daemon=True).start()
    watch(Api(d, 10), "/apis/apps/v1/deployments?" + MANAGED, handle)

def workload_watch(d, log):
    """Every Workload event as a JSON line: time, type, name, generation, resourceVersion, the
    promotion's phase and summary."""
    out = open(log, "a", buffering=1)
    def handle(kind, o, t):
        m, p = o["metadata"], (o.get("status") or {}).get("promotion") or {}
        out.write(json.dumps({"t": t, "type": kind, "name": m["name"], "gen": m.get("generation", 0),
                              "rv": m["resourceVersion"], "phase": p.get("phase", ""), "summary": p.get("summary", ""),
                              "cand": (p.get("candidate") or {}).get("filesTag", "")}) + "\n")
    watch(Api(d, 10), "/apis/labfleet.dev/v1alpha1/workloads?limit=0", handle)

def wname(w): return "promo-w%04d" % w
def ns(i): return "promo-env-%d" % i
def env(i): return "env-%d" % i

def seed(d, m, n, tag):
    api = Api(d, 30)
    fleet = {"bench.labfleet.dev/promotion": "true"}
    for i in range(n):
        api.must("POST", "/apis/labfleet.dev/v1alpha1/deploymenttargets", json.dumps({
            "apiVersion": "labfleet.dev/v1alpha1", "kind": "DeploymentTarget",
            "metadata": {"name": env(i), "labels": fleet},
            "spec": {"environment": env(i), "namespace": ns(i), "registry": "registry.bench:5000", "channel": "stable"}}))
    api.must("POST", "/apis/labfleet.dev/v1alpha1/schedulingpolicies", json.dumps({
        "apiVersion": "labfleet.dev/v1alpha1", "kind": "SchedulingPolicy", "metadata": {"name": "promotion"},
        "spec": {"workloadSelector": {"matchLabels": fleet}, "targetSelector": {"matchLabels": fleet}}}))
    for w in range(m):
        api.must("POST", "/apis/labfleet.dev/v1alpha1/workloads", json.dumps({
            "apiVersion": "labfleet.dev/v1alpha1", "kind": "Workload", "metadata": {"name": wname(w), "labels": fleet},
            "spec": {"images": {"workshop": {"repository": "workshops/" + wname(w), "tag": tag},
                                "files": {"repository": "workshops/" + wname(w) + "-files", "tag": tag, "port": 8080}},
                     "workshop": {"title": wname(w), "image": "${WORKSHOP_IMAGE}", "files": {"image": "${FILES_IMAGE}"}},
                     "replicas": 1}}))

def promote(d, m, n, tag, soak, deadline):
    """Writes spec.promotion on every workload; prints the epoch ns before the first write."""
    api = Api(d, 30)
    body = json.dumps({"spec": {"promotion": {"environments": [env(i) for i in range(n)],
        "candidate": {"workshop": {"tag": tag}, "files": {"tag": tag}}, "soak": soak, "deadline": deadline}}})
    print(time.time_ns(), flush=True)
    for w in range(m):
        api.must("PATCH", "/apis/labfleet.dev/v1alpha1/workloads/" + wname(w), body, "application/merge-patch+json")

def wait_rolled(d, m, n, tag, timeout):
    """Until every environment has M Deployments on TAG whose status is current."""
    api, deadline, last = Api(d, 10), time.time() + timeout, time.time()
    while True:
        good = -1
        try:
            s, data = api.req("GET", "/apis/apps/v1/deployments?" + MANAGED)
            if s == 200:
                good = sum(1 for x in json.loads(data)["items"]
                           if x["metadata"]["namespace"].startswith("promo-env-") and files_tag(x) == tag
                           and (x.get("status") or {}).get("observedGeneration") == x["metadata"].get("generation"))
        except (OSError, http.client.HTTPException, ValueError, KeyError): pass
        if good == m * n: return
        if time.time() > deadline: sys.exit("timeout: %d of %d Deployments on %s and rolled out" % (max(good, 0), m * n, tag))
        if time.time() - last > 15:
            print("  %d of %d Deployments on %s and rolled out" % (max(good, 0), m * n, tag), file=sys.stderr); last = time.time()
        time.sleep(0.5)

def wait_complete(d, m, tag, timeout, final):
    """Until all M workloads' promotions are Complete on TAG; writes the list to FINAL. On timeout
    writes it too, prints the stragglers' status.promotion and exits 2."""
    api, deadline, last = Api(d, 10), time.time() + timeout, time.time()
    while True:
        items = []
        try:
            s, data = api.req("GET", "/apis/labfleet.dev/v1alpha1/workloads")
            if s == 200: items = json.loads(data)["items"]
        except (OSError, http.client.HTTPException, ValueError): pass
        prom = [(x["metadata"]["name"], (x.get("status") or {}).get("promotion") or {}) for x in items]
        done = [n for n, p in prom if p.get("phase") == "Complete" and (p.get("candidate") or {}).get("filesTag") == tag]
        if len(done) == m or time.time() > deadline:
            json.dump(items, open(final, "w"))
            if len(done) == m: return
            print("timeout: %d of %d workloads Complete; the others:" % (len(done), m), file=sys.stderr)
            for n, p in prom:
                if n not in done: print("  %s %s" % (n, json.dumps(p)), file=sys.stderr)
            sys.exit(2)
        if time.time() - last > 15:
            where = collections.Counter(p.get("summary", "(none)").split(" soaking")[0] + (" soaking" if "soaking" in p.get("summary", "") else "")
                                        for n, p in prom)
            print("  %d of %d Complete; %s" % (len(done), m, ", ".join("%s: %d" % kv for kv in sorted(where.items()))), file=sys.stderr)
            last = time.time()
        time.sleep(1)

def ts(s): return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()

def pct(v, q):
    """Nearest-rank percentile."""
    if not v: return float("nan")
    v = sorted(v); return v[max(0, math.ceil(q / 100 * len(v)) - 1)]

def metrics(path):
    """apiserver_request_total as {(verb, group, resource, subresource): count}, and the same with
    the response code as a fifth key field."""
    out, coded = collections.Counter(), collections.Counter()
    for line in open(path):
        verb, group, resource, sub, code, count = line.split()
        out[(verb, group, resource, "" if sub == "-" else sub)] += float(count)
        coded[(verb, group, resource, "" if sub == "-" else sub, code)] += float(count)
    return out, coded

def analyze(a):
    m, n, soak, tag, t0 = int(a["m"]), int(a["n"]), float(a["soak"]), a["tag"], int(a["t0"]) / 1e9
    final = {x["metadata"]["name"]: x for x in json.load(open(a["final"]))}
    seen, seen_gen, rolled, rerolled = {}, {}, {}, []
    for line in open(a["deployer"]):
        f = line.split()
        if f[0] == "seen" and float(f[1]) >= t0 and f[4] == tag and f[2] not in seen:
            seen[f[2]], seen_gen[f[2]] = float(f[1]), f[3]
        if f[0] == "seen" and float(f[1]) >= t0 and f[4] != tag: rerolled.append(f[2])
        if f[0] == "rolled" and float(f[1]) >= t0: rolled[(f[2], f[3])] = float(f[1])
    events = [json.loads(l) for l in open(a["workloads"])]
    # (1) gate -> next environment written; env-0 from the workload's spec write
    gate, first, roll = collections.defaultdict(list), [], []
    spec_at, complete_at, lastgen, writes = {}, {}, {}, collections.defaultdict(list)
    soaking = collections.defaultdict(list)
    for e in events:
        if e["type"] == "MODIFIED" and e["name"] in lastgen and e["gen"] != lastgen[e["name"]] and e["t"] >= t0:
            spec_at.setdefault(e["name"], e["t"])
        elif e["type"] == "MODIFIED" and e["gen"] == lastgen.get(e["name"]) and e["t"] >= t0:
            writes[e["name"]].append(e["t"])
            soaking[e["name"]].append((e["t"], e["summary"]))
        lastgen[e["name"]] = e["gen"]
        if e["phase"] == "Complete" and e["cand"] == tag and e["t"] >= t0: complete_at.setdefault(e["name"], e["t"])
    windows, missing = [], []
    for w in range(m):
        name = wname(w)
        envs = {x["name"]: x for x in ((final.get(name, {}).get("status") or {}).get("promotion") or {}).get("environments", [])}
        k0 = ns(0) + "/" + name + "-files"
        if k0 in seen and name in spec_at: first.append(seen[k0] - spec_at[name])
        for i in range(n):
            k = ns(i) + "/" + name + "-files"
            if k in seen and (k, seen_gen[k]) in rolled: roll.append(rolled[(k, seen_gen[k])] - seen[k])
            if i + 1 == n: continue
            served = envs.get(env(i), {}).get("servedSince")
            nxt = ns(i + 1) + "/" + name + "-files"
            if not served or nxt not in seen: missing.append("%s/%s" % (name, env(i))); continue
            g = ts(served) + soak
            gate[i].append(seen[nxt] - g)
            windows.append((name, ts(served), g, env(i)))
    allgate = [x for v in gate.values() for x in v]
    res = []
    def line(key, **kv): res.append((key, kv)); print(key + " " + " ".join("%s=%s" % (k, v) for k, v in kv.items()))
    f3 = lambda x: "nan" if x != x else "%.3f" % x
    line("promotion-gate", pairs=len(allgate), p50_s=f3(pct(allgate, 50)), p99_s=f3(pct(allgate, 99)),
         max_s=f3(max(allgate) if allgate else float("nan")), min_s=f3(min(allgate) if allgate else float("nan")),
         missing=len(missing))
    for i in sorted(gate):
        line("promotion-gate-%s" % env(i), to=env(i + 1), p50_s=f3(pct(gate[i], 50)), p99_s=f3(pct(gate[i], 99)), max_s=f3(max(gate[i])))
    line("promotion-first", p50_s=f3(pct(first, 50)), p99_s=f3(pct(first, 99)), max_s=f3(max(first) if first else float("nan")))
    # Deployments given a new generation on the version they already run (e.g. the tag annotations
    # that spec.promotion adds: a Deployment's generation moves with its annotations too).
    line("promotion-same-version-generations", count=len(rerolled), deployments=len(set(rerolled)))
    line("promotion-deployer", p50_s=f3(pct(roll, 50)), p99_s=f3(pct(roll, 99)), max_s=f3(max(roll) if roll else float("nan")))
    # (2) API writes
    (before, cbefore), (after, cafter) = metrics(a["before"]), metrics(a["after"])
    delta = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0) > 0}
    cdelta = {k: cafter[k] - cbefore.get(k, 0) for k in cafter if cafter[k] - cbefore.get(k, 0) > 0}
    wr = lambda k: k[0] not in ("GET", "LIST", "WATCH", "CONNECT")
    pairs = m * n
    child = {k: v for k, v in delta.items() if wr(k) and k[2] in ("configmaps", "deployments", "services") and k[3] == ""}
    wstatus = sum(v for k, v in delta.items() if wr(k) and k[2] == "workloads" and k[3] == "status")
    wspec = sum(v for k, v in delta.items() if wr(k) and k[2] == "workloads" and k[3] == "")
    ev = sum(v for k, v in delta.items() if wr(k) and k[2] == "events")
    mine = sum(v for k, v in delta.items() if wr(k) and k[2] == "deployments" and k[3] == "status")
    other = {k: v for k, v in delta.items() if wr(k) and k not in child and not (k[2] in ("workloads", "events") or
             (k[2] == "deployments" and k[3] == "status"))}
    cs = sum(child.values())
    line("promotion-writes", pairs=pairs, child_writes=int(cs), child_per_pair=f3(cs / pairs),
         by=",".join("%s:%s=%d" % (k[0], k[2], v) for k, v in sorted(child.items())),
         workload_status=int(wstatus), workload_status_per_pair=f3(wstatus / pairs), workload_status_per_workload=f3(wstatus / m),
         workload_status_codes=",".join("%s:%s=%d" % (k[0], k[4], v) for k, v in sorted(cdelta.items())
                                        if k[2] == "workloads" and k[3] == "status" and wr(k)),
         events=int(ev), events_per_pair=f3(ev / pairs), spec_patches_ours=int(wspec), deployment_status_ours=int(mine),
         other=",".join("%s:%s/%s=%d" % (k[0], k[2], k[3], v) for k, v in sorted(other.items())) or "none")
    allw = sorted(t for v in writes.values() for t in v)
    line("promotion-status-events", watched=len(allw), per_workload_mean=f3(len(allw) / m),
         per_workload_max=max((len(v) for v in writes.values()), default=0))
    # (3) status writes during the soak windows
    per_window = [sum(1 for t in writes[name] if s <= t < e) for name, s, e, _ in windows]
    # Of those, the writes whose summary is that environment's soak ("env-0 1.1.0 soaking 6s/1m"):
    # servedSince is whole seconds, so a window can also hold the last "rolling out" writes.
    soak_only = [sum(1 for t, sm in soaking[name] if s <= t < e and sm.startswith(en + " ") and " soaking " in sm)
                 for name, s, e, en in windows]
    buckets = set()
    for _, s, e, _ in windows: buckets.update(range(int(math.floor(s)), int(math.ceil(e))))
    counts = collections.Counter(int(math.floor(t)) for t in allw)
    inside = [counts.get(b, 0) for b in sorted(buckets)]
    line("promotion-soak-writes", windows=len(windows), seconds=len(buckets), max_per_s=max(inside, default=0),
         mean_per_s=f3(sum(inside) / len(inside) if inside else float("nan")),
         per_window_mean=f3(sum(per_window) / len(per_window) if per_window else float("nan")),
         per_window_max=max(per_window, default=0),
         soaking_summary_per_window_mean=f3(sum(soak_only) / len(soak_only) if soak_only else float("nan")),
         soaking_summary_per_window_max=max(soak_only, default=0), expected_max=10)
    # (4) wall
    wall = max(complete_at.values()) - t0 if len(complete_at) == m else float("nan")
    line("promotion-wall", workloads=m, environments=n, soak_s=int(soak), wall_s=f3(wall),
         floor_s=int(soak * (n - 1)), complete=len(complete_at))
    if missing: print("missing gate pairs: " + " ".join(missing[:20]), file=sys.stderr)
    top = sorted(writes.items(), key=lambda kv: -len(kv[1]))[:3]
    print("most status writes: " + ", ".join("%s=%d" % (k, len(v)) for k, v in top), file=sys.stderr)
    json.dump(res, open(a["json"], "w"))
    g = dict(res)
    rows = [
        ("gate passed → next environment's Deployment on the candidate (%d pairs)" % len(allgate),
         "p50 %s s, p99 %s s, max %s s" % (g["promotion-gate"]["p50_s"], g["promotion-gate"]["p99_s"], g["promotion-gate"]["max_s"])),
        ("candidate written → first environment's Deployment on it", "p50 %s s, p99 %s s, max %s s" % (
            g["promotion-first"]["p50_s"], g["promotion-first"]["p99_s"], g["promotion-first"]["max_s"])),
        ("child writes per workload per environment", "%s (%s)" % (g["promotion-writes"]["child_per_pair"], g["promotion-writes"]["by"])),
        ("workloads/status writes per workload per environment", "%s (%s per workload)" % (
            g["promotion-writes"]["workload_status_per_pair"], g["promotion-writes"]["workload_status_per_workload"])),
        ("Events per workload per environment", g["promotion-writes"]["events_per_pair"]),
        ("workloads/status writes/s in soak windows", "max %s in a 1 s bucket, mean %s (%s s of windows)" % (
            g["promotion-soak-writes"]["max_per_s"], g["promotion-soak-writes"]["mean_per_s"], g["promotion-soak-writes"]["seconds"])),
        ("status writes per workload per soak window", "mean %s, max %s (soak summaries alone: mean %s, max %s)" % (
            g["promotion-soak-writes"]["per_window_mean"], g["promotion-soak-writes"]["per_window_max"],
            g["promotion-soak-writes"]["soaking_summary_per_window_mean"], g["promotion-soak-writes"]["soaking_summary_per_window_max"])),
        ("workloads/status PATCH responses", g["promotion-writes"]["workload_status_codes"]),
        ("Deployments given a new generation on their old version", g["promotion-same-version-generations"]["count"]),
        ("wall, candidate written → all Complete", "%s s (soaks alone: %s s)" % (g["promotion-wall"]["wall_s"], g["promotion-wall"]["floor_s"])),
    ]
    with open(a["table"], "w") as t:
        t.write("Promotion, %d workloads x %d environments, soak %d s; commit %s; load %s\n\n" % (m, n, int(soak), a["commit"], a["load"]))
        t.write("| figure | value |\n|---|---|\n")
        for k, v in rows: t.write("| %s | %s |\n" % (k, v))

cmd = sys.argv[1]
if cmd == "deployer": deployer(sys.argv[2], sys.argv[3])
elif cmd == "workload-watch": workload_watch(sys.argv[2], sys.argv[3])
elif cmd == "seed": seed(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
elif cmd == "promote": promote(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7])
elif cmd == "wait-rolled": wait_rolled(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6]))
elif cmd == "wait-complete": wait_complete(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]), sys.argv[6])
elif cmd == "analyze": analyze(dict(kv.split("=", 1) for kv in sys.argv[2:]))
else: sys.exit("unknown command " + cmd)
PY

# requests_by_subresource FILE: apiserver_request_total summed as "verb group resource subresource code count"
# lines (lib.sh's apiserver_requests sums over subresources; here deployments/status is ours and
# workloads/status the operator's, so they are kept apart). An empty subresource is "-".
requests_by_subresource() {
  kubectl get --raw /metrics | awk '
    /^apiserver_request_total\{/ {
      verb = group = resource = subr = code = ""
      if (match($0, /verb="[^"]*"/)) verb = substr($0, RSTART + 6, RLENGTH - 7)
      if (match($0, /group="[^"]*"/)) group = substr($0, RSTART + 7, RLENGTH - 8)
      if (match($0, /resource="[^"]*"/)) resource = substr($0, RSTART + 10, RLENGTH - 11)
      if (match($0, /subresource="[^"]*"/)) subr = substr($0, RSTART + 13, RLENGTH - 14)
      if (match($0, /code="[^"]*"/)) code = substr($0, RSTART + 6, RLENGTH - 7)
      if (resource == "") next
      sum[verb " " (group == "" ? "core" : group) " " resource " " (subr == "" ? "-" : subr) " " code] += $NF
    }
    END { for (k in sum) print k, sum[k] }' >"$1"
}

pairs=$((workloads * environments))
step "promotion: $workloads workloads x $environments environments, soak ${soak_seconds}s; out $out"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit (with local changes)"
echo "load promotion $load_before"
printf 'promotion-setup run workloads=%d environments=%d soak_s=%d labfleet_sha256=%s labfleet_built=%s\n' \
  "$workloads" "$environments" "$soak_seconds" "$(sha256sum "$labfleet_bin" | cut -c1-12)" \
  "$(date -u -r "$labfleet_bin" +%Y-%m-%dT%H:%MZ)"

# --- 1. control plane, fleet on 1.0.0 ------------------------------------------------------------
cluster_started=true
started=$SECONDS
timeout 300 "$root/hack/local-cluster.sh" up --dir "$cluster_dir" --node none >"$out/logs/up.log" 2>&1 ||
  { tail -n 20 "$out/logs/up.log" >&2; die "the control plane did not start within 300 s"; }
step "promotion: control plane up in $((SECONDS - started)) s"
install_crds
kubectl create namespace "$operator_ns" >/dev/null
python3 "$helper" deployer "$cluster_dir" "$out/deployer.log" 2>"$out/logs/deployer.err" &
watch_pids+=($!)
python3 "$helper" workload-watch "$cluster_dir" "$out/workloads.jsonl" 2>"$out/logs/workload-watch.err" &
watch_pids+=($!)
python3 "$helper" seed "$cluster_dir" "$workloads" "$environments" "$base" || die "seeding the fleet failed"
start_operator "$out/logs/labfleet.log" "$labfleet_bin" run --leader-elect=false --metrics-secure=false \
  --workers="$workers" --leader-election-namespace="$operator_ns" --log-format=text
reset_traps
ready_s=$(wait_ready "$(bound 60 0.01 $((pairs * 4)))")
step "promotion: labfleet ready in $ready_s s; waiting for $pairs Deployments on $base"
t=$(date +%s%N)
guarded "converging on $base" python3 "$helper" wait-rolled "$cluster_dir" "$workloads" "$environments" "$base" \
  "$(bound 120 0.2 "$pairs")" || die "the fleet did not converge on $base (log: $op_log)"
step "promotion: $pairs Deployments on $base and rolled out after $(elapsed_since "$t") s; waiting for the operator to be quiet"
wait_quiet 5 "$(bound 120 0.2 "$pairs")"
for pid in "${watch_pids[@]}"; do running "$pid" || die "a watch of the scenario exited (logs in $out/logs)"; done

# --- 2. the promotion ----------------------------------------------------------------------------
requests_by_subresource "$out/requests-before.txt"
kubectl get -n "promo-env-$((environments - 1))" deployment/promo-w0000-files configmap/promo-w0000-workshop -o yaml >"$out/last-env-before.yaml"
step "promotion: writing candidate $candidate (soak ${soak_seconds}s) on $workloads workloads"
t0=$(python3 "$helper" promote "$cluster_dir" "$workloads" "$environments" "$candidate" "${soak_seconds}s" "$deadline" | head -n 1)
[[ $t0 =~ ^[0-9]+$ ]] || die "writing the candidate failed"
echo "$t0" >"$out/t0"
# The last environment's first child objects, before and just after: what the candidate's arrival
# changes where it is not given yet.
snapshot() { kubectl get -n "promo-env-$((environments - 1))" deployment/promo-w0000-files configmap/promo-w0000-workshop -o yaml; }
step "promotion: written in $(elapsed_since "$t0") s; waiting for all to be Complete"
( sleep 3; snapshot >"$out/last-env-after-3s.yaml" 2>&1 ) &
watch_pids+=($!)
limit=$(bound $((soak_seconds * environments + 120)) 0.3 "$pairs")
status=0
guarded "promoting" python3 "$helper" wait-complete "$cluster_dir" "$workloads" "$candidate" "$limit" "$out/final.json" || status=$?
if ((status)); then
  step "promotion: the operator's last log lines:"
  tail -n 30 "$op_log" >&2
  die "not every workload Complete within $limit s (final list in $out/final.json, log $op_log)"
fi
step "promotion: all $workloads Complete after $(elapsed_since "$t0") s; waiting for the operator to be quiet"
wait_quiet 5 "$(bound 60 0.1 "$pairs")"
requests_by_subresource "$out/requests-after.txt"
sleep 1  # the watches' last events
python3 "$helper" analyze m="$workloads" n="$environments" soak="$soak_seconds" tag="$candidate" t0="$t0" \
  final="$out/final.json" deployer="$out/deployer.log" workloads="$out/workloads.jsonl" \
  before="$out/requests-before.txt" after="$out/requests-after.txt" json="$out/figures.json" \
  table="$out/table.md" commit="$commit" load="$load_before"
echo "load promotion-end $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'promotion-operator cpu_s=%s peak_rss_mb=%s warnings=%d errors=%d\n' "$(cpu_seconds)" "$(peak_rss_mb)" \
  "$(grep -c 'level=warn' "$op_log" || true)" "$(grep -c 'level=error' "$op_log" || true)"
step "promotion: done"
