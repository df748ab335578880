"""seed_peer.py - super-seeding spoken by hand to a client that seeds a
40-piece file: what it shows each peer, and when it shows more.

  seed_peer.py PORT SHA1HEX FILE

$P2P_TICKET (hex) is a member's ticket for this seeder (one key: this
process's, so every connection here may use it).  Checks, in order:

 1. peer A WANTs: its BITFIELD shows pieces 0-1 (a newcomer: SEED_MIN,
    however few follow: peers that start together come while few do).
 2. peer B WANTs: pieces 2-3 (never shown pieces, in file order).
 3. A says HAVE 0: piece 0 has left (a first copy), so followers below
    their share are shown one more each (the newest link first: B 4, A
    5), then A, which closed one, two more (6, 7): never shown before,
    in file order.
 4. A asks for all of piece 1: four PIECEs with the file's bytes, then
    HAVEs of the next never shown pieces (piece 1 went whole).
 5. peer C WANTs, then leaves without a byte: the two pieces it was
    shown (the first never shown) are shown to A and B, below their share.
 6. B sends a BITFIELD of every piece but 30: B is shown 30, the one
    piece it lacks, and nothing more; A may be shown others never shown.

Prints "ok" and exits 0, or a line saying what went wrong and exits 1.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402
from share_peer import (peer, want, request, recv_raw, expect_piece,  # noqa
                        HAVE, BITFIELD, BLOCK, PIECE_LEN)

NP = 40


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def shown(typ, body, sha, what):
    if typ != BITFIELD or body[:20] != sha:
        fail("%s: expected a BITFIELD, got type %d" % (what, typ))
    (n,) = struct.unpack(">I", body[20:24])
    bits = body[24:24 + n]
    return [i for i in range(n * 8) if bits[i // 8] & (0x80 >> (i % 8))]


def have(c, sha, piece):
    c.send(wp.frame(HAVE, 0, sha + wp.u32(piece)))


def got_haves(c, sha, what):
    """The HAVEs that arrive until nothing comes for 0.5 s."""
    got = []
    while True:
        try:
            typ, _, body = recv_raw(c, 0.5)
        except OSError:
            return got
        if typ != HAVE or body[:20] != sha:
            fail("%s: expected HAVEs, got type %d" % (what, typ))
        got.append(struct.unpack(">I", body[20:24])[0])


def haves(c, sha, want_pieces, what):
    """Exactly these HAVEs arrive (in order), then nothing for 0.5 s."""
    for p in want_pieces:
        typ, _, body = recv_raw(c, 3)
        if typ != HAVE or body[:20] != sha or \
                struct.unpack(">I", body[20:24])[0] != p:
            fail("%s: expected HAVE %d, got type %d %r" %
                 (what, p, typ, body[20:24]))
    try:
        typ, _, body = recv_raw(c, 0.5)
        fail("%s: then type %d %r, expected nothing" % (what, typ,
                                                        body[20:24]))
    except OSError:
        pass                    # the timeout: nothing more came


def main():
    port, sha, path = int(sys.argv[1]), bytes.fromhex(sys.argv[2]), \
        sys.argv[3]
    data = open(path, "rb").read()
    if len(data) != NP * PIECE_LEN:
        fail("the file must be %d pieces" % NP)
    a = peer(port)
    got = shown(*want(a, sha)[0::2], sha, "A's WANT")
    if got != [0, 1]:
        fail("A shown %r, expected 0-1" % got)
    b = peer(port)
    got = shown(*want(b, sha)[0::2], sha, "B's WANT")
    if got != [2, 3]:
        fail("B shown %r, expected 2-3" % got)
    have(a, sha, 0)
    haves(a, sha, [5, 6, 7], "A after HAVE 0")
    haves(b, sha, [4], "B after A's HAVE 0")
    for i, off in enumerate(range(0, PIECE_LEN, BLOCK)):
        request(a, sha, 1, off, BLOCK, 200 + i)
    for i, off in enumerate(range(0, PIECE_LEN, BLOCK)):
        err = expect_piece(a, sha, data, 1, off, BLOCK, 200 + i)
        if err:
            fail("A's piece 1: " + err)
    more = got_haves(a, sha, "A after piece 1 whole")
    more += got_haves(b, sha, "B after A's piece 1 whole")
    if not more or sorted(more) != list(range(8, 8 + len(more))):
        fail("after piece 1 went whole: shown %r, expected the next "
             "never shown, from 8" % more)
    nxt = 8 + len(more)
    # C is shown what A and B were not, and leaves without a byte: its
    # pieces go to A and B, both below their share.
    c = peer(port)
    got = shown(*want(c, sha)[0::2], sha, "C's WANT")
    if got != [nxt, nxt + 1]:
        fail("C shown %r, expected %d-%d" % (got, nxt, nxt + 1))
    c.close()
    later = got_haves(a, sha, "A after C left") + \
        got_haves(b, sha, "B after C left")
    if nxt not in later or nxt + 1 not in later:
        fail("after C left, A and B shown %r, expected C's %d-%d among "
             "them" % (later, nxt, nxt + 1))
    bits = bytearray(NP // 8)
    for p in range(NP):
        if p != 30:
            bits[p // 8] |= 0x80 >> (p % 8)
    b.send(wp.frame(BITFIELD, 0, sha + wp.u32(len(bits)) + bytes(bits)))
    haves(b, sha, [30], "B after its BITFIELD")
    # Pieces left (B has them): A, below its share, may be shown more,
    # never shown before.
    extra = got_haves(a, sha, "A after B's BITFIELD")
    if any(p < nxt for p in extra) or set(extra) & set(later):
        fail("A shown %r after B's BITFIELD, expected others than %r, "
             "from %d" % (extra, later, nxt))
    print("ok", flush=True)


if __name__ == "__main__":
    main()
