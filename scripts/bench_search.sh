#!/usr/bin/env bash
# Search figures (issue 14 item 1), not pass/fail.  With the release build
# and build/rel/bin/tsearch (make tsearch):
#   - a tracker database of SEARCH_GROUPS (1000) groups of SEARCH_FILES
#     (100) files each, made by tsearch fill through the store's own
#     functions (alice in every group, bob in 10);
#   - in-process (tsearch local): the name index built at start, then one
#     page of search a call for several kinds of pattern (substring of 3+
#     characters, rare and common; 1-2 characters; wildcards; no match),
#     median and p99, for alice (every file in scope) and bob (1%); and
#     every page of "*";
#   - from a client over loopback (tests/bench/search_remote.py: TLS,
#     Python, one request at a time): the same kinds on tracker 1; then
#     tracker 2, started empty with both logs kept to SEARCH_KEEP (1000)
#     ops, catches up by a snapshot, and must answer every pattern with
#     the same hits, where the same figures are taken.
# Everything runs in a temp directory; every process started is stopped
# by its PID.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
TSEARCH=$top/build/rel/bin/tsearch
TRACKER=${SEARCH_TRACKER:-$top/tracker/tracker}
NGROUPS=${SEARCH_GROUPS:-1000}
NFILES=${SEARCH_FILES:-100}
KEEP=${SEARCH_KEEP:-1000}
BENCH=bench_search
. "$top/scripts/bench_lib.sh"

[ -x "$TSEARCH" ] || { echo "bench_search: build $TSEARCH first (make tsearch)" >&2; exit 1; }
start() {	# N: sets T1 or T2
	"$TRACKER" ti.txt "$1" --db "t$1.db" --kdf-iter 1000 --log-keep "$KEEP" \
	    -q </dev/null 2>>"t$1.log" &
	eval "T$1=$!"
}

echo "== search: $NGROUPS groups of $NFILES files (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
"$TSEARCH" fill t1.db "$NGROUPS" "$NFILES"
"$TSEARCH" local t1.db

start 1
listening "$P1"
target=$(q t1.db 'SELECT seq FROM hwm WHERE origin = 1')
for _ in $(seq 600); do		# trimmed to KEEP within a few ticks
	[ "$(q t1.db 'SELECT count(*) FROM oplog')" -le "$KEEP" ] && break
	sleep 0.1
done
t0=$(now); start 2
listening "$P2"
seq2=0
for _ in $(seq 3000); do	# 0.1 s apart: at most 5 minutes
	seq2=$(q t2.db 'SELECT seq FROM hwm WHERE origin = 1')
	[ "${seq2:-0}" -ge "$target" ] && break
	sleep 0.1
done
if [ "${seq2:-0}" -lt "$target" ]; then
	echo "tracker 2 reached op ${seq2:-0} of $target: no figures from it"
	python3 "$top/tests/bench/search_remote.py" "$P1"
else
	echo "tracker 2 caught up ($target ops, by snapshot) in $(calc %.1f "$(now)-$t0") s"
	python3 "$top/tests/bench/search_remote.py" "$P1" "$P2"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 1 2; do
	w=$(grep -c ' warning: ' "t$n.log" || true)
	[ "$w" -eq 0 ] || echo "tracker $n warnings: $w, first: $(grep -m1 ' warning: ' "t$n.log")"
done
