#!/usr/bin/env bash
# Limits and timeouts: a peer dribbling one byte at a time, hundreds of
# connections that never speak, and a peer that requests without reading
# must not stop others from being served, on the tracker and on a client's
# peer server.  The dribblers inside TLS are cut off once a frame has
# taken 15 s; those dribbling the TLS handshake itself (a ClientHello a
# byte at a time, over raw TCP) and the silent ones by the HELLO deadline,
# 10 s.  See slow_peer.py.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
slow() { python3 "$HERE/slow_peer.py" "$@"; }

cluster 1
start_tracker 1
TP=${TPORTS[0]}
make_group g owner member

# A seeder with a 3 MiB file.
mkdir -p "$T/s" "$T/d1" "$T/d2"
randfile "$T/s/f.bin" $((3 * 1024 * 1024 + 5))
start_client S
send S "login owner pw-owner" "upload_file $T/s/f.bin g"
check "limits: seeder shares" wait_for 400 has_prefix "$T/S.out" "sharing f.bin"
SP=$(client_port S)

# Tracker and peer server: a dribbler each inside TLS, one each dribbling
# the handshake, and 300 silent sockets on the peer server (over half its
# cap), all at once.
slow dribble "$TP" client 25 >"$T/drib_t.out" 2>&1 & DT=$!; PIDS+=($DT)
slow dribble "$SP" peer 25 >"$T/drib_p.out" 2>&1 & DP=$!; PIDS+=($DP)
slow dribble-tls "$TP" 25 >"$T/hs_t.out" 2>&1 & HT=$!; PIDS+=($HT)
slow dribble-tls "$SP" 25 >"$T/hs_p.out" 2>&1 & HP=$!; PIDS+=($HP)
slow idle "$SP" 300 20 >"$T/idle.out" 2>&1 & DI=$!; PIDS+=($DI)
P2P_TICKET=$(cd "$HERE" && python3 -c "
import wireproto as wp
print(wp.tickets($TP, 'member', 'pw-member', 'g', 'f.bin')['127.0.0.1:$SP'].hex())")
P2P_TICKET=$P2P_TICKET slow greedy "$SP" "$(sha1_of "$T/s/f.bin")" 20 \
	>"$T/greedy.out" 2>&1 & DG=$!
PIDS+=($DG)
check "limits: the silent sockets are connected" wait_for 400 has_prefix \
	"$T/idle.out" "refused"

# Meanwhile the tracker answers and a download from that seeder completes.
run_client list <<'S'
login member pw-member
list_groups
S
check_eq "limits: tracker serves others during the attacks" "logged in as member
g" "$(out list)"
run_client dl <<S
login member pw-member
download_file g f.bin $T/d1
S
check_eq "limits: a download from the attacked seeder exits 0" 0 "$RC"
check "limits: and is byte-identical" cmp -s "$T/s/f.bin" "$T/d1/f.bin"

# The dribblers are cut off by the frame deadline, not left open.
wait "$DT"; check_eq "limits: the tracker hangs up on the dribbler" 0 "$?"
wait "$DP"; check_eq "limits: the peer server hangs up on the dribbler" 0 "$?"
echo "  tracker: $(cat "$T/drib_t.out"); peer server: $(cat "$T/drib_p.out")"
check "limits: not before the 15 s frame deadline (tracker)" awk \
	'$1 == "closed" && $2 >= 14 { ok = 1 } END { exit !ok }' "$T/drib_t.out"
check "limits: not before the 15 s frame deadline (peer)" awk \
	'$1 == "closed" && $2 >= 14 { ok = 1 } END { exit !ok }' "$T/drib_p.out"
# The handshake dribblers: cut off by the 10 s HELLO deadline (the sweep
# runs once a second), with their ClientHello still unfinished.
wait "$HT"; check_eq "limits: the tracker hangs up on a dribbled handshake" 0 "$?"
wait "$HP"; check_eq "limits: the peer server hangs up on a dribbled handshake" 0 "$?"
echo "  handshake: tracker: $(cat "$T/hs_t.out"); peer server: $(cat "$T/hs_p.out")"
check "limits: dribbled handshake cut at the 10 s HELLO deadline (tracker)" \
	awk '$1 == "closed" && $2 >= 9 && $2 < 13 { ok = 1 } END { exit !ok }' \
	"$T/hs_t.out"
check "limits: dribbled handshake cut at the 10 s HELLO deadline (peer)" \
	awk '$1 == "closed" && $2 >= 9 && $2 < 13 { ok = 1 } END { exit !ok }' \
	"$T/hs_p.out"
wait "$DI"; wait "$DG"

# Everyone still works afterwards.
run_client dl2 <<S
login member pw-member
download_file g f.bin $T/d2
S
check_eq "limits: a second download exits 0" 0 "$RC"
check "limits: byte-identical" cmp -s "$T/s/f.bin" "$T/d2/f.bin"
send S "logout"
end_client S
check_eq "limits: seeder exits 0" 0 "$RC"
# It says why it dropped the greedy peer and the dribbler; nothing else.
check_eq "limits: seeder printed only why it dropped the greedy peer" "" \
	"$(err S | grep -v -e 'dropping peer: too many requests without reading' \
	    -e 'a frame took too long' -e 'closed mid-frame')"
check "limits: the greedy peer was dropped" grep -q \
	"too many requests without reading" "$T/S.err"
stop_tracker 1 && pass "limits: tracker exits 0" || fail "limits: tracker exits 0"
