# bench_lib.sh - what scripts/bench_tracker.sh and bench_snapshot.sh share:
# source it after setting BENCH (the script's name, for messages).  It
# makes a temp directory (in TBENCH_DIR, default /tmp) and cds there,
# stops trackers T1 and T2 by PID and removes the directory on exit, and
# writes ti.txt naming two free loopback ports, P1 and P2.
D=$(mktemp -d "${TBENCH_DIR:-/tmp}/p2p-$BENCH.XXXXXX")
# Files made here are the owner's alone: a tracker refuses a database
# others may read (bench_search.sh fills one with tsearch before it
# starts a tracker on it; under umask 022 the tracker would not start).
umask 077
T1= T2=
cleanup() {
	for p in $T1 $T2; do kill "$p" 2>/dev/null || true; done
	for p in $T1 $T2; do wait "$p" 2>/dev/null || true; done
	rm -rf "$D"
}
trap cleanup EXIT
cd "$D"
export P2PS_HOME="$D/home"	# clients remember the trackers' keys here
now() { date +%s.%N; }
calc() { python3 -c "import sys; print(sys.argv[1] % eval(sys.argv[2]))" "$@"; }
q() {	# db sql: one value, empty if unreadable
	sqlite3 -readonly -cmd '.timeout 2000' "$1" "$2" 2>/dev/null || true
}
listening() {	# port: up to 10 s
	for _ in $(seq 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "$BENCH: nothing listens on $1" >&2; exit 1
}
read -r P1 P2 < <(python3 -c '
import socket; s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]; print(" ".join(str(x.getsockname()[1]) for x in s))')
printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$P1" "$P2" >ti.txt
