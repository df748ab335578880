"""flood.py MODE PORT SRC N SECONDS - strangers that cost a server something.

All N connections come from the local address SRC (127.0.0.x), so the
tests can tell them from the real client's 127.0.0.1.  Prints "ready"
once they are set up, then one summary line at the end.

  kdf     N tracker connections, each keeping 2 LOGINs of unknown users
          in flight for SECONDS (answers: wrong password, or BUSY).
  hello   N tracker connections that say HELLO, then nothing; after
          SECONDS, how many are still open.
  ping    N tracker connections that say HELLO, then a PING with a bogus
          token every 0.5 s; after SECONDS, how many are still open.
  cancel  N peer-server connections that say HELLO as a peer, then a
          CANCEL without any WANT (no ticket) every 0.5 s; after SECONDS,
          how many are still open.
"""
import os
import resource
import selectors
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as w  # noqa: E402

MODE, PORT, SRC, N, SECONDS = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                               int(sys.argv[4]), float(sys.argv[5]))
PING, P_CANCEL = 26, 69

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < N + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(N + 64, hard), hard))


def connect():
    """N connections, 100 at a time: those refused do not stop the rest."""
    conns, err = [], None
    for k in range(0, N, 100):
        got, e = w.connect_many(PORT, min(100, N - k), timeout=60, src=SRC)
        conns += got
        err = err or e
    return conns, err


def hello_all(conns, role):
    """HELLO on each; the ones answered stay (a refused one is closed)."""
    ok = []
    for c in conns:
        try:
            c.send(w.hello(role=role))
            typ, _, _, _ = c.recv(timeout=10)
            if typ == w.HELLO:
                ok.append(c)
        except (w.Closed, OSError):
            c.close()
    return ok


def still_open(conns, send):
    """Keep calling send(c) on each every 0.5 s for SECONDS; then the
    number still open."""
    end = time.monotonic() + SECONDS
    live = list(conns)
    while time.monotonic() < end:
        nxt = []
        for c in live:
            try:
                if send is not None:
                    send(c)
                nxt.append(c)
            except OSError:
                c.close()
        live = nxt
        time.sleep(0.5)
    return sum(0 if c.closed_within(0.05) else 1 for c in live)


def login_frame(rid):
    return w.frame(w.LOGIN, rid, w.ident("nobody-%d" % rid) +
                   w.string("wrong") + w.string("127.0.0.1:9") +
                   w.random_token())


def kdf(conns):
    sel = selectors.DefaultSelector()
    rid = 1
    for c in conns:
        for _ in range(2):
            c.send(login_frame(rid))
            rid += 1
        c.s.setblocking(False)
        sel.register(c.s, selectors.EVENT_READ, c)
    print("ready", flush=True)
    counts = {"auth": 0, "busy": 0, "other": 0}
    end = time.monotonic() + SECONDS
    while time.monotonic() < end:
        for key, _ in sel.select(0.2):
            c = key.data
            try:
                d = c.s.recv(65536)
            except (BlockingIOError, w.ssl.SSLWantReadError):
                continue
            except OSError:
                d = b""
            if not d:
                sel.unregister(c.s)
                continue
            frames, c.buf = w.split_frames(c.buf + d)
            for typ, _, body in frames:
                code = w.decode(typ, body)[0] if typ == w.ERROR else None
                counts["auth" if code == w.WE_AUTH else
                       "busy" if code == w.WE_BUSY else "other"] += 1
                c.s.setblocking(True)
                c.send(login_frame(rid))
                c.s.setblocking(False)
                rid += 1
    print("answers: %d wrong password, %d busy, %d other" %
          (counts["auth"], counts["busy"], counts["other"]), flush=True)


conns, err = connect()
if err is not None:
    print("connected %d of %d (%s)" % (len(conns), N, err), flush=True)
if MODE == "kdf":
    kdf(hello_all(conns, w.ROLE_CLIENT))
elif MODE in ("hello", "ping"):
    ok = hello_all(conns, w.ROLE_CLIENT)
    print("ready %d" % len(ok), flush=True)
    bogus = w.random_token()
    n = still_open(ok, None if MODE == "hello" else
                   lambda c: c.send(w.frame(PING, 7, bogus)))
    print("open after %gs: %d of %d" % (SECONDS, n, len(ok)), flush=True)
elif MODE == "cancel":
    ok = hello_all(conns, w.ROLE_PEER)
    print("ready %d" % len(ok), flush=True)
    n = still_open(ok, lambda c: c.send(w.frame(
        P_CANCEL, 7, b"\0" * 20 + struct.pack(">III", 0, 0, 16384))))
    print("open after %gs: %d of %d" % (SECONDS, n, len(ok)), flush=True)
