#!/usr/bin/env bash
# A swarm across hosts: a tracker, a seeder and two downloaders, each on a
# lab host of its own with its own address.  The seeder's uplink is the
# bottleneck (20 Mbit/s, the downloaders have 100/100), so the two
# downloaders should trade pieces.  Checks: both downloads complete
# byte-identical; every client listens on its host's address, not on
# 127.0.0.1; the downloaders sent at least a piece between them (a
# downloader's tx bytes count what it uploaded: it has no one else to
# send to but a few hundred bytes to the tracker); the seeder sent the
# swarm a copy (what the downloaders received less what they sent each
# other), and less than 1.5 copies.  Printed, with a NOTE when it did not
# hold, not asserted: that each downloader got a piece from the other,
# and from the seeder.  With 128 KiB units (WIRE_VERSION 9) the seeder
# sent 1.02-1.08 copies in 8 runs, and in one of them it served D1 nearly
# everything and D2 a few units only: D1 passed each unit on to D2 at
# once, so D2 never lacked one the seeder could offer it.  Both finished
# in the same time as in the other runs (the 2.5 MB/s seeder is the
# bound; D1's 12.5 MB/s uplink keeps up), so which downloader the
# seeder's bytes go to is the seeder's choice, not a property.  Earlier:
# on 27ff91d one downloader sent the other less than a piece in 4 runs
# of 18 (6 MiB); on b3a4e1b (super-seeding, 512 KiB units) the seeder
# sent 1.71-1.91 copies, as the downloaders' endgame asked it again for
# blocks already on their way.
. "$(dirname "$0")/nl.sh"

MiB=$((1024 * 1024))
size=$((8 * MiB - 12345))

lab_host TR 100 100
lab_host S 20 100
lab_host D1 100 100
lab_host D2 100 100
NL_HOST=TR
nl_cluster TR
nl_tracker 1
make_group g s d1 d2

mkdir -p "$T/s" "$T/d1" "$T/d2"
randfile "$T/s/swarm.bin" "$size"
nl_client S S
send S "login s pw-s" "upload_file $T/s/swarm.bin g"
check "lab swarm: the seeder shares the file" wait_for 400 has_prefix \
	"$T/S.out" "sharing swarm.bin in group g ($size bytes"
for i in 1 2; do
	nl_client "D$i" "D$i"
	send "D$i" "login d$i pw-d$i"
	wait_for 200 has_line "$T/D$i.out" "logged in as d$i" ||
		fail "lab swarm: d$i logs in"
done

check "lab swarm: the seeder listens on its lab address" \
	nl_listens S "$(client_addr S)"
for i in 1 2; do
	check "lab swarm: D$i listens on its lab address $(client_addr "D$i")" \
		nl_listens "D$i" "$(client_addr "D$i")"
	check "lab swarm: D$i has no listener on 127.0.0.1" \
		test -z "$(lab_run "D$i" ss -Htln src 127.0.0.1)"
done

declare -A tx0 rx0
for h in S D1 D2; do tx0[$h]=$(lab_tx_bytes "$h") rx0[$h]=$(lab_rx_bytes "$h"); done
t0=$(now_ms)
send D1 "download_file g swarm.bin $T/d1"
send D2 "download_file g swarm.bin $T/d2"
for i in 1 2; do
	check "lab swarm: D$i completes" wait_for 1200 test -e "$T/d$i/swarm.bin"
done
t1=$(now_ms)
for i in 1 2; do
	check_eq "lab swarm: D$i byte-identical (sha1)" "$(sha1_of "$T/s/swarm.bin")" \
		"$(sha1_of "$T/d$i/swarm.bin" 2>/dev/null)"
	check "lab swarm: D$i shows [C]" wait_for 100 sent_has "D$i" show_downloads \
		"[C] [g] swarm.bin"
done

declare -A tx rx
for h in S D1 D2; do
	tx[$h]=$(($(lab_tx_bytes "$h") - ${tx0[$h]}))
	rx[$h]=$(($(lab_rx_bytes "$h") - ${rx0[$h]}))
done
copies() { awk -v b="$1" -v f="$size" 'BEGIN { printf "%.2f", b / f }'; }
echo "  both done in $((t1 - t0)) ms; file $size bytes; seeder sent $(copies "${tx[S]}") copies," \
	"D1 sent $(copies "${tx[D1]}"), D2 sent $(copies "${tx[D2]}");" \
	"D1 received $(copies "${rx[D1]}"), D2 received $(copies "${rx[D2]}")"
piece=$((512 * 1024))
check "lab swarm: the downloaders traded at least a piece (D1 sent ${tx[D1]}, D2 ${tx[D2]} bytes)" \
	test $((tx[D1] + tx[D2])) -ge "$piece"
for i in 1 2; do
	j=$((3 - i))
	if [ "${tx[D$j]}" -ge "$piece" ]; then
		echo "  D$i got file data from D$j (${tx[D$j]} bytes)"
	else
		echo "  NOTE: D$i got less than a piece from D$j (${tx[D$j]} bytes)"
	fi
done
from_seed=$((rx[D1] + rx[D2] - tx[D1] - tx[D2]))
check "lab swarm: the downloaders got a copy from the seeder ($from_seed bytes)" \
	test "$from_seed" -ge $((size * 95 / 100))
check "lab swarm: the seeder sent less than 1.5 copies (${tx[S]} bytes)" \
	test "${tx[S]}" -lt $((size * 3 / 2))
for i in 1 2; do
	j=$((3 - i))
	if [ $((rx[D$i] - tx[D$j])) -ge "$piece" ]; then
		echo "  D$i got file data from the seeder ($((rx[D$i] - tx[D$j])) bytes)"
	else
		echo "  NOTE: D$i got less than a piece from the seeder ($((rx[D$i] - tx[D$j])) bytes)"
	fi
done

for c in S D1 D2; do
	send "$c" logout
	end_client "$c"
	check_eq "lab swarm: client $c exits 0" 0 "$RC"
done
check_eq "lab swarm: downloaders printed no error" "" \
	"$(cat "$T/D1.err" "$T/D2.err")"
