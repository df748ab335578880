#!/usr/bin/env bash
# The cluster admits only its own: a tracker refuses to start with a
# secret file others can read (or a short one); two trackers with the same
# secret replicate; a third holding another secret is refused by both and
# learns nothing, while answering its own clients.
. "$(dirname "$0")/lib.sh"

cluster 3
printf 'correct horse battery staple\n' >"$T/secret"
printf 'another secret, just as long\n' >"$T/other"
printf 'short\n' >"$T/short"
chmod 644 "$T/secret"

start_refused() {	# N secretfile: exits non-zero at once, says why
	mkdir -p "$T/r$1"
	cp "$T/tracker_info.txt" "$T/r$1/"
	(cd "$T/r$1" && timeout 10 "$TRACKER" tracker_info.txt "$1" \
		--secret "$2" </dev/null >/dev/null 2>"$T/r$1/err.log")
	[ $? -ne 0 ] && grep -q "cluster secret" "$T/r$1/err.log"
}
check "secret: refused when others may read it" start_refused 1 "$T/secret"
check "secret: says to chmod 600" grep -q "chmod 600" "$T/r1/err.log"
chmod 600 "$T/secret" "$T/other" "$T/short"
check "secret: refused when shorter than 16 bytes" start_refused 2 "$T/short"

start_tracker 1 --secret "$T/secret"
start_tracker 2 --secret "$T/secret"
start_tracker 3 --secret "$T/other"

printf '127.0.0.1:%s\n' "${TPORTS[0]}" >"$T/only1.txt"
printf '127.0.0.1:%s\n' "${TPORTS[1]}" >"$T/only2.txt"
printf '127.0.0.1:%s\n' "${TPORTS[2]}" >"$T/only3.txt"
run_client mk "$T/only1.txt" <<'S'
create_user ann pw
login ann pw
create_group shared
S
check_eq "secret: writes on tracker 1" 0 "$RC"
seen_on() {	# tracker_info
	run_client "seen$$" "$1" <<'S'
login ann pw
list_groups
S
	[ "$RC" -eq 0 ] && [ "$(out "seen$$" | tail -1)" = shared ]
}
check "secret: tracker 2, same secret, has them" wait_for 200 seen_on \
	"$T/only2.txt"
run_client three "$T/only3.txt" <<'S'
login ann pw
create_user zoe pw
S
check_eq "secret: tracker 3, other secret, learned nothing" \
	"error: wrong user id or password" "$(err three | head -1)"
check "secret: tracker 3 still serves its own clients" \
	grep -qx "user zoe created" "$T/three.out"
check "secret: tracker 1 refused tracker 3's proof" \
	grep -q "wrong cluster secret\|no proof in time" "$T/t1/err.log" \
	"$T/t3/err.log"
for n in 1 2 3; do
	stop_tracker "$n" && pass "secret: tracker $n exits 0" ||
		fail "secret: tracker $n exits 0"
done
