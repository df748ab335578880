#!/usr/bin/env bash
# A tracker near a full disk (issue 15, item 5): its database on a 20 MiB
# tmpfs, --min-free 8.  Once a filler leaves less than 8 MiB free, changes
# are refused with an error and reads still answered; the tracker does
# not exit; when space comes back, changes are taken again, and a
# restart finds everything acknowledged.
. "$(dirname "$0")/lib.sh"

small_disk 20

cluster 1
start_tracker 1 --db "$D/tracker1.db" --min-free 8
run_client a <<<"create_user u pw-u
login u pw-u
create_group g1"
check_eq "disk: a group made with room to spare" 0 "$RC"

head -c $((14 * 1024 * 1024)) /dev/zero >"$D/filler"
check "disk: the tracker sees the disk nearly full" wait_for 100 grep -qF \
	"disk nearly full" "$T/t1/err.log"
run_client b <<<"login u pw-u
create_group g2
list_groups"
check_eq "disk: a change is refused with an error" \
	"error: the tracker's disk is nearly full: changes are refused until space is freed (reads still work)" \
	"$(err b)"
check_eq "disk: reads (and the login) still answered" "logged in as u
g1" "$(out b)"
check "disk: the tracker is still up" kill -0 "${TPID[1]}"

rm -f "$D/filler"
check "disk: room again" wait_for 100 grep -qF "disk has room again" "$T/t1/err.log"
run_client c <<<"login u pw-u
create_group g2"
check_eq "disk: changes taken again" "logged in as u
group g2 created" "$(out c)"
stop_tracker 1 && pass "disk: tracker exits 0" || fail "disk: tracker exits 0"
start_tracker 1 --db "$D/tracker1.db" --min-free 8
run_client d <<<"login u pw-u
list_groups"
check_eq "disk: after a restart, all acknowledged" "logged in as u
g1
g2" "$(out d)"
stop_tracker 1 && pass "disk: tracker exits 0 again" || fail "disk: tracker exits 0 again"
