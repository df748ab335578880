#!/usr/bin/env bash
# make bench-swarm: a swarm in the network lab (tests/netlab/lab.sh), our
# system beside libtorrent and aria2.  Figures, not pass/fail.
#
# For each N: one seeder and N downloaders, each on a lab host of its own
# (every host SWARM_UP_MBIT up, default 20, and SWARM_DOWN_MBIT down,
# default 100, Mbit/s), one file of SWARM_SIZE_MIB (default 64) random
# MiB, all downloaders told to start at the same moment.  Then one
# downloader from SWARM_SEEDERS (default 4; 0: skip) seeders, beside plain
# TCP from the same seeder hosts (the bound: tcp_bound).  Printed per
# case: when the last and the mean downloader had the whole file, T_min,
# their ratio, and copies of the file uploaded (a host's tx bytes on its
# interface over the file's size: frames, so ~1-2% of TLS, framing and
# headers included)
# by the seeder(s) and by the downloaders (min/median/max).
#
# T_min is the physical bound for one file of F bytes from seeders with
# total upload u_s to N downloaders with uploads u_i and downloads d_i:
#     T_min = max(F / u_s, F / min(d_i), N * F / (u_s + sum u_i))
# (with one 20 Mbit/s seeder and 20 Mbit/s downloaders the first term
# wins: 64 MiB / 20 Mbit/s = 26.8 s).  Rates are of frames; TCP over
# 1500-byte frames carries at most ~95.6% of it as payload, so a ratio
# near 1.05 is the best there is.
#
# Systems (SWARM_SYSTEMS, default "ours,libtorrent,aria2"):
#   ours        the release build (tracker/tracker, client/client, `make
#               all`), a tracker on its own host, every client logged in
#               and a member of the group; the seeder's upload_file is done
#               before the clock starts; a downloader is done when its file
#               is renamed into place (after its whole-file SHA1 check);
#   libtorrent  Debian's python3-libtorrent (scripts/bench_swarm_lt.py, one
#               process per host, libtorrent's defaults, no DHT/LSD/UPnP),
#               opentracker on the tracker host (whitelist of the one
#               torrent), the torrent made by mktorrent (256 KiB pieces);
#               done when libtorrent says it is seeding.
#   aria2       Debian's aria2c as the downloaders, leeching from
#               libtorrent seeder(s) as above (same tracker and torrent);
#               every aria2c started at the same moment (through
#               bench_swarm_lt.py exec), no aria2.conf, DHT, LPD and file
#               preallocation off, peer exchange on, seeding with no end
#               (--seed-ratio=0.0); done when aria2 runs its
#               --on-bt-download-complete hook (download complete, before
#               seeding), which writes the time.
#   (scripts/deps_bench.sh installs python3-libtorrent, aria2, opentracker,
#   mktorrent and gnuplot-nox when missing; without them libtorrent and
#   aria2 are left out, and without gnuplot the plots.)
# Every downloader keeps running (serving) until the last is done; every
# result is compared with the original (cmp).  Each case builds its own
# lab and removes it; the work directory is removed at the end.
#
# Plots (SWARM_PLOTS=DIR; make bench-swarm: docs/swarm): every host's
# interface counters are sampled every SWARM_SAMPLE_S (0.25) s from outside
# (lab_counters_bg: the switch's side of its link) from before the start
# until the last downloader is done; DIR gets the samples of each round
# (CASE-SYSTEM.tsv, CASE n4, n8... for N downloaders, s4 for one from 4
# seeders), rounds.tsv (what each round was, its start and done times) and
# from them scripts/bench_swarm_plot.py draws, per case, CASE-received.png
# (each downloader's bytes received over time) and CASE-upload.png (each
# host's upload rate), one panel per system.  Old CASE-* files in DIR are
# removed first.
#
#   SWARM_N="4 8 16 24"  SWARM_SIZE_MIB=64  SWARM_SYSTEMS=ours,libtorrent,aria2
#   SWARM_SEEDERS=4   SWARM_UP_MBIT=20   SWARM_DOWN_MBIT=100
#   SWARM_PLOTS=DIR   SWARM_SAMPLE_S=0.25
#   SWARM_KEEP=1 keeps every round's directory (logs, files) and says where
# e.g. a quick round: SWARM_N=4 SWARM_SIZE_MIB=16 SWARM_SEEDERS=0 make bench-swarm
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${SWARM_SIZE_MIB:-64}
NLIST=${SWARM_N:-4 8 16 24}
SYSTEMS=${SWARM_SYSTEMS:-ours,libtorrent,aria2}
UP=${SWARM_UP_MBIT:-20}
DOWN=${SWARM_DOWN_MBIT:-100}
KSEED=${SWARM_SEEDERS:-4}
PLOTS=${SWARM_PLOTS:-}
SAMPLE=${SWARM_SAMPLE_S:-0.25}
START=$(date +%s)
LTPY=/usr/bin/python3		# Debian's, which has python3-libtorrent

