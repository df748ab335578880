"""wireproto.py - the tracker's binary protocol, for integration tests.

Frame: u32 body length | u16 type | u16 flags | u32 request id | body, all
big-endian (see common/wire.h).  Only what the tests need: encoders for
the field kinds, a decoder for replies (ERROR, OK, NAMES, SESSION, HELLO,
FILE, FOUND), and a blocking connection with timeouts.

Every link of the product is TLS 1.3 with a client certificate on both
ends (identities are pinned fingerprints, no CA).  This process makes one
self-signed Ed25519 key and certificate, at first use, and presents it on
every connection it opens or serves (client_ctx, server_ctx): a fake peer
serves with the key it logged in with.  fingerprint() names a key as the
product prints it.  Conn(..., tls=False) is a raw TCP socket, for tests
of what the product does with bytes that are not TLS.
"""
import atexit
import base64
import hashlib
import os
import selectors
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time

HDR = 12
MAGIC = 0x50325053
VERSION = 9       # 2: under TLS, tickets name keys; 3: HAVE to sources;
                  # 4: SOURCES, a bounded random set of them; 5: BEAT;
                  # 6: listings in pages; 7: S_R_MARK carries a
                  # request key; 8: a user's shares in pages; 9: unit
                  # hashes after the piece hashes, peers count units
ROLE_CLIENT, ROLE_TRACKER, ROLE_PEER = 1, 2, 3
# A peer ticket: u64 expiry, the source's key (SHA-256 of its public key
# info, as a fingerprint), HMAC-SHA256 naming the asker's key too.
TICKET_LEN = 72

HELLO, ERROR, OK, NAMES, SESSION, FILES, FILE = 1, 2, 3, 4, 5, 6, 7
PEERS, FOUND = 9, 10
# A user's shares a page at a time: request and its reply.
MY_SHARES_PAGE, SHARES_PAGE = 44, 45
FILE_INFO, SHARE, SOURCES, SEARCH = 29, 30, 34, 35
# The most sources one FILE or PEERS reply names (WIRE_SOURCES_MAX).
SOURCES_MAX = 40
CREATE_USER, LOGIN, LOGOUT = 16, 17, 18
CREATE_GROUP, JOIN_GROUP, LEAVE_GROUP = 19, 20, 21
LIST_REQUESTS, ACCEPT_REQUEST, REJECT_REQUEST, LIST_GROUPS = 22, 23, 24, 25

WE_PROTO, WE_AUTH, WE_DENIED, WE_EXISTS = 1, 2, 3, 4
WE_NOTFOUND, WE_INVALID, WE_INTERNAL, WE_BUSY = 5, 6, 7, 8


def u8(v):
    return struct.pack(">B", v)


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v)


def ident(s):
    b = s.encode() if isinstance(s, str) else s
    return u8(len(b)) + b + b"\0"


def string(s):
    b = s.encode() if isinstance(s, str) else s
    return u16(len(b)) + b + b"\0"


def frame(typ, rid, body=b"", flags=0, length=None):
    n = len(body) if length is None else length
    return struct.pack(">IHHI", n, typ, flags, rid) + body


def split_frames(buf):
    """The whole frames at the start of buf, as (type, id, body), and the
    bytes left over (a frame not yet whole)."""
    out = []
    while len(buf) >= HDR:
        n, typ, _flags, rid = struct.unpack(">IHHI", buf[:HDR])
        if len(buf) < HDR + n:
            break
        out.append((typ, rid, buf[HDR:HDR + n]))
        buf = buf[HDR + n:]
    return out, buf


def hello(magic=MAGIC, version=VERSION, role=ROLE_CLIENT, rid=0):
    return frame(HELLO, rid, u32(magic) + u16(version) + u8(role) +
                 string("wireproto-test"))


def random_token():
    return os.urandom(16)


class Closed(Exception):
    pass


# --- TLS --------------------------------------------------------------

_ident = None
_ctx = {}


