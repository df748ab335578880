"""ticket_peer.py - a member on one long peer connection while its tickets
end (the tracker runs with a short --ticket-seconds).

  ticket_peer.py TRACKER_PORT SEEDER_ADDR GROUP NAME USER MODE

USER (password pw-USER) logs in, gets its ticket for SEEDER_ADDR from the
tracker, opens one peer connection, WANTs NAME's SHA1 and asks for its
first block (a PIECE must come).  Then, by MODE:

  stay      every second a fresh ticket from the tracker, sent on the same
            connection as a renewing WANT (id 0xffffffff: no answer may
            come), and a block asked: every block comes, until two ticket
            lifetimes have passed.  A renewing WANT with a forged ticket
            gets an ERROR with the renewal's id, and the connection stays.
  leave     LEAVE_GROUP: the tracker gives no more tickets (FILE_INFO
            refused); the connection is then closed by the seeder within
            the ticket's end + 3 s, and no block asked after the end comes.
  logout    LOGOUT, then as leave.

Prints one line "ok: ..." and exits 0, or "FAIL: ..." and exits 1.
"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402
from share_peer import (recv_raw, WANT, BITFIELD, REQUEST, PIECE, HAVE,  # noqa
                        BLOCK)

RENEW = 0xffffffff


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def ticket_for(tc, tok, group, name, seeder):
    typ, _, _, f = tc.request(wp.FILE_INFO, 2, tok + wp.ident(group) +
                              wp.string(name))
    if typ != wp.FILE:
        return None, None
    return f[2], dict(f[4]).get(seeder)


def expiry(ticket):
    return struct.unpack(">Q", ticket[:8])[0]


def want(c, sha, ticket, rid):
    c.send(wp.frame(WANT, rid, sha + wp.u32(len(ticket)) + ticket))


def ask_block(c, sha, rid):
    c.send(wp.frame(REQUEST, rid, sha + wp.u32(0) + wp.u32(0) +
                    wp.u32(BLOCK)))


def recv(c, timeout):
    """The next frame but a HAVE: a seeder shows more pieces (HAVEs) as
    it sends others whole, at any time."""
    while True:
        typ, got, body = recv_raw(c, timeout)
        if typ != HAVE:
            return typ, got, body


def expect_block(c, rid, what):
    """The next frame must be the PIECE for rid (no renewal answer)."""
    typ, got, body = recv(c, 10)
    if typ != PIECE or got != rid or len(body) != 28 + BLOCK:
        fail("%s: expected PIECE id %d, got type %d id %d %r" %
             (what, rid, typ, got, body[:60]))


def main():
    tport, seeder, group, name, user, mode = sys.argv[1:7]
    tport = int(tport)
    tc, tok = wp.login(tport, user, "pw-" + user)
    sha, ticket = ticket_for(tc, tok, group, name, seeder)
    if ticket is None:
        fail("no ticket for %s from the tracker" % seeder)
    host, port = seeder.rsplit(":", 1)
    c = wp.Conn(int(port), host=host)
    c.send(wp.hello(role=wp.ROLE_PEER))
    if recv_raw(c)[0] != wp.HELLO:
        fail("no HELLO from the seeder")
    want(c, sha, ticket, 7)
    typ, rid, _ = recv_raw(c)
    if typ != BITFIELD or rid != 7:
        fail("WANT: expected BITFIELD, got type %d id %d" % (typ, rid))
    ask_block(c, sha, 8)
    expect_block(c, 8, "first block")
    life = expiry(ticket) - time.time()
    if not 1 <= life <= 30:
        fail("the test wants a short --ticket-seconds: %.0f s left" % life)
    first_end = expiry(ticket)

    if mode == "stay":
        rid, renewals = 100, 0
        bad = bytearray(ticket)
        bad[-1] ^= 1
        want(c, sha, bytes(bad), RENEW)
        typ, got, _ = recv(c, 10)
        if typ != wp.ERROR or got != RENEW:
            fail("forged renewal: expected ERROR id RENEW, got type %d "
                 "id %d" % (typ, got))
        while time.time() < first_end + life + 1:
            _, ticket = ticket_for(tc, tok, group, name, seeder)
            if ticket is None:
                fail("the tracker stopped giving tickets to a member")
            want(c, sha, ticket, RENEW)
            renewals += 1
            ask_block(c, sha, rid)
            expect_block(c, rid, "block %d s after the first ticket ended"
                         % (time.time() - first_end))
            rid += 1
            time.sleep(1)
        print("ok: %d blocks served on one connection over two ticket "
              "lifetimes, %d renewals unanswered" % (rid - 100, renewals),
              flush=True)
        return

    if mode == "leave":
        gid = wp.ident(group)
        typ, _, _, f = tc.request(wp.LEAVE_GROUP, 3, tok + gid)
    else:
        typ, _, _, f = tc.request(wp.LOGOUT, 3, tok)
    if typ != wp.OK:
        fail("%s refused: %r" % (mode, f))
    if mode == "leave":
        _, t2 = ticket_for(tc, tok, group, name, seeder)
        if t2 is not None:
            fail("the tracker still hands out tickets after leave")
    # Until the ticket ends the link still serves; after it, nothing.
    # (A ticket is good through its last second.)
    left = first_end + 1 - time.time()
    if left > 0:
        time.sleep(left + 0.2)
    ask_block(c, sha, 9)
    t0 = time.monotonic()
    try:
        while True:
            typ, got, body = recv(c, 3.5)
            if typ == PIECE:
                fail("a block came %.1f s after the ticket ended" %
                     (time.time() - first_end))
    except wp.Closed:
        pass
    except OSError as e:        # a reset, or no close in time
        if "timed out" in str(e):
            fail("still open %.1f s after the ticket ended" %
                 (time.time() - first_end))
    print("ok: after %s, cut off %.1f s after the ticket ended (asked "
          "%.1f s before the close)" % (mode, time.time() - first_end,
                                        time.monotonic() - t0), flush=True)


if __name__ == "__main__":
    main()
