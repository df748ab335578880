"""imposter.py - a TLS server with a key of its own, in a tracker's place.

    imposter.py PORT

Listens on 127.0.0.1:PORT, prints "ready SHA256:..." (its key, as the
product prints keys: the wireproto key, so give it its own
$WIREPROTO_KEYDIR), then for every connection, once it ends, one line:

    conn handshake=ok app_bytes=N
    conn handshake=failed (REASON) app_bytes=0

N counts every byte of application data received after the handshake,
until the other side closes (or 5 s of silence).  It answers nothing.
Runs until killed.
"""
import os
import socket
import ssl
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as wp  # noqa: E402

lock = threading.Lock()


def say(line):
    with lock:
        print(line, flush=True)


def serve(s):
    try:
        s.settimeout(5)
        t = wp.server_ctx().wrap_socket(s, server_side=True)
    except (OSError, ssl.SSLError) as e:
        say("conn handshake=failed (%s) app_bytes=0" %
            str(e).replace("\n", " ")[:120])
        s.close()
        return
    n = 0
    while True:
        try:
            d = t.recv(65536)
        except (OSError, ssl.SSLError):
            break
        if not d:
            break
        n += len(d)
    t.close()
    say("conn handshake=ok app_bytes=%d" % n)


def main():
    port = int(sys.argv[1])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    wp.server_ctx()         # the key exists before we say ready
    say("ready " + wp.fingerprint())
    while True:
        s, _ = ls.accept()
        threading.Thread(target=serve, args=(s,), daemon=True).start()


if __name__ == "__main__":
    main()
