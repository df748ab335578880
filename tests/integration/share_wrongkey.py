"""share_wrongkey.py - a seeder that serves under another key than it
logged in with, and, as a control, one that serves under the right key.

  share_wrongkey.py TRACKER_PORT GROUP SPEC...

SPEC is MODE:USER:NAME:PATH, MODE "wrong" or "right".  Each (MODE, USER)
logs in to the tracker (password pw-USER) with the wireproto key
($WIREPROTO_KEYDIR: the key the tracker binds the session to and names in
the tickets it hands out) and its own listen address, and tells the
tracker it serves GROUP/NAME (SHARE: the file must already be in the
group).  Its peer server then serves PATH's bytes, honestly, to anyone:

  right  under the key it logged in with (so a downloader may use it);
  wrong  under a fresh key of its own: not the key the tickets name.

Prints "ready wrong=ADDR right=ADDR login_key=FP wrong_key=FP" once all
are registered (ADDR "-" for a mode not asked for), then, as each peer
connection ends, one line

  MODE conn handshake=ok app_bytes_in=N piece_bytes_out=M
  MODE conn handshake=failed (REASON) app_bytes_in=0 piece_bytes_out=0

Runs until killed.
"""
import atexit
import hashlib
import os
import shutil
import socket
import ssl
import struct
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402
from share_peer import recv_raw, WANT, BITFIELD, REQUEST, PIECE  # noqa: E402

SHARE = 30
# The peer protocol's piece: a unit (common/wire.h WIRE_UNIT_LEN) of a
# file our client uploaded, whose hashes name its units.
PIECE_LEN = 128 * 1024
lock = threading.Lock()


def say(line):
    with lock:
        print(line, flush=True)


def register(tracker_port, user, group, names, addr):
    c = wp.Conn(tracker_port)
    c.hello()
    typ, _, _, f = c.request(wp.LOGIN, 1, wp.ident(user) +
                             wp.string("pw-" + user) + wp.string(addr) +
                             wp.random_token())
    if typ != wp.SESSION:
        raise SystemExit("%s: login failed: %r" % (user, f))
    tok = f[0]
    for i, name in enumerate(names):
        typ, _, _, f = c.request(SHARE, 2 + i, tok + wp.ident(group) +
                                 wp.string(name))
        if typ != wp.OK:
            raise SystemExit("%s: SHARE %s refused: %r" % (user, name, f))
    return c        # kept open: the session stays online


class Server(wp.Listener):
    def __init__(self, mode, ctx, files):
        self.mode, self.ctx = mode, ctx
        self.files = files          # sha1 -> bytes
        wp.Listener.__init__(self)

    def serve(self, s):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(10)
        try:
            t = self.ctx.wrap_socket(s, server_side=True)
        except (OSError, ssl.SSLError) as e:
            say("%s conn handshake=failed (%s) app_bytes_in=0 "
                "piece_bytes_out=0" % (self.mode,
                                       str(e).replace("\n", " ")[:100]))
            s.close()
            return
        c = wp.Conn.wrap(t, 30)
        nin = nout = 0
        try:
            while True:
                typ, rid, body = recv_raw(c, 30)
                nin += wp.HDR + len(body)
                if typ == wp.HELLO:
                    c.send(wp.hello(role=wp.ROLE_PEER))
                elif typ == WANT:
                    data = self.files.get(body[:20])
                    if data is None:
                        c.send(wp.frame(wp.ERROR, rid, wp.u16(5) +
                                        wp.string("not shared here")))
                        continue
                    np = (len(data) + PIECE_LEN - 1) // PIECE_LEN
                    n = (np + 7) // 8
                    bits = bytearray(n)
                    for i in range(np):
                        bits[i // 8] |= 0x80 >> (i % 8)
                    c.send(wp.frame(BITFIELD, rid, body[:20] + wp.u32(n) +
                                    bytes(bits)))
                elif typ == REQUEST:
                    data = self.files.get(body[:20])
                    if data is None:
                        continue
                    piece, off, n = struct.unpack(">III", body[20:32])
                    start = piece * PIECE_LEN + off
                    block = data[start:start + n]
                    c.send(wp.frame(PIECE, rid, body[:20] + wp.u32(piece) +
                                    wp.u32(off) + block))
                    nout += len(block)
        except (OSError, wp.Closed):      # ssl.SSLError is an OSError
            pass
        # What was received: every frame read plus any partial one.
        nin += len(c.buf)
        t.close()
        say("%s conn handshake=ok app_bytes_in=%d piece_bytes_out=%d" %
            (self.mode, nin, nout))


def other_ctx():
    """A server context with a fresh key: not the wireproto key.  Made
    beside $WIREPROTO_KEYDIR (the test's directory) if set."""
    shared = os.environ.get("WIREPROTO_KEYDIR")
    if shared:
        d = tempfile.mkdtemp(prefix="wrongkey.",
                             dir=os.path.dirname(os.path.abspath(shared)))
    else:
        d = tempfile.mkdtemp(prefix="wrongkey.")
        atexit.register(shutil.rmtree, d, True)
    cert, key = wp._make_identity(d)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    return ctx, wp.fingerprint(cert)


def main():
    tport, group = int(sys.argv[1]), sys.argv[2]
    specs = {}
    for spec in sys.argv[3:]:
        mode, user, name, path = spec.split(":", 3)
        assert mode in ("wrong", "right"), mode
        specs.setdefault((mode, user), []).append((name, path))
    wctx, wfp = other_ctx()
    servers, links, addrs = [], [], {"wrong": "-", "right": "-"}
    for (mode, user), items in specs.items():
        files = {}
        for _, path in items:
            data = open(path, "rb").read()
            files[hashlib.sha1(data).digest()] = data
        srv = Server(mode, wctx if mode == "wrong" else wp.server_ctx(),
                     files)
        links.append(register(tport, user, group, [n for n, _ in items],
                              srv.addr))
        servers.append(srv)
        addrs[mode] = srv.addr
    for srv in servers:
        threading.Thread(target=srv.run, daemon=True).start()
    say("ready wrong=%s right=%s login_key=%s wrong_key=%s" %
        (addrs["wrong"], addrs["right"], wp.fingerprint(), wfp))
    threading.Event().wait()
    return links


if __name__ == "__main__":
    main()
