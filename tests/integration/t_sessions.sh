#!/usr/bin/env bash
# Sessions end: with `logout --all`, and after --session-idle without a
# client link to any tracker.
#  1. logout --all: one user logged in on two long-running clients, each
#     on another tracker of a cluster; `logout --all` on one; the other's
#     next command fails with "not logged in (session ended)", another
#     user's session goes on, and a fresh login works.
#  2. Idle expiry (tracker 1 with --session-idle 2; tracker 2 keeps the
#     default, so tracker 1 alone ends them): a wireproto login gets a
#     token, uses it once and closes; once tracker 1 logs that idle
#     sessions ended, a request with that token (from the same key) is
#     refused as not logged in, while a client that stayed connected the
#     whole time (idle too, but linked) keeps its session.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cluster 2
start_tracker 1 --session-idle 2
start_tracker 2
check "sessions: channel up" wait_for 400 sync_log_has 1 "sync: tracker 2: channel up"
ONLY1=$(info_file only1.txt 1)
ONLY2=$(info_file only2.txt 2)
run_client mk "$ONLY1" <<'S'
create_user sam pw-sam
create_user cat pw-cat
create_user kim pw-kim
create_user wu pw-wu
S
check_eq "sessions: users created" 0 "$RC"
sess_of() { db_count "$1" "SELECT count(*) FROM sessions WHERE user = '$2'"; }
users_on_2() { [ "$(db_count 2 "SELECT count(*) FROM users")" = 4 ]; }
check "sessions: the users reached tracker 2" wait_for 200 users_on_2

# --- 1. logout --all -------------------------------------------------------
start_client A "$ONLY1"
start_client B "$ONLY2"
start_client C "$ONLY2"
send A "login sam pw-sam"
send B "login sam pw-sam"
send C "login cat pw-cat"
for n in A B; do
	check "sessions: sam logged in on $n" \
		wait_for 200 has_line "$T/$n.out" "logged in as sam"
done
check "sessions: cat logged in on C" wait_for 200 has_line "$T/C.out" "logged in as cat"
two_on_2() { [ "$(sess_of 2 sam)" = 2 ]; }
check "sessions: tracker 2 knows both sessions of sam" wait_for 200 two_on_2
send A "logout --all"
check "sessions: logout --all on A (tracker 1)" wait_for 200 has_line "$T/A.out" \
	"logged out (every session of this user ended)"
none_on_2() { [ "$(sess_of 2 sam)" = 0 ]; }
check "sessions: the end reached tracker 2" wait_for 200 none_on_2
send B "create_group gb"
check "sessions: B's next command fails: not logged in (session ended)" \
	wait_for 200 has_line "$T/B.err" "error: not logged in (session ended)"
check "sessions: ... and B did not create the group" \
	bash -c "! grep -q 'group gb created' '$T/B.out'"
send C "create_group gc"
check "sessions: another user's session goes on" \
	wait_for 200 has_line "$T/C.out" "group gc created"
send B "login sam pw-sam" "create_group gb"
check "sessions: a fresh login on B works" wait_for 200 has_line "$T/B.out" \
	"group gb created"
check_eq "sessions: B logged in twice in all" 2 "$(grep -c '^logged in as sam$' "$T/B.out")"
send A "login sam pw-sam" "create_group ga"
check "sessions: and on A" wait_for 200 has_line "$T/A.out" "group ga created"

# --- 2. idle expiry ----------------------------------------------------------
start_client K "$ONLY1"
send K "login kim pw-kim"
check "sessions: kim logged in on K (a link that stays)" \
	wait_for 200 has_line "$T/K.out" "logged in as kim"
retry() { python3 "$HERE/cluster_retry.py" "$@"; }
P1=${TPORTS[0]}
retry login "$P1" wu pw-wu "$T/tok" || fail "sessions: wireproto login"
res=$(retry create_group "$P1" "$T/tok" 5 gw1)
check_eq "sessions: the token works while fresh" ok "$res"
t0=$(date +%s%N)
ended() { grep -q 'idle sessions ended' "$T/t1/err.log"; }
check "sessions: tracker 1 ends idle sessions (within 20 s)" wait_for 400 ended
echo "  ended after $((($(date +%s%N) - t0) / 1000000)) ms:" \
	"$(grep 'idle sessions ended' "$T/t1/err.log" | sed 's/.*info: //')"
check_eq "sessions: one session ended (the closed one), none of the linked" 1 \
	"$(sed -n 's/.* \([0-9]*\) idle sessions ended$/\1/p' "$T/t1/err.log" |
		awk '{ s += $1 } END { print s + 0 }')"
res=$(retry create_group "$P1" "$T/tok" 6 gw2)
check "sessions: the idle token is refused as not logged in ($res)" \
	grep -q '^error: not logged in' <<<"$res"
check_eq "sessions: wu has no session on tracker 1" 0 "$(sess_of 1 wu)"
wu_gone_2() { [ "$(sess_of 2 wu)" = 0 ]; }
check "sessions: ... nor, once replicated, on tracker 2" wait_for 200 wu_gone_2
check_eq "sessions: kim's session is still on both" "1 1" \
	"$(sess_of 1 kim) $(sess_of 2 kim)"
send K "create_group gk"
check "sessions: the linked client keeps its session past the idle time" \
	wait_for 200 has_line "$T/K.out" "group gk created"
check_eq "sessions: ... with no error" "" "$(err K)"

for n in A B C K; do
	send "$n" "logout"
	wait_for 200 has_line "$T/$n.out" "logged out"
	end_client "$n"
done
check_eq "sessions: K exits 0" 0 "$RC"
stop_tracker 1 && pass "sessions: tracker 1 exits 0" || fail "sessions: tracker 1 exits 0"
stop_tracker 2 && pass "sessions: tracker 2 exits 0" || fail "sessions: tracker 2 exits 0"
check "sessions: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' $T/t1/err.log $T/t2/err.log $T/*.err"
