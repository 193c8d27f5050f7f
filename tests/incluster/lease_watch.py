"""Reads the JSON objects `kubectl get lease -o json --watch` wrote and checks
that leadership never had two holders at once: a holder that takes over from
another (not from a released Lease) acquired it only after the previous
holder's last renewal plus its lease duration. Prints the holders in order."""
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


def main(path):
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
    return 1 if overlaps else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
