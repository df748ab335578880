#!/usr/bin/env bash
# An imposter in a tracker's place: the real tracker is stopped and a
# Python TLS server with a fresh key (imposter.py) listens on its port,
# recording every byte of application data it gets after the handshake.
#  1. A client that pinned the real tracker (known_trackers, one command)
#     runs `login alice PASSWORD`: it exits 1 with exactly one error line
#     naming the address, both keys and the known_trackers line to
#     delete; the imposter got zero application bytes (no password), and
#     the pin is left as it was.
#  2. The same with the real key pinned in tracker_info.txt in advance
#     (no known_trackers): one error line naming both keys, zero bytes.
#  A control: a wireproto HELLO sent to the imposter is counted, so the
#  zero above is not a recorder that counts nothing.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cluster 1
start_tracker 1
PORT=${TPORTS[0]}
FP=$(tracker_fp 1)
PW="Imp-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

run_client pin <<<"create_user alice $PW"
check_eq "imposter: alice created on the real tracker (pinned now)" \
	"user alice created" "$(out pin)"
pinline=$(grep -nxF "127.0.0.1:$PORT $FP" "$P2PS_HOME/known_trackers" | cut -d: -f1)
check "imposter: known_trackers has the real key (line $pinline)" test -n "$pinline"
pins_before=$(cat "$P2PS_HOME/known_trackers")
stop_tracker 1 || fail "imposter: the real tracker stops with status 0"

WIREPROTO_KEYDIR=$T/impkey python3 "$HERE/imposter.py" "$PORT" \
	>"$T/imp.log" 2>"$T/imp.err" &
IPID=$!
PIDS+=($IPID)
check "imposter: listening" wait_for 200 has_prefix "$T/imp.log" "ready "
IFP=$(sed -n 's/^ready //p' "$T/imp.log")
check "imposter: it has another key ($IFP)" \
	test -n "$IFP" -a "$IFP" != "$FP"
conns() { grep -c '^conn ' "$T/imp.log"; }
# bytes_after N: the application bytes of connections after the first N.
bytes_after() {
	grep '^conn ' "$T/imp.log" | tail -n +"$(($1 + 1))" |
		sed 's/.*app_bytes=//' | awk '{ s += $1 } END { print s + 0 }'
}

# --- 1. pinned in known_trackers --------------------------------------------
start=$(date +%s%N)
run_client known <<<"login alice $PW"
echo "  the client gave up after $((($(date +%s%N) - start) / 1000000)) ms"
check_eq "imposter: login to the imposter exits 1" 1 "$RC"
check_eq "imposter: ... with exactly one error line" 1 \
	"$(grep -c '^error: ' "$T/known.err")"
check_eq "imposter: ... naming the address, both keys and the line to delete" \
	"error: tracker 127.0.0.1:$PORT answered with key $IFP, not $FP as remembered in $P2PS_HOME/known_trackers line $pinline: refused (if its key was changed on purpose, delete that line)" \
	"$(grep '^error: ' "$T/known.err")"
check_eq "imposter: ... and prints nothing on stdout" "" "$(out known)"
check "imposter: the client did reach the imposter" wait_for 200 \
	test "$(conns)" -ge 1
n1=$(conns)
check_eq "imposter: it received zero application bytes" 0 "$(bytes_after 0)"
check "imposter: ... so not the password" bash -c "! grep -qF -- '$PW' '$T/imp.log'"
check_eq "imposter: the pin is left as it was" "$pins_before" \
	"$(cat "$P2PS_HOME/known_trackers")"
grep '^conn ' "$T/imp.log" | sort | uniq -c | sed 's/^/  /'

# --- 2. pinned in tracker_info.txt in advance ---------------------------------
echo "127.0.0.1:$PORT $FP" >"$T/pinned.txt"
P2PS_HOME=$T/home_pinned run_client adv "$T/pinned.txt" <<<"login alice $PW"
check_eq "imposter: pinned in tracker_info.txt: exits 1" 1 "$RC"
check_eq "imposter: ... with exactly one error line" 1 \
	"$(grep -c '^error: ' "$T/adv.err")"
check_eq "imposter: ... naming the address and both keys" \
	"error: tracker 127.0.0.1:$PORT answered with key $IFP, but tracker_info.txt pins $FP for it: refused" \
	"$(grep '^error: ' "$T/adv.err")"
check_eq "imposter: ... and prints nothing on stdout" "" "$(out adv)"
check "imposter: that client reached the imposter too" wait_for 200 \
	test "$(conns)" -gt "$n1"
n2=$(conns)
check_eq "imposter: it received zero application bytes" 0 "$(bytes_after "$n1")"
check "imposter: no key of the imposter was remembered" \
	bash -c "! grep -qF -- '$IFP' '$T/home_pinned/known_trackers' 2>/dev/null"

# --- the control: bytes that are sent are counted -----------------------------
(cd "$HERE" && python3 -c "
import wireproto as w
c = w.Conn($PORT); c.send(w.hello()); c.close()")
check "imposter: control: a HELLO sent to it is counted" wait_for 200 \
	test "$(bytes_after "$n2")" -gt 0

kill "$IPID"
reap "$IPID"
check "imposter: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' '$T/t1/err.log' $T/*.err"
