#!/usr/bin/env python3
"""cluster_retry.py - a client's retry, byte for byte, at the wire level.

    cluster_retry.py login PORT USER PASSWORD TOKFILE
    cluster_retry.py create_group PORT TOKFILE RID GROUP
    cluster_retry.py login_as PORT USER PASSWORD TOKHEX

`login_as` sends LOGIN (request id 555) proposing the token TOKHEX, as a
client resending its LOGIN after a failover does, and prints the token
the tracker answered with (hex) or "error: ...".

`login` opens a session through the tracker on PORT and writes its token
(hex) to TOKFILE.  `create_group` sends CREATE_GROUP with request id RID
for the session in TOKFILE and prints the reply: "ok" or "error: ...".
Sent twice with the same RID (to two trackers), it is the very frame the
client resends when it fails over, so the trackers see one request.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as w  # noqa: E402


def main():
    cmd = sys.argv[1]
    if cmd == "login":
        port, user, pw, tokfile = sys.argv[2:6]
        c, tok = w.login(int(port), user, pw)
        c.close()
        with open(tokfile, "w") as f:
            f.write(tok.hex())
        return 0
    if cmd == "login_as":
        port, user, pw, tokhex = sys.argv[2:6]
        c = w.Conn(int(port))
        c.hello()
        typ, _, _, f = c.request(w.LOGIN, 555, w.ident(user) + w.string(pw) +
                                 w.string("127.0.0.1:1") +
                                 bytes.fromhex(tokhex))
        c.close()
        print(f[0].hex() if typ == w.SESSION else "error: %s" % (f[1],))
        return 0 if typ == w.SESSION else 1
    if cmd == "create_group":
        port, tokfile, rid, group = sys.argv[2:6]
        with open(tokfile) as f:
            tok = bytes.fromhex(f.read().strip())
        c = w.Conn(int(port))
        c.hello()
        typ, _, _, f = c.request(w.CREATE_GROUP, int(rid), tok +
                                 w.ident(group))
        c.close()
        print("ok" if typ == w.OK else "error: %s" % (f[1],))
        return 0 if typ == w.OK else 1
    print("usage: see the docstring", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
