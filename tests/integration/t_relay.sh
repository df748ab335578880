#!/usr/bin/env bash
# A relay between two trackers cannot join the cluster nor inject a frame.
#
# The relay (relay.py) sits on the address tracker 1 has for tracker 2:
# tracker 1 runs with a tracker_info.txt whose line 2 is the relay's port,
# tracker 2 with the real one (each tracker in a directory of its own,
# its tracker_info.txt written there before it starts).  Which channels
# exist (tracker/sync.c, sp_schedule): only the tracker with the lower id
# dials, so tracker 1 dials "tracker 2" (here: the relay) and tracker 2
# only accepts; tracker 2 never dials tracker 1, so there is no direct
# path that could carry the replication while the relayed one fails.
# Every "sync: tracker 2: ..." line of tracker 1's log is the relayed
# channel.  All is on 127.0.0.1, so tracker 2's check that a channel
# comes from tracker 1's host passes for the relay: what is tested is
# the cryptography (pinned keys, proofs bound to the TLS session), not
# that address check.
#
#  a. --secret on both, a TLS-terminating relay (its own key on both
#     sides, decrypted frames forwarded verbatim), first contact: no
#     channel up; tracker 1 logs the proof refused; a user created on
#     tracker 1 never reaches tracker 2's database; the relay saw HELLO,
#     S_AUTH, S_PROOF and nothing after.  Then: the relay's failed proof
#     must not have pinned its key, and tracker 1 dialling tracker 2
#     directly must get a channel (README: with --secret a tracker must
#     prove the secret before it is taken, "not even at first contact").
#  b. no --secret, trackers that met directly (keys pinned), then tracker
#     1 restarted to go through the TLS-terminating relay: tracker 2
#     refuses it naming the relay's key; nothing replicated.  b2: the
#     relay on the very address tracker 1 pinned for tracker 2 (tracker 2
#     moved): tracker 1 refuses it naming the relay's key.
#  c. --secret, a byte-forwarding relay that injects, on the c2t stream
#     past the handshake, first a flipped byte (connection 1), then a
#     forged application-data record (connection 2): the channel works
#     through the relay until each injection, tracker 2 then drops it
#     (TLS read failed), tracker 1 reconnects through the relay, and
#     writes made before, during and after replicate; both databases end
#     with exactly the groups written (no op from garbage).
#  d. no --secret, first contact through the TLS-terminating relay: a
#     relay cannot join (proofs are bound to the TLS session), and since a
#     key is pinned only once its channel's proof checked out, the relay
#     leaves no pin: the real tracker 1, dialling tracker 2 directly
#     afterwards, gets a channel.  (A stranger that speaks the protocol
#     itself, with no secret to know, is still pinned at first contact:
#     trust on first use, as README says; t_stranger.)
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

