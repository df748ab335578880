#!/usr/bin/env bash
# make_db_fixtures.sh - tracker databases written by released versions, for
# tests/integration/t_upgrade.sh.
#
#   scripts/make_db_fixtures.sh [COMMIT...]
#
# For each commit (default: every one in FIXTURES below) it checks the
# commit out in a temporary git worktree, builds that commit's tracker and
# client (plain release make), runs one tracker on 127.0.0.1 and plays one
# scenario through that commit's client with piped input:
#
#   users alice, bob, carol (passwords pw-alice, pw-bob, pw-carol);
#   alice creates groups g1 and g2; bob asks to join g1 and alice accepts;
#   carol asks to join g1 and is left pending; alice uploads fixture.bin
#   (FILE_SIZE deterministic bytes, see gen_file) to g1.
#
# The tracker is stopped with "quit" on its standard input (status 0, WAL
# checkpointed into the file), and the database is copied to
# tests/fixtures/db/<commit>-v<user_version>.db.  The temporary worktrees
# and files go at the end, whatever happens.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
out_dir=$top/tests/fixtures/db

# Released layouts: 906634a schema 2 (before replication); 02b1c56 schema 3
# with reqdone; b00a7e3 schema 3 with reqlog and logbase.
FIXTURES=(906634a 02b1c56 b00a7e3)
FILE_NAME=fixture.bin
FILE_SIZE=1572864	# 1.5 MiB: three 512 KiB pieces

tmp=$(mktemp -d /tmp/p2p-fixtures.XXXXXX)
WTS=() PIDS=()
cleanup() {
	local p w
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for w in "${WTS[@]}"; do git -C "$top" worktree remove --force "$w"; done
	git -C "$top" worktree prune
	if [ -z "${KEEP:-}" ]; then rm -rf "$tmp"; else echo "kept $tmp"; fi
}
trap cleanup EXIT
die() { echo "make_db_fixtures: $*" >&2; exit 1; }

# gen_file PATH: FILE_SIZE bytes, the same on every machine and Python:
# SHA-256 in counter mode over a fixed label.
gen_file() {
	python3 - "$1" "$FILE_SIZE" <<'PY'
import hashlib, sys
n = int(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    i = 0
    while n > 0:
        b = hashlib.sha256(b"p2ps-db-fixture:%d" % i).digest()[:n]
        f.write(b); n -= len(b); i += 1
PY
}
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
user_version() {
	python3 -c 'import sqlite3, sys
print(sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True).execute("PRAGMA user_version").fetchone()[0])' "$1"
}

# make_one COMMIT
make_one() {
	local c=$1 src=$tmp/src-$1 run=$tmp/run-$1 port cport tpid rc i v iter=()

	git -C "$top" rev-parse --verify -q "$c^{commit}" >/dev/null ||
		die "$c: no such commit"
	echo "== $c: build"
	git -C "$top" worktree add -q --detach "$src" "$c" || die "$c: worktree"
	WTS+=("$src")
	if ! make -C "$src" -j"$(nproc)" all >"$tmp/build-$c.log" 2>&1 &&
	    ! make -C "$src" -j"$(nproc)" tracker/tracker client/client \
	    >>"$tmp/build-$c.log" 2>&1; then
		tail -30 "$tmp/build-$c.log"; die "$c: build failed"
	fi

	echo "== $c: scenario"
	mkdir -p "$run/data"
	port=$(free_port) cport=$(free_port)
	echo "127.0.0.1:$port" >"$run/tracker_info.txt"
	gen_file "$run/data/$FILE_NAME"
	grep -q -- '"--kdf-iter"' "$src/tracker/main.c" && iter=(--kdf-iter 1000)
	mkfifo "$run/ctl"
	(cd "$run" && exec "$src/tracker/tracker" tracker_info.txt 1 \
		--db "$run/tracker.db" "${iter[@]}" \
		<"$run/ctl" >"$run/tracker.out" 2>"$run/tracker.err") &
	tpid=$!
	PIDS+=("$tpid")
	exec 7>"$run/ctl"	# the tracker's input, open until "quit"
	for ((i = 0; i < 200; i++)); do
		port_open "$port" && break; sleep 0.05
	done
	port_open "$port" || { cat "$run/tracker.err"; die "$c: tracker down"; }

	(cd "$run" && timeout 60 "$src/client/client" "127.0.0.1:$cport" \
		tracker_info.txt >"$run/client.out" 2>"$run/client.err") <<S
create_user alice pw-alice
create_user bob pw-bob
create_user carol pw-carol
login alice pw-alice
create_group g1
create_group g2
logout
login bob pw-bob
join_group g1
logout
login carol pw-carol
join_group g1
logout
login alice pw-alice
accept_request g1 bob
upload_file $run/data/$FILE_NAME g1
list_groups
list_requests g1
list_files g1
logout
S
	rc=$?
	sed 's/^/  client: /' "$run/client.out"
	[ "$rc" -eq 0 ] || { cat "$run/client.err"; die "$c: client exited $rc"; }

	echo quit >&7
	exec 7>&-
	wait "$tpid"; rc=$?
	[ "$rc" -eq 0 ] || { cat "$run/tracker.err"; die "$c: tracker exited $rc"; }
	[ -s "$run/tracker.db-wal" ] && die "$c: WAL left after quit"
	v=$(user_version "$run/tracker.db") || die "$c: unreadable database"
	mkdir -p "$out_dir"
	cp "$run/tracker.db" "$out_dir/$c-v$v.db"
	echo "== $c: tests/fixtures/db/$c-v$v.db ($(stat -c %s "$run/tracker.db") bytes)"
}

[ $# -gt 0 ] && FIXTURES=("$@")
for c in "${FIXTURES[@]}"; do make_one "$c"; done
gen_file "$tmp/$FILE_NAME"
echo "$FILE_NAME: $FILE_SIZE bytes, sha1 $(sha1sum "$tmp/$FILE_NAME" | cut -d' ' -f1)"
