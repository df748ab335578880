"""bigswarm.py - a crowd of sources and what the tracker hands out of it;
a crowd of followers and what a seeder serves.

    bigswarm.py crowd TRACKER_PORT USER PASSWORD GROUP FILE SEEDER_ADDR N
    bigswarm.py busy TRACKER_PORT USER PASSWORD GROUP FILE SEEDER_ADDR N

crowd: logs in N sessions of USER (a member of GROUP), each with a peer address
of its own (127.0.0.1 and a port nothing listens on), and has each say it
serves FILE (SHARE): N sources that are online but dead, as peers that
crashed without their tracker link noticing.  Session 0 then asks the
tracker, many times, for the file (FILE_INFO) and for its sources alone
(SOURCES, a downloader's refresh), first with 10 sources sharing (a small
swarm: every other one named, each time), then with all N (more than
WIRE_SOURCES_MAX: exactly that many each time, random ones, all of the
others seen over the draws); never its own address, never one twice, each
with a ticket; PEERS carries the file's SHA1 and no piece hashes.  Also:
SOURCES for a file that does not exist and from a non-member are refused.
Prints PASS/FAIL lines, then "holding N" and keeps the N sessions online
until its standard input ends.

busy: the seeder at SEEDER_ADDR (the only source of FILE) serves N links
at once (PS_MAX_SERVED): N connections WANT the file with the ticket the
tracker gave USER and each gets its bitfield; one more is refused BUSY;
once one of the N closes, a new one is served.  PASS/FAIL lines.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402
from share_peer import recv_raw, peer, want, BITFIELD  # noqa: E402

fails = 0
SMALL = 10


def check(name, ok, detail=""):
    global fails
    if ok:
        print("PASS: bigswarm: %s" % name)
    else:
        fails += 1
        print("FAIL: bigswarm: %s%s" % (name, " (%s)" % detail
                                        if detail else ""))
    sys.stdout.flush()


def dead_ports(n):
    """n ports of 127.0.0.1 that nothing listens on (bound, then let go)."""
    import socket
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Session:
    def __init__(self, port, user, password, addr):
        self.addr = addr
        self.c = wp.Conn(port, timeout=20)
        self.c.hello()
        typ, _, _, f = self.c.request(wp.LOGIN, 1, wp.ident(user) +
                                      wp.string(password) +
                                      wp.string(addr) + wp.random_token())
        assert typ == wp.SESSION, (typ, f)
        self.tok = f[0]
        self.rid = 1

    def ask(self, typ, group, name):
        """(reply type, raw body) of a request about group/name."""
        self.rid += 1
        self.c.send(wp.frame(typ, self.rid, self.tok + wp.ident(group) +
                             wp.string(name)))
        t, rid, body = recv_raw(self.c, 20)
        assert rid == self.rid, (rid, self.rid)
        return t, body


def draws(me, group, name, rounds, others, exact):
    """Ask FILE_INFO and SOURCES rounds times each; check every reply.
    exact: every reply names all others.  Returns the addresses seen."""
    seen = set()
    sha = None
    bad = []
    for _ in range(rounds):
        for typ in (wp.FILE_INFO, wp.SOURCES):
            t, body = me.ask(typ, group, name)
            want = wp.FILE if typ == wp.FILE_INFO else wp.PEERS
            if t != want:
                bad.append("reply type %d to %d" % (t, typ))
                continue
            f = wp.decode(t, body)
            srcs = f[4] if t == wp.FILE else f[1]
            addrs = [a for a, _ in srcs]
            if t == wp.FILE:
                sha = f[2]
            elif sha is not None and f[0] != sha:
                bad.append("PEERS names another SHA1")
            if t == wp.PEERS:
                # The SHA1, then the sources: no piece hashes.
                size = 20 + sum(2 + len(a) + 1 + 4 + len(tk)
                                for a, tk in srcs)
                if size != len(body):
                    bad.append("PEERS of %d bytes for %d sources"
                               % (len(body), len(srcs)))
            if len(addrs) > wp.SOURCES_MAX:
                bad.append("%d sources" % len(addrs))
            if len(set(addrs)) != len(addrs):
                bad.append("a source named twice")
            if me.addr in addrs:
                bad.append("the asker named as its own source")
            if not set(addrs) <= others:
                bad.append("unknown sources %r" % (set(addrs) - others))
            if any(len(tk) != wp.TICKET_LEN for _, tk in srcs):
                bad.append("a ticket of the wrong size")
            if exact and set(addrs) != others:
                bad.append("%d of the %d others named"
                           % (len(set(addrs) & others), len(others)))
            if not exact and len(addrs) != min(wp.SOURCES_MAX,
                                               len(others)):
                bad.append("%d sources of %d" % (len(addrs), len(others)))
            seen |= set(addrs)
    return seen, bad


def busy(port, user, password, group, name, seeder, n):
    me = Session(port, user, password, "127.0.0.1:1")
    t, body = me.ask(wp.FILE_INFO, group, name)
    f = wp.decode(t, body)
    sha, tickets = f[2], dict(f[4])
    assert seeder in tickets, (seeder, list(tickets))
    sport = int(seeder.rsplit(":", 1)[1])

    def follow():
        c = peer(sport)
        typ, _, body = want(c, sha, ticket=tickets[seeder])
        return c, typ, body

    links, bad = [], []
    for _ in range(n):
        c, typ, _ = follow()
        links.append(c)
        if typ != BITFIELD:
            bad.append(typ)
    check("the seeder serves %d links at once" % n, not bad,
          "%d WANTs answered %r" % (len(bad), bad[:3]))
    c, typ, body = follow()
    check("one more is refused BUSY", typ == wp.ERROR and
          wp.decode(typ, body)[0] == wp.WE_BUSY,
          "type %d %r" % (typ, wp.decode(typ, body)))
    c.close()
    links.pop().close()
    deadline = time.monotonic() + 10
    while True:
        c, typ, _ = follow()
        c.close()
        if typ == BITFIELD or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check("once one closes, another is served", typ == BITFIELD,
          "type %d" % typ)
    for c in links:
        c.close()
    me.c.close()
    return 1 if fails else 0


def main():
    mode = sys.argv[1]
    port, user, password, group, name, seeder, n = sys.argv[2:9]
    port, n = int(port), int(n)
    if mode == "busy":
        return busy(port, user, password, group, name, seeder, n)
    addrs = ["127.0.0.1:%d" % p for p in dead_ports(n)]
    crowd = []

    def join(k):
        for a in addrs[len(crowd):k]:
            s = Session(port, user, password, a)
            t, body = s.ask(wp.SHARE, group, name)
            assert t == wp.OK, (t, wp.decode(t, body))
            crowd.append(s)

    # A small swarm: all of the others, each time.
    join(SMALL)
    me = crowd[0]
    others = set(addrs[1:SMALL]) | {seeder}
    seen, bad = draws(me, group, name, 5, others, True)
    check("%d sources: every reply names all %d others, never the asker"
          % (SMALL + 1, len(others)), not bad, "; ".join(bad[:3]))

    # Past the bound: a random WIRE_SOURCES_MAX each time, all seen.
    join(n)
    others = set(addrs[1:]) | {seeder}
    seen, bad = draws(me, group, name, 30, others, False)
    check("%d sources: each reply names %d, none twice, never the asker"
          % (n + 1, wp.SOURCES_MAX), not bad, "; ".join(bad[:3]))
    check("every one of the %d others named within 60 replies"
          % len(others), seen == others,
          "%d never named" % len(others - seen))

    t, body = me.ask(wp.SOURCES, group, "no-such-file")
    check("SOURCES of a file the group lacks is refused",
          t == wp.ERROR and wp.decode(t, body)[0] == wp.WE_NOTFOUND,
          "type %d %r" % (t, wp.decode(t, body)))
    c = wp.Conn(port)
    c.hello()
    typ, _, _, _ = c.request(wp.CREATE_USER, 1, wp.ident("outsider") +
                             wp.string("pw-outsider"))
    c.close()
    out = Session(port, "outsider", "pw-outsider", "127.0.0.1:1")
    t, body = out.ask(wp.SOURCES, group, name)
    check("SOURCES from a non-member is refused", t == wp.ERROR,
          "type %d" % t)
    out.c.close()

    print("holding %d" % len(crowd))
    sys.stdout.flush()
    sys.stdin.read()
    for s in crowd:
        s.c.close()
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
