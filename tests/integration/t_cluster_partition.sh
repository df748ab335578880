#!/usr/bin/env bash
# Partitions, with the test switch "cut" / "heal" on a tracker's standard
# input.  Two trackers: both sides take writes while cut off from each
# other, including the same user id (alice, other password) and the same
# group id (g, other creator) created on both; after "heal" they converge,
# the earlier creation wins everywhere (the winner's password works on
# both trackers, the loser's on neither), the loser is recorded in `lost`
# on both, and a client whose session belonged to the losing alice is told
# "session ended" on its next request (an idle one by its keepalive).
# The same accept and the same join request made on both sides must end
# with one date everywhere: the member accepted earliest owns a group once
# its owner leaves, so every tracker must name the same one.  Three trackers: the middle one is
# cut off, the other two keep replicating between them, all three take
# writes (one group id on both sides), and after "heal" all converge.
. "$(dirname "$0")/lib.sh"

CHECK=$(dirname "$0")/cluster_check.py
# differ N M: the databases of trackers N and M differ now.
differ() { ! python3 "$CHECK" "$(tracker_db "$1")" "$(tracker_db "$2")" >/dev/null; }
# log_count N TEXT: lines of tracker N's log containing TEXT.
log_count() { grep -cF -- "$2" "$T/t$1/err.log" 2>/dev/null; }
log_count_ge() { [ "$(log_count "$1" "$2")" -ge "$3" ]; }
# db_query N SQL: the first column of each row, one a line.
db_query() {
	python3 - "$(tracker_db "$1")" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=5)
for r in db.execute(sys.argv[2]):
    print(r[0])
PY
}

# --- two trackers ---
cluster 2
start_ctl_tracker 1
start_ctl_tracker 2
only1=$(info_file only1.txt 1)
only2=$(info_file only2.txt 2)
check "partition: channel up" wait_for 200 sync_log_has 1 "sync: tracker 2: channel up"
run_client setup "$only1" <<'S'
create_user bob pb
create_user carol pc
create_user dave pd
create_user erin pe
create_user frank pf
login bob pb
create_group sg
logout
login erin pe
join_group sg
logout
login frank pf
join_group sg
S
check_eq "partition: setup" 0 "$RC"
check_converged "partition: converged before the cut" 1 2

tracker_cmd 2 cut
check "partition: tracker 2 takes the cut" \
	wait_for 200 sync_log_has 2 "sync channels cut"
check "partition: tracker 1 sees its channel to tracker 2 go down" \
	wait_for 200 sync_log_has 1 "sync: tracker 2: channel down"

# Side 1 first, so its creations are the earlier ones.
run_client s1 "$only1" <<'S'
create_user alice pa1
login bob pb
create_group g
create_group g1only
logout
login dave pd
join_group g
join_group g1only
S
check_eq "partition: writes on side 1" "user alice created
logged in as bob
group g created
group g1only created
logged out
logged in as dave
asked to join group g
asked to join group g1only" "$(out s1)"
# The same accept, and the same join, on both sides (side 1 first):
# bob accepts erin into sg on both, frank only on side 2 (after erin on
# side 1, before erin on side 2); dave asks to join sg on both.
run_client s1b "$only1" <<'S'
login bob pb
accept_request sg erin
logout
login dave pd
join_group sg
S
check_eq "partition: side 1 accepts erin into sg, dave asks" "logged in as bob
erin accepted into group sg
logged out
logged in as dave
asked to join group sg" "$(out s1b)"
# The winner's session on side 1 stays up across the heal.
start_client_held w1 "$only1"
csend w1 "login alice pa1"
check "partition: alice (side 1) logs in" \
	wait_for 200 has_line "$T/w1.out" "logged in as alice"

run_client s2 "$only2" <<'S'
create_user alice pa2
login carol pc
create_group g
create_group g2only
logout
login dave pd
join_group g
join_group g2only
logout
login carol pc
accept_request g2only dave
S
check_eq "partition: writes on side 2 (alice and g again)" "user alice created
logged in as carol
group g created
group g2only created
logged out
logged in as dave
asked to join group g
asked to join group g2only
logged out
logged in as carol
dave accepted into group g2only" "$(out s2)"
run_client s2b "$only2" <<'S'
login bob pb
accept_request sg frank
accept_request sg erin
logout
login dave pd
join_group sg
S
check_eq "partition: side 2 accepts frank then erin into sg, dave asks" \
	"logged in as bob
