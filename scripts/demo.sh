#!/usr/bin/env bash
# make demo: two trackers and three clients on loopback play a scripted
# scenario, printing a transcript.  Everything runs in a temp directory
# and every process started is stopped at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d /tmp/p2p-demo.XXXXXX)
PIDS=()
declare -A FD
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$D"
}
trap cleanup EXIT
# Clients remember each tracker's key here (by default ~/.p2ps).
export P2PS_HOME="$D/home"

ports=$(python3 -c '
import socket; s=[socket.socket() for _ in range(5)]
[x.bind(("127.0.0.1",0)) for x in s]; print(" ".join(str(x.getsockname()[1]) for x in s))')
set -- $ports
T1=$1 T2=$2 PA=$3 PB=$4 PC=$5
printf '# demo cluster\n127.0.0.1:%s\n127.0.0.1 %s\n' "$T1" "$T2" >"$D/tracker_info.txt"

wait_port() {
	for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
	echo "demo: nothing listening on port $1" >&2; return 1
}
# Children must not hold the clients' fifos open, or those never see EOF.
close_fifos() { local f; for f in "${FD[@]}"; do eval "exec $f>&-"; done; }
start_tracker() {	# N
	mkdir -p "$D/t$1"; cp "$D/tracker_info.txt" "$D/t$1/"
	(close_fifos; cd "$D/t$1" && exec "$top/tracker/tracker" tracker_info.txt "$1" -q </dev/null >"$D/t$1/out" 2>"$D/t$1/log") &
	TP[$1]=$!; PIDS+=($!)
}
start_client() {	# name port
	mkfifo "$D/$1.in"
	(close_fifos; exec "$top/client/client" "127.0.0.1:$2" "$D/tracker_info.txt" \
		<"$D/$1.in" >"$D/$1.out" 2>&1) &
	PIDS+=($!)
	exec {fd}>"$D/$1.in"
	FD[$1]=$fd
	: >"$D/$1.seen"
}
# run NAME COMMAND: type a command into a client and show what it printed.
n=0
run() {
	local who=$1 cmd=$2 mark="--demo-mark-$((++n))--" out
	printf '\033[1m%-6s> %s\033[0m\n' "$who" "$cmd"
	printf '%s\necho %s\n' "$cmd" "$mark" >&"${FD[$who]}"
	for _ in $(seq 400); do grep -q -- "^$mark\$" "$D/$who.out" && break; sleep 0.025; done
	out=$(sed -n "$(($(wc -l <"$D/$who.seen") + 1)),\$p" "$D/$who.out")
	cp "$D/$who.out" "$D/$who.seen"
	printf '%s\n' "$out" | grep -v -- "^$mark\$" | sed 's/^/        /' || true
}
say() { printf '\n\033[36m## %s\033[0m\n' "$*"; }

say "Two trackers start, each in its own directory (ports $T1, $T2)"
start_tracker 1; start_tracker 2; wait_port "$T1"; wait_port "$T2"
for i in 1 2; do for _ in $(seq 100); do [ -s "$D/t$i/out" ] && break; sleep 0.05; done; done
cat "$D/t1/out" "$D/t2/out" | sed 's/^/        /'
echo "        (each made its key at first start: t1/tracker1.key, mode $(stat -c %a "$D/t1/tracker1.key"))"
start_client alice "$PA"; start_client bob "$PB"; start_client carol "$PC"

say "Accounts"
run alice "create_user alice wonderland"
run bob   "create_user bob builder"
run carol "create_user carol \"two words\""
run carol "create_user alice again"
run alice "login alice wonderland"
run bob   "login bob wrong"
run bob   "login bob builder"
run carol "login carol \"two words\""

say "Groups and join requests"
run alice "create_group movies"
run alice "create_group music"
run bob   "join_group movies"
run carol "join_group movies"
run carol "list_requests movies"
run alice "list_requests movies"
run alice "accept_request movies bob"
run alice "reject_request movies carol"
run alice "list_requests movies"
run carol "list_groups"

say "The owner leaves: the earliest accepted member (bob) takes over"
run alice "leave_group movies"
run carol "join_group movies"
run bob   "list_requests movies"
run alice "list_requests movies"

say "A tracker restart loses nothing: stop tracker 1 (SIGTERM) and start it again"
kill -TERM "${TP[1]}"; wait "${TP[1]}" && echo "        tracker 1 exited with status 0"
start_tracker 1; wait_port "$T1"
run bob   "list_groups"
run bob   "accept_request movies carol"
run carol "leave_group movies"
run bob   "leave_group movies"
run carol "list_groups"

say "Sharing: alice (owner of music) lets bob and carol in; alice and bob share a file"
head -c $((24 * 1024 * 1024 + 12345)) /dev/urandom >"$D/concert.flac"
run bob   "join_group music"
run alice "accept_request music bob"
run carol "join_group music"
run alice "accept_request music carol"
run alice "upload_file $D/concert.flac music"
run bob   "upload_file $D/concert.flac music"
run carol "list_files music"

say "carol downloads: pieces come from alice and bob at once, each checked"
mkdir -p "$D/carol"
rchar() { awk '/^rchar/ {print $2}' "/proc/$1/io"; }
a0=$(rchar "${PIDS[2]}"); b0=$(rchar "${PIDS[3]}")
run carol "download_file music concert.flac $D/carol"
for _ in $(seq 800); do [ -f "$D/carol/concert.flac" ] && break; sleep 0.025; done
run carol "show_downloads"
printf '        alice served %d KiB, bob served %d KiB\n' \
	$((($(rchar "${PIDS[2]}") - a0) / 1024)) $((($(rchar "${PIDS[3]}") - b0) / 1024))
printf '        sha1 of the original:   %s\n        sha1 of carol'"'"'s copy: %s\n' \
	"$(sha1sum <"$D/concert.flac" | cut -c1-40)" "$(sha1sum <"$D/carol/concert.flac" | cut -c1-40)"
cmp -s "$D/concert.flac" "$D/carol/concert.flac" && echo "        identical"

say "Every link was TLS; the clients remembered the trackers' keys on first contact"
sed 's/^/        /' "$P2PS_HOME/known_trackers"

say "Done: each client logs out at the end of its input"
close_fifos
for i in 2 3 4; do
	wait "${PIDS[$i]}" && st=0 || st=$?
	echo "        client $((i - 1)) exited with status $st (1: a command above failed, on purpose)"
done
kill -TERM "${TP[1]}" "${TP[2]}"; wait "${TP[1]}" "${TP[2]}"
echo "        trackers stopped"
echo "demo finished"
