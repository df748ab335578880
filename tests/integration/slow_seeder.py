"""slow_seeder.py - a seeder that serves slowly and keeps tickets' ends as
a real seeder does: to see a downloader renew its tickets on one link.

  slow_seeder.py TRACKER_PORT GROUP USER NAME PATH

USER (password pw-USER) logs in to the tracker with the wireproto key and
its own listen address and tells the tracker it serves GROUP/NAME (the
file must already be in the group).  Its peer server answers HELLO and
WANT as the client's does, and sends one block every $SLOW_BLOCK_S
seconds (default 0.5).  Tickets end as on a real seeder: a WANT with id
0xffffffff renews the connection's ticket and is not answered; a REQUEST
that arrives after the end of the last ticket WANTed closes the
connection.  (Arrival is when the frame is read: frames are read as soon
as they come, while the blocks are paced.)

Prints "ready ADDR" once registered, then, as each connection ends,

  conn piece_bytes_out=N wants=W ended=E

(W: WANTs received; E: 1 if closed for a ticket that had ended).  Runs
until killed.
"""
import hashlib
import os
import select
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402
from share_peer import WANT, BITFIELD, REQUEST, PIECE  # noqa: E402
from share_wrongkey import register, say, PIECE_LEN  # noqa: E402

RENEW = 0xffffffff


class Slow(wp.Listener):
    def __init__(self, data, pace):
        self.data, self.pace = data, pace
        self.sha = hashlib.sha1(data).digest()
        wp.Listener.__init__(self)

    def frames(self, c):
        """Every whole frame read so far, reading what is there now."""
        while True:
            if not c.s.pending():
                r, _, _ = select.select([c.s], [], [], 0)
                if not r:
                    break
            d = c.s.recv(65536)
            if not d:
                raise wp.Closed("closed")
            c.buf += d
        out = []
        while len(c.buf) >= wp.HDR:
            n, typ, _, rid = struct.unpack(">IHHI", c.buf[:wp.HDR])
            if len(c.buf) < wp.HDR + n:
                break
            out.append((typ, rid, c.buf[wp.HDR:wp.HDR + n]))
            c.buf = c.buf[wp.HDR + n:]
        return out

    def serve(self, s):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(30)
        try:
            t = wp.server_ctx().wrap_socket(s, server_side=True)
        except (OSError, ssl.SSLError):
            s.close()
            return
        c = wp.Conn.wrap(t, 30)
        nout = wants = ended = texp = 0
        queue = []      # REQUESTs as (body, good when it came)
        np = (len(self.data) + PIECE_LEN - 1) // PIECE_LEN
        try:
            while not ended:
                got = self.frames(c)
                if not got and not queue:
                    select.select([c.s], [], [], 1)
                    continue
                for typ, rid, body in got:
                    if typ == wp.HELLO:
                        c.send(wp.hello(role=wp.ROLE_PEER))
                    elif typ == WANT:
                        wants += 1
                        texp = max(texp, struct.unpack(">Q",
                                                       body[24:32])[0])
                        if rid != RENEW:
                            bits = bytearray((np + 7) // 8)
                            for i in range(np):
                                bits[i // 8] |= 0x80 >> (i % 8)
                            c.send(wp.frame(BITFIELD, rid, body[:20] +
                                            wp.u32(len(bits)) +
                                            bytes(bits)))
                    elif typ == REQUEST:
                        queue.append((rid, body, time.time() < texp + 1))
                if not queue:
                    continue
                rid, body, good = queue.pop(0)
                if not good:
                    ended = 1
                    break
                time.sleep(self.pace)
                piece, off, n = struct.unpack(">III", body[20:32])
                start = piece * PIECE_LEN + off
                block = self.data[start:start + n]
                c.send(wp.frame(PIECE, rid, body[:20] + wp.u32(piece) +
                                wp.u32(off) + block))
                nout += len(block)
        except (OSError, wp.Closed):      # ssl.SSLError is an OSError
            pass
        t.close()
        say("conn piece_bytes_out=%d wants=%d ended=%d" %
            (nout, wants, ended))


def main():
    tport, group, user, name, path = sys.argv[1:6]
    srv = Slow(open(path, "rb").read(),
               float(os.environ.get("SLOW_BLOCK_S", "0.5")))
    link = register(int(tport), user, group, [name], srv.addr)
    threading.Thread(target=srv.run, daemon=True).start()
    say("ready " + srv.addr)
    threading.Event().wait()
    return link


if __name__ == "__main__":
    main()
