#!/usr/bin/env bash
# Tracker failover when a tracker's host vanishes silently (no RST, no
# ICMP: its link to the bridge stops carrying packets).  Two trackers on
# two hosts, a client on a third naming both, logged in through tracker 1.
# Tracker 1's link goes down mid-session: the client's next command must
# still succeed (through tracker 2) within a bound, and the time it took is
# printed; commands after it are quick.  The mutations made meanwhile must
# reach tracker 1 once its link is back: seen through a client that names
# tracker 1 only, and in the databases (cluster_check.py).
. "$(dirname "$0")/nl.sh"

FAILOVER_MAX_S=10	# a silent tracker is noticed within 5 s (4 s + a 1 s tick)

lab_host T1 100 100
lab_host T2 100 100
lab_host C 100 100
NL_HOST=C
nl_cluster T1 T2
nl_tracker 1
nl_tracker 2
only1=$(nl_info only1.txt 1)
check "lab failover: sync channel up" \
	wait_for 200 sync_log_has 1 "sync: tracker 2: channel up"

run_client setup <<<"create_user a pa"
check_eq "lab failover: user created" 0 "$RC"
nl_client A C "$T/tracker_info.txt" -v
send A "login a pa" "create_group g1"
check "lab failover: a logged in, g1 created" \
	wait_for 200 has_line "$T/A.out" "group g1 created"
check "lab failover: a logged in through tracker 1" \
	grep -q ": a logged in" "$T/t1/err.log"
check_converged "lab failover: converged before the cut" 1 2

# --- tracker 1's host goes silent ------------------------------------------
lab_link_down T1
t0=$(now_ms)
send A "create_group g2"
wait_for $((FAILOVER_MAX_S * 20)) has_line "$T/A.out" "group g2 created"
t1=$(now_ms)
failover=$((t1 - t0))
echo "  failover: the first command after tracker 1 went silent took $failover ms"
check "lab failover: the command succeeded through tracker 2 within ${FAILOVER_MAX_S} s" \
	test "$failover" -lt $((FAILOVER_MAX_S * 1000))
grep -E 'tracker 10\..*(overdue|no answer)' "$T/A.err" | head -3 | sed 's/^/  client: /'
send A "create_group g3"
check "lab failover: the next command is quick (< 3 s)" \
	wait_for 60 has_line "$T/A.out" "group g3 created"
echo "  next command: $(($(now_ms) - t1)) ms"
send A "list_groups" "echo listed"
wait_for 200 has_line "$T/A.out" listed
check "lab failover: tracker 2 lists g1, g2, g3" \
	eval 'grep -qx g1 "$T/A.out" && grep -qx g2 "$T/A.out" && grep -qx g3 "$T/A.out"'
# While its link is down, tracker 1 has none of it.
check_eq "lab failover: tracker 1's database lacks g2 while cut off" 0 \
	"$(db_count 1 "SELECT count(*) FROM grp WHERE name = 'g2'")"
sync_log_has 2 "sync: tracker 1: channel down" &&
	echo "  tracker 2 saw its channel to tracker 1 drop"

# --- the link comes back -----------------------------------------------------
lab_link_up T1
t2=$(now_ms)
# has_groups_on1: a client naming tracker 1 only lists g2 and g3.
has_groups_on1() {
	run_client only1 "$only1" <<<$'login a pa\nlist_groups'
	grep -qx g2 "$T/only1.out" && grep -qx g3 "$T/only1.out"
}
check "lab failover: tracker 1 has g2 and g3 after the link is back (client naming only tracker 1)" \
	wait_for 150 has_groups_on1
echo "  mutations reached tracker 1 $(($(now_ms) - t2)) ms after its link came back"
check_converged "lab failover: converged after the link came back" 1 2
grep -h 'sync: tracker' "$T/t1/err.log" "$T/t2/err.log" | sed 's/^/  /' | tail -8

send A logout
end_client A
check_eq "lab failover: client exits 0" 0 "$RC"
