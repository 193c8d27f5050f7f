#!/usr/bin/env python3
"""What the API server admits, the operator must use: a differential check of every validated field.

usage: admission_parity.py KUBECONFIG OPERATOR [SEED]

For every field the CRDs validate (durations, tags, channels, quantities, resource names, label keys
and values, selectors, names, integers, lengths), generates values (edge cases: zero, fractions, huge
numbers, units, unicode, long strings; then seeded random ones), sets each in an otherwise valid
object and creates it on the API server with dryRun=All. Every object the server admits (as it
returns it, defaults applied) goes through `OPERATOR check-specs`, which decodes and validates it
as the reconcilers do. Prints one line per field (values tried, admitted, refused), then every
admitted value the operator refuses, and exits 1 when there is one (2 on a setup error).
Deterministic for a seed; bounded (a few thousand requests).
"""
import base64
import copy
import http.client
import json
import os
import random
import ssl
import subprocess
import sys
import tempfile
import urllib.parse

import yaml

GROUP = "/apis/labfleet.dev/v1alpha1/"
PLURALS = {"DeploymentTarget": "deploymenttargets", "Workload": "workloads",
           "SchedulingPolicy": "schedulingpolicies", "EnvironmentLease": "environmentleases"}
RANDOM_VALUES = 24  # random values per field, after its edge cases

BASES = {
    "DeploymentTarget": {"spec": {"environment": "dev", "namespace": "parity"}},
    "Workload": {"spec": {"images": {"workshop": {"repository": "w/a"}, "files": {"repository": "w/b"}}}},
    "SchedulingPolicy": {"spec": {"workloadSelector": {}, "targetSelector": {}}},
    "EnvironmentLease": {"spec": {"target": "t", "holder": "h"}},
}


# --- value generators: edge cases first, then rng-drawn values --------------------------------------
def text(rng, alphabet, low, high):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
UNICODE = "éßж中😀\u0301"


def durations(rng):
    edge = ["0.5ms", "100000h", "1ms", "0s", "0ms", "0.9ms0.9ms", "0.5ms0.5ms", "0.999ms", "1.0ms", "87840h",
            "87840h1ms", "87839h60m", "87840.0000001h", "5270400m", "316224000s", "316224000000ms",
            "316224000001ms", "1h0.5ms", "2562047h", "2562048h", "99999999999999999999h", "1.5h", "01h",
            "0001ms", "1e3s", "1us", "1ns", "1µs", "1d", "-1h", "+1h", "1h ", "", "1", "h", "1.h", ".5h", "1h30m",
            "0.0000001h", "0.00000000000000000000001h", "0.000000277777778h", "1.00000000000000000000000001h",
            "9223372036ms", "0.001s", "0.0009s", "1m0.0001ms", "59m59.9999999s"]
    units = ["ms", "s", "m", "h", "h", "ms", "us", "d", ""]
    out = list(edge)
    for _ in range(RANDOM_VALUES * 2):
        parts = []
        for _ in range(rng.randint(1, 3)):
            whole = text(rng, "0123456789", 1, rng.choice([1, 2, 4, 8, 12]))
            fraction = "." + text(rng, "0123456789", 1, rng.choice([1, 3, 9, 14])) if rng.random() < 0.4 else ""
            parts.append(whole + fraction + rng.choice(units))
        out.append("".join(parts))
    return out


def tags(rng, digests=True):
    hex64 = "0123456789abcdef" * 4
    edge = ["a", "_", "latest", "1.0", "v1.2.3-rc.1", ".a", "-a", "a" * 128, "a" * 129, "A_b-c.d", "é", "a b", "a/b",
            "a:b", "a@b", ""]
    if digests:
        edge += ["sha256:" + hex64, "sha256:" + hex64[:63], "sha256:" + hex64.upper(), "sha256:" + "g" * 64,
                 "sha512:" + hex64 * 2, "sha256:" + hex64 + "0"]
    alphabet = "abcXYZ019_.-" + "é:/@ "
    return edge + [text(rng, alphabet if rng.random() < 0.3 else "abcXYZ019_.-", 0, 140) for _ in range(RANDOM_VALUES)]


