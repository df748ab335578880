#!/usr/bin/env bash
# Faulty seeders.
#  1. A seeder SIGKILLed mid-transfer (share_watch.py kills it the moment
#     it has sent 1 MiB of an 8 MiB file; the other seeder is held with
#     SIGSTOP until then, so the kill is surely mid-download): the
#     download completes byte-identical from the other seeder.
#  2. A seeder whose file was altered on disk after upload (same size,
#     bytes overwritten in the middle) plus an honest one: the download
#     ends byte-identical to the ORIGINAL; the altered seeder is struck
#     and dropped.  Once with the honest seeder held until the altered
#     one is dropped, once with both serving at the same time.
#  3. Only the altered seeder: the download ends [F] and nothing is ever
#     written at the destination.
#  4. Blame (share_fakepeer.py, two scripted seeders): pieces that fail
#     because of one liar's block must not get an honest co-supplier
#     banned; the download must still complete.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1
make_group g k h m d d2 d3 d4 u fb fg d5
watch() { python3 "$(dirname "$0")/share_watch.py" "$@"; }
alive() { ! exited "$1"; }

# --- 1. a seeder killed mid-transfer ---------------------------------------
size=$((8 * 1024 * 1024))
mkdir -p "$T/k" "$T/h" "$T/m" "$T/d" "$T/d2" "$T/d3" "$T/d4"
randfile "$T/orig8.bin" "$size"
cp "$T/orig8.bin" "$T/k/f8.bin"
cp "$T/orig8.bin" "$T/h/f8.bin"
start_client K
start_client H
send K "login k pw-k" "upload_file $T/k/f8.bin g"
send H "login h pw-h" "upload_file $T/h/f8.bin g"
check "faults: K shares f8.bin" wait_for 400 has_line "$T/K.out" \
	"sharing f8.bin in group g ($size bytes, 16 pieces)"
check "faults: H shares f8.bin" wait_for 400 has_line "$T/H.out" \
	"sharing f8.bin in group g ($size bytes, 16 pieces)"
kpid=$(client_pid K) hpid=$(client_pid H)

start_client D
send D "login d pw-d"
wait_for 200 has_line "$T/D.out" "logged in as d"
kill -STOP "$hpid"
watch served "$kpid" $((1024 * 1024)) "$kpid" "$T/d/f8.bin" 20 \
	>"$T/watch1.out" &
wpid=$!
PIDS+=($wpid)
wait_for 200 has_line "$T/watch1.out" ready
send D "download_file g f8.bin $T/d"
{ wait "$wpid"; } 2>/dev/null
kill -CONT "$hpid"
read -r what amount existed < <(tail -1 "$T/watch1.out")
[ "$what" = killed ] && reap "$kpid"
echo "  watcher: $what $amount bytes served, destination existed: $existed"
check_eq "faults: K was killed after serving part of the file" killed "$what"
check_eq "faults: the download was not complete when K died" 0 "$existed"
check "faults: K served less than the file" test "${amount:-$size}" -lt "$size"
check "faults: download completes from H" wait_for 400 test -e "$T/d/f8.bin"
check "faults: byte-identical after a seeder died mid-transfer" \
	cmp -s "$T/orig8.bin" "$T/d/f8.bin"
check "faults: D shows [C]" wait_for 100 sent_has D show_downloads "[C] [g] f8.bin"
check_eq "faults: no .part left" "" "$(find "$T/d" -name '*.part')"

# --- 2. an altered seeder and an honest one --------------------------------
# corrupt FILE: overwrite 64 KiB in the middle of each of pieces 2..5,
# and the 4 KiB around the boundary of pieces 3 and 4; the size stays.
corrupt() {
	local off
	for off in $((2 * 524288 + 200000)) $((3 * 524288 + 100000)) \
		$((4 * 524288 + 300000)) $((5 * 524288 + 1))
	do
		head -c 65536 /dev/urandom | dd of="$1" bs=65536 seek="$off" \
			oflag=seek_bytes conv=notrunc status=none
	done
	head -c 4096 /dev/urandom | dd of="$1" bs=4096 \
		seek=$((4 * 524288 - 2048)) oflag=seek_bytes conv=notrunc status=none
}
asize=$((4 * 1024 * 1024 + 5000))
randfile "$T/origA.bin" "$asize"
randfile "$T/origB.bin" "$asize"
randfile "$T/origC.bin" "$asize"
for f in A B C; do cp "$T/orig$f.bin" "$T/m/alt$f.bin"; done
cp "$T/origA.bin" "$T/h/altA.bin"
cp "$T/origB.bin" "$T/h/altB.bin"
start_client M
send M "login m pw-m"
for f in A B C; do send M "upload_file $T/m/alt$f.bin g"; done
send H "upload_file $T/h/altA.bin g" "upload_file $T/h/altB.bin g"
for f in A B C; do
	check "faults: M shares alt$f.bin" wait_for 400 has_line "$T/M.out" \
		"sharing alt$f.bin in group g ($asize bytes, 9 pieces)"
done
for f in A B; do
	check "faults: H shares alt$f.bin" wait_for 400 has_line "$T/H.out" \
		"sharing alt$f.bin in group g ($asize bytes, 9 pieces)"
