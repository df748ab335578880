#!/usr/bin/env python3
"""converge.py - how long after a heal do the trackers hold every write?

    converge.py --since EPOCH_MS [--timeout S] [--group NAME]... DB...

Polls the tracker databases (read-only, as cluster_check.py reads them)
every 10 ms until every one holds the same high-water marks (the last op
of each origin: so each holds every op any of them holds) and every
--group NAME; then prints

    converged N ms after the heal

(N counted from EPOCH_MS, the wall clock in milliseconds when the links
came back) and exits 0.  After --timeout seconds (default 30) it prints
what each database lacks and exits 1.
"""
import argparse
import sqlite3
import sys
import time


def state(path):
    """(hwm rows, group names) of one database, or None if unreadable."""
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=1)
        try:
            hwm = frozenset(db.execute("SELECT origin, seq FROM hwm"))
            groups = frozenset(r[0] for r in db.execute("SELECT name FROM grp"))
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return hwm, groups


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--since", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--group", action="append", default=[])
    ap.add_argument("dbs", nargs="+")
    a = ap.parse_args()
    want = set(a.group)
    deadline = time.monotonic() + a.timeout
    while True:
        states = [state(p) for p in a.dbs]
        if all(s is not None for s in states):
            hwms = {s[0] for s in states}
            if len(hwms) == 1 and all(want <= s[1] for s in states):
                ms = int(time.time() * 1000) - a.since
                print("converged %d ms after the heal" % ms)
                return 0
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    print("not converged after %.0f s:" % a.timeout)
    for p, s in zip(a.dbs, states):
        if s is None:
            print("  %s: unreadable" % p)
            continue
        print("  %s: hwm %s; lacks groups %s" % (
            p, sorted(s[0]), sorted(want - s[1])))
    return 1


if __name__ == "__main__":
    sys.exit(main())
