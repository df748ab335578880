#!/usr/bin/env bash
# t_folders_reap.sh - a synced folder's fetches do not stay in the
# client's download list once they have ended: bob's folder fetches 60
# small files from alice's, then 10 more, then new contents of 20 of
# them, then 3 that complete while the tracker is frozen; after each
# round show_downloads lists none of them (each was freed), while a
# download bob started himself is still listed when complete
# (show_downloads' contract).  Under ASan: no report, so nothing touched
# a fetch after it was freed (the UPLOAD a fetch sends as it completes is
# still out when the fetch is freed: its reply, or its failure, must not
# reach it).
. "$(dirname "$0")/lib.sh"

N=60
cluster 1
start_tracker 1
make_group g alice bob
I1=$(info_file i1 1)

A=$T/A/sync
B=$T/B/sync
mkdir -p "$A" "$B" "$T/mine"
for i in $(seq 1 $N); do randfile "$A/f$i.bin" $((1000 + i * 97)); done

start_in a "$T/A" "$I1"
start_in b "$T/B" "$I1"
csend a "login alice pw-alice" "sync_folder $A g" "echo A1"
wait_for 200 has_line "$T/a.out" A1
csend b "login bob pw-bob" "sync_folder $B g" "echo B1"
wait_for 200 has_line "$T/b.out" B1

# all_in PREFIX FROM TO: files PREFIX1..PREFIXTO are the same in both.
all_in() {
	local i
	for i in $(seq "$2" "$3"); do
		same_file "$A/$1$i.bin" "$B/$1$i.bin" || return 1
	done
}
check "reap: the $N files reach bob's folder" wait_for 1200 all_in f 1 $N

# A download of bob's own, complete: listed as [C] from then on.
csend b "download_file g f1.bin $T/mine" "echo B2"
check "reap: bob's own download completes" wait_for 600 same_file "$A/f1.bin" "$T/mine/f1.bin"

# only_mine: show_downloads (marked by the echo D<n>) lists bob's own
# download and nothing else; LISTED holds what it listed.
n=0
only_mine() {
	n=$((n + 1))
	csend b "show_downloads" "echo D$n"
	wait_for 200 has_line "$T/b.out" "D$n" || return 1
	LISTED=$(sed -n "/^D$((n - 1))\$/,/^D$n\$/p" "$T/b.out" | grep -v '^D[0-9]*$')
	[ "$LISTED" = "[C] [g] f1.bin" ]
}
csend b "echo D0"
# Each fetch is freed once idle (its links reaped, no check on the pool).
check "reap: show_downloads lists only bob's own download" wait_for 40 only_mine
echo "  listed: $LISTED"

# More files after that: fetched too, and gone from the list as well.
for i in $(seq 1 10); do randfile "$A/late$i.bin" 3000; done
check "reap: later files are fetched too" wait_for 600 all_in late 1 10
check "reap: ...and are not kept in the list either" wait_for 40 only_mine

# New contents of 20 files: fetched again (a fetch each), and freed.
for i in $(seq 21 40); do randfile "$T/new" $((2000 + i)); mv "$T/new" "$A/f$i.bin"; done
check "reap: 20 changed files reach bob" wait_for 1200 all_in f 21 40
check "reap: ...and their fetches are not kept" wait_for 40 only_mine

# Fetches that complete while the tracker is frozen: each sends its
# UPLOAD and is freed; the UPLOAD fails 4 s later, when the silent link
# is given up.  That failure must reach no freed fetch (tlink_cancel()).
# alice serves at 16 kB/s (the three together take ~19 s, one alone
# ~6 s), and the tracker stops once all three have their .part, i.e.
# their metadata: one that had not asked for it yet could not complete
# with the tracker frozen.
csend a "set_limit up 16k"
for i in 1 2 3; do randfile "$A/frozen$i.bin" 100000; done
parts_there() {
	[ "$(ls "$B/.p2ps-sync/fetch/" 2>/dev/null |
	    grep -c '^frozen[123]\.bin\.part$')" = 3 ]
}
check "reap: fetches under way" wait_for 600 parts_there
kill -STOP "${TPID[1]}"
check "reap: ...complete with the tracker frozen" wait_for 1200 all_in frozen 1 3
check "reap: ...and bob's link gives the tracker up" \
	wait_for 300 grep -q 'nothing heard for 4 s' "$T/b.err"
kill -CONT "${TPID[1]}"
csend a "set_limit up off"
check "reap: ...their fetches are not kept" wait_for 200 only_mine

csend b "quit"
end_client b
check_eq "reap: bob's client exits 0" 0 "$RC"
csend a "quit"
end_client a
check "reap: no sanitizer report" \
	bash -c "! grep -l 'runtime error\|AddressSanitizer\|LeakSanitizer' '$T'/*.err"
exit "$FAILS"