# start_at DIR N INFO [args...]: tracker N in DIR with INFO as its
# tracker_info.txt; waits for its port (line N of INFO); PID in LAST_TPID.
start_at() {
	local dir=$1 n=$2 info=$3 port; shift 3
	mkdir -p "$dir"
	cp "$info" "$dir/tracker_info.txt"
	port=$(sed -n "${n}s/.*://p" "$info")
	(cd "$dir" && exec "$TRACKER" tracker_info.txt "$n" --kdf-iter 1000 "$@" \
		</dev/null >>"$dir/out.log" 2>>"$dir/err.log") &
	LAST_TPID=$!
	PIDS+=($!)
	wait_for 200 port_open "$port" ||
		{ fail "relay: tracker $n starts in $dir"; cat "$dir/err.log"; exit 1; }
}
# stop_pid WHAT PID: SIGTERM, and the exit status must be 0.
stop_pid() {
	kill -TERM "$2"; wait "$2"
	check_eq "relay: $1 exits 0" 0 "$?"
}
# start_relay NAME MODE LISTEN TARGET [args...]: relay.py with a key of its
# own; log in $T/NAME.log, PID in RPID, its key in RFP (tls mode).
start_relay() {
	local name=$1; shift
	WIREPROTO_KEYDIR=$T/$name.key python3 "$HERE/relay.py" "$@" \
		>"$T/$name.log" 2>"$T/$name.err" &
	RPID=$!
	PIDS+=($!)
	wait_for 200 has_prefix "$T/$name.log" "ready " ||
		{ fail "relay: $name starts"; cat "$T/$name.err"; exit 1; }
	RFP=$(sed -n 's/^ready .* key //p' "$T/$name.log")
}
stop_relay() { kill "$RPID"; reap "$RPID"; }
# info FILE PORT...: a tracker_info.txt naming 127.0.0.1:PORT... in order.
info() { local f=$1; shift; printf '127.0.0.1:%s\n' "$@" >"$f"; }
# users DIR N NAME: rows of users named NAME in tracker N's database there.
users() {
	sqlite3 -readonly "file:$1/tracker$2.db?mode=ro" \
		"SELECT count(*) FROM users WHERE name = '$3'" 2>/dev/null
}
user_on() { [ "$(users "$@")" = 1 ]; }
groups_of() {
	sqlite3 -readonly "file:$1/tracker$2.db?mode=ro" \
		"SELECT name FROM grp ORDER BY name" 2>/dev/null | tr '\n' ' '
}
# never_for SECONDS CMD...: CMD fails at every try (50 ms apart) for SECONDS.
never_for() {
	local end=$(($(date +%s%N) + $1 * 1000000000)) n=0; shift
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" && return 1
		n=$((n + 1)); sleep 0.05
	done
}
count() { grep -c -- "$2" "$1" 2>/dev/null; }
at_least() { [ "$(count "$1" "$2")" -ge "$3" ]; }
# frames_only LOG TYPES: every relayed connection that ended carried only
# frames named in TYPES (a regex alternation), both ways.
frames_only() {
	! sed -n 's/.*_frames=\([^ ]*\) t2c_frames=\(.*\)/\1,\2/p' "$1" |
		tr ',' '\n' | grep -vxE -- "-|$2" | grep -q .
}
printf 'correct horse battery staple\n' >"$T/secret"
chmod 600 "$T/secret"

# --- a. --secret, TLS-terminating relay, first contact ------------------------
cluster 2
P1=${TPORTS[0]} P2=${TPORTS[1]} RP=$(free_ports 1)
info "$T/a_via" "$P1" "$RP"
info "$T/a_direct" "$P1" "$P2"
info "$T/a_only1" "$P1"
start_relay ra tls "$RP" "$P2"
start_at "$T/a2" 2 "$T/a_direct" --secret "$T/secret"
A2=$LAST_TPID
start_at "$T/a1" 1 "$T/a_via" --secret "$T/secret"
A1=$LAST_TPID
check "relay a: the relay is dialled and dials tracker 2" \
	wait_for 200 grep -q '^conn 1 tls up' "$T/ra.log"
check "relay a: tracker 1 refuses the proof relayed from tracker 2" \
	wait_for 200 grep -q 'sync: tracker 2: dropping channel: wrong cluster secret' \
	"$T/a1/err.log"
run_client a_w "$T/a_only1" <<<"create_user alice pw"
check_eq "relay a: a user is created on tracker 1" "user alice created" "$(out a_w)"
n0=$(count "$T/ra.log" '^conn [0-9]* open')
check "relay a: tracker 1 keeps dialling the relay" \
	wait_for 200 at_least "$T/ra.log" '^conn [0-9]* open' $((n0 + 2))
check "relay a: the user never reaches tracker 2 (3 s)" \
	never_for 3 user_on "$T/a2" 2 alice
check_eq "relay a: no channel up on either tracker" 0 \
	"$(cat "$T/a1/err.log" "$T/a2/err.log" | grep -c 'channel up')"
check "relay a: the relay saw S_AUTH both ways and tracker 2's S_PROOF" \
	grep -qE '^conn [0-9]+ .*c2t_frames=HELLO,S_AUTH[^ ]* t2c_frames=HELLO,S_AUTH,S_PROOF' \
	"$T/ra.log"
check "relay a: ... and nothing after AUTH/PROOF, on any connection" \
	frames_only "$T/ra.log" 'HELLO|S_AUTH|S_PROOF'
grep -m1 '^conn 1 closed' "$T/ra.log" | sed 's/^/  relay: /'
grep -m1 'dropping channel' "$T/a2/err.log" | sed 's/^/  tracker 2: /'
FP1=$(dir_fp "$T/a1")
# A proof that failed must leave nothing behind: no pin of the relay.
check "relay a: the failed proof pinned no key of the relay on tracker 2" \
	bash -c "! grep -qF -- '$RFP' '$T/a2/tracker2.peers' 2>/dev/null"
