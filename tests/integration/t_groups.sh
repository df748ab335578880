#!/usr/bin/env bash
# Groups through one tracker: create, join requests, the owner's listing,
# accept and reject, leaving (ownership passes to the member accepted
# earliest; the last one out deletes the group and its requests), list of
# every group, and the errors of each rule.  Several clients, one user each,
# run one after another; one user is also logged in on two clients at once.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1

run_client setup <<'S'
create_user alice pa
create_user bob pb
create_user carol pc
create_user dave pd
create_user erin pe
S
check_eq "groups: users created" 0 "$RC"

# alice creates groups; the creator is owner and member.
run_client a1 <<'S'
login alice pa
create_group g1
create_group g1
create_group zeta
create_group Beta
create_group alpha
create_group a-b
create_group a_b
create_group 9x
join_group g1
list_requests g1
list_groups
S
check_eq "groups: create output" "logged in as alice
group g1 created
group zeta created
group Beta created
group alpha created
group a-b created
group a_b created
group 9x created
$(printf '%s\n' g1 zeta Beta alpha a-b a_b 9x | LC_ALL=C sort)" "$(out a1)"
check_eq "groups: duplicate group, join by the owner" \
	"error: group g1 already exists
error: alice is already a member of group g1" "$(err a1)"
check_eq "groups: create script exits 1" 1 "$RC"

# Join requests are filed in this order: bob, dave, carol, erin.
run_client b1 <<'S'
login bob pb
join_group g1
join_group g1
list_requests g1
accept_request g1 bob
reject_request g1 bob
leave_group g1
join_group nosuch
leave_group nosuch
list_requests nosuch
S
check_eq "groups: join output" "logged in as bob
asked to join group g1" "$(out b1)"
check_eq "groups: non-member errors" \
	"error: bob has already asked to join group g1
error: only the owner of group g1 may do that
error: only the owner of group g1 may do that
error: only the owner of group g1 may do that
error: bob is not a member of group g1
error: no such group: nosuch
error: no such group: nosuch
error: no such group: nosuch" "$(err b1)"

for u in dave:pd carol:pc erin:pe; do
	run_client "j_${u%%:*}" <<S
login ${u%%:*} ${u#*:}
join_group g1
S
	check_eq "groups: ${u%%:*} asks to join" "logged in as ${u%%:*}
asked to join group g1" "$(out "j_${u%%:*}")"
done

run_client a2 <<'S'
login alice pa
list_requests g1
accept_request g1 dave
accept_request g1 bob
reject_request g1 erin
reject_request g1 erin
accept_request g1 erin
accept_request g1 dave
reject_request g1 nobody
accept_request nosuch bob
list_requests g1
list_requests zeta
S
check_eq "groups: owner lists, accepts, rejects" "logged in as alice
bob
dave
carol
erin
dave accepted into group g1
bob accepted into group g1
request of erin to join group g1 rejected
carol" "$(out a2)"
check_eq "groups: owner errors" \
	"error: erin has no pending request to join group g1
error: erin has no pending request to join group g1
error: dave is already a member of group g1
error: nobody has no pending request to join group g1
error: no such group: nosuch" "$(err a2)"

# A member who is not the owner still may not list or accept.
run_client b2 <<'S'
login bob pb
join_group g1
list_requests g1
accept_request g1 carol
S
check_eq "groups: member is not owner" \
	"error: bob is already a member of group g1
error: only the owner of group g1 may do that
error: only the owner of group g1 may do that" "$(err b2)"

# erin, rejected, may ask again.
run_client e2 <<'S'
login erin pe
join_group g1
S
check_eq "groups: a rejected user may ask again" "logged in as erin
asked to join group g1" "$(out e2)"

# The owner leaves: dave, accepted before bob, becomes owner.
run_client a3 <<'S'
login alice pa
leave_group g1
leave_group g1
list_requests g1
accept_request g1 carol
join_group g1
S
check_eq "groups: owner leaves" "logged in as alice
left group g1
asked to join group g1" "$(out a3)"
check_eq "groups: the old owner lost the rights" \
	"error: alice is not a member of group g1
error: only the owner of group g1 may do that
error: only the owner of group g1 may do that" "$(err a3)"

# dave on two clients at once: one stays up (input from a fifo) while a
# second session of dave accepts; the first then sees the result.
start_client d1
send d1 "login dave pd"
wait_for 200 has_line "$T/d1.out" "logged in as dave" || fail "groups: dave logs in on a long-lived client"
run_client d2 <<'S'
login dave pd
list_requests g1
accept_request g1 carol
S
check_eq "groups: new owner lists and accepts" "logged in as dave
carol
erin
alice
carol accepted into group g1" "$(out d2)"
check_eq "groups: second session of dave exits 0" 0 "$RC"
send d1 "list_requests g1" "reject_request g1 alice" "list_requests g1"
wait_for 200 has_line "$T/d1.out" "request of alice to join group g1 rejected" &&
	wait_for 200 nlines "$T/d1.out" 5
end_client d1
check_eq "groups: first session of dave unaffected by the second's logout" \
	"logged in as dave
erin
alice
request of alice to join group g1 rejected
erin" "$(out d1)"
check_eq "groups: first session of dave exits 0" 0 "$RC"

# Everyone leaves g1; the last one out deletes it with erin's request.
run_client lv_b <<'S'
login bob pb
leave_group g1
S
run_client lv_c <<'S'
login carol pc
leave_group g1
list_groups
S
check_eq "groups: carol leaves, g1 still listed" "logged in as carol
left group g1
$(printf '%s\n' g1 zeta Beta alpha a-b a_b 9x | LC_ALL=C sort)" "$(out lv_c)"
run_client lv_d <<'S'
login dave pd
list_requests g1
leave_group g1
list_groups
list_requests g1
join_group g1
leave_group g1
S
check_eq "groups: last member leaves, group gone" "logged in as dave
erin
left group g1
$(printf '%s\n' zeta Beta alpha a-b a_b 9x | LC_ALL=C sort)" "$(out lv_d)"
check_eq "groups: deleted group errors" "error: no such group: g1
error: no such group: g1
error: no such group: g1" "$(err lv_d)"

# The id is free again; the new group has no old members or requests.
run_client re <<'S'
login erin pe
create_group g1
list_requests g1
list_groups
S
check_eq "groups: id reused, no pending requests left" "logged in as erin
group g1 created
$(printf '%s\n' g1 zeta Beta alpha a-b a_b 9x | LC_ALL=C sort)" "$(out re)"
check_eq "groups: reuse script exits 0" 0 "$RC"
run_client re2 <<'S'
login bob pb
join_group g1
leave_group g1
S
check_eq "groups: old member of g1 is not a member of the new one" \
	"logged in as bob
asked to join group g1" "$(out re2)"
check_eq "groups: old member cannot leave the new g1" \
	"error: bob is not a member of group g1" "$(err re2)"

# Commands need a session.
run_client nos <<'S'
create_group x
join_group g1
leave_group g1
list_requests g1
accept_request g1 bob
reject_request g1 bob
list_groups
S
check_eq "groups: every group command needs a session" \
	"$(for i in 1 2 3 4 5 6 7; do echo "error: not logged in (use login <user_id> <password>)"; done)" \
	"$(err nos)"
check_eq "groups: no output without a session" "" "$(out nos)"

stop_tracker 1 && pass "groups: tracker stops with status 0" ||
	fail "groups: tracker stops with status 0"
