"""badcerts.py - odd certificates and broken handshakes, for t_badcerts.sh.

    badcerts.py quick TRACKER_PORT PEER_PORT CERTDIR GROUP NAME USER
    badcerts.py stall TRACKER_PORT PEER_PORT SECONDS

The target servers: a tracker (TRACKER_PORT) and a client's peer server
(PEER_PORT) sharing NAME in GROUP.  USER (password pw-USER) is a member of
GROUP logged in with the wireproto key ($WIREPROTO_KEYDIR); CERTDIR holds
PEM certificates made by the test with the openssl CLI:
    expired.pem   self-signed, the wireproto key, valid 2020-01-01..02
    other.pem     self-signed, a fresh Ed25519 key (+ other.key)
    rsa1.pem, rsa2.pem   self-signed, RSA 2048 (+ rsa1.key, rsa2.key)

quick: each case once, one after the other; prints "PASS: badcerts ..."
  and "FAIL: badcerts ..." lines, and "observed: ..." lines for what
  no document decides.
  (i)   the expired certificate: the handshake and HELLO; a session
        token got under the same key (a current certificate) counts on
        the expired certificate's link, not on other.pem's; the peer
        server answers a WANT whose ticket names that key.
  (ii)  RSA certificates: a token got on an RSA link must not count on a
        link with another RSA key (README: a token on a link that proves
        another key is no session); the peer server must not serve the
        ticket of the wireproto key to an RSA link.
  (iii) 4 KiB of random bytes instead of a ClientHello: closed within 2 s.
  (iv)  a complete handshake, then garbage: a forged application-data
        record, a record header announcing 65535 bytes, a record of an
        unknown content type, 4 KiB of random bytes; each: closed within
        2 s.
stall: opens these connections and leaves them: to the tracker and to
  the peer server, half a ClientHello, and a whole ClientHello then no
  more; to the tracker only, a tracker HELLO then nothing, and a tracker
  HELLO then the first 8 bytes of an S_AUTH frame.  Prints
  "ready EPOCH", then for each, when it is closed or when SECONDS have
  passed: "closed NAME after S.S s" or "open NAME after S.S s".
"""
import os
import random
import select
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402
from share_peer import recv_raw  # noqa: E402

WANT, BITFIELD = 64, 65
S_AUTH = 96
fails = 0
lock = threading.Lock()


def say(line):
    with lock:
        print(line, flush=True)


def check(name, ok, detail=""):
    global fails
    if ok:
        say("PASS: badcerts %s" % name)
    else:
        fails += 1
        say("FAIL: badcerts %s%s" % (name, " (%s)" % detail if detail else ""))


