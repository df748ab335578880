"""search_remote.py - search latency from a client over loopback, for
scripts/bench_search.sh (figures, not pass/fail).

    search_remote.py PORT [PORT2]

Logs in as alice (pw-alice) on the tracker at 127.0.0.1:PORT over TLS
(tests/integration/wireproto.py, one blocking connection), then for each
kind of pattern sends RUNS SEARCH requests one after the other, rotating
through the kind's patterns (the same as tests/bench/tsearch.c), and
prints the median and 99th percentile of the time from sending a
request to having its whole reply decoded (one page: at most 64 KiB), the
hits a page held and the mean time the decoding here took; then the time to fetch every page of "*".  With PORT2, the
same on the second tracker, and every page of every pattern fetched from
both must be the same list: a file uploaded through tracker 1 is found
through tracker 2.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import wireproto as wp  # noqa: E402

RUNS = int(os.environ.get("SEARCH_RUNS", "200"))

# Time spent decoding replies here (Python), to tell apart from the rest.
_decode = wp.decode
DECODE = [0.0]


def timed_decode(typ, body):
    t0 = time.perf_counter()
    try:
        return _decode(typ, body)
    finally:
        DECODE[0] += time.perf_counter() - t0


wp.decode = timed_decode
KINDS = [
    ("substring, 3+ chars, rare",
     ["_012345.", "042017", "ay_0999", "_077777.csv", "3141"]),
    ("substring, 3+ chars, common",
     ["thesis", "PHOTO", "budget_", ".pdf", "caf\u00e9"]),
    ("short, 1-2 chars", ["a", "7", "pd", "X", "_0", "\u00e9"]),
    ("wildcard", ["*.pdf", "photo_*_0?1*", "report*.tar.gz", "*_00012?.*",
                  "?????_*.iso"]),
    ("no match", ["zzqq", "*.exe", "thesis_thesis_thesis", "q?q"]),
]


class Client:
    def __init__(self, port):
        self.c, self.tok = wp.login(port, "alice", "pw-alice")
        self.rid = 10

    def page(self, pat, g="", n=""):
        self.rid += 1
        typ, _, _, f = self.c.request(wp.SEARCH, self.rid,
                                      wp.search_body(self.tok, pat, g, n))
        if typ != wp.FOUND:
            raise SystemExit("search %r: reply %d %r" % (pat, typ, f))
        return f

    def all(self, pat):
        """Every hit, page after page; and how many pages."""
        hits, g, n, pages = [], "", "", 0
        while True:
            more, g, n, h = self.page(pat, g, n)
            hits += h
            pages += 1
            if not more:
                return hits, pages


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]


def figures(port, label):
    cl = Client(port)
    print("%s: one page a request, %d requests each, from a client over "
          "loopback (TLS, Python):" % (label, RUNS))
    for what, pats in KINDS:
        t, hits = [], 0
        DECODE[0] = 0.0
        for i in range(RUNS):
            t0 = time.perf_counter()
            f = cl.page(pats[i % len(pats)])
            t.append((time.perf_counter() - t0) * 1e3)
            hits += len(f[3])
        print("  %-30s median %6.3f ms  p99 %6.3f ms  hits/page %6.1f  "
              "(decoding here: %.3f ms a reply)" %
              (what, statistics.median(t), pct(t, 0.99), hits / RUNS,
               DECODE[0] * 1e3 / RUNS))
    t0 = time.perf_counter()
    hits, pages = cl.all("*")
    print("  every page of \"*\": %d hits in %d pages, %.0f ms in all" %
          (len(hits), pages, (time.perf_counter() - t0) * 1e3))
    return cl


def main():
    ports = [int(p) for p in sys.argv[1:3]]
    cls = [figures(p, "tracker %d" % (i + 1)) for i, p in enumerate(ports)]
    if len(cls) < 2:
        return 0
    pats = ["*"] + [p for _, ps in KINDS for p in ps]
    same = 0
    for pat in pats:
        a, b = cls[0].all(pat)[0], cls[1].all(pat)[0]
        if a != b:
            print("tracker 2 answers %r differently: %d hits, tracker 1 %d"
                  % (pat, len(b), len(a)))
            return 1
        same += 1
    print("tracker 2 gives the same hits as tracker 1 for all %d patterns "
          "(every page)" % same)
    return 0


if __name__ == "__main__":
    sys.exit(main())
