#!/usr/bin/env bash
# Bandwidth limits measured from outside: the bytes a host's interface
# counts, sampled every second while a transfer runs, over every 10 s
# window.  1. A seeder started with --up-limit 2M sends a downloader
# (both on 100 Mbit/s links) a 30 MiB file: no 10 s window carries more
# than 5% over 20 MB.  2. The seeder lifts its limit (set_limit up off)
# and a downloader started with --down-limit 2M fetches the file: no
# 10 s window of what it receives is more than 5% over 20 MB.  Both files
# arrive byte-identical; the mean rates are printed.  (Down: from 3 s
# into the transfer, once the kernel's receive buffers have filled.)  (The limits count
# 4.7% of TCP/IP and TLS overhead; the interface counts ~1-2% here, with
# segmentation offload: lab.sh.)
. "$(dirname "$0")/nl.sh"

MiB=$((1024 * 1024))
size=$((30 * MiB))
limit=2000000

lab_host TR 100 100
lab_host S 100 100
lab_host D1 100 100
lab_host D2 100 100
NL_HOST=TR
nl_cluster TR
nl_tracker 1
make_group g s d1 d2
mkdir -p "$T/s" "$T/d1" "$T/d2"
randfile "$T/s/lim.bin" "$size"
nl_client S S "$T/tracker_info.txt" "--up-limit 2M"
send S "login s pw-s" "upload_file $T/s/lim.bin g"
check "lab limits: the seeder shares the file" wait_for 400 has_prefix \
	"$T/S.out" "sharing lim.bin in group g ($size bytes"
nl_client D1 D1
nl_client D2 D2 "$T/tracker_info.txt" "--down-limit 2M"
send D1 "login d1 pw-d1"
send D2 "login d2 pw-d2"
for i in 1 2; do
	wait_for 200 has_line "$T/D$i.out" "logged in as d$i" ||
		fail "lab limits: d$i logs in"
done

# measure HOST tx|rx FILE: the host's counter once a second until FILE
# exists (at most 90 samples); the samples in $T/samples.
measure() {
	local h=$1 dir=$2 f=$3 i
	: >"$T/samples"
	for i in $(seq 90); do
		"lab_${dir}_bytes" "$h" >>"$T/samples"
		[ -e "$f" ] && break
		sleep 1
	done
	"lab_${dir}_bytes" "$h" >>"$T/samples"
}
# windows [SKIP]: the most bytes in any 10 s window (or the whole run if
# shorter) that starts SKIP s or more into it, then the mean rate over the
# run, from $T/samples.
windows() {
	awk -v skip="${1:-0}" '{ v[NR] = $1 } END {
		w = NR > 11 + skip ? 10 : NR - 1 - skip; max = 0
		for (i = 1 + skip; i + w <= NR; i++)
			if (v[i + w] - v[i] > max) max = v[i + w] - v[i]
		printf "%d %d %d\n", max, w, (v[NR] - v[1]) / (NR - 1)
	}' "$T/samples"
}

send D1 "download_file g lim.bin $T/d1"
measure S tx "$T/d1/lim.bin"
check_eq "lab limits: up: byte-identical" "$(sha1_of "$T/s/lim.bin")" \
	"$(sha1_of "$T/d1/lim.bin" 2>/dev/null)"
read -r max w mean < <(windows)
echo "  up-limit 2 MB/s: most in a ${w} s window $max bytes ($((max / w)) B/s); mean $mean B/s over $(($(wc -l <"$T/samples") - 1)) s"
check "lab limits: up: no ${w} s window over the limit + 5%" \
	test "$max" -le $((limit * w * 105 / 100))
check "lab limits: up: ... and the transfer took a 10 s window at least" \
	test "$w" -eq 10

send S "set_limit up off"
check "lab limits: the seeder lifts its limit" wait_for 200 has_line \
	"$T/S.out" "upload limit: off"
send D2 "download_file g lim.bin $T/d2"
measure D2 rx "$T/d2/lim.bin"
check_eq "lab limits: down: byte-identical" "$(sha1_of "$T/s/lim.bin")" \
	"$(sha1_of "$T/d2/lim.bin" 2>/dev/null)"
# What a host receives includes what the kernel takes into its socket
# buffers before the client reads (up to a TCP window a connection, once,
# at the start: 22.7 MB in the first 10 s window in one run): the windows
# are counted from 3 s in.
read -r max w mean < <(windows 3)
echo "  down-limit 2 MB/s: most in a ${w} s window $max bytes ($((max / w)) B/s); mean $mean B/s"
check "lab limits: down: no ${w} s window over the limit + 5%" \
	test "$max" -le $((limit * w * 105 / 100))
check "lab limits: down: ... and the transfer took a 10 s window at least" \
	test "$w" -eq 10

for c in S D1 D2; do end_client "$c"; check_eq "lab limits: $c exits 0" 0 "$RC"; done
check "lab limits: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' $T/*.err"
