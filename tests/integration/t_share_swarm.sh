#!/usr/bin/env bash
# Swarming: three seeders, each with its own copy of the same ~6 MiB file;
# a downloader gets it byte-identical, and at least two seeders served
# file data (a seeder's rchar in /proc/PID/io counts what its sendfile
# sends).  Then five clients download another file at once from a single
# seeder, and all five end byte-identical: three assemble pieces in
# memory, one with only two piece buffers and one with none (every block
# written straight to disk and read back to be checked).
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1
make_group g u1 u2 u3 d d1 d2 d3 d4 d5

size=$((6 * 1024 * 1024 + 777))
randfile "$T/orig.bin" "$size"
for i in 1 2 3; do
	mkdir -p "$T/s$i"
	cp "$T/orig.bin" "$T/s$i/swarm.bin"
	start_client "S$i"
	send "S$i" "login u$i pw-u$i" "upload_file $T/s$i/swarm.bin g"
done
for i in 1 2 3; do
	check "swarm: seeder $i shares its copy" wait_for 400 has_line \
		"$T/S$i.out" "sharing swarm.bin in group g ($size bytes, 13 pieces)"
done
run_client ls <<<$'login d pw-d\nlist_files g'
check_eq "swarm: one file listed for three sharers" \
	"logged in as d
swarm.bin	$size	$(sha1_of "$T/orig.bin")" "$(out ls)"

declare -A base
for i in 1 2 3; do base[$i]=$(rchar "$(client_pid "S$i")"); done
mkdir "$T/d"
run_client dl <<S
login d pw-d
download_file g swarm.bin $T/d
S
check_eq "swarm: download exits 0" 0 "$RC"
check "swarm: download byte-identical" cmp -s "$T/orig.bin" "$T/d/swarm.bin"
served=0 total=0 report=
for i in 1 2 3; do
	n=$(($(rchar "$(client_pid "S$i")") - ${base[$i]}))
	report+=" S$i=$n"
	total=$((total + n))
	[ "$n" -gt $((512 * 1024)) ] && served=$((served + 1))
done
echo "  bytes read by the seeders during the download:$report" \
	"(total $total for a file of $size)"
check "swarm: at least two seeders served file data" test "$served" -ge 2
check "swarm: the seeders together served at least the file" \
	test "$total" -ge "$size"

# Five downloaders at once, one seeder (S1) for a new file.
size5=$((4 * 1024 * 1024 + 4321))
randfile "$T/s1/five.bin" "$size5"
send S1 "upload_file $T/s1/five.bin g"
check "swarm: seeder 1 shares five.bin" wait_for 400 has_line "$T/S1.out" \
	"sharing five.bin in group g ($size5 bytes, 9 pieces)"
ports=($(free_ports 5))
pids=()
for i in 1 2 3 4 5; do
	mkdir "$T/d$i"
	bufs=16; [ "$i" = 4 ] && bufs=2; [ "$i" = 5 ] && bufs=0
	printf '%s\n' "login d$i pw-d$i" "download_file g five.bin $T/d$i" |
		P2P_PIECE_BUFFERS=$bufs timeout 60 "$CLIENT" "127.0.0.1:${ports[$((i - 1))]}" \
		"$T/tracker_info.txt" >"$T/five$i.out" 2>"$T/five$i.err" &
	pids+=($!)
	PIDS+=($!)
done
for i in 1 2 3 4 5; do
	wait "${pids[$((i - 1))]}"
	check_eq "swarm: concurrent downloader $i exits 0" 0 "$?"
	check "swarm: concurrent downloader $i byte-identical" \
		cmp -s "$T/s1/five.bin" "$T/d$i/five.bin"
	check_eq "swarm: concurrent downloader $i printed no error" "" \
		"$(cat "$T/five$i.err")"
done
check_eq "swarm: no .part left by the five" "" "$(find "$T" -name '*.part')"

for i in 1 2 3; do
	send "S$i" "logout"
	wait_for 200 has_line "$T/S$i.out" "logged out"
	end_client "S$i"
	check_eq "swarm: seeder $i exits 0" 0 "$RC"
	check_eq "swarm: seeder $i printed nothing on stderr" "" "$(err "S$i")"
done
stop_tracker 1 && pass "swarm: tracker exits 0" || fail "swarm: tracker exits 0"