check "relay a: ... nor on tracker 1" \
	bash -c "! grep -qF -- '$RFP' '$T/a1/tracker1.peers' 2>/dev/null"
sed 's/^/  a2 tracker2.peers: /' "$T/a2/tracker2.peers" 2>/dev/null
stop_relay
stop_pid "tracker 1 (a)" "$A1"
# Tracker 1 back in its directory (same key), dialling tracker 2 directly.
start_at "$T/a1" 1 "$T/a_direct" --secret "$T/secret"
A1=$LAST_TPID
check "relay a: the relay gone, tracker 1 dials tracker 2 directly: channel up" \
	wait_for 200 grep -q 'sync: tracker 1: channel up' "$T/a2/err.log"
grep 'refused as tracker 1' "$T/a2/err.log" | head -1 | sed 's/^/  tracker 2: /'
stop_pid "tracker 1 (a)" "$A1"
stop_pid "tracker 2 (a)" "$A2"

# --- b. no --secret, pins in place, then the TLS-terminating relay ------------
cluster 2
P1=${TPORTS[0]} P2=${TPORTS[1]} RP=$(free_ports 1)
info "$T/b_via" "$P1" "$RP"
info "$T/b_direct" "$P1" "$P2"
info "$T/b_only1" "$P1"
start_at "$T/b2" 2 "$T/b_direct"
B2=$LAST_TPID
start_at "$T/b1" 1 "$T/b_direct"
B1=$LAST_TPID
FP1=$(dir_fp "$T/b1") FP2=$(dir_fp "$T/b2")
check "relay b: tracker 1 and 2 meet directly" \
	wait_for 200 grep -q 'sync: tracker 1: channel up' "$T/b2/err.log"
run_client b_w1 "$T/b_only1" <<<"create_user bea pw"
check "relay b: a user created on tracker 1 reaches tracker 2" \
	wait_for 200 user_on "$T/b2" 2 bea
check "relay b: tracker 2 pinned tracker 1's key" \
	grep -qxF "tracker-1@127.0.0.1:$P1 $FP1" "$T/b2/tracker2.peers"
stop_pid "tracker 1 (b)" "$B1"
start_relay rb tls "$RP" "$P2"
start_at "$T/b1" 1 "$T/b_via"
B1=$LAST_TPID
check_eq "relay b: tracker 1 has its key back" "$FP1" "$(dir_fp "$T/b1")"
check "relay b: tracker 2 refuses the relay as tracker 1, naming its key" \
	wait_for 200 grep -q "refused as tracker 1: it proved key $RFP, but tracker2.peers line 1 pins $FP1" \
	"$T/b2/err.log"
grep -m1 'refused as tracker 1' "$T/b2/err.log" | sed 's/^/  tracker 2: /'
run_client b_w2 "$T/b_only1" <<<"create_user bob pw"
check_eq "relay b: a user is created on tracker 1" "user bob created" "$(out b_w2)"
n0=$(count "$T/rb.log" '^conn [0-9]* open')
check "relay b: tracker 1 keeps dialling the relay" \
	wait_for 200 at_least "$T/rb.log" '^conn [0-9]* open' $((n0 + 2))
check "relay b: the user never reaches tracker 2 (3 s)" \
	never_for 3 user_on "$T/b2" 2 bob
check_eq "relay b: tracker 2 had one channel up, the direct one" 1 \
	"$(count "$T/b2/err.log" 'channel up')"
check "relay b: the relay got tracker 1's S_AUTH, and no S_PROOF from tracker 2" \
	grep -qE '^conn [0-9]+ .*c2t_frames=HELLO,S_AUTH t2c_frames=(HELLO|-)$' \
	"$T/rb.log"
check "relay b: ... nothing else on any connection" \
	frames_only "$T/rb.log" 'HELLO|S_AUTH'
grep "tracker-2@127.0.0.1:$RP" "$T/b1/tracker1.peers" |
	sed 's/^/  observed: tracker 1 pinned the relay (new address for tracker 2): /'
stop_relay
stop_pid "tracker 1 (b)" "$B1"