def ctx_with(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    return ctx


def connect(port, ctx, timeout=5.0):
    """A wp.Conn over TLS with ctx, or the error of the handshake."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        t = ctx.wrap_socket(s)
    except (OSError, ssl.SSLError) as e:
        s.close()
        return None, e
    return wp.Conn.wrap(t, timeout), None


def hello_answered(c, role):
    """HELLO sent with role: did a HELLO come back?"""
    try:
        c.send(wp.hello(role=role))
        return recv_raw(c, 5)[0] == wp.HELLO
    except (wp.Closed, socket.timeout, OSError, ssl.SSLError):
        return False


def list_groups(c, tok, rid):
    """The reply to LIST_GROUPS: ("names", [...]), ("error", code) or
    ("closed", why)."""
    try:
        typ, _, got, f = c.request(wp.LIST_GROUPS, rid, tok)
    except (wp.Closed, socket.timeout, OSError, ssl.SSLError) as e:
        return ("closed", str(e))
    if typ == wp.NAMES:
        return ("names", f)
    if typ == wp.ERROR:
        return ("error", f[0])
    return ("type", typ)


def ticket(tport, user, group, name, seeder):
    """(sha1, ticket for seeder) as the tracker hands them to user."""
    tc, tok = wp.login(tport, user, "pw-" + user)
    typ, _, _, f = tc.request(wp.FILE_INFO, 2, tok + wp.ident(group) +
                              wp.string(name))
    tc.close()
    if typ != wp.FILE:
        raise SystemExit("FAIL: badcerts no FILE for %s: %r" % (name, f))
    return f[2], dict(f[4]).get(seeder, b""), tok


def want(port, ctx, sha, tk):
    """What the peer server answers a WANT on a link made with ctx:
    "bitfield", "error", "closed" or "refused" (handshake/HELLO)."""
    c, err = connect(port, ctx)
    if c is None:
        return "refused (%s)" % err
    try:
        if not hello_answered(c, wp.ROLE_PEER):
            return "refused (no HELLO back)"
        c.send(wp.frame(WANT, 7, sha + wp.u32(len(tk)) + tk))
        typ = recv_raw(c, 5)[0]
    except (wp.Closed, socket.timeout, OSError, ssl.SSLError) as e:
        return "closed (%s)" % e
    finally:
        c.close()
    return {BITFIELD: "bitfield", wp.ERROR: "error"}.get(typ, "type %d" % typ)


def closes(c, seconds):
    t0 = time.monotonic()
    ok = c.closed_within(seconds)
    return ok, time.monotonic() - t0


def garbage_after_handshake(what, port, role):
    """Each kind of garbage on a fresh TLS link (after HELLO for one of
    them): closed within 2 s."""
    rnd = random.Random(2024)
    cases = [
        ("a forged application-data record right after the handshake",
         False, b"\x17\x03\x03\x00\x40" + bytes(rnd.randrange(256)
                                                for _ in range(64))),
        ("a forged application-data record after HELLO", True,
         b"\x17\x03\x03\x00\x40" + bytes(rnd.randrange(256)
                                         for _ in range(64))),
        ("a record header announcing 65535 bytes", False,
         b"\x17\x03\x03\xff\xff" + bytes(100)),
        ("a record of unknown content type 0x42", False,
         b"\x42\x03\x03\x00\x10" + bytes(16)),
        ("4 KiB of random bytes after the handshake", False,
         bytes(rnd.randrange(256) for _ in range(4096))),
    ]
    for name, after_hello, junk in cases:
        c = wp.Conn(port)
        if after_hello and not hello_answered(c, role):
            check("%s: %s: HELLO answered first" % (what, name), False)
            c.close()
            continue
        os.write(c.s.fileno(), junk)     # under TLS: raw bytes
        ok, took = closes(c, 2.0)
        check("%s: %s: closed (%.2f s)" % (what, name, took), ok,
              "still open after 2 s")
        c.close()


def quick(tport, pport, certs, group, name, user):
    cert = lambda n: os.path.join(certs, n)  # noqa: E731
    mykey = wp.identity()[1]
    expired = ctx_with(cert("expired.pem"), mykey)
    other = ctx_with(cert("other.pem"), cert("other.key"))
    rsa1 = ctx_with(cert("rsa1.pem"), cert("rsa1.key"))
    rsa2 = ctx_with(cert("rsa2.pem"), cert("rsa2.key"))
    seeder = "127.0.0.1:%d" % pport
    sha, tk, tok = ticket(tport, user, group, name, seeder)
    check("a ticket for the seeder from the tracker", len(tk) > 0)

    # (i) expired certificate, the key of a live session and ticket.
    c, err = connect(tport, expired)
    check("tracker: the expired certificate's handshake completes",
          c is not None, str(err))
    if c is not None:
        check("tracker: ... and HELLO is answered (dates are not checked)",
              hello_answered(c, wp.ROLE_CLIENT))
        r = list_groups(c, tok, 50)
        check("tracker: a token of the same key counts on the expired "
              "certificate's link (bound to the key)",
              r[0] == "names" and group in r[1], repr(r))
        c.close()
    c, err = connect(tport, other)
    if c is not None and hello_answered(c, wp.ROLE_CLIENT):
        r = list_groups(c, tok, 51)
        check("tracker: control: not on a link with another Ed25519 key",
              r == ("error", wp.WE_AUTH), repr(r))
        c.close()
    else:
        check("tracker: control: another Ed25519 key connects", False,
              str(err))
    r = want(pport, expired, sha, tk)
    check("peer: the expired certificate with the ticket's key is served",
          r == "bitfield", r)
    r = want(pport, other, sha, tk)
    check("peer: control: another Ed25519 key with that ticket is denied",
          r == "error", r)

    # (ii) RSA keys.
    a, err = connect(tport, rsa1)
    if a is None:
        say("observed: tracker: an RSA certificate's handshake fails: %s" %
            err)
        check("tracker: an RSA key gets no session", True)
    else:
        ans = hello_answered(a, wp.ROLE_CLIENT)
        say("observed: tracker: an RSA certificate's handshake completes; "
            "HELLO %s" % ("answered" if ans else "not answered"))
        tok2 = None
        if ans:
            try:
                a.request(wp.CREATE_USER, 60, wp.ident("rsauser") +
                          wp.string("pw"))
                typ, _, _, f = a.request(wp.LOGIN, 61, wp.ident("rsauser") +
                                         wp.string("pw") +
                                         wp.string("127.0.0.1:1") +
                                         wp.random_token())
                if typ == wp.SESSION:
                    tok2 = f[0]
                say("observed: tracker: on the RSA link, LOGIN answered "
                    "with %s" % ("a session" if tok2 else "type %d %r" %
                                 (typ, f)))
            except (wp.Closed, socket.timeout, OSError, ssl.SSLError) as e:
                say("observed: tracker: the RSA link closed: %s" % e)
        a.close()
        if tok2 is None:
            check("tracker: an RSA key gets no session", True)
        else:
            b, err = connect(tport, rsa2)
            r = ("closed", str(err))
            if b is not None and hello_answered(b, wp.ROLE_CLIENT):
                r = list_groups(b, tok2, 62)
                b.close()
            check("tracker: a token got on an RSA link is no session on a "
                  "link with another RSA key", r[0] != "names", repr(r))
    r = want(pport, rsa1, sha, tk)
    say("observed: peer: an RSA link with the wireproto key's ticket: %s" % r)
    check("peer: the ticket of another key is not served to an RSA link",
          r != "bitfield", r)

    # (iii) random bytes instead of a ClientHello.
    rnd = random.Random(7)
    for what, port in (("tracker", tport), ("peer", pport)):
        c = wp.Conn(port, tls=False)
        c.send(bytes(rnd.randrange(256) for _ in range(4096)))
        ok, took = closes(c, 2.0)
        check("%s: 4 KiB of random bytes for a ClientHello: closed (%.2f s)"
              % (what, took), ok, "still open after 2 s")
        c.close()

    # (iv) a valid handshake, then garbage records.
    garbage_after_handshake("tracker", tport, wp.ROLE_CLIENT)
    garbage_after_handshake("peer", pport, wp.ROLE_PEER)


def watch(name, s, t0, seconds):
    """Wait for s to be closed by the other side (EOF, reset)."""
    deadline = t0 + seconds
    s.setblocking(False)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            say("open %s after %.1f s" % (name, time.monotonic() - t0))
            return
        r, _, _ = select.select([s], [], [], min(left, 0.5))
        if not r:
            continue
        try:
            d = s.recv(65536)
        except BlockingIOError:
            continue
        except OSError:
            d = b""
        if not d:
            say("closed %s after %.1f s" % (name, time.monotonic() - t0))
            return


def tracker_hello_link(port, extra):
    """A TLS link (wireproto key) that says HELLO as a tracker, then
    extra; returned as a plain socket to watch (the TLS object is kept
    alive beside it)."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = wp.client_ctx().wrap_bio(inc, out, server_side=False)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            s.sendall(out.read())
            d = s.recv(65536)
            if not d:
                raise SystemExit("handshake: closed")
            inc.write(d)
    obj.write(wp.hello(role=wp.ROLE_TRACKER) + extra)
    s.sendall(out.read())
    return s, obj


def stall(tport, pport, seconds):
    ch = wp.client_hello()
    keep, links = [], []
    for what, port in (("tracker", tport), ("peer", pport)):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(ch[:len(ch) // 2])
        links.append(("%s-half-clienthello" % what, s))
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(ch)
        links.append(("%s-whole-clienthello" % what, s))
    s, obj = tracker_hello_link(tport, b"")
    keep.append(obj)
    links.append(("tracker-trackerhello-silent", s))
    auth = wp.frame(S_AUTH, 0, wp.u32(1) + wp.u32(32) + bytes(32))
    s, obj = tracker_hello_link(tport, auth[:8])
    keep.append(obj)
    links.append(("tracker-trackerhello-half-auth", s))
    t0 = time.monotonic()
    say("ready %.3f" % time.time())
    th = [threading.Thread(target=watch, args=(n, s, t0, seconds))
          for n, s in links]
    for t in th:
        t.start()
    for t in th:
        t.join()
    for _, s in links:
        s.close()


def main():
    if len(sys.argv) >= 8 and sys.argv[1] == "quick":
        quick(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5],
              sys.argv[6], sys.argv[7])
    elif len(sys.argv) == 5 and sys.argv[1] == "stall":
        stall(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(__doc__)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
