"""share_fakepeer.py - two scripted seeders, to test how a downloader
blames the peers of a piece that fails its SHA1.

  share_fakepeer.py TRACKER_PORT GROUP NAME FILE BAD_USER GOOD_USER

Both fakes log in to the tracker (password pw-USER) with their own listen
address, and tell it they serve GROUP/NAME (WT_SHARE: the file must
already be in the group).  Then they speak the peer protocol:

  BAD   answers WANT at once with a full BITFIELD; of the blocks asked of
        it, it answers those at offset 0 of a piece with wrong bytes and
        keeps the others unanswered (a slow liar).
  GOOD  an honest seeder: every block asked is answered with the file's
        bytes, CANCEL is ignored (as the real peer server does).  It holds
        its BITFIELD until BAD has sent three bad blocks (and 300 ms more),
        so the downloader gets the other blocks of those pieces from GOOD.

Every piece BAD touched then holds one wrong block from BAD and three
right ones from GOOD: it fails its SHA1, and only BAD is to blame.  GOOD
alone can supply the whole file, so the download must succeed.

Prints "ready" once both are registered; then a line per event.  Runs
until killed.
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402
from share_peer import recv_raw, WANT, BITFIELD, REQUEST, PIECE, CANCEL  # noqa: E402,E501

SHARE = 30
# The peer protocol's piece: a unit (common/wire.h WIRE_UNIT_LEN) of a
# file our client uploaded, whose hashes name its units.
PIECE_LEN = 128 * 1024


def log(*a):
    print(*a, flush=True)


def register(tracker_port, user, group, name, addr):
    c = wp.Conn(tracker_port)
    c.hello()
    typ, _, _, f = c.request(wp.LOGIN, 1, wp.ident(user) +
                             wp.string("pw-" + user) + wp.string(addr) +
                             wp.random_token())
    if typ != wp.SESSION:
        raise SystemExit("%s: login failed: %r" % (user, f))
    typ, _, _, f = c.request(SHARE, 2, f[0] + wp.ident(group) +
                             wp.string(name))
    if typ != wp.OK:
        raise SystemExit("%s: SHARE refused: %r" % (user, f))
    return c        # kept open: the session stays online


class Fake(wp.Listener):
    def __init__(self, who, data, sha, npieces, bad_sent):
        self.who, self.data, self.sha = who, data, sha
        self.npieces, self.bad_sent = npieces, bad_sent
        self.nbad = 0
        wp.Listener.__init__(self)

    def bitfield(self):
        n = (self.npieces + 7) // 8
        bits = bytearray(n)
        for i in range(self.npieces):
            bits[i // 8] |= 0x80 >> (i % 8)
        return self.sha + wp.u32(n) + bytes(bits)

    def serve(self, s):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            # TLS with the key this fake logged in with (one per process).
            s.settimeout(10)
            s = wp.server_ctx().wrap_socket(s, server_side=True)
            c = wp.Conn.wrap(s, 3600)
            typ, rid, _ = recv_raw(c, 3600)
            if typ != wp.HELLO:
                return
            c.send(wp.hello(role=wp.ROLE_PEER))
            while True:
                typ, rid, body = recv_raw(c, 3600)
                if typ == WANT:
                    if body[:20] != self.sha:
                        c.send(wp.frame(wp.ERROR, rid, wp.u16(5) +
                                        wp.string("not shared here")))
                        continue
                    if self.who == "good":
                        self.bad_sent.wait(30)
                        time.sleep(0.3)
                    c.send(wp.frame(BITFIELD, rid, self.bitfield()))
                    log(self.who, "bitfield sent")
                elif typ == REQUEST:
                    piece, off, n = struct.unpack(">III", body[20:32])
                    start = piece * PIECE_LEN + off
                    block = self.data[start:start + n]
                    if self.who == "bad":
                        if off != 0:
                            continue        # kept unanswered
                        block = bytes([block[0] ^ 0xff]) + block[1:]
                        self.nbad += 1
                        log("bad: wrong block at piece", piece)
                        if self.nbad >= 3:
                            self.bad_sent.set()
                    c.send(wp.frame(PIECE, rid, self.sha + wp.u32(piece) +
                                    wp.u32(off) + block))
                elif typ == CANCEL:
                    pass
        except (OSError, wp.Closed):      # ssl.SSLError is an OSError
            log(self.who, "connection closed")


def main():
    tport, group, name, path, bad_user, good_user = sys.argv[1:7]
    data = open(path, "rb").read()
    sha = hashlib.sha1(data).digest()
    npieces = (len(data) + PIECE_LEN - 1) // PIECE_LEN
    ev = threading.Event()
    bad = Fake("bad", data, sha, npieces, ev)
    good = Fake("good", data, sha, npieces, ev)
    links = [register(int(tport), bad_user, group, name, bad.addr),
             register(int(tport), good_user, group, name, good.addr)]
    for f in (bad, good):
        threading.Thread(target=f.run, daemon=True).start()
    log("ready bad=%s good=%s" % (bad.addr, good.addr))
    threading.Event().wait()
    return links


if __name__ == "__main__":
    main()