D=$(mktemp -d /tmp/p2p-swarm.XXXXXX)
chmod 755 "$D"			# opentracker reads its whitelist as nobody
if [ -n "${SWARM_KEEP:-}" ]; then
	trap 'echo "kept $D"' EXIT
else
	trap 'rm -rf "$D"' EXIT
fi
# shellcheck source=../tests/netlab/lab.sh
. "$top/tests/netlab/lab.sh"
if ! lab_init; then
	echo "bench_swarm: skipped: $LAB_SKIP_REASON"
	exit 0
fi
lab_cleanup

case ,$SYSTEMS, in
*,libtorrent,* | *,aria2,*) "$top/scripts/deps_bench.sh" || echo "bench_swarm: deps_bench.sh failed" ;;
esac
bt_ok() {
	"$LTPY" -c 'import libtorrent' 2>/dev/null &&
		command -v opentracker >/dev/null && command -v mktorrent >/dev/null
}
systems=()
for s in ${SYSTEMS//,/ }; do
	case $s in
	ours)
		if [ ! -x "$top/tracker/tracker" ] || [ ! -x "$top/client/client" ]; then
			echo "bench_swarm: no release build (make all): ours left out"
			continue
		fi ;;
	libtorrent)
		if ! bt_ok; then
			echo "bench_swarm: no python3-libtorrent/opentracker/mktorrent: libtorrent left out"
			continue
		fi ;;
	aria2)
		if ! bt_ok || ! command -v aria2c >/dev/null; then
			echo "bench_swarm: no aria2c/python3-libtorrent/opentracker/mktorrent: aria2 left out"
			continue
		fi ;;
	*) echo "bench_swarm: unknown system $s"; exit 1 ;;
	esac
	systems+=("$s")
