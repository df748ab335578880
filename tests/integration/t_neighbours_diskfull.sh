#!/usr/bin/env bash
# A disk that fills between two looks (issue 15, item 5): the tracker's
# database on a 20 MiB tmpfs with no reserve (--min-free 0), a filler
# takes every byte left, and the next change fails at its COMMIT.  The
# tracker rolls it back unanswered and keeps running: it closes its
# connections (their replies unsent); the client connects again (with
# one tracker in the list, the same one; with more it would go on with
# the next) and sends the change again, which is refused with the
# tracker's error saying why (never "tracker unreachable"); reads are
# answered, further changes are refused the same way; once space is
# freed, changes are taken again, and a restart finds everything
# acknowledged and nothing that failed.
. "$(dirname "$0")/lib.sh"

small_disk 20

cluster 1
start_tracker 1 --db "$D/tracker1.db" --min-free 0
run_client a <<<"create_user u pw-u
login u pw-u
create_group g1"
check_eq "diskfull: a group made with room to spare" 0 "$RC"

start_client c
send c "login u pw-u"
check "diskfull: logged in" wait_for 200 has_line "$T/c.out" "logged in as u"
head -c $((30 * 1024 * 1024)) /dev/zero >"$D/filler" 2>/dev/null
check_eq "diskfull: the filler took every byte" 0 \
	"$(df --output=avail -B1 "$D" | tail -1 | tr -d ' ')"

DISKMSG="error: the tracker's disk is nearly full: changes are refused until space is freed (reads still work)"
refusals() { [ "$(grep -cxF "$DISKMSG" "$T/c.err")" -ge "$1" ]; }
send c "create_group g2"
check "diskfull: the change's commit failed, logged" wait_for 200 grep -qF \
	"cannot commit to the database" "$T/t1/err.log"
check "diskfull: the command failed with the tracker's words about its disk" \
	wait_for 200 refusals 1
check_eq "diskfull: nothing said of an unreachable tracker" "$DISKMSG" \
	"$(cat "$T/c.err")"
check "diskfull: the tracker is still up" kill -0 "${TPID[1]}"
send c "list_groups" "create_group g3" "echo fence"
check "diskfull: a read answered after" wait_for 200 has_line "$T/c.out" g1
check "diskfull: the next change refused, saying why" wait_for 200 refusals 2

rm -f "$D/filler"
check "diskfull: room again" wait_for 100 grep -qF \
	"disk has room again after a failed commit" "$T/t1/err.log"
send c "create_group g4"
check "diskfull: changes taken again" wait_for 200 has_line "$T/c.out" \
	"group g4 created"
end_client c
stop_tracker 1 && pass "diskfull: tracker exits 0" || fail "diskfull: tracker exits 0"
check_eq "diskfull: nothing else went wrong in the session" "logged in as u
g1
fence
group g4 created" "$(cat "$T/c.out")"
check_eq "diskfull: the tracker said why, once, and nothing else" \
	"store: COMMIT: database or disk is full
cannot commit to the database" \
	"$(sed -n 's/.* tracker warning: //p' "$T/t1/err.log" | cut -c1-40 | sed 's/ (.*//')"

start_tracker 1 --db "$D/tracker1.db" --min-free 0
run_client d <<<"login u pw-u
list_groups"
check_eq "diskfull: after a restart, all acknowledged and nothing refused" \
	"logged in as u
g1
g4" "$(out d)"
stop_tracker 1 && pass "diskfull: tracker exits 0 again" || fail "diskfull: tracker exits 0 again"
