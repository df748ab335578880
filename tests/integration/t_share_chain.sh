#!/usr/bin/env bash
# Files travel onward: A shares, B downloads it, A logs out (and then
# serves nobody), C downloads from B alone and gets it byte-identical.
# stop_share: B stops and no longer serves it (its peer server answers
# WANT with ERROR) while the file stays listed (A and C are sharers, even
# logged out); a file whose last sharer stops is no longer listed.
# Re-sharing at login: A logs in again on the same client, is told it
# shares the file again, and a new download from A alone succeeds without
# uploading again.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1
make_group g a b c e

size=$((3 * 1024 * 1024 + 99))	# 25 units of 128 KiB (wire.h)
mkdir -p "$T/a" "$T/b" "$T/c" "$T/e"
randfile "$T/a/f.bin" "$size"
cp "$T/a/f.bin" "$T/orig.bin"
sha=$(sha1_of "$T/orig.bin")
peer() { python3 "$(dirname "$0")/share_peer.py" "$@"; }

start_client A
send A "login a pw-a" "upload_file $T/a/f.bin g"
check "chain: A shares f.bin" wait_for 400 has_line "$T/A.out" \
	"sharing f.bin in group g ($size bytes, 7 pieces)"
aport=$(client_port A)

start_client B
send B "login b pw-b" "download_file g f.bin $T/b"
check "chain: B downloads f.bin from A" wait_for 400 test -e "$T/b/f.bin"
check "chain: B's copy byte-identical" cmp -s "$T/orig.bin" "$T/b/f.bin"
check "chain: B shows [C]" wait_for 100 sent_has B show_downloads "[C] [g] f.bin"
bport=$(client_port B)

# A logs out: its client stops serving.
send A "logout"
check "chain: A logs out" wait_for 200 has_line "$T/A.out" "logged out"
check "chain: A, logged out, refuses peers" peer "$aport" refused
check "chain: B serves f.bin" env P2P_TICKET="$(peer_ticket "$bport" e g f.bin)" \
	python3 "$(dirname "$0")/share_peer.py" "$bport" want "$sha" 25

run_client C <<S
login c pw-c
download_file g f.bin $T/c
S
check_eq "chain: C's download (from B alone) exits 0" 0 "$RC"
check "chain: C's copy byte-identical" cmp -s "$T/orig.bin" "$T/c/f.bin"
check_eq "chain: C printed no error" "" "$(err C)"

# stop_share: B stops serving f.bin; A and C (logged out) still share it.
send B "stop_share g f.bin"
check "chain: B stops sharing" wait_for 200 has_line "$T/B.out" \
	"stopped sharing f.bin in group g"
check "chain: B no longer serves f.bin (WANT gets ERROR)" \
	peer "$bport" not-served "$sha"
check "chain: the file B stopped sharing stays on disk" \
	cmp -s "$T/orig.bin" "$T/b/f.bin"
send B "list_files g" "echo listed-1"
wait_for 200 has_line "$T/B.out" "listed-1"
check "chain: still listed while others share it" \
	has_line "$T/B.out" "f.bin	$size	$sha"
send B "stop_share g f.bin" "echo stopped-twice"
wait_for 200 has_line "$T/B.out" "stopped-twice"
check_eq "chain: stop_share of a file not shared any more fails" \
	"error: you do not share f.bin in group g" "$(err B)"

# A file shared by B alone is forgotten when B stops sharing it.
randfile "$T/b/solo.bin" 1000
send B "upload_file $T/b/solo.bin g" "list_files g" "echo listed-2"
wait_for 400 has_line "$T/B.out" "listed-2"
check "chain: solo.bin listed while B shares it" \
	has_line "$T/B.out" "solo.bin	1000	$(sha1_of "$T/b/solo.bin")"
send B "stop_share g solo.bin" "list_files g" "echo listed-3"
wait_for 200 has_line "$T/B.out" "listed-3"
check_eq "chain: after the last sharer stops, list_files lacks it" \
	"stopped sharing solo.bin in group g
f.bin	$size	$sha
listed-3" "$(sed -n '/^listed-2$/,$p' "$T/B.out" | tail -n +2)"

# A logs in again on the same client: f.bin is shared again at once, and
# E downloads it from A alone (B stopped, C is logged out).
send A "login a pw-a"
check "chain: A logs in again, sharing f.bin again" wait_for 200 has_line \
	"$T/A.out" "logged in as a (sharing 1 file again)"
check "chain: A serves f.bin again" env \
	P2P_TICKET="$(peer_ticket "$aport" e g f.bin)" \
	python3 "$(dirname "$0")/share_peer.py" "$aport" want "$sha" 25
run_client E <<S
login e pw-e
download_file g f.bin $T/e
S
check_eq "chain: E's download from the re-shared A exits 0" 0 "$RC"
check "chain: E's copy byte-identical" cmp -s "$T/orig.bin" "$T/e/f.bin"
check_eq "chain: A's output" "logged in as a
sharing f.bin in group g ($size bytes, 7 pieces)
logged out
logged in as a (sharing 1 file again)" "$(out A)"

# count_line FILE LINE N: FILE holds LINE at least N times.
count_line() { [ "$(grep -cxF -- "$2" "$1")" -ge "$3" ]; }
send A "logout"
send B "logout"
check "chain: A logs out again" wait_for 200 count_line "$T/A.out" "logged out" 2
check "chain: B logs out" wait_for 200 count_line "$T/B.out" "logged out" 1
end_client A
check_eq "chain: A exits 0" 0 "$RC"
check_eq "chain: A printed nothing on stderr" "" "$(err A)"
end_client B
check_eq "chain: B exits 1 (its second stop_share failed)" 1 "$RC"
stop_tracker 1 && pass "chain: tracker exits 0" || fail "chain: tracker exits 0"
