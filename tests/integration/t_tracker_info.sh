#!/usr/bin/env bash
# tracker_info.txt in every format of the contract ("IP:PORT", "IP PORT",
# an IP line then a port line, blank lines and # comments anywhere), read
# by both programs; N (0 is the first tracker; out of range is refused);
# malformed files; a client whose first tracker is down, or that knows only
# the second tracker; client start-up errors.  A bad argument (N, the file,
# the listen address) is exit status 2 with a usage line; a start-up that
# fails for another reason (the port is taken) is status 1.
. "$(dirname "$0")/lib.sh"

read -r P1 P2 P3 <<<"$(free_ports 3)"

# launch DIR INFO N PORT [args]: a tracker in $T/DIR reading INFO (copied
# there as tracker_info.txt) as tracker N; it must listen on PORT.  Its
# PID is in LP.  Every tracker on a port has the key of the first one on
# it ($T/keys/PORT.key, copied in as trackerK.key): clients pin a port's
# key, and these are one tracker started again with another file.
launch() {
	local dir=$T/$1 info=$2 n=$3 port=$4 k
	shift 4
	k=$((n > 0 ? n : 1))
	mkdir -p "$dir" "$T/keys"
	cp "$info" "$dir/tracker_info.txt"
	[ -f "$T/keys/$port.key" ] && cp "$T/keys/$port.key" "$dir/tracker$k.key"
	(cd "$dir" && exec "$TRACKER" tracker_info.txt "$n" --kdf-iter 1000 "$@" \
		</dev/null >>"$dir/out.log" 2>>"$dir/err.log") &
	LP=$!
	PIDS+=($LP)
	wait_for 200 port_open "$port" || return 1
	[ -f "$T/keys/$port.key" ] || cp "$dir/tracker$k.key" "$T/keys/$port.key"
}
# halt PID: SIGTERM; 0 if it exited 0.
halt() {
	kill -TERM "$1"; wait "$1"
}
# try_client NAME INFO: create a user and log in through INFO.
try_client() {
	run_client "$1" "$2" <<S
create_user u_$1 pw
login u_$1 pw
logout
S
	[ "$RC" -eq 0 ] && [ "$(out "$1")" = "user u_$1 created
logged in as u_$1
logged out" ] && [ -z "$(err "$1")" ]
}

# One format a file, each read by a tracker and a client.
printf '127.0.0.1:%s\n' "$P1" >"$T/colon.txt"
printf '127.0.0.1 %s\n' "$P1" >"$T/blank.txt"
printf '127.0.0.1\t%s\n' "$P1" >"$T/tab.txt"
printf '127.0.0.1\n%s\n' "$P1" >"$T/twolines.txt"
printf '# trackers\n\n   \n127.0.0.1\n# its port:\n\n%s\n# end\n\n' "$P1" >"$T/comments.txt"
printf '127.0.0.1:%s\r\n' "$P1" >"$T/crlf.txt"
printf '127.0.0.1:%s' "$P1" >"$T/nonl.txt"
for f in colon blank tab twolines comments nonl crlf; do
	if launch "fmt_$f" "$T/$f.txt" 1 "$P1"; then
		pass "info: tracker reads the $f format"
		check "info: client reads the $f format" try_client "c_$f" "$T/$f.txt"
		halt "$LP" && pass "info: tracker ($f) stops with 0" ||
			fail "info: tracker ($f) stops with 0"
	else
		fail "info: tracker reads the $f format"; cat "$T/fmt_$f/err.log"
		kill -9 "$LP" 2>/dev/null
	fi
done

# Three trackers, each line in another format, comments in between.
cat >"$T/three.txt" <<E
# cluster of three

127.0.0.1:$P1
   # second one, IP then port
127.0.0.1

$P2
127.0.0.1 $P3
E
# N=0 is the first tracker.
if launch n0 "$T/three.txt" 0 "$P1"; then
	pass "info: N=0 listens on the first tracker's port"
	check "info: client with three trackers, first up" try_client c_n0 "$T/three.txt"
	halt "$LP" && pass "info: N=0 tracker stops with 0" || fail "info: N=0 tracker stops with 0"
else
	fail "info: N=0 listens on the first tracker's port"; kill -9 "$LP" 2>/dev/null
fi
check "info: first port free again" wait_for 200 bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$P1) 2>/dev/null"

# Trackers 2 and 3 up, 1 down: the client moves on to the second.
launch n2 "$T/three.txt" 2 "$P2" && pass "info: N=2 listens on the second port" ||
	fail "info: N=2 listens on the second port"
LP2=$LP
launch n3 "$T/three.txt" 3 "$P3" && pass "info: N=3 listens on the third port" ||
	fail "info: N=3 listens on the third port"
LP3=$LP
check "info: first tracker down, client uses the second" try_client c_down1 "$T/three.txt"
check "info: the second tracker served it" grep -q "u_c_down1 logged in" "$T/n2/err.log"
run_client c_more "$T/three.txt" <<'S'
login u_c_down1 pw
create_group gi
list_groups
S
check_eq "info: more commands through the second tracker" "logged in as u_c_down1
group gi created
gi" "$(out c_more)"

# A client that knows only the second tracker.
printf '127.0.0.1:%s\n' "$P2" >"$T/only2.txt"
check "info: client naming only the second tracker" try_client c_only2 "$T/only2.txt"
printf '# just the third\n127.0.0.1\n%s\n' "$P3" >"$T/only3.txt"
check "info: client naming only the third tracker" try_client c_only3 "$T/only3.txt"
halt "$LP2" && pass "info: N=2 tracker stops with 0" || fail "info: N=2 tracker stops with 0"
halt "$LP3" && pass "info: N=3 tracker stops with 0" || fail "info: N=3 tracker stops with 0"

