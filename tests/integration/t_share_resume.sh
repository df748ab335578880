#!/usr/bin/env bash
# Resuming after a killed client: a long-running downloader is SIGKILLed
# (by share_watch.py) once 3 MiB of an 8 MiB file are in DEST.part; DEST
# does not exist; a new client of the same user runs the same
# download_file and gets the file byte-identical.  The pieces already in
# the .part file are kept: the seeder sends less than the whole file the
# second time.  A second round spoils the start of the .part file before
# resuming: the recheck throws those pieces away, and the result is still
# byte-identical.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1
make_group g s d
watch() { python3 "$(dirname "$0")/share_watch.py" "$@"; }

size=$((8 * 1024 * 1024 + 3))
mkdir -p "$T/s" "$T/d"
randfile "$T/s/r.bin" "$size"
randfile "$T/s/r2.bin" "$size"
start_client S
# A limited uplink (8 MiB in about 2 s), so the watcher's kill at 3 MiB
# comes mid-download even on a loaded machine.
send S "login s pw-s" "upload_file $T/s/r.bin g" "upload_file $T/s/r2.bin g" \
	"set_limit up 4M"
check "resume: seeder shares r.bin" wait_for 400 has_line "$T/S.out" \
	"sharing r.bin in group g ($size bytes, 17 pieces)"
check "resume: seeder shares r2.bin" wait_for 400 has_line "$T/S.out" \
	"sharing r2.bin in group g ($size bytes, 17 pieces)"
spid=$(client_pid S)

# kill_mid NAME DEST: start the download of DEST's file in client NAME,
# SIGKILL the client once 3 MiB are in DEST.part; sets what/amount/existed.
kill_mid() {
	local pid w
	pid=$(client_pid "$1")
	watch written "$2.part" $((3 * 1024 * 1024)) "$pid" "$2" 20 \
		>"$T/watch-$1.out" &
	w=$!
	PIDS+=($w)
	wait_for 200 has_line "$T/watch-$1.out" ready
	send "$1" "download_file g $(basename "$2") $T/d"
	{ wait "$w"; } 2>/dev/null
	read -r what amount existed < <(tail -1 "$T/watch-$1.out")
	[ "$what" = killed ] && reap "$pid"
	echo "  watcher: $what with $amount bytes in the .part," \
		"destination existed: $existed"
}

# --- round 1 ---------------------------------------------------------------
start_client D1
send D1 "login d pw-d"
wait_for 200 has_line "$T/D1.out" "logged in as d"
kill_mid D1 "$T/d/r.bin"
check_eq "resume: the downloader was killed mid-download" "killed 0" \
	"$what $existed"
check "resume: the downloader is gone" exited "$(client_pid D1)"
check "resume: no file at the destination after the kill" test ! -e "$T/d/r.bin"
check "resume: the .part file is there" test -e "$T/d/r.bin.part"

start_client D2
send D2 "login d pw-d"
wait_for 200 has_prefix "$T/D2.out" "logged in as d"
before=$(rchar "$spid")
send D2 "download_file g r.bin $T/d" "show_downloads"
check "resume: the resumed download completes" wait_for 400 test -e "$T/d/r.bin"
check "resume: byte-identical after resuming" cmp -s "$T/s/r.bin" "$T/d/r.bin"
sent=$(($(rchar "$spid") - before))
echo "  the seeder sent $sent bytes for the resumed download of $size"
check "resume: the pieces already there were kept (seeder sent < size - 1 MiB)" \
	test "$sent" -lt $((size - 1024 * 1024))
check "resume: [C] after resuming" wait_for 100 sent_has D2 show_downloads \
	"[C] [g] r.bin"
check_eq "resume: no .part left" "" "$(find "$T/d" -name '*.part')"
grep -m1 "^\[D\]" "$T/D2.out" | sed 's/^/  first show_downloads: /'

# --- round 2: the .part spoiled before resuming ----------------------------
start_client D3
send D3 "login d pw-d"
wait_for 200 has_prefix "$T/D3.out" "logged in as d"
kill_mid D3 "$T/d/r2.bin"
check_eq "resume: round 2: killed mid-download" "killed 0" "$what $existed"
check "resume: round 2: no file at the destination" test ! -e "$T/d/r2.bin"
# Spoil 1 MiB at the start, whether or not those pieces had arrived.
head -c 1048576 /dev/urandom |
	dd of="$T/d/r2.bin.part" bs=1048576 conv=notrunc status=none
send D2 "download_file g r2.bin $T/d"
check "resume: round 2: completes" wait_for 400 test -e "$T/d/r2.bin"
check "resume: round 2: byte-identical despite the spoiled .part" \
	cmp -s "$T/s/r2.bin" "$T/d/r2.bin"
check "resume: round 2: [C]" wait_for 100 sent_has D2 show_downloads \
	"[C] [g] r2.bin"

send D2 "logout"
wait_for 200 has_line "$T/D2.out" "logged out"
end_client D2
check_eq "resume: the resuming client exits 0" 0 "$RC"
check_eq "resume: the resuming client printed nothing on stderr" "" "$(err D2)"
send S "logout"
wait_for 200 has_line "$T/S.out" "logged out"
end_client S
check_eq "resume: the seeder exits 0" 0 "$RC"
stop_tracker 1 && pass "resume: tracker exits 0" || fail "resume: tracker exits 0"
