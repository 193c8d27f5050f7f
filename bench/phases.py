#!/usr/bin/env python3
"""Where an operator's convergence time went, from its own /metrics (the names both operators
export, controller-runtime's and client-go's): for the workload controller, the time keys waited in
the queue and the time one reconcile took (p50 and p99, interpolated inside the buckets as
histogram_quantile does), how many reconciles ran, and the operator's requests by method.

    phases.py METRICS_URL PAIRS      prints one line of key=value figures

A reconcile's time is its render plus its request round trips (reads, applies, status writes), so
with the request counts it shows whether the time goes to waiting for a worker, to work, or to
requests a bare client does not make.
"""
import re
import sys
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def samples(text):
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            yield m.group(1), dict(LABEL.findall(m.group(3) or "")), float(m.group(4))


def quantile(buckets, q):
    """histogram_quantile over cumulative (le, count) pairs."""
    buckets = sorted(buckets)
    if not buckets or buckets[-1][1] == 0:
        return float("nan")
    rank = q * buckets[-1][1]
    previous_le, previous_count = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if le == float("inf"):
                return previous_le
            width = count - previous_count
            return previous_le + (le - previous_le) * ((rank - previous_count) / width if width else 1)
        previous_le, previous_count = le, count
    return previous_le


def histogram(parsed, name, match):
    sums = {}
    for metric, labels, value in parsed:
        if metric == name + "_bucket" and all(labels.get(k) == v for k, v in match.items()):
            le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
            sums[le] = sums.get(le, 0.0) + value
    return list(sums.items())


def main():
    url, pairs = sys.argv[1], float(sys.argv[2])
    parsed = list(samples(urllib.request.urlopen(url, timeout=10).read().decode()))
    figures = {}
    for label, name in (("queue_wait", "workqueue_queue_duration_seconds"),
                        ("reconcile", "controller_runtime_reconcile_time_seconds")):
        match = {"name": "workload"} if name.startswith("workqueue") else {"controller": "workload"}
        buckets = histogram(parsed, name, match)
        figures[label + "_p50_ms"] = "%.1f" % (quantile(buckets, 0.5) * 1000)
        figures[label + "_p99_ms"] = "%.1f" % (quantile(buckets, 0.99) * 1000)
        if label == "reconcile":
            figures["reconciles"] = "%d" % max((c for _, c in buckets), default=0)
    by_method = {}
    for metric, labels, value in parsed:
        if metric == "rest_client_requests_total":
            method = labels.get("method", "?").upper()
            by_method[method] = by_method.get(method, 0.0) + value
    for method in ("GET", "PATCH", "POST", "PUT", "DELETE"):
        figures[method.lower() + "_per_pair"] = "%.2f" % (by_method.get(method, 0.0) / pairs)
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
