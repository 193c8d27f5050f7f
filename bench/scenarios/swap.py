"""The swap scenario's helper (bench/scenarios/swap.sh): seeds the fleet, grants the leases at once,
watches every step of each swap, polls each Service's ClusterIP for the lease's page, releases,
waits for the fleet to settle, and computes the figures. Times are the host's epoch seconds, taken
when this process sees an event (a watch event, an answer)."""
import http.client, json, math, sys, threading, time

from cluster_api import Api, watch  # bench/scenarios/cluster_api.py, on PYTHONPATH

G = "/apis/labfleet.dev/v1alpha1/"
BASE = "v1"


def target(i): return "swap-t%d" % i
def ns(i): return "swap-%d" % i
def workload(i, one): return "swap-w" if one else "swap-w%d" % i
def tag(i): return "pr-%d" % (i + 1)
def page(t): return "labfleet files %s" % t


def image_tag(image):
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else ""


def seed(d, n, one):
    """N targets swap-tI (namespace swap-I, leases up to 1 h), a Workload per target paired with it
    alone (or, with one=1, one Workload swap-w on every target), files pinned to the base tag."""
    api, one, n = Api(d, 30), one == "1", int(n)
    for i in range(n):
        api.must("POST", G + "deploymenttargets", json.dumps({
            "apiVersion": "labfleet.dev/v1alpha1", "kind": "DeploymentTarget",
            "metadata": {"name": target(i), "labels": {"bench.labfleet.dev/swap": "true", "bench.labfleet.dev/slot": str(i)}},
            "spec": {"environment": "swap%d" % i, "namespace": ns(i), "registry": "localhost/labfleet", "channel": "stg",
                     "leases": {"defaultDuration": "10m", "maxDuration": "1h", "notifyBefore": "30s"}}}))
    for i in range(1 if one else n):
        slot = {"bench.labfleet.dev/swap": "true"} if one else {"bench.labfleet.dev/slot": str(i)}
        api.must("POST", G + "workloads", json.dumps({
            "apiVersion": "labfleet.dev/v1alpha1", "kind": "Workload",
            "metadata": {"name": workload(i, one), "labels": slot},
            "spec": {"images": {"workshop": {"repository": "workshop", "tag": BASE},
                                "files": {"repository": "files", "tag": BASE, "port": 8080}},
                     "workshop": {"title": workload(i, one), "files": {"image": "${FILES_IMAGE}"}}, "replicas": 1}}))
        api.must("POST", G + "schedulingpolicies", json.dumps({
            "apiVersion": "labfleet.dev/v1alpha1", "kind": "SchedulingPolicy", "metadata": {"name": workload(i, one)},
            "spec": {"workloadSelector": {"matchLabels": slot},
                     "targetSelector": {"matchLabels": {"bench.labfleet.dev/swap": "true"} if one else slot}}}))


