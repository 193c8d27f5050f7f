#!/usr/bin/env python3
"""The benchmark's table: reads the results.txt hack/bench.sh writes (one line per scenario and
operator, `key=value` figures), checks that every scenario of every operator it ran produced its
figures, and prints one Markdown table with the run's size, commit and load averages.

    table.py RESULTS --operators labfleet,peer [--floor] --commit SHA --size "100 x 5" [--steady S] [--readme FILE]

--readme FILE also writes the table into FILE, between the lines `<!-- bench table SIZE -->` and
`<!-- /bench table -->` (SIZE as given, e.g. `100 x 5`): the README's performance section is the
benchmark's own output, one block per size, replaced whole by the next run of that size.

Exits 1, naming what is missing, when a scenario's figures are absent: a run that could not
measure something must not print a table that looks complete.
"""
import argparse
import re
import sys

SCENARIOS = ("convergence", "steady", "restart", "storm")
COLUMNS = {"peer": "peer", "labfleet": "Labfleet", "floor": "floor"}


def parse(path):
    """{(scenario, name): {key: value}} and {name: load average} from results.txt."""
    figures, load = {}, {}
    for line in open(path):
        words = line.split()
        if len(words) < 2 or line.startswith("#"):
            continue
        if words[0] == "load":
            load[words[1]] = " ".join(words[2:5])
            continue
        # ready_s=[a b c] holds spaces: keep it whole.
        text = re.sub(r"\[([^\]]*)\]", lambda m: "[" + m.group(1).replace(" ", ",") + "]", line)
        fields = dict(w.split("=", 1) for w in text.split()[2:] if "=" in w)
        name = "floor" if words[0] == "floor" else words[1]
        figures[("convergence" if words[0] == "floor" else words[0], name)] = fields
    return figures, load


def num(value, digits=1):
    x = float(value)
    return f"{x:,.{digits}f}" if digits else f"{x:,.0f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--operators", required=True)
    ap.add_argument("--floor", action="store_true")
    ap.add_argument("--commit", required=True)
    ap.add_argument("--size", required=True)
    ap.add_argument("--steady", default="")
    ap.add_argument("--readme", default="")
    args = ap.parse_args()
    figures, load = parse(args.results)
    operators = [o for o in args.operators.split(",") if o]

    wanted = [(s, op) for op in operators for s in SCENARIOS]
    if args.floor:
        wanted += [("convergence", "floor"), ("storm", "floor")]
    missing = [f"{s} of {op}" for s, op in wanted if (s, op) not in figures]
    if missing:
        print("error: the run produced no figures for: " + ", ".join(missing), file=sys.stderr)
        return 1

    columns = [c for c in ("peer", "labfleet") if c in operators] + (["floor"] if args.floor else [])
    get = lambda s, c: figures.get((s, c))  # noqa: E731

    def row(title, cell):
        cells = []
        for c in columns:
            f = get(cell[0], c)
            cells.append(cell[1](f, c) if f is not None else "—")
        return f"| {title} | " + " | ".join(cells) + " |"

    def converge(f, c):
        if c == "floor":
            return f"{num(f['seconds'])} s, {num(f['applies'], 0)} applies"
        return f"{num(f['wall_s'])} s, {num(f['op_requests'], 0)} requests"

    def per_pair(f, c):
        pairs = float(f["pairs"])
        return num(float(f["applies"] if c == "floor" else f["op_requests"]) / pairs)

    def per_object(f, c):
        empty = get("convergence", c)
        if c == "floor" or not empty or "empty_rss_mb" not in empty or "ready_rss_mb" not in f:
            return "—"
        return f"{num((float(f['ready_rss_mb']) - float(empty['empty_rss_mb'])) * 2**20 / float(f['objects']), 0)} B"

    def per_pair_memory(f, c):
        if c == "floor" or "empty_rss_mb" not in f:
            return "—"
        return f"{num((float(f['peak_rss_mb']) - float(f['empty_rss_mb'])) * 2**20 / float(f['pairs']) / 1024)} KB"

    def storm(f, c):
        return f"{num(f['watched_p50_ms'], 0)} / {num(f['watched_p99_ms'], 0)} ms"

    def storm_cpu(f, c):
        if "apiserver_cpu_s" not in f:
            return "—"
        operator = "" if c == "floor" else f"{f['op_cpu_s']} s / "
        return f"{operator}{f['apiserver_cpu_s']} s in {num(f['window_s'])} s"

    pairs = next(get("convergence", c)["pairs"] for c in columns)
    storm_count = next(get("storm", c).get("leases", "?") for c in columns)
    objects = next((get("restart", c)["objects"] for c in columns if get("restart", c)), "?")
    lines = [
        f"Commit {args.commit}, {args.size} ({num(pairs, 0)} pairs); load average (1, 5, 15 min) before each "
        "operator's run: " + "; ".join(f"{COLUMNS[c]} {load.get(c, '?')}" for c in columns) + ".",
        "",
        "| scenario | " + " | ".join(COLUMNS[c] for c in columns) + " |",
        "|---|" + "---|" * len(columns),
        row(f"converge {args.size}", ("convergence", converge)),
        row("requests per pair", ("convergence", per_pair)),
        row("peak RSS", ("convergence", lambda f, c: "—" if c == "floor" else f"{f['peak_rss_mb']} MB")),
        row("CPU to converge", ("convergence", lambda f, c: "—" if c == "floor" else f"{f['cpu_s']} s")),
        row(f"steady {args.steady} s: writes, CPU",
            ("steady", lambda f, c: f"{f['op_writes']} writes, {f['cpu_s']} s")),
        row("workload queue wait p50 / p99", ("phases", lambda f, c: f"{f['queue_wait_p50_ms']} / {f['queue_wait_p99_ms']} ms")),
        row("workload reconcile p50 / p99", ("phases", lambda f, c: f"{f['reconcile_p50_ms']} / {f['reconcile_p99_ms']} ms")),
        row("requests per pair: GET / PATCH", ("phases", lambda f, c: f"{f['get_per_pair']} / {f['patch_per_pair']}")),
        row(f"restart, {num(objects, 0)} objects (median)", ("restart", lambda f, c: f"{f['median_s']} s")),
        row("memory per cached object (RSS at ready less empty, / objects)", ("restart", per_object)),
        row("memory per pair (peak RSS less empty, / pairs)", ("convergence", per_pair_memory)),
        row(f"storm of {storm_count} same-second expiries, watcher p50 / p99", ("storm", storm)),
        row("storm: CPU from the deadline to the last expiry, operator / API server", ("storm", storm_cpu)),
    ]
    print("\n".join(lines))
    if args.readme:
        return write_block(args.readme, args.size, lines)
    return 0


def write_block(path, size, lines):
    """Replaces the block of `size` in `path` with `lines`; 1 when the file has no such block."""
    begin, end = f"<!-- bench table {size} -->", "<!-- /bench table -->"
    text = open(path).read().split("\n")
    try:
        first = text.index(begin)
        last = text.index(end, first)
    except ValueError:
        print(f"error: {path} has no block {begin} ... {end}", file=sys.stderr)
        return 1
    open(path, "w").write("\n".join(text[: first + 1] + lines + text[last:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
