#!/usr/bin/env bash
# bench_swarm_lo.sh [N...]: a swarm on loopback, scarce uplinks made with
# the clients' own limits (every client --up-limit UP, downloaders also
# --down-limit DOWN; defaults 2.5M and 12.5M: 20 and 100 Mbit/s).  One
# seeder, N downloaders (default 4 8 16) started together on one random
# SWARM_MB (64) MiB file.  Prints each downloader's time, the last, the
# bound T_min = max(F/u_seed, N*F/(u_seed + N*u)) with u the payload rate
# (the limit counts 4.7% of TCP/IP overhead), their ratio, and the copies
# of the file the seeder wrote (wchar in /proc).  The network lab's
# bench measures the same from outside; this one needs no root.
# SWARM_BIN names another build's top directory (to compare).  Every
# process started is stopped by its PID; the temp directory is removed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SWARM_BIN:-$top}
MB=${SWARM_MB:-64}
UP=${UP:-2.5M}
DOWN=${DOWN:-12.5M}
D=$(mktemp -d /tmp/p2p-swarm.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$D"
}
trap cleanup EXIT
export P2PS_HOME=$D/home
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
head -c $((MB * 1024 * 1024)) /dev/urandom >"$D/f.bin"

RUNS=0
run() {	# N
	local n=$1 r i p t0 base sp
	RUNS=$((RUNS + 1))
	r=$D/run$RUNS
	mkdir -p "$r"
	echo "127.0.0.1:$(free_port)" >"$r/ti.txt"
	(cd "$r" && exec "$BIN/tracker/tracker" ti.txt 1 --kdf-iter 1000 -q \
	    </dev/null >/dev/null 2>t.log) &
	PIDS+=($!)
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$(cut -d: -f2 "$r/ti.txt")") 2>/dev/null && break
		sleep 0.05
	done
	base=$((20000 + RANDOM % 30000))
	mkfifo "$r/s.in"
	sleep 3600 >"$r/s.in" &
	PIDS+=($!)
	"$BIN/client/client" "127.0.0.1:$base" "$r/ti.txt" --up-limit "$UP" \
	    <"$r/s.in" >"$r/s.out" 2>"$r/s.err" &
	sp=$!
	PIDS+=($sp)
	exec 7>"$r/s.in"
	{ printf 'create_user s p\nlogin s p\ncreate_group g\n'
	  for i in $(seq "$n"); do printf 'create_user u%s p\n' "$i"; done; } >&7
	for _ in $(seq 100); do grep -q '^group g created' "$r/s.out" && break; sleep 0.05; done
	for i in $(seq "$n"); do
		printf 'login u%s p\njoin_group g\n' "$i" | "$BIN/client/client" \
		    "127.0.0.1:$((base + i))" "$r/ti.txt" >/dev/null 2>&1
		printf 'accept_request g u%s\n' "$i" >&7
	done
	printf 'upload_file %s g\n' "$D/f.bin" >&7
	for _ in $(seq 600); do grep -q '^sharing' "$r/s.out" && break; sleep 0.05; done
	t0=$(date +%s.%N)
	local dl=()
	for i in $(seq "$n"); do
		mkdir -p "$r/d$i"
		( printf 'login u%s p\ndownload_file g f.bin %s\n' "$i" "$r/d$i" |
		    "$BIN/client/client" "127.0.0.1:$((base + i))" "$r/ti.txt" \
		    --up-limit "$UP" --down-limit "$DOWN" >"$r/o$i" 2>&1 ||
		    echo "$?" >"$r/x$i"
		  date +%s.%N >"$r/t$i" ) &
		dl+=($!)
	done
	for p in "${dl[@]}"; do wait "$p"; done
	# A downloader that failed is said, with its last lines, not fatal.
	for i in $(seq "$n"); do
		[ -e "$r/x$i" ] || continue
		echo "  downloader $i exited $(cat "$r/x$i"): $(tail -3 "$r/o$i" | tr '\n' ' ')"
	done
	python3 - "$t0" "$n" "$MB" "$UP" "$(awk '/^wchar/ {print $2}' "/proc/$sp/io")" "$r" <<'PY'
import sys
t0, n, mb, up, wchar, r = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6]
mul = {"k": 1e3, "K": 1e3, "M": 1e6, "m": 1e6}
u = (float(up[:-1]) * mul[up[-1]] if up[-1] in mul else float(up)) / 1.047
F = mb * 1024 * 1024
tmin = max(F / u, n * F / (u + n * u))
ts = sorted(float(open("%s/t%d" % (r, i)).read()) - t0 for i in range(1, n + 1))
print("N=%-2d %d MiB, up %s: last %.1f s, T_min %.1f s, T/T_min %.2f, seeder %.2f copies; each: %s"
      % (n, mb, up, ts[-1], tmin, ts[-1] / tmin, wchar / F, " ".join("%.1f" % t for t in ts)))
PY
	for i in $(seq "$n"); do
		cmp -s "$D/f.bin" "$r/d$i/f.bin" || echo "  downloader $i: file differs or missing"
	done
	exec 7>&-
	kill "$sp" 2>/dev/null || true
}

echo "== swarm on loopback: 1 seeder, N downloaders, up $UP, down $DOWN, $MB MiB"
[ $# -gt 0 ] || set -- 4 8 16
for n in "$@"; do run "$n"; done
