#!/usr/bin/env bash
# The tracker's files at rest, and its database checked (issue 15, items
# 3 and 6).  The database, -wal, -shm and key are 0600 as created; a
# tracker refuses to start on a database or key others may read (or one
# of another user's), saying the chmod that fixes it; an empty file is
# refused rather than taken for a fresh database; a database with a
# garbage page refuses to start (quick_check) and is left unchanged; a
# database that passes quick_check but not integrity_check starts, and
# "check" on standard input reports it; a sound one checks "ok".
. "$(dirname "$0")/lib.sh"

cluster 1
D=$T/t1
DB=$D/tracker1.db
# try_start NAME [args...]: start tracker 1 in $D to the end (stdin
# /dev/null); it should refuse: true if it exited with status 2 (its
# status in TRC, its stderr in $D/NAME.err).
try_start() {
	local name=$1; shift
	(cd "$D" && exec timeout 20 "$TRACKER" tracker_info.txt 1 --kdf-iter 1000 \
		"$@" </dev/null >"$D/$name.out" 2>"$D/$name.err")
	TRC=$?
	[ "$TRC" -eq 2 ]
}

# --- modes as created -------------------------------------------------
start_ctl_tracker 1 --max-groups-per-user 0	# 1,500 groups of one user
s="create_user u pw-u"$'\n'"login u pw-u"
for i in $(seq 1 1500); do s+=$'\n'"create_group grp-$i-padded-to-make-the-table-long"; done
run_client mk <<<"$s"
check_eq "db: 1500 groups made" 0 "$RC"
check_eq "db: database, -wal, -shm and key are 0600 as the tracker made them" \
	"600 600 600 600" \
	"$(stat -c %a "$DB" "$DB-wal" "$DB-shm" "$D/tracker1.key" | tr '\n' ' ' | sed 's/ $//')"

# --- check on standard input: a sound database ------------------------------
tracker_cmd 1 check
check "db: check on stdin: a sound database is ok" wait_for 200 has_line \
	"$D/out.log" "check: database sound (integrity_check ok)"
stop_tracker 1 && pass "db: tracker exits 0" || fail "db: tracker exits 0"
cp "$DB" "$T/good.db"

# --- modes others may read, another owner -------------------------------------
chmod 644 "$DB"
check "db: a database others may read: refused (exit 2)" try_start open
check "db: ... with the chmod that fixes it" grep -qF \
	"fatal: database tracker1.db: open to other users, and it holds salts, password hashes and session keys: the owner's alone, please (chmod 600 tracker1.db)" \
	"$D/open.err"
chmod 600 "$DB"
: >"$DB-wal"; chmod 640 "$DB-wal"
check "db: a -wal the group may read: refused" try_start wal
check "db: ... naming it" grep -qF "(chmod 600 tracker1.db-wal)" "$D/wal.err"
rm -f "$DB-wal"
chown nobody "$DB"
check "db: a database of another user: refused" try_start owner
check "db: ... saying whose" grep -qF \
	"fatal: database tracker1.db belongs to uid 65534, not to this tracker's user (uid $(id -u))" \
	"$D/owner.err"
chown "$(id -u)" "$DB"
chmod 644 "$D/tracker1.key"
check "db: a key file others may read: refused" try_start key
check "db: ... with its chmod" grep -qF "must be the user's alone: chmod 600 tracker1.key" "$D/key.err"
chmod 600 "$D/tracker1.key"

# --- an empty file --------------------------------------------------------------
: >"$D/empty.db"; chmod 600 "$D/empty.db"
check "db: an empty file: refused" try_start empty --db "$D/empty.db"
check "db: ... saying it is no database and how to start afresh" grep -qF \
	"$D/empty.db: the file is empty, not a tracker's database; remove it to start this tracker afresh (it then catches up from the others)" \
	"$D/empty.err"
check_eq "db: ... and left empty" 0 "$(stat -c %s "$D/empty.db")"

# --- a garbage page in the middle ------------------------------------------------
cp "$T/good.db" "$D/bad.db"
page=$(python3 - "$D/bad.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
pages = sorted(r[0] for r in db.execute(
    "SELECT pageno FROM dbstat WHERE name = 'grp' AND pagetype = 'leaf'"))
print(pages[len(pages) // 2])
PY
)
echo "  garbage over page $page of $(($(stat -c %s "$D/bad.db") / 4096)), a leaf of the groups"
head -c 4096 /dev/urandom | dd of="$D/bad.db" bs=4096 seek=$((page - 1)) \
	conv=notrunc status=none
before=$(sha1_of "$D/bad.db")
check "db: a garbage page: refused (exit 2)" try_start bad --db "$D/bad.db"
check "db: ... saying it is damaged and what to do" grep -qE \
	"fatal: database $D/bad.db is damaged \(quick_check: .*\); restore it from a backup, or move it away" \
	"$D/bad.err"
check_eq "db: ... and the file is not written" "$before" "$(sha1_of "$D/bad.db")"
sed 's/^/  /' "$D/bad.err" | head -3

# --- damage only integrity_check sees: an index out of step with its table ------
cp "$T/good.db" "$D/idx.db"
python3 - "$D/idx.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE INDEX grp_by_name ON grp(name)")
db.execute("PRAGMA writable_schema = ON")
db.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX grp_by_name ON grp(born)'"
           " WHERE name = 'grp_by_name'")
db.commit()
PY
chmod 600 "$D/idx.db"
rm -f "$D/tracker1.db" "$D/tracker1.db-wal" "$D/tracker1.db-shm"
cp "$D/idx.db" "$DB"
start_ctl_tracker 1
pass "db: an index out of step passes quick_check: the tracker starts"
tracker_cmd 1 check
check "db: check on stdin reports the damage" wait_for 200 has_line \
	"$D/out.log" "check: database DAMAGED (integrity_check):"
grep -A2 'DAMAGED' "$D/out.log" | sed 's/^/  /' | head -3
stop_tracker 1 && pass "db: tracker exits 0 after check" ||
	fail "db: tracker exits 0 after check"