# b2. The relay on the address tracker 1 pinned for tracker 2, which moved.
stop_pid "tracker 2 (b)" "$B2"
P2B=$(free_ports 1)
info "$T/b_moved" "$P1" "$P2B"
start_relay rb2 tls "$P2" "$P2B"
start_at "$T/b2" 2 "$T/b_moved"
B2=$LAST_TPID
start_at "$T/b1" 1 "$T/b_direct"
B1=$LAST_TPID
check "relay b2: tracker 1 refuses the relay as tracker 2, naming its key" \
	wait_for 200 grep -q "sync: tracker 2: refused as tracker 2: it proved key $RFP, but tracker1.peers line 1 pins $FP2" \
	"$T/b1/err.log"
grep -m1 'refused as tracker 2' "$T/b1/err.log" | sed 's/^/  tracker 1: /'
check "relay b2: tracker 1 sent the relay nothing, not even its HELLO" \
	wait_for 200 grep -q '^conn 1 closed by client: c2t=0 ' "$T/rb2.log"
check "relay b2: ... on any connection" frames_only "$T/rb2.log" '-'
check_eq "relay b2: tracker 2 had no channel up since it moved" 1 \
	"$(count "$T/b2/err.log" 'channel up')"
stop_relay
stop_pid "tracker 1 (b2)" "$B1"
stop_pid "tracker 2 (b2)" "$B2"

# --- c. byte-forwarding relay that injects --------------------------------------
cluster 2
P1=${TPORTS[0]} P2=${TPORTS[1]} RP=$(free_ports 1)
info "$T/c_via" "$P1" "$RP"
info "$T/c_direct" "$P1" "$P2"
info "$T/c_only1" "$P1"
start_relay rc tcp "$RP" "$P2" --inject-after 200 --inject flip,record
start_at "$T/c2" 2 "$T/c_direct" --secret "$T/secret"
C2=$LAST_TPID
start_at "$T/c1" 1 "$T/c_via" --secret "$T/secret"
C1=$LAST_TPID
check "relay c: channel up through the byte relay" \
	wait_for 200 grep -q 'sync: tracker 1: channel up' "$T/c2/err.log"
run_client c_w0 "$T/c_only1" <<<"create_user cid pw"
check "relay c: a user created on tracker 1 reaches tracker 2 through it" \
	wait_for 200 user_on "$T/c2" 2 cid
