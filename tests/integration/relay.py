"""relay.py - a man in the middle between two trackers, for t_relay.sh.

    relay.py tcp LISTEN_PORT TARGET_PORT [--inject-after BYTES]
                                         [--inject flip,record,...]
    relay.py tls LISTEN_PORT TARGET_PORT

Listens on 127.0.0.1:LISTEN_PORT; every connection accepted there (the
"client" side: the tracker that dials) is paired with a new connection
to 127.0.0.1:TARGET_PORT (the "target": the tracker that accepts), and
bytes are forwarded both ways, c2t and t2c.  Runs until killed; prints
one line per event, flushed, to standard output:

    ready MODE LISTEN_PORT -> TARGET_PORT [key SHA256:...]
    conn N open from 127.0.0.1:P
    conn N ...                      what the mode did (below)
    conn N closed by client|target (REASON): c2t=BYTES t2c=BYTES
          [c2t_frames=T,T,... t2c_frames=T,T,...]

tcp: bytes are forwarded as they are; the TLS sessions run end to end
  between the trackers.  The c2t stream is followed record by record (TLS
  record headers: type, version, length).  With --inject-after BYTES,
  once a connection has carried 2048 + BYTES bytes c2t (so it is past
  the TLS handshake), the next injection of the --inject list (default
  "flip") is done on it, toward the target, and logged:
    flip    the last byte (AEAD tag) of the next application-data record
            is XORed with 0x01:       conn N injected flip: ...
    record  a record of our own, well formed (type 23, version 0x0303,
            length, 64 random bytes), is put before the next record:
                                      conn N injected record: ...
  One injection per connection, each used once; connections after the
  list is used up are forwarded untouched.  A connection that ends
  before its threshold keeps the injection for the next.
tls: TLS is terminated on both sides with the wireproto key (its own
  $WIREPROTO_KEYDIR: see wireproto.identity): a server context toward
  the client (which sees our key, not the target's), a client context
  toward the target (which sees our key too).  The decrypted streams are
  forwarded verbatim (AUTH and PROOF frames included, nothing changed)
  and each frame is logged as it passes:
                                      conn N c2t S_AUTH len=36 id=1
                                      conn N t2c S_PROOF len=36
  With the keys each side proved:     conn N tls up: client proved K1,
                                      target proved K2
"""
import os
import select
import socket
import ssl
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402

HANDSHAKE_ALLOWANCE = 2048
NAMES = {1: "HELLO", 2: "ERROR", 3: "OK", 96: "S_AUTH", 97: "S_PROOF",
         98: "S_HWM", 99: "S_OP", 100: "S_ACK", 101: "S_ONLINE",
         111: "S_SNAP_END", 124: "S_SNAP_OFFER", 125: "S_SNAP_ASK"}
for _t in range(102, 111):
    NAMES[_t] = "S_R_%d" % _t

lock = threading.Lock()


def say(line):
    with lock:
        print(line, flush=True)


class Injector:
    """The injections still to do, one per connection, shared."""

    def __init__(self, after, kinds):
        self.after = after
        self.kinds = list(kinds) if after is not None else []

    def take(self):
        with lock:
            return self.kinds.pop(0) if self.kinds else None

    def give_back(self, kind):
        with lock:
            self.kinds.insert(0, kind)


class RecordStream:
    """The c2t byte stream of one tcp connection, record by record, with
    the connection's injection (if any) done on the way."""

    def __init__(self, n, inj):
        self.n, self.inj = n, inj
        self.kind = inj.take()
        self.total = 0          # bytes of input taken so far
        self.hdr = b""          # the record header being read
        self.left = 0           # body bytes of the current record to come
        self.flip = False       # flip the last byte of the current record
        self.records = 0

    def armed(self):
        return (self.kind is not None and
                self.total >= HANDSHAKE_ALLOWANCE + self.inj.after)

    def feed(self, data):
        out = bytearray()
        i = 0
        while i < len(data):
            if self.left == 0:
                if not self.hdr and self.armed() and self.kind == "record":
                    body = os.urandom(64)
                    out += b"\x17\x03\x03" + struct.pack(">H", len(body)) + body
                    say("conn %d injected record: type 23 version 0x0303 "
                        "length %d (random bytes) before c2t byte %d "
                        "(record %d)" % (self.n, len(body), self.total,
                                         self.records + 1))
                    self.kind = None
                take = min(5 - len(self.hdr), len(data) - i)
                self.hdr += data[i:i + take]
                out += data[i:i + take]
                i += take
                self.total += take
                if len(self.hdr) == 5:
                    typ = self.hdr[0]
                    self.left = struct.unpack(">H", self.hdr[3:5])[0]
                    self.records += 1
                    self.flip = (self.armed() and self.kind == "flip" and
                                 typ == 23 and self.left > 0)
                    self.hdr = b""
            else:
                take = min(self.left, len(data) - i)
                chunk = bytearray(data[i:i + take])
                if self.flip and take == self.left:
                    chunk[-1] ^= 0x01
                    say("conn %d injected flip: last byte of c2t record %d "
                        "(type 23), at c2t byte %d" %
                        (self.n, self.records, self.total + take - 1))
                    self.kind, self.flip = None, False
                out += chunk
                self.left -= take
                i += take
                self.total += take
        return bytes(out)

    def close(self):
        if self.kind is not None:
            self.inj.give_back(self.kind)


