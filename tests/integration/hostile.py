"""hostile.py CASE PORT TRACKER_LOG - one hostile peer against a tracker.

Every case but not_tls and bad_tls speaks TLS properly and misbehaves
inside it; not_tls sends bytes that are not TLS, bad_tls TLS the tracker
must refuse (no client certificate, TLS 1.2).  Prints "PASS: ..." / "FAIL: ..." lines (counted by the test runner).  A
case that makes the tracker drop the connection also checks that the
tracker's log names that connection (its source port).
"""
import os
import random
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as w  # noqa: E402

CASE, PORT, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fails = 0


def check(name, ok, detail=""):
    global fails
    if ok:
        print("PASS: hostile %s: %s" % (CASE, name))
    else:
        fails += 1
        print("FAIL: hostile %s: %s%s" % (CASE, name,
                                           " (%s)" % detail if detail else ""))


def logged(port, timeout=3.0):
    """A line of the tracker's log naming 127.0.0.1:port (polled)."""
    key = "127.0.0.1:%d:" % port
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(LOG, errors="replace") as f:
                for line in f:
                    if key in line:
                        return line.strip()
        except OSError:
            pass
        time.sleep(0.05)
    return None


def dropped(c, what, seconds=2.0, log=True):
    """The tracker closes c within seconds and logs it."""
    port = c.local_port
    t0 = time.monotonic()
    closed = c.closed_within(seconds)
    check("%s: connection closed promptly" % what, closed,
          "still open after %.1fs" % (time.monotonic() - t0))
    c.close()
    if log:
        line = logged(port)
        check("%s: tracker logs the dropped connection" % what,
              line is not None, "no log line for 127.0.0.1:%d" % port)


def error_then_close(c, what, rid, code=w.WE_PROTO):
    """An ERROR reply (code, request id) then the close."""
    try:
        typ, _, got, f = c.recv(timeout=3)
        check("%s: ERROR reply" % what, typ == w.ERROR and f[0] == code
              and got == rid, "type %d id %d fields %r" % (typ, got, f))
    except (w.Closed, socket.timeout) as e:
        check("%s: ERROR reply" % what, False, str(e))
    dropped(c, what)


def fresh():
    c = w.Conn(PORT)
    c.hello()
    return c


def session():
    """A valid token: the user is created on first use."""
    c = w.Conn(PORT)
    c.hello()
    c.request(w.CREATE_USER, 7, w.ident("hostile") + w.string("pw"))
    c.close()
    return w.login(PORT, "hostile", "pw")


