# lib.sh - helpers for integration tests: real binaries on 127.0.0.1.
#
# Source it from a t_*.sh script.  Every test gets its own temp directory
# and free ports; every process started is recorded by PID and killed on
# exit.  Assertions print "PASS: name" or "FAIL: name" (counted by
# scripts/runtests.sh).  Waits poll a condition with a bounded number of
# tries; nothing sleeps in place of waiting for something.
#
# Binaries come from $P2P_BIN (the sanitized build under make test).

set -u
: "${P2P_BIN:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/asan/bin}"
TRACKER=$P2P_BIN/tracker
CLIENT=$P2P_BIN/client
T=$(mktemp -d /tmp/p2p-test.XXXXXX)
# Clients remember trackers' keys in $P2PS_HOME/known_trackers: one for
# the test, never the real home (cluster, called again, starts another).
export P2PS_HOME=$T/home
# The Python tools of a test (wireproto.py) are one peer: one key, shared
# by every process (a session is bound to the key that logged in, a peer
# ticket to the key that asked for it).
export WIREPROTO_KEYDIR=$T/wpkey
PIDS=()
FAILS=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ "$FAILS" -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$T"; else echo "kept $T"; fi
}
trap cleanup EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; FAILS=$((FAILS + 1)); }
# check NAME COMMAND...: pass if the command succeeds.
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n"; fi; }
# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else
		fail "$1"; printf '  expected: %q\n  actual:   %q\n' "$2" "$3"; fi
}

# free_ports N: print N distinct free TCP ports on 127.0.0.1.
free_ports() {
	python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# wait_for TRIES CMD...: retry CMD every 50 ms, at most TRIES times.
wait_for() {
	local n=$1 i; shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.05; done
	return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# cluster N: write $T/tracker_info.txt with N trackers on free ports.
# Called again, it is a new cluster of new trackers (new keys): clients
# get a new P2PS_HOME, so no pin of the old ones (on a port that may come
# again) stands in their way.
NCLUSTER=0
cluster() {
	local ports p
	NCLUSTER=$((NCLUSTER + 1))
	[ "$NCLUSTER" -eq 1 ] || export P2PS_HOME=$T/home$NCLUSTER
	ports=$(free_ports "$1")
	TPORTS=($ports)
	: >"$T/tracker_info.txt"
	for p in $ports; do echo "127.0.0.1:$p" >>"$T/tracker_info.txt"; done
}

# start_tracker_in DIR N [args...]: run tracker N with DIR as its
# directory (its database and key; stdin /dev/null); its PID in LAST_TPID.
start_tracker_in() {
	local dir=$1 n=$2; shift 2
	mkdir -p "$dir"
	cp "$T/tracker_info.txt" "$dir/"
	(cd "$dir" && exec "$TRACKER" tracker_info.txt "$n" --kdf-iter 1000 "$@" \
		</dev/null >>"$dir/out.log" 2>>"$dir/err.log") &
	LAST_TPID=$!
	PIDS+=($!)
	wait_for 200 port_open "${TPORTS[$((n - 1))]}" ||
		{ fail "tracker $n starts in $dir"; cat "$dir/err.log"; exit 1; }
}

# start_tracker N [args...]: run tracker N in $T/tN.
start_tracker() {
	start_tracker_in "$T/t$1" "$@"
	TPID[$1]=$LAST_TPID
}

# dir_fp DIR: the identity the tracker run in DIR printed at start.
dir_fp() { sed -n 's/^tracker [0-9]* identity //p' "$1/out.log" | tail -1; }
# tracker_fp N: the identity tracker N printed at start (SHA256:...).
tracker_fp() { dir_fp "$T/t$1"; }

# stop_tracker N: SIGTERM, and the exit status must be 0.
stop_tracker() {
	local rc
	kill -TERM "${TPID[$1]}"
	wait "${TPID[$1]}"; rc=$?
	[ "$rc" -eq 0 ] || { echo "tracker $1 exited $rc"; tail -20 "$T/t$1/err.log"; }
	return "$rc"
}

# run_client NAME [tracker_info] < script: run a client to the end of its
# input; stdout in $T/NAME.out, stderr in $T/NAME.err, status in RC.
run_client() {
	local name=$1 info=${2:-$T/tracker_info.txt} port
	port=$(free_ports 1)
	timeout 60 "$CLIENT" "127.0.0.1:$port" "$info" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
}
out() { cat "$T/$1.out"; }
err() { cat "$T/$1.err"; }

# start_client NAME [tracker_info] [PORT]: a client that stays up, reading its
# commands from the fifo $T/NAME.in (fed by send); stdout in $T/NAME.out,
# stderr in $T/NAME.err, PID in CPID_NAME.  NAME must be an identifier.
# A sleep holds the fifo open for writing (so no fd of this shell leaks
# into processes started later); end_client ends it to close the input.
start_client() {
	local name=$1 info=${2:-$T/tracker_info.txt} port=${3:-}
	[ -n "$port" ] || port=$(free_ports 1)
	mkfifo "$T/$name.in"
	"$CLIENT" "127.0.0.1:$port" "$info" <"$T/$name.in" \
		>"$T/$name.out" 2>"$T/$name.err" &
	client_started "$name"
}
# client_started NAME: the client just started in the background ($!) is
# NAME's: its PID in CPID_NAME, and its fifo held open.
client_started() {
	local name=$1
	PIDS+=($!)
	printf -v "CPID_$name" %s "$!"
	(exec sleep 3600 >"$T/$name.in") &
	PIDS+=($!)
	printf -v "CHOLD_$name" %s "$!"
	# Until the holder has the fifo open, a send could be its only
	# writer, and the client would read end of input after it.
	wait_for 200 held "$name" || fail "client $name: input held open"
}
# send NAME LINE...: write each LINE to the client's standard input.
send() {
	local f=$T/$1.in; shift
	printf '%s\n' "$@" >>"$f"
}
# end_client NAME: close the client's input, wait for it; status in RC.
end_client() {
	local pid_var="CPID_$1" hold_var="CHOLD_$1"
	kill "${!hold_var}" 2>/dev/null; wait "${!hold_var}" 2>/dev/null
	wait_for 400 exited "${!pid_var}" || kill -9 "${!pid_var}"
	wait "${!pid_var}"; RC=$?
}
# exited PID: the process is gone or a zombie (waiting to be reaped).
exited() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "${st:0:1}" = Z ] || [ -z "$st" ]
}
# has_line FILE LINE: FILE holds LINE as a whole line.
has_line() { grep -qxF -- "$2" "$1" 2>/dev/null; }
# nlines FILE N: FILE has at least N lines.
nlines() { [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ]; }

