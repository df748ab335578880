"""share_peer.py - speak the peer protocol to a client's peer server.

  share_peer.py PORT CHECK [ARGS...]

Each CHECK connects to 127.0.0.1:PORT, does one thing and exits 0 when the
server behaved as the protocol says (1 otherwise, with a line saying why):

  want-unknown                  WANT of a SHA1 nobody shares: ERROR, and
                                the connection stays usable
  not-served SHA1HEX            WANT of that SHA1: ERROR (not shared here)
  want SHA1HEX NPIECES          BITFIELD echoing the SHA1, NPIECES bits
                                set (MSB first), spare bits clear
  request SHA1HEX FILE PIECE OFF LEN
                                PIECE with FILE's bytes at PIECE*512KiB+OFF
  pipeline SHA1HEX FILE         every block of FILE asked at once, each
                                answered with the right bytes
  unshared-request              REQUEST for a SHA1 not shared: ERROR
  bad-request SHA1HEX PIECE OFF LEN
                                the server closes the connection and sends
                                no PIECE
  no-hello SHA1HEX              WANT as the first frame: dropped (an ERROR
                                at most, then the connection is closed)
  wrong-role                    HELLO with the tracker client role: ERROR
                                and closed
  oversized                     a header announcing a huge body: closed
  refused                       the server closes the connection at once
                                (a logged-out client serves nobody)
  serves SHA1HEX                a fresh connection still gets a BITFIELD
  want-denied SHA1HEX           WANT with $P2P_TICKET: ERROR (denied)
  no-ticket SHA1HEX             WANT with a forged ticket (zeros, a
                                wrong MAC, another source key, empty,
                                short), and REQUEST without a WANT:
                                ERROR each, no data
  proves-ticket-key             the server proves (TLS) the key that
                                $P2P_TICKET names as the source's

Every check speaks TLS with the wireproto key ($WIREPROTO_KEYDIR): a
ticket is good only from the key that asked the tracker for it.  WANT
carries the ticket in $P2P_TICKET (hex), as a member gets it from the
tracker (wireproto.tickets); without one, zero bytes.
"""
import hashlib
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402

# A piece of the peer protocol: a unit (common/wire.h WIRE_UNIT_LEN) of a
# file uploaded by our client, whose hashes name its units.
PIECE_LEN = 128 * 1024
BLOCK = 128 * 1024
WANT, BITFIELD, HAVE, REQUEST, PIECE, CANCEL = 64, 65, 66, 67, 68, 69


def recv_raw(c, timeout=5.0):
    """One frame as (type, id, body bytes)."""
    deadline = time.monotonic() + timeout
    c._fill(wp.HDR, deadline)
    n, typ, _flags, rid = struct.unpack(">IHHI", c.buf[:wp.HDR])
    c._fill(wp.HDR + n, deadline)
    body = c.buf[wp.HDR:wp.HDR + n]
    c.buf = c.buf[wp.HDR + n:]
    return typ, rid, body


def peer(port):
    c = wp.Conn(port)
    c.send(wp.hello(role=wp.ROLE_PEER))
    typ, _, body = recv_raw(c)
    if typ != wp.HELLO:
        raise SystemExit("no HELLO back: type %d" % typ)
    magic, ver, role = struct.unpack(">IHB", body[:7])
    if (magic, ver, role) != (wp.MAGIC, wp.VERSION, wp.ROLE_PEER):
        raise SystemExit("bad HELLO back: %r" % ((magic, ver, role),))
    return c


TICKET = bytes.fromhex(os.environ.get("P2P_TICKET", "")) or \
    bytes(wp.TICKET_LEN)


def want(c, sha, rid=7, ticket=None):
    t = TICKET if ticket is None else ticket
    c.send(wp.frame(WANT, rid, sha + wp.u32(len(t)) + t))
    return recv_raw(c)


def request(c, sha, piece, off, length, rid):
    c.send(wp.frame(REQUEST, rid, sha + wp.u32(piece) + wp.u32(off) +
                    wp.u32(length)))


