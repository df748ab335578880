# lab.sh - a network lab of hosts: network namespaces on one bridge, each
# host with its own IPv4 address and its own upload and download rate.
#
# Source it (after tests/integration/lib.sh, if the script uses that:
# lab_init chains onto an EXIT trap already set), then:
#
#   lab_init                 0 if this machine can build a lab (root, `ip
#                            netns add` works, a bridge and htb can be made),
#                            else nonzero with LAB_SKIP_REASON set.  Makes the
#                            switch (a namespace holding the bridge), picks
#                            the subnet and installs the cleanup trap (EXIT,
#                            and INT/TERM/HUP turned into an exit).
#   lab_host NAME UP DOWN    a host: namespace, veth pair on the bridge,
#                            address in LAB_ADDR[NAME], upload shaped to UP
#                            Mbit/s, download to DOWN Mbit/s.  NAME: letters,
#                            digits, _ (at most 20).  Not in $(...): it sets
#                            the lab's arrays in this shell.
#   lab_run NAME CMD...      run CMD in the host (ip netns exec), wait for it.
#   lab_bg NAME CMD...       run CMD in the host in the background; its PID
#                            in LAB_LAST_PID and in LAB_PIDS.  Redirections
#                            after `lab_bg ...` are opened by this shell (it
#                            is a function): fine for files, not for a fifo.
#   lab_bg_io NAME IN OUT ERR CMD...
#                            lab_bg with standard input, output and error
#                            opened by the new process (IN may be a fifo).
#   lab_link_down NAME       the host's link stops carrying packets, silently:
#                            its bridge port is disabled; frames to and from it
#                            are dropped by the bridge, no RST, no ICMP, no
#                            ARP failure (neighbours are permanent entries),
#                            no carrier change on either side.
#   lab_link_up NAME         it carries packets again (undoes down and isolate).
#   lab_isolate_oneway NAME in|out
#                            drop only what reaches the host (in: its port's
#                            queue is a pfifo of limit 0), or only what it
#                            sends (out: its neighbour entries point at a MAC
#                            that the bridge knows to be behind the host's own
#                            port, so the bridge drops those frames).
#   lab_tx_bytes NAME / lab_rx_bytes NAME
#                            bytes the host sent / received on its interface
#                            (frames as the kernel counts them: with
#                            segmentation offload a large packet's headers
#                            count once, so bulk TCP shows ~0.4% over its
#                            payload, TLS and our framing ~1-2%).
#   lab_rate NAME UP DOWN    change a host's rates.
#   lab_counters_bg OUT PERIOD_S
#                            sample every host's interface counters every
#                            PERIOD_S seconds (e.g. 0.25) from the switch's
#                            side (each host's bridge port: no process in the
#                            hosts, one read of /proc/net/dev per sample) into
#                            OUT, a TSV: the header "t_ms" and "<NAME>_tx
#                            <NAME>_rx" for each host made so far, then per
#                            sample the wall clock in epoch milliseconds and
#                            the bytes each host has sent / received (as
#                            lab_tx_bytes/lab_rx_bytes count them).  Runs
#                            until killed (its PID in
#                            LAB_LAST_PID and LAB_PIDS, so lab_cleanup ends it).
#   lab_alive                0 while the lab's switch namespace exists (a
#                            long wait can stop when something outside
#                            removed the lab).
#   lab_cleanup              kill every process in the lab's namespaces (by
#                            PID, `ip netns pids`), delete the namespaces
#                            (their veths and the bridge go with them).
#
# Layout.  LAB_ID (default: the PID of the shell, or subshell, that calls
# lab_init: $BASHPID) names everything: namespaces
# "p2pl<ID>-sw" (the switch: bridge "l<ID>br" and its ports "l<ID>h<i>",
# the switch's ends of the veth pairs) and "p2pl<ID>-<NAME>" (a host:
# interfaces eth0, the other end, and lo).  The
# subnet 10.A.B.0/24 is derived from LAB_ID; hosts get .2, .3, ...  Nothing is
# in the root namespace: no address, no route, no bridge, so nothing leaves
# the machine; hosts have no default route and there is no NAT.  IPv6 is off
# in every namespace (no stray neighbour discovery in the byte counts).
#
# Concurrent labs (tests and benches run side by side) cannot meet: each has
# its own switch namespace and bridge, so its hosts reach only each other,
# and its names carry its LAB_ID, a live process's PID, so no other live lab
# has them.  Two labs may get the same subnet (IDs 16384 apart): harmless,
# as no frame crosses from one bridge to another.
#
# Shaping.  Upload: htb on the host's eth0 egress; download: htb on its
# bridge port's egress (the switch's veth end).  One class each, rate
# and ceil the same, burst and cburst LAB_BURST (default 64k: a whole GSO
# packet, so 20 Mbit/s comes out right), quantum 65536 (one class, so it
# only silences htb's warning), and a bfifo leaf of LAB_QUEUE_MS (default
# 100) of the rate, at least 128 KiB: a router's buffer, not a bufferbloat.
#
# Latency.  This kernel has no netem, so there is none but the queues'.
# On a kernel with sch_netem, put netem under the htb class instead of the
# bfifo leaf (a qdisc of another kind cannot `replace` it: delete, then
# add), e.g. 40 ms on a host's upload:
#     tc -n p2pl<ID>-<NAME> qdisc del dev eth0 parent 1:1 handle 10:
#     tc -n p2pl<ID>-<NAME> qdisc add dev eth0 parent 1:1 handle 10: \
#         netem delay 40ms limit 10000
# and the same with `tc -n p2pl<ID>-sw ... dev l<ID>h<i>` for its download
# (the RTT between two hosts is then the sum of both sides' delays); netem
# also takes `loss 1%`, `delay 40ms 10ms` (jitter) and `rate`.  LAB_NETEM,
# if set (e.g. "delay 20ms"), is used that way by lab_host; it fails here.
#
# Standards: a lab_bg process is killed by PID at cleanup; so is every
# process still inside a lab namespace.  lab_init also removes labs left
# behind by a lab whose shell is gone (a SIGKILLed test): namespaces
# named p2pl<PID>-* whose PID no longer runs, and those named with its own
# ID when it has no lab yet (left by a dead shell whose PID it now has).