class FrameLog:
    """Frames of one decrypted direction, named as they pass."""

    def __init__(self, n, way):
        self.n, self.way = n, way
        self.buf = b""
        self.types = []

    def feed(self, data):
        frames, self.buf = wp.split_frames(self.buf + data)
        for typ, _rid, body in frames:
            ln = len(body)
            name = NAMES.get(typ, "type%d" % typ)
            self.types.append(name)
            extra = ""
            if typ == 96 and len(body) >= 4:
                extra = " id=%d" % struct.unpack(">I", body[:4])[0]
            say("conn %d %s %s len=%d%s" % (self.n, self.way, name, ln,
                                             extra))


def recv_some(s):
    """Bytes from a non-blocking s: b"" at its end, None if none yet (a
    partial record, or a record that carries no data)."""
    try:
        d = s.recv(65536)
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
        return None
    except (OSError, ssl.SSLError):
        return b""
    return d


def send_all(s, data):
    """All of data to a non-blocking s, within 10 s."""
    while data:
        try:
            k = s.send(data)
            data = data[k:]
            continue
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError,
                BlockingIOError):
            pass
        if not select.select([], [s], [], 10.0)[1]:
            raise OSError("send timed out")


def pump(n, a, b, c2t, t2c):
    """Forward between a (client side) and b (target side) until one
    ends; c2t/t2c transform and note each direction's bytes."""
    count = {"c2t": 0, "t2c": 0}
    why = "?"
    while True:
        ready = [s for s in (a, b) if isinstance(s, ssl.SSLSocket) and
                 s.pending() > 0]
        if not ready:
            ready, _, _ = select.select([a, b], [], [], 1.0)
        done = False
        for s in ready:
            d = recv_some(s)
            if d is None:
                continue
            src, dst, way = (("client", b, "c2t") if s is a else
                             ("target", a, "t2c"))
            if not d:
                why, done = "closed by %s" % src, True
                break
            count[way] += len(d)
            out = (c2t if way == "c2t" else t2c)(d)
            try:
                send_all(dst, out)
            except (OSError, ssl.SSLError) as e:
                why, done = "closed by %s (%s)" % (
                    "target" if dst is b else "client", e), True
                break
        if done:
            return why, count


def serve_tcp(n, a, port, inj):
    try:
        b = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError as e:
        say("conn %d target unreachable: %s" % (n, e))
        a.close()
        return
    for s in (a, b):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
    rs = RecordStream(n, inj)
    why, count = pump(n, a, b, rs.feed, lambda d: d)
    rs.close()
    for s in (a, b):
        s.close()
    say("conn %d %s: c2t=%d t2c=%d (c2t records %d)" %
        (n, why, count["c2t"], count["t2c"], rs.records))


def serve_tls(n, a, port):
    try:
        a.settimeout(5)
        a = wp.server_ctx().wrap_socket(a, server_side=True)
    except (OSError, ssl.SSLError) as e:
        say("conn %d client handshake failed: %s" % (n, e))
        a.close()
        return
    try:
        b = socket.create_connection(("127.0.0.1", port), timeout=5)
        b.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        b = wp.client_ctx().wrap_socket(b)
    except (OSError, ssl.SSLError) as e:
        say("conn %d target handshake failed: %s" % (n, e))
        a.close()
        return
    cfp = a.getpeercert(True)
    say("conn %d tls up: client proved %s, target proved %s" %
        (n, wp.fingerprint(cfp) if cfp else "nothing (not asked)",
         wp.fingerprint(b.getpeercert(True))))
    for s in (a, b):
        s.setblocking(False)
    fc, ft = FrameLog(n, "c2t"), FrameLog(n, "t2c")

    def note(log):
        def f(d):
            log.feed(d)
            return d
        return f
    why, count = pump(n, a, b, note(fc), note(ft))
    for s in (a, b):
        try:
            s.close()
        except OSError:
            pass
    say("conn %d %s: c2t=%d t2c=%d c2t_frames=%s t2c_frames=%s" %
        (n, why, count["c2t"], count["t2c"], ",".join(fc.types) or "-",
         ",".join(ft.types) or "-"))


def main():
    args = sys.argv[1:]
    if len(args) < 3 or args[0] not in ("tcp", "tls"):
        sys.exit(__doc__)
    mode, listen, target = args[0], int(args[1]), int(args[2])
    after, kinds = None, ["flip"]
    rest = args[3:]
    while rest:
        if rest[0] == "--inject-after" and mode == "tcp" and len(rest) > 1:
            after = int(rest[1])
        elif rest[0] == "--inject" and mode == "tcp" and len(rest) > 1:
            kinds = rest[1].split(",")
            if any(k not in ("flip", "record") for k in kinds):
                sys.exit("--inject: flip or record")
        else:
            sys.exit(__doc__)
        rest = rest[2:]
    inj = Injector(after, kinds)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen))
    ls.listen(16)
    key = ""
    if mode == "tls":
        wp.server_ctx()
        wp.client_ctx()         # the key exists before we say ready
        key = " key " + wp.fingerprint()
    say("ready %s %d -> %d%s" % (mode, listen, target, key))
    n = 0
    while True:
        a, peer = ls.accept()
        n += 1
        say("conn %d open from %s:%d" % (n, peer[0], peer[1]))
        fn = serve_tls if mode == "tls" else serve_tcp
        targs = (n, a, target) if mode == "tls" else (n, a, target, inj)
        threading.Thread(target=fn, args=targs, daemon=True).start()


if __name__ == "__main__":
    main()
