#!/usr/bin/env bash
# Tracker figures (issue 4 item 8), not pass/fail.  On loopback, with the
# release build and build/rel/bin/tload (make tload):
#   - reads/s: LIST_GROUPS answered per second with TLOAD_CONNS (1000)
#     clients logged in, TLOAD_WINDOW (4) requests in flight each (the
#     same list for all: answered from the last one while nothing
#     changed); then LIST_FILES of each client's own group, which the
#     tracker reads from its tables every time;
#   - mutations/s: CREATE_GROUPs acknowledged per second (each committed
#     to SQLite before its reply), same clients, as fast as they go
#     (saturation);
#   - replication lag: a group created on tracker 1, from its
#     acknowledgement until tracker 2 knows it: idle; at TLOAD_RATE
#     (10000) mutations/s offered over the same clients, the load the
#     target is stated at (0 skips it); and at saturation;
#   - catch-up: tracker 2 stopped, TLOAD_CATCHUP (100000) mutations on
#     tracker 1, tracker 2 started again: seconds until its high-water
#     mark for tracker 1 (hwm table, read with the sqlite3 CLI) reaches
#     tracker 1's own.
# Trackers run with --kdf-iter 1000 so 1000 logins are cheap; TLOAD_TRACKER
# names another tracker binary to measure (default tracker/tracker), and
# TLOAD_TRACKER_ARGS its extra options (default --max-groups-per-user
# 1000000: the quota checked at every CREATE_GROUP but never reached, as
# a probe client makes some 1,200 groups; "" for a build from before
# quotas).  The fill spreads over 200 clients, 500 groups each.
# Everything runs in a temp directory; every process started is stopped by
# its PID.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
TLOAD=$top/build/rel/bin/tload
TRACKER=${TLOAD_TRACKER:-$top/tracker/tracker}
TRACKER_ARGS=${TLOAD_TRACKER_ARGS---max-groups-per-user 1000000}
CONNS=${TLOAD_CONNS:-1000}
WINDOW=${TLOAD_WINDOW:-4}
READ_S=${TLOAD_READ_S:-10}
MUT_S=${TLOAD_MUT_S:-10}
RATE=${TLOAD_RATE:-10000}
CATCHUP=${TLOAD_CATCHUP:-100000}
BENCH=bench_tracker
. "$top/scripts/bench_lib.sh"
hwm() {	# db: tracker 1's high-water mark in it (0 if none yet)
	local v
	v=$(q "$1" 'SELECT seq FROM hwm WHERE origin=1')
	echo "${v:-0}"
}
stop() {	# pid
	kill "$1"
	wait "$1" || true
}

[ -x "$TLOAD" ] || { echo "bench_tracker: build $TLOAD first (make tload)" >&2; exit 1; }
start() {	# N: sets T1 or T2
	# shellcheck disable=SC2086 # TRACKER_ARGS: words
	"$TRACKER" ti.txt "$1" --db "t$1.db" --kdf-iter 1000 -q $TRACKER_ARGS \
	    </dev/null 2>>"t$1.log" &
	eval "T$1=$!"
}
start 1; start 2
listening "$P1"; listening "$P2"

echo "== tracker: $CONNS clients, $WINDOW requests in flight each (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
"$TLOAD" -c "$CONNS" -w "$WINDOW" -r "$READ_S" -m "$MUT_S" -R "$RATE" -F \
    load "127.0.0.1:$P1" "127.0.0.1:$P2"

# Catch-up: tracker 2 misses CATCHUP mutations, then comes back.
stop "$T2"; T2=
behind=$(hwm t2.db)
"$TLOAD" -c 200 -w 8 -p f fill "127.0.0.1:$P1" "$CATCHUP"
target=$(hwm t1.db)
t0=$(now); start 2
first= seq2=$behind
for _ in $(seq 3000); do	# 0.1 s apart: at most 5 minutes
	seq2=$(hwm t2.db)
	if [ -z "$first" ] && [ "$seq2" -gt "$behind" ]; then first=$(now); fi
	[ "$seq2" -ge "$target" ] && break
	sleep 0.1
done
t1=$(now)
if [ "$seq2" -lt "$target" ]; then
	echo "catch-up: tracker 2 reached op $seq2 of $target in $(calc %.1f "$t1-$t0") s: not all"
else
	echo "catch-up: tracker 2 restarted $((target - behind)) ops behind: first op applied after $(calc %.1f "$first-$t0") s, all after $(calc %.1f "$t1-$t0") s ($(calc %.0f "($target-$behind)/($t1-$first)") ops/s once streaming)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 1 2; do
	if [ -s "t$n.log" ]; then
		echo "tracker $n warnings: $(wc -l <"t$n.log") lines, first: $(head -1 "t$n.log")"
	fi
done
