#!/usr/bin/env bash
# State survives a tracker restart in the same directory: after SIGTERM
# (clean stop, status 0) and after SIGKILL right after a client got its
# answer (every acknowledged mutation is kept).  Sessions are state too: a
# client that stays up across the restart goes on without logging in again.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1

# kill9_tracker N: SIGKILL, and reap it.
kill9_tracker() {
	kill -9 "${TPID[$1]}"
	wait "${TPID[$1]}" 2>/dev/null
}

run_client setup <<'S'
create_user alice pa
create_user bob pb
create_user carol pc
login alice pa
create_group g1
create_group g2
S
run_client setup2 <<'S'
login bob pb
join_group g1
logout
login carol pc
join_group g1
join_group g2
S
run_client setup3 <<'S'
login alice pa
accept_request g2 carol
S
check_eq "restart: setup succeeded" "0" "$RC"

# A client that stays up across the restarts, logged in as carol.
start_client s
send s "login carol pc"
check "restart: long-lived client logs in" \
	wait_for 200 has_line "$T/s.out" "logged in as carol"

# Clean stop (SIGTERM), start again in the same directory.
stop_tracker 1 && pass "restart: SIGTERM exits 0" || fail "restart: SIGTERM exits 0"
start_tracker 1
run_client after1 <<'S'
login alice pa
list_groups
list_requests g1
list_requests g2
accept_request g2 carol
S
check_eq "restart: groups and requests kept after SIGTERM" "logged in as alice
g1
g2
bob
carol" "$(out after1)"
check_eq "restart: membership kept after SIGTERM" \
	"error: carol is already a member of group g2" "$(err after1)"

# The session of the long-lived client survived the clean restart.
send s "list_groups"
check "restart: session survives SIGTERM restart (list_groups)" \
	wait_for 200 nlines "$T/s.out" 3
check_eq "restart: long-lived client output after SIGTERM restart" \
	"logged in as carol
g1
g2" "$(out s)"
check_eq "restart: long-lived client has no error" "" "$(err s)"

# SIGKILL right after each acknowledged mutation: nothing acknowledged is
# lost.  Each step: send, wait for the acknowledgement, kill -9, restart.
start_client m
step=0
mutate() {	# mutate COMMAND ACK
	step=$((step + 1))
	send m "$1"
	if wait_for 200 has_line "$T/m.out" "$2"; then
		kill9_tracker 1
		start_tracker 1
		pass "restart: ack $step ($1)"
	else
		fail "restart: ack $step ($1)"; cat "$T/m.err"
	fi
}
mutate "create_user dave pd" "user dave created"
mutate "login dave pd" "logged in as dave"
mutate "create_group g3" "group g3 created"
mutate "join_group g1" "asked to join group g1"
mutate "leave_group g3" "left group g3"
mutate "create_group g4" "group g4 created"
run_client after2 <<'S'
login alice pa
accept_request g1 dave
S
check_eq "restart: accept acknowledged" "logged in as alice
dave accepted into group g1" "$(out after2)"
kill9_tracker 1
start_tracker 1
mutate "list_groups" "g4"
run_client after3 <<'S'
login alice pa
list_groups
list_requests g1
leave_group g1
S
check_eq "restart: every acknowledged mutation survived SIGKILL" \
	"logged in as alice
g1
g2
g4
bob
carol
left group g1" "$(out after3)"
kill9_tracker 1
start_tracker 1
# alice left g1: dave, its only other member, is its owner now.
send m "list_requests g1" "accept_request g1 bob"
check "restart: ownership handover survived SIGKILL" \
	wait_for 200 has_line "$T/m.out" "bob accepted into group g1"
check_eq "restart: dave's session survived five SIGKILLs" "" "$(err m)"

# The first long-lived client's session also survived all of that.
send s "leave_group g2" "list_groups"
check "restart: carol's session survived SIGKILL restarts" \
	wait_for 200 has_line "$T/s.out" "left group g2"
wait_for 200 nlines "$T/s.out" 7
check_eq "restart: carol's output" "logged in as carol
g1
g2
left group g2
g1
g2
g4" "$(out s)"
send s "logout"
wait_for 200 has_line "$T/s.out" "logged out"
end_client s
check_eq "restart: carol's client exits 0" 0 "$RC"
check_eq "restart: carol's client printed no error" "" "$(err s)"
end_client m
check_eq "restart: dave's client exits 0" 0 "$RC"

# A logged-out session stays ended across a restart; login still works.
stop_tracker 1 && pass "restart: second SIGTERM exits 0" ||
	fail "restart: second SIGTERM exits 0"
start_tracker 1
run_client final <<'S'
login carol pc
list_requests g1
S
check_eq "restart: login after restarts" "logged in as carol" "$(out final)"
check_eq "restart: carol is not g1's owner" \
	"error: only the owner of group g1 may do that" "$(err final)"
stop_tracker 1 && pass "restart: final SIGTERM exits 0" ||
	fail "restart: final SIGTERM exits 0"
