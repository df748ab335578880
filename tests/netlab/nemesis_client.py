#!/usr/bin/env python3
"""nemesis_client.py - one client of the nemesis run: random mutations and
reads through whichever tracker answers, every one recorded.

    nemesis_client.py --id N --seed S --until EPOCH_S --peer ADDR:PORT
                      --out HISTORY.jsonl TRACKER_ADDR:PORT...

It is user "n<N>" (made at its first step), starts with the first
tracker named, and speaks the tracker
protocol over TLS with a key of its own (wireproto.py), as the product's
client does: it stays on one tracker while that one answers, and when a
request gets no answer in time (OP_S) or the link breaks, it moves on to
the next tracker and sends the same frame again (same request id, same
bytes), at most once per tracker; if no tracker answers, the request's
outcome is unknown.  A LOGIN resent so proposes the same token.

Operations, chosen at random from the seed (the same seed gives the same
choices whenever the same answers come back): create_user (once),
login, logout, create_group (a name of its own, or the one every client
tries in this 2-second slot, x<epoch seconds / 2>: conflicts), join_group, accept_request,
reject_request, leave_group, upload (a small file of its own content),
stop_share; reads: list_groups, list_files, list_requests.

Each operation is one JSON line of HISTORY: its client, op, args,
invocation and completion times (this host's clock, ms), outcome ("ok",
"error" with the tracker's words, or "unknown"), the tracker that
answered and on which stint (a stint: one connection to one tracker),
how many trackers it was sent to, the value read, and for mutations
their request key (SHA-256(SHA-256(body) | type | id), as the tracker
computes it) or, for a login, the session's key.
"""
import argparse
import hashlib
import json
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import wireproto as w  # noqa: E402

OP_S = 3.0              # a reply this late: the next tracker
CONNECT_S = 2.0
LIST_FILES, STOP_SHARE, UPLOAD = 28, 31, 27
FILES = 6


def u64(v):
    return struct.pack(">Q", v)


def reqkey(typ, rid, body):
    b = hashlib.sha256(body).digest() + struct.pack(">HI", typ, rid)
    return hashlib.sha256(b).hexdigest()


def files_names(body):
    out, o = [], 0
    while o < len(body):
        (n,) = struct.unpack(">H", body[o:o + 2])
        out.append(body[o + 2:o + 2 + n].decode(errors="replace"))
        o += 2 + n + 1 + 8 + 20
    return out


def recv_raw(c, deadline):
    """One frame as Conn.recv() reads it, with the raw body beside the
    decoded fields: (type, flags, id, fields, body)."""
    c._fill(w.HDR, deadline)
    n, typ, flags, rid = struct.unpack(">IHHI", c.buf[:w.HDR])
    c._fill(w.HDR + n, deadline)
    body = c.buf[w.HDR:w.HDR + n]
    c.buf = c.buf[w.HDR + n:]
    return typ, flags, rid, w.decode(typ, body), body


