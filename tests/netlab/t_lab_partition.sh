#!/usr/bin/env bash
# Dead links noticed in seconds, and every write on every tracker within
# a second of the heal.  Three trackers on three hosts; client A on
# tracker 1's host naming tracker 1 only (it goes on writing there while
# the host is cut off), client B on host C naming tracker 2, client W on
# host C naming trackers 1 then 2, logged in through tracker 1.
#
# 1. Tracker 1's host goes silent (its bridge port disabled: no RST, no
#    ICMP) for 8 s while A and B write on both sides: every sync channel
#    to tracker 1 is dropped on both ends within the heartbeat bound
#    (2.5 s silent + a 250 ms tick), W's link within its bound (4 s + a
#    1 s tick) and W's next command goes through tracker 2 at once,
#    tracker 1 closes W's silent link; after the heal every tracker
#    holds every write within CONVERGE_MAX_MS (printed).
# 2. A cut of 1 s, well under the heartbeat deadline: the channels stay
#    up, TCP carries the backlog (linear retransmits, a 1 s RTO cap);
#    converged within CONVERGE_MAX_MS of the heal.  (Not 1.5 s: with the
#    cut's writes in flight the stream is not thin, so its retransmits
#    back off, 0.2, 0.4, 0.8 s apart, and the first after the heal can
#    come 1 s later: up to 0.5 + 1.5 + 1 s without a byte, past the 2.5 s
#    deadline; the channels then drop and come back, which is correct but
#    not this case.  One CI run in four or so met it.)
# 3. One-way: for 5 s nothing reaches tracker 1 (what it sends still
#    leaves): it drops its channels, the others see them close; after the
#    heal, converged within CONVERGE_MAX_MS.
# Each phase ends with cluster_check.py comparing the three databases.
. "$(dirname "$0")/nl.sh"

NOTICE_MAX_MS=4000		# sync: 2.5 s + 0.25 s, with room
CLIENT_NOTICE_MAX_MS=6500	# client link: 4 s + 1 s, with room
CONVERGE_MAX_MS=${CONVERGE_MAX_MS:-1000}
CONV=$(dirname "$0")/converge.py

lab_host T1 100 100
lab_host T2 100 100
lab_host T3 100 100
lab_host C 100 100
NL_HOST=C
nl_cluster T1 T2 T3
nl_tracker 1
nl_tracker 2
nl_tracker 3
only1=$(nl_info only1.txt 1)
only2=$(nl_info only2.txt 2)
both=$(nl_info both.txt 1 2)

# count N FILE TEXT: FILE holds at least N lines with TEXT.
count() { [ "$(grep -cF -- "$3" "$2" 2>/dev/null)" -ge "$1" ]; }
channels_up() {
	count 1 "$T/t2/err.log" "sync: tracker 3: channel up" &&
	count "$1" "$T/t1/err.log" "sync: tracker 2: channel up" &&
	count "$1" "$T/t1/err.log" "sync: tracker 3: channel up" &&
	count "$1" "$T/t2/err.log" "sync: tracker 1: channel up" &&
	count "$1" "$T/t3/err.log" "sync: tracker 1: channel up"
}
# channels_down N: tracker 1's two channels down on both ends, N times.
channels_down() {
	count "$1" "$T/t1/err.log" "sync: tracker 2: channel down" &&
	count "$1" "$T/t1/err.log" "sync: tracker 3: channel down" &&
	count "$1" "$T/t2/err.log" "sync: tracker 1: channel down" &&
	count "$1" "$T/t3/err.log" "sync: tracker 1: channel down"
}
dbs() { echo "$(tracker_db 1) $(tracker_db 2) $(tracker_db 3)"; }
# converge_check NAME HEAL_MS GROUP...: every tracker holds every write
# and the groups, within CONVERGE_MAX_MS of HEAL_MS (printed).
converge_check() {
	local name=$1 heal=$2 g args=() ms; shift 2
	for g in "$@"; do args+=(--group "$g"); done
	# shellcheck disable=SC2046
	python3 "$CONV" --since "$heal" --timeout 30 "${args[@]}" $(dbs) \
		>"$T/$name.conv" 2>&1
	sed 's/^/  /' "$T/$name.conv"
	ms=$(sed -n 's/^converged \([0-9]*\) ms.*/\1/p' "$T/$name.conv")
	check "lab partition: $name: every write on every tracker within $CONVERGE_MAX_MS ms of the heal" \
		test -n "$ms" -a "${ms:-99999}" -le "$CONVERGE_MAX_MS"
}

