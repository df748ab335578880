#!/usr/bin/env python3
"""bench_bigswarm.py - the downloaders of scripts/bench_bigswarm.sh.

    bench_bigswarm.py TOP BIN TRACKER_PORT SEEDER_PID TRACKER_PID TIMEOUT \\
        ADDR...

Run in the bench's directory (ti.txt, f.bin, the accounts u1..uN and
probe made, every one a member of group g, f.bin shared there by the
seeder).  Starts one client per ADDR (user u<i>, listening there), has
each log in, then tells all of them at once to download f.bin into d<i>/.
Meanwhile, every PROBE_S, a prober logged in as "probe" asks the tracker
for the file (FILE_INFO) and for its sources alone (SOURCES), as a
downloader's refresh does, and keeps the largest reply of each; once
every copy is in, it asks once more (every client shares the whole file
then).  Every client's peak RSS (VmHWM, from /proc) is read until the
end, so before any exits.  Then each client's input is closed: it logs
out and exits (any left after 30 s is killed, by its PID, as all are if
this is stopped by SIGTERM).  Prints one line a figure, for the .sh:

    done I:SECONDS ...        each copy's arrival, from the go
    hwm PID:KIB ...           seeder, tracker, then the downloaders
    reply NAME BYTES SOURCES  the largest reply of each request
"""
import functools
import os
import signal
import subprocess
import sys
import time

PROBE_S = 0.5


def hwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def wait_lines(paths, prefix, limit):
    end = time.monotonic() + limit
    for p in paths:
        while True:
            try:
                with open(p) as f:
                    if any(l.startswith(prefix) for l in f):
                        break
            except OSError:
                pass
            if time.monotonic() > end:
                raise SystemExit("bench_bigswarm: no %r in %s" % (prefix, p))
            time.sleep(0.05)


class Prober:
    def __init__(self, wp, recv_raw, port):
        self.wp, self.recv_raw = wp, recv_raw
        self.c, self.tok = wp.login(port, "probe", "p")
        self.big = {}
        self.rid = 10

    def round(self):
        wp = self.wp
        asks = [("FILE_INFO", wp.FILE_INFO), ("SOURCES", wp.SOURCES)]
        for name, typ in asks[:1 if wp.VERSION < 4 else 2]:
            self.rid += 1
            self.c.send(wp.frame(typ, self.rid, self.tok + wp.ident("g") +
                                 wp.string("f.bin")))
            t, _, body = self.recv_raw(self.c, 10)
            # FILE: name, size, sha1, count, sources, hashes; PEERS:
            # sha1, sources.
            srcs = (len(wp.decode(t, body)[4 if t == wp.FILE else 1])
                    if t in (wp.FILE, wp.PEERS) else -1)
            if wp.HDR + len(body) > self.big.get(name, (0, 0))[0]:
                self.big[name] = (wp.HDR + len(body), srcs)


def main():
    top, binp, port, sp, tp, limit = sys.argv[1:7]
    addrs = sys.argv[7:]
    sys.path.insert(0, os.path.join(top, "tests/integration"))
    import wireproto as wp
    from share_peer import recv_raw
    if os.environ.get("BIG_WIRE_VERSION"):
        # An older build (BIG_BIN): its version, and before 4 no SOURCES.
        wp.VERSION = int(os.environ["BIG_WIRE_VERSION"])
        wp.hello = functools.partial(wp.hello, version=wp.VERSION)
    sp, tp, limit = int(sp), int(tp), float(limit)
    procs = []

    def stop(*_):
        for p in procs:
            if p.poll() is None:
                p.kill()
        for p in procs:
            p.wait()
        sys.exit(1)
    signal.signal(signal.SIGTERM, stop)

    prober = Prober(wp, recv_raw, int(port))
    for i, a in enumerate(addrs, 1):
        os.makedirs("d%d" % i, exist_ok=True)
        p = subprocess.Popen(
            [os.path.join(binp, "client/client"), a, "ti.txt"],
            stdin=subprocess.PIPE, stdout=open("o%d" % i, "w"),
            stderr=open("e%d" % i, "w"))
        procs.append(p)
        p.stdin.write(b"login u%d p\n" % i)
        p.stdin.flush()
    wait_lines(["o%d" % i for i in range(1, len(addrs) + 1)],
               "logged in", 120)

    pids = [sp, tp] + [p.pid for p in procs]
    peak = {}
    done = {}
    t0 = time.monotonic()
    for i, p in enumerate(procs, 1):
        p.stdin.write(b"download_file g f.bin %s/d%d\n" %
                      (os.getcwd().encode(), i))
        p.stdin.flush()
    next_probe = 0.0
    while len(done) < len(procs) and time.monotonic() - t0 < limit:
        for i in range(1, len(procs) + 1):
            if i not in done and os.path.exists("d%d/f.bin" % i):
                done[i] = time.monotonic() - t0
        for pid in pids:
            k = hwm(pid)
            if k is not None:
                peak[pid] = k
        if time.monotonic() >= next_probe:
            prober.round()
            next_probe = time.monotonic() + PROBE_S
        time.sleep(0.05)
    prober.round()
    for pid in pids:
        k = hwm(pid)
        if k is not None:
            peak[pid] = k
    print("done", " ".join("%d:%.2f" % (i, t) for i, t in
                           sorted(done.items())))
    print("hwm", " ".join("%d:%d" % (pid, peak.get(pid, 0)) for pid in pids))
    for name, (size, srcs) in sorted(prober.big.items()):
        print("reply %s %d %d" % (name, size, srcs))
    sys.stdout.flush()

    for p in procs:
        p.stdin.close()
    end = time.monotonic() + 30
    for p in procs:
        try:
            p.wait(max(end - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


if __name__ == "__main__":
    main()
