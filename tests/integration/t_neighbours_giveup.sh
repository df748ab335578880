#!/usr/bin/env bash
# A tracker cluster that closes the connection on every request (as a
# tracker does to a reply over the client's 32 MiB cap: closer.py, on
# both ports of a two-tracker cluster).  The client used to reconnect and
# send again for ever, printing nothing; now each command's request goes
# out on 4 connections at most, then the command fails with an error line
# saying why, and the next command runs: both commands are answered, the
# fake saw exactly 4 LOGINs for each, and the client ends (exit 1) well
# within the bound.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cluster 2
python3 "$HERE/closer.py" "${TPORTS[@]}" >"$T/closer.out" 2>"$T/closer.err" &
CPID=$!
PIDS+=($CPID)
check "giveup: the fake trackers listen" wait_for 200 has_line "$T/closer.out" ready

elapsed() { python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$@"; }
t0=$(date +%s.%N)
run_client C <<S
login alice pw-alice
login bob pw-bob
S
t1=$(date +%s.%N)
e=$(elapsed "$t0" "$t1")
check_eq "giveup: the client ends, exit 1 (two failed commands)" 1 "$RC"
check "giveup: ... within 20 s (took $e s)" \
	python3 -c "import sys; sys.exit(float(sys.argv[1]) >= 20)" "$e"
msg="error: the tracker closed the connection 4 times while the request waited for its reply"
check_eq "giveup: one error line for each command" 2 \
	"$(grep -c "^$msg (last: 127\.0\.0\.1:[0-9]*: .*); given up\$" "$T/C.err")"
echo "  $(grep '^error:' "$T/C.err" | head -1)"
check_eq "giveup: ... and no other error line" 2 "$(grep -c '^error:' "$T/C.err")"
check_eq "giveup: the fake trackers saw 4 LOGINs a command (8)" 8 \
	"$(grep -c '^req 17$' "$T/closer.out")"
check_eq "giveup: ... and nothing else" 8 "$(grep -c '^req ' "$T/closer.out")"
kill "$CPID"
reap "$CPID"
check "giveup: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' $T/*.err"
