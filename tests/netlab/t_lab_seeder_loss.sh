#!/usr/bin/env bash
# A seeder's host vanishes silently mid-download.  Two seeders and one
# downloader, each on a host of its own; once the downloader has received
# 2 MiB of an 8 MiB file from both, seeder 1's link stops carrying packets
# (no RST, no ICMP).  The download must still complete, byte-identical,
# from seeder 2.  Printed: how long the downloader took to notice (its
# first log line about seeder 1 after the cut, other than the download's
# end: it runs with -v), and how long the download took after the cut.
# The seeders' uplinks are slow (4 Mbit/s) so that what is left after the
# cut takes seeder 2 alone longer (~13 s) than the downloader's stall
# deadline: at 20 Mbit/s the endgame finished from seeder 2 before the
# dead one was ever noticed.
. "$(dirname "$0")/nl.sh"

MiB=$((1024 * 1024))
size=$((8 * MiB))
NOTICE_SLOW_S=15	# above this, the figure is flagged (not a failure)

lab_host TR 100 100
lab_host S1 4 100
lab_host S2 4 100
lab_host D 100 100
NL_HOST=TR
nl_cluster TR
nl_tracker 1
make_group g s1 s2 d

randfile "$T/orig.bin" "$size"
for i in 1 2; do
	mkdir -p "$T/s$i"
	cp "$T/orig.bin" "$T/s$i/f.bin"
	nl_client "S$i" "S$i"
	send "S$i" "login s$i pw-s$i" "upload_file $T/s$i/f.bin g"
done
for i in 1 2; do
	check "lab seeder loss: S$i shares f.bin" wait_for 400 has_prefix \
		"$T/S$i.out" "sharing f.bin in group g ($size bytes"
done
mkdir -p "$T/d"
nl_client D D "$T/tracker_info.txt" -v
send D "login d pw-d"
wait_for 200 has_line "$T/D.out" "logged in as d" || fail "lab seeder loss: d logs in"

s1=$(client_addr S1)
s1tx0=$(lab_tx_bytes S1) s2tx0=$(lab_tx_bytes S2) drx0=$(lab_rx_bytes D)
rx_at_least() { [ $(($(lab_rx_bytes D) - drx0)) -ge "$1" ]; }
start=$(now_ms)
send D "download_file g f.bin $T/d"
check "lab seeder loss: D received 2 MiB" wait_for 400 rx_at_least $((2 * MiB))
lab_link_down S1
cut=$(now_ms)
s1sent=$(($(lab_tx_bytes S1) - s1tx0))
echo "  cut $((cut - start)) ms into the download; S1 had sent $s1sent bytes," \
	"S2 $(($(lab_tx_bytes S2) - s2tx0)), D received $(($(lab_rx_bytes D) - drx0))"
check "lab seeder loss: both seeders were serving at the cut" \
	test "$s1sent" -ge $((256 * 1024)) -a \
	$(($(lab_tx_bytes S2) - s2tx0)) -ge $((256 * 1024))
lines0=$(wc -l <"$T/D.err")

about_s1() {
	tail -n +"$((lines0 + 1))" "$T/D.err" | grep -F "peer $s1:" |
		grep -v 'download over$'
}
# Poll (50 ms, at most 120 s) for the end of the download and for the
# downloader's first line about S1 after the cut.
noticed='' done_at='' why=''
for ((i = 0; i < 2400; i++)); do
	if [ -z "$noticed" ] &&
		about_s1 | grep -q .; then
		noticed=$(now_ms)
		why=$(about_s1 | head -1)
	fi
	[ -z "$done_at" ] && [ -e "$T/d/f.bin" ] && done_at=$(now_ms)
	[ -n "$done_at" ] && [ -n "$noticed" ] && break
	# Once done, the download's links are gone: nothing more to notice.
	[ -n "$done_at" ] && [ $(($(now_ms) - done_at)) -gt 1000 ] && break
	sleep 0.05
done
check "lab seeder loss: the download completed after seeder 1 vanished" \
	test -n "$done_at"
check_eq "lab seeder loss: byte-identical (sha1)" "$(sha1_of "$T/orig.bin")" \
	"$(sha1_of "$T/d/f.bin" 2>/dev/null)"
check "lab seeder loss: D shows [C]" wait_for 100 sent_has D show_downloads "[C] [g] f.bin"
[ -n "$done_at" ] && echo "  completed $((done_at - cut)) ms after the cut ($((done_at - start)) ms in all)"
if [ -n "$noticed" ]; then
	n=$((noticed - cut))
	echo "  the downloader noticed seeder 1 was gone $n ms after the cut: ${why#* client }"
	[ "$n" -gt $((NOTICE_SLOW_S * 1000)) ] &&
		echo "  NOTE: slower than ${NOTICE_SLOW_S} s to notice a silent seeder"
else
	echo "  NOTE: the downloader never noticed seeder 1 was gone before the download ended (no line about $s1 after the cut)"
fi
lab_link_up S1

for c in S1 S2 D; do
	send "$c" logout
	end_client "$c"
	check_eq "lab seeder loss: client $c exits 0" 0 "$RC"
done
