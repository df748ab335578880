#!/usr/bin/env bash
# 1,000 connections open at once to one (single-threaded) tracker: every
# one says HELLO and sends a request, all are answered, all stay open, and
# a normal client works meanwhile.  Afterwards the tracker still serves.
# See many_conns.py.
. "$(dirname "$0")/lib.sh"

# A low soft limit on descriptors: the tracker must raise its own (and
# the helper does too) to hold 1,000 connections.
ulimit -Sn 256
cluster 1
start_tracker 1
check_eq "many: tracker raised its descriptor limit" "$(ulimit -Hn)" \
	"$(awk '/^Max open files/ {print $4}' "/proc/${TPID[1]}/limits")"
HERE=$(cd "$(dirname "$0")" && pwd)

res=$(timeout 120 python3 "$HERE/many_conns.py" "${TPORTS[0]}" 1000 "$CLIENT" \
	"$T/tracker_info.txt" "$T" 2>&1)
rc=$?
echo "$res"
FAILS=$((FAILS + $(grep -c '^FAIL:' <<<"$res")))
[ "$rc" -eq 0 ] || grep -q '^FAIL:' <<<"$res" || fail "many: helper exited $rc"

check "many: tracker still running" kill -0 "${TPID[1]}"
# All 1,000 closed: the tracker noticed (a new client is served at once).
run_client after <<'S'
login mu0000 pw0
list_groups
S
check_eq "many: served after the crowd left" "logged in as mu0000
many_g
many_h" "$(out after)"
check "many: no connection refused" bash -c "! grep -q 'refused' '$T/t1/err.log'"
check "many: no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$T/t1/err.log'"
stop_tracker 1 && pass "many: tracker stops with status 0" ||
	fail "many: tracker stops with status 0"
