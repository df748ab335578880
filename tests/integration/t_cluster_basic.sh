#!/usr/bin/env bash
# Two trackers form one cluster: a mutation made through one is visible
# through the other (both ways), a session token issued by one works on
# the other, and a client that names both carries on through the second
# when the first is killed (SIGKILL), without logging in again.  The
# first, started again, catches up on what was done while it was down.
# After each phase the two databases hold the same logical state
# (cluster_check.py).
. "$(dirname "$0")/lib.sh"

cluster 2
start_tracker 1
start_tracker 2
only1=$(info_file only1.txt 1)
only2=$(info_file only2.txt 2)
both=$(info_file both.txt 1 2)

check "basic: sync channel up on tracker 1" \
	wait_for 200 sync_log_has 1 "sync: tracker 2: channel up"
check "basic: sync channel up on tracker 2" \
	wait_for 200 sync_log_has 2 "sync: tracker 1: channel up"

# Mutations through tracker 1 only.
run_client a1 "$only1" <<'S'
create_user alice pa
create_user bob pb
create_user carol pc
login alice pa
create_group g1
create_group g2
S
check_eq "basic: mutations through tracker 1" "user alice created
user bob created
user carol created
logged in as alice
group g1 created
group g2 created" "$(out a1)"
check_eq "basic: tracker 1 client exits 0" 0 "$RC"
check_converged "basic: converged after writes on tracker 1" 1 2

# ... are seen through tracker 2 only; and a mutation there comes back.
run_client b2 "$only2" <<'S'
login bob pb
list_groups
join_group g1
S
check_eq "basic: tracker 2 sees users and groups made on tracker 1" \
	"logged in as bob
g1
g2
asked to join group g1" "$(out b2)"
check_eq "basic: tracker 2 client printed no error" "" "$(err b2)"
check_converged "basic: converged after writes on tracker 2" 1 2
run_client a1b "$only1" <<'S'
login alice pa
list_requests g1
accept_request g1 bob
S
check_eq "basic: tracker 1 sees the join request made on tracker 2" \
	"logged in as alice
bob
bob accepted into group g1" "$(out a1b)"
check_converged "basic: converged after the accept" 1 2

# A session token from tracker 1 works on tracker 2: a long-lived client
# naming both logs in through tracker 1, which then dies.
start_client_held s "$both"
csend s "login carol pc" "join_group g1"
check "basic: long-lived client logs in through tracker 1" \
	wait_for 200 has_line "$T/s.out" "asked to join group g1"
check "basic: carol's session is on tracker 1" \
	grep -q "carol logged in" "$T/t1/err.log"
check_converged "basic: converged before the kill" 1 2
crash_tracker 1
csend s "list_groups" "join_group g2" "create_group g3"
check "basic: commands after tracker 1 died succeed through tracker 2" \
	wait_for 400 has_line "$T/s.out" "group g3 created"
check_eq "basic: same session, no new login" "logged in as carol
asked to join group g1
g1
g2
asked to join group g2
group g3 created" "$(out s)"
check_eq "basic: no error across the failover" "" "$(err s)"

# Tracker 1 comes back and catches up on what tracker 2 did.
start_tracker 1
check_converged "basic: tracker 1 caught up after its restart" 1 2
run_client a1c "$only1" <<'S'
login alice pa
list_groups
list_requests g2
S
check_eq "basic: tracker 1 sees what was done while it was down" \
	"logged in as alice
g1
g2
g3
carol" "$(out a1c)"
# carol's session (issued by tracker 1 before it died, used on tracker 2)
# is still valid on both; logging out ends it on both.
csend s "leave_group g3" "logout"
check "basic: carol leaves and logs out" \
	wait_for 200 has_line "$T/s.out" "logged out"
end_client s
check_eq "basic: long-lived client exits 0" 0 "$RC"
check_converged "basic: converged at the end" 1 2
stop_tracker 1 && pass "basic: tracker 1 stops with status 0" ||
	fail "basic: tracker 1 stops with status 0"
stop_tracker 2 && pass "basic: tracker 2 stops with status 0" ||
	fail "basic: tracker 2 stops with status 0"
