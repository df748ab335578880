"""seed_peer.py - super-seeding spoken by hand to a client that seeds a
40-piece file, 160 units (wire.h: the peer protocol's pieces of a file
with unit hashes, as our client uploads it): what it shows each peer, and
when it shows more.  Its budget is in bytes: 16 pieces, 64 units open
between the followers (seed.h), at least 2 units each.

  seed_peer.py PORT SHA1HEX FILE

$P2P_TICKET (hex) is a member's ticket for this seeder (one key: this
process's, so every connection here may use it).  Checks, in order:

 1. peer A WANTs: its BITFIELD shows units 0-1 (a newcomer is shown
    SEED_MIN at first); peer B WANTs at once: 2-3.
 2. When the newcomers have settled (100 ms), each is shown its share in
    HAVEs: two followers, 32 open each: 30 more each, never shown units
    in file order, 4-63 between them.
 3. A says HAVE 0 and HAVE 1: each leaves A 31 open, and the seeder shows
    it the next never shown: HAVE 64, HAVE 65, and nothing else.
 4. A asks for all of its first unit of step 2: its PIECE (a unit is one
    block) with the file's bytes, then HAVE 66 (that unit went whole).
 5. peer C WANTs (three followers: 21 each): 67-68, then 69-87; C leaves
    without a byte, and what it was shown is shown again first: a
    newcomer D gets 67-68 (a unit waits on no peer that left).  D leaves
    too.
 6. B sends a BITFIELD of every unit but 150: B is shown 150, the one
    unit it lacks, and nothing more.

Prints "ok" and exits 0, or a line saying what went wrong and exits 1.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402
from share_peer import (peer, want, request, recv_raw, expect_piece,  # noqa
                        HAVE, BITFIELD, BLOCK, PIECE_LEN)

NP = 160        # units
OPEN2, OPEN3 = 64 // 2, 64 // 3  # open each, two and three followers


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
        fail("the file must be %d units" % NP)
    a = peer(port)
    got = shown(*want(a, sha)[0::2], sha, "A's WANT")
    if got != [0, 1]:
        fail("A shown %r, expected 0-1" % got)
    b = peer(port)
    got = shown(*want(b, sha)[0::2], sha, "B's WANT")
    if got != [2, 3]:
        fail("B shown %r, expected 2-3" % got)
    more_a = got_haves(a, sha, "A settled")
    more_b = got_haves(b, sha, "B settled")
    nxt = 4 + 2 * (OPEN2 - 2)
    if len(more_a) != OPEN2 - 2 or len(more_b) != OPEN2 - 2 or \
            sorted(more_a + more_b) != list(range(4, nxt)):
        fail("settled: A shown %r, B %r, expected %d each of 4-%d" %
             (more_a, more_b, OPEN2 - 2, nxt - 1))
    have(a, sha, 0)
    have(a, sha, 1)
    haves(a, sha, [nxt, nxt + 1], "A after HAVE 0 and 1")
    first = min(more_a)
    for i, off in enumerate(range(0, PIECE_LEN, BLOCK)):
        request(a, sha, first, off, BLOCK, 200 + i)
    for i, off in enumerate(range(0, PIECE_LEN, BLOCK)):
        err = expect_piece(a, sha, data, first, off, BLOCK, 200 + i)
        if err:
            fail("A's piece %d: %s" % (first, err))
    haves(a, sha, [nxt + 2], "A after unit %d whole" % first)
    c = peer(port)
    got = shown(*want(c, sha)[0::2], sha, "C's WANT")
    cs = [nxt + 3, nxt + 4]
    if got != cs:
        fail("C shown %r, expected %r" % (got, cs))
    haves(c, sha, list(range(nxt + 5, nxt + 3 + OPEN3)), "C settled")
    c.close()
    for _ in range(50):         # until the seeder has seen C leave
        d = peer(port)
        got = shown(*want(d, sha)[0::2], sha, "D's WANT")
        d.close()
        if got == cs:
            break
    else:
        fail("D shown %r, expected C's %r again" % (got, cs))
    bits = bytearray(NP // 8)
    for p in range(NP):
        if p != 150:
            bits[p // 8] |= 0x80 >> (p % 8)
    for _ in range(50):         # until the seeder has seen D leave
        b.send(wp.frame(BITFIELD, 0, sha + wp.u32(len(bits)) + bytes(bits)))
        got = got_haves(b, sha, "B after its BITFIELD")
        if got:
            break
    if got != [150]:
        fail("B shown %r after its BITFIELD, expected 150" % got)
    print("ok", flush=True)


if __name__ == "__main__":
    main()