done
[ ${#systems[@]} -gt 0 ] || { echo "bench_swarm: nothing to run"; exit 1; }
if [ -n "$PLOTS" ]; then
	if ! command -v gnuplot >/dev/null; then
		echo "bench_swarm: no gnuplot: no plots"; PLOTS=
	else
		mkdir -p "$PLOTS" || exit 1
		PLOTS=$(cd "$PLOTS" && pwd)
		rm -f "$PLOTS"/rounds.tsv "$PLOTS"/[ns][0-9]*-*.tsv "$PLOTS"/[ns][0-9]*-*.png
	fi
fi

F=$((SIZE_MIB * 1024 * 1024))
head -c "$F" /dev/urandom >"$D/swarm.bin"
now_ms() { date +%s%3N; }
calc() { python3 -c "import sys; print(sys.argv[1] % eval(sys.argv[2]))" "$@"; }

# wait_line FILE TEXT SECONDS: FILE gets a line containing TEXT.
wait_line() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "bench_swarm: no '$2' in $1 after $3 s" >&2
	return 1
}

# hosts NSEED NDL: a fresh lab: TR (tracker), S1.. (seeders), D1..
# (downloaders); each seeder gets the file in $R/sK (hard links).
hosts() {
	local k
	lab_cleanup
	lab_init || exit 1
	lab_host TR 1000 1000
	for ((k = 1; k <= $1; k++)); do lab_host "S$k" "$UP" "$DOWN"; done
	for ((k = 1; k <= $2; k++)); do lab_host "D$k" "$UP" "$DOWN"; done
	ROUND=$((${ROUND:-0} + 1))
	R=$D/round$ROUND
	[ -d "$D/round$((ROUND - 1))" ] && [ -z "${SWARM_KEEP:-}" ] &&
		rm -rf "$D/round$((ROUND - 1))"
	mkdir -p "$R"
	# Clients remember the trackers' keys here (each round's tracker has
	# a new key at a recurring address): never the user's home.
	export P2PS_HOME=$R/home
	chmod 755 "$R"
	for ((k = 1; k <= $1; k++)); do
		mkdir -p "$R/s$k"
		ln "$D/swarm.bin" "$R/s$k/swarm.bin"
	done
	for ((k = 1; k <= $2; k++)); do mkdir -p "$R/d$k"; done
}

# Results of a round: FIN[k] (ms after the start, or empty), TX[host],
# T0 (the start, epoch ms).
declare -A FIN TX TX0
T0=0

# clock NDL T0 LIMIT_S CHECK: poll (20 ms) until every downloader is done
# or LIMIT_S passed, or the lab is gone (removed from outside: checked
# every 50th poll); CHECK k says whether downloader k is done.
clock() {
	local n=$1 t0=$2 limit=$3 check=$4 k left t i=0
	FIN=()
	while :; do
		if [ $((++i % 50)) -eq 0 ] && ! lab_alive; then
			echo "  ERROR: the lab was removed from outside during the round"
			return 1
		fi
		left=0
		for ((k = 1; k <= n; k++)); do
			[ -n "${FIN[$k]:-}" ] && continue
			if "$check" "$k"; then
				t=$(now_ms)
				FIN[$k]=$((t - t0))
			else
				left=$((left + 1))
			fi
		done
		[ "$left" -eq 0 ] && return 0
		if [ $(($(now_ms) - t0)) -gt $((limit * 1000)) ]; then
			echo "  ERROR: $left not done after $limit s"
			return 1
		fi
		sleep 0.02
	done
}

# bytes_before starts the sampler too (its first sample before the start;
# it runs until the round's lab_cleanup, the plots cut it at the last done).
bytes_before() {
	local h
	[ -n "$PLOTS" ] && lab_counters_bg "$R/counters.tsv" "$SAMPLE"
	for h in "${LAB_HOSTS[@]}"; do TX0[$h]=$(lab_tx_bytes "$h"); done
}
bytes_after() { local h; TX=(); for h in "${LAB_HOSTS[@]}"; do TX[$h]=$(($(lab_tx_bytes "$h") - TX0[$h])); done; }

# verify NDL: every downloader's file is the original.
verify() {
	local k bad=0
	for ((k = 1; k <= $1; k++)); do
		if ! cmp -s "$D/swarm.bin" "$R/d$k/swarm.bin"; then
			echo "  ERROR: downloader $k's file differs from the original or is missing"
			bad=1
		fi
	done
	return $bad
}

# --- ours ----------------------------------------------------------------
declare -A FD
# client HOST USER: a client on HOST, commands through a fifo (fd FD[HOST]).
client() {
	local h=$1 fifo=$R/$1.in fd
	mkfifo "$fifo"
	lab_bg_io "$h" "$fifo" "$R/$h.out" "$R/$h.err" \
		"$top/client/client" "${LAB_ADDR[$h]}:6000" "$R/ti.txt"
	exec {fd}>"$fifo"
	FD[$h]=$fd
}
say() { printf '%s\n' "$2" >&"${FD[$1]}"; }
ours_done() { [ -e "$R/d$1/swarm.bin" ]; }

round_ours() {	# NSEED NDL LIMIT_S
	local ns=$1 nd=$2 limit=$3 k s
	hosts "$ns" "$nd"
	echo "${LAB_ADDR[TR]}:7000" >"$R/ti.txt"
	lab_bg_io TR /dev/null "$R/tracker.out" "$R/tracker.err" \
		env -C "$R" "$top/tracker/tracker" ti.txt 1 --kdf-iter 1000 -q
	wait_line "$R/tracker.out" identity 10 || return 1
	for ((k = 0; k < 100; k++)); do
		lab_run TR bash -c "exec 3<>/dev/tcp/${LAB_ADDR[TR]}/7000" 2>/dev/null && break
		sleep 0.05
	done
	# Users, the group, every member accepted.
	{
		for ((k = 1; k <= ns; k++)); do echo "create_user s$k pw"; done
		for ((k = 1; k <= nd; k++)); do echo "create_user d$k pw"; done
		echo "login s1 pw"; echo "create_group g"; echo "logout"
		for ((k = 2; k <= ns; k++)); do echo "login s$k pw"; echo "join_group g"; echo "logout"; done
		for ((k = 1; k <= nd; k++)); do echo "login d$k pw"; echo "join_group g"; echo "logout"; done
		echo "login s1 pw"
		for ((k = 2; k <= ns; k++)); do echo "accept_request g s$k"; done
		for ((k = 1; k <= nd; k++)); do echo "accept_request g d$k"; done
	} >"$R/setup.scr"
	if ! lab_run TR timeout 120 "$top/client/client" "${LAB_ADDR[TR]}:6000" "$R/ti.txt" \
		<"$R/setup.scr" >"$R/setup.out" 2>"$R/setup.err"; then
		echo "  ERROR: setup failed: $(head -3 "$R/setup.err")"; return 1
	fi
	for ((k = 1; k <= ns; k++)); do
		client "S$k"
		say "S$k" "login s$k pw"
		say "S$k" "upload_file $R/s$k/swarm.bin g"
	done
	for ((k = 1; k <= nd; k++)); do
		client "D$k"
		say "D$k" "login d$k pw"
	done
	for ((k = 1; k <= ns; k++)); do wait_line "$R/S$k.out" "sharing swarm.bin" 120 || return 1; done
	for ((k = 1; k <= nd; k++)); do wait_line "$R/D$k.out" "logged in as d$k" 30 || return 1; done
	bytes_before
	T0=$(now_ms)
	for ((k = 1; k <= nd; k++)); do say "D$k" "download_file g swarm.bin $R/d$k"; done
	clock "$nd" "$T0" "$limit" ours_done || echo "  ERROR: not all done"
	bytes_after
	verify "$nd"
	for s in "${!FD[@]}"; do eval "exec ${FD[$s]}>&-"; done
	FD=()
	grep -h '^error' "$R"/D*.err "$R"/S*.err 2>/dev/null | sort | uniq -c | head -5 | sed 's/^/  ours: /'
	# A peer dropped for sending no block for 10 s (the seeder, mostly).
	s=$(cat "$R"/D*.err 2>/dev/null | grep -c 'dropped: stalled')
	[ "$s" -gt 0 ] && echo "  ours: $s peer links dropped as stalled, by $(grep -l 'dropped: stalled' "$R"/D*.err | wc -l) of $nd downloaders"
	lab_cleanup
}

# --- libtorrent and aria2 ----------------------------------------------------
lt_done() { grep -q '^done' "$R/D$1.out" 2>/dev/null; }
aria2_done() { grep -q '^done' "$R/d$1.done" 2>/dev/null; }

# bt_seeders NSEED NDL LIMIT_S: a fresh lab, the torrent, opentracker and
# NSEED libtorrent seeders, ready.
bt_seeders() {
	local ns=$1 nd=$2 limit=$3 k ih
	hosts "$ns" "$nd"
	mktorrent -a "http://${LAB_ADDR[TR]}:6969/announce" -o "$R/swarm.torrent" \
		"$D/swarm.bin" >/dev/null || return 1
	ih=$("$LTPY" -c 'import libtorrent as lt, sys; print(lt.torrent_info(sys.argv[1]).info_hash())' \
		"$R/swarm.torrent")
	mkdir -p "$R/ot"
	chmod 755 "$R/ot"
	echo "$ih" >"$R/ot/whitelist.txt"
	chmod 644 "$R/ot/whitelist.txt"
	# opentracker chroots to -d, then reads the whitelist from inside it.
	lab_bg_io TR /dev/null "$R/ot.out" "$R/ot.err" opentracker \
		-i "${LAB_ADDR[TR]}" -p 6969 -P 6969 -d "$R/ot" -w /whitelist.txt
	for ((k = 0; k < 100; k++)); do
		lab_run TR bash -c "exec 3<>/dev/tcp/${LAB_ADDR[TR]}/6969" 2>/dev/null && break
		sleep 0.05
	done
	for ((k = 1; k <= ns; k++)); do
		lab_bg_io "S$k" /dev/null "$R/S$k.out" "$R/S$k.err" "$LTPY" \
			"$top/scripts/bench_swarm_lt.py" seed "$R/swarm.torrent" "$R/s$k" \
			"${LAB_ADDR[S$k]}" "$R/go" $((limit + 300))
	done
	for ((k = 1; k <= ns; k++)); do wait_line "$R/S$k.out" ready 120 || return 1; done
}

# bt_go NDL LIMIT_S SYSTEM: start every downloader at once, wait for them.
bt_go() {
	local nd=$1 limit=$2 sys=$3 k out
	bytes_before
	T0=$(now_ms)
	: >"$R/go"
	clock "$nd" "$T0" "$limit" "${sys}_done" || echo "  ERROR: not all done"
	# The time the client itself wrote (the poll above may lag it by 20 ms).
	for ((k = 1; k <= nd; k++)); do
		if [ "$sys" = lt ]; then out=$R/D$k.out; else out=$R/d$k.done; fi
		"${sys}_done" "$k" && FIN[$k]=$(($(sed -n 's/^done //p' "$out" | head -1) - T0))
	done
	bytes_after
	verify "$nd"
	grep -h '^error' "$R"/D*.out "$R"/S*.out 2>/dev/null | sort | uniq -c | head -5 |
		sed "s/^/  $sys: /"
	lab_cleanup
}

round_lt() {	# NSEED NDL LIMIT_S
	local ns=$1 nd=$2 limit=$3 k
	bt_seeders "$ns" "$nd" "$limit" || return 1
	for ((k = 1; k <= nd; k++)); do
		lab_bg_io "D$k" /dev/null "$R/D$k.out" "$R/D$k.err" "$LTPY" \
			"$top/scripts/bench_swarm_lt.py" get "$R/swarm.torrent" "$R/d$k" \
			"${LAB_ADDR[D$k]}" "$R/go" $((limit + 300))
	done
	for ((k = 1; k <= nd; k++)); do wait_line "$R/D$k.out" ready 60 || return 1; done
	bt_go "$nd" "$limit" lt
}

# aria2 runs the hook with the download's GID, its number of files and
# the first file's path ($R/dK/swarm.bin): the time goes to $R/dK.done.
round_aria2() {	# NSEED NDL LIMIT_S
	local ns=$1 nd=$2 limit=$3 k
	bt_seeders "$ns" "$nd" "$limit" || return 1
	# shellcheck disable=SC2016 # the hook's own expansions
	printf '#!/bin/sh\necho "done $(date +%%s%%3N)" >>"${3%%/*}.done"\n' >"$R/aria2_done.sh"
	chmod 755 "$R/aria2_done.sh"
	for ((k = 1; k <= nd; k++)); do
		lab_bg_io "D$k" /dev/null "$R/D$k.out" "$R/D$k.err" "$LTPY" \
			"$top/scripts/bench_swarm_lt.py" exec "$R/go" $((limit + 300)) \
			aria2c --no-conf --dir="$R/d$k" --listen-port=6881 \
			--enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
			--enable-peer-exchange=true --seed-ratio=0.0 \
			--file-allocation=none --bt-hash-check-seed=false --disable-ipv6=true \
			--on-bt-download-complete="$R/aria2_done.sh" \
			--summary-interval=0 --console-log-level=warn \
			--log="$R/D$k.log" --log-level=notice "$R/swarm.torrent"
	done
	for ((k = 1; k <= nd; k++)); do wait_line "$R/D$k.out" ready 60 || return 1; done
	bt_go "$nd" "$limit" aria2
}

# --- figures ---------------------------------------------------------------
# tmin NSEED NDL: the bound, in seconds.
tmin() {
	calc '%.1f' "max($F*8/($1*$UP*1e6), $F*8/($DOWN*1e6), $2*$F*8/(($1+$2)*$UP*1e6))"
}
# row SYSTEM NSEED NDL TMIN: one line of the table from FIN and TX.
row() {
	local sys=$1 ns=$2 nd=$3 tm=$4 k times=() sc=() dc=()
	for ((k = 1; k <= nd; k++)); do [ -n "${FIN[$k]:-}" ] && times+=("${FIN[$k]}"); done
	for ((k = 1; k <= ns; k++)); do sc+=("${TX[S$k]}"); done
	for ((k = 1; k <= nd; k++)); do dc+=("${TX[D$k]}"); done
	python3 - "$sys" "$nd" "$tm" "$F" "${#times[@]}" "${times[@]}" "${sc[@]}" -- "${dc[@]}" <<'PY'
import statistics, sys
a = sys.argv[1:]
sysname, nd, tm, f, nt = a[0], int(a[1]), float(a[2]), int(a[3]), int(a[4])
times = [int(x) / 1000 for x in a[5:5 + nt]]
rest = a[5 + nt:]
cut = rest.index("--")
seed = [int(x) / f for x in rest[:cut]]
dl = [int(x) / f for x in rest[cut + 1:]]
if len(times) == nd:
    last, mean = max(times), statistics.mean(times)
    t = "%9.1f %9.1f %5.2f" % (last, mean, last / tm)
else:
    t = "%9s %9s %5s" % ("-", "-", "-") + "  (%d of %d done)" % (len(times), nd)
s = "+".join("%.2f" % x for x in seed)
d = "%.2f / %.2f / %.2f" % (min(dl), statistics.median(dl), max(dl))
print("  %-11s %s %14s   %s" % (sysname, t, s, d))
PY
}
header() {
	printf '  %-11s %9s %9s %5s %14s   %s\n' system "last (s)" "mean (s)" ratio \
		"seeder copies" "downloader copies min / median / max"
}
# keep CASE SYSTEM NSEED NDL TMIN: the round's samples and a line of
# rounds.tsv into $PLOTS (if set and the round got as far as its start).
keep() {
	local k fins=
	[ -n "$PLOTS" ] && [ "$T0" -gt 0 ] && [ -s "$R/counters.tsv" ] || return 0
	cp "$R/counters.tsv" "$PLOTS/$1-$2.tsv"
	for ((k = 1; k <= $4; k++)); do fins+=${fins:+,}${FIN[$k]:--}; done
	[ -s "$PLOTS/rounds.tsv" ] ||
		printf 'case\tsystem\tseeders\tdownloaders\tfile_bytes\tup_mbit\tdown_mbit\ttmin_s\tt0_ms\tdone_ms\n' \
			>"$PLOTS/rounds.tsv"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$F" \
		"$UP" "$DOWN" "$5" "$T0" "$fins" >>"$PLOTS/rounds.tsv"
}
# tcp_bound NSEED: what plain TCP gets on the same hosts: each seeder host
# sends F/NSEED bytes over one connection to the downloader host (python,
# no TLS, no protocol); the payload rate from the first byte to the last,
# as the receiver saw it.  The reference for the NSEED->1 case: htb counts
# every segment's headers, so 1500-byte frames carry at most 1448/1514.
tcp_bound() {
	local ns=$1 k share
	share=$((F / ns))
	hosts "$ns" 1
	lab_bg_io D1 /dev/null "$R/tcp.out" "$R/tcp.err" python3 -c '
import socket, sys, threading, time
n, total = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9100))
s.listen(n)
print("listening", flush=True)
marks = []
def take(c):
    got = 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        if got == 0:
            marks.append(time.monotonic())
        got += len(b)
    marks.append(time.monotonic())
    if got != total // n:
        print("short", got, flush=True)
