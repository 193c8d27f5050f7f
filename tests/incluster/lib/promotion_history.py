#!/usr/bin/env python3
"""Reads a Workload's status history (the JSON objects `kubectl get wl -w -o
json` printed, one after another) for the in-cluster promotion test.

    promotion_history.py HISTORY gate ENV NEXT TAG
        When NEXT first got candidate TAG (both tags) in status: prints
        "SERVED_SINCE NEXT_SINCE" (epochs), ENV's status.promotion servedSince
        for TAG as recorded then (or last before), and NEXT's since.
    promotion_history.py HISTORY states TAG
        Every distinct (phase, environment states) the promotion of TAG went
        through, in order, one a line: the path the operator took.
"""
import datetime
import json
import sys


def objects(path):
    text, decoder, at = open(path).read(), json.JSONDecoder(), 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return
        obj, at = decoder.raw_decode(text, at)
        yield obj


def epoch(stamp):
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def environments(obj):
    return {e.get("name"): e for e in obj.get("status", {}).get("promotion", {}).get("environments", [])}


def runs(env, tag):
    return env is not None and env.get("workshopTag") == tag and env.get("filesTag") == tag


def gate(path, env, next_env, tag):
    served = None
    for obj in objects(path):
        envs = environments(obj)
        if runs(envs.get(env), tag) and envs[env].get("servedSince"):
            served = envs[env]["servedSince"]
        if runs(envs.get(next_env), tag):
            if served is None:
                sys.exit(f"{next_env} got {tag} before any status showed {env} serving it")
            print(epoch(served), epoch(envs[next_env]["since"]))
            return
    sys.exit(f"no status shows {next_env} with {tag}")


def states(path, tag):
    last = None
    for obj in objects(path):
        promotion = obj.get("status", {}).get("promotion")
        if not promotion or promotion.get("candidate", {}).get("filesTag") != tag:
            continue
        line = promotion.get("phase", "-") + " " + " ".join(
            f"{e.get('name')}={e.get('state')}" for e in promotion.get("environments", []))
        if line != last:
            print(line)
            last = line


if __name__ == "__main__":
    if sys.argv[2] == "gate":
        gate(sys.argv[1], *sys.argv[3:6])
    elif sys.argv[2] == "states":
        states(sys.argv[1], sys.argv[3])
    else:
        sys.exit(__doc__)
