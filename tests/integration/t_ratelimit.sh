#!/usr/bin/env bash
# Bandwidth limits on loopback (the lab measures them from outside, on an
# interface): the option and the command's syntax; a seeder whose upload
# is limited (set_limit up, while running) and a downloader started with
# --down-limit each take at least the time the limit allows (a limit is a
# ceiling: the lower bound on time cannot flake), and the files arrive
# byte-identical; set_limit up off lifts it.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1
make_group g sam dan eve
size=$((6 * 1024 * 1024))
mkdir -p "$T/seed" "$T/d1" "$T/d2" "$T/d3"
randfile "$T/seed/rl.bin" "$size"

# Syntax: a bad rate is refused at start with a reason; a good one is not.
port=$(free_ports 1)
"$CLIENT" "127.0.0.1:$port" "$T/tracker_info.txt" --up-limit fast \
	</dev/null >"$T/bad.out" 2>"$T/bad.err"
check "limit: a bad --up-limit is refused (exit non-zero)" test $? -ne 0
check "limit: ... saying why" grep -q "bad --up-limit 'fast'" "$T/bad.err"
"$CLIENT" "127.0.0.1:$port" "$T/tracker_info.txt" --down-limit 2.5M \
	--up-limit 800k >"$T/ok.out" 2>"$T/ok.err" <<'S'
set_limit up 1M
set_limit down off
set_limit sideways 1M
set_limit up 12q
help
S
check "limit: a client with good limits runs its script (exit 1: two bad lines)" \
	test $? -eq 1
check "limit: set_limit up 1M" has_line "$T/ok.out" "upload limit: 1 MB/s"
check "limit: set_limit down off" has_line "$T/ok.out" "download limit: off"
check "limit: set_limit sideways: error" grep -q "^error: set_limit: say up or down" "$T/ok.err"
check "limit: set_limit up 12q: error" grep -q "^error: set_limit: bad rate" "$T/ok.err"
check "limit: help shows set_limit" grep -q "^set_limit up|down <rate>|off	" "$T/ok.out"

start_client S
send S "login sam pw-sam" "upload_file $T/seed/rl.bin g" "set_limit up 1M"
check "limit: the seeder shares rl.bin" wait_for 400 has_line "$T/S.out" \
	"sharing rl.bin in group g ($size bytes, 12 pieces)"
check "limit: ... and limits its upload" wait_for 200 has_line "$T/S.out" \
	"upload limit: 1 MB/s"

# At 1 MB/s (overhead counted), 6 MiB take at least 6.0 s: 5.5 s allows
# for the burst the bucket may hold.
elapsed() { python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$@"; }
t0=$(date +%s.%N)
run_client D1 <<S
login dan pw-dan
download_file g rl.bin $T/d1
S
t1=$(date +%s.%N)
check_eq "limit: download from the limited seeder (exit 0)" 0 "$RC"
check "limit: ... byte-identical" cmp -s "$T/seed/rl.bin" "$T/d1/rl.bin"
e=$(elapsed "$t0" "$t1")
check "limit: ... took at least 5.5 s under 1 MB/s up (took $e s)" \
	python3 -c "import sys; sys.exit(float(sys.argv[1]) < 5.5)" "$e"

send S "set_limit up off"
check "limit: set_limit up off" wait_for 200 has_line "$T/S.out" "upload limit: off"
run_client D2 <<S
login dan pw-dan
download_file g rl.bin $T/d2
S
check_eq "limit: after off: download (exit 0)" 0 "$RC"
check "limit: ... byte-identical" cmp -s "$T/seed/rl.bin" "$T/d2/rl.bin"

# The downloader's own limit.
port=$(free_ports 1)
t0=$(date +%s.%N)
timeout 60 "$CLIENT" "127.0.0.1:$port" "$T/tracker_info.txt" --down-limit 1M \
	>"$T/D3.out" 2>"$T/D3.err" <<S
login eve pw-eve
download_file g rl.bin $T/d3
S
rc=$?
t1=$(date +%s.%N)
check_eq "limit: download with --down-limit 1M (exit 0)" 0 "$rc"
check "limit: ... byte-identical" cmp -s "$T/seed/rl.bin" "$T/d3/rl.bin"
e=$(elapsed "$t0" "$t1")
check "limit: ... took at least 5.5 s (took $e s)" \
	python3 -c "import sys; sys.exit(float(sys.argv[1]) < 5.5)" "$e"

end_client S
check_eq "limit: the seeder exits 0" 0 "$RC"
stop_tracker 1 && pass "limit: tracker exits 0" || fail "limit: tracker exits 0"
check "limit: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' '$T/t1/err.log' $T/*.err"