frank accepted into group sg
erin accepted into group sg
logged out
logged in as dave
asked to join group sg" "$(out s2b)"
# The loser's session, on side 2.
start_client_held l2 "$only2"
csend l2 "login alice pa2" "create_group alice2"
check "partition: alice (side 2) logs in and creates a group" \
	wait_for 200 has_line "$T/l2.out" "group alice2 created"
# A second session of the losing alice that stays idle.
start_client_held i2 "$only2"
csend i2 "login alice pa2"
check "partition: alice (side 2) logs in on an idle client" \
	wait_for 200 has_line "$T/i2.out" "logged in as alice"
check "partition: the two sides differ while cut" differ 1 2
tracker_cmd 2 heal
check "partition: channel up again after heal" \
	wait_for 200 log_count_ge 1 "sync: tracker 2: channel up" 2
# As soon as tracker 2 has taken the other alice, the losing session has
# ended: its next request says so (asked now, well before the client's
# own keepalive, due 20 s after its login).
lost_alice() { [ "$(db_query 2 "SELECT count(*) FROM lost WHERE name = 'alice'")" = 1 ]; }
check "partition: tracker 2 records the losing alice" wait_for 200 lost_alice
csend l2 "list_groups"
check "partition: the loser's client gets an error on its next request" \
	wait_for 200 nlines "$T/l2.err" 1
check "partition: ... and it starts with \"error: session ended\"" \
	has_prefix "$T/l2.err" "error: session ended"
echo "  (the loser's client said: $(head -1 "$T/l2.err"))"
csend w1 "list_groups"
check "partition: the winner's session goes on" \
	wait_for 200 has_line "$T/w1.out" "g2only"
check_eq "partition: the winner's client has no error" "" "$(err w1)"
check_converged "partition: converged after heal" 1 2

# One membership and one request, whichever side's op a tracker took
# first: the same dates everywhere (the owner is the member accepted
# earliest, so these dates decide who owns a group).
check_eq "partition: erin's membership of sg has one date on both trackers" \
	"$(db_query 1 "SELECT stamp FROM member WHERE grp = 'sg' AND user = 'erin' AND state = 3")" \
	"$(db_query 2 "SELECT stamp FROM member WHERE grp = 'sg' AND user = 'erin' AND state = 3")"
check_eq "partition: dave's request to join sg has one date on both trackers" \
	"$(db_query 1 "SELECT stamp FROM member WHERE grp = 'sg' AND user = 'dave' AND state = 1")" \
	"$(db_query 2 "SELECT stamp FROM member WHERE grp = 'sg' AND user = 'dave' AND state = 1")"
run_client bl "$only1" <<'S'
login bob pb
leave_group sg
S
check_eq "partition: bob leaves sg" "logged in as bob
left group sg" "$(out bl)"
bob_left() { [ -z "$(db_query 2 "SELECT 1 FROM member WHERE grp = 'sg' AND user = 'bob' AND state = 3")" ]; }
check "partition: tracker 2 has bob's leave" wait_for 200 bob_left
for n in 1 2; do
	run_client "own$n" "$T/only$n.txt" <<'S'
login erin pe
list_requests sg
S
	check_eq "partition: tracker $n: erin (accepted first) owns sg now" \
		"logged in as erin
dave" "$(out "own$n")$(err "own$n" | sed 's/^/ /')"
done

for n in 1 2; do
	check_eq "partition: tracker $n keeps one alice, from tracker 1" \
		"1" "$(db_query "$n" "SELECT origin FROM users WHERE name = 'alice'")"
	check_eq "partition: tracker $n keeps g from tracker 1" \
		"1" "$(db_query "$n" "SELECT origin FROM grp WHERE name = 'g'")"
done
printf '%s\n' "lost user alice" "lost group g" "member g bob" \
	"request g dave" "member g1only bob" "request g1only dave" \
	"member g2only carol" "member g2only dave" "member alice2 alice" \
	>"$T/facts"
check_facts "partition: lost holds the losers, other writes kept" \
	"$T/facts" 1 2
for n in 1 2; do
	run_client "win$n" "$T/only$n.txt" <<'S'
login alice pa1
list_groups
S
	check_eq "partition: the winner's password works on tracker $n" \
		"logged in as alice
