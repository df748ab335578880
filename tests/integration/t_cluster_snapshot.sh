#!/usr/bin/env bash
# Log trimming and snapshot catch-up.  Trackers run with --log-keep 40, so
# their op logs hold at most about 40 ops whoever has seen them.
#   1. Tracker 1 alone takes some 200 mutations (users, groups, requests,
#      accepts, uploads): its log stays bounded and records where it was
#      cut (logbase).  Tracker 2 starts late and lacks ops no longer
#      logged, so it is sent a snapshot: it ends with tracker 1's state
#      (cluster_check.py), answers the listings as tracker 1 does, and
#      ops made after the snapshot flow on both ways.  Once each holds
#      everything, both logs are emptied (every op held everywhere).
#   2. The channel is cut; both sides take more than 40 mutations, one
#      the same user id created on both; after "heal" each lacks ops the
#      other trimmed: both are sent snapshots, and they converge with the
#      earlier alice kept on both and the other recorded as lost.
#   3. A new cluster of three: the third, killed (SIGKILL) after it
#      caught up once, misses more than 40 ops on each of the others, which
#      trim their logs to the bound (it holds too little to trim by what
#      all hold); it catches up by a snapshot when it returns, and then
#      every log empties.
. "$(dirname "$0")/lib.sh"

LOGKEEP=40
log_count() { grep -cF -- "$2" "$T/t$1/err.log" 2>/dev/null; }
log_count_ge() { [ "$(log_count "$1" "$2")" -ge "$3" ]; }
log_rows() { db_count "$1" 'SELECT count(*) FROM oplog'; }
log_rows_le() { local n; n=$(log_rows "$1") && [ -n "$n" ] && [ "$n" -le "$2" ]; }
hwms() { db_count "$1" "SELECT group_concat(origin || ':' || seq) FROM hwm"; }

cluster 2
start_ctl_tracker 1 --log-keep "$LOGKEEP"
only1=$(info_file only1.txt 1)
only2=$(info_file only2.txt 2)
mkdir -p "$T/files"
for k in 1 2 3; do randfile "$T/files/f$k" $((70000 * k + 11)); done

# --- 1. a late tracker, more than a log behind ---
gen_a() {	# k: 20 users, 5 groups, 10 join requests, 5 accepts, an upload
	local k=$1 i
	for i in $(seq 1 20); do echo "create_user u${k}_$i pw$i"; done
	echo "login u${k}_1 pw1"
	for i in $(seq 1 5); do echo "create_group g${k}_$i"; done
	echo "upload_file $T/files/f$k g${k}_1"
	echo "logout"
	for i in $(seq 2 11); do
		echo "login u${k}_$i pw$i"
		echo "join_group g${k}_1"
		echo "logout"
	done
	echo "login u${k}_1 pw1"
	for i in $(seq 2 6); do echo "accept_request g${k}_1 u${k}_$i"; done
}
for k in 1 2 3; do gen_a "$k" >"$T/a$k.scr"; bg_client "a$k" "$only1" <"$T/a$k.scr"; done
wait_bg
check_eq "snapshot: every command on tracker 1 succeeded" "0 0 0" \
	"$(rc_of a1) $(rc_of a2) $(rc_of a3)"
check "snapshot: tracker 1 took more than 150 ops" \
	test "$(db_count 1 'SELECT seq FROM hwm WHERE origin = 1')" -gt 150
check "snapshot: tracker 1's log is trimmed to its bound ($LOGKEEP ops)" \
	wait_for 100 log_rows_le 1 "$LOGKEEP"
check "snapshot: tracker 1 records where its log begins" \
	test "$(db_count 1 'SELECT seq FROM logbase WHERE origin = 1')" -gt 100

gen_v() {
	local k
	for k in 1 2 3; do
		echo "login u${k}_1 pw1"
		echo "list_requests g${k}_1"
		echo "list_files g${k}_1"
		echo "logout"
	done
	echo "login u1_7 pw7"
	echo "list_groups"
}
gen_v >"$T/v.scr"
run_client v1 "$only1" <"$T/v.scr"
check_eq "snapshot: tracker 1 answers the listings" "0" "$RC"

start_ctl_tracker 2 --log-keep "$LOGKEEP"
check "snapshot: tracker 1 sends tracker 2 a snapshot" \
	wait_for 200 sync_log_has 1 "sync: tracker 2: lacks ops no longer logged here: sending a snapshot"
check "snapshot: tracker 2 merges it" \
	wait_for 200 sync_log_has 2 "sync: tracker 1: snapshot merged"
check_converged "snapshot: late tracker 2 converged by snapshot" 1 2
run_client v2 "$only2" <"$T/v.scr"
check_eq "snapshot: tracker 2 answers the listings as tracker 1" \
	"$(out v1)" "$(out v2)"
check_eq "snapshot: tracker 2 listing printed no error" "" "$(err v2)"

# Ops after the snapshot flow both ways, by the log again.
run_client after2 "$only2" <<'S'
create_user late2 pl
login u1_1 pw1
accept_request g1_1 u1_7
S
check_eq "snapshot: mutations on tracker 2 after its snapshot" 0 "$RC"
run_client after1 "$only1" <<'S'
create_user late1 pl
login late1 pl
join_group g2_2
S
check_eq "snapshot: mutations on tracker 1 after the snapshot" 0 "$RC"
check_converged "snapshot: both directions flow after the snapshot" 1 2
check "snapshot: tracker 1 sent one snapshot only" \
	test "$(log_count 1 'sending a snapshot')" -eq 1