# --- helpers for the file-sharing tests (t_share_*.sh) ---

# make_group GROUP OWNER [MEMBER...]: create the users (password
# pw-<user>), OWNER creates GROUP, every MEMBER joins and is accepted.
make_group() {
	local g=$1 owner=$2 u s; shift 2
	s="create_user $owner pw-$owner"
	for u in "$@"; do s+=$'\n'"create_user $u pw-$u"; done
	s+=$'\n'"login $owner pw-$owner"$'\n'"create_group $g"$'\n'"logout"
	for u in "$@"; do
		s+=$'\n'"login $u pw-$u"$'\n'"join_group $g"$'\n'"logout"
	done
	s+=$'\n'"login $owner pw-$owner"
	for u in "$@"; do s+=$'\n'"accept_request $g $u"; done
	run_client "mkgroup-$g" <<<"$s"
	[ "$RC" -eq 0 ] || { fail "make_group $g"; err "mkgroup-$g"; }
}
# randfile PATH SIZE: a file of SIZE random bytes.
randfile() { head -c "$2" /dev/urandom >"$1"; }

# small_disk MIB: a tmpfs of MIB MiB mounted at D=$T/disk, unmounted at
# exit; where none can be mounted the script says SKIP and ends.
small_disk() {
	D=$T/disk
	mkdir -p "$D"
	mount -t tmpfs -o size="$1"m tmpfs "$D" 2>/dev/null ||
		{ echo "SKIP: cannot mount a tmpfs here"; exit 0; }
	trap 'umount "$D" 2>/dev/null; cleanup' EXIT
}
# tty_client RCFILE: a client of the cluster on a terminal (a tmux
# session of 160x50 on the server TMX, driven by "${TMX[@]}" send-keys),
# its exit status written to RCFILE when it ends; screen, last_is LINE
# (the last non-blank line) and screen_has ERE read what it shows.
tty_client() {
	local port
	TMX=(tmux -L "p2p-$$" -f /dev/null)
	port=$(free_ports 1)
	"${TMX[@]}" new-session -d -x 160 -y 50 \
		"$CLIENT 127.0.0.1:$port $T/tracker_info.txt; echo \$? >$1; sleep 30" &&
		PIDS+=($("${TMX[@]}" display-message -p '#{pid}'))
}
screen() { "${TMX[@]}" capture-pane -p; }
last_is() { [ "$(screen | sed '/^$/d' | tail -n 1)" = "$1" ]; }
screen_has() { screen | grep -qE -- "$1"; }
# sha1_of FILE: the file's SHA1 in hex.
sha1_of() { sha1sum "$1" | cut -d' ' -f1; }
# client_pid NAME / client_port NAME: a long-running client's PID, and
# the TCP port it listens on for peers.
client_pid() { local v="CPID_$1"; echo "${!v}"; }
client_port() {
	tr '\0' '\n' <"/proc/$(client_pid "$1")/cmdline" | sed -n '2s/.*://p'
}
# rchar PID: bytes the process has read so far (read(2), sendfile(2)...).
rchar() { awk '/^rchar:/ {print $2}' "/proc/$1/io"; }
# has_prefix FILE PREFIX: some line of FILE starts with PREFIX.
has_prefix() {
	awk -v p="$2" 'index($0, p) == 1 { f = 1 } END { exit !f }' "$1" \
		2>/dev/null
}
# sent_has NAME CMD PREFIX: send CMD to the long-running client NAME and
# tell whether its output so far has a line starting with PREFIX (meant
# for wait_for: each try sends CMD again).
sent_has() { send "$1" "$2"; has_prefix "$T/$1.out" "$3"; }
# reap PID: wait for a process started here that was killed.
reap() { { wait "$1"; } 2>/dev/null; true; }
# peer_ticket PEERPORT USER GROUP NAME: the ticket (hex) the tracker hands
# USER (password pw-USER) for asking the peer on PEERPORT for the file.
peer_ticket() {
	(cd "$(dirname "${BASH_SOURCE[0]}")" && python3 -c "
import wireproto as wp
t = wp.tickets(${TPORTS[0]}, '$2', 'pw-$2', '$3', '$4')
print(t.get('127.0.0.1:$1', b'').hex())")
}

# --- helpers for the cluster tests (t_cluster_*.sh) ---

# start_ctl_tracker N [args...]: as start_tracker, but standard input is
# the fifo $T/tN/ctl (fed by tracker_cmd), held open by a sleep, so the
# test can send it the switches "cut" and "heal".  Started again after a
# kill, it reuses the fifo and its holder.
start_ctl_tracker() {
	local n=$1; shift
	mkdir -p "$T/t$n"
	cp "$T/tracker_info.txt" "$T/t$n/"
	if [ ! -p "$T/t$n/ctl" ]; then
		mkfifo "$T/t$n/ctl"
		(exec sleep 3600 <>"$T/t$n/ctl") &
		PIDS+=($!)
	fi
	(cd "$T/t$n" && exec "$TRACKER" tracker_info.txt "$n" --kdf-iter 1000 "$@" \
		<"$T/t$n/ctl" >>"$T/t$n/out.log" 2>>"$T/t$n/err.log") &
	TPID[$n]=$!
	PIDS+=($!)
	wait_for 200 port_open "${TPORTS[$((n - 1))]}" ||
		{ fail "tracker $n starts"; cat "$T/t$n/err.log"; exit 1; }
}
# tracker_cmd N LINE: write LINE to the standard input of tracker N
# (started with start_ctl_tracker).
tracker_cmd() { printf '%s\n' "$2" >>"$T/t$1/ctl"; }
# crash_tracker N: SIGKILL tracker N and reap it.
crash_tracker() {
	kill -9 "${TPID[$1]}" 2>/dev/null
	wait "${TPID[$1]}" 2>/dev/null
	true
}
# tracker_db N: the database file of tracker N (the default name).
tracker_db() { echo "$T/t$1/tracker$1.db"; }
# info_file NAME N...: write $T/NAME naming trackers N... in that order;
# print its path.
info_file() {
	local f=$T/$1 n; shift
	: >"$f"
	for n in "$@"; do echo "127.0.0.1:${TPORTS[$((n - 1))]}" >>"$f"; done
	echo "$f"
}
# sync_log_has N TEXT: tracker N's log has a line containing TEXT.
sync_log_has() { grep -qF -- "$2" "$T/t$1/err.log" 2>/dev/null; }
# converged NAME N...: the databases of trackers N... hold the same
# logical state within 20 s (tests/integration/cluster_check.py); the
# checker's report is in $T/NAME.check.
converged() {
	local name=$1 n dbs=(); shift
	for n in "$@"; do dbs+=("$(tracker_db "$n")"); done
	python3 "$(dirname "${BASH_SOURCE[0]}")/cluster_check.py" --wait 20 \
		"${dbs[@]}" >"$T/$name.check" 2>&1
}
# check_converged NAME N...: converged as an assertion; on failure the
# checker's diff is printed.
check_converged() {
	local name=$1; shift
	if converged "$name" "$@"; then
		pass "$name: $(tail -1 "$T/$name.check")"
		grep '^note: ' "$T/$name.check" | sed 's/^/  /'
	else
		fail "$name"; sed 's/^/  /' "$T/$name.check" | head -60
	fi
}
# bg_client NAME [tracker_info] < script: run_client in the background;
# its status goes to $T/NAME.rc.  wait_bg waits for every bg_client.
BG=()
bg_client() {
	# (an explicit <&0: a background command's input is /dev/null else)
	(run_client "$@"; echo "$RC" >"$T/$1.rc") <&0 &
	BG+=($!)
	PIDS+=($!)
}
wait_bg() {
	local p
	for p in "${BG[@]}"; do wait "$p"; done
	BG=()
}
rc_of() { cat "$T/$1.rc" 2>/dev/null; }
# db_count N SQL: run a counting query on tracker N's database (read-only).
db_count() {
	python3 - "$(tracker_db "$1")" "$2" <<'PY' 2>/dev/null
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=5)
print(db.execute(sys.argv[2]).fetchone()[0])
PY
}
# check_facts NAME FILE N...: every fact of FILE (see cluster_check.py
# --expect) is held by the databases of trackers N...
check_facts() {
	local name=$1 facts=$2 n dbs=(); shift 2
	for n in "$@"; do dbs+=("$(tracker_db "$n")"); done
	if python3 "$(dirname "${BASH_SOURCE[0]}")/cluster_check.py" \
		--expect "$facts" "${dbs[@]}" >"$T/$name.facts" 2>&1; then
		pass "$name: $(tail -1 "$T/$name.facts")"
	else
		fail "$name"; sed 's/^/  /' "$T/$name.facts" | head -45
	fi
}
# held NAME: the fifo holder of start_client NAME has the fifo open (it
# runs sleep now).  Until then a send may be the fifo's only writer, and
# the client would take the end of that send for the end of its input.
held() { local v="CHOLD_$1"; [ "$(cat "/proc/${!v}/comm" 2>/dev/null)" = sleep ]; }
# start_client_held NAME [tracker_info]: start_client, then wait for held.
start_client_held() {
	start_client "$@"
	wait_for 200 held "$1" || fail "client $1: input held open"
}
# csend NAME LINE...: send, unless the client has exited (a send to a
# fifo nobody reads would block for ever).
csend() {
	if exited "$(client_pid "$1")"; then
		fail "client $1 exited early"; return 1
	fi
	send "$@"
}

# --- synced folders (t_folders*.sh) ---

# start_in NAME DIR INFO: start_client, in DIR (where the client keeps
# .p2ps-folders) and with -v, so its log says what it shared.
start_in() {
	local name=$1 dir=$2 info=$3 port
	mkdir -p "$dir"
	port=$(free_ports 1)
	rm -f "$T/$name.in"
	mkfifo "$T/$name.in"
	(cd "$dir" && exec "$CLIENT" "127.0.0.1:$port" "$info" -v) \
		<"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	client_started "$name"
}

# same_file X Y: both exist with the same SHA1.
same_file() { [ -f "$1" ] && [ -f "$2" ] && [ "$(sha1_of "$1")" = "$(sha1_of "$2")" ]; }
