#!/usr/bin/env bash
# bench_bigswarm.sh: a big swarm on one machine (issue 13 item 5).  One
# tracker (127.0.0.1), one seeder (127.0.0.2) and BIG_N (63) downloaders,
# each client listening on a loopback address of its own (127.0.0.3 and
# up), all in this process tree; one random BIG_MB (16) MiB file; the
# downloaders log in, then are all told at once to download it.  No rate
# limits; the release build.  Prints figures, not pass/fail: the time to
# the last completion (and the first and median), each client's peak RSS
# (VmHWM from /proc, read before it exits) with max / median / min, and
# the largest tracker replies seen by a prober that, while the swarm
# runs and once more at the end, asks the tracker for the file
# (FILE_INFO: metadata and sources) and for its sources alone (SOURCES,
# as a downloader's refresh); then every copy is compared with cmp.
# Target (the issue's): all complete, every RSS under 32 MiB, and replies
# bounded whatever the swarm's size (WIRE_SOURCES_MAX sources).
# The downloaders and the prober are scripts/bench_bigswarm.py.
#
# BIG_BIN names another build's top directory, to compare (with
# BIG_WIRE_VERSION=3 for one from before SOURCES: then FILE_INFO only).  BIG_TIMEOUT (600) seconds for the
# downloads.  Every process started is stopped by its PID; the temp
# directory is removed (BIG_KEEP=1 keeps it, and says where).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIG_BIN:-$top}
N=${BIG_N:-63}
MB=${BIG_MB:-16}
TIMEOUT=${BIG_TIMEOUT:-600}
[ "$N" -ge 1 ] && [ "$N" -le 250 ] || { echo "BIG_N: 1..250" >&2; exit 2; }
D=$(mktemp -d /tmp/p2p-bigswarm.XXXXXX)
PIDS=()
cleanup() {
	# The downloaders' launcher first: it stops its clients by PID.
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill "${PIDS[$i]}" 2>/dev/null || true
		wait "${PIDS[$i]}" 2>/dev/null || true
	done
	if [ "${BIG_KEEP:-0}" = 1 ]; then echo "kept $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT
export P2PS_HOME=$D/home
cd "$D"
head -c $((MB * 1024 * 1024)) /dev/urandom >f.bin

# A free port on each address: 127.0.0.1 the tracker, .2 the seeder,
# .3 and up the downloaders, the last one the prober's (a client there
# joins the group for it; the prober itself serves nothing).
mapfile -t PORT < <(python3 - "$N" <<'PY'
import socket, sys
n = int(sys.argv[1])
keep = []
for i in range(1, n + 4):
    s = socket.socket()
    s.bind(("127.0.0.%d" % i, 0))
    keep.append(s)
    print(s.getsockname()[1])
PY
)
addr() { echo "127.0.0.$(($1 + 1)):${PORT[$1]}"; }	# 0 tracker, 1 seeder
addr 0 >ti.txt
wait_for() {	# file pattern tries: grep with a bounded wait (tries x 50 ms)
	for _ in $(seq "$3"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "bench_bigswarm: no '$2' in $1" >&2; exit 1
}

"$BIN/tracker/tracker" ti.txt 1 --kdf-iter 1000 -q </dev/null >t.out 2>t.log &
TP=$!
PIDS+=($TP)
for _ in $(seq 200); do
	(exec 3<>"/dev/tcp/127.0.0.1/${PORT[0]}") 2>/dev/null && break
	sleep 0.05
done

# The seeder: makes every account and the group, accepts the joins,
# shares the file.  Its input (a FIFO) stays open until the end.
mkfifo s.in
"$BIN/client/client" "$(addr 1)" ti.txt <s.in >s.out 2>s.err &
SP=$!
PIDS+=($SP)
exec 7>s.in
{ printf 'create_user s p\nlogin s p\ncreate_group g\ncreate_user probe p\n'
  for i in $(seq "$N"); do printf 'create_user u%s p\n' "$i"; done
  printf 'echo accounts done\n'; } >&7
wait_for s.out '^accounts done' 400
# Every downloader (and the prober) asks to join: 8 at a time.
join() {	# i user
	printf 'login %s p\njoin_group g\n' "$2" | "$BIN/client/client" \
	    "127.0.0.$(($1 + 1)):${PORT[$1]}" ti.txt 7>&- >/dev/null 2>"j$1.err" ||
	    { echo "bench_bigswarm: $2 could not join:" >&2; cat "j$1.err" >&2; exit 1; }
}
J=()
for i in $(seq "$N"); do
	join $((i + 1)) "u$i" &
	J+=($!)
	if [ ${#J[@]} -eq 8 ]; then wait "${J[@]}"; J=(); fi
done
join $((N + 2)) probe &
J+=($!)
wait "${J[@]}"
{ for i in $(seq "$N"); do printf 'accept_request g u%s\n' "$i"; done
  printf 'accept_request g probe\nupload_file %s/f.bin g\n' "$D"; } >&7
wait_for s.out '^sharing' 1200

A=()
for i in $(seq "$N"); do A+=("$(addr $((i + 1)))"); done
python3 "$top/scripts/bench_bigswarm.py" "$top" "$BIN" "${PORT[0]}" "$SP" \
    "$TP" "$TIMEOUT" "${A[@]}" 7>&- >w.out &
PIDS+=($!)
wait $!

python3 - "$N" "$MB" "$SP" "$TP" <<'PY'
import statistics, sys
n, mb, sp, tp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
w = {}
for line in open("w.out"):
    k, _, v = line.rstrip("\n").partition(" ")
    w.setdefault(k, []).append(v)
done = [float(x.split(":")[1]) for x in w["done"][0].split()]
hwm = [tuple(x.split(":")) for x in w["hwm"][0].split()]
cl = [int(k) for p, k in hwm if p != tp]
ts = sorted(done)
print("== big swarm on loopback: 1 tracker, 1 seeder, %d downloaders "
      "(%d clients, each on its own 127.0.0.X), %d MiB, no limits"
      % (n, n + 1, mb))
if ts:
    print("complete: %d of %d; first %.1f s, median %.1f s, last %.1f s"
          % (len(ts), n, ts[0], statistics.median(ts), ts[-1]))
else:
    print("complete: 0 of %d" % n)
mib = lambda k: k / 1024.0
print("peak RSS (VmHWM) of the %d clients: max %.1f MiB, median %.1f MiB, "
      "min %.1f MiB; the seeder's %.1f MiB; %d at 32 MiB or over; the "
      "tracker's %.1f MiB"
      % (len(cl), mib(max(cl)), mib(statistics.median(cl)), mib(min(cl)),
         mib(int(dict(hwm)[sp])), sum(1 for v in cl if v >= 32 * 1024),
         mib(int(dict(hwm)[tp]))))
print("each, MiB (seeder first): " + " ".join("%.1f" % mib(v) for v in cl))
for r in w.get("reply", []):
    name, size, srcs = r.split()
    print("largest %s reply: %s bytes, %s sources (%d clients share the "
          "file at the end)" % (name, size, srcs, n + 1))
PY
bad=0
for i in $(seq "$N"); do
	cmp -s f.bin "d$i/f.bin" || { echo "  downloader $i: file differs or missing"; bad=$((bad + 1)); }
done
echo "copies compared with cmp: $((N - bad)) of $N identical"
exec 7>&-
# The seeder logs out and exits at the end of its input (bounded wait),
# before the cleanup stops the tracker.
for _ in $(seq 200); do kill -0 "$SP" 2>/dev/null || break; sleep 0.05; done
