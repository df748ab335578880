#!/usr/bin/env python3
"""cluster_check.py - do the trackers of a cluster hold the same state?

    cluster_check.py [--wait SECONDS] DB...
    cluster_check.py --expect FILE DB...

Reads each tracker database read-only (a `file:...?mode=ro` URI, so a
running tracker is not disturbed; WAL readers see the last commit) and
dumps its logical contents, table by table, as sets of rows:

    users(name, salt, hash, iter, born, origin)
    sessions(key, user, ubirth, uorigin)
    session_dead(key, why)
    grp(name, born, origin)
    member(grp, user, epoch, state, stamp, origin)  (requests are rows
                                                      in state 1)
    file(grp, name, size, sha1, pieces, born, origin)
    share(grp, name, user, path, mtime)
    serving(key, grp, name)
    hwm(origin, seq)
    lost(kind, name, born, origin)
    reqlog(req)                         -- its `at` is when the first op
                                           of that request arrived there
    oplog(origin, seq, hlc, req, op)    -- only the ops both databases
                                           still log: each tracker trims
                                           its log on its own, and lseq
                                           (the order in which it applied
                                           them) legitimately differs;
                                           one (origin, seq) must be the
                                           same op everywhere

Blobs are shown in hex.  Before the verdict, a "note:" line names each
request that was carried out more than once (two ops of the log with one
request key: a retry that reached a tracker before the first op did).  Exit 0 printing "identical (N rows)" when every
database holds the same rows as the first; otherwise exit 1 with, for each
table that differs, the first rows that only one side has.  With --wait,
poll (every 0.2 s) until identical or the deadline passes, and report the
last comparison: trackers converge asynchronously, so only the state
after the deadline counts as a difference.  A database that cannot be
read yet (not created, locked) counts as different while polling.

With --expect FILE, check instead that every database holds each fact of
FILE, one a line (what clients saw acknowledged):

    user NAME            the account exists
    group NAME           the group exists and has a member
    member GROUP USER    USER is a member of GROUP
    request GROUP USER   USER has a pending request to join GROUP
    lost KIND NAME       a creation of KIND (user, group) NAME lost a
                         conflict

Exit 0 printing "all N facts held by each of M databases", or 1 listing
the facts missing, by database.
"""
import argparse
import sqlite3
import sys
import time

TABLES = [
    ("users", "name, salt, hash, iter, born, origin, req"),
    ("sessions", "key, user, ubirth, uorigin"),
    ("session_dead", "key, user, ubirth, uorigin"),
    ("grp", "name, born, origin, revived, req"),
    ("member", "grp, user, epoch, state, stamp, origin"),
    ("file", "grp, name, size, sha1, pieces, born, origin"),
    ("version", "grp, name, sha1, parent, stamp, origin"),
    ("share", "grp, name, user, present, sha1, path, mtime, stamp, origin"),
    ("serving", "key, grp, name, present, sha1, stamp, origin"),
    ("hwm", "origin, seq"),
    ("lost", "kind, name, born, origin"),
    ("alias", "kind, name, born, origin"),
    ("reqlog", "req"),
    ("oplog", "origin, seq, hlc, req, op"),
]
LOGS = "oplog"      # compared on the (origin, seq) both hold
SHOW = 8            # rows shown per table and side
BLOB_SHOW = 24      # hex digits shown of a long blob


def cell(v):
    if isinstance(v, (bytes, bytearray)):
        h = bytes(v).hex()
        return h if len(h) <= BLOB_SHOW else "%s..(%dB)" % (h[:BLOB_SHOW],
                                                           len(v))
    return repr(v)


# --req-since MS: request keys that arrived before MS are left out (each
# tracker lets go of them 5 minutes after, on its own: in a run that long
# the oldest are there on one tracker and gone from another).  A key's
# age is its earliest `at` on any tracker: a request retried on a second
# tracker before the first one's op reached it is carried out twice, the
# ops carry one key with two stamps, and each tracker keeps the stamp of
# the one it applied first; so one key can be on either side of MS.
REQ_SINCE = None


def req_window(dumps):
    """Each dump's reqlog {req: at} -> the set of keys whose earliest at
    (over every dump) is at or after REQ_SINCE."""
    first = {}
    for d in dumps:
        for k, at in d["reqlog"].items():
            if k not in first or at < first[k]:
                first[k] = at
    for d in dumps:
        d["reqlog"] = {(k,) for k in d["reqlog"] if first[k] >= REQ_SINCE}


