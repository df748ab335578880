#!/usr/bin/env bash
# A tracker that starts late catches up: tracker 1 runs alone while four
# clients at once make some 380 mutations (users, logins and logouts,
# groups, join requests, accepts, rejects, uploads, a second sharer,
# stop_share, leave); then tracker 2 starts and must end with the same
# state (cluster_check.py) and answer every listing as tracker 1 does.
# Then tracker 2 is killed (SIGKILL), tracker 1 takes more mutations,
# tracker 2 starts again (and is killed once more right after it starts,
# maybe mid-stream) and catches up again.
. "$(dirname "$0")/lib.sh"

cluster 2
start_tracker 1
only1=$(info_file only1.txt 1)
only2=$(info_file only2.txt 2)
mkdir -p "$T/files"
for k in 1 2 3 4; do
	for x in a b c; do randfile "$T/files/f${k}_$x" $((1000 * k + 7)); done
done
nxt() { echo $(($1 % 4 + 1)); }		# client k's users join g<nxt>_*
prv() { echo $((($1 + 2) % 4 + 1)); }	# whose users join g<k>_*

# phase NAME GEN: run GEN k > script for k = 1..4, the four clients at once
# through tracker 1; every line of every script must succeed.
phase() {
	local name=$1 gen=$2 k bad=0 want got
	for k in 1 2 3 4; do
		"$gen" "$k" >"$T/$name$k.scr"
		bg_client "$name$k" "$only1" <"$T/$name$k.scr"
	done
	wait_bg
	want=0 got=0
	for k in 1 2 3 4; do
		[ "$(rc_of "$name$k")" = 0 ] || { bad=1; head -3 "$T/$name$k.err"; }
		want=$((want + $(wc -l <"$T/$name$k.scr")))
		got=$((got + $(wc -l <"$T/$name$k.out")))
	done
	MUTATIONS=$((MUTATIONS + got))
	check_eq "catchup: phase $name: every command acknowledged" \
		"0 $want" "$bad $got"
}
MUTATIONS=0

gen_a() {	# users, the first one's groups and two uploads
	local k=$1 i
	for i in $(seq 1 10); do echo "create_user u${k}_$i pw$i"; done
	echo "login u${k}_1 pw1"
	for i in $(seq 1 5); do echo "create_group g${k}_$i"; done
	echo "upload_file $T/files/f${k}_a g${k}_1"
	echo "upload_file $T/files/f${k}_b g${k}_1"
}
gen_b() {	# users 2..10 ask to join three groups of the next client
	local k=$1 n i j
	n=$(nxt "$k")
	for i in $(seq 2 10); do
		echo "login u${k}_$i pw$i"
		for j in 1 2 3; do echo "join_group g${n}_$j"; done
		echo "logout"
	done
}
gen_c() {	# the owner accepts into g_1, rejects from g_2, accepts some in g_3
	local k=$1 p i
	p=$(prv "$k")
	echo "login u${k}_1 pw1"
	for i in $(seq 2 10); do echo "accept_request g${k}_1 u${p}_$i"; done
	for i in $(seq 2 10); do echo "reject_request g${k}_2 u${p}_$i"; done
	for i in $(seq 2 5); do echo "accept_request g${k}_3 u${p}_$i"; done
}
gen_d() {	# stop_share, a second sharer, a new file, leave, ask again
	local k=$1 p
	p=$(prv "$k")
	echo "login u${k}_1 pw1"
	echo "stop_share g${k}_1 f${k}_b"
	echo "logout"
	echo "login u${p}_2 pw2"
	echo "upload_file $T/files/f${k}_a g${k}_1"
	echo "upload_file $T/files/f${p}_c g${k}_1"
	echo "leave_group g${k}_3"
	echo "join_group g${k}_2"
}
phase a gen_a
phase b gen_b
phase c gen_c
phase d gen_d
check "catchup: some 380 mutations made on tracker 1 alone" \
	test "$MUTATIONS" -ge 370

# What every tracker must answer: a listing script and its expected output.
gen_v() {
	local k
	echo "login u1_1 pw1"
	echo "list_groups"
	echo "logout"
	for k in 1 2 3 4; do
		echo "login u${k}_1 pw1"
		echo "list_requests g${k}_1"
		echo "list_requests g${k}_2"
		echo "list_requests g${k}_3"
		echo "list_files g${k}_1"
		echo "logout"
	done
}
fline() { printf '%s\t%s\t%s\n' "$1" "$(stat -c %s "$T/files/$1")" \
	"$(sha1_of "$T/files/$1")"; }