def quantities(rng):
    edge = ["0", "1", "0.5", "500m", ".5", "5.", "1e3", "1E3", "1e-999", "1e999", "1e+3", "1Ki", "1.5Gi", "0.1m", "1n",
            "1u", "9223372036854775807", "9223372036854775808", "9223372036854775807.5", "9223372036854775806.999",
            "8Ei", "7.99Ei", "7.999999999Ei", "9E", "10E", "999E", "1e18", "1e19", "9.2e18", "9223372036854775807000m",
            "9223372036854775808000m", "-1", "+1", "1 Ki", "1k", "1K", "1KI", "0.0000000001", "1.1234567891",
            "00001", "0x10", "∞", "１", "NaN", "", "0.000000001n", "1.000000001", "18446744073709551615"]
    suffixes = ["", "", "m", "k", "M", "G", "T", "P", "E", "n", "u", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3", "e-3",
                "E18", "e-9", "e100"]
    out = list(edge)
    for _ in range(RANDOM_VALUES * 2):
        whole = text(rng, "0123456789", 0 if rng.random() < 0.1 else 1, rng.choice([1, 3, 10, 20]))
        fraction = "." + text(rng, "0123456789", 0, 10) if rng.random() < 0.4 else ""
        out.append(whole + fraction + rng.choice(suffixes))
    return out


def integer_quantities():
    # As JSON numbers, not strings: ints up to 2^64 - 1 and floats.
    return [0, 1, 2 ** 31, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, -1, 0.5, 1.0, 1e20]


def subdomain(rng, low_part=1, high_part=70, parts=(1, 4)):
    out = []
    for _ in range(rng.randint(*parts)):
        part = text(rng, LOWER + "-", low_part, high_part)
        if rng.random() < 0.8:
            part = rng.choice("abc1") + part[1:-1] + rng.choice("xyz9") if len(part) > 1 else rng.choice("ab9")
        out.append(part)
    return ".".join(out)


def name_part(rng, high=70):
    body = text(rng, "aZ0-_.", 0, high)
    return rng.choice("aZ0") + body + rng.choice("bY9") if rng.random() < 0.8 else body


def label_keys(rng):
    edge = ["a", "A", "a" * 63, "a" * 64, "example.com/a", "Example.com/a", "a/", "/a", "a/b/c", "", "é",
            "a" * 253 + "/a", "a" * 254 + "/a", "a" * 64 + ".example.com/a", "example.com/" + "a" * 63,
            "example.com/" + "a" * 64, "a_b.c-d", "-a", "a.", "kubernetes.io/arch", "x" * 250 + ".io/" + "y" * 63]
    out = list(edge)
    for _ in range(RANDOM_VALUES):
        prefix = subdomain(rng, 1, rng.choice([5, 70, 130])) + "/" if rng.random() < 0.6 else ""
        out.append(prefix + name_part(rng, rng.choice([10, 61, 70])))
    return out


def label_values(rng):
    edge = ["", "a", "a" * 63, "a" * 64, "-a", "a-", "a b", "é", "a.b_c-d", "A"]
    return edge + [name_part(rng, rng.choice([10, 61, 70])) for _ in range(RANDOM_VALUES)]


def dns_names(rng, high=70):
    edge = ["a", "a" * 63, "a" * 64, "a" * 253, "a" * 254, "1a", "a-", "-a", "a.b", "a..b", "A", "é", "",
            "a" * 57, "a" * 58, "a" * 64 + ".b", "a_b"]
    return edge + [subdomain(rng, 1, rng.choice([10, 63, high]), (1, 3)) for _ in range(RANDOM_VALUES)]


