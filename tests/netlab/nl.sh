# nl.sh - the product in the network lab: tests/integration/lib.sh (temp
# directory, PASS/FAIL, send, wait_for, has_line, make_group...) and
# tests/netlab/lab.sh (hosts), plus trackers and clients started on lab
# hosts.  Source it from a tests/netlab/t_*.sh script.
#
# If the lab cannot be built here, the script prints "SKIP: <reason>" and
# exits 0 (scripts/runtests.sh counts it as skipped).
#
#   nl_cluster HOST...      $T/tracker_info.txt: tracker N on the Nth HOST,
#                           at that host's address, port NL_TPORT (7000)
#   nl_info NAME N...       $T/NAME naming trackers N... (printed)
#   nl_tracker N [args...]  start tracker N on its host in $T/tN (a
#                           directory of its own); PID in TPID[N]; its
#                           standard input is the fifo $T/tN/ctl
#   nl_cmd N LINE           write LINE to tracker N's standard input (the
#                           test switches: cut, heal, clock MS)
#   nl_client NAME HOST [info] [-v]
#                           a long-running client on HOST listening on
#                           HOST's address (as start_client: input from the
#                           fifo $T/NAME.in fed by send, output in
#                           $T/NAME.out and .err, PID in CPID_NAME)
#   run_client NAME [info] < script
#                           lib.sh's, but run on host $NL_HOST (so lib.sh's
#                           make_group works unchanged)
#   nl_listens HOST ADDR:PORT
#                           something listens on exactly ADDR:PORT in HOST
#   now_ms                  wall clock in milliseconds
#   nl_hold T0 MS           a fault begun at T0 (now_ms) lasts MS in all:
#                           what is left of it is slept (the length of a
#                           fault is a time, not a condition to wait for)
# Every process is also in lib.sh's PIDS, so both cleanups kill it by PID.

# shellcheck source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
# shellcheck source=lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

if ! lab_init; then
	echo "SKIP: $LAB_SKIP_REASON"
	exit 0
fi

NL_TPORT=7000
NL_NPORT=0
NL_THOST=()
NL_HOST=

now_ms() { date +%s%3N; }
nl_hold() {
	sleep "$(awk -v t="$(($(now_ms) - $1))" -v ms="$2" \
		'BEGIN { d = (ms - t) / 1000; print (d > 0 ? d : 0) }')"
}

nl_cluster() {
	local h
	NL_THOST=()
	: >"$T/tracker_info.txt"
	for h in "$@"; do
		echo "${LAB_ADDR[$h]}:$NL_TPORT" >>"$T/tracker_info.txt"
		NL_THOST+=("$h")
	done
}

nl_info() {
	local f=$T/$1 n h; shift
	: >"$f"
	for n in "$@"; do
		h=${NL_THOST[$((n - 1))]}
		echo "${LAB_ADDR[$h]}:$NL_TPORT" >>"$f"
	done
	echo "$f"
}

# nl_port_open HOST ADDR PORT: a TCP connect from HOST succeeds.
nl_port_open() {
	lab_run "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null
}

nl_tracker() {
	local n=$1 h dir; shift
	h=${NL_THOST[$((n - 1))]}
	dir=$T/t$n
	mkdir -p "$dir"
	cp "$T/tracker_info.txt" "$dir/"
	if [ ! -p "$dir/ctl" ]; then
		mkfifo "$dir/ctl"
		(exec sleep 3600 <>"$dir/ctl") &
		PIDS+=($!)
	fi
	lab_bg_io "$h" "$dir/ctl" "$dir/out.log" "$dir/err.log" \
		env -C "$dir" "$TRACKER" tracker_info.txt "$n" --kdf-iter 1000 "$@"
	TPID[$n]=$LAB_LAST_PID
	PIDS+=("$LAB_LAST_PID")
	wait_for 200 nl_port_open "$h" "${LAB_ADDR[$h]}" "$NL_TPORT" ||
		{ fail "tracker $n starts on $h"; cat "$dir/err.log"; exit 1; }
}

nl_cmd() { printf '%s\n' "$2" >>"$T/t$1/ctl"; }

nl_client() {
	local name=$1 h=$2 info=${3:-$T/tracker_info.txt} v=${4:-} port
	NL_NPORT=$((NL_NPORT + 1))
	port=$((6000 + NL_NPORT))
	mkfifo "$T/$name.in"
	# shellcheck disable=SC2086
	lab_bg_io "$h" "$T/$name.in" "$T/$name.out" "$T/$name.err" \
		"$CLIENT" "${LAB_ADDR[$h]}:$port" "$info" $v
	PIDS+=("$LAB_LAST_PID")
	printf -v "CPID_$name" %s "$LAB_LAST_PID"
	printf -v "CADDR_$name" %s "${LAB_ADDR[$h]}:$port"
	(exec sleep 3600 >"$T/$name.in") &
	PIDS+=($!)
	printf -v "CHOLD_$name" %s "$!"
	wait_for 200 held "$name" || fail "client $name: input held open"
}
client_addr() { local v="CADDR_$1"; echo "${!v}"; }

run_client() {
	local name=$1 info=${2:-$T/tracker_info.txt}
	NL_NPORT=$((NL_NPORT + 1))
	lab_run "$NL_HOST" timeout 60 "$CLIENT" \
		"${LAB_ADDR[$NL_HOST]}:$((6000 + NL_NPORT))" "$info" \
		>"$T/$name.out" 2>"$T/$name.err"
	RC=$?
}

nl_listens() {
	lab_run "$1" ss -Htln | awk -v a="$2" '$4 == a { f = 1 } END { exit !f }'
}
