#!/usr/bin/env bash
# Part of make bench (scripts/bench.sh): on loopback, with the release build,
#   - upload hashing of a BENCH_MB file (default 1024) beside openssl speed;
#   - download of that file from 1 and from 4 seeders: wall time from the
#     command to the renamed file, the downloader's CPU and peak RSS.
# Every link is TLS, unless P2PS_BENCH_PLAINTEXT is set (the benchmark-only
# switch: then every process runs in clear, for the comparison).
# Everything runs in a temp directory; every process started is stopped.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
MB=${BENCH_MB:-1024}
D=$(mktemp -d /tmp/p2p-bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$D"
}
trap cleanup EXIT
cd "$D"
export P2PS_HOME="$D/home"	# the trackers' keys are remembered here
now() { date +%s.%N; }
since() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)"; }
mibs() { python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$MB" "$1"; }
waitfor() {	# file pattern: up to 10 minutes
	for _ in $(seq 60000); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.01; done
	echo "bench: timed out waiting for '$2' in $1" >&2; exit 1
}

read -r TP P1 P2 P3 P4 PD < <(python3 -c '
import socket; s=[socket.socket() for _ in range(6)]
[x.bind(("127.0.0.1",0)) for x in s]; print(" ".join(str(x.getsockname()[1]) for x in s))')
SP=($P1 $P2 $P3 $P4)
echo "127.0.0.1:$TP" >ti.txt
"$top/tracker/tracker" ti.txt 1 --kdf-iter 1000 -q </dev/null 2>tracker.log & PIDS+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$TP) 2>/dev/null && break; sleep 0.05; done

echo "== $MB MiB of random bytes"
head -c $((MB * 1024 * 1024)) /dev/urandom >file.bin
# Written back, dropped and read again: in the page cache as a file read
# from disk is (in large folios, not the small ones writing left), for
# every run alike.
sync file.bin
python3 -c 'import os; fd = os.open("file.bin", os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)'
cat file.bin >/dev/null

declare -A FD
seeder() {	# i
	mkfifo "s$1.in"
	"$top/client/client" "127.0.0.1:${SP[$1]}" ti.txt <"s$1.in" >"s$1.out" 2>&1 & PIDS+=($!)
	exec {fd}>"s$1.in"; FD[$1]=$fd
}
say() { printf '%s\n' "$2" >&"${FD[$1]}"; }

seeder 0
say 0 "create_user s0 pw"; say 0 "login s0 pw"; say 0 "create_group bench"
say 0 "echo ready"; waitfor s0.out ready
# Timed alone: one client that logs in, hashes and registers the file,
# logs out and exits (nothing else polling meanwhile); then the seeder.
read -r PU < <(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'login s0 pw\nupload_file file.bin bench\n' |
	/usr/bin/time -f "%e %U %S" -o uptime.txt "$top/client/client" -v "127.0.0.1:$PU" ti.txt >up.out 2>up.err
grep -q '^sharing' up.out || { echo "bench: upload failed: $(cat up.out up.err)" >&2; exit 1; }
read -r t uu us <uptime.txt
ms=$(sed -n 's/.*hashed [0-9]* bytes in \([0-9]*\) ms/\1/p' up.err)
echo "upload_file hashing: $ms ms, $(mibs "$(python3 -c "print($ms / 1000)")") MiB/s (piece SHA1s and whole-file SHA1, two threads); the whole command, client start to exit: $t s, $(mibs "$t") MiB/s, CPU user ${uu}s sys ${us}s"
say 0 "upload_file file.bin bench"; waitfor s0.out "^sharing"
echo "openssl speed -evp sha1 (1 MiB blocks): $(openssl speed -evp sha1 -seconds 2 -bytes 1048576 2>/dev/null |
	awk '/^sha1/ {printf "%.0f MiB/s", $2 * 1000 / 1048576}')"

for i in 1 2 3; do
	seeder $i
	say $i "create_user s$i pw"; say $i "login s$i pw"; say $i "join_group bench"
	say $i "echo joined"; waitfor s$i.out joined
	say 0 "accept_request bench s$i"
done
say 0 "echo accepted"; waitfor s0.out accepted
for i in 1 2 3; do say $i "upload_file file.bin bench"; done
for i in 1 2 3; do waitfor s$i.out "^sharing"; done
for i in 1 2 3; do say $i "logout"; say $i "echo out"; waitfor s$i.out "^out"; done
printf 'create_user dl pw\nlogin dl pw\njoin_group bench\n' |
	"$top/client/client" "127.0.0.1:$PD" ti.txt >/dev/null
say 0 "accept_request bench dl"; say 0 "echo ok2"; waitfor s0.out ok2

download() {	# label
	rm -rf dl && mkdir dl
	local t0 t
	t0=$(now)
	printf 'login dl pw\ndownload_file bench file.bin dl\n' |
		/usr/bin/time -f "%U %S %M" -o time.txt "$top/client/client" "127.0.0.1:$PD" ti.txt >dl.out 2>dl.err
	t=$(since "$t0")
	cmp -s file.bin dl/file.bin || { echo "bench: downloaded file differs" >&2; exit 1; }
	read -r u s m <time.txt
	echo "download from $1: $t s, $(mibs "$t") MiB/s; downloader CPU user ${u}s sys ${s}s, peak RSS $((m / 1024)) MiB"
}
download "1 seeder"
download "1 seeder"
for i in 1 2 3; do say $i "login s$i pw"; say $i "echo in"; waitfor s$i.out "^in"; done
download "4 seeders"