done
for f in A B C; do corrupt "$T/m/alt$f.bin"; done
check "faults: M's copies now differ, same size" \
	test "$(stat -c %s "$T/m/altA.bin")" -eq "$asize" -a \
	"$(sha1_of "$T/m/altA.bin")" != "$(sha1_of "$T/origA.bin")"

# 2a. H held until D2 has dropped M for pieces that fail their SHA1.
start_client D2
send D2 "login d2 pw-d2"
wait_for 200 has_line "$T/D2.out" "logged in as d2"
kill -STOP "$hpid"
send D2 "download_file g altA.bin $T/d2"
check "faults: D2 drops the altered seeder" wait_for 400 grep -q \
	"dropped: sent pieces that fail their SHA1" "$T/D2.err"
check "faults: nothing at the destination while only M served" \
	test ! -e "$T/d2/altA.bin"
kill -CONT "$hpid"
check "faults: D2 completes from H" wait_for 400 test -e "$T/d2/altA.bin"
check "faults: byte-identical to the original despite M" \
	cmp -s "$T/origA.bin" "$T/d2/altA.bin"
check "faults: D2 logged failed pieces" grep -q "failed its SHA1" "$T/D2.err"
check "faults: D2 shows [C]" wait_for 100 sent_has D2 show_downloads "[C] [g] altA.bin"

# 2b. Both serving at once.
run_client D3 <<S
login d3 pw-d3
download_file g altB.bin $T/d3
S
check_eq "faults: download with M and H at once exits 0" 0 "$RC"
check "faults: byte-identical to the original (M and H at once)" \
	cmp -s "$T/origB.bin" "$T/d3/altB.bin"
grep -c "failed its SHA1" "$T/D3.err" | sed 's/^/  pieces that failed with M and H at once: /'

# --- 3. only the altered seeder --------------------------------------------
start_client D4
send D4 "login d4 pw-d4" "download_file g altC.bin $T/d4"
check "faults: only M: the download ends [F]" \
	wait_for 600 sent_has D4 show_downloads "[F] [g] altC.bin"
check "faults: only M: never a file at the destination" test ! -e "$T/d4/altC.bin"
check_eq "faults: only M: nothing but a .part in the directory" "" \
	"$(ls "$T/d4" | grep -v '\.part$')"
grep -m1 "^\[F\]" "$T/D4.out" | sed 's/^/  /'
check "faults: only M: it was dropped for bad pieces" \
	grep -q "dropped: sent pieces that fail their SHA1" "$T/D4.err"

# --- 4. blame: one bad block among good ones ---------------------------------
# share_fakepeer.py runs two scripted seeders: BAD sends one wrong block
# of each piece it is asked for and keeps its other blocks; GOOD, honest,
# supplies the rest of those pieces.  The pieces fail their SHA1 because
# of BAD alone; GOOD can supply the whole file, so the download must end
# byte-identical (the contract: a download fails only when no source is
# left that can supply a missing piece correctly).
mkdir -p "$T/u" "$T/d5"
randfile "$T/u/scripted.bin" $((6 * 524288))
run_client up <<S
login u pw-u
upload_file $T/u/scripted.bin g
S
check_eq "faults: scripted.bin uploaded (then its uploader logged out)" 0 "$RC"
python3 "$(dirname "$0")/share_fakepeer.py" "${TPORTS[0]}" g scripted.bin \
	"$T/u/scripted.bin" fb fg >"$T/fake.out" 2>&1 &
fpid=$!
PIDS+=($fpid)
check "faults: the scripted seeders are registered" \
	wait_for 200 has_prefix "$T/fake.out" ready
run_client D5 <<S
login d5 pw-d5
download_file g scripted.bin $T/d5
S
check_eq "faults: an honest seeder is not blamed for another's bad block (exit 0)" \
	0 "$RC"
check "faults: an honest seeder is not blamed: byte-identical" \
	cmp -s "$T/u/scripted.bin" "$T/d5/scripted.bin"
good=$(sed -n 's/^ready .*good=//p' "$T/fake.out")
check "faults: the honest scripted seeder was not dropped for bad pieces" \
	test -n "$good" -a -z "$(grep -F "peer $good: dropped" "$T/D5.err")"
if [ "$RC" -ne 0 ]; then
	sed 's/^/  D5 out: /' "$T/D5.out"
	sed 's/^/  D5 err: /' "$T/D5.err"
fi
kill "$fpid"
reap "$fpid"

check "faults: M still running" alive "$(client_pid M)"
check "faults: H still running" alive "$hpid"
send D4 "logout"
wait_for 200 has_line "$T/D4.out" "logged out"
end_client D4
check_eq "faults: D4 exits 1 (its download failed)" 1 "$RC"
for n in D D2 H M; do
	send "$n" "logout"
	wait_for 200 has_line "$T/$n.out" "logged out"
	end_client "$n"
	check_eq "faults: $n exits 0" 0 "$RC"
done
grep -l 'AddressSanitizer\|runtime error' "$T"/*.err &&
	fail "faults: sanitizer report" || pass "faults: no sanitizer report"
stop_tracker 1 && pass "faults: tracker exits 0" || fail "faults: tracker exits 0"