def dump(path):
    """{table: set of rows}; raises sqlite3.Error if unreadable."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
    try:
        db.execute("BEGIN")     # one snapshot for every table
        out = {}
        for table, cols in TABLES:
            if table == "reqlog" and REQ_SINCE is not None:
                out[table] = dict(db.execute("SELECT req, at FROM reqlog"))
                continue
            out[table] = set(db.execute("SELECT %s FROM %s" % (cols, table)))
        db.execute("COMMIT")
        return out
    finally:
        db.close()


def compare(paths):
    """(ok, report lines, rows of the first database)."""
    dumps = []
    for p in paths:
        try:
            dumps.append(dump(p))
        except sqlite3.Error as e:
            return False, ["%s: cannot read: %s" % (p, e)], 0
    if REQ_SINCE is not None:
        req_window(dumps)
    lines = []
    ref = dumps[0]
    for i in range(1, len(paths)):
        for table, cols in TABLES:
            a, b = ref[table], dumps[i][table]
            if table == LOGS:
                both = ({r[:2] for r in a} & {r[:2] for r in b})
                a = {r for r in a if r[:2] in both}
                b = {r for r in b if r[:2] in both}
            if a == b:
                continue
            lines.append("%s differs between %s and %s (%d vs %d rows; "
                         "columns %s)" % (table, paths[0], paths[i], len(a),
                                          len(b), cols))
            for side, only in (("only in " + paths[0], a - b),
                               ("only in " + paths[i], b - a)):
                rows = sorted(only, key=repr)
                for r in rows[:SHOW]:
                    lines.append("  %s: (%s)" % (side,
                                                 ", ".join(map(cell, r))))
                if len(rows) > SHOW:
                    lines.append("  %s: ... %d more" % (side,
                                                        len(rows) - SHOW))
    n = sum(len(v) for v in ref.values())
    return not lines, lines, n


def notes(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
    try:
        return ["note: request %s carried out %d times, as ops %s" %
                (cell(r[0]), r[1], r[2]) for r in db.execute(
                    "SELECT req, count(*), group_concat(origin || ':' || seq,"
                    " ' and ') FROM oplog WHERE req IS NOT NULL"
                    " GROUP BY req HAVING count(*) > 1")]
    finally:
        db.close()


FACTS = {
    "user": (1, "SELECT 1 FROM users WHERE name = ?"),
    "group": (1, "SELECT 1 FROM member WHERE grp = ? AND state = 3"),
    "member": (2, "SELECT 1 FROM member WHERE grp = ? AND user = ?"
                  " AND state = 3"),
    "request": (2, "SELECT 1 FROM member m JOIN grp g ON g.name = m.grp"
                   " WHERE m.grp = ? AND m.user = ? AND m.state = 1"
                   " AND m.stamp > g.revived"),
    "lost": (2, "SELECT 1 FROM lost WHERE kind = ? AND name = ?"),
}


def expect(path_facts, paths):
    facts = []
    with open(path_facts) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] not in FACTS or len(w) != FACTS[w[0]][0] + 1:
                print("%s: bad fact: %s" % (path_facts, line.rstrip()))
                return 1
            facts.append(w)
    missing = 0
    for p in paths:
        db = sqlite3.connect("file:%s?mode=ro" % p, uri=True, timeout=5)
        try:
            for w in facts:
                if db.execute(FACTS[w[0]][1], w[1:]).fetchone() is None:
                    missing += 1
                    if missing <= 40:
                        print("%s: missing: %s" % (p, " ".join(w)))
        finally:
            db.close()
    if missing:
        print("%d facts missing" % missing)
        return 1
    print("all %d facts held by each of %d databases" % (len(facts),
                                                          len(paths)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wait", type=float, default=0,
                    help="poll until identical, at most this many seconds")
    ap.add_argument("--expect", metavar="FILE",
                    help="check that every database holds these facts")
    ap.add_argument("--req-since", type=int, metavar="MS",
                    help="compare only request keys that arrived from MS "
                    "(epoch ms) on")
    ap.add_argument("db", nargs="+")
    args = ap.parse_args()
    global REQ_SINCE
    REQ_SINCE = args.req_since
    if args.expect:
        return expect(args.expect, args.db)
    deadline = time.monotonic() + args.wait
    while True:
        ok, lines, n = compare(args.db)
        if ok or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if ok:
        for line in notes(args.db[0]):
            print(line)
        print("identical (%d rows)" % n)
        return 0
    print("\n".join(lines))
    return 1


if __name__ == "__main__":
    sys.exit(main())