want_v() {
	local k p i
	echo "logged in as u1_1 (sharing 1 file again)"
	printf '%s\n' $GROUPS_NOW | LC_ALL=C sort
	echo "logged out"
	for k in 1 2 3 4; do
		p=$(prv "$k")
		echo "logged in as u${k}_1 (sharing 1 file again)"
		echo "u${p}_2"
		for i in 6 7 8 9 10; do echo "u${p}_$i"; done
		{ fline "f${k}_a"; fline "f${p}_c"; } | LC_ALL=C sort
		echo "logged out"
	done
}
GROUPS_NOW=$(echo g{1,2,3,4}_{1,2,3,4,5})
gen_v >"$T/v.scr"
want_v >"$T/v.want"
run_client v1 "$only1" <"$T/v.scr"
check_eq "catchup: tracker 1 answers the listings" "$(cat "$T/v.want")" "$(out v1)"

# Tracker 2 starts late and catches up.
start_tracker 2
check_converged "catchup: late tracker 2 caught up" 1 2
run_client v2 "$only2" <"$T/v.scr"
check_eq "catchup: tracker 2 answers the listings as tracker 1" \
	"$(cat "$T/v.want")" "$(out v2)"
check_eq "catchup: tracker 2 listing printed no error" "" "$(err v2)"
check_eq "catchup: tracker 2 holds every op of tracker 1" \
	"$(db_count 1 "SELECT group_concat(origin || ':' || seq) FROM hwm")" \
	"$(db_count 2 "SELECT group_concat(origin || ':' || seq) FROM hwm")"

# Tracker 2 dies; tracker 1 goes on.
crash_tracker 2
gen_e() {	# new users and a group each, joins across, accept, leave
	local k=$1 i
	for i in 1 2 3 4 5; do echo "create_user v${k}_$i pv$i"; done
	echo "login v${k}_1 pv1"
	echo "create_group h$k"
	echo "join_group g${k}_4"
	echo "upload_file $T/files/f${k}_b h$k"
	echo "logout"
	echo "login u${k}_1 pw1"
	echo "accept_request g${k}_4 v${k}_1"
	echo "join_group h$k"
	echo "leave_group g${k}_5"
}
phase e gen_e
gen_v2() {
	local k
	for k in 1 2 3 4; do
		echo "login v${k}_1 pv1"
		echo "list_requests h$k"
		echo "list_files h$k"
		echo "logout"
	done
	echo "login u1_1 pw1"
	echo "list_groups"
}
want_v2() {
	local k i
	for k in 1 2 3 4; do
		echo "logged in as v${k}_1 (sharing 1 file again)"
		echo "u${k}_1"
		fline "f${k}_b"
		echo "logged out"
	done
	echo "logged in as u1_1 (sharing 1 file again)"
	for k in 1 2 3 4; do
		for i in 1 2 3 4; do echo "g${k}_$i"; done
		echo "h$k"
	done | LC_ALL=C sort
}
gen_v2 >"$T/v2.scr"
want_v2 >"$T/v2.want"
run_client w1 "$only1" <"$T/v2.scr"
check_eq "catchup: tracker 1 answers the new listings" \
	"$(cat "$T/v2.want")" "$(out w1)"

# Restarted, tracker 2 is killed again at once (before or in the middle of
# its catch-up), then started for good.
start_tracker 2
crash_tracker 2
start_tracker 2
check_converged "catchup: restarted tracker 2 caught up" 1 2
run_client w2 "$only2" <"$T/v2.scr"
check_eq "catchup: tracker 2 answers the new listings" \
	"$(cat "$T/v2.want")" "$(out w2)"
run_client v2b "$only2" <"$T/v.scr"
GROUPS_NOW=$(echo g{1,2,3,4}_{1,2,3,4} h{1,2,3,4})
check_eq "catchup: tracker 2 answers the first listings (g*_5 gone)" \
	"$(want_v)" "$(out v2b)"
stop_tracker 1 && pass "catchup: tracker 1 stops with status 0" ||
	fail "catchup: tracker 1 stops with status 0"
stop_tracker 2 && pass "catchup: tracker 2 stops with status 0" ||
	fail "catchup: tracker 2 stops with status 0"
