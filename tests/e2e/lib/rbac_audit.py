#!/usr/bin/env python3
"""Compares the RBAC a chart render grants one service account with what it used.

usage: rbac_audit.py [--missing-only] RBAC_YAML AUDIT_LOG NAMESPACE SERVICE_ACCOUNT [IMPLIED_FILE]

RBAC_YAML is the rendered ServiceAccount, roles and bindings; AUDIT_LOG the kube-apiserver's JSON
audit log (hack/audit-policy.yaml); IMPLIED_FILE holds permissions the API server checks inside a
request or reached by no scenario, one `verb group resource namespace` a line (group `core` for
"", namespace `-` for none). Prints every permission used, then each rule that grants more than was used or that is
missing, and exits 1 when there is one. With --missing-only, only missing permissions count: for a
suite that reaches part of what the operator does (the e2e and chaos scripts run one by one).

A permission is (verb, apiGroup, resource[/subresource], scope). The scope is where a role must
grant it: `cluster` (cluster-scoped objects, or every namespace at once), `release` (the
release's namespace, where a Role suffices) or `namespaces` (other namespaces: only a ClusterRole
bound cluster-wide covers those, as target namespaces are not known when installing).
"""
import collections
import json
import sys
import urllib.parse

import yaml


def scope_of(namespace, release):
    if not namespace:
        return "cluster"
    return "release" if namespace == release else "namespaces"


def resource_of(ref):
    return ref["resource"] + ("/" + ref["subresource"] if ref.get("subresource") else "")


def used_permissions(audit_log, username, release):
    """{(verb, group, resource, scope): set of names} from the log, plus what the log implies: the
    create that a server-side apply creating its object is authorized for (checked inside the
    patch: the response is 201), and the list a streaming list (a watch with sendInitialEvents)
    falls back to. Also the label selectors of each resource's list/watch requests."""
    used = collections.defaultdict(set)
    selectors = collections.defaultdict(set)
    forbidden = set()
    non_resource = set()
    with open(audit_log) as log:
        for line in log:
            event = json.loads(line)
            if event.get("user", {}).get("username") != username:
                continue
            ref = event.get("objectRef")
            if not ref:
                non_resource.add((event["verb"], event["requestURI"].split("?")[0]))
                continue
            key = (event["verb"], ref.get("apiGroup", ""), resource_of(ref), scope_of(ref.get("namespace"), release))
            # A create is authorized before its object, so without a name (resourceNames never match it).
            used[key].add("" if event["verb"] == "create" else ref.get("name", ""))
            code = event.get("responseStatus", {}).get("code")
            if code == 403:
                forbidden.add(key)
            if event["verb"] == "patch" and code == 201:
                used[("create",) + key[1:]].add("")
            # A streaming list falls back to a paged list where the server has no WatchList.
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(event["requestURI"]).query)
            if event["verb"] == "watch" and query.get("sendInitialEvents") == ["true"]:
                used[("list",) + key[1:]].add("")
            for selector in query.get("labelSelector", []):
                selectors[key[2]].add(selector)
    return used, selectors, forbidden, non_resource


def implied_permissions(path, release):
    used = collections.defaultdict(set)
    if path:
        with open(path) as lines:
            for line in lines:
                if line.strip():
                    verb, group, resource, namespace = line.split()
                    namespace = "" if namespace == "-" else namespace
                    used[(verb, "" if group == "core" else group, resource, scope_of(namespace, release))].add("")
    return used