def settled(d, n, one, want, timeout):
    """Until every target's files Deployment runs WANT's image, is rolled out (1 updated, ready and
    available replica, status current) and its namespace holds that one pod alone (no old pod
    terminating). Prints the IPs of the Services, one a line, in target order."""
    api, deadline, last, one = Api(d, 10), time.time() + timeout, time.time(), one == "1"
    while True:
        ok, ips, why = 0, [], ""
        for i in range(n):
            name = workload(i, one) + "-files"
            try:
                s, data = api.req("GET", "/apis/apps/v1/namespaces/%s/deployments/%s" % (ns(i), name))
                s2, pods = api.req("GET", "/api/v1/namespaces/%s/pods" % ns(i))
                s3, svc = api.req("GET", "/api/v1/namespaces/%s/services/%s" % (ns(i), name))
            except (OSError, http.client.HTTPException):
                s = 0
            if s != 200 or s2 != 200 or s3 != 200:
                why = why or "%s: not there yet" % ns(i); continue
            x, st = json.loads(data), None
            st = x.get("status") or {}
            t = image_tag(x["spec"]["template"]["spec"]["containers"][0]["image"])
            pods = json.loads(pods)["items"]
            if (t == want and st.get("observedGeneration") == x["metadata"]["generation"]
                    and st.get("updatedReplicas") == st.get("readyReplicas") == st.get("availableReplicas") == st.get("replicas") == 1
                    and len(pods) == 1):
                ok += 1
                ips.append(json.loads(svc)["spec"]["clusterIP"])
            else:
                why = why or "%s: files %s, status %s, %d pods" % (ns(i), t, json.dumps(
                    {k: st.get(k) for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")}), len(pods))
        if ok == n:
            print("\n".join(ips)); return
        if time.time() > deadline: sys.exit("timeout after %d s: %d of %d targets settled on %s; first not: %s" % (timeout, ok, n, want, why))
        if time.time() - last > 15:
            print("  %d of %d settled on %s; first not: %s" % (ok, n, want, why), file=sys.stderr); last = time.time()
        time.sleep(0.5)


def fetch(ip, timeout=1.0):
    """One GET of http://IP:8080/ on a new connection (kube-proxy picks an endpoint per connection)."""
    c = http.client.HTTPConnection(ip, 8080, timeout=timeout)
    try:
        c.request("GET", "/"); r = c.getresponse(); return r.read().decode(errors="replace").strip()
    finally:
        c.close()


def poll(out, every_ms, timeout, *pairs):
    """Runs in the node's network namespace. PAIRS are IP=TAG: each IP is fetched every EVERY_MS
    until it answers with TAG's page (or until TIMEOUT s). Writes one JSON line per IP to OUT:
    {ip, tag, t (epoch of the first answer with the page, null if none), requests, errors, other
    (answers with another page)}. Prints 'polling' once every IP has answered once (any page)."""
    every, deadline = int(every_ms) / 1000.0, time.time() + float(timeout)
    results, started = {}, threading.Barrier(len(pairs) + 1)

    def one(ip, want):
        r = {"ip": ip, "tag": want, "t": None, "requests": 0, "errors": 0, "other": 0}
        results[ip] = r
        first = True
        while time.time() < deadline:
            sent = time.time()
            try:
                body = fetch(ip, 1.0); got = time.time()
            except (OSError, http.client.HTTPException):
                body, got = None, time.time()
            r["requests"] += 1
            if first and body is not None:
                first = False; started.wait()
            if body == page(want):
                r["t"] = got; break
            if body is None: r["errors"] += 1
            else: r["other"] += 1
            time.sleep(max(0.0, sent + every - time.time()))
        if first: started.wait()

    threads = []
    for p in pairs:
        ip, want = p.split("=")
        th = threading.Thread(target=one, args=(ip, want), daemon=True); th.start(); threads.append(th)
    started.wait(); print("polling", flush=True)
    for th in threads: th.join()
    with open(out, "w") as f:
        for p in pairs: f.write(json.dumps(results[p.split("=")[0]]) + "\n")


def steady(want, *ips):
    """Each IP answers with WANT's page 5 times in a row (node's network namespace); exit 1 if not."""
    for ip in ips:
        for _ in range(5):
            try:
                if fetch(ip) != page(want): sys.exit(1)
            except (OSError, http.client.HTTPException):
                sys.exit(1)


def grant(d, n, rnd, one):
    """Creates the round's N leases at once, one connection and thread each; prints the epoch of
    the first POST."""
    one = one == "1"
    apis = [Api(d, 30) for _ in range(int(n))]
    for a in apis: a.req("GET", "/version")  # connect before the clock starts
    go, errors = threading.Barrier(int(n) + 1), []

    def post(i):
        body = json.dumps({"apiVersion": "labfleet.dev/v1alpha1", "kind": "EnvironmentLease",
            "metadata": {"name": "swap-r%s-%d" % (rnd, i), "labels": {"bench.labfleet.dev/swap-round": str(rnd)}},
            "spec": {"target": target(i), "holder": "pr-%d@example.com" % (i + 1), "duration": "10m",
                     "reason": "try pull request %d" % (i + 1),
                     "overrides": [{"workload": workload(i, one), "files": {"tag": tag(i)}}]}})
        go.wait()
        s, data = apis[i].req("POST", G + "environmentleases", body)
        if s not in (200, 201): errors.append("lease %d: HTTP %d %s" % (i, s, data[:200]))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(int(n))]
    for th in threads: th.start()
    t0 = time.time(); go.wait()
    for th in threads: th.join()
    if errors: sys.exit("; ".join(errors))
    print("%.6f" % t0)


def release(d, n, rnd):
    api = Api(d, 10)
    for i in range(int(n)):
        api.must("PATCH", G + "environmentleases/swap-r%s-%d" % (rnd, i), json.dumps({"spec": {"release": True}}),
                 "application/merge-patch+json")


def wait_serving(d, n, rnd, timeout):
    """Until the round's N leases are Active with Serving=True (Labfleet's own verdict)."""
    api, deadline = Api(d, 10), time.time() + float(timeout)
    while True:
        s, data = api.req("GET", G + "environmentleases?labelSelector=bench.labfleet.dev%%2Fswap-round%%3D%s" % rnd)
        items = json.loads(data)["items"] if s == 200 else []
        good = [x for x in items if (x.get("status") or {}).get("phase") == "Active" and any(
            c.get("type") == "Serving" and c.get("status") == "True" for c in x["status"].get("conditions") or [])]
        if len(good) == int(n): return
        if time.time() > deadline:
            sys.exit("timeout: %d of %s leases Active and Serving: %s" % (len(good), n, json.dumps(
                [(x["metadata"]["name"], x.get("status")) for x in items if x not in good])[:2000]))
        time.sleep(0.5)


# --- watches ---------------------------------------------------------------------------------------

def watches(d, log):
    """Every event of leases, the fleet's Deployments and pods, and EndpointSlices, reduced to what
    the figures need, as JSON lines in LOG."""
    out, lock = open(log, "a", buffering=1), threading.Lock()

    def write(rec):
        with lock: out.write(json.dumps(rec) + "\n")

    def lease(kind, o, t):
        st = o.get("status") or {}
        write({"t": t, "k": "lease", "ev": kind, "name": o["metadata"]["name"], "phase": st.get("phase", ""),
               "serving": any(c.get("type") == "Serving" and c.get("status") == "True" for c in st.get("conditions") or [])})

    def deploy(kind, o, t):
        m = o["metadata"]
        if not m["namespace"].startswith("swap-"): return
        write({"t": t, "k": "deploy", "ev": kind, "ns": m["namespace"], "gen": m.get("generation", 0),
               "tag": image_tag(o["spec"]["template"]["spec"]["containers"][0]["image"])})

    def pod(kind, o, t):
        m, st = o["metadata"], o.get("status") or {}
        if not m["namespace"].startswith("swap-"): return
        cs = (st.get("containerStatuses") or [{}])[0]
        write({"t": t, "k": "pod", "ev": kind, "ns": m["namespace"], "name": m["name"], "uid": m["uid"],
               "tag": image_tag(o["spec"]["containers"][0]["image"]), "bound": bool(o["spec"].get("nodeName")),
               "started": "running" in (cs.get("state") or {}),
               "ready": any(c.get("type") == "Ready" and c.get("status") == "True" for c in st.get("conditions") or [])})

    def slices(kind, o, t):
        m = o["metadata"]
        if not m["namespace"].startswith("swap-"): return
        ready = [e["targetRef"]["name"] for e in o.get("endpoints") or []
                 if (e.get("conditions") or {}).get("ready") and e.get("targetRef")]
        write({"t": t, "k": "slice", "ev": kind, "ns": m["namespace"], "ready": ready})

    for path, handle in ((G + "environmentleases", lease),
                         ("/apis/apps/v1/deployments?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dlabfleet", deploy),
                         ("/api/v1/pods?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dlabfleet", pod),
                         ("/apis/discovery.k8s.io/v1/endpointslices", slices)):
        threading.Thread(target=watch, args=(Api(d, 10), path, handle), daemon=True).start()
    while True: time.sleep(3600)


def ctr_map(sock, out):
    """Appends to OUT, as JSON lines, what each container of the node's containerd not mapped yet
    belongs to: {id, uid (the pod's), kind (sandbox or container), name (the container's)}."""
    import subprocess
    ctr = ["ctr", "--address", sock, "--namespace", "k8s.io"]
    try: known = {json.loads(l)["id"] for l in open(out)}
    except FileNotFoundError: known = set()
    ids = subprocess.run(ctr + ["containers", "ls", "-q"], check=True, capture_output=True, text=True).stdout.split()
    with open(out, "a") as f:
        for i in ids:
            if i in known: continue
            info = subprocess.run(ctr + ["containers", "info", i], capture_output=True, text=True)
            if info.returncode != 0: continue
            labels = json.loads(info.stdout).get("Labels") or {}
            f.write(json.dumps({"id": i, "uid": labels.get("io.kubernetes.pod.uid", ""),
                                "kind": labels.get("io.cri-containerd.kind", ""),
                                "name": labels.get("io.kubernetes.container.name", "")}) + "\n")


def task_starts(path):
    """From `ctr events` lines ('2026-12-05 15:02:20.123456789 +0000 UTC k8s.io /tasks/start {json}'):
    {container id: epoch of its first /tasks/start}."""
    from datetime import datetime
    out = {}
    for line in open(path, errors="replace"):
        f = line.split(" ", 6)
        if len(f) < 7 or f[4] != "k8s.io" or f[5] != "/tasks/start": continue
        day, clock, offset = f[0], f[1], f[2]
        whole, _, frac = clock.partition(".")
        t = datetime.strptime("%s %s %s" % (day, whole, offset), "%Y-%m-%d %H:%M:%S %z").timestamp() + float("0." + (frac or "0"))
        cid = json.loads(f[6]).get("container_id")
        if cid and cid not in out: out[cid] = t
    return out


# --- figures ---------------------------------------------------------------------------------------

PHASES = [("labfleet", "Active -> Deployment written with the lease's image"),
          ("rollout", "-> its new pod created (Deployment and ReplicaSet controllers)"),
          ("scheduler", "-> pod bound to the node"),
          ("sandbox", "-> pod sandbox started (kubelet sees the pod; CNI network; pause container)"),
          ("container", "-> files container started (from the imported image; no pull)"),
          ("running", "-> pod Running as a watcher sees it (kubelet notices the container: its PLEG relists every 1 s)"),
          ("ready", "-> pod Ready as a watcher sees it (readiness probe; 0 when reported with Running)"),
          ("endpoints", "-> EndpointSlice lists the new pod ready"),
          ("proxy", "-> first answer with the lease's page through the ClusterIP (kube-proxy rules, poll)")]


# The names for the parts of a swap, each the sum of phases above ("controllers" are
# kube-controller-manager's and the scheduler's, which the list leaves out).
GROUPS = [("Labfleet", ["labfleet"]), ("controllers", ["rollout", "scheduler"]),
          ("kubelet", ["sandbox", "container", "running"]),
          ("probe", ["ready"]), ("endpoints", ["endpoints"]), ("kube-proxy", ["proxy"])]


def pct(v, q):
    """Nearest rank."""
    v = sorted(v); return v[max(0, math.ceil(q / 100.0 * len(v)) - 1)]


def analyze(events, rounds_file, n, one, table, ctr_events, ctr_ids):
    """ROUNDS_FILE: lines 'ROUND T0 POLLFILE'. Prints key=value lines, writes a Markdown table."""
    n, one = int(n), one == "1"
    evs = [json.loads(l) for l in open(events)]
    starts, containers = task_starts(ctr_events), [json.loads(l) for l in open(ctr_ids)]
    rows = []
    for line in open(rounds_file):
        rnd, t0, pollfile = line.split()
        t0 = float(t0)
        served = {}
        for l in open(pollfile):
            p = json.loads(l); served[p["tag"]] = p
        for i in range(n):
            name, want, nsi = "swap-r%s-%d" % (rnd, i), tag(i), ns(i)
            after = [e for e in evs if e["t"] >= t0 - 0.001]

            def first(pred):
                return next((e["t"] for e in after if pred(e)), None)

            r = {"round": rnd, "lease": name,
                 "active": first(lambda e: e["k"] == "lease" and e["name"] == name and e["phase"] == "Active"),
                 "labfleet": first(lambda e: e["k"] == "deploy" and e["ns"] == nsi and e["tag"] == want)}
            pod = next((e["name"] for e in after if e["k"] == "pod" and e["ns"] == nsi and e["tag"] == want), None)
            r["pod"] = pod
            uid = next((e["uid"] for e in after if e["k"] == "pod" and e["name"] == pod), None)
            r["rollout"] = first(lambda e: e["k"] == "pod" and e["name"] == pod)
            r["scheduler"] = first(lambda e: e["k"] == "pod" and e["name"] == pod and e["bound"])
            r["sandbox"] = next((starts.get(c["id"]) for c in containers if c["uid"] == uid and c["kind"] == "sandbox"), None)
            r["container"] = next((starts.get(c["id"]) for c in containers if c["uid"] == uid and c["name"] == "files"), None)
            r["running"] = first(lambda e: e["k"] == "pod" and e["name"] == pod and e["started"])
            r["ready"] = first(lambda e: e["k"] == "pod" and e["name"] == pod and e["ready"])
            r["endpoints"] = first(lambda e: e["k"] == "slice" and e["ns"] == nsi and pod in e["ready"])
            r["proxy"] = served.get(want, {}).get("t")
            r["serving"] = first(lambda e: e["k"] == "lease" and e["name"] == name and e["serving"])
            r["t0"] = t0
            r["requests"] = served.get(want, {}).get("requests")
            rows.append(r)
    missing = [(r["lease"], k) for r in rows for k in ["active"] + [p for p, _ in PHASES] + ["serving"] if r[k] is None]
    if missing:
        sys.exit("no figure for: " + ", ".join("%s %s" % m for m in missing[:20]))
    totals = [r["proxy"] - r["active"] for r in rows]
    prev = "active"
    split = {}
    for p, _ in PHASES:
        split[p] = [r[p] - r[prev] for r in rows]; prev = p
    grant = [r["active"] - r["t0"] for r in rows]
    serving = [r["serving"] - r["active"] for r in rows]
    ms = lambda x: "%d" % round(x * 1000)
    print("swap samples=%d rounds=%d targets=%d active_to_served_p50_ms=%s p99_ms=%s max_ms=%s min_ms=%s" % (
        len(rows), len(rows) // n, n, ms(pct(totals, 50)), ms(pct(totals, 99)), ms(max(totals)), ms(min(totals))))
    print("swap-grant created_to_active_p50_ms=%s max_ms=%s active_spread_ms_max=%s" % (
        ms(pct(grant, 50)), ms(max(grant)),
        ms(max(max(r["active"] for r in rows if r["round"] == k) - min(r["active"] for r in rows if r["round"] == k)
               for k in set(r["round"] for r in rows)))))
    for p, what in PHASES:
        v = split[p]
        print("swap-phase %s p50_ms=%s p99_ms=%s max_ms=%s min_ms=%s mean_share=%.0f%%" % (
            p, ms(pct(v, 50)), ms(pct(v, 99)), ms(max(v)), ms(min(v)), 100.0 * sum(v) / sum(totals)))
    print("swap-serving-verdict active_to_serving_p50_ms=%s p99_ms=%s" % (ms(pct(serving, 50)), ms(pct(serving, 99))))
    same = sum(1 for r in rows if abs(r["running"] - r["ready"]) < 0.001)
    print("swap-running-ready same_event=%d of %d" % (same, len(rows)))
    for k in sorted(set(r["round"] for r in rows)):
        v = [r["proxy"] - r["active"] for r in rows if r["round"] == k]
        print("swap-round %s p50_ms=%s max_ms=%s" % (k, ms(pct(v, 50)), ms(max(v))))
    for r in rows:
        print("swap-lease %s pod=%s cumulative_from_active %s" % (r["lease"], r["pod"], " ".join(
            "%s_ms=%s" % (p, ms(r[p] - r["active"])) for p, _ in PHASES)))
    group = {g: [sum(split[p][k] for p in ps) for k in range(len(rows))] for g, ps in GROUPS}
    for g, _ in GROUPS:
        v = group[g]
        print("swap-part %s p50_ms=%s p99_ms=%s max_ms=%s mean_share=%.0f%%" % (
            g, ms(pct(v, 50)), ms(pct(v, 99)), ms(max(v)), 100.0 * sum(v) / sum(totals)))
    biggest = max(GROUPS, key=lambda g: sum(group[g[0]]))[0]
    with open(table, "w") as f:
        f.write("| lease Active -> | p50 ms | p99 ms | max ms | share of the total |\n|---|---:|---:|---:|---:|\n")
        for p, what in PHASES:
            v = split[p]
            f.write("| %s: %s | %s | %s | %s | %.0f%% |\n" % (p, what, ms(pct(v, 50)), ms(pct(v, 99)), ms(max(v)),
                                                           100.0 * sum(v) / sum(totals)))
        f.write("| **total: Active -> the lease's page served** | **%s** | **%s** | **%s** | 100%% |\n" % (
            ms(pct(totals, 50)), ms(pct(totals, 99)), ms(max(totals))))
        for g, ps in GROUPS:
            v = group[g]
            f.write("| part %s (%s) | %s | %s | %s | %.0f%% |\n" % (g, " + ".join(ps), ms(pct(v, 50)), ms(pct(v, 99)),
                                                             ms(max(v)), 100.0 * sum(v) / sum(totals)))
        f.write("\n%d swaps (%d rounds of %d leases created at once); largest share: %s. "
                "Labfleet's own Serving=True verdict after Active: p50 %s ms, p99 %s ms.\n" % (
                    len(rows), len(rows) // n, n, biggest, ms(pct(serving, 50)), ms(pct(serving, 99))))
    print("swap-bottleneck largest_share=%s" % biggest)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"seed": seed, "settled": lambda d, n, one, want, t: settled(d, int(n), one, want, float(t)),
     "poll": poll, "steady": steady, "grant": grant, "release": release, "wait-serving": wait_serving,
     "watches": watches, "ctr-map": ctr_map, "analyze": analyze}[cmd](*args)
