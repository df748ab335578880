#!/usr/bin/env bash
# bench_folders.sh - how long a synced folder takes to carry a file to
# another, with the release build on loopback: two trackers, alice's
# client on tracker 1 and bob's on tracker 2, each syncing a folder with
# group g.  For each size (BENCH_SIZES, bytes; default 1 KB, 1 MiB,
# 16 MiB) and BENCH_RUNS runs (default 5): a new file moved into alice's
# folder (whole: a rename), and the time until bob's copy has its SHA1;
# then the same file changed in place, until bob has the new content.
# Prints the median and the range of each.  Every process started is
# stopped by its PID (lib.sh), the temp directory removed.  BENCH_BIN=DIR
# runs the tracker and client binaries in DIR instead (another build, for
# before/after figures).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(mktemp -d /tmp/p2p-benchbin.XXXXXX)
if [ -n "${BENCH_BIN:-}" ]; then
	ln -s "$BENCH_BIN/tracker" "$BIN/tracker"
	ln -s "$BENCH_BIN/client" "$BIN/client"
else
	ln -s "$top/tracker/tracker" "$BIN/tracker"
	ln -s "$top/client/client" "$BIN/client"
fi
export P2P_BIN=$BIN
. "$top/tests/integration/lib.sh"
trap 'cleanup; rm -rf "$BIN"' EXIT
SIZES=${BENCH_SIZES:-1000 1048576 16777216}
RUNS=${BENCH_RUNS:-5}

cluster 2
start_tracker 1
start_tracker 2
make_group g alice bob
I1=$(info_file i1 1)
I2=$(info_file i2 2)
A=$T/A/sync
B=$T/B/sync
mkdir -p "$A" "$B"
for who in a b; do
	mkfifo "$T/$who.in"
	port=$(free_ports 1)
	info=$I1; [ "$who" = b ] && info=$I2
	(cd "$T/${who^^}" && exec "$CLIENT" "127.0.0.1:$port" "$info") \
		<"$T/$who.in" >"$T/$who.out" 2>"$T/$who.err" &
	PIDS+=($!)
	(exec sleep 3600 >"$T/$who.in") &
	PIDS+=($!)
	printf -v "CHOLD_$who" %s "$!"
	wait_for 200 held "$who"
done
send a "login alice pw-alice" "sync_folder $A g"
send b "login bob pw-bob" "sync_folder $B g"
wait_for 200 has_line "$T/b.out" "syncing folder $B with group g" ||
	{ echo "bench_folders: no sync"; exit 1; }

now() { date +%s.%N; }
# arrived FILE SHA1
arrived() { [ -f "$1" ] && [ "$(sha1sum <"$1" | cut -d' ' -f1)" = "$2" ]; }
stats() { python3 -c '
import sys, statistics
v = sorted(float(x) for x in sys.argv[1:])
print("median %.2f s (%.2f-%.2f)" % (statistics.median(v), v[0], v[-1]))' "$@"; }

for size in $SIZES; do
	new=() chg=()
	for r in $(seq "$RUNS"); do
		f=f$size-$r.bin
		head -c "$size" /dev/urandom >"$T/$f"
		want=$(sha1sum <"$T/$f" | cut -d' ' -f1)
		t0=$(now)
		mv "$T/$f" "$A/$f"
		wait_for 2400 arrived "$B/$f" "$want" || { echo "timeout"; exit 1; }
		new+=("$(python3 -c "print($(now) - $t0)")")
		head -c "$size" /dev/urandom >"$T/$f.2"
		want=$(sha1sum <"$T/$f.2" | cut -d' ' -f1)
		t0=$(now)
		cp "$T/$f.2" "$A/$f"
		wait_for 2400 arrived "$B/$f" "$want" || { echo "timeout"; exit 1; }
		chg+=("$(python3 -c "print($(now) - $t0)")")
	done
	echo "size $size: new file $(stats "${new[@]}"); changed $(stats "${chg[@]}")"
done
