"""many_conns.py PORT N CLIENT INFO WORKDIR - N connections to one tracker.

All N connect (their TLS handshakes side by side) and say HELLO, then every one sends a request (half
CREATE_USER with distinct ids, half LIST_GROUPS with a token from one
LOGIN) while all N stay open; while those are pending, a normal client
runs a script; then every reply is read and checked, and a second round
on every connection proves they all stayed open.  PASS/FAIL lines.
"""
import os
import resource
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wireproto as w  # noqa: E402

PORT, N = int(sys.argv[1]), int(sys.argv[2])
CLIENT, INFO, WORK = sys.argv[3], sys.argv[4], sys.argv[5]
fails = 0


def check(name, ok, detail=""):
    global fails
    if ok:
        print("PASS: many: %s" % name)
    else:
        fails += 1
        print("FAIL: many: %s%s" % (name, " (%s)" % detail if detail else ""))
    sys.stdout.flush()


soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = N + 64
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard)
                       if hard != resource.RLIM_INFINITY else want, hard))
check("file descriptor limit allows %d connections" % N,
      resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= want)

# A session for the LIST_GROUPS half.
c0 = w.Conn(PORT)
c0.hello()
c0.request(w.CREATE_USER, 1, w.ident("many_owner") + w.string("pw"))
c0.request(w.LOGIN, 2, w.ident("many_owner") + w.string("pw") +
           w.string("127.0.0.1:9") + w.random_token())
c0.close()
c0, tok = w.login(PORT, "many_owner", "pw")
typ, _, _, f = c0.request(w.CREATE_GROUP, 3, tok + w.ident("many_g"))
check("setup group", typ == w.OK, repr(f))

# 1. N connections (TCP, then their TLS handshakes all in flight at once),
# each says HELLO; all stay open.
t0 = time.monotonic()
conns, err = w.connect_many(PORT, N, timeout=20)
check("%d connections established (TLS)" % N,
      len(conns) == N and err is None, "%d, then %r" % (len(conns), err))
print("handshakes done in %.1fs" % (time.monotonic() - t0))
for c in conns:
    c.send(w.hello())
hellos = 0
for c in conns:
    try:
        typ, _, _, f = c.recv(timeout=20)
        hellos += typ == w.HELLO and f[0] == w.MAGIC
    except (w.Closed, OSError):
        pass
check("all %d got the tracker's HELLO" % N, hellos == N, "%d" % hellos)

# 2. Every connection sends one request; none is read yet.
for i, c in enumerate(conns):
    if i % 2 == 0:
        c.send(w.frame(w.CREATE_USER, 1000 + i, w.ident("mu%04d" % i) +
                       w.string("pw%d" % i)))
    else:
        c.send(w.frame(w.LIST_GROUPS, 1000 + i, tok))

# 3. Meanwhile, a normal client works.
port = socket.socket()
port.bind(("127.0.0.1", 0))
lport = port.getsockname()[1]
port.close()
script = "login many_owner pw\nlist_groups\ncreate_group many_h\nlist_groups\n"
p = subprocess.run([CLIENT, "127.0.0.1:%d" % lport, INFO], input=script,
                   capture_output=True, text=True, timeout=30, cwd=WORK)
check("normal client works with %d connections open" % N,
      p.returncode == 0 and p.stdout == "logged in as many_owner\nmany_g\n"
      "group many_h created\nmany_g\nmany_h\n",
      "rc %d out %r err %r" % (p.returncode, p.stdout, p.stderr))

# 4. Every reply, under its own id.
good, bad = 0, []
for i, c in enumerate(conns):
    try:
        typ, _, rid, f = c.recv(timeout=30)
    except (w.Closed, OSError) as e:
        bad.append((i, str(e)))
        continue
    if rid != 1000 + i:
        bad.append((i, "id %d" % rid))
    elif i % 2 == 0 and typ != w.OK:
        bad.append((i, repr(f)))
    elif i % 2 == 1 and not (typ == w.NAMES and "many_g" in f):
        bad.append((i, repr(f)))
    else:
        good += 1
check("all %d requests answered correctly" % N, good == N,
      "%d good; first bad: %r" % (good, bad[:3]))

# 5. All are still open: a second round on every one.
for i, c in enumerate(conns):
    c.send(w.frame(w.LIST_GROUPS, 5000 + i, tok))
good = 0
for i, c in enumerate(conns):
    try:
        typ, _, rid, f = c.recv(timeout=30)
        good += typ == w.NAMES and rid == 5000 + i and f == ["many_g",
                                                            "many_h"]
    except (w.Closed, OSError):
        pass
check("all %d connections stayed open (second round)" % N, good == N,
      "%d good" % good)

# 6. The users created through the crowd exist: log one in.
typ, _, _, f = c0.request(w.LOGIN, 9, w.ident("mu%04d" % (N - 2)) +
                          w.string("pw%d" % (N - 2)) + w.string("127.0.0.1:9") +
                          w.random_token())
check("a user created in the crowd logs in", typ == w.SESSION, repr(f))
print("elapsed %.1fs" % (time.monotonic() - t0))
for c in conns:
    c.close()
c0.close()
sys.exit(1 if fails else 0)
