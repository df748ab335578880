#!/usr/bin/env bash
# A stranger tracker: two trackers form a cluster (no --secret: they pin
# each other's keys in trackerN.peers at first contact).  Tracker 2 is
# stopped and the real binary is started as tracker 2, with the same
# tracker_info.txt, in a fresh directory (so with another key), on
# tracker 2's port.  Tracker 1 must refuse it ("refused as tracker 2"), a
# user created on the stranger must never reach tracker 1, and when the
# real tracker 2 comes back in its own directory its channel comes up
# again and what tracker 1 took meanwhile reaches it.
. "$(dirname "$0")/lib.sh"

cluster 2
start_tracker 1
start_tracker 2
check "stranger: channel up on tracker 1" \
	wait_for 400 sync_log_has 1 "sync: tracker 2: channel up"
check "stranger: channel up on tracker 2" \
	wait_for 400 sync_log_has 2 "sync: tracker 1: channel up"
FP2=$(tracker_fp 2)
check "stranger: tracker 1 pinned tracker 2's key" \
	grep -qF "tracker-2@127.0.0.1:${TPORTS[1]} $FP2" "$T/t1/tracker1.peers"

users_named() { db_count "$1" "SELECT count(*) FROM users WHERE name = '$2'"; }
user_on() { [ "$(users_named "$1" "$2")" = 1 ]; }
ONLY1=$(info_file only1.txt 1)
run_client pre "$ONLY1" <<<"create_user pre pw"
check "stranger: a user created on tracker 1 reaches tracker 2" \
	wait_for 200 user_on 2 pre
stop_tracker 2 || fail "stranger: tracker 2 stops with status 0"

# The stranger: tracker 2 in a fresh directory (a new key), same address.
start_tracker_in "$T/s2" 2
SPID=$LAST_TPID
SFP=$(dir_fp "$T/s2")
check "stranger: it has another key than tracker 2" \
	test -n "$SFP" -a "$SFP" != "$FP2"
check "stranger: tracker 1 refuses it as tracker 2" \
	wait_for 400 sync_log_has 1 "refused as tracker 2: it proved key $SFP"
grep -m1 "refused as tracker 2" "$T/t1/err.log" | sed 's/^/  /'

# A user created on the stranger (a client that never met tracker 2).
echo "127.0.0.1:${TPORTS[1]}" >"$T/only_s.txt"
P2PS_HOME=$T/home_s run_client evil "$T/only_s.txt" <<<"create_user evil pw-evil"
check_eq "stranger: a user is created on the stranger" "user evil created" \
	"$(out evil)"
check_eq "stranger: the stranger holds it" 1 \
	"$(python3 - "$T/s2/tracker2.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=5)
print(db.execute("SELECT count(*) FROM users WHERE name = 'evil'").fetchone()[0])
PY
)"
# Meanwhile tracker 1 takes a user of its own.
run_client mid "$ONLY1" <<<"create_user mid pw-mid"
check_eq "stranger: tracker 1 goes on alone" "user mid created" "$(out mid)"
# For 4 s the stranger's user must not show on tracker 1.
# never_for SECONDS CMD...: CMD fails at every try for SECONDS (each try
# a query of the database; they follow each other 50 ms apart).
never_for() {
	local end=$(($(date +%s%N) + $1 * 1000000000)) n=0; shift
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" && return 1
		n=$((n + 1)); sleep 0.05
	done
	echo "  $n tries"
}
check "stranger: its user never reaches tracker 1 (4 s)" never_for 4 user_on 1 evil
check_eq "stranger: no channel came up with the stranger" 1 \
	"$(grep -c 'sync: tracker 2: channel up' "$T/t1/err.log")"
run_client evil1 "$ONLY1" <<<"login evil pw-evil"
check_eq "stranger: nor can it log in there (exit 1)" 1 "$RC"
sed 's/^/  /' "$T/evil1.err"
nref=$(grep -c 'refused as tracker 2' "$T/t1/err.log")
check "stranger: tracker 1 kept refusing it ($nref times)" test "$nref" -ge 2
kill -TERM "$SPID"
wait "$SPID"
check_eq "stranger: the stranger exits 0" 0 "$?"
check "stranger: ... and never had a channel up" \
	bash -c "! grep -q 'channel up' '$T/s2/err.log'"

# The real tracker 2 comes back in its own directory.
start_tracker 2
check_eq "stranger: tracker 2 has its own key back" "$FP2" "$(tracker_fp 2)"
up_twice() { [ "$(grep -c 'sync: tracker 2: channel up' "$T/t1/err.log")" -ge 2 ]; }
check "stranger: the channel comes up again on tracker 1" wait_for 400 up_twice
check "stranger: the user created meanwhile on tracker 1 reaches tracker 2" \
	wait_for 200 user_on 2 mid
check_eq "stranger: the stranger's user is on neither tracker" "0 0" \
	"$(users_named 1 evil) $(users_named 2 evil)"
check_converged "stranger: converged" 1 2

stop_tracker 1 && pass "stranger: tracker 1 exits 0" || fail "stranger: tracker 1 exits 0"
stop_tracker 2 && pass "stranger: tracker 2 exits 0" || fail "stranger: tracker 2 exits 0"
check "stranger: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' $T/t1/err.log $T/t2/err.log $T/s2/err.log $T/*.err"
