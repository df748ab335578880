#!/usr/bin/env bash
# A drip-feeder among the sources (issue 15): slow_seeder.py sends one
# block every 9.5 s, just inside the stall deadline (STALL_MS, 10 s), so
# it is never "stalled"; beside it an honest seeder serves at 400 kB/s.
# The downloader drops the dripper once a window (20 s) shows it far
# slower than the honest link ("too slow"), does not connect to it again
# at once (one connection in all), and the download completes from the
# honest seeder, byte-identical, within a bound.  With the honest seeder
# alone slow (set_limit up 150k: below the "fast" mark of 32 blocks a
# window), nothing is dropped: the only source is never "too slow".
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cluster 1
start_tracker 1
make_group g sam fs dan eve
size=$((12 * 1024 * 1024))
mkdir -p "$T/seed" "$T/d" "$T/e"
randfile "$T/seed/drip.bin" "$size"
start_client S
send S "login sam pw-sam" "upload_file $T/seed/drip.bin g" "set_limit up 400k"
check "drip: the honest seeder shares drip.bin" wait_for 400 has_line \
	"$T/S.out" "sharing drip.bin in group g ($size bytes, 24 pieces)"
check "drip: ... at 400 kB/s" wait_for 200 has_line "$T/S.out" \
	"upload limit: 400 kB/s"
SLOW_BLOCK_S=9.5 python3 "$HERE/slow_seeder.py" "${TPORTS[0]}" g fs \
	drip.bin "$T/seed/drip.bin" >"$T/slow.out" 2>"$T/slow.err" &
SPID=$!
PIDS+=($SPID)
check "drip: the drip-feeder is registered" \
	wait_for 400 has_prefix "$T/slow.out" "ready "

elapsed() { python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$@"; }
t0=$(date +%s.%N)
run_client D <<S
login dan pw-dan
download_file g drip.bin $T/d
S
t1=$(date +%s.%N)
e=$(elapsed "$t0" "$t1")
echo "  took $e s; $(grep -o 'dropped: .*' "$T/D.err" | tr '\n' ';')"
check_eq "drip: the download completes (exit 0)" 0 "$RC"
check "drip: ... byte-identical" cmp -s "$T/seed/drip.bin" "$T/d/drip.bin"
# 12 MiB at 400 kB/s: 31 s from the honest seeder alone; the dripper
# holds 24 blocks (3 MiB) until dropped.
check "drip: ... within 50 s (took $e s)" \
	python3 -c "import sys; sys.exit(float(sys.argv[1]) >= 50)" "$e"
check "drip: the dripper was dropped as too slow" \
	grep -q "dropped: too slow: [0-3] blocks in 20 s" "$T/D.err"
check "drip: ... and not as stalled" bash -c "! grep -q 'dropped: stalled' '$T/D.err'"
check "drip: the dripper saw its connection end" \
	wait_for 200 has_prefix "$T/slow.out" "conn "
check_eq "drip: ... and was not connected to again (one connection)" 1 \
	"$(grep -c '^conn ' "$T/slow.out")"
kill "$SPID"
reap "$SPID"

# The only source, slow (150 kB/s: 23 blocks a window), is kept.
send S "set_limit up 150k"
check "drip: the honest seeder now at 150 kB/s" wait_for 200 has_line \
	"$T/S.out" "upload limit: 150 kB/s"
size2=$((4 * 1024 * 1024))
randfile "$T/seed/only.bin" "$size2"
send S "upload_file $T/seed/only.bin g"
check "drip: the seeder shares only.bin" wait_for 400 has_line \
	"$T/S.out" "sharing only.bin in group g ($size2 bytes, 8 pieces)"
bg_client E <<S
login eve pw-eve
download_file g only.bin $T/e
S
# Its script ended at once; it waits for the download (~27 s) idle: a
# hung-up stdin once kept its loop spinning (a core at 100%).
e_pid() {
	local p
	for p in $(pgrep -f "$T/tracker_info.txt"); do
		[ "$(readlink "/proc/$p/fd/1" 2>/dev/null)" = "$T/E.out" ] &&
			[ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$CLIENT")" ] &&
			{ echo "$p"; return 0; }
	done
	return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
check "drip: E is downloading" wait_for 200 has_prefix "$T/E.out" "downloading only.bin"
epid=$(e_pid)
c0=$(cpu_ticks "$epid"); t0=$(date +%s.%N)
sleep 2
c1=$(cpu_ticks "$epid"); t1=$(date +%s.%N)
check "drip: ... and idle while it waits, its script done ($((c1 - c0)) ticks in $(elapsed "$t0" "$t1") s)" \
	test "$((c1 - c0))" -lt 50
wait_bg
RC=$(rc_of E)
check_eq "drip: from the only, slow source: completes (exit 0)" 0 "$RC"
check "drip: ... byte-identical" cmp -s "$T/seed/only.bin" "$T/e/only.bin"
check "drip: ... and nothing was dropped" bash -c "! grep -q 'dropped' '$T/E.err'"

end_client S
check_eq "drip: the seeder exits 0" 0 "$RC"
stop_tracker 1 && pass "drip: tracker exits 0" || fail "drip: tracker exits 0"
check "drip: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' '$T/t1/err.log' $T/*.err"
