#!/usr/bin/env python3
"""From a rendered chart (`helm template` output on stdin), prints what decides
who may approve a promotion, as YAML documents: every ClusterRole named
*-promoter, and every ValidatingAdmissionPolicy that speaks of approvals with
its bindings. Prints nothing when the chart has none of them.

    helm template ... | approval_objects.py
"""
import sys

import yaml

docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
picked = [d for d in docs if d.get("kind") == "ClusterRole" and d["metadata"]["name"].endswith("-promoter")]
policies = {d["metadata"]["name"] for d in docs
            if d.get("kind") == "ValidatingAdmissionPolicy" and "approvals" in yaml.safe_dump(d.get("spec", {}))}
picked += [d for d in docs if d.get("kind") == "ValidatingAdmissionPolicy" and d["metadata"]["name"] in policies]
picked += [d for d in docs if d.get("kind") == "ValidatingAdmissionPolicyBinding"
           and d.get("spec", {}).get("policyName") in policies]
if picked:
    yaml.safe_dump_all(picked, sys.stdout, sort_keys=False)
