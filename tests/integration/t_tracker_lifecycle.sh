#!/usr/bin/env bash
# How a tracker stops: "quit" on standard input (a fifo, a file, a last
# line without newline) stops it with status 0; end of standard input
# (/dev/null, a pipe closed by its writer, a file without quit) does not;
# SIGINT and SIGTERM stop it with status 0, also with clients connected.
. "$(dirname "$0")/lib.sh"

cluster 1
PORT=${TPORTS[0]}
mkdir -p "$T/t1"
cp "$T/tracker_info.txt" "$T/t1/"

# run_tracker STDIN-SOURCE: start tracker 1 in $T/t1 reading that stdin;
# PID in TP.  STDIN-SOURCE is a path (a fifo or a file).
run_tracker() {
	(cd "$T/t1" && exec "$TRACKER" tracker_info.txt 1 --kdf-iter 1000 \
		<"$1" >>"$T/t1/out.log" 2>>"$T/t1/err.log") &
	TP=$!
	PIDS+=($TP)
	wait_for 200 port_open "$PORT"
}
# works NAME: a client command answered by the tracker.
WN=0
works() {
	WN=$((WN + 1))
	run_client "w$WN" <<S
create_user u$WN pw
login u$WN pw
list_groups
S
	[ "$RC" -eq 0 ] && [ "$(out "w$WN")" = "user u$WN created
logged in as u$WN" ]
}
# stops_with_0 PID: the process exits (bounded wait) with status 0.
stops_with_0() {
	local rc
	wait_for 200 exited "$1" || { kill -9 "$1"; wait "$1"; return 1; }
	wait "$1"; rc=$?
	[ "$rc" -eq 0 ] || echo "  exit status $rc"
	[ "$rc" -eq 0 ]
}
port_closed() { ! port_open "$PORT"; }
holder() {	# holder FIFO: keep FIFO open for writing; PID in HP
	(exec sleep 3600 >"$1") &
	HP=$!
	PIDS+=($HP)
}

# 1. quit through a fifo; unknown words before it do not stop it.
mkfifo "$T/in1"
holder "$T/in1"
run_tracker "$T/in1" && pass "life: tracker starts reading a fifo" ||
	fail "life: tracker starts reading a fifo"
check "life: answers before quit" works
echo "status" >>"$T/in1"
check "life: unknown stdin word reported" \
	wait_for 200 grep -q "^error: unknown tracker command" "$T/t1/err.log"
check "life: still answers after an unknown word" works
echo "quit" >>"$T/in1"
check "life: quit on stdin exits 0" stops_with_0 "$TP"
check "life: port closed after quit" port_closed
check "life: quit logged" grep -q "quit on standard input" "$T/t1/err.log"
kill "$HP"; wait "$HP" 2>/dev/null

# 2. End of input from /dev/null does not stop it.
run_tracker /dev/null && pass "life: tracker starts with </dev/null" ||
	fail "life: tracker starts with </dev/null"
check "life: answers with stdin at EOF (/dev/null)" works
check "life: still alive after EOF (/dev/null)" kill -0 "$TP"
check "life: still answers (/dev/null)" works
kill -INT "$TP"
check "life: SIGINT exits 0" stops_with_0 "$TP"
check "life: SIGINT logged" grep -q "signal 2: shutting down" "$T/t1/err.log"

# 3. End of input from a pipe whose writer goes away does not stop it.
mkfifo "$T/in2"
holder "$T/in2"
run_tracker "$T/in2"
check "life: answers while the pipe is open" works
kill "$HP"; wait "$HP" 2>/dev/null
check "life: answers after the pipe's writer left" works
check "life: still alive after EOF (pipe)" kill -0 "$TP"
check "life: answers again after EOF (pipe)" works
kill -TERM "$TP"
check "life: SIGTERM exits 0" stops_with_0 "$TP"
check "life: SIGTERM logged" grep -q "signal 15: shutting down" "$T/t1/err.log"

# 4. A regular file without quit: read to its end, the tracker goes on.
printf 'hello\n\n#\n' >"$T/in3.txt"
run_tracker "$T/in3.txt"
check "life: answers with a file on stdin" works
check "life: still alive after the file's end" kill -0 "$TP"

# SIGTERM with clients connected: a logged-in client that stays up and a
# raw TCP connection that never started TLS nor said HELLO do not hold
# it up.
start_client c
send c "login u1 pw"
wait_for 200 has_line "$T/c.out" "logged in as u1"
exec {RAW}<>"/dev/tcp/127.0.0.1/$PORT"
kill -TERM "$TP"
check "life: SIGTERM with clients connected exits 0" stops_with_0 "$TP"
exec {RAW}>&-
send c "list_groups"
check "life: client reports the tracker gone" \
	wait_for 200 grep -q "^error: " "$T/c.err"
end_client c
check_eq "life: that client exits 1" 1 "$RC"

# 5. A regular file ending in quit stops it.
printf '# comment\nquit\n' >"$T/in4.txt"
(cd "$T/t1" && exec "$TRACKER" tracker_info.txt 1 --kdf-iter 1000 \
	<"$T/in4.txt" >>"$T/t1/out.log" 2>>"$T/t1/err.log") &
TP=$!
PIDS+=($TP)
check "life: quit in a stdin file exits 0" stops_with_0 "$TP"

# 6. A last "quit" without its newline, then end of input, stops it.
mkfifo "$T/in5"
holder "$T/in5"
run_tracker "$T/in5"
check "life: answers (fifo, quit without newline)" works
printf 'quit' >>"$T/in5"
check "life: alive while the line is not finished" kill -0 "$TP"
kill "$HP"; wait "$HP" 2>/dev/null
check "life: quit then EOF exits 0" stops_with_0 "$TP"

# 7. The state written before each stop is there (the database is whole).
run_tracker /dev/null
run_client final <<S
login u$WN pw
S
check_eq "life: last user kept across all the stops" "logged in as u$WN" "$(out final)"
kill -TERM "$TP"
check "life: final SIGTERM exits 0" stops_with_0 "$TP"
check "life: no sanitizer report" bash -c "! grep -q 'Sanitizer' '$T/t1/err.log'"
