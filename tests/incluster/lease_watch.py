"""Reads the JSON objects `kubectl get lease -o json --watch` wrote and checks
that leadership never had two holders at once: a holder that takes over from
another (not from a released Lease) acquired it only after the previous
holder's last renewal plus its lease duration. Prints the holders in order.
Holders given after the path must appear in the history in that order, each
a handover from the one before: a history that missed them (an empty watch,
one cut short) fails."""
import datetime
import json
import sys


def parse_time(text):
    return datetime.datetime.strptime(text.replace("Z", "+00:00"), "%Y-%m-%dT%H:%M:%S.%f%z")


def records(path):
    decoder = json.JSONDecoder()
    text = open(path).read()
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return
        obj, at = decoder.raw_decode(text, at)
        yield obj["spec"]


def missing_handovers(holders, expected):
    """The expected holders (in order) that the history does not show, after the ones it does."""
    at = 0
    for index, holder in enumerate(expected):
        while at < len(holders) and holders[at] != holder:
            at += 1
        if at == len(holders):
            return expected[index:]
        at += 1
    return []


def main(path, expected):
    previous = None
    holders = []
    overlaps = []
    for spec in records(path):
        holder = spec.get("holderIdentity", "")
        if previous is not None and holder != previous.get("holderIdentity", ""):
            before = previous.get("holderIdentity", "")
            if before and holder:
                free_at = parse_time(previous["renewTime"]) + datetime.timedelta(
                    seconds=previous["leaseDurationSeconds"])
                if parse_time(spec["acquireTime"]) < free_at:
                    overlaps.append(f"{holder} acquired at {spec['acquireTime']} while {before} held it until {free_at}")
        if not holders or holders[-1] != (holder or "(released)"):
            holders.append(holder or "(released)")
        previous = spec
    print(" -> ".join(holders))
    for overlap in overlaps:
        print("second writer:", overlap)
    missing = missing_handovers(holders, expected)
    for holder in missing:
        print("not seen in the history, in order:", holder)
    if len(set(expected)) != len(expected):
        print("the expected holders repeat one another:", " ".join(expected))
    return 1 if overlaps or missing or len(set(expected)) != len(expected) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