def _make_identity(d):
    key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ed25519",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=test"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def identity():
    """(cert path, key path): the Ed25519 key and self-signed certificate
    this process presents on every connection, made at first use.  By
    default one per process, removed at exit.  With $WIREPROTO_KEYDIR set,
    the one in that directory, made there by the first process that needs
    it: processes sharing it are one peer to the product (a session is
    bound to the key that logged in, a ticket to the key that asked)."""
    global _ident
    if _ident is not None:
        return _ident
    shared = os.environ.get("WIREPROTO_KEYDIR")
    if not shared:
        d = tempfile.mkdtemp(prefix="wireproto-tls.")
        atexit.register(shutil.rmtree, d, True)
        _ident = _make_identity(d)
        return _ident
    shared = os.path.abspath(shared)
    if not os.path.isdir(shared):
        # Made aside and renamed in: processes started together agree.
        parent = os.path.dirname(shared)
        os.makedirs(parent, exist_ok=True)
        d = tempfile.mkdtemp(prefix=".wireproto-tls.", dir=parent)
        _make_identity(d)
        try:
            os.rename(d, shared)
        except OSError:
            shutil.rmtree(d, True)      # another process was first
    _ident = (os.path.join(shared, "cert.pem"),
              os.path.join(shared, "key.pem"))
    return _ident


def client_ctx():
    """A context for dialing the product: TLS 1.3 only, our certificate
    presented, the server's not checked (the tests pin nothing)."""
    if "client" not in _ctx:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(*identity())
        _ctx["client"] = ctx
    return _ctx["client"]


def server_ctx():
    """A context for fake peer servers: our certificate, no client
    certificate asked for."""
    if "server" not in _ctx:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(*identity())
        _ctx["server"] = ctx
    return _ctx["server"]


def _der(b, o):
    """(tag, start of content, end of content) of the DER item at o."""
    tag, n = b[o], b[o + 1]
    o += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(b[o:o + k], "big")
        o += k
    return tag, o, o + n


def spki_of_cert(der):
    """The DER SubjectPublicKeyInfo of a DER certificate."""
    _, o, _ = _der(der, 0)              # Certificate
    _, o, _ = _der(der, o)              # tbsCertificate
    if der[o] == 0xa0:                  # [0] version
        o = _der(der, o)[2]
    for _ in range(5):                  # serial, sigalg, issuer, validity,
        o = _der(der, o)[2]             # subject
    _, _, end = _der(der, o)
    return der[o:end]


def fingerprint(cert=None):
    """A certificate's key as the product prints it: "SHA256:" and the
    base64 (no padding) of SHA-256 over the DER SubjectPublicKeyInfo.
    cert: DER bytes (as getpeercert(True) gives), a PEM file's path, or
    None for our own."""
    if cert is None:
        cert = identity()[0]
    if isinstance(cert, str):
        with open(cert) as f:
            cert = ssl.PEM_cert_to_DER_cert(f.read())
    h = hashlib.sha256(spki_of_cert(cert)).digest()
    return "SHA256:" + base64.b64encode(h).decode().rstrip("=")