if CASE == "not_tls":
    # Bytes that are not TLS, on the tracker's port: each connection is
    # dropped, and the tracker goes on serving.  (A failed handshake is
    # logged at debug level only, so the log is not checked here.)
    c = w.Conn(PORT, tls=False)
    c.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    dropped(c, "plain HTTP request", log=False)
    c = w.Conn(PORT, tls=False)
    c.send(bytes(random.Random(4321).randrange(256) for _ in range(4096)))
    dropped(c, "4 KiB of random bytes, no TLS", log=False)
    c = w.Conn(PORT, tls=False)
    c.send(w.hello())
    dropped(c, "a HELLO frame in clear", log=False)
    c = w.Conn(PORT, tls=False)
    c.send(w.client_hello() + b"\xff" * 64)
    dropped(c, "a ClientHello, then garbage", log=False)
    ch = w.client_hello()
    c = w.Conn(PORT, tls=False)
    c.send(ch[:len(ch) // 2])
    c.close()
    c = fresh()
    typ, _, _, f = c.request(w.LIST_GROUPS, 40, w.random_token())
    check("a TLS client is served after all that",
          typ == w.ERROR and f[0] == w.WE_AUTH, repr(f))
    c.close()

elif CASE == "bad_tls":
    # TLS the tracker must refuse: no client certificate; TLS 1.2.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    raw = w.Conn(PORT, tls=False)
    try:
        raw.s = ctx.wrap_socket(raw.s)
        raw.send(w.hello())
        typ, _, _, f = raw.recv(timeout=3)
        check("no client certificate: no HELLO back", False,
              "type %d" % typ)
    except (w.Closed, ssl.SSLError, ConnectionError):
        check("no client certificate: refused", True)
    raw.close()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(*w.identity())
    raw = w.Conn(PORT, tls=False)
    try:
        raw.s = ctx.wrap_socket(raw.s)
        check("TLS 1.2: handshake refused", False, raw.s.version())
    except (ssl.SSLError, ConnectionError):
        check("TLS 1.2: handshake refused", True)
    raw.close()
    c = fresh()
    typ, _, _, f = c.request(w.LIST_GROUPS, 41, w.random_token())
    check("a proper TLS client is served after those",
          typ == w.ERROR and f[0] == w.WE_AUTH, repr(f))
    c.close()

elif CASE == "garbage":
    c = w.Conn(PORT)
    c.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    dropped(c, "HTTP request")
    rnd = random.Random(1234)
    c = w.Conn(PORT)
    c.send(bytes(rnd.randrange(256) for _ in range(4096)))
    dropped(c, "4 KiB of random bytes")
    c = fresh()
    c.send(b"\xff" * 64)
    dropped(c, "0xff bytes after HELLO")

elif CASE == "oversize":
    c = fresh()
    t0 = time.monotonic()
    c.send(w.frame(w.LIST_GROUPS, 5, length=1000000))
    dropped(c, "LIST_GROUPS announcing 1000000 bytes", seconds=2.0)
    check("closed within 2 s without the body", time.monotonic() - t0 < 2.0)
    c = w.Conn(PORT)
    c.send(w.frame(w.CREATE_USER, 6, length=0xFFFFFFFF))
    dropped(c, "CREATE_USER announcing 4 GiB before HELLO")
    c = w.Conn(PORT)
    c.send(w.frame(w.HELLO, 0, length=513))
    dropped(c, "HELLO announcing 513 bytes")
    c = fresh()
    c.send(w.frame(w.LOGOUT, 8, length=65))
    dropped(c, "LOGOUT announcing 65 bytes")

elif CASE == "truncated":
    c = fresh()
    f = w.frame(w.CREATE_USER, 9, w.ident("trunc") + w.string("pw"))
    c.send(f[:17])
    port = c.local_port
    c.close()
    line = logged(port)
    check("tracker logs the connection closed mid-frame", line is not None,
          "no log line for 127.0.0.1:%d" % port)
    c = w.Conn(PORT)
    c.send(w.hello()[:7])
    port = c.local_port
    c.close()
    line = logged(port)
    check("tracker logs the connection closed mid-HELLO", line is not None,
          "no log line for 127.0.0.1:%d" % port)

elif CASE == "unknown_type":
    for typ in (0, 99, 127, 128, 200, 65535):
        c = fresh()
        c.send(w.frame(typ, 10, b""))
        dropped(c, "type %d" % typ)
    # A known type that is not a request (a reply, a peer message) is a
    # protocol violation like any other: dropped, with a log line.
    for typ in (w.OK, 6):
        c = fresh()
        c.send(w.frame(typ, 10, b""))
        dropped(c, "reply type %d sent as a request" % typ)

elif CASE == "flags":
    c, tok = session()
    c.send(w.frame(w.LIST_GROUPS, 11, tok, flags=1))
    dropped(c, "flags 1")
    c = fresh()
    c.send(w.frame(w.LIST_GROUPS, 12, w.random_token(), flags=0x8000))
    dropped(c, "flags 0x8000")
    c = w.Conn(PORT)
    h = bytearray(w.hello())
    h[6:8] = b"\x00\x01"
    c.send(bytes(h))
    dropped(c, "flags on HELLO")

elif CASE == "before_hello":
    c = w.Conn(PORT)
    c.send(w.frame(w.LIST_GROUPS, 13, w.random_token()))
    error_then_close(c, "LIST_GROUPS before HELLO", 13)
    c = w.Conn(PORT)
    c.send(w.frame(w.CREATE_USER, 14, w.ident("early") + w.string("pw")))
    error_then_close(c, "CREATE_USER before HELLO", 14)
    # Nothing of it was done: the id is still free.
    c = fresh()
    typ, _, _, f = c.request(w.CREATE_USER, 15, w.ident("early") +
                             w.string("pw"))
    check("request before HELLO had no effect", typ == w.OK, repr(f))
    c.close()

elif CASE == "bad_hello":
    for what, kw in (("wrong magic", {"magic": 0x50325054}),
                     ("magic zero", {"magic": 0}),
                     ("version 1 (before TLS)", {"version": 1}),
                     ("version 2 (sources not told HAVE)", {"version": 2}),
                     ("version 3 (no SOURCES)", {"version": 3}),
                     ("version 4 (no BEAT)", {"version": 4}),
                     ("version 5 (no listing pages)", {"version": 5}),
                     ("version 6 (S_R_MARK without request keys)",
                      {"version": 6}),
                     ("version 7 (shares not in pages)", {"version": 7}),
                     ("version 8 (no unit hashes)", {"version": 8}),
                     ("version 10", {"version": 10}),
                     ("version 0", {"version": 0}),
                     ("role 9", {"role": 9}),
                     ("role 0", {"role": 0})):
        c = w.Conn(PORT)
        c.send(w.hello(rid=16, **kw))
        error_then_close(c, "HELLO with " + what, 16)
    c = w.Conn(PORT)
    c.send(w.frame(w.HELLO, 17, w.u32(w.MAGIC) + w.u16(1)))
    dropped(c, "HELLO without role and software")

elif CASE == "bad_id":
    for what, uid in (("slash", b"bad/user"), ("bang", b"wow!"),
                      ("space", b"a b"), ("empty", b""), ("65 chars", b"a" * 65),
                      ("NUL inside", b"ab\0cd"), ("high byte", b"caf\xc3\xa9")):
        c = fresh()
        body = w.u8(len(uid)) + uid + b"\0" + w.string("pw") + \
            w.string("127.0.0.1:1") + w.random_token()
        c.send(w.frame(w.LOGIN, 18, body))
        dropped(c, "LOGIN with id " + what)
    c = fresh()
    c.send(w.frame(w.LOGIN, 19, w.u8(3) + b"abcX" + w.string("pw") +
                   w.string("127.0.0.1:1") + w.random_token()))
    dropped(c, "LOGIN with id missing its NUL")
    c = fresh()
    c.send(w.frame(w.CREATE_USER, 20, w.ident("x") + w.u16(5000) + b"pw\0"))
    dropped(c, "CREATE_USER with a string longer than its frame")
    c = fresh()
    c.send(w.frame(w.CREATE_USER, 21, w.ident("x") + w.string("pw") + b"!"))
    dropped(c, "CREATE_USER with trailing bytes")
    c, tok = session()
    c.send(w.frame(w.CREATE_GROUP, 22, tok + w.ident("g/../x")))
    dropped(c, "CREATE_GROUP with a bad group id")

elif CASE == "bad_token":
    c = fresh()
    reqs = [
        (w.LOGOUT, b""),
        (w.CREATE_GROUP, w.ident("tg")),
        (w.JOIN_GROUP, w.ident("tg")),
        (w.LEAVE_GROUP, w.ident("tg")),
        (w.LIST_REQUESTS, w.ident("tg")),
        (w.ACCEPT_REQUEST, w.ident("tg") + w.ident("hostile")),
        (w.REJECT_REQUEST, w.ident("tg") + w.ident("hostile")),
        (w.LIST_GROUPS, b""),
    ]
    for i, (typ, rest) in enumerate(reqs):
        rid = 100 + i
        c.send(w.frame(typ, rid, w.random_token() + rest))
        try:
            rt, _, got, f = c.recv(timeout=3)
            check("type %d: ERROR code 2 (WE_AUTH), same id" % typ,
                  rt == w.ERROR and f[0] == w.WE_AUTH and got == rid,
                  "type %d id %d fields %r" % (rt, got, f))
        except (w.Closed, socket.timeout) as e:
            check("type %d: ERROR code 2 (WE_AUTH), same id" % typ, False,
                  str(e))
    # An all-zero token is no better.
    typ, _, got, f = c.request(w.LIST_GROUPS, 120, b"\0" * 16)
    check("all-zero token: WE_AUTH", typ == w.ERROR and f[0] == w.WE_AUTH,
          repr(f))
    # The connection is still usable: a login on it works.
    c.request(w.CREATE_USER, 121, w.ident("tokuser") + w.string("pw"))
    typ, _, _, f = c.request(w.LOGIN, 122, w.ident("tokuser") +
                             w.string("pw") + w.string("127.0.0.1:2") +
                             w.random_token())
    check("same connection still serves a login", typ == w.SESSION, repr(f))
    # A real token of a logged-out session is refused as well.
    tok = f[0]
    typ, _, _, f = c.request(w.LOGOUT, 123, tok)
    check("logout OK", typ == w.OK, repr(f))
    typ, _, _, f = c.request(w.LIST_GROUPS, 124, tok)
    check("token after logout: WE_AUTH", typ == w.ERROR and
          f[0] == w.WE_AUTH, repr(f))
    c.close()

elif CASE == "second_hello":
    c = fresh()
    c.send(w.hello(rid=25))
    dropped(c, "second HELLO")

elif CASE == "pipeline":
    c, tok = session()
    c.request(w.CREATE_GROUP, 2, tok + w.ident("pipe_g"))
    rnd = random.Random(99)
    ids = rnd.sample(range(1, 2**32), 100)
    c.send(b"".join(w.frame(w.LIST_GROUPS, i, tok) for i in ids))
    got, bad = [], 0
    try:
        for _ in ids:
            typ, _, rid, f = c.recv(timeout=10)
            got.append(rid)
            if typ != w.NAMES or "pipe_g" not in f:
                bad += 1
    except (w.Closed, socket.timeout) as e:
        check("100 pipelined replies arrive", False,
              "%d replies, then %s" % (len(got), e))
    check("100 replies with the request ids, in order", got == ids,
          "%d replies" % len(got))
    check("every reply is the group list", bad == 0, "%d bad" % bad)
    # Mixed types in one write, each answered under its own id.
    batch = [(w.CREATE_GROUP, 201, tok + w.ident("pipe_h")),
             (w.CREATE_GROUP, 202, tok + w.ident("pipe_h")),
             (w.LIST_GROUPS, 203, tok),
             (w.LIST_REQUESTS, 204, tok + w.ident("pipe_h")),
             (w.LEAVE_GROUP, 205, tok + w.ident("pipe_h")),
             (w.LIST_GROUPS, 206, tok)]
    c.send(b"".join(w.frame(t, i, b) for t, i, b in batch))
    rep = {}
    try:
        for _ in batch:
            typ, _, rid, f = c.recv(timeout=5)
            rep[rid] = (typ, f)
    except (w.Closed, socket.timeout) as e:
        check("mixed pipeline answered", False, str(e))
    want = {201: (w.OK, ()), 202: (w.ERROR, (w.WE_EXISTS,
            "group pipe_h already exists")),
            203: (w.NAMES, ["ng", "pipe_g", "pipe_h"]), 204: (w.NAMES, []),
            205: (w.OK, ()), 206: (w.NAMES, ["ng", "pipe_g"])}
    check("mixed pipeline: each reply matches its request", rep == want,
          repr(rep))
    c.close()

elif CASE == "slow":
    # A HELLO and a request trickled one byte a send.
    c = w.Conn(PORT)
    data = w.hello() + w.frame(w.CREATE_USER, 30, w.ident("slowpoke") +
                               w.string("pw"))
    for i in range(len(data)):
        c.send(data[i:i + 1])
        time.sleep(0.002)
    typ, _, _, f = c.recv()
    check("byte-at-a-time HELLO answered", typ == w.HELLO, repr(f))
    typ, _, rid, f = c.recv()
    check("byte-at-a-time request answered", typ == w.OK and rid == 30,
          repr(f))
    c.close()

else:
    check("known case", False, CASE)

sys.exit(1 if fails else 0)