ts = []
for _ in range(n):
    c, _ = s.accept()
    t = threading.Thread(target=take, args=(c,))
    t.start()
    ts.append(t)
for t in ts:
    t.join()
print("%.3f" % (max(marks) - min(marks)), flush=True)
' "$ns" "$F"
	wait_line "$R/tcp.out" listening 10 || return 1
	for ((k = 1; k <= ns; k++)); do
		lab_bg S$k python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 9100))
left, b = int(sys.argv[2]), b"x" * (1 << 20)
while left > 0:
    c.sendall(b[:min(left, len(b))])
    left -= min(left, len(b))
c.close()
' "${LAB_ADDR[D1]}" "$share"
	done
	for ((k = 0; k < 600; k++)); do
		[ "$(wc -l <"$R/tcp.out")" -ge 2 ] && break
		sleep 0.1
	done
	if [ "$(wc -l <"$R/tcp.out")" -ge 2 ] && ! grep -q short "$R/tcp.out"; then
		t=$(tail -1 "$R/tcp.out")
		printf '  %-11s %6.1f s, %5.1f Mbit/s of payload: %3.0f%% of the %d Mbit/s (plain TCP, first byte to last: the bound)\n' \
			tcp "$t" "$(calc '%.1f' "$F*8/$t/1e6")" \
			"$(calc '%.1f' "100*$F*8/$t/($ns*$UP*1e6)")" $((ns * UP))
	else
		echo "  tcp: not done ($(head -c 200 "$R/tcp.out" "$R/tcp.err"))"
	fi
	lab_cleanup
}

