#!/usr/bin/env bash
# The lab itself (tests/netlab/lab.sh), since the other cases rely on it:
#  - rates: 20 Mbit/s up on one host and 20 Mbit/s down on another come
#    out as 20 Mbit/s of frames (TCP goodput 19.1 at 1500 bytes MTU),
#    measured at once over 3 s, within 10%; the byte counters agree;
#  - a link down is silent: a connect to a closed port is refused (RST)
#    while the link is up, times out while it is down (no RST, no ICMP,
#    no ARP failure within 4 s), and is refused again once it is up;
#  - one-way isolation: "in" drops what reaches the host and not what it
#    sends, "out" the reverse (UDP datagrams counted).
. "$(dirname "$0")/nl.sh"

probe() { python3 "$(dirname "$0")/probe.py" "$@"; }
PROBE=$(cd "$(dirname "$0")" && pwd)/probe.py

lab_host U 20 100
lab_host V 100 20
lab_host W 100 100
u=${LAB_ADDR[U]} v=${LAB_ADDR[V]} w=${LAB_ADDR[W]}
check "lab: three addresses on one /24" \
	test "${u%.*}" = "${v%.*}" -a "${v%.*}" = "${w%.*}" -a "$u" != "$v"
check "lab: no default route in a host" \
	test -z "$(lab_run U ip route show default)"

# --- rates -------------------------------------------------------------------
lab_bg_io W /dev/null "$T/sinkU.out" "$T/sinkU.err" python3 "$PROBE" sink "$w" 9001
lab_bg_io V /dev/null "$T/sinkV.out" "$T/sinkV.err" python3 "$PROBE" sink "$v" 9002
wait_for 100 has_line "$T/sinkU.out" ready
wait_for 100 has_line "$T/sinkV.out" ready
txu0=$(lab_tx_bytes U) rxv0=$(lab_rx_bytes V)
lab_bg U python3 "$PROBE" send "$w" 9001 3
p1=$LAB_LAST_PID
lab_bg W python3 "$PROBE" send "$v" 9002 3
p2=$LAB_LAST_PID
wait "$p1" "$p2"
wait_for 200 grep -q '^bytes' "$T/sinkU.out"
wait_for 200 grep -q '^bytes' "$T/sinkV.out"
mbit() { awk '/^bytes/ { if ($4 > 0) printf "%.2f", $2 * 8 / $4 / 1e6; else print 0 }' "$1"; }
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }
up=$(mbit "$T/sinkU.out") down=$(mbit "$T/sinkV.out")
echo "  TCP goodput: 20 Mbit/s upload $up Mbit/s, 20 Mbit/s download $down Mbit/s"
check "lab: 20 Mbit/s upload within 10% ($up)" within "$up" 17.2 21
check "lab: 20 Mbit/s download within 10% ($down)" within "$down" 17.2 21
got=$(awk '/^bytes/ {print $2}' "$T/sinkU.out")
txu=$(($(lab_tx_bytes U) - txu0))
echo "  U sent $txu bytes on its interface for $got bytes of payload"
check "lab: tx bytes count the payload, within 5%" \
	test "$txu" -ge "$got" -a "$txu" -le $((got + got / 20))
check "lab: rx bytes count what came in" \
	test $(($(lab_rx_bytes V) - rxv0)) -ge "$(awk '/^bytes/ {print $2}' "$T/sinkV.out")"

# --- a silent link down --------------------------------------------------------
check_eq "lab: a closed port is refused while the link is up" refused \
	"$(lab_run W python3 "$PROBE" connect "$v" 9 4)"
lab_link_down V
check_eq "lab: link down: the connect times out (no RST, no ICMP)" timeout \
	"$(lab_run W python3 "$PROBE" connect "$v" 9 4)"
check_eq "lab: link down: nothing from the host gets out either" timeout \
	"$(lab_run V python3 "$PROBE" connect "$w" 9 2)"
check "lab: link down: the host still sees its carrier" \
	lab_run V grep -qx 1 /sys/class/net/eth0/carrier
lab_link_up V
check_eq "lab: link up: refused again" refused \
	"$(lab_run W python3 "$PROBE" connect "$v" 9 4)"

# --- one-way isolation (UDP, 50 datagrams each way) ----------------------------
# udp FROM TO: datagrams from host FROM that host TO received (within 4 s:
# a loaded machine may take a second to start the sender).
udp() {
	local out=$T/udp.$1.$2.$RANDOM
	lab_bg_io "$2" /dev/null "$out" /dev/null python3 "$PROBE" udprecv "${LAB_ADDR[$2]}" 9100 4 50
	local rp=$LAB_LAST_PID
	wait_for 100 has_line "$out" ready
	lab_run "$1" python3 "$PROBE" udpsend "${LAB_ADDR[$2]}" 9100 50
	wait "$rp"
	sed -n 's/^got //p' "$out"
}
lab_isolate_oneway V in
check_eq "lab: isolated in: nothing reaches it" 0 "$(udp W V)"
check_eq "lab: isolated in: what it sends gets out" 50 "$(udp V W)"
lab_link_up V
lab_isolate_oneway V out
check_eq "lab: isolated out: nothing it sends gets out" 0 "$(udp V W)"
check_eq "lab: isolated out: what is sent to it arrives" 50 "$(udp W V)"
lab_link_up V
check_eq "lab: link up after isolation: both ways again" "50 50" \
	"$(udp V W) $(udp W V)"