LAB_PIDS=()
declare -A LAB_ADDR LAB_IDX LAB_MAC
LAB_HOSTS=()
LAB_SKIP_REASON=
LAB_READY=0

lab__ns() { echo "p2pl${LAB_ID}-$1"; }
lab__port() { echo "l${LAB_ID}h${LAB_IDX[$1]}"; }

# lab__reap_stale: remove labs whose creating shell is gone.
lab__reap_stale() {
	local ns id p
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' |
		grep -E '^p2pl[0-9]+-'); do
		id=${ns#p2pl}; id=${id%%-*}
		if [ "$id" = "$LAB_ID" ]; then
			# Ours only while this shell has a lab.
			[ "$LAB_READY" = 1 ] && continue
		elif [ -d "/proc/$id" ]; then
			continue
		fi
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
}

lab_init() {
	local sw probe
	LAB_ID=${LAB_ID:-$BASHPID}
	if [ "$(id -u)" -ne 0 ]; then
		LAB_SKIP_REASON="not root"; return 1
	fi
	if ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
		LAB_SKIP_REASON="no ip or tc (iproute2)"; return 1
	fi
	lab__reap_stale
	LAB_A=$((128 + (LAB_ID >> 8) % 64))
	LAB_B=$((LAB_ID % 256))
	LAB_NET=10.$LAB_A.$LAB_B
	sw=$(lab__ns sw)
	if ! ip netns add "$sw" 2>/dev/null; then
		LAB_SKIP_REASON="ip netns add failed (no namespaces here)"; return 1
	fi
	# From here on, whatever happens, the lab is removed at exit.
	lab__trap
	LAB_READY=1
	ip netns exec "$sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	ip -n "$sw" link set lo up
	if ! ip -n "$sw" link add "l${LAB_ID}br" type bridge 2>/dev/null ||
		! ip -n "$sw" link set "l${LAB_ID}br" up; then
		LAB_SKIP_REASON="cannot make a bridge"; lab_cleanup; return 1
	fi
	# htb must exist for shaping.
	probe=l${LAB_ID}pr
	if ! ip -n "$sw" link add "$probe" type dummy 2>/dev/null &&
		! ip -n "$sw" link add "$probe" type veth peer name "${probe}x" 2>/dev/null; then
		LAB_SKIP_REASON="cannot make a veth"; lab_cleanup; return 1
	fi
	if ! tc -n "$sw" qdisc add dev "$probe" root handle 1: htb 2>/dev/null; then
		LAB_SKIP_REASON="no htb qdisc"; lab_cleanup; return 1
	fi
	ip -n "$sw" link del "$probe" 2>/dev/null
	return 0
}

