#!/usr/bin/env bash
# Super-seeding: a client that has the whole file shows each peer a few
# pieces at a time, the least shown first, and more as the peer has them
# (its HAVEs and BITFIELD, which downloaders send their sources) or was
# sent them whole.  seed_peer.py speaks to a real seeder by hand (see its
# checks); then three real downloaders at once complete byte-identical
# from it, so the pieces they pass on among themselves are whole.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cluster 1
start_tracker 1
make_group g sam dan d1 d2 d3
# 40 pieces, 160 units of 128 KiB (wire.h): what a seeder shows and peers
# exchange.
size=$((40 * 524288))
mkdir -p "$T/seed" "$T/d1" "$T/d2" "$T/d3"
randfile "$T/seed/big.bin" "$size"
start_client S
send S "login sam pw-sam" "upload_file $T/seed/big.bin g" "list_files g"
check "seeding: the seeder shares big.bin" wait_for 400 has_prefix "$T/S.out" "big.bin	"
sha=$(awk -F'\t' '$1 == "big.bin" {print $3}' "$T/S.out")
port=$(client_port S)
P2P_TICKET=$(peer_ticket "$port" dan g big.bin)
export P2P_TICKET
check "seeding: a member's ticket" test "${#P2P_TICKET}" -eq 144
python3 "$HERE/seed_peer.py" "$port" "$sha" "$T/seed/big.bin" >"$T/sp.out" 2>&1
check "seeding: shown piece by piece, least shown first ($(tail -1 "$T/sp.out"))" \
	grep -qx ok "$T/sp.out"

for i in 1 2 3; do
	bg_client "D$i" <<S
login d$i pw-d$i
download_file g big.bin $T/d$i
S
done
wait_bg
for i in 1 2 3; do
	check_eq "seeding: downloader $i exits 0" 0 "$(rc_of "D$i")"
	check "seeding: ... byte-identical" cmp -s "$T/seed/big.bin" "$T/d$i/big.bin"
done
end_client S
check_eq "seeding: the seeder exits 0" 0 "$RC"
stop_tracker 1 && pass "seeding: tracker exits 0" || fail "seeding: tracker exits 0"
check "seeding: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' '$T/t1/err.log' $T/*.err"
