#!/usr/bin/env bash
# Peer tickets end, and are renewed on open connections (the tracker runs
# with --ticket-seconds 4).
#  1. Against a real seeder, one peer connection each (ticket_peer.py):
#     a member who stays renews its ticket on the connection and is served
#     over two ticket lifetimes (a forged renewal is refused, the link
#     stays); a member who leaves the group, and one who logs out, get no
#     new ticket and are cut off once theirs ends, though they keep the
#     connection open.
#  2. A real downloader against a slow seeder that keeps tickets' ends
#     (slow_seeder.py): the download outlasts several tickets on one
#     connection (its last requests are sent long after its first ticket
#     ended), renewing them, and completes byte-identical.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cluster 1
start_tracker 1 --ticket-seconds 4
make_group g sam stay leave out d up fs
size=$((2 * 524288 + 1000))
mkdir -p "$T/seed" "$T/up" "$T/d"
randfile "$T/seed/tk.bin" "$size"
start_client S
send S "login sam pw-sam" "upload_file $T/seed/tk.bin g"
check "tickets: the seeder shares tk.bin" wait_for 400 has_line "$T/S.out" \
	"sharing tk.bin in group g ($size bytes, 3 pieces)"
seeder=127.0.0.1:$(client_port S)

# 1. Three members side by side, each on its own connection.
for m in stay leave out; do
	mode=$m
	[ "$m" = out ] && mode=logout
	python3 "$HERE/ticket_peer.py" "${TPORTS[0]}" "$seeder" g tk.bin "$m" \
		"$mode" >"$T/tp_$m.out" 2>&1 &
	eval "TP_$m=\$!"
	PIDS+=($!)
done
for m in stay leave out; do
	v="TP_$m"
	wait "${!v}"
	check "tickets: $m: $(cat "$T/tp_$m.out")" grep -q '^ok: ' "$T/tp_$m.out"
done
check "tickets: the seeder logged the ended tickets" grep -q \
	"dropping peer: its ticket.* ended" "$T/S.err"

# 2. A download that outlasts its tickets, from a slow seeder.
size2=$((16 * 524288))
randfile "$T/up/slow.bin" "$size2"
run_client up <<S
login up pw-up
upload_file $T/up/slow.bin g
S
check_eq "tickets: slow.bin uploaded (then the uploader logged out)" 0 "$RC"
SLOW_BLOCK_S=0.2 python3 "$HERE/slow_seeder.py" "${TPORTS[0]}" g fs \
	slow.bin "$T/up/slow.bin" >"$T/slow.out" 2>"$T/slow.err" &
SPID=$!
PIDS+=($SPID)
check "tickets: the slow seeder is registered" \
	wait_for 400 has_prefix "$T/slow.out" "ready "
run_client D <<S
login d pw-d
download_file g slow.bin $T/d
S
check_eq "tickets: the download from the slow seeder succeeds (exit 0)" 0 "$RC"
check "tickets: ... byte-identical" cmp -s "$T/up/slow.bin" "$T/d/slow.bin"
check "tickets: ... the slow seeder saw its connection end" \
	wait_for 200 has_prefix "$T/slow.out" "conn "
echo "  slow seeder: $(grep '^conn ' "$T/slow.out" | tr '\n' ';')"
check_eq "tickets: ... over one connection (64 blocks, 0.2 s each)" 1 \
	"$(grep -c '^conn ' "$T/slow.out")"
check "tickets: ... which the downloader renewed (2 renewals or more)" \
	grep -Eq '^conn piece_bytes_out='"$size2"' wants=([3-9]|[1-9][0-9]) ended=0$' \
	"$T/slow.out"
kill "$SPID"
reap "$SPID"
end_client S
check_eq "tickets: the seeder exits 0" 0 "$RC"
stop_tracker 1 && pass "tickets: tracker exits 0" || fail "tickets: tracker exits 0"
check "tickets: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' '$T/t1/err.log' $T/*.err"