# Every op is now held by both: each log lets go of all of them.
check "snapshot: tracker 1's log empties once tracker 2 holds all" \
	wait_for 100 log_rows_le 1 0
check "snapshot: tracker 2's log empties once tracker 1 holds all" \
	wait_for 100 log_rows_le 2 0

# --- 2. a partition longer than a log, a conflict on each side ---
tracker_cmd 2 cut
check "snapshot: tracker 2 takes the cut" \
	wait_for 200 sync_log_has 2 "sync channels cut"
gen_p() {	# side: alice (own password), 20 users, a group, requests
	local s=$1 i
	echo "create_user alice pa$s"
	for i in $(seq 1 20); do echo "create_user p${s}_$i pw$i"; done
	echo "login p${s}_1 pw1"
	echo "create_group ps$s"
	echo "logout"
	for i in $(seq 2 15); do
		echo "login p${s}_$i pw$i"
		echo "join_group ps$s"
		echo "logout"
	done
}
gen_p 1 >"$T/p1.scr"
gen_p 2 >"$T/p2.scr"
run_client p1 "$only1" <"$T/p1.scr"
check_eq "snapshot: side 1 takes writes while cut" 0 "$RC"
run_client p2 "$only2" <"$T/p2.scr"
check_eq "snapshot: side 2 takes writes while cut" 0 "$RC"
check "snapshot: side 1 trims its log while cut" \
	wait_for 100 log_rows_le 1 "$LOGKEEP"
check "snapshot: side 2 trims its log while cut" \
	wait_for 100 log_rows_le 2 "$LOGKEEP"
tracker_cmd 2 heal
check "snapshot: after heal, tracker 2 is sent a snapshot" \
	wait_for 200 log_count_ge 1 "sending a snapshot" 2
check "snapshot: after heal, tracker 1 is sent a snapshot" \
	wait_for 200 log_count_ge 2 "sending a snapshot" 1
check_converged "snapshot: converged after a partition longer than the log" 1 2
# One alice on both: the one created first (side 1's script ran first).
run_client al1 "$only1" <<<"login alice pa1"
run_client al2 "$only2" <<<"login alice pa1"
check_eq "snapshot: the earlier alice logs in on both trackers" \
	"logged in as alice|logged in as alice" "$(out al1)|$(out al2)"
check_eq "snapshot: the later alice is recorded as lost on both" "1 1" \
	"$(db_count 1 "SELECT count(*) FROM lost WHERE name = 'alice'") $(db_count 2 "SELECT count(*) FROM lost WHERE name = 'alice'")"

# --- 3. three trackers, one away for longer than the log ---
for n in 1 2; do
	stop_tracker "$n" && pass "snapshot: tracker $n stops with status 0" ||
		fail "snapshot: tracker $n stops with status 0"
done
rm -rf "$T/t1" "$T/t2"
cluster 3
only1=$(info_file only1.txt 1)
only2=$(info_file only2.txt 2)
only3=$(info_file only3.txt 3)
for n in 1 2 3; do start_ctl_tracker "$n" --log-keep "$LOGKEEP"; done
run_client s1 "$only1" <<'S'
create_user owner po
login owner po
create_group m0
S
check_eq "snapshot: three trackers take writes" 0 "$RC"
check_converged "snapshot: tracker 3 caught up" 1 2 3
crash_tracker 3
run_client m1 "$only1" <<'S'
login owner po
create_group m1
create_group m2
S
rc1=$RC
for i in $(seq 1 50); do echo "create_user w$i pw"; done >"$T/m2.scr"
run_client m2 "$only2" <"$T/m2.scr"
check_eq "snapshot: 53 mutations while tracker 3 is down" "0 0" "$rc1 $RC"
check_converged "snapshot: trackers 1 and 2 converged without 3" 1 2
check "snapshot: tracker 1's log is trimmed to the bound while 3 is down" \
	wait_for 100 log_rows_le 1 "$LOGKEEP"
check "snapshot: tracker 2's log is trimmed to the bound while 3 is down" \
	wait_for 100 log_rows_le 2 "$LOGKEEP"
start_ctl_tracker 3 --log-keep "$LOGKEEP"
check_converged "snapshot: tracker 3 back after SIGKILL caught up" 1 2 3
check "snapshot: tracker 3 got a snapshot" \
	wait_for 100 sync_log_has 3 "snapshot merged"
check_eq "snapshot: tracker 3 got one snapshot, not one from each tracker" 1 \
	"$(log_count 3 "snapshot merged")"
grep -hF "offers a snapshot too" "$T/t3/err.log" | sed 's/^/  /'
run_client v3 "$only3" <<'S'
login w50 pw
list_groups
S
check_eq "snapshot: tracker 3 serves what it missed" 0 "$RC"
check "snapshot: tracker 3 lists m2" grep -qxF m2 "$T/v3.out"
for n in 1 2 3; do
	check "snapshot: tracker $n's log empties once all three hold all" \
		wait_for 100 log_rows_le "$n" 0
done

for n in 1 2 3; do
	stop_tracker "$n" && pass "snapshot: tracker $n stops with status 0" ||
		fail "snapshot: tracker $n stops with status 0"
done