def resource_names(rng):
    edge = ["cpu", "memory", "ephemeral-storage", "hugepages-2Mi", "hugepages-1Gi", "hugepages-abc", "hugepages-",
            "hugepages-0", "hugepages-1.5Mi", "hugepages-999999Gi", "hugepages-1000000Gi", "hugepages-1e3",
            "hugepages-64Ki", "example.com/gpu", "a" * 64 + ".com/gpu", "a" * 253 + "/x", "a" * 254 + "/x",
            "example.com/" + "a" * 64, "gpu", "CPU", "nvidia.com/gpu_x", "kubernetes.io/foo", "pods"]
    return edge + ["hugepages-" + text(rng, "0123456789.kKMGTiE", 1, 8) for _ in range(RANDOM_VALUES // 2)] + \
        [subdomain(rng, 1, 70, (1, 3)) + "/" + name_part(rng, 66) for _ in range(RANDOM_VALUES // 2)]


def long_texts(rng, limit):
    edge = ["", "a", "a" * limit, "a" * (limit + 1), "é" * limit, "é" * (limit + 1), "😀" * limit, "\u0301" * limit,
            "中" * (limit - 1) + "ab"]
    return edge + [text(rng, "ab " + UNICODE, limit - 3, limit + 3) for _ in range(RANDOM_VALUES // 2)]


def integers(low, high):
    return sorted({0, 1, -1, low - 1, low, high, high + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 63 - 1, 2 ** 63}) + \
        [1.0, 1.5, 1e16, 1e19, "1"]


# --- fields: (name, kind, function that sets a value into a copy of the kind's base object) ----------
def at(path):
    def setter(obj, value):
        node = obj
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
        node[path[-1]] = value
    return setter


def pod_fields(kind, rng):
    base = ["spec", "pod"]
    out = []
    for side in ("requests", "limits"):
        out.append((f"{kind} pod.resources.{side} (string)", kind, at(base + ["resources", side, "memory"]),
                    quantities(rng)))
        out.append((f"{kind} pod.resources.{side} (number)", kind, at(base + ["resources", side, "cpu"]),
                    integer_quantities()))
    out.append((f"{kind} pod.resources.requests keys", kind,
                lambda o, v: at(base + ["resources", "requests"])(o, {v: "1"}), resource_names(rng)))
    pairs = [(rng.choice(quantities(rng)), rng.choice(quantities(rng))) for _ in range(RANDOM_VALUES)]
    pairs += [("1", "1000m"), ("1001m", "1"), ("0.0000000001", "1n"), ("1Ki", "1024"), ("1e-999", "0")]
    out.append((f"{kind} pod.resources requests <= limits", kind,
                lambda o, v: at(base + ["resources"])(o, {"requests": {"cpu": v[0]}, "limits": {"cpu": v[1]}}),
                pairs))
    out.append((f"{kind} pod.imagePullSecrets[].name", kind, lambda o, v: at(base + ["imagePullSecrets"])(o, [{"name": v}]),
                dns_names(rng)))
    for field in ("nodeSelector", "labels", "annotations"):
        out.append((f"{kind} pod.{field} keys", kind, lambda o, v, f=field: at(base + [f])(o, {v: "x"}),
                    label_keys(rng)))
    for field in ("nodeSelector", "labels"):
        out.append((f"{kind} pod.{field} values", kind, lambda o, v, f=field: at(base + [f])(o, {"k": v}),
                    label_values(rng)))
    out.append((f"{kind} pod.annotations values", kind, lambda o, v: at(base + ["annotations"])(o, {"k": v}),
                long_texts(rng, 4096)[:6]))
    tolerations = []
    for _ in range(RANDOM_VALUES * 2):
        toleration = {}
        if rng.random() < 0.8:
            toleration["key"] = rng.choice(label_keys(rng))
        if rng.random() < 0.7:
            toleration["operator"] = rng.choice(["Equal", "Exists", "Equal", "Exists", "In", ""])
        if rng.random() < 0.5 and toleration.get("operator") != "Exists":
            toleration["value"] = rng.choice(label_values(rng))
        if rng.random() < 0.6:
            toleration["effect"] = rng.choice(["NoSchedule", "PreferNoSchedule", "NoExecute", "noexecute"])
        if rng.random() < 0.4 and toleration.get("effect") == "NoExecute":
            toleration["tolerationSeconds"] = rng.choice(integers(0, 2 ** 63 - 1))
        tolerations.append(toleration)
    out.append((f"{kind} pod.tolerations[]", kind, lambda o, v: at(base + ["tolerations"])(o, [v]), tolerations))
    out.append((f"{kind} pod.priorityClassName", kind, at(base + ["priorityClassName"]), dns_names(rng)))
    out.append((f"{kind} pod.securityContext.runAsUser", kind, at(base + ["securityContext", "runAsUser"]),
                integers(1, 2 ** 31 - 1)))
    out.append((f"{kind} pod.securityContext.runAsGroup", kind, at(base + ["securityContext", "runAsGroup"]),
                integers(0, 2 ** 31 - 1)))
    return out


def selector_fields(side, rng):
    base = ["spec", side]
    expressions = []
    for _ in range(RANDOM_VALUES * 2):
        operator = rng.choice(["In", "NotIn", "Exists", "DoesNotExist", "In", "NotIn", "Exists", "in", ""])
        expression = {"key": rng.choice(label_keys(rng)), "operator": operator}
        if rng.random() < 0.9 if operator in ("In", "NotIn") else rng.random() < 0.2:
            expression["values"] = [rng.choice(label_values(rng)) for _ in range(rng.randint(0, 3))]
        expressions.append(expression)
    return [
        (f"SchedulingPolicy {side}.matchLabels keys", "SchedulingPolicy",
         lambda o, v: at(base + ["matchLabels"])(o, {v: "x"}), label_keys(rng)),
        (f"SchedulingPolicy {side}.matchLabels values", "SchedulingPolicy",
         lambda o, v: at(base + ["matchLabels"])(o, {"k": v}), label_values(rng)),
        (f"SchedulingPolicy {side}.matchExpressions[]", "SchedulingPolicy",
         lambda o, v: at(base + ["matchExpressions"])(o, [v]), expressions),
    ]


def fields(rng):
    lease_durations = durations(rng)
    # Three durations of the form the CRD admits, in any order: the cross-field rules decide.
    valid = ["1ms", "2ms", "0.5ms", "0.9ms0.9ms", "59m", "60m", "1h", "3600000ms", "1h0.5ms", "1h1ms", "5m", "90s",
             "1.5h", "8h", "87840h", "87839h59m59.9995s", "0.0005s"]
    triples = [(rng.choice(valid), rng.choice(valid), rng.choice(valid)) for _ in range(RANDOM_VALUES * 3)]
    triples += [("1h", "1h", "59m59.9999s"), ("1h", "1h0.5ms", "1h"), ("1ms", "1ms", "0.5ms"), ("1h", "8h", "8h"),
                ("1h", "1h", "1h"), ("2ms", "2ms", "1ms"), ("1h0.1ms", "1h0.2ms", "1h0.15ms")]

    def leases(obj, value):
        obj["spec"]["leases"] = {name: v for name, v in zip(("defaultDuration", "maxDuration", "notifyBefore"), value)
                                 if v is not None}

    def promotion(obj, fields_):
        obj["spec"]["promotion"] = {"environments": ["dev"], "candidate": {"workshop": {"tag": "1"}, "files": {"tag": "1"}},
                                    **fields_}

    out = [
        ("EnvironmentLease spec.duration", "EnvironmentLease", at(["spec", "duration"]), lease_durations),
        ("EnvironmentLease spec.target", "EnvironmentLease", at(["spec", "target"]), dns_names(rng)),
        ("EnvironmentLease spec.holder", "EnvironmentLease", at(["spec", "holder"]), long_texts(rng, 253)),
        ("EnvironmentLease spec.reason", "EnvironmentLease", at(["spec", "reason"]), long_texts(rng, 256)),
        ("EnvironmentLease spec.base", "EnvironmentLease", at(["spec", "base"]), tags(rng, digests=False)),
        ("EnvironmentLease spec.overrides[].workload", "EnvironmentLease",
         lambda o, v: at(["spec", "overrides"])(o, [{"workload": v, "files": {"tag": "x"}}]), dns_names(rng)),
        ("EnvironmentLease spec.overrides[].workshop.tag", "EnvironmentLease",
         lambda o, v: at(["spec", "overrides"])(o, [{"workload": "w", "workshop": {"tag": v}}]), tags(rng)),
        ("EnvironmentLease metadata.name", "EnvironmentLease", at(["metadata", "name"]), dns_names(rng)),
        ("DeploymentTarget spec.leases (one duration)", "DeploymentTarget",
         lambda o, v: leases(o, (v, "87840h", None)), lease_durations),
        ("DeploymentTarget spec.leases (three durations)", "DeploymentTarget", leases, triples),
        ("DeploymentTarget spec.leases.maxDuration alone", "DeploymentTarget", lambda o, v: leases(o, (None, v, None)),
         lease_durations),
        ("DeploymentTarget spec.leases.notifyBefore alone", "DeploymentTarget",
         lambda o, v: leases(o, (None, None, v)), lease_durations),
        ("DeploymentTarget spec.channel", "DeploymentTarget", at(["spec", "channel"]), tags(rng, digests=False)),
        ("DeploymentTarget spec.environment", "DeploymentTarget", at(["spec", "environment"]), dns_names(rng)),
        ("DeploymentTarget spec.namespace", "DeploymentTarget", at(["spec", "namespace"]), dns_names(rng)),
        ("DeploymentTarget spec.registry", "DeploymentTarget", at(["spec", "registry"]),
         ["", "registry.example.com:5000/team", "a:99999", "a:1/b", "http://a", "a/B", "é.com", "a" * 253, "a" * 254,
          "-a", "a.-b", "a__b/c"] + [subdomain(rng, 1, 20, (1, 3)) + rng.choice(["", ":5000", ":0"]) +
                                    rng.choice(["", "/team", "/a_b/c--d", "/A"]) for _ in range(RANDOM_VALUES)]),
        ("DeploymentTarget metadata.name", "DeploymentTarget", at(["metadata", "name"]), dns_names(rng)),
        ("Workload metadata.name", "Workload", at(["metadata", "name"]), dns_names(rng)),
        ("Workload spec.images.workshop.tag", "Workload", at(["spec", "images", "workshop", "tag"]), tags(rng)),
        ("Workload spec.images.files.tag", "Workload", at(["spec", "images", "files", "tag"]), tags(rng)),
        ("Workload spec.images.files.repository", "Workload", at(["spec", "images", "files", "repository"]),
         ["a", "a/b", "a__b", "a___b", "a--b", "a.b/c", "A", "a/", "/a", "é", "a" * 255, "a" * 256] +
         [text(rng, "ab09._-/", 1, 40) for _ in range(RANDOM_VALUES)]),
        ("Workload spec.images.files.port", "Workload", at(["spec", "images", "files", "port"]), integers(1, 65535)),
        ("Workload spec.replicas", "Workload", at(["spec", "replicas"]), integers(0, 100)),
        ("Workload spec.overrides[].environment", "Workload",
         lambda o, v: at(["spec", "overrides"])(o, [{"environment": v, "files": {"tag": "x"}}]), dns_names(rng)),
        ("Workload spec.overrides[].target", "Workload",
         lambda o, v: at(["spec", "overrides"])(o, [{"target": v, "files": {"tag": "x"}}]), dns_names(rng)),
        ("Workload spec.overrides[].workshop.tag", "Workload",
         lambda o, v: at(["spec", "overrides"])(o, [{"target": "t", "workshop": {"tag": v}}]), tags(rng)),
        ("Workload spec.promotion.soak", "Workload",
         lambda o, v: promotion(o, {"soak": v}), lease_durations),
        ("Workload spec.promotion.deadline", "Workload",
         lambda o, v: promotion(o, {"deadline": v}), lease_durations),
        ("Workload spec.promotion.environments[]", "Workload",
         lambda o, v: promotion(o, {"environments": [v], "approvalRequired": [v]}), dns_names(rng)),
        ("Workload spec.promotion.candidate.files.tag", "Workload",
         lambda o, v: promotion(o, {"candidate": {"workshop": {"tag": "1"}, "files": {"tag": v}}}), tags(rng)),
        ("Workload spec.promotion.approvals[]", "Workload",
         lambda o, v: promotion(o, {"approvals": [{"environment": v, "workshop": {"tag": "1"}, "files": {"tag": "1"}}]}),
         dns_names(rng)),
        ("SchedulingPolicy spec.environments[]", "SchedulingPolicy", lambda o, v: at(["spec", "environments"])(o, [v]),
         dns_names(rng)),
    ]
    out += pod_fields("DeploymentTarget", rng) + pod_fields("Workload", rng)
    out += selector_fields("workloadSelector", rng) + selector_fields("targetSelector", rng)
    return out


# --- the API server -----------------------------------------------------------------------------------
class ApiServer:
    def __init__(self, kubeconfig_path, scratch):
        config = yaml.safe_load(open(kubeconfig_path))
        context = next(c["context"] for c in config["contexts"] if c["name"] == config["current-context"])
        cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
        self.url = urllib.parse.urlparse(cluster["server"])
        self.ssl = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        cert, key = os.path.join(scratch, "client.crt"), os.path.join(scratch, "client.key")
        with open(cert, "wb") as out:
            out.write(base64.b64decode(user["client-certificate-data"]))
        with open(key, "wb") as out:
            out.write(base64.b64decode(user["client-key-data"]))
        self.ssl.load_cert_chain(cert, key)
        self.connection = None

    def dry_run_create(self, obj):
        """(admitted, body): the object as the server would store it, or its Status."""
        body = json.dumps(obj).encode()
        for _ in range(2):  # one reconnect when the server closed an idle connection
            if self.connection is None:
                self.connection = http.client.HTTPSConnection(self.url.hostname, self.url.port, context=self.ssl,
                                                              timeout=30)
            try:
                self.connection.request("POST", GROUP + PLURALS[obj["kind"]] + "?dryRun=All", body,
                                        {"Content-Type": "application/json"})
                response = self.connection.getresponse()
                data = json.loads(response.read() or b"{}")
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
        else:
            raise SystemExit("admission_parity: the API server did not answer")
        if response.status in (200, 201):
            return True, data
        if response.status in (400, 422):
            return False, data
        raise SystemExit(f"admission_parity: unexpected HTTP {response.status}: {data}")


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    seed = int(sys.argv[3]) if len(sys.argv) == 4 else 20
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as scratch:
        server = ApiServer(sys.argv[1], scratch)
        admitted = []  # (field, value, object as the server returned it)
        totals = []
        for number, (field, kind, setter, values) in enumerate(fields(rng)):
            count = refused = 0
            for index, value in enumerate(values):
                obj = copy.deepcopy(BASES[kind])
                obj.update({"apiVersion": "labfleet.dev/v1alpha1", "kind": kind,
                            "metadata": {"name": f"parity-{number}-{index}"}})
                obj["spec"] = copy.deepcopy(BASES[kind]["spec"])
                setter(obj, value)
                ok, body = server.dry_run_create(obj)
                count += 1
                if ok:
                    admitted.append((field, value, body))
                else:
                    refused += 1
            totals.append((field, count, count - refused, refused))
    lines = "".join(json.dumps(body) + "\n" for _, _, body in admitted)
    result = subprocess.run([sys.argv[2], "check-specs"], input=lines, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        print(f"admission_parity: check-specs exited {result.returncode}: {result.stderr}", file=sys.stderr)
        return 2
    verdicts = result.stdout.splitlines()
    if len(verdicts) != len(admitted):
        print(f"admission_parity: {len(verdicts)} verdicts for {len(admitted)} objects", file=sys.stderr)
        return 2
    mismatches = collections_by_field(admitted, verdicts)
    tried = sum(t[1] for t in totals)
    print(f"seed {seed}: {tried} values of {len(totals)} fields, {len(admitted)} admitted by the API server")
    for field, count, accepted, refused in totals:
        bad = len(mismatches.get(field, []))
        print(f"{'FAIL' if bad else 'ok  '} {field}: {count} tried, {accepted} admitted, {refused} refused"
              + (f", {bad} admitted but refused by the operator" if bad else ""))
    for field, cases in mismatches.items():
        for value, verdict in cases[:5]:
            print(f"  {field}: {json.dumps(value, ensure_ascii=False)[:160]} -> {verdict[:200]}")
    return 1 if mismatches else 0


def collections_by_field(admitted, verdicts):
    mismatches = {}
    for (field, value, _), verdict in zip(admitted, verdicts):
        if verdict != "ok":
            mismatches.setdefault(field, []).append((value, verdict))
    return mismatches


if __name__ == "__main__":
    sys.exit(main())