# All trackers down: one error line, exit 1.
run_client c_none "$T/three.txt" <<'S'
create_user nobody pw
S
check_eq "info: no tracker up, exit 1" 1 "$RC"
check "info: no tracker up, one error line" \
	bash -c "[ \$(wc -l <'$T/c_none.err') -eq 1 ] && grep -q '^error: ' '$T/c_none.err'"

# N out of range or not a number: the tracker refuses to start.
# bad_start NAME INFO N PATTERN: exits 2 at once, PATTERN and the usage
# line on stderr.
bad_start() {
	local rc
	mkdir -p "$T/$1"
	(cd "$T/$1" && exec timeout 10 "$TRACKER" "$2" "$3" </dev/null \
		>"$T/$1/out.log" 2>"$T/$1/err.log")
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q -- "$4" "$T/$1/err.log" &&
		grep -q '^usage: tracker tracker_info.txt N ' "$T/$1/err.log"; then
		pass "info: $1 refused (exit $rc)"
	else
		fail "info: $1 refused (exit $rc)"; cat "$T/$1/err.log"
	fi
}
bad_start n4 "$T/three.txt" 4 "N must be 1 to 3"
bad_start n99 "$T/three.txt" 99 "N must be 1 to 3"
bad_start nneg "$T/three.txt" -1 "usage\|N must be"
bad_start nword "$T/three.txt" two "N must be 1 to 3"
bad_start nempty "$T/three.txt" "" "N must be 1 to 3"

# Malformed files.
mal() {	# mal NAME CONTENT PATTERN
	printf '%b' "$2" >"$T/mal_$1.txt"
	bad_start "mal_$1" "$T/mal_$1.txt" 1 "$3"
	run_client "mc_$1" "$T/mal_$1.txt" </dev/null
	if [ "$RC" -eq 2 ] && grep -q "^error: .*$3" "$T/mc_$1.err"; then
		pass "info: client refuses mal_$1"
	else
		fail "info: client refuses mal_$1"; cat "$T/mc_$1.err"
	fi
}
mal empty "" "no trackers listed"
mal comments_only "# nothing\n\n" "no trackers listed"
mal port_missing "127.0.0.1\n" "has no port"
mal port_word "127.0.0.1 http\n" "bad address or port"
mal port_zero "127.0.0.1 0\n" "bad address or port"
mal port_big "127.0.0.1 70000\n" "bad address or port"
mal three_words "127.0.0.1 5 6\n" "expected IP:PORT or IP PORT"
mal bad_host "bad!host:5\n" "bad address"
mal ip_then_ip "127.0.0.1\n127.0.0.2\n" "expected the port"
mal nul "127.0.0.1:5000\0\n" "NUL byte"
bad_start missing "$T/nosuchdir/none.txt" 1 "No such file"
bad_start isdir "$T" 1 "read error"

# Client start-up errors: an "error:" line, then for a bad argument the
# usage line and exit 2, else exit 1.
client_fails() {	# client_fails NAME LISTEN INFO PATTERN [STATUS]
	timeout 10 "$CLIENT" "$2" "$3" </dev/null >"$T/$1.out" 2>"$T/$1.err"
	local rc=$? want=${5:-2} usage=no wantusage=no
	grep -q '^usage: client IP:PORT tracker_info.txt' "$T/$1.err" && usage=yes
	[ "$want" -eq 2 ] && wantusage=yes
	if [ "$rc" -eq "$want" ] && grep -q "^error: .*$4" "$T/$1.err" &&
		[ ! -s "$T/$1.out" ] && [ "$usage" = "$wantusage" ]; then
		pass "info: client $1 exits $want with an error"
	else
		fail "info: client $1 exits $want with an error (exit $rc)"; cat "$T/$1.err"
	fi
}
client_fails listen_word 127.0.0.1:abc "$T/colon.txt" "bad listen address"
client_fails listen_noport 127.0.0.1 "$T/colon.txt" "bad listen address"
client_fails listen_bigport 127.0.0.1:70000 "$T/colon.txt" "bad listen address"
client_fails listen_badhost 'bad!host:5000' "$T/colon.txt" "bad listen address"
client_fails listen_notlocal 192.0.2.1:5000 "$T/colon.txt" "listen" 1
# A listen port already taken (a tracker of ours holds it).
launch busy "$T/colon.txt" 1 "$P1"
client_fails listen_busy "127.0.0.1:$P1" "$T/colon.txt" "listen" 1
halt "$LP" && pass "info: busy tracker stops with 0" || fail "info: busy tracker stops with 0"
client_fails info_missing "127.0.0.1:$(free_ports 1)" "$T/nonexistent.txt" "No such file"
client_fails info_dir "127.0.0.1:$(free_ports 1)" "$T" "$T"
client_fails empty_args "" "" "bad listen address"
timeout 10 "$CLIENT" "127.0.0.1:$(free_ports 1)" </dev/null >"$T/usage.out" 2>"$T/usage.err"
check_eq "info: client with one argument exits 2" 2 "$?"
check_eq "info: client usage line" "error: expected IP:PORT and tracker_info.txt
usage: client IP:PORT tracker_info.txt [--up-limit RATE] [--down-limit RATE] [-v]" "$(cat "$T/usage.err")"
