#!/usr/bin/env python3
"""Writes seed inputs near the API server's object size limit for one fuzz target.

  large_seeds.py TARGET DIR

The repository's corpus holds small inputs; libFuzzer grows lengths slowly, so
in a short run it never reaches the sizes a user can store (etcd takes requests
up to 1.5 MiB). These seeds start it there: megabyte strings of digits (a
backtracking matcher recursed once per character on them), deep nesting,
thousands of keys and list entries. Deterministic; only what the target reads.
"""
import json
import sys

MEGABYTE = 1 << 20


def workload(name, workshop, repository="workshops/w"):
    return {
        "apiVersion": "labfleet.dev/v1alpha1",
        "kind": "Workload",
        "metadata": {"name": name},
        "spec": {
            "images": {"workshop": {"repository": repository}, "files": {"repository": repository + "-files"}},
            "workshop": workshop,
        },
    }


TARGET = {
    "apiVersion": "labfleet.dev/v1alpha1",
    "kind": "DeploymentTarget",
    "metadata": {"name": "stg"},
    "spec": {"namespace": "stg", "environment": "stg", "channel": "stg", "registry": "registry.invalid"},
}
POLICY = {
    "apiVersion": "labfleet.dev/v1alpha1",
    "kind": "SchedulingPolicy",
    "metadata": {"name": "all"},
    "spec": {"workloadSelector": {}, "targetSelector": {}},
}


class Raw(str):
    """JSON text written as it is (json.dumps recurses once per level)."""


def nested(depth):
    opening = "".join('{"k%d":' % (i % 7) if i % 2 else "[" for i in range(depth))
    closing = "".join("}" if i % 2 else "]" for i in reversed(range(depth)))
    return Raw('{"content":' + opening + '"${IMAGE_TAG}"' + closing + "}")


def dumps(value):
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dumps(v) for k, v in value.items()) + "}"
    return json.dumps(value)


def workshops():
    digits = "7" * (MEGABYTE - 4096)
    yield "digits", {"version": digits}
    yield "float", {"version": "1." + digits[:200000] + "e5"}
    yield "placeholders", {"text": "${UNKNOWN}" * (MEGABYTE // 16)}
    yield "wide", {"k%06d" % i: "${WORKSHOP_IMAGE}" for i in range(30000)}
    yield "list", {"items": ["${FILES_IMAGE}"] * 50000}
    yield "deep", nested(5000)


def promotions():
    """Workloads whose spec.promotion and status.promotion fill the size limit (promotion_approval_fuzz)."""
    tag = {"tag": "1.5.0"}
    def promoting(promotion, status):
        return {"metadata": {"name": "web", "resourceVersion": "42"},
                "spec": {"promotion": dict({"environments": ["dev", "stg", "prod"], "approvalRequired": ["prod"],
                                            "candidate": {"workshop": tag, "files": tag}}, **promotion)},
                "status": {"promotion": status}}
    approvals = [{"environment": ("prod", "stg", "qa")[i % 3], "workshop": {"tag": "v%d" % i}, "files": tag}
                 for i in range(12000)]
    yield "approvals", promoting({"approvals": approvals}, {})
    environments = [{"name": "e%d" % i, "workshopTag": "1.5.0", "filesTag": "1.%d" % i, "since": "2026-12-05T11:00:00Z",
                     "state": "Soaking", "message": "m" * 40} for i in range(3000)]
    yield "environments", promoting({"environments": ["e%d" % i for i in range(40000)] + ["prod"]},
                                    {"phase": "Promoting", "environments": environments})
    yield "message", promoting({}, {"phase": "Failed", "message": "\x1b[2J\n" * (MEGABYTE // 16),
                                    "candidate": {"workshopTag": "w" * 4096, "filesTag": "f" * 4096}})


def main():
    target, out = sys.argv[1], sys.argv[2]
    if target == "promotion_approval_fuzz":
        for name, workload_json in promotions():
            with open("%s/large-%s" % (out, name), "w") as seed:
                seed.write(dumps(workload_json)[:MEGABYTE])
        return
    for name, workshop in workshops():
        if target == "plan_fuzz":
            docs = [TARGET, POLICY, workload(name, workshop)]
            text = "".join("---\n" + dumps(doc) + "\n" for doc in docs)  # JSON is YAML
        elif target == "workload_decode_fuzz":
            text = dumps(workload(name, workshop))
        else:
            return
        with open("%s/large-%s" % (out, name), "w") as seed:
            seed.write(text[:MEGABYTE])


if __name__ == "__main__":
    main()