class Client:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed * 1000 + a.id)
        self.trackers = a.trackers
        self.cur = 0            # the first named: see t_lab_nemesis.sh
        self.conn = None
        self.stint = 0
        self.rid = self.rng.randrange(1, 1 << 30)
        self.user = "n%d" % a.id
        self.pw = "pw%d" % a.id
        self.created = False
        self.token = None
        self.groups = []        # last list_groups answer
        self.owned = set()      # created by us, not left
        self.member = set()     # joined (accepted or not), not left
        self.uploads = {}       # (group, name) -> True
        self.k = 0
        self.out = open(a.out, "a", buffering=1)

    # --- the link ------------------------------------------------------
    def drop(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
        self.conn = None

    def connect(self):
        host, port = self.trackers[self.cur].rsplit(":", 1)
        c = w.Conn(int(port), timeout=CONNECT_S, host=host)
        try:
            c.hello()
        except BaseException:
            c.close()
            raise
        self.conn = c
        self.stint += 1

    def call(self, typ, body):
        """(reply or None, tracker index, tries): the frame sent to one
        tracker after another until one answers."""
        self.rid += 1
        frame = w.frame(typ, self.rid, body)
        tries = 0
        for _ in range(len(self.trackers)):
            try:
                if self.conn is None:
                    self.connect()
                tries += 1
                self.conn.send(frame)
                deadline = time.monotonic() + OP_S
                while True:
                    r = recv_raw(self.conn, deadline)
                    if r[2] == self.rid:
                        return r, self.cur, tries
            except (OSError, w.Closed, socket.timeout, AssertionError,
                    struct.error, ValueError):
                self.drop()
                self.cur = (self.cur + 1) % len(self.trackers)
        return None, None, tries

    # --- operations ----------------------------------------------------
    def record(self, op, args, t0, r, tracker, tries, key=None, value=None):
        if r is None:
            outcome, why = "unknown", None
        elif r[0] == w.ERROR:
            outcome, why = "error", r[3][1]
        else:
            outcome, why = "ok", None
        rec = {"client": self.a.id, "op": op, "args": args, "t0": t0,
               "t1": int(time.time() * 1000), "outcome": outcome,
               "tracker": None if tracker is None else tracker + 1,
               "stint": self.stint if tracker is not None else None,
               "tries": tries}
        if why is not None:
            rec["error"] = why
        if key is not None:
            rec["key"] = key
        if value is not None:
            rec["value"] = value
        self.out.write(json.dumps(rec) + "\n")
        return outcome

    def mutate(self, op, typ, body, args):
        t0 = int(time.time() * 1000)
        key = reqkey(typ, self.rid + 1, body)
        r, tr, tries = self.call(typ, body)
        return self.record(op, args, t0, r, tr, tries, key=key)

    def read(self, op, typ, body, args, decode):
        t0 = int(time.time() * 1000)
        r, tr, tries = self.call(typ, body)
        value = decode(r) if r is not None and r[0] != w.ERROR else None
        self.record(op, args, t0, r, tr, tries, value=value)
        return value

    def create_user(self):
        o = self.mutate("create_user", w.CREATE_USER,
                        w.ident(self.user) + w.string(self.pw), [self.user])
        self.created = o == "ok" or self.created

    def login(self):
        tok = bytes(self.rng.getrandbits(8) for _ in range(16))
        t0 = int(time.time() * 1000)
        r, tr, tries = self.call(w.LOGIN, w.ident(self.user) +
                                 w.string(self.pw) + w.string(self.a.peer) +
                                 tok)
        o = self.record("login", [self.user], t0, r, tr, tries,
                        key=hashlib.sha256(tok).hexdigest())
        if o == "ok":
            self.token = r[3][0]
            if self.token != tok:
                print("login: answered with another token", file=sys.stderr)

    def logout(self):
        self.mutate("logout", w.LOGOUT, self.token, [])
        self.token = None

    def create_group(self):
        if self.rng.random() < 0.35:
            # The name every client tries in this 2-second slot: made on
            # both sides of a partition, a conflict.
            g = "x%d" % (time.time() // 2)
        else:
            self.k += 1
            g = "g%d_%d" % (self.a.id, self.k)
        if self.mutate("create_group", w.CREATE_GROUP,
                       self.token + w.ident(g), [g]) == "ok":
            self.owned.add(g)
            self.member.add(g)

    def list_groups(self):
        v = self.read("list_groups", w.LIST_GROUPS, self.token, [],
                      lambda r: r[3])
        if v is not None:
            self.groups = v

    def join(self):
        cand = [g for g in self.groups if g not in self.member]
        if not cand:
            return self.list_groups()
        g = self.rng.choice(cand)
        self.mutate("join_group", w.JOIN_GROUP, self.token + w.ident(g), [g])
        self.member.add(g)

    def leave(self):
        if not self.member:
            return self.create_group()
        # Contested names are let go of soon, so they are made again,
        # on both sides of the next partition: conflicts.
        mine = sorted(g for g in self.member if g[0] == "x")
        if mine and self.rng.random() < 0.8:
            g = self.rng.choice(mine)
        else:
            g = self.rng.choice(sorted(self.member))
        self.mutate("leave_group", w.LEAVE_GROUP, self.token + w.ident(g),
                    [g])
        self.member.discard(g)
        self.owned.discard(g)

    def requests(self):
        if not self.owned:
            return self.create_group()
        g = self.rng.choice(sorted(self.owned))
        v = self.read("list_requests", w.LIST_REQUESTS,
                      self.token + w.ident(g), [g], lambda r: r[3])
        if v:
            u = self.rng.choice(v)
            if self.rng.random() < 0.7:
                self.mutate("accept_request", w.ACCEPT_REQUEST,
                            self.token + w.ident(g) + w.ident(u), [g, u])
            else:
                self.mutate("reject_request", w.REJECT_REQUEST,
                            self.token + w.ident(g) + w.ident(u), [g, u])

    def upload(self):
        if not self.member:
            return self.create_group()
        g = self.rng.choice(sorted(self.member))
        self.k += 1
        name = "f%d_%d" % (self.a.id, self.k)
        data = ("content of %s by %s" % (name, self.user)).encode()
        sha = hashlib.sha1(data).digest()
        body = (self.token + w.ident(g) + w.string(name) + u64(len(data)) +
                sha + struct.pack(">I", 1) + sha + w.string("/tmp/" + name) +
                u64(1))
        if self.mutate("upload", UPLOAD, body, [g, name]) == "ok":
            self.uploads[(g, name)] = True

    def stop_share(self):
        if not self.uploads:
            return self.upload()
        g, name = self.rng.choice(sorted(self.uploads))
        self.mutate("stop_share", STOP_SHARE,
                    self.token + w.ident(g) + w.string(name), [g, name])
        del self.uploads[(g, name)]

    def list_files(self):
        if not self.member:
            return self.list_groups()
        g = self.rng.choice(sorted(self.member))
        self.read("list_files", LIST_FILES, self.token + w.ident(g), [g],
                  lambda r: files_names(r[4]) if r[0] == FILES else None)

    def step(self):
        if not self.created:
            return self.create_user()
        if self.token is None:
            return self.login()
        ops = [(self.create_group, 14), (self.join, 12), (self.requests, 14),
               (self.leave, 8), (self.upload, 10), (self.stop_share, 4),
               (self.logout, 2), (self.list_groups, 24),
               (self.list_files, 8)]
        x = self.rng.uniform(0, sum(n for _, n in ops))
        for fn, n in ops:
            x -= n
            if x <= 0:
                return fn()
        return None

    def run(self):
        while time.time() < self.a.until:
            self.step()
            time.sleep(self.rng.uniform(0.01, 0.04))
        self.drop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--id", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--until", type=float, required=True)
    ap.add_argument("--peer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("trackers", nargs="+")
    Client(ap.parse_args()).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
