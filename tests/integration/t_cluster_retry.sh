#!/usr/bin/env bash
# A request carried out by a tracker that dies before its op leaves, and
# retried by the client on another tracker.  The client resends the same
# frame (same request id, same bytes), so the trackers can tell it is one
# request.  Here, at the wire level and deterministically: ann's
# create_group dup (request id 777) reaches tracker 2, cut off so its op
# stays there, which commits it; tracker 2 is then killed (SIGKILL) before
# anyone hears of it; the same frame goes to tracker 1, which carries it
# out and answers; through tracker 1, ben asks to join dup and ann accepts
# him, both acknowledged.  Tracker 2 comes back and the two converge.
# Every acknowledged command must still hold: ben is a member of dup, and
# one request is not a conflict with itself (nothing in `lost`).
# Then LOGIN, the same way: a login made by tracker 2 and resent to
# tracker 1 (after tracker 2 was killed with its op unsent, and once the
# op had arrived) makes one session each time, with the token proposed,
# on both trackers once they converge.
. "$(dirname "$0")/lib.sh"

RETRY=$(dirname "$0")/cluster_retry.py
db_query() {
	python3 - "$(tracker_db "$1")" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=5)
for r in db.execute(sys.argv[2]):
    print("|".join(map(str, r)))
PY
}

cluster 2
start_ctl_tracker 1
start_ctl_tracker 2
only1=$(info_file only1.txt 1)
info_file only2.txt 2 >/dev/null
run_client setup "$only1" <<'S'
create_user ann pa
create_user ben pb
create_user cat pc
S
check_eq "retry: setup" 0 "$RC"
python3 "$RETRY" login "${TPORTS[1]}" ann pa "$T/tok"
check "retry: ann has a session through tracker 2" test -s "$T/tok"
check_converged "retry: converged (ann's session known to both)" 1 2

tracker_cmd 2 cut
check "retry: tracker 2 is cut off" wait_for 200 sync_log_has 1 "sync: tracker 2: channel down"
check_eq "retry: tracker 2 carries out create_group dup" "ok" \
	"$(python3 "$RETRY" create_group "${TPORTS[1]}" "$T/tok" 777 dup)"
crash_tracker 2
check_eq "retry: the same request, resent to tracker 1, is answered" "ok" \
	"$(python3 "$RETRY" create_group "${TPORTS[0]}" "$T/tok" 777 dup)"
run_client b1 "$only1" <<'S'
login ben pb
join_group dup
logout
login ann pa
accept_request dup ben
list_groups
S
check_eq "retry: ben joins dup and ann accepts him, through tracker 1" \
	"logged in as ben
asked to join group dup
logged out
logged in as ann
ben accepted into group dup
dup" "$(out b1)"

start_ctl_tracker 2
check_converged "retry: converged after tracker 2 came back" 1 2
printf '%s\n' "member dup ann" "member dup ben" >"$T/facts"
check_facts "retry: the acknowledged accept of ben holds" "$T/facts" 1 2
for n in 1 2; do
	check_eq "retry: tracker $n: one request, no conflict recorded" "" \
		"$(db_query "$n" "SELECT kind, name FROM lost")"
	run_client "m$n" "$T/only$n.txt" <<'S'
login ben pb
list_files dup
S
	check_eq "retry: tracker $n: ben is a member of dup (list_files)" "" \
		"$(err "m$n")"
done

# --- LOGIN resent after a failover -------------------------------------------
tok1=00112233445566778899aabbccddeeff
tok2=ffeeddccbbaa99887766554433221100
ncat() {
	db_query "$1" "SELECT count(*) FROM sessions WHERE user = 'cat'"
}
tracker_cmd 2 cut
check "retry: tracker 2 is cut off again" \
	wait_for 200 eval '[ "$(grep -c "sync: tracker 2: channel down" "$T/t1/err.log")" -ge 2 ]'
check_eq "retry: tracker 2 logs cat in with the token proposed" "$tok1" \
	"$(python3 "$RETRY" login_as "${TPORTS[1]}" cat pc "$tok1")"
crash_tracker 2
check_eq "retry: the same LOGIN, resent to tracker 1, gets the same token" \
	"$tok1" "$(python3 "$RETRY" login_as "${TPORTS[0]}" cat pc "$tok1")"
start_ctl_tracker 2
check_converged "retry: converged after the login retried" 1 2
for n in 1 2; do
	check_eq "retry: tracker $n: one session of cat, not two" 1 "$(ncat "$n")"
done
check_eq "retry: a login through tracker 1" "$tok2" \
	"$(python3 "$RETRY" login_as "${TPORTS[0]}" cat pc "$tok2")"
check "retry: tracker 2 has it" wait_for 200 eval '[ "$(ncat 2)" = 2 ]'
check_eq "retry: the same LOGIN resent to tracker 2 is answered with the session" \
	"$tok2" "$(python3 "$RETRY" login_as "${TPORTS[1]}" cat pc "$tok2")"
check "retry: tracker 2 saw a retry" \
	grep -q "cat logged in (a retry: the session was made already)" "$T/t2/err.log"
check_eq "retry: a wrong password with that token is still refused" \
	"error: wrong user id or password" \
	"$(python3 "$RETRY" login_as "${TPORTS[1]}" cat nope "$tok2")"
check_converged "retry: converged after the second login" 1 2
for n in 1 2; do
	check_eq "retry: tracker $n: two sessions of cat in all" 2 "$(ncat "$n")"
done
for n in 1 2; do stop_tracker "$n" || fail "retry: tracker $n stops with status 0"; done