alice2
g
g1only
g2only
sg" "$(out "win$n")"
	run_client "lose$n" "$T/only$n.txt" <<<"login alice pa2"
	check_eq "partition: the loser's password fails on tracker $n" \
		"error: wrong user id or password" "$(err "lose$n")"
	run_client "g$n" "$T/only$n.txt" <<'S'
login bob pb
list_requests g
logout
login carol pc
leave_group g
list_requests g2only
S
	check_eq "partition: g is bob's on tracker $n, carol is not in it" \
		"logged in as bob
dave
logged out
logged in as carol" "$(out "g$n")"
	check_eq "partition: carol's g is gone on tracker $n" \
		"error: carol is not a member of group g" "$(err "g$n")"
done

# The idle one learns it from its keepalive (every 20 s), and says why.
check "partition: the idle loser's client is told within 25 s" \
	wait_for 500 nlines "$T/i2.err" 1
check "partition: ... with a line starting \"error: session ended\"" \
	has_prefix "$T/i2.err" "error: session ended"
echo "  (the idle loser's client said: $(head -1 "$T/i2.err"))"
end_client w1
end_client l2
end_client i2

for n in 1 2; do stop_tracker "$n" || fail "partition: tracker $n stops with status 0"; done
mkdir -p "$T/two"
mv "$T"/t[0-9] "$T/two/"

# --- three trackers: the middle one is cut off ---
cluster 3
for n in 1 2 3; do start_ctl_tracker "$n"; done
for n in 1 2 3; do info_file "only$n.txt" "$n" >/dev/null; done
run_client setup3 "$T/only3.txt" <<'S'
create_user p1 p
create_user p2 p
create_user p3 p
S
check_eq "partition3: setup" 0 "$RC"
check_converged "partition3: converged before the cut" 1 2 3
tracker_cmd 2 cut
check "partition3: tracker 2 takes the cut" \
	wait_for 200 sync_log_has 2 "sync channels cut"
check "partition3: tracker 1 loses tracker 2" \
	wait_for 200 sync_log_has 1 "sync: tracker 2: channel down"
check "partition3: tracker 3 loses tracker 2" \
	wait_for 200 sync_log_has 3 "sync: tracker 2: channel down"

run_client a1 "$T/only1.txt" <<'S'
login p1 p
create_group a1
create_group c
create_user n1 p
S
run_client a2 "$T/only2.txt" <<'S'
login p2 p
create_group a2
create_group c
create_user n2 p
S
run_client a3 "$T/only3.txt" <<'S'
login p3 p
create_group a3
create_user n3 p
S
check_eq "partition3: writes on all three" "logged in as p1
group a1 created
group c created
user n1 created
logged in as p2
group a2 created
group c created
user n2 created
logged in as p3
group a3 created
user n3 created" "$(out a1; out a2; out a3)"
check_converged "partition3: trackers 1 and 3 converge while 2 is cut" 1 3
check "partition3: tracker 2 stays apart" differ 1 2
# Side 1-3 keeps working across its two trackers: a join through tracker
# 3 to a group made on tracker 1, accepted through tracker 1.
run_client b3 "$T/only3.txt" <<'S'
login p3 p
join_group a1
join_group c
S
run_client b1 "$T/only1.txt" <<'S'
login p1 p
accept_request a1 p3
S
run_client b2 "$T/only2.txt" <<'S'
login p2 p
join_group a1
S
check_eq "partition3: cross-tracker work on the 1-3 side" "logged in as p3
asked to join group a1
asked to join group c
logged in as p1
p3 accepted into group a1" "$(out b3; out b1)"
check_eq "partition3: tracker 2 does not know a1 while cut" \
	"error: no such group: a1" "$(err b2)"

tracker_cmd 2 heal
check_converged "partition3: all three converge after heal" 1 2 3
printf '%s\n' "lost group c" "member c p1" "request c p3" "member a1 p3" \
	"member a2 p2" "member a3 p3" "user n1" "user n2" "user n3" >"$T/facts3"
check_facts "partition3: every write kept, c from tracker 1" "$T/facts3" 1 2 3
for n in 1 2 3; do
	run_client "q$n" "$T/only$n.txt" <<'S'
login p1 p
list_groups
list_requests c
S
	check_eq "partition3: tracker $n answers" "logged in as p1
a1
a2
a3
c
p3" "$(out "q$n")"
done
for n in 1 2 3; do stop_tracker "$n" || fail "partition3: tracker $n stops with status 0"; done
