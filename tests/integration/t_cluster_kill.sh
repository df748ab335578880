#!/usr/bin/env bash
# A tracker killed (SIGKILL) in the middle of a burst of mutations from
# four clients at once, with two trackers and then with three.  Every
# command a client saw acknowledged must be held by every tracker once the
# killed one is back (cluster_check.py --expect, and listings through each
# tracker), the trackers must converge to the same state, and the clients
# that were using the killed tracker must carry on with another one: the
# rest of their burst and their later commands succeed, in the same
# session.
. "$(dirname "$0")/lib.sh"

NPG=25		# groups the clients ask to join, one per step
STEPS=25	# steps per client: create_user, create_group, join_group

# acked: acknowledgements printed so far by the four clients' bursts.
acked() {
	local k n=0
	for k in 1 2 3 4; do
		n=$((n + $(grep -c -e ' created$' -e '^asked to join' "$T/c$k.out")))
	done
	echo "$n"
}
acked_at_least() { [ "$(acked)" -ge "$1" ]; }
all_done() {
	local k
	for k in 1 2 3 4; do has_line "$T/c$k.out" "burst-done" || return 1; done
}

# round TAG NTRACKERS VICTIM ORDER1 ORDER2 ORDER3 ORDER4: the clients name
# the trackers in the given orders ("2 1": tracker 2 first); each uses the
# first one listed that is up.
round() {
	local tag=$1 nt=$2 v=$3 k i n m errs all=() on_victim=() xu at_kill
	shift 3
	for ((n = 1; n <= nt; n++)); do all+=("$n"); done
	cluster "$nt"
	for n in "${all[@]}"; do start_tracker "$n"; done
	for k in 1 2 3 4; do
		local order=$1; shift
		info_file "info$k.txt" $order >/dev/null
		[ "${order%% *}" = "$v" ] && on_victim+=("$k")
	done
	{
		echo "create_user owner po"
		for k in 1 2 3 4; do echo "create_user k$k pk$k"; done
		echo "login owner po"
		for ((i = 1; i <= NPG; i++)); do echo "create_group pg_$i"; done
	} >"$T/setup.scr"
	run_client setup <"$T/setup.scr"
	check_eq "$tag: setup succeeded" 0 "$RC"
	for k in 1 2 3 4; do
		start_client_held "c$k" "$T/info$k.txt"
		csend "c$k" "login k$k pk$k"
	done
	for k in 1 2 3 4; do
		wait_for 200 has_line "$T/c$k.out" "logged in as k$k" ||
			fail "$tag: client $k logs in"
	done
	for k in "${on_victim[@]}"; do
		check "$tag: client $k logged in through tracker $v" \
			grep -q ": k$k logged in" "$T/t$v/err.log"
	done
	check_converged "$tag: converged before the burst" "${all[@]}"

	# The burst: each client creates users and groups and asks to join
	# the owner's groups, as fast as it gets answers.
	for k in 1 2 3 4; do
		{
			for ((i = 1; i <= STEPS; i++)); do
				echo "create_user x${k}_$i px"
				echo "create_group xg${k}_$i"
				echo "join_group pg_$i"
			done
			echo "echo burst-done"
		} >"$T/burst$k.scr"
	done
	for k in 1 2 3 4; do csend "c$k" "$(cat "$T/burst$k.scr")"; done
	wait_for 400 acked_at_least 60 || fail "$tag: burst under way"
	crash_tracker "$v"
	at_kill=$(acked)
	check "$tag: tracker $v killed mid-burst ($at_kill of $((12 * STEPS)) acknowledged)" \
		test "$at_kill" -lt $((12 * STEPS))
	check "$tag: every client reaches the end of its burst" \
		wait_for 600 all_done
	for k in "${on_victim[@]}"; do
		check_eq "$tag: client $k (was on tracker $v): no command failed" \
			"" "$(err "c$k")"
	done
	for k in 1 2 3 4; do
		[[ " ${on_victim[*]} " = *" $k "* ]] && continue
		check_eq "$tag: client $k (elsewhere): no command failed" \
			"" "$(err "c$k")"
	done
	# Later commands, in the same sessions, while tracker $v is down.
	for k in 1 2 3 4; do csend "c$k" "create_group after$k" "list_groups"; done
	for k in 1 2 3 4; do
		check "$tag: client $k carries on after the kill" \
			wait_for 200 has_line "$T/c$k.out" "group after$k created"
	done

	# Every acknowledged mutation is on every tracker once $v is back.
	start_tracker "$v"
	check_converged "$tag: converged after tracker $v came back" "${all[@]}"
	for k in 1 2 3 4; do
		sed -n -e 's/^user \(.*\) created$/user \1/p' \
			-e "s/^group \(.*\) created$/member \1 k$k/p" \
			-e "s/^asked to join group \(.*\)$/request \1 k$k/p" \
			"$T/c$k.out"
	done >"$T/facts"
	check "$tag: $(wc -l <"$T/facts") acknowledged mutations recorded" \
		test "$(wc -l <"$T/facts")" -ge "$at_kill"
	check_facts "$tag: every acknowledged mutation is on every tracker" \
		"$T/facts" "${all[@]}"
	# Spot queries through each tracker alone: the owner's pending
	# requests and the groups, the same everywhere and as acknowledged.
	{
		echo "login owner po"
		for ((i = 1; i <= NPG; i++)); do echo "list_requests pg_$i"; done
		echo "list_groups"
	} >"$T/spot.scr"
	for n in "${all[@]}"; do
		run_client "spot$n" "$(info_file "only$n.txt" "$n")" <"$T/spot.scr"
	done
	for n in "${all[@]}"; do
		check_eq "$tag: tracker $n answers as tracker 1" \
			"$(out spot1)" "$(out "spot$n")"
	done
	# A command that failed may have been carried out all the same, so
	# the listings hold what was acknowledged and at most the failed ones.
	errs=$(cat "$T"/c[1-4].err | grep -c '^error: ')
	n=$(grep -c '^request ' "$T/facts")
	m=$(grep -c '^k[1-4]$' "$T/spot$v.out")
	check "$tag: join requests listed: $m ($n acknowledged, $errs failed)" \
		test "$m" -ge "$n" -a "$m" -le $((n + errs))
	n=$(grep -c '^member ' "$T/facts")
	m=$(grep -c -e '^xg' -e '^after' "$T/spot$v.out")
	check "$tag: groups listed: $m ($n acknowledged, $errs failed)" \
		test "$m" -ge "$n" -a "$m" -le $((n + errs))
	# A user created through another tracker while $v was down logs in
	# through $v.
	xu=$(sed -n 's/^user \(x.*\) created$/\1/p' "$T/c${on_victim[0]}.out" | tail -1)
	run_client late "$T/only$v.txt" <<<"login $xu px"
	check_eq "$tag: $xu (created while tracker $v was down) logs in through it" \
		"logged in as $xu" "$(out late)"

	for k in 1 2 3 4; do
		csend "c$k" "logout"
		end_client "c$k"
		check_eq "$tag: client $k exits 0" 0 "$RC"
	done
	for n in "${all[@]}"; do
		stop_tracker "$n" || fail "$tag: tracker $n stops with status 0"
	done
	mkdir -p "$T/$tag"
	mv "$T"/t[0-9]* "$T"/c[0-9].* "$T"/spot* "$T"/facts "$T/$tag/"
}

# Two trackers: clients 1 and 2 use tracker 1, which is killed.
round kill2 2 1 "1 2" "1 2" "2 1" "2 1"
# Three: clients 1 and 2 use tracker 2 (the middle one), which is killed.
round kill3 3 2 "2 1 3" "2 3 1" "1 2 3" "3 2 1"
