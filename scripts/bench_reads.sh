#!/usr/bin/env bash
# bench_reads.sh: the tracker's reads alone, measured so that a noisy
# machine still gives a figure: LIST_GROUPS from 1000 clients (tload's read
# phase, READS_S seconds), over TLS and with the benchmark-only plaintext
# switch, in alternating runs (READS_ROUNDS of each, default 3), each on a
# fresh pair of trackers.  Prints reads/s and the tracker's own CPU time
# per read (utime + stime from /proc across the phase, which the load
# generator on the same cores disturbs much less than the rate).
# READS_TRACKER names another tracker binary (to compare two builds).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
TLOAD=$top/build/rel/bin/tload
TRACKER=${READS_TRACKER:-$top/tracker/tracker}
ROUNDS=${READS_ROUNDS:-3}
SECS=${READS_S:-8}
BENCH=bench_reads
[ -x "$TLOAD" ] || { echo "bench_reads: build $TLOAD first (make tload)" >&2; exit 1; }
. "$top/scripts/bench_lib.sh"
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

one() {	# mode: tls or plain
	local c0 c1 n r i
	rm -f t1.db* t2.db* t1.log t2.log out
	if [ "$1" = plain ]; then export P2PS_BENCH_PLAINTEXT=1; else unset P2PS_BENCH_PLAINTEXT; fi
	"$TRACKER" ti.txt 1 --db t1.db --kdf-iter 1000 -q </dev/null 2>>t1.log >/dev/null & T1=$!
	"$TRACKER" ti.txt 2 --db t2.db --kdf-iter 1000 -q </dev/null 2>>t2.log >/dev/null & T2=$!
	listening "$P1"; listening "$P2"
	stdbuf -oL "$TLOAD" -c 1000 -w 4 -r "$SECS" -m 1 -R 0 load \
	    "127.0.0.1:$P1" "127.0.0.1:$P2" >out 2>&1 &
	local L=$!
	for i in $(seq 600); do grep -q '^setup' out && break; sleep 0.05; done
	c0=$(ticks "$T1")
	for i in $(seq 1200); do grep -q 'reads:' out && break; sleep 0.05; done
	c1=$(ticks "$T1")
	wait "$L" || true
	r=$(sed -n 's/.*s, \([0-9]*\) reads\/s.*/\1/p' out | head -1)
	n=$(sed -n 's/.*reads\/s.*(\([0-9]*\) answered.*/\1/p' out | head -1)
	printf '%-5s %7s reads/s  %5s ns tracker CPU a read\n' "$1" "${r:-?}" \
	    "$(( n > 0 ? (c1 - c0) * 1000000000 / hz / n : 0 ))"
	kill "$T1" "$T2"; wait "$T1" "$T2" 2>/dev/null || true; T1= T2=
}
echo "== tracker reads alone (LIST_GROUPS, 1000 clients x 4 in flight, $SECS s), alternating"
for _ in $(seq "$ROUNDS"); do one tls; one plain; done