def check_bitfield(typ, rid, body, sha, npieces, want_rid=7):
    if typ != BITFIELD or rid != want_rid:
        return "expected BITFIELD id %d, got type %d id %d" % (
            want_rid, typ, rid)
    if body[:20] != sha:
        return "BITFIELD for another SHA1"
    (n,) = struct.unpack(">I", body[20:24])
    bits = body[24:24 + n]
    if n != (npieces + 7) // 8 or len(bits) != n:
        return "bitfield of %d bytes for %d pieces" % (n, npieces)
    on = [i for i in range(n * 8) if bits[i // 8] & (0x80 >> (i % 8))]
    # A seeder (the whole file) shows a few pieces at a time (seed.h):
    # some, none past the end.
    if not on or on[-1] >= npieces:
        return "bits %r set, expected some of 0-%d" % (on, npieces - 1)
    return None


def expect_piece(c, sha, data, piece, off, length, rid, skip_have=False):
    typ, got_rid, body = recv_raw(c)
    # A seeder shows more pieces (HAVE) as it sends others whole.
    while skip_have and typ == HAVE and body[:20] == sha:
        typ, got_rid, body = recv_raw(c)
    if typ != PIECE or got_rid != rid:
        return "expected PIECE id %d, got type %d id %d %r" % (
            rid, typ, got_rid, body[:60])
    p, o = struct.unpack(">II", body[20:28])
    if body[:20] != sha or (p, o) != (piece, off):
        return "PIECE for the wrong place: %d/%d" % (p, o)
    start = piece * PIECE_LEN + off
    if body[28:] != data[start:start + length]:
        return "PIECE %d/%d: %d bytes, not the file's" % (
            piece, off, len(body) - 28)
    return None


def expect_closed(c, what):
    """Closed within 5 s, with no PIECE before the close."""
    deadline = time.monotonic() + 5
    while True:
        try:
            typ, rid, body = recv_raw(c, max(deadline - time.monotonic(),
                                             0.01))
        except wp.Closed:
            return None
        except ConnectionResetError:
            return None
        except socket.timeout:
            return "%s: still open after 5 s" % what
        if typ == PIECE:
            return "%s: got a PIECE" % what
        if typ != wp.ERROR:
            return "%s: got type %d" % (what, typ)


def main():
    port, check, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    err = None
    if check in ("want-unknown", "not-served"):
        c = peer(port)
        sha = os.urandom(20) if check == "want-unknown" else \
            bytes.fromhex(args[0])
        typ, rid, body = want(c, sha, rid=9)
        if typ != wp.ERROR or rid != 9:
            err = "expected ERROR id 9, got type %d id %d" % (typ, rid)
        else:
            code = struct.unpack(">H", body[:2])[0]
            if code != wp.WE_NOTFOUND:
                err = "ERROR code %d" % code
    elif check == "want":
        sha, npieces = bytes.fromhex(args[0]), int(args[1])
        c = peer(port)
        err = check_bitfield(*want(c, sha), sha, npieces)
        if err is None:
            # The same WANT again on the same connection: same answer.
            err = check_bitfield(*want(c, sha, rid=8), sha, npieces, 8)
    elif check == "request":
        sha = bytes.fromhex(args[0])
        data = open(args[1], "rb").read()
        piece, off, length = int(args[2]), int(args[3]), int(args[4])
        c = peer(port)
        want(c, sha)
        request(c, sha, piece, off, length, 77)
        err = expect_piece(c, sha, data, piece, off, length, 77)
    elif check == "pipeline":
        sha = bytes.fromhex(args[0])
        data = open(args[1], "rb").read()
        c = peer(port)
        want(c, sha)
        blocks = []
        for start in range(0, len(data), BLOCK):
            length = min(BLOCK, len(data) - start)
            blocks.append((start // PIECE_LEN, start % PIECE_LEN, length))
        for rid, (p, o, n) in enumerate(blocks, 100):
            request(c, sha, p, o, n, rid)
        for rid, (p, o, n) in enumerate(blocks, 100):
            err = expect_piece(c, sha, data, p, o, n, rid, skip_have=True)
            if err:
                break
    elif check == "want-denied":
        sha = bytes.fromhex(args[0])
        c = peer(port)
        typ, rid, body = want(c, sha, rid=6)
        if typ != wp.ERROR or struct.unpack(">H", body[:2])[0] != \
                wp.WE_DENIED:
            err = "WANT with $P2P_TICKET not DENIED: type %d" % typ
    elif check == "no-ticket":
        sha = bytes.fromhex(args[0])
        c = peer(port)
        request(c, sha, 0, 0, 1024, 4)
        typ, rid, body = recv_raw(c)
        if typ != wp.ERROR or rid != 4:
            err = "REQUEST without WANT: type %d id %d" % (typ, rid)
        n = wp.TICKET_LEN
        good = TICKET if len(TICKET) == n else bytes(n)
        forged = good[:40] + bytes(32)                  # MAC zeroed
        other_src = good[:8] + bytes(32) + good[40:]    # another source
        for t in (bytes(n), forged, other_src, b"", good[:n - 1]):
            if err:
                break
            typ, rid, body = want(c, sha, rid=5, ticket=t)
            if typ != wp.ERROR or rid != 5:
                err = "WANT with ticket %r: type %d" % (t.hex(), typ)
            elif struct.unpack(">H", body[:2])[0] != wp.WE_DENIED:
                err = "WANT with a bad ticket: not DENIED"
    elif check == "proves-ticket-key":
        c = peer(port)
        proved = hashlib.sha256(wp.spki_of_cert(
            c.s.getpeercert(True))).digest()
        if len(TICKET) != wp.TICKET_LEN or proved != TICKET[8:40]:
            err = "the server proves %s, the ticket names %s" % (
                proved.hex(), TICKET[8:40].hex())
    elif check == "unshared-request":
        c = peer(port)
        request(c, os.urandom(20), 0, 0, 1024, 5)
        typ, rid, _ = recv_raw(c)
        if typ != wp.ERROR or rid != 5:
            err = "expected ERROR id 5, got type %d id %d" % (typ, rid)
    elif check == "bad-request":
        sha = bytes.fromhex(args[0])
        piece, off, length = int(args[1]), int(args[2]), int(args[3])
        c = peer(port)
        err = None
        typ, _, _ = want(c, sha)
        if typ != BITFIELD:
            err = "no BITFIELD first (type %d)" % typ
        else:
            request(c, sha, piece, off, length, 66)
            err = expect_closed(c, "REQUEST %d/%d/%d" % (piece, off, length))
    elif check == "no-hello":
        sha = bytes.fromhex(args[0])
        c = wp.Conn(port)
        c.send(wp.frame(WANT, 3, sha + wp.u32(len(TICKET)) + TICKET))
        err = expect_closed(c, "WANT before HELLO")
    elif check == "wrong-role":
        c = wp.Conn(port)
        c.send(wp.hello(role=wp.ROLE_CLIENT))
        typ, _, _ = recv_raw(c)
        if typ != wp.ERROR:
            err = "expected ERROR, got type %d" % typ
        else:
            err = expect_closed(c, "HELLO with the wrong role")
    elif check == "oversized":
        c = peer(port)
        c.send(struct.pack(">IHHI", 0x7fffffff, PIECE, 0, 1))
        err = expect_closed(c, "oversized header")
    elif check == "refused":
        # Closed at once: during the TLS handshake, or right after it.
        try:
            c = wp.Conn(port)
            c.send(wp.hello(role=wp.ROLE_PEER))
        except wp.GONE:
            c = None
        if c is not None:
            err = expect_closed(c, "connection to a logged-out client")
    elif check == "serves":
        sha = bytes.fromhex(args[0])
        c = peer(port)
        typ, _, _ = want(c, sha)
        if typ != BITFIELD:
            err = "no BITFIELD (type %d)" % typ
    else:
        err = "unknown check " + check
    if err:
        print("share_peer %s: %s" % (check, err))
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, wp.Closed) as e:
        print("share_peer %s: %s" % (sys.argv[2], e))
        sys.exit(1)
