#!/usr/bin/env bash
# Identities: the key a tracker prints at start is the one it proves over
# TLS, kept beside its database (0600) across restarts; a client pins it
# in $P2PS_HOME/known_trackers on first contact and refuses, with one
# error line, a tracker on that address that proves another key; a key
# pinned in tracker_info.txt is checked as well; a session token counts
# only on a link that proves the key that logged in.  See wireproto.py.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cluster 1
start_tracker 1
PORT=${TPORTS[0]}
FP=$(tracker_fp 1)
check "tls: tracker prints its identity" \
	grep -qE '^SHA256:[A-Za-z0-9+/]{43}$' <<<"$FP"
served=$(cd "$HERE" && python3 -c "
import wireproto as w
c = w.Conn($PORT); c.hello(); print(c.peer_fingerprint())")
check_eq "tls: the key it proves is the one it printed" "$FP" "$served"
check_eq "tls: its key file is the owner's alone" 600 \
	"$(stat -c %a "$T/t1/tracker1.key")"
check_eq "tls: and so is its database" 600 "$(stat -c %a "$T/t1/tracker1.db")"

run_client first <<'S'
create_user ann pw
login ann pw
S
check_eq "tls: first contact works" "user ann created
logged in as ann" "$(out first)"
check_eq "tls: the client pinned the tracker's key" "127.0.0.1:$PORT $FP" \
	"$(grep -v '^#' "$P2PS_HOME/known_trackers" 2>/dev/null)"
check_eq "tls: known_trackers is the owner's alone" 600 \
	"$(stat -c %a "$P2PS_HOME/known_trackers" 2>/dev/null)"

# A session is bound to the key that logged in: its token is no session
# on a link that proves another key.
retry() { python3 "$HERE/cluster_retry.py" "$@"; }
retry_quiet() { retry "$@" >/dev/null; }
retry login "$PORT" ann pw "$T/tok" >/dev/null
check "tls: a token on a link with the key that logged in is a session" \
	retry_quiet create_group "$PORT" "$T/tok" 5 tg1
res=$(WIREPROTO_KEYDIR=$T/otherkey retry create_group "$PORT" "$T/tok" 6 tg2)
check "tls: the token under another key is no session ($res)" \
	grep -q '^error: not logged in' <<<"$res"

# Restarted in its directory: the same key, and clients go on.
stop_tracker 1 || fail "tls: tracker stops with status 0"
start_tracker 1
check_eq "tls: same key after a restart" "$FP" "$(tracker_fp 1)"
run_client again <<<"login ann pw"
check_eq "tls: the pinned tracker is accepted after a restart" \
	"logged in as ann" "$(out again)"

# Another tracker (another key) on the same address: refused.
stop_tracker 1 || fail "tls: tracker stops with status 0"
pins_before=$(cat "$P2PS_HOME/known_trackers")
start_tracker_in "$T/other" 1
OP=$LAST_TPID
OFP=$(dir_fp "$T/other")
check "tls: the other tracker has another key" test -n "$OFP" -a "$OFP" != "$FP"
run_client imp <<'S'
create_user bob pw
S
check_eq "tls: a client refuses a tracker with another key (exit 1)" 1 "$RC"
check_eq "tls: ... with one error line" 1 "$(grep -c '^error: ' "$T/imp.err")"
check "tls: ... naming known_trackers" grep -q known_trackers "$T/imp.err"
check_eq "tls: ... and sends it nothing" "" "$(out imp)"
check_eq "tls: the pin is left as it was" "$pins_before" \
	"$(cat "$P2PS_HOME/known_trackers")"

# A key pinned in tracker_info.txt (no known_trackers yet): checked too.
echo "127.0.0.1:$PORT $OFP" >"$T/pinned_ok.txt"
echo "127.0.0.1:$PORT $FP" >"$T/pinned_bad.txt"
P2PS_HOME=$T/home_ok run_client pin_ok "$T/pinned_ok.txt" <<<"create_user cid pw"
check_eq "tls: a tracker with the key tracker_info.txt pins is used" \
	"user cid created" "$(out pin_ok)"
P2PS_HOME=$T/home_bad run_client pin_bad "$T/pinned_bad.txt" <<<"create_user dan pw"
check_eq "tls: one with another key than tracker_info.txt pins: exit 1" 1 "$RC"
check_eq "tls: ... with one error line" 1 "$(grep -c '^error: ' "$T/pin_bad.err")"
check_eq "tls: ... and sends it nothing" "" "$(out pin_bad)"

kill -TERM "$OP"
wait "$OP"
check_eq "tls: the other tracker exits 0" 0 "$?"

# A key file others may read: refused, with the chmod that fixes it.
chmod 644 "$T/other/tracker1.key"
(cd "$T/other" && exec timeout 10 "$TRACKER" tracker_info.txt 1 \
	--kdf-iter 1000 </dev/null >/dev/null 2>"$T/other/bad.log")
rc=$?
check "tls: a tracker whose key others can read refuses to start ($rc)" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "tls: ... saying chmod 600" grep -q "chmod 600" "$T/other/bad.log"
check "tls: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' '$T/t1/err.log' '$T/other/err.log' $T/*.err"
