"""slow_peer.py - hostile pacing against a tracker or a client's peer server.

  dribble PORT ROLE SECONDS
      Over TLS: HELLO, then a frame header announcing 4000 bytes, then one
      body byte every 0.25 s (a TLS record each) for up to SECONDS.
      Prints "closed AFTER BYTES" when the other side hangs up (AFTER:
      seconds since the header), or "open" if it never did.  Exit 0 if
      closed.
  dribble-tls PORT SECONDS
      Over raw TCP: the TLS handshake itself dribbled, a ClientHello one
      byte every 0.25 s for up to SECONDS (it is never whole).  Prints
      "closed AFTER BYTES" (AFTER: seconds since the connect) or "open".
      Exit 0 if closed.
  idle PORT N SECONDS
      N connections that say nothing, not even a ClientHello; prints
      "refused R" (connections the other side closed or refused at once),
      keeps them SECONDS, exits 0.
  greedy PORT SHA1HEX SECONDS
      Over TLS: HELLO (peer), WANT the file (with the ticket in
      $P2P_TICKET, hex), then 2000 REQUESTs of its first block and never a
      read, for SECONDS.  Exit 0.
"""
import os
import socket
import struct
import sys
import time

import wireproto as wp

ROLES = {"client": wp.ROLE_CLIENT, "peer": wp.ROLE_PEER}


def trickle(s, data, t0, seconds):
    """Send data a byte every 0.25 s, reading what comes back, until the
    other side hangs up or SECONDS have passed; print the outcome."""
    sent = 0
    s.settimeout(0.25)
    while time.monotonic() - t0 < seconds and sent < len(data):
        try:
            s.sendall(data[sent:sent + 1])
            sent += 1
        except OSError:
            # A write after the close (reset): it hung up.
            print("closed %.1f %d" % (time.monotonic() - t0, sent))
            return 0
        try:
            while True:
                d = s.recv(4096)
                if not d:
                    print("closed %.1f %d" % (time.monotonic() - t0, sent))
                    return 0
        except socket.timeout:
            pass
        except OSError:     # a reset, a TLS alert, EOF inside a record
            print("closed %.1f %d" % (time.monotonic() - t0, sent))
            return 0
    print("open")
    return 1


def dribble(port, role, seconds):
    c = wp.Conn(port)
    s = c.s
    s.sendall(wp.hello(role=ROLES[role]))
    # CREATE_USER and P_BITFIELD may be that long.
    s.sendall(struct.pack(">IHHI", 4000, 16 if role == "client" else 65,
                          0, 9))
    return trickle(s, bytes(4000), time.monotonic(), seconds)


def dribble_tls(port, seconds):
    hello = wp.client_hello()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return trickle(s, hello[:-1], time.monotonic(), seconds)


def idle(port, n, seconds):
    conns, refused = [], 0
    for _ in range(n):
        try:
            conns.append(socket.create_connection(("127.0.0.1", port),
                                                  timeout=2))
        except OSError:
            refused += 1
    print("refused %d" % refused, flush=True)
    time.sleep(seconds)
    for c in conns:
        c.close()
    return 0


def greedy(port, sha_hex, seconds):
    sha = bytes.fromhex(sha_hex)
    s = wp.Conn(port, rcvbuf=4096).s
    s.sendall(wp.hello(role=wp.ROLE_PEER))
    ticket = bytes.fromhex(os.environ.get("P2P_TICKET", ""))
    s.sendall(wp.frame(64, 1, sha + wp.u32(len(ticket)) + ticket))
    req = wp.frame(67, 2, sha + wp.u32(0) + wp.u32(0) + wp.u32(128 * 1024))
    s.settimeout(1)
    for _ in range(2000):
        try:
            s.sendall(req)
        except OSError:
            break
    print("greedy: requests sent", flush=True)
    time.sleep(seconds)
    s.close()
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "dribble":
        return dribble(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
    if cmd == "dribble-tls":
        return dribble_tls(int(sys.argv[2]), float(sys.argv[3]))
    if cmd == "idle":
        return idle(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    if cmd == "greedy":
        return greedy(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
    sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main())