def granted_permissions(rbac_yaml, release, service_account):
    """[(role, verb, group, resource, names, namespace or None for everywhere)] bound to the account."""
    docs = [d for d in yaml.safe_load_all(open(rbac_yaml)) if d]
    roles = {(d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]): d
             for d in docs if d["kind"] in ("Role", "ClusterRole")}
    grants = []
    for binding in docs:
        if binding["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        if not any(s["kind"] == "ServiceAccount" and s["name"] == service_account and s.get("namespace") == release
                   for s in binding.get("subjects") or []):
            continue
        ref = binding["roleRef"]
        role_namespace = binding["metadata"].get("namespace") if ref["kind"] == "Role" else None
        role = roles.get((ref["kind"], role_namespace, ref["name"]))
        if role is None:
            sys.exit(f"{binding['kind']} {binding['metadata']['name']} refers to {ref['kind']} {ref['name']}, "
                     "which the render does not contain")
        where = binding["metadata"].get("namespace") if binding["kind"] == "RoleBinding" else None
        label = f"{ref['kind']} {ref['name']}"
        for rule in role.get("rules") or []:
            if "nonResourceURLs" in rule:
                continue
            for verb in rule["verbs"]:
                for group in rule["apiGroups"]:
                    for resource in rule["resources"]:
                        grants.append((label, verb, group, resource, tuple(rule.get("resourceNames") or ()), where))
    return grants


def covers(grant, permission, name, release):
    """Whether the grant allows the permission on the object `name` ("" for a collection)."""
    _, verb, group, resource, grant_names, where = grant
    used_verb, used_group, used_resource, scope = permission
    if verb not in ("*", used_verb) or group not in ("*", used_group) or resource not in ("*", used_resource):
        return False
    if where is not None and not (scope == "release" and where == release):
        return False
    return not grant_names or name in grant_names


def show_group(group):
    return group or "core"


def main():
    args = sys.argv[1:]
    missing_only = bool(args) and args[0] == "--missing-only"
    if missing_only:
        args = args[1:]
    rbac_yaml, audit_log, release, service_account = args[:4]
    implied_file = args[4] if len(args) > 4 else None
    username = f"system:serviceaccount:{release}:{service_account}"
    used, selectors, forbidden, non_resource = used_permissions(audit_log, username, release)
    if not used:
        sys.exit(f"the audit log {audit_log} has no request of {username}: is the audit log on?")
    for key, names in implied_permissions(implied_file, release).items():
        used[key] |= names
    grants = granted_permissions(rbac_yaml, release, service_account)

    print(f"permissions used by {username} (verb group resource scope [names]):")
    for key in sorted(used):
        names = sorted(n for n in used[key] if n)
        shown = f" [{', '.join(names)}]" if key[3] == "release" and names else ""
        if key[0] in ("list", "watch") and selectors[key[2]]:
            shown += f" (labelSelector {', '.join(sorted(selectors[key[2]]))}: RBAC cannot narrow to it)"
        print(f"  {key[0]} {show_group(key[1])} {key[2]} {key[3]}{shown}")
    for verb, path in sorted(non_resource):
        print(f"  {verb} {path} (non-resource URL: granted to every authenticated user by system:discovery)")

    problems = []
    for key in sorted(used):
        uncovered = sorted(n for n in used[key] if not any(covers(g, key, n, release) for g in grants))
        if uncovered:
            why = "refused (403)" if key in forbidden else "no rule grants it"
            names = [n for n in uncovered if n]
            on = f" on {', '.join(names)}" if names and key[3] == "release" else ""
            problems.append(f"missing: {key[0]} {show_group(key[1])} {key[2]} in scope {key[3]}{on} ({why})")
    for grant in [] if missing_only else grants:
        label, verb, group, resource, names, where = grant
        covered = [key for key in used if any(covers(grant, key, n, release) for n in used[key])]
        rule = f"{label}: {verb} {show_group(group)} {resource}" + (f" {list(names)}" if names else "")
        if not covered:
            problems.append(f"extra: {rule} (never used)")
        elif where is None and all(key[3] == "release" for key in covered):
            problems.append(f"extra: {rule} cluster-wide (used only in the release namespace: a Role suffices)")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} difference(s) between the chart's RBAC and the permissions used")
        return 1
    print(f"the chart's RBAC grants {'every one of' if missing_only else 'exactly'} the {len(used)} permissions used")
    return 0


if __name__ == "__main__":
    sys.exit(main())
