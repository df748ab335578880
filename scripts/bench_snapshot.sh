#!/usr/bin/env bash
# Snapshot catch-up (issue 4 item 4), figures, not pass/fail.  Two
# trackers with --log-keep SNAP_KEEP (1000); tracker 2 is down while
# tracker 1 takes SNAP_OPS (200000) CREATE_GROUPs from 100 clients
# (build/rel/bin/tload fill), so tracker 1's log is trimmed to its bound
# and tracker 2 can only catch up by a snapshot.  Prints: tracker 1's log
# rows and database size after the fill; then, tracker 2 started: seconds
# until its high-water mark for tracker 1 reaches tracker 1's own (read
# with the sqlite3 CLI), the snapshot's rows, and each tracker's peak RSS.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
TLOAD=$top/build/rel/bin/tload
TRACKER=${SNAP_TRACKER:-$top/tracker/tracker}
OPS=${SNAP_OPS:-200000}
KEEP=${SNAP_KEEP:-1000}
BENCH=bench_snapshot
. "$top/scripts/bench_lib.sh"
rss() { awk '/^VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$1/status"; }

[ -x "$TLOAD" ] || { echo "bench_snapshot: build $TLOAD first (make tload)" >&2; exit 1; }
start() {	# N: sets T1 or T2
	"$TRACKER" ti.txt "$1" --db "t$1.db" --kdf-iter 1000 --log-keep "$KEEP" \
	    </dev/null 2>>"t$1.log" &
	eval "T$1=$!"
}

echo "== snapshot catch-up: $OPS mutations, logs kept to $KEEP ops"
start 1
listening "$P1"
"$TLOAD" -c 100 -w 16 -p s fill "127.0.0.1:$P1" "$OPS"
target=$(q t1.db 'SELECT seq FROM hwm WHERE origin = 1')
for _ in $(seq 300); do		# trimmed within a few ticks
	[ "$(q t1.db 'SELECT count(*) FROM oplog')" -le "$KEEP" ] && break
	sleep 0.1
done
echo "tracker 1 after the fill: $target ops made, $(q t1.db 'SELECT count(*) FROM oplog') in its log, database $(du -k t1.db | cut -f1) KiB (+ WAL $(du -k t1.db-wal 2>/dev/null | cut -f1) KiB)"
t0=$(now); start 2
seq2=0
for _ in $(seq 3000); do	# 0.1 s apart: at most 5 minutes
	seq2=$(q t2.db 'SELECT seq FROM hwm WHERE origin = 1')
	[ "${seq2:-0}" -ge "$target" ] && break
	sleep 0.1
done
t1=$(now)
rows=$(grep -o 'snapshot sent, [0-9]* rows' t1.log | tail -1 | grep -o '[0-9]*' || echo '?')
if [ "${seq2:-0}" -lt "$target" ]; then
	echo "snapshot catch-up: tracker 2 reached op ${seq2:-0} of $target in $(calc %.1f "$t1-$t0") s: not all"
else
	echo "snapshot catch-up: tracker 2 started $target ops behind, caught up in $(calc %.2f "$t1-$t0") s by a snapshot of $rows rows; peak RSS tracker 1 $(rss "$T1"), tracker 2 $(rss "$T2")"
fi
for n in 1 2; do
	w=$(grep -c ' warning: ' "t$n.log" || true)
	[ "$w" -eq 0 ] || echo "tracker $n warnings: $w, first: $(grep -m1 ' warning: ' "t$n.log")"
done
