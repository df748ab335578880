"""closer.py - a fake tracker that closes on every request, as a tracker
does to a client whose reply would be over its size limit.

    closer.py PORT...

Listens on 127.0.0.1:PORT for each PORT (TLS, the wireproto key),
answers a client's HELLO as a tracker, ignores BEATs, and to any other
frame answers with the header of a reply announcing 40 MiB (over the
client's 32 MiB cap), so the client closes; or it closes itself if the
client does not.  Prints "ready" once listening, then "req TYPE" for each
request it got.  Runs until killed.
"""
import os
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402

BEAT = 12
lock = threading.Lock()


def say(line):
    with lock:
        print(line, flush=True)


def serve(s):
    try:
        s.settimeout(10)
        t = wp.server_ctx().wrap_socket(s, server_side=True)
    except (OSError, ssl.SSLError):
        s.close()
        return
    c = wp.Conn.wrap(t, 10)
    try:
        while True:
            c._fill(wp.HDR, time.monotonic() + 10)
            n, typ, _, rid = struct.unpack(">IHHI", c.buf[:wp.HDR])
            c._fill(wp.HDR + n, time.monotonic() + 10)
            c.buf = c.buf[wp.HDR + n:]
            if typ == wp.HELLO:
                c.send(wp.hello(role=wp.ROLE_TRACKER))
            elif typ != BEAT:
                say("req %d" % typ)
                c.send(wp.frame(wp.NAMES, rid, length=40 * 1024 * 1024))
                c.closed_within(5)
                break
    except (OSError, wp.Closed):
        pass
    t.close()


def listen(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    return ls


def accept(ls):
    while True:
        s, _ = ls.accept()
        threading.Thread(target=serve, args=(s,), daemon=True).start()


def main():
    for ls in [listen(int(p)) for p in sys.argv[1:]]:
        threading.Thread(target=accept, args=(ls,), daemon=True).start()
    say("ready")
    threading.Event().wait()


if __name__ == "__main__":
    main()