check "lab partition: sync channels up" wait_for 300 channels_up 1
run_client setup <<<$'create_user a pa\ncreate_user b pb\ncreate_user w pw'
check_eq "lab partition: users created" 0 "$RC"
nl_client A T1 "$only1"
nl_client B C "$only2"
nl_client W C "$both" -v
send A "login a pa"
send B "login b pb"
send W "login w pw"
for c in A B W; do
	check "lab partition: $c logged in" \
		wait_for 200 has_prefix "$T/$c.out" "logged in as"
done
check "lab partition: w logged in through tracker 1" \
	grep -q ": w logged in" "$T/t1/err.log"
check_converged "lab partition: converged before the cut" 1 2 3

# --- 1. tracker 1's host silent for 8 s, writes on both sides -------------
lab_link_down T1
t0=$(now_ms)
for i in 1 2 3 4 5; do
	send A "create_group a$i"
	send B "create_group b$i"
done
check "lab partition: writes on both sides during the cut" \
	wait_for 200 eval 'has_line "$T/A.out" "group a5 created" &&
		has_line "$T/B.out" "group b5 created"'
wait_for 200 channels_down 1
ms=$(($(now_ms) - t0))
echo "  sync channels to tracker 1 down on both ends $ms ms after the cut"
check "lab partition: sync channels noticed dead within $NOTICE_MAX_MS ms" \
	test "$ms" -le "$NOTICE_MAX_MS"
wait_for 200 grep -q "nothing heard for 4 s: trying the next tracker" "$T/W.err"
ms=$(($(now_ms) - t0))
echo "  client W noticed its silent tracker $ms ms after the cut"
check "lab partition: client link noticed dead within $CLIENT_NOTICE_MAX_MS ms" \
	test "$ms" -le "$CLIENT_NOTICE_MAX_MS"
check "lab partition: tracker 1 closed W's silent link" \
	wait_for 100 grep -q "nothing heard for 4 s: closing" "$T/t1/err.log"
t1=$(now_ms)
send W "create_group w1"
check "lab partition: W's next command goes through tracker 2 at once (< 2 s)" \
	wait_for 40 has_line "$T/W.out" "group w1 created"
echo "  W's command after the failover: $(($(now_ms) - t1)) ms"
check_eq "lab partition: tracker 1 lacks b1 while cut off" 0 \
	"$(db_count 1 "SELECT count(*) FROM grp WHERE name = 'b1'")"
nl_hold "$t0" 8000
lab_link_up T1
heal=$(now_ms)
converge_check "8 s cut" "$heal" a1 a5 b1 b5 w1
check "lab partition: channels up again" wait_for 200 channels_up 2
check_converged "lab partition: 8 s cut: converged" 1 2 3

# --- 2. a cut shorter than the heartbeat deadline ---------------------------
lab_link_down T1
t0=$(now_ms)
send A "create_group sa"
send B "create_group sb"
check "lab partition: short cut: writes on both sides" \
	wait_for 200 eval 'has_line "$T/A.out" "group sa created" &&
		has_line "$T/B.out" "group sb created"'
nl_hold "$t0" 1000
lab_link_up T1
heal=$(now_ms)
converge_check "1 s cut" "$heal" sa sb
check "lab partition: 1 s cut: the channels stayed up" \
	eval '! channels_down 2'
check_converged "lab partition: 1 s cut: converged" 1 2 3

# --- 3. one-way: nothing reaches tracker 1 for 5 s --------------------------
lab_isolate_oneway T1 in
t0=$(now_ms)
send A "create_group oa"
send B "create_group ob"
check "lab partition: one-way: writes on both sides" \
	wait_for 200 eval 'has_line "$T/A.out" "group oa created" &&
		has_line "$T/B.out" "group ob created"'
check "lab partition: one-way: tracker 1's channels dropped on both ends" \
	wait_for 200 channels_down 2
echo "  one-way: channels down $(($(now_ms) - t0)) ms after the cut"
nl_hold "$t0" 5000
lab_link_up T1
heal=$(now_ms)
converge_check "one-way 5 s" "$heal" oa ob
check_converged "lab partition: one-way: converged" 1 2 3

for c in A B W; do
	send "$c" logout
	end_client "$c"
	check_eq "lab partition: client $c exits 0" 0 "$RC"
done