check_eq "relay c: ... before any injection" 0 "$(count "$T/rc.log" injected)"
WRITTEN=()
# write_until WHAT: groups made on tracker 1, one client each, until the
# relay logs WHAT (at most 30).
write_until() {
	local i
	for ((i = 0; i < 30; i++)); do
		grep -q "$1" "$T/rc.log" && return 0
		g=g${#WRITTEN[@]}
		run_client "c_$g" "$T/c_only1" <<<"login cid pw
create_group $g"
		[ "$RC" -eq 0 ] || { fail "relay c: create_group $g"; err "c_$g"; }
		WRITTEN+=("$g")
	done
	grep -q "$1" "$T/rc.log"
}
check "relay c: a byte flipped toward tracker 2" write_until 'injected flip'
echo "  after ${#WRITTEN[@]} groups written"
grep 'injected' "$T/rc.log" | sed 's/^/  relay: /'
check "relay c: tracker 2 drops the channel: TLS read failed" \
	wait_for 200 grep -q 'sync: tracker 1: channel down: TLS read failed' \
	"$T/c2/err.log"
check "relay c: ... and it comes up again through the relay" \
	wait_for 200 at_least "$T/c2/err.log" 'sync: tracker 1: channel up' 2
check "relay c: a forged record put before tracker 1's next" \
	write_until 'injected record'
echo "  after ${#WRITTEN[@]} groups written"
grep 'injected record' "$T/rc.log" | sed 's/^/  relay: /'
check "relay c: tracker 2 drops that channel too" \
	wait_for 200 at_least "$T/c2/err.log" 'channel down: TLS read failed' 2
check "relay c: ... and it comes up a third time" \
	wait_for 200 at_least "$T/c2/err.log" 'sync: tracker 1: channel up' 3
run_client c_last "$T/c_only1" <<<"login cid pw
create_group zlast"
WRITTEN+=(zlast)
want=$(printf '%s\n' "${WRITTEN[@]}" | sort | tr '\n' ' ')
same_groups() { [ "$(groups_of "$T/c2" 2)" = "$want" ]; }
check "relay c: tracker 2 ends with exactly the ${#WRITTEN[@]} groups written" \
	wait_for 200 same_groups
check_eq "relay c: ... as tracker 1 does" "$want" "$(groups_of "$T/c1" 1)"
if python3 "$HERE/cluster_check.py" --wait 20 "$T/c1/tracker1.db" \
	"$T/c2/tracker2.db" >"$T/c.check" 2>&1; then
	pass "relay c: converged: $(tail -1 "$T/c.check")"
else
	fail "relay c: converged"; sed 's/^/  /' "$T/c.check" | head -40
fi
check "relay c: no op refused on either side (garbage never reached the store)" \
	bash -c "! grep -q 'malformed op\|op out of order\|not a sync message' '$T/c1/err.log' '$T/c2/err.log'"
grep 'closed by' "$T/rc.log" | sed 's/^/  relay: /'
stop_relay
stop_pid "tracker 1 (c)" "$C1"
stop_pid "tracker 2 (c)" "$C2"

# --- d. no --secret, first contact through the TLS-terminating relay ------------
cluster 2
P1=${TPORTS[0]} P2=${TPORTS[1]} RP=$(free_ports 1)
info "$T/d_via" "$P1" "$RP"
info "$T/d_direct" "$P1" "$P2"
info "$T/d_only1" "$P1"
start_relay rd tls "$RP" "$P2"
start_at "$T/d2" 2 "$T/d_direct"
D2=$LAST_TPID
start_at "$T/d1" 1 "$T/d_via"
D1=$LAST_TPID
check "relay d: the relay is dialled and dials tracker 2" \
	wait_for 200 grep -q '^conn 1 tls up' "$T/rd.log"
# README, reliability: a relay between two trackers is refused, "proofs
# are bound to the TLS session" (without a secret too: the exporter).
check "relay d: the relayed proofs are refused (bound to the TLS session)" \
	wait_for 200 grep -q 'sync: tracker 2: dropping channel' "$T/d1/err.log"
grep -m1 'dropping channel' "$T/d1/err.log" | sed 's/^/  tracker 1: /'
# A failed proof pins nothing: not the relay's key on either side.
check "relay d: tracker 1 did not pin the relay's key" \
	bash -c "! grep -qF -- '$RFP' '$T/d1/tracker1.peers' 2>/dev/null"
check "relay d: tracker 2 did not pin the relay's key" \
	bash -c "! grep -qF -- '$RFP' '$T/d2/tracker2.peers' 2>/dev/null"
run_client d_w "$T/d_only1" <<<"create_user dan pw"
check "relay d: a user created on tracker 1 never reaches tracker 2 (3 s)" \
	never_for 3 user_on "$T/d2" 2 dan
check_eq "relay d: no channel up on either tracker" 0 \
	"$(cat "$T/d1/err.log" "$T/d2/err.log" | grep -c 'channel up')"
check "relay d: the relay saw S_AUTH both ways and tracker 2's S_PROOF" \
	grep -qE '^conn [0-9]+ .*c2t_frames=HELLO,S_AUTH[^ ]* t2c_frames=HELLO,S_AUTH,S_PROOF' \
	"$T/rd.log"
check "relay d: ... and nothing after AUTH/PROOF, on any connection" \
	frames_only "$T/rd.log" 'HELLO|S_AUTH|S_PROOF'
# The relay gone, tracker 1 dials tracker 2 directly: nothing stands in
# the way of the real pair, and dan replicates.
stop_relay
stop_pid "tracker 1 (d)" "$D1"
start_at "$T/d1" 1 "$T/d_direct"
D1=$LAST_TPID
check "relay d: then the real tracker 1, directly: channel up on tracker 2" \
	wait_for 200 grep -q 'sync: tracker 1: channel up' "$T/d2/err.log"
check "relay d: ... and dan reaches tracker 2" wait_for 200 user_on "$T/d2" 2 dan
stop_pid "tracker 1 (d)" "$D1"
stop_pid "tracker 2 (d)" "$D2"

check "relay: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' $T/[abcd][12]/err.log $T/*.err"
