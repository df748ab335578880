#!/usr/bin/env bash
# Listings in pages (issue 15, item 5): one user in 300,000 groups with
# 64-character names (the reported attack went to 252,000, past a 16 MiB
# reply), a group of 20,000 files with 200-character names and 3,000
# pending join requests.  The rows are written into the database with
# sqlite3 while the tracker is stopped (quotas are the tracker's rules;
# this is the state they would stop short of).  list_groups, list_files
# and list_requests print every row, in the order a single reply would,
# through the normal client, a page at a time; the tracker stays up and
# answers a whole-list LIST_GROUPS of an older client with an error
# instead of closing the connection.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1
run_client a <<S
create_user u pw-u
login u pw-u
create_group g0
S
check_eq "pages: set up" 0 "$RC"
stop_tracker 1 || fail "pages: tracker exits 0"

python3 - "$(tracker_db 1)" "$T" <<'PY' || fail "pages: rows written"
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
t = sys.argv[2]
(revived,) = db.execute("SELECT revived FROM grp WHERE name = 'g0'").fetchone()
(mstamp,) = db.execute("SELECT stamp FROM member WHERE grp = 'g0' AND user = 'u'").fetchone()
(salt, hsh, it, born) = db.execute("SELECT salt, hash, iter, born FROM users WHERE name = 'u'").fetchone()
groups = ["grp%06d-" % i + "x" * 54 for i in range(300000)]
db.executemany("INSERT INTO grp(name, born, origin, revived, req) VALUES(?, ?, 1, ?, NULL)",
               ((g, revived + i + 1, revived + i + 1) for i, g in enumerate(groups)))
db.executemany("INSERT INTO member(grp, user, epoch, state, stamp, origin) VALUES(?, 'u', 1, 3, ?, 1)",
               ((g, revived + i + 2) for i, g in enumerate(groups)))
files = ["f%05d-" % i + "n" * 193 for i in range(20000)]
rows = [(f, os.urandom(20)) for f in files]
db.executemany("INSERT INTO file(grp, name, size, sha1, pieces, born, origin) VALUES('g0', ?, 0, ?, x'', ?, 1)",
               ((f, s, mstamp + 1) for f, s in rows))
db.executemany("INSERT INTO share(grp, name, user, present, sha1, path, mtime, stamp, origin) VALUES('g0', ?, 'u', 1, ?, '/nowhere', 0, ?, 1)",
               ((f, s, mstamp + 1) for f, s in rows))
# Requests: asked in the reverse order of their names, so the listing's
# order (when asked) is not the names' and its cursor must say so.
users = ["r%04d-" % i + "q" * 58 for i in range(3000)]
db.executemany("INSERT INTO users(name, salt, hash, iter, born, origin, req) VALUES(?, ?, ?, ?, ?, 1, NULL)",
               ((r, salt, hsh, it, born + i + 1) for i, r in enumerate(users)))
db.executemany("INSERT INTO member(grp, user, epoch, state, stamp, origin) VALUES('g0', ?, 1, 1, ?, 1)",
               ((r, revived + 10 ** 6 - i) for i, r in enumerate(users)))
db.commit()
with open(t + "/groups.want", "w") as f:
    f.write("".join(g + "\n" for g in sorted(groups + ["g0"])))
with open(t + "/files.want", "w") as f:
    f.write("".join("%s\t0\t%s\n" % (n, s.hex()) for n, s in rows))
with open(t + "/requests.want", "w") as f:
    f.write("".join(r + "\n" for r in reversed(users)))
PY

start_tracker 1
t0=$(date +%s.%N)
run_client b <<S
login u pw-u
list_groups
S
t1=$(date +%s.%N)
check_eq "pages: list_groups ran" 0 "$RC"
tail -n +2 "$T/b.out" >"$T/groups.got"
check_eq "pages: list_groups printed all 300,001 groups" 300001 "$(wc -l <"$T/groups.got")"
check "pages: list_groups in order, each once, as one reply would" \
	cmp -s "$T/groups.want" "$T/groups.got"
echo "list_groups of 300,001: $(python3 -c "print('%.1f' % ($t1 - $t0))") s"

run_client c <<S
login u pw-u
list_files g0
list_requests g0
S
check_eq "pages: list_files and list_requests ran" 0 "$RC"
grep -P '\t' "$T/c.out" >"$T/files.got"
check "pages: list_files printed all 20,000 files, in order" \
	cmp -s "$T/files.want" "$T/files.got"
grep -x 'r[0-9]*-q*' "$T/c.out" >"$T/requests.got"
check "pages: list_requests printed all 3,000, oldest first" \
	cmp -s "$T/requests.want" "$T/requests.got"

# An older client's whole list: an error, not a closed connection.
PYTHONPATH=$(dirname "$0") python3 - "${TPORTS[0]}" >"$T/old.out" 2>&1 <<'PY'
import sys
import wireproto as wp
c, tok = wp.login(int(sys.argv[1]), "u", "pw-u")
typ, _, _, f = c.request(wp.LIST_GROUPS, 2, tok)
print(typ == wp.ERROR, f[1] if typ == wp.ERROR else len(f))
typ, _, _, f = c.request(wp.LIST_REQUESTS, 3, tok + wp.ident("g0"))
print(typ, len(f))
PY
check_eq "pages: a whole LIST_GROUPS too long is an error; the link goes on" \
	"True too many to list in one reply (the shell's commands list them in pages)
4 3000" "$(cat "$T/old.out")"
check "pages: the tracker is up" kill -0 "${TPID[1]}"
stop_tracker 1 && pass "pages: tracker exits 0" || fail "pages: tracker exits 0"
