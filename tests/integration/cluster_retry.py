#!/usr/bin/env python3
"""cluster_retry.py - a client's retry, byte for byte, at the wire level.

    cluster_retry.py login PORT USER PASSWORD TOKFILE
    cluster_retry.py create_group PORT TOKFILE RID GROUP

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
