"""wireproto.py - the tracker's binary protocol, for integration tests.

Frame: u32 body length | u16 type | u16 flags | u32 request id | body, all
big-endian (see common/wire.h).  Only what the tests need: encoders for
the field kinds, a decoder for replies (ERROR, OK, NAMES, SESSION, HELLO),
and a blocking connection with timeouts.
"""
import os
import socket
import struct
import time

HDR = 12
MAGIC = 0x50325053
VERSION = 1
ROLE_CLIENT, ROLE_TRACKER, ROLE_PEER = 1, 2, 3

HELLO, ERROR, OK, NAMES, SESSION, FILES, FILE = 1, 2, 3, 4, 5, 6, 7
FILE_INFO = 29
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


def hello(magic=MAGIC, version=VERSION, role=ROLE_CLIENT, rid=0):
    return frame(HELLO, rid, u32(magic) + u16(version) + u8(role) +
                 string("wireproto-test"))


def random_token():
    return os.urandom(16)


class Closed(Exception):
    pass


def decode(typ, body):
    """A reply's fields: ERROR (code, msg), NAMES [names], SESSION
    (token, user), HELLO (magic, version, role, software), OK ()."""
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
        # name, size, sha1, piece count, [(source address, ticket)]
        (n,) = struct.unpack(">H", body[:2])
        name, o = body[2:2 + n].decode(), 2 + n + 1
        (size,) = struct.unpack(">Q", body[o:o + 8])
        sha, o = body[o + 8:o + 28], o + 28
        (np,) = struct.unpack(">I", body[o:o + 4])
        o += 4 + 20 * np
        srcs = []
        while o < len(body):
            (n,) = struct.unpack(">H", body[o:o + 2])
            addr, o = body[o + 2:o + 2 + n].decode(), o + 2 + n + 1
            (t,) = struct.unpack(">I", body[o:o + 4])
            srcs.append((addr, body[o + 4:o + 4 + t]))
            o += 4 + t
        return name, size, sha, np, srcs
    return ()


class Conn:
    def __init__(self, port, timeout=5.0, host="127.0.0.1"):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.timeout = timeout

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
            except ConnectionResetError:
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
            except ConnectionResetError:
                return True
            except socket.timeout:
                return False
            if not d:
                return True

    def close(self):
        self.s.close()


def login(port, user, password, peer="127.0.0.1:1"):
    """A connection after HELLO and a session token for user."""
    c = Conn(port)
    c.hello()
    typ, _, _, f = c.request(LOGIN, 1, ident(user) + string(password) +
                             string(peer))
    assert typ == SESSION, (typ, f)
    return c, f[0]


def tickets(port, user, password, group, name):
    """{source address: ticket} as the tracker hands them to user."""
    c, tok = login(port, user, password)
    typ, _, _, f = c.request(FILE_INFO, 2, tok + ident(group) + string(name))
    c.close()
    assert typ == FILE, (typ, f)
    return dict(f[4])
