#!/usr/bin/env bash
# Hostile peers speaking (or failing to speak) the binary protocol to a
# tracker inside TLS: garbage, oversized headers, truncated frames,
# unknown types, reserved flags, requests before HELLO, bad HELLOs,
# malformed ids, forged tokens, a second HELLO, pipelining, a
# byte-at-a-time sender; and bytes that are not TLS at all.  After each,
# the tracker is alive and a normal client still works.  See hostile.py.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1
PORT=${TPORTS[0]}
HERE=$(cd "$(dirname "$0")" && pwd)

run_client setup <<'S'
create_user normal pw
login normal pw
create_group ng
S
check_eq "hostile: setup" 0 "$RC"

normal_works() {
	run_client "n_$1" <<'S'
login normal pw
list_groups
S
	[ "$RC" -eq 0 ] && [ "$(out "n_$1" | head -2)" = "logged in as normal
ng" ]
}

for c in not_tls bad_tls garbage oversize truncated unknown_type flags before_hello \
	bad_hello bad_id bad_token second_hello pipeline slow; do
	res=$(timeout 60 python3 "$HERE/hostile.py" "$c" "$PORT" "$T/t1/err.log" 2>&1)
	rc=$?
	echo "$res"
	FAILS=$((FAILS + $(grep -c '^FAIL:' <<<"$res")))
	[ "$rc" -eq 0 ] || grep -q '^FAIL:' <<<"$res" ||
		fail "hostile $c: helper exited $rc"
	check "hostile $c: tracker still running" kill -0 "${TPID[1]}"
	check "hostile $c: a normal client still works" normal_works "$c"
done

check "hostile: no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$T/t1/err.log'"
stop_tracker 1 && pass "hostile: tracker stops with status 0" ||
	fail "hostile: tracker stops with status 0"