def client_hello():
    """The bytes of a ClientHello as client_ctx() would send it (for
    tests that dribble a handshake over raw TCP)."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_ctx().wrap_bio(inc, out, server_side=False)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


# Errors that mean the other side is gone, as far as a test cares (a TLS
# alert, a reset, EOF without close_notify).
GONE = (ConnectionResetError, BrokenPipeError, ssl.SSLError)


def _sources(body, o):
    """The (address, ticket) items of a FILE or PEERS body from o on."""
    srcs = []
    while o < len(body):
        (n,) = struct.unpack(">H", body[o:o + 2])
        addr, o = body[o + 2:o + 2 + n].decode(), o + 2 + n + 1
        (t,) = struct.unpack(">I", body[o:o + 4])
        srcs.append((addr, body[o + 4:o + 4 + t]))
        o += 4 + t
    return srcs


def decode(typ, body):
    """A reply's fields: ERROR (code, msg), NAMES [names], SESSION
    (token, user), HELLO (magic, version, role, software), FILE (name,
    size, sha1, piece count, [(source, ticket)]), PEERS (sha1, [(source,
    ticket)]), OK ()."""
    if typ == ERROR:
        code, n = struct.unpack(">HH", body[:4])
        return code, body[4:4 + n].decode(errors="replace")
    if typ == NAMES:
        out, o = [], 0
        while o < len(body):
            (n,) = struct.unpack(">H", body[o:o + 2])
            out.append(body[o + 2:o + 2 + n].decode(errors="replace"))
            o += 2 + n + 1
        return out
    if typ == SESSION:
        n = body[16]
        return body[:16], body[17:17 + n].decode()
    if typ == HELLO:
        magic, ver, role = struct.unpack(">IHB", body[:7])
        return magic, ver, role
    if typ == FILE:
        # name, size, sha1, hash count, [(source address, ticket)],
        # the hashes (the pieces', then the units' if any)
        (n,) = struct.unpack(">H", body[:2])
        name, o = body[2:2 + n].decode(), 2 + n + 1
        (size,) = struct.unpack(">Q", body[o:o + 8])
        sha, o = body[o + 8:o + 28], o + 28
        (np,) = struct.unpack(">I", body[o:o + 4])
        hashes = body[o + 4:o + 4 + 20 * np]
        o += 4 + 20 * np
        return name, size, sha, np, _sources(body, o), hashes
    if typ == PEERS:
        # sha1, [(source address, ticket)]
        return body[:20], _sources(body, 20)
    if typ == FOUND:
        # (more, next group, next name, [(name, group, size, sha1)])
        more, o = body[0], 1
        cur = []
        for _ in range(2):
            (n,) = struct.unpack(">H", body[o:o + 2])
            cur.append(body[o + 2:o + 2 + n].decode(errors="replace"))
            o += 2 + n + 1
        hits = []
        while o < len(body):
            (n,) = struct.unpack(">H", body[o:o + 2])
            name, o = body[o + 2:o + 2 + n].decode(errors="replace"), \
                o + 2 + n + 1
            g, o = body[o + 1:o + 1 + body[o]].decode(), o + 1 + body[o] + 1
            (size,) = struct.unpack(">Q", body[o:o + 8])
            hits.append((name, g, size, body[o + 8:o + 28].hex()))
            o += 28
        return more, cur[0], cur[1], hits
    if typ == SHARES_PAGE:
        # (more, cursor, [(group, name, path, sha1, size, mtime)])
        more, o = body[0], 1
        (n,) = struct.unpack(">H", body[o:o + 2])
        cursor, o = body[o + 2:o + 2 + n].decode(errors="replace"), o + 2 + n + 1
        shares = []
        while o < len(body):
            g, o = body[o + 1:o + 1 + body[o]].decode(), o + 1 + body[o] + 1
            strs = []
            for _ in range(2):
                (n,) = struct.unpack(">H", body[o:o + 2])
                strs.append(body[o + 2:o + 2 + n].decode(errors="replace"))
                o += 2 + n + 1
            sha = body[o:o + 20].hex()
            size, mtime = struct.unpack(">QQ", body[o + 20:o + 36])
            shares.append((g, strs[0], strs[1], sha, size, mtime))
            o += 36
        return more, cursor, shares
    return ()


def search_body(token, pattern, group="", name=""):
    """A SEARCH request's body: the page after (group, name)."""
    return token + string(pattern) + string(group) + string(name)