# limit NSEED NDL: the longest a case may take, in seconds.
limit() { calc '%d' "max(300, 20 * $(tmin "$1" "$2"))"; }

echo "== swarm in the network lab: ${SIZE_MIB} MiB, every host $UP Mbit/s up, $DOWN Mbit/s down"
echo "   T_min = max(F/u_seed, F/d_min, N*F/(u_seed + sum u_i)); copies = tx bytes / F (frames: ~1-2% overhead)"
for n in $NLIST; do
	tm=$(tmin 1 "$n")
	echo "-- 1 seeder, N=$n downloaders started together: T_min = $tm s"
	header
	for s in "${systems[@]}"; do
		FIN=() TX=()
		T0=0
		"round_${s/libtorrent/lt}" 1 "$n" "$(limit 1 "$n")"
		row "$s" 1 "$n" "$tm"
		keep "n$n" "$s" 1 "$n" "$tm"
	done
done
if [ "$KSEED" -gt 0 ]; then
	tm=$(tmin "$KSEED" 1)
	echo "-- 1 downloader from $KSEED seeders: T_min = $tm s ($((KSEED * UP)) Mbit/s of seeders' uplinks)"
	tcp_bound "$KSEED"
	for s in "${systems[@]}"; do
		FIN=() TX=()
		T0=0
		"round_${s/libtorrent/lt}" "$KSEED" 1 "$(limit "$KSEED" 1)"
		keep "s$KSEED" "$s" "$KSEED" 1 "$tm"
		if [ -n "${FIN[1]:-}" ]; then
			seeders=
			for ((k = 1; k <= KSEED; k++)); do seeders+=" $(calc '%.2f' "${TX[S$k]}/$F")"; done
			printf '  %-11s %6.1f s, %5.1f Mbit/s of payload: %3.0f%% of the %d Mbit/s; copies by the seeders:%s\n' \
				"$s" "$(calc '%.3f' "${FIN[1]}/1000")" \
				"$(calc '%.1f' "$F*8/(${FIN[1]}/1000)/1e6")" \
				"$(calc '%.1f' "100*$F*8/(${FIN[1]}/1000)/($KSEED*$UP*1e6)")" \
				$((KSEED * UP)) "$seeders"
		else
			echo "  $s: not done"
		fi
	done
fi
if [ -n "$PLOTS" ] && [ -s "$PLOTS/rounds.tsv" ]; then
	if python3 "$top/scripts/bench_swarm_plot.py" "$PLOTS"; then
		echo "plots and samples in $PLOTS"
	else
		echo "bench_swarm: plotting failed"
	fi
fi
echo "bench_swarm: took $(($(date +%s) - START)) s"