# lab__trap: run lab_cleanup before whatever EXIT trap was set (lib.sh's
# cleanup kills its PIDs and removes its directory); signals exit, so the
# EXIT trap runs for them too.
lab__trap() {
	local prev
	prev=$(trap -p EXIT)
	prev=${prev#trap -- }
	prev=${prev% EXIT}
	[ -n "$prev" ] && eval "prev=$prev"
	case $prev in *lab_cleanup*) return ;; esac
	# shellcheck disable=SC2064
	trap "lab_cleanup; $prev" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

lab__q() {	# tc-netns dev rate_mbit: htb root, class 1:1, leaf 10:
	local n=$1 dev=$2 rate=$3 qbytes
	qbytes=$((rate * 1000000 / 8 * ${LAB_QUEUE_MS:-100} / 1000))
	[ "$qbytes" -ge 131072 ] || qbytes=131072
	# (htb cannot be changed in place: made once, then its class is.)
	{ tc -n "$n" qdisc show dev "$dev" | grep -q '^qdisc htb 1: root' ||
		tc -n "$n" qdisc add dev "$dev" root handle 1: htb default 1 r2q 10; } &&
	tc -n "$n" class replace dev "$dev" parent 1: classid 1:1 htb \
		rate "${rate}mbit" ceil "${rate}mbit" \
		burst "${LAB_BURST:-64k}" cburst "${LAB_BURST:-64k}" quantum 65536 &&
	lab__leaf "$n" "$dev" bfifo limit "$qbytes"
}

# lab__leaf NS DEV QDISC ARGS...: the qdisc under class 1:1 (a netem one
# instead of a bfifo if LAB_NETEM is set).  A qdisc of another kind cannot
# replace it in place: the old one goes first.
lab__leaf() {
	local n=$1 dev=$2; shift 2
	tc -n "$n" qdisc del dev "$dev" parent 1:1 handle 10: 2>/dev/null
	if [ -n "${LAB_NETEM:-}" ] && [ "$1" = bfifo ]; then
		# shellcheck disable=SC2086
		tc -n "$n" qdisc add dev "$dev" parent 1:1 handle 10: netem $LAB_NETEM limit 10000
	else
		tc -n "$n" qdisc add dev "$dev" parent 1:1 handle 10: "$@"
	fi
}

lab_host() {
	local name=$1 up=$2 down=$3 ns sw port idx addr mac h
	[ "$LAB_READY" = 1 ] || { echo "lab_host: lab_init first" >&2; return 1; }
	[[ $name =~ ^[A-Za-z0-9_]{1,20}$ ]] || { echo "lab_host: bad name $name" >&2; return 1; }
	[ -z "${LAB_IDX[$name]:-}" ] || { echo "lab_host: $name exists" >&2; return 1; }
	idx=$((${#LAB_HOSTS[@]} + 1))
	[ "$idx" -le 250 ] || { echo "lab_host: too many hosts" >&2; return 1; }
	ns=$(lab__ns "$name") sw=$(lab__ns sw)
	LAB_IDX[$name]=$idx
	port=$(lab__port "$name")
	addr=$LAB_NET.$((idx + 1))
	mac=$(printf '02:1a:%02x:%02x:00:%02x' "$LAB_A" "$LAB_B" "$idx")
	ip netns add "$ns" || return 1
	LAB_HOSTS+=("$name")
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	ip -n "$ns" link set lo up &&
	ip -n "$sw" link add "$port" type veth peer name "${port}x" &&
	ip -n "$sw" link set "${port}x" netns "$ns" &&
	ip -n "$ns" link set "${port}x" name eth0 &&
	ip -n "$ns" link set eth0 address "$mac" &&
	ip -n "$ns" addr add "$addr/24" dev eth0 &&
	ip -n "$ns" link set eth0 up &&
	ip -n "$sw" link set "$port" master "l${LAB_ID}br" &&
	ip -n "$sw" link set "$port" up &&
	lab__q "$ns" eth0 "$up" &&
	lab__q "$sw" "$port" "$down" || { echo "lab_host: cannot make $name" >&2; return 1; }
	LAB_ADDR[$name]=$addr
	LAB_MAC[$name]=$mac
	# Neighbours are permanent: no ARP, so a silent link stays silent
	# (no "host unreachable" from a failed ARP either).
	for h in "${LAB_HOSTS[@]}"; do
		[ "$h" = "$name" ] && continue
		ip -n "$(lab__ns "$h")" neigh replace "$addr" lladdr "$mac" \
			dev eth0 nud permanent
		ip -n "$ns" neigh replace "${LAB_ADDR[$h]}" lladdr \
			"${LAB_MAC[$h]}" dev eth0 nud permanent
	done
}

lab_rate() {
	lab__q "$(lab__ns "$1")" eth0 "$2" && lab__q "$(lab__ns sw)" "$(lab__port "$1")" "$3"
}

lab_run() { local ns; ns=$(lab__ns "$1"); shift; ip netns exec "$ns" "$@"; }

lab_bg() {
	local ns; ns=$(lab__ns "$1"); shift
	ip netns exec "$ns" "$@" &
	LAB_LAST_PID=$!
	LAB_PIDS+=($!)
}

lab_bg_io() {
	local ns in=$2 out=$3 err=$4; ns=$(lab__ns "$1"); shift 4
	ip netns exec "$ns" "$@" <"$in" >"$out" 2>"$err" &
	LAB_LAST_PID=$!
	LAB_PIDS+=($!)
}

# The MAC that stands for "nowhere": a static entry puts it behind the
# isolated host's own port, and a bridge never sends a frame back out of
# the port it came in by.
lab__blackhole_mac() { printf '02:1a:%02x:%02x:ff:%02x' "$LAB_A" "$LAB_B" "${LAB_IDX[$1]}"; }

lab_link_down() {
	bridge -n "$(lab__ns sw)" link set dev "$(lab__port "$1")" state 0
}

lab_isolate_oneway() {
	local name=$1 dir=$2 sw ns h bh
	sw=$(lab__ns sw) ns=$(lab__ns "$name")
	case $dir in
	in)
		lab__leaf "$sw" "$(lab__port "$name")" pfifo limit 0
		;;
	out)
		bh=$(lab__blackhole_mac "$name")
		bridge -n "$sw" fdb replace "$bh" dev "$(lab__port "$name")" \
			master static || return 1
		for h in "${LAB_HOSTS[@]}"; do
			[ "$h" = "$name" ] && continue
			ip -n "$ns" neigh replace "${LAB_ADDR[$h]}" lladdr "$bh" \
				dev eth0 nud permanent
		done
		;;
	*) echo "lab_isolate_oneway: in or out" >&2; return 1 ;;
	esac
}

lab_link_up() {
	local name=$1 sw ns h port
	sw=$(lab__ns sw) ns=$(lab__ns "$name") port=$(lab__port "$name")
	bridge -n "$sw" link set dev "$port" state 3
	# Undo isolate in (the leaf queue) and out (the neighbours).
	if tc -n "$sw" qdisc show dev "$port" | grep -q '^qdisc pfifo 10:.*limit 0p'; then
		lab__q "$sw" "$port" "$(lab__class_mbit "$sw" "$port")"
	fi
	for h in "${LAB_HOSTS[@]}"; do
		[ "$h" = "$name" ] && continue
		ip -n "$ns" neigh replace "${LAB_ADDR[$h]}" lladdr "${LAB_MAC[$h]}" \
			dev eth0 nud permanent
	done
	bridge -n "$sw" fdb del "$(lab__blackhole_mac "$name")" dev "$port" \
		master static 2>/dev/null
	return 0
}

# lab__class_mbit NS DEV: the rate of class 1:1, in Mbit/s.
lab__class_mbit() {
	tc -n "$1" class show dev "$2" | sed -n 's/.* rate \([0-9]*\)Mbit.*/\1/p' | head -1
}

lab__stat() {
	ip netns exec "$(lab__ns "$1")" cat "/sys/class/net/eth0/statistics/$2"
}
lab_tx_bytes() { lab__stat "$1" tx_bytes; }
lab_rx_bytes() { lab__stat "$1" rx_bytes; }

# A host's bridge port receives what the host sends and sends what it
# receives: its rx is the host's tx.  The sampler is one bash in the switch
# namespace at nice -10, reading with builtins: the clock, then every
# port's counters in one read of /proc/net/dev, then the clock again, the
# sample stamped halfway (on a loaded machine a sampler stalled between
# clock and counters would show a burst that was not there); the next
# sample is due PERIOD after the last one was due, so the clock does not
# drift by the loop's own time.
# (Arguments: period in microseconds, the header, then the ports.)
read -r -d '' lab__sampler <<'EOF_SAMPLER' || :
per=$1 t=$'\t'
printf '%s\n' "$2"
shift 2
declare -A rx tx
re='^ *([^ :]+): *([0-9]+) +([0-9]+ +){7}([0-9]+) '
next=${EPOCHREALTIME/./}
while :; do
	t1=${EPOCHREALTIME/./}
	mapfile -t dev </proc/net/dev || exit 1
	t2=${EPOCHREALTIME/./}
	for l in "${dev[@]}"; do
		[[ $l =~ $re ]] || continue
		rx[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
		tx[${BASH_REMATCH[1]}]=${BASH_REMATCH[4]}
	done
	line=$(((t1 + t2) / 2000))
	for p in "$@"; do
		[ -n "${rx[$p]:-}" ] || exit 1
		line+=$t${rx[$p]}$t${tx[$p]}
	done
	printf '%s\n' "$line"
	next=$((next + per))
	d=$((next - ${EPOCHREALTIME/./}))
	if [ "$d" -gt 0 ]; then
		printf -v d '%d.%06d' $((d / 1000000)) $((d % 1000000))
		sleep "$d"
	fi
done
EOF_SAMPLER

lab_counters_bg() {
	local out=$1 per h ports=() head=t_ms
	[[ $2 =~ ^([0-9]+)(\.([0-9]{1,6}))?$ ]] ||
		{ echo "lab_counters_bg: bad period $2" >&2; return 1; }
	per=${BASH_REMATCH[3]}000000
	per=$((10#${BASH_REMATCH[1]} * 1000000 + 10#${per:0:6}))
	[ "$per" -ge 10000 ] || { echo "lab_counters_bg: period under 10 ms" >&2; return 1; }
	for h in "${LAB_HOSTS[@]}"; do
		ports+=("$(lab__port "$h")")
		head+=$'\t'"${h}_tx"$'\t'"${h}_rx"
	done
	lab_bg_io sw /dev/null "$out" /dev/null nice -n -10 bash -c "$lab__sampler" \
		lab_counters "$per" "$head" "${ports[@]}"
}

lab_alive() { [ "$LAB_READY" = 1 ] && [ -e "/run/netns/$(lab__ns sw)" ]; }

lab_cleanup() {
	local p ns _
	[ "$LAB_READY" = 1 ] || return 0
	for p in "${LAB_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${LAB_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	LAB_PIDS=()
	# Anything else still inside (children of lab_run, leftovers).
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^p2pl${LAB_ID}-"); do
		for _ in 1 2 3; do
			p=$(ip netns pids "$ns" 2>/dev/null)
			[ -n "$p" ] || break
			# shellcheck disable=SC2086
			kill -9 $p 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	LAB_READY=0
	LAB_HOSTS=()
	LAB_ADDR=() LAB_IDX=() LAB_MAC=()
}
