#!/usr/bin/env python3
"""Children of a synthetic fleet as comparable lines, one per object.

  children.py expected PREFIX < plan.yaml            what `labfleet-operator plan` renders
  children.py actual PREFIX WORKLOADS.json < children.json   what the cluster holds

Both print the same projection, sorted: kind, namespace, name, owner, and the
fields that matter per kind (images and replicas, rendered data, ports), so
`diff` of the two is empty when the cluster holds exactly the plan. Only
children of workloads named PREFIX-* count. `actual` also marks an owner
reference whose uid is not the live Workload's (`owner-stale`), and a child
whose labels disagree with its owner (`labels-mismatch`).
"""
import hashlib
import json
import sys


def digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def project(obj, live_uids=None):
    meta = obj.get("metadata", {})
    kind = obj.get("kind")
    labels = meta.get("labels") or {}
    owners = meta.get("ownerReferences") or []
    owner = ",".join(f"{o.get('kind')}/{o.get('name')}{'(controller)' if o.get('controller') else ''}" for o in owners)
    fields = [kind, meta.get("namespace", ""), meta.get("name"), f"owner={owner}",
              f"target={labels.get('labfleet.dev/target', '')}", f"managed-by={labels.get('app.kubernetes.io/managed-by', '')}"]
    if kind == "ConfigMap":
        fields.append(f"data={digest(obj.get('data') or {})}")
    elif kind == "Deployment":
        spec = obj.get("spec", {})
        template = spec.get("template", {})
        containers = template.get("spec", {}).get("containers", [])
        fields.append(f"replicas={spec.get('replicas', 1)}")
        fields.append("images=" + ",".join(f"{c.get('name')}:{c.get('image')}" for c in containers))
        fields.append(f"template-annotations={digest(template.get('metadata', {}).get('annotations') or {})}")
    elif kind == "Service":
        ports = sorted(p.get("port") for p in obj.get("spec", {}).get("ports", []))
        fields.append(f"ports={ports}")
    if live_uids is not None:
        for o in owners:
            if o.get("kind") == "Workload" and live_uids.get(o.get("name")) != o.get("uid"):
                fields.append("owner-stale")
        if len(owners) == 1 and labels.get("labfleet.dev/workload") != owners[0].get("name"):
            fields.append("labels-mismatch")
    return " ".join(str(f) for f in fields)


def ours(obj, prefix):
    meta = obj.get("metadata", {})
    workload = (meta.get("labels") or {}).get("labfleet.dev/workload", "")
    owners = [o.get("name", "") for o in meta.get("ownerReferences") or []]
    return obj.get("kind") in ("ConfigMap", "Deployment", "Service") and any(
        name.startswith(prefix + "-") for name in [workload, *owners])


def main():
    mode, prefix = sys.argv[1], sys.argv[2]
    if mode == "expected":
        import yaml
        objects = [d for d in yaml.safe_load_all(sys.stdin) if d]
        lines = [project(o) for o in objects if ours(o, prefix)]
    elif mode == "actual":
        with open(sys.argv[3]) as f:
            live = {w["metadata"]["name"]: w["metadata"]["uid"] for w in json.load(f)["items"]}
        objects = json.load(sys.stdin)["items"]
        lines = [project(o, live) for o in objects if ours(o, prefix)]
    else:
        sys.exit(f"unknown mode {mode}")
    print("\n".join(sorted(lines)))


if __name__ == "__main__":
    main()
