#!/usr/bin/env bash
# The peer protocol spoken by hand (share_peer.py) to a seeder's listen
# port: the tracker hands out the file's piece SHA1s, then its units'
# (128 KiB); WANT of an unknown SHA1 gets ERROR; WANT of the shared file
# gets a full BITFIELD of its units; REQUEST of valid blocks (first,
# middle, the short last one, every block pipelined) gets PIECE with the
# file's bytes; REQUEST past the last unit, outside the unit, of length 0
# or over a unit closes the connection; no HELLO first, a wrong role or an oversized
# header gets the peer dropped; a ticket names the seeder's key (which it
# proves) and the asker's (under another key it is refused).  After each,
# the seeder still serves both a fresh connection and a normal download.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1
make_group g sam dan

# 3 whole pieces and a short fourth one.
size=$((3 * 524288 + 1000))
mkdir -p "$T/seed" "$T/dl"
randfile "$T/seed/pp.bin" "$size"
start_client S
send S "login sam pw-sam" "upload_file $T/seed/pp.bin g" "list_files g"
check "proto: seeder shares pp.bin" wait_for 400 has_prefix "$T/S.out" "pp.bin	"
sha=$(awk -F'\t' '$1 == "pp.bin" {print $3}' "$T/S.out")
check_eq "proto: list_files gives the file's SHA1" "$(sha1_of "$T/seed/pp.bin")" "$sha"
port=$(client_port S)
# A member's ticket for asking the seeder, as the tracker hands it out.
get_ticket() {
	P2P_TICKET=$(cd "$(dirname "$0")" && python3 -c "
import wireproto as wp
t = wp.tickets(${TPORTS[0]}, 'dan', 'pw-dan', 'g', 'pp.bin')
print(t['127.0.0.1:$port'].hex())")
	export P2P_TICKET
}
get_ticket
# Its hashes as the tracker hands them out: 4 pieces', then 13 units'.
hashes_pieces_then_units() {
	(cd "$(dirname "$0")" && python3 -c "
import hashlib
import wireproto as wp
data = open('$T/seed/pp.bin', 'rb').read()
c, tok = wp.login(${TPORTS[0]}, 'dan', 'pw-dan')
typ, _, _, f = c.request(wp.FILE_INFO, 2, tok + wp.ident('g') +
                         wp.string('pp.bin'))
want = b''.join(hashlib.sha1(data[i:i + n]).digest()
                for n in (524288, 131072) for i in range(0, len(data), n))
raise SystemExit(0 if typ == wp.FILE and f[3] == 17 and f[5] == want
                 else 1)")
}
check "proto: FILE carries the 4 piece SHA1s, then the 13 units'" \
	hashes_pieces_then_units
check_eq "proto: the tracker hands a member a 72-byte ticket" 144 \
	"${#P2P_TICKET}"
check "proto: the seeder proves the key the ticket names" \
	python3 "$(dirname "$0")/share_peer.py" "$port" proves-ticket-key
# The ticket names the member's key too: under another key it is no good.
check "proto: a member's ticket presented under another key is refused" \
	env WIREPROTO_KEYDIR="$T/otherkey" python3 "$(dirname "$0")/share_peer.py" \
	"$port" want-denied "$sha"
peer() { python3 "$(dirname "$0")/share_peer.py" "$port" "$@"; }
# A non-member who knows the seeder's address and the SHA1 gets no ticket
# from the tracker, and nothing from the seeder without one.
run_client eve <<<"create_user eve pw-eve"
no_ticket_for_eve() {
	(cd "$(dirname "$0")" && python3 -c "
import wireproto as wp
c, tok = wp.login(${TPORTS[0]}, 'eve', 'pw-eve')
typ, _, _, f = c.request(wp.FILE_INFO, 2, tok + wp.ident('g') +
                         wp.string('pp.bin'))
raise SystemExit(0 if typ == wp.ERROR and f[0] == wp.WE_DENIED else 1)")
}
check "proto: a non-member gets no sources and no ticket" no_ticket_for_eve
check "proto: a non-member's WANT without a ticket is refused" \
	env P2P_TICKET= python3 "$(dirname "$0")/share_peer.py" "$port" \
	want-denied "$sha"
still_serves() { check "proto: still serves after $1" peer serves "$sha"; }

check "proto: WANT of an unknown SHA1 gets ERROR" peer want-unknown
check "proto: no WANT, a forged, empty or short ticket: ERROR, no data" \
	peer no-ticket "$sha"
check "proto: WANT of the file gets a BITFIELD with all 13 units" \
	peer want "$sha" 13
check "proto: REQUEST of the first block gets its bytes" \
	peer request "$sha" "$T/seed/pp.bin" 0 0 131072
check "proto: REQUEST of an odd range inside a unit gets its bytes" \
	peer request "$sha" "$T/seed/pp.bin" 5 1000 70000
check "proto: REQUEST of a whole unit gets its bytes" \
	peer request "$sha" "$T/seed/pp.bin" 2 0 131072
check "proto: REQUEST of the short last unit gets its bytes" \
	peer request "$sha" "$T/seed/pp.bin" 12 0 1000
check "proto: every block requested at once, all right" \
	peer pipeline "$sha" "$T/seed/pp.bin"
check "proto: REQUEST for a file not shared gets ERROR" peer unshared-request

check "proto: REQUEST past the last unit closes" peer bad-request "$sha" 13 0 1024
still_serves "a request past the last unit"
check "proto: REQUEST far past the last unit closes" \
	peer bad-request "$sha" 4294967295 0 1024
check "proto: REQUEST beyond the end of a unit closes" \
	peer bad-request "$sha" 0 131000 1024
check "proto: REQUEST at an offset past the unit closes" \
	peer bad-request "$sha" 1 131072 16
check "proto: REQUEST beyond the end of the short last unit closes" \
	peer bad-request "$sha" 12 0 1001
still_serves "requests outside a unit"
check "proto: REQUEST of length 0 closes" peer bad-request "$sha" 0 0 0
check "proto: REQUEST of a unit + 1 closes" peer bad-request "$sha" 0 0 131073
check "proto: REQUEST of 512 KiB + 1 closes" peer bad-request "$sha" 0 0 524289
check "proto: REQUEST of 4 GiB - 1 closes" peer bad-request "$sha" 0 0 4294967295
still_serves "requests of bad lengths"
check "proto: no HELLO first: dropped" peer no-hello "$sha"
check "proto: HELLO with the wrong role: dropped" peer wrong-role
check "proto: an oversized header: dropped" peer oversized
still_serves "peers that broke the protocol"
alive() { ! exited "$1"; }
check "proto: seeder still running" alive "$(client_pid S)"

# A normal download from the same seeder is still fine.
run_client dl <<S
login dan pw-dan
download_file g pp.bin $T/dl
S
check_eq "proto: download after the abuse exits 0" 0 "$RC"
check "proto: download after the abuse byte-identical" \
	cmp -s "$T/seed/pp.bin" "$T/dl/pp.bin"

# Logged out, the client serves nobody.
send S "logout"
check "proto: seeder logs out" wait_for 200 has_line "$T/S.out" "logged out"
check "proto: a logged-out client refuses peers" peer refused
send S "login sam pw-sam"
check "proto: seeder logs in again" wait_for 200 has_line "$T/S.out" \
	"logged in as sam (sharing 1 file again)"
# A new session has a new ticket key: the old ticket is no good.
check "proto: a ticket for the old session is refused" peer want-denied "$sha"
get_ticket
check "proto: serves again after login, with a new ticket" peer want "$sha" 13
send S "logout"
two_logouts() { [ "$(grep -c '^logged out$' "$T/S.out")" -ge 2 ]; }
check "proto: seeder logs out again" wait_for 200 two_logouts
end_client S
check_eq "proto: seeder exits 0" 0 "$RC"
check_eq "proto: seeder wrote no error line" "" \
	"$(grep '^error: ' "$T/S.err")"
grep -q 'AddressSanitizer\|runtime error' "$T/S.err" &&
	fail "proto: seeder sanitizer report" || pass "proto: no sanitizer report"
stop_tracker 1 && pass "proto: tracker exits 0" || fail "proto: tracker exits 0"
