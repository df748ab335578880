#!/usr/bin/env python3
"""nemesis_check.py - the verdicts of a nemesis run, from its histories
and the trackers' databases, after the last heal.

    nemesis_check.py --heal-ms EPOCH_MS [--converge-max-ms MS]
                     [--timeout S] --hist FILE... --db DB...

Prints one line per property, "verdict NAME: PASS|FAIL (details)", and
"note ..." lines for what the design does not promise; exits 1 if any
verdict failed.  The properties (see the README, Fault injection):

convergence    every tracker holds every op any tracker holds (equal
               high-water marks) within --converge-max-ms of the heal
               (the wall clock at which the last fault ended);
equal          cluster_check.py finds the databases' logical contents
               identical;
no-lost-acks   every mutation acknowledged "ok" is on every tracker: its
               request key in reqlog (kept 5 minutes: older ones are
               checked by their effect where there is one that lasts, a
               user), a login's session (key = SHA-256 of its token) in
               sessions or session_dead;
login-once     no user has more sessions than its client sent LOGINs
               (a LOGIN resent to another tracker is one session);
read-your-writes  on one stint (a connection to one tracker): after its
               create_group g was acknowledged, every list_groups of the
               stint lists g (until the client leaves g); after its
               upload, every list_files of that group lists the file
               (until it stops sharing it or leaves);
monotonic-reads  on one stint: a group listed once is listed by every
               later list_groups of the stint, unless someone asked to
               leave it (a group with no member is gone);
conflicts      the names every client tries at once (x<2-second slot>):
               each tracker keeps the same incarnation of each and records
               the same losers.

Across a failover (another stint) neither read guarantee is given:
replication is asynchronous, so the next tracker may not hold the
client's writes yet; such reads are counted in a note.
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time

MUTATIONS = {"create_user", "create_group", "join_group", "accept_request",
             "reject_request", "leave_group", "upload", "stop_share",
             "logout"}


def contested(name):
    """The names every client tries at once: x<2-second slot>."""
    return name.startswith("x") and name[1:].isdigit()

REQ_KEEP_MS = 5 * 60 * 1000 - 30 * 1000
CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                     "integration", "cluster_check.py")


def ro(path):
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)


def hwms(path):
    try:
        db = ro(path)
        try:
            return frozenset(db.execute("SELECT origin, seq FROM hwm"))
        finally:
            db.close()
    except sqlite3.Error:
        return None


def load(path):
    db = ro(path)
    try:
        s = {
            "req": {r[0].hex() for r in db.execute("SELECT req FROM reqlog")},
            "sess": {r[0].hex(): r[1] for r in db.execute(
                "SELECT key, user FROM sessions UNION ALL "
                "SELECT key, user FROM session_dead")},
            "users": {r[0] for r in db.execute("SELECT name FROM users")},
            "grp": {r[0]: (r[1], r[2]) for r in db.execute(
                "SELECT name, born, origin FROM grp")},
            "lost": sorted(db.execute(
                "SELECT kind, name, born, origin FROM lost")),
        }
    finally:
        db.close()
    return s


class Verdicts:
    def __init__(self):
        self.failed = 0

    def say(self, name, ok, detail):
        print("verdict %s: %s (%s)" % (name, "PASS" if ok else "FAIL",
                                       detail))
        self.failed += not ok


def converge(dbs, heal_ms, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        hs = [hwms(p) for p in dbs]
        if all(h is not None for h in hs) and len(set(hs)) == 1:
            return int(time.time() * 1000) - heal_ms
        time.sleep(0.01)
    return None


def reads_check(hist):
    """(ryw checked, ryw bad, mono checked, mono bad, across-failover
    misses, examples)."""
    left = {r["args"][0] for r in hist if r["op"] == "leave_group"}
    by_client = {}
    for r in hist:
        by_client.setdefault(r["client"], []).append(r)
    ryw_n = ryw_bad = mono_n = mono_bad = across = 0
    ex = []
    for recs in by_client.values():
        recs.sort(key=lambda r: r["t0"])
        mine = {}       # group -> (stint, t1) of its acknowledged creation
        files = {}      # (group, name) -> (stint, t1)
        seen = {}       # stint -> {group: t1 of the read that listed it}
        for r in recs:
            op, a, st = r["op"], r["args"], r["stint"]
            if op == "create_group" and r["outcome"] == "ok" and \
                    not contested(a[0]):
                mine[a[0]] = (st, r["t1"])
            elif op == "leave_group":
                mine.pop(a[0], None)
                for k in [k for k in files if k[0] == a[0]]:
                    del files[k]
            elif op == "upload" and r["outcome"] == "ok":
                files[(a[0], a[1])] = (st, r["t1"])
            elif op == "stop_share":
                files.pop((a[0], a[1]), None)
            elif op == "list_groups" and r["outcome"] == "ok":
                v = set(r["value"])
                for g, (s, t1) in mine.items():
                    if t1 >= r["t0"]:
                        continue
                    if s == st:
                        ryw_n += 1
                        if g not in v:
                            ryw_bad += 1
                            ex.append("client %d: %s missing from "
                                      "list_groups at %d" % (r["client"], g,
                                                             r["t0"]))
                    elif g not in v:
                        across += 1
                for g, t1 in seen.get(st, {}).items():
                    if t1 >= r["t0"] or g in left:
                        continue
                    mono_n += 1
                    if g not in v:
                        mono_bad += 1
                        ex.append("client %d: %s listed, then not, on "
                                  "stint %d" % (r["client"], g, st))
                seen.setdefault(st, {}).update({g: r["t1"] for g in v})
            elif op == "list_files" and r["outcome"] == "ok" and \
                    r.get("value") is not None:
                v = set(r["value"])
                for (g, name), (s, t1) in files.items():
                    if g != a[0] or t1 >= r["t0"]:
                        continue
                    if s == st:
                        ryw_n += 1
                        if name not in v:
                            ryw_bad += 1
                            ex.append("client %d: %s/%s missing from "
                                      "list_files" % (r["client"], g, name))
                    elif name not in v:
                        across += 1
    return ryw_n, ryw_bad, mono_n, mono_bad, across, ex


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heal-ms", type=int, required=True)
    ap.add_argument("--converged-ms", type=int,
                    help="measured already (converge.py, started at the "
                    "heal while the last requests were still answered)")
    ap.add_argument("--converge-max-ms", type=int, default=1000)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--hist", nargs="+", required=True)
    ap.add_argument("--db", nargs="+", required=True)
    a = ap.parse_args()
    v = Verdicts()

    hist = []
    for p in a.hist:
        with open(p) as f:
            hist += [json.loads(line) for line in f if line.strip()]
    n_ok = sum(r["outcome"] == "ok" for r in hist)
    n_err = sum(r["outcome"] == "error" for r in hist)
    n_unk = sum(r["outcome"] == "unknown" for r in hist)
    n_retry = sum(r["tries"] > 1 for r in hist)
    print("history: %d operations from %d clients: %d ok, %d error, "
          "%d unknown; %d sent to more than one tracker" % (
              len(hist), len({r["client"] for r in hist}), n_ok, n_err,
              n_unk, n_retry))

    ms = a.converged_ms if a.converged_ms is not None else \
        converge(a.db, a.heal_ms, a.timeout)
    v.say("convergence", ms is not None and ms <= a.converge_max_ms,
          "every op on every tracker %s after the last heal; target %d ms" %
          ("%d ms" % ms if ms is not None else
           "not within %.0f s" % a.timeout, a.converge_max_ms))

    # Request keys near their 5 minutes are let go of by each tracker on
    # its own: compare those that arrived since 4.5 minutes ago.
    since = int(time.time() * 1000) - REQ_KEEP_MS
    rc = subprocess.run([sys.executable, CHECK, "--wait", "20",
                         "--req-since", str(since)] + a.db,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        text=True)
    last = rc.stdout.strip().splitlines()[-1:] or [""]
    v.say("equal", rc.returncode == 0, last[0] if rc.returncode == 0 else
          " / ".join(rc.stdout.strip().splitlines()[:6]))

    states = [load(p) for p in a.db]
    end = max((r["t1"] for r in hist), default=0)
    n = missing = 0
    ex = []
    for r in hist:
        if r["outcome"] != "ok":
            continue
        if r["op"] == "login":
            n += 1
            for i, s in enumerate(states):
                if r["key"] not in s["sess"]:
                    missing += 1
                    ex.append("login of %s (tracker %d)" % (r["args"][0],
                                                             i + 1))
        elif r["op"] in MUTATIONS:
            recent = end - r["t1"] < REQ_KEEP_MS
            for i, s in enumerate(states):
                if recent:
                    ok = r["key"] in s["req"]
                elif r["op"] == "create_user":
                    ok = r["args"][0] in s["users"]
                else:
                    continue
                n += 1 if i == 0 else 0
                if not ok:
                    missing += 1
                    ex.append("%s %s (tracker %d)" % (r["op"], r["args"],
                                                       i + 1))
    v.say("no-lost-acks", missing == 0,
          "%d acknowledged mutations checked on %d trackers; %d missing%s" %
          (n, len(states), missing, (": " + "; ".join(ex[:5])) if ex else ""))

    logins = {}
    for r in hist:
        if r["op"] == "login":
            logins[r["args"][0]] = logins.get(r["args"][0], 0) + 1
    extra = []
    for u, k in logins.items():
        have = sum(1 for x in states[0]["sess"].values() if x == u)
        if have > k:
            extra.append("%s: %d sessions for %d LOGINs" % (u, have, k))
    v.say("login-once", not extra,
          "%d LOGINs, %d resent to another tracker; %s" % (
              sum(logins.values()),
              sum(1 for r in hist if r["op"] == "login" and r["tries"] > 1),
              "; ".join(extra) if extra else "no user has more sessions "
              "than LOGINs"))

    ryw_n, ryw_bad, mono_n, mono_bad, across, ex = reads_check(hist)
    v.say("read-your-writes", ryw_bad == 0,
          "on one tracker: %d reads after own writes checked, %d stale%s" %
          (ryw_n, ryw_bad, (": " + "; ".join(ex[:3])) if ryw_bad else ""))
    v.say("monotonic-reads", mono_bad == 0,
          "on one tracker: %d reads checked, %d went back%s" %
          (mono_n, mono_bad, (": " + "; ".join(ex[:3])) if mono_bad else ""))
    print("note: across a failover (not guaranteed): %d reads lacked the "
          "client's own earlier write" % across)

    diff = []
    names = {r["args"][0] for r in hist if r["op"] == "create_group" and
             contested(r["args"][0])}
    for name in sorted(names):
        kept = {repr(s["grp"].get(name)) for s in states}
        lost = {repr([x for x in s["lost"] if x[1] == name]) for s in states}
        if len(kept) > 1 or len(lost) > 1:
            diff.append(name)
    acked = sum(1 for r in hist if r["op"] == "create_group" and
                r["outcome"] == "ok" and contested(r["args"][0]))
    nlost = len([x for x in states[0]["lost"] if contested(x[1])])
    v.say("conflicts", not diff,
          "%d contested names, %d acknowledged creations of them, %d "
          "losers recorded; %s" % (len(names), acked, nlost,
                                   "resolved differently: " +
                            ", ".join(diff) if diff else
                            "the same incarnation kept on every tracker"))
    return 1 if v.failed else 0


if __name__ == "__main__":
    sys.exit(main())