class Conn:
    """A connection: TLS (handshake done) unless tls=False; rcvbuf sets
    SO_RCVBUF before the connect."""

    def __init__(self, port, timeout=5.0, host="127.0.0.1", tls=True,
                 rcvbuf=None, src=None):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if src is not None:
                s.bind((src, 0))
            if rcvbuf is not None:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            s.settimeout(timeout)
            s.connect((host, port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if tls:
                s = client_ctx().wrap_socket(s)
        except BaseException:
            s.close()
            raise
        self.s = s
        self.buf = b""
        self.timeout = timeout

    @classmethod
    def wrap(cls, s, timeout=5.0):
        """A Conn over an already set up socket (an accepted one)."""
        c = cls.__new__(cls)
        c.s, c.buf, c.timeout = s, b"", timeout
        return c

    def peer_fingerprint(self):
        return fingerprint(self.s.getpeercert(True))

    @property
    def local_port(self):
        return self.s.getsockname()[1]

    def send(self, data):
        self.s.sendall(data)

    def _fill(self, need, deadline):
        while len(self.buf) < need:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except GONE:
                d = b""
            if not d:
                raise Closed("closed after %d bytes" % len(self.buf))
            self.buf += d

    def recv(self, timeout=None):
        """One frame: (type, flags, id, decoded body)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        self._fill(HDR, deadline)
        n, typ, flags, rid = struct.unpack(">IHHI", self.buf[:HDR])
        self._fill(HDR + n, deadline)
        body = self.buf[HDR:HDR + n]
        self.buf = self.buf[HDR + n:]
        return typ, flags, rid, decode(typ, body)

    def hello(self):
        self.send(hello())
        typ, _, _, f = self.recv()
        assert typ == HELLO and f[0] == MAGIC, (typ, f)

    def request(self, typ, rid, body):
        self.send(frame(typ, rid, body))
        r = self.recv()
        assert r[2] == rid, ("reply id", r[2], rid)
        return r

    def closed_within(self, seconds):
        """True if the peer closes (EOF or reset) within seconds, data
        before the close being discarded."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return False
            except GONE:
                return True
            if not d:
                return True

    def close(self):
        self.s.close()


def connect_many(port, n, timeout=20.0, host="127.0.0.1", src=None):
    """n TLS connections to one port, their handshakes run side by side
    (non-blocking, one selector), all within timeout seconds; from the
    local address src if given.  Returns (conns, error): the Conns whose
    handshake completed, in the order they were opened, and the first
    error met (None if all n are up)."""
    deadline = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    socks, err = [], None
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if src is not None:
                s.bind((src, 0))
            s.settimeout(max(deadline - time.monotonic(), 0.01))
            s.connect((host, port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.setblocking(False)
            t = client_ctx().wrap_socket(s, do_handshake_on_connect=False)
        except OSError as e:
            s.close()
            err = e
            break
        socks.append(t)
        sel.register(t, selectors.EVENT_WRITE)
    done, pending = set(), len(socks)
    while pending and err is None:
        left = deadline - time.monotonic()
        if left <= 0:
            err = socket.timeout("%d handshakes unfinished" % pending)
            break
        for key, _ in sel.select(left):
            t = key.fileobj
            try:
                t.do_handshake()
            except ssl.SSLWantReadError:
                sel.modify(t, selectors.EVENT_READ)
                continue
            except ssl.SSLWantWriteError:
                sel.modify(t, selectors.EVENT_WRITE)
                continue
            except OSError as e:
                err = err or e
                sel.unregister(t)
                pending -= 1
                continue
            sel.unregister(t)
            done.add(t)
            pending -= 1
    sel.close()
    conns = []
    for t in socks:
        if t in done:
            t.settimeout(timeout)
            conns.append(Conn.wrap(t, timeout))
        else:
            t.close()
    return conns, err


def login(port, user, password, peer="127.0.0.1:1", token=None):
    """A connection after HELLO and a session token for user (token: the
    one LOGIN proposes, random by default; the tracker answers with it)."""
    c = Conn(port)
    c.hello()
    typ, _, _, f = c.request(LOGIN, 1, ident(user) + string(password) +
                             string(peer) + (token or random_token()))
    assert typ == SESSION, (typ, f)
    return c, f[0]


def tickets(port, user, password, group, name):
    """{source address: ticket} as the tracker hands them to user."""
    c, tok = login(port, user, password)
    typ, _, _, f = c.request(FILE_INFO, 2, tok + ident(group) + string(name))
    c.close()
    assert typ == FILE, (typ, f)
    return dict(f[4])


class Listener:
    """A fake peer server on a free loopback port: run() serves each
    accepted socket with self.serve(sock) on a thread of its own."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(16)
        self.addr = "127.0.0.1:%d" % self.ls.getsockname()[1]

    def run(self):
        while True:
            s, _ = self.ls.accept()
            threading.Thread(target=self.serve, args=(s,),
                             daemon=True).start()
