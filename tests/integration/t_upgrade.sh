#!/usr/bin/env bash
# Databases written by released trackers open in today's tracker with all
# their state (tests/fixtures/db, made by scripts/make_db_fixtures.sh; see
# the README there).  A schema 2 file (before replication) is refused with
# a clear message and left untouched; both schema 3 layouts (reqdone, then
# reqlog and logbase) are taken up: accounts, groups, members, pending
# requests and shared files are there, new mutations work, everything is
# still there after a clean restart, and the file ends at schema 7 with
# reqlog and logbase and without reqdone, a version table, request keys
# in alias and lost, and what a session ended by a loss was.
. "$(dirname "$0")/lib.sh"

FIX=$(cd "$(dirname "$0")/../fixtures/db" && pwd)
# The file alice shared in every fixture (gen_file in make_db_fixtures.sh).
FILE_LINE=$'fixture.bin\t1572864\t9e9a8e8c2f7071c5822a5f36ea3d987190645bae'

# prep NAME FIXTURE: $T/NAME holds a copy of FIXTURE as tracker.db, a
# tracker_info.txt with one free port (PORT) and the fifo ctl, held open,
# for the tracker's standard input.
prep() {
	D=$T/$1
	mkdir -p "$D"
	cp "$FIX/$2" "$D/tracker.db"
	chmod 600 "$D/tracker.db"	# a tracker refuses a database others read
	PORT=$(free_ports 1)
	echo "127.0.0.1:$PORT" >"$D/tracker_info.txt"
	mkfifo "$D/ctl"
	(exec sleep 3600 <>"$D/ctl") &
	PIDS+=($!)
}
# up: start today's tracker on $D/tracker.db; true once it listens, false
# if it exited first (its log is in $D/err.log).  Its PID is in UPID.
up() {
	(cd "$D" && exec "$TRACKER" tracker_info.txt 1 --kdf-iter 1000 \
		--db "$D/tracker.db" <"$D/ctl" >>"$D/out.log" 2>>"$D/err.log") &
	UPID=$!
	PIDS+=($!)
	wait_for 200 listening_or_gone
	port_open "$PORT"
}
listening_or_gone() { port_open "$PORT" || exited "$UPID"; }
alive() { port_open "$PORT" && ! exited "$UPID"; }
not_listening() { ! port_open "$PORT"; }
# down: "quit" on the tracker's input; true if it exited with status 0.
down() {
	local rc
	printf 'quit\n' >>"$D/ctl"
	wait "$UPID"; rc=$?
	[ "$rc" -eq 0 ] || { echo "  tracker exited $rc"; tail -5 "$D/err.log"; }
	return "$rc"
}
# client NAME < script: run_client against the tracker of $D.
client() { run_client "$1" "$D/tracker_info.txt"; }
# res NAME: the client's exit status, then its output, then its errors.
res() { echo "$RC"; cat "$T/$1.out" "$T/$1.err"; }
# schema FILE: user_version, the tables that matter, integrity check.
schema() {
	python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
t = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
print("user_version %d" % db.execute("PRAGMA user_version").fetchone()[0])
for name in ("reqdone", "reqlog", "logbase"):
    print("%s %s" % (name, "present" if name in t else "absent"))
cols = [r[1] for r in db.execute("PRAGMA table_info(sessions)")]
print("sessions fp %s, tkey %s" % ("fp" in cols, "tkey" in cols))
print("version %s" % ("present" if "version" in t else "absent"))
for name, col in (("alias", "req"), ("lost", "req"), ("session_dead", "lost")):
    cols = [r[1] for r in db.execute("PRAGMA table_info(%s)" % name)]
    print("%s %s %s" % (name, col, col in cols))
print("integrity %s" % db.execute("PRAGMA integrity_check").fetchone()[0])
PY
}

# --- schema 2: refused, untouched ----------------------------------------
prep v2 906634a-v2.db
before=$(sha1_of "$D/tracker.db")
(cd "$D" && exec timeout 30 "$TRACKER" tracker_info.txt 1 --kdf-iter 1000 \
	--db "$D/tracker.db" </dev/null >"$D/out.log" 2>"$D/err.log")
rc=$?
check_eq "upgrade v2: refused with exit status 2" 2 "$rc"
check "upgrade v2: the message names the file and says it predates replication" \
	grep -qF "$D/tracker.db: schema version 2 predates replication (3); move the file away to start afresh" "$D/err.log"
check_eq "upgrade v2: the file is unchanged" "$before" "$(sha1_of "$D/tracker.db")"
check "upgrade v2: nothing listens" not_listening

# --- schema 3: taken up with its state -----------------------------------
upgrade() {	# upgrade FIXTURE
	local fx=${1%.db} n
	prep "$fx" "$1"
	n="upgrade $fx"
	if ! up; then
		fail "$n: tracker starts on the old database"
		sed 's/^/  /' "$D/err.log"
		return
	fi
	pass "$n: tracker starts on the old database"

	client "$fx-alice" <<'S'
login alice pw-alice
list_groups
list_requests g1
S
	check_eq "$n: alice logs in; groups g1, g2; carol still asks to join g1" \
		"0
logged in as alice
g1
g2
carol" "$(res "$fx-alice")"

	client "$fx-bob" <<'S'
login bob pw-bob
list_files g1
S
	check_eq "$n: bob is a member of g1 and sees alice's file" \
		"0
logged in as bob
$FILE_LINE" "$(res "$fx-bob")"

	client "$fx-carol" <<'S'
login carol pw-carol
list_files g1
S
	check_eq "$n: carol is not a member of g1 yet" \
		"1
logged in as carol
error: carol is not a member of group g1" \
		"$(res "$fx-carol")"

	client "$fx-new" <<'S'
create_user dave pw-dave
login dave pw-dave
create_group g3
join_group g1
logout
login alice pw-alice
list_groups
S
	check_eq "$n: new mutations (create_user, create_group, join_group)" \
		"0
user dave created
logged in as dave
group g3 created
asked to join group g1
logged out
logged in as alice
g1
g2
g3" "$(res "$fx-new")"

	check "$n: tracker stays up" alive
	check "$n: quit exits 0" down
	if ! up; then
		fail "$n: tracker starts again on the upgraded file"
		sed 's/^/  /' "$D/err.log"
		return
	fi
	pass "$n: tracker starts again on the upgraded file"

	client "$fx-again" <<'S'
login alice pw-alice
list_groups
list_requests g1
logout
login bob pw-bob
list_files g1
logout
login dave pw-dave
S
	check_eq "$n: everything is still there after a restart" \
		"0
logged in as alice
g1
g2
g3
carol
dave
logged out
logged in as bob
$FILE_LINE
logged out
logged in as dave" "$(res "$fx-again")"
	check "$n: second quit exits 0" down

	check_eq "$n: schema 7, reqlog and logbase, no reqdone, sessions with keys, versions, request keys of aliases and losers" \
		"user_version 7
reqdone absent
reqlog present
logbase present
sessions fp True, tkey True
version present
alias req True
lost req True
session_dead lost True
integrity ok" "$(schema "$D/tracker.db")"
	check_eq "$n: no error in the tracker's log" "" \
		"$(grep -iE 'fatal|error|runtime error|AddressSanitizer' "$D/err.log")"
}

upgrade 02b1c56-v3.db	# reqdone
upgrade b00a7e3-v3.db	# reqlog, logbase
