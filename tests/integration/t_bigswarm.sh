#!/usr/bin/env bash
# Big swarms (issue 13): the tracker names at most WIRE_SOURCES_MAX (40)
# sources a reply, a random set each time, and a downloader's refresh
# (SOURCES, every 3 s) carries no piece hashes.
#  0. A seeder serves 64 links at once; one more is refused BUSY (and is
#     served once one of them closes).
#  1. bigswarm.py, with a real seeder sharing: 10 more sessions share the
#     file, each reply names all the others; then 50: each reply names 40,
#     none twice, never the asker, all of them over the draws; PEERS has
#     no piece hashes; a file the group lacks and a non-member are refused.
#  2. Those 50 stay online but dead (nothing listens at their addresses).
#     The seeder logs out; three downloaders start together, so their
#     first reply names only dead sources; the seeder logs in again
#     (sharing again at once): they must find it, and each other, through
#     their refreshes among 50 dead sources, and end byte-identical.
#     The tracker's debug log shows one FILE_INFO per download and
#     SOURCES refreshes after it, every reply within the bound.
# (RSS is not checked here, under ASan; scripts/bench_bigswarm.sh measures
# it with 64 clients of the release build.)
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cluster 1
start_tracker 1 -v
make_group g s crowd d1 d2 d3
size=$((3 * 1024 * 1024 + 333))
mkdir -p "$T/s" "$T/d1" "$T/d2" "$T/d3"
randfile "$T/s/big.bin" "$size"
start_client S
send S "login s pw-s" "upload_file $T/s/big.bin g"
check "bigswarm: the seeder shares big.bin" wait_for 400 has_line "$T/S.out" \
	"sharing big.bin in group g ($size bytes, 7 pieces)"
seeder=127.0.0.1:$(client_port S)

# 0. A seeder serves at most 64 links at once (PS_MAX_SERVED).
python3 "$HERE/bigswarm.py" busy "${TPORTS[0]}" crowd pw-crowd g big.bin \
	"$seeder" 64 >"$T/busy.out" 2>&1
check_eq "bigswarm: the busy check ran to its end" 0 "$?"
cat "$T/busy.out"

# 1. The crowd, and what the tracker hands out of it.
mkfifo "$T/crowd.in"
python3 "$HERE/bigswarm.py" crowd "${TPORTS[0]}" crowd pw-crowd g big.bin \
	"$seeder" 50 <"$T/crowd.in" >"$T/crowd.out" 2>"$T/crowd.err" &
CROWD=$!
PIDS+=($CROWD)
(exec sleep 3600 >"$T/crowd.in") &
HOLD=$!
PIDS+=($HOLD)
wait_for 1200 has_prefix "$T/crowd.out" "holding" ||
	fail "bigswarm: the crowd is up ($(cat "$T/crowd.err"))"
grep -E '^(PASS|FAIL):' "$T/crowd.out"
check_eq "bigswarm: the crowd holds 50 sessions" "holding 50" \
	"$(grep '^holding' "$T/crowd.out")"

# 2. A swarm among 50 dead sources, the seeder coming back late.
send S "logout"
check "bigswarm: the seeder logged out" wait_for 200 has_line "$T/S.out" \
	"logged out"
logn=$(wc -l <"$T/t1/err.log")
for i in 1 2 3; do
	start_client "D$i"
	send "D$i" "login d$i pw-d$i" "download_file g big.bin $T/d$i"
done
for i in 1 2 3; do
	check "bigswarm: downloader $i started (FILE_INFO answered)" \
		wait_for 400 has_prefix "$T/D$i.out" "downloading big.bin"
done
send S "login s pw-s"
check "bigswarm: the seeder shares again" wait_for 400 has_line "$T/S.out" \
	"logged in as s (sharing 1 file again)"
for i in 1 2 3; do
	check "bigswarm: downloader $i has the file" wait_for 1200 test \
		-e "$T/d$i/big.bin"
done
for i in 1 2 3; do
	end_client "D$i"
	check_eq "bigswarm: downloader $i exits 0" 0 "$RC"
	check "bigswarm: downloader $i byte-identical" \
		cmp -s "$T/s/big.bin" "$T/d$i/big.bin"
	check_eq "bigswarm: downloader $i printed no error" "" "$(err "D$i")"
done

# What the tracker said meanwhile (its debug line for each reply).
tail -n +"$((logn + 1))" "$T/t1/err.log" | grep -E ': (FILE_INFO|SOURCES) big.bin: ' \
	>"$T/replies"
echo "  $(grep -c ' FILE_INFO ' "$T/replies") FILE_INFO, $(grep -c ' SOURCES ' \
	"$T/replies") SOURCES replies to the downloaders; the largest:"
sort -t, -k2 -n "$T/replies" | tail -2 | sed 's/^/    /'
check_eq "bigswarm: one FILE_INFO per download" 3 \
	"$(grep -c ' FILE_INFO big.bin: ' "$T/replies")"
check "bigswarm: refreshes asked SOURCES (no piece hashes)" \
	test "$(grep -c ' SOURCES big.bin: ' "$T/replies")" -ge 3
check_eq "bigswarm: no reply named more than 40 sources" "" \
	"$(awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "sources" &&
		$i + 0 > 40) print }' "$T/replies")"

kill "$HOLD"
reap "$HOLD"
wait "$CROWD"
check_eq "bigswarm: the crowd's checks all passed" 0 "$?"
end_client S
check_eq "bigswarm: the seeder exits 0" 0 "$RC"
