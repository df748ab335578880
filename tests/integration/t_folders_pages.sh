#!/usr/bin/env bash
# t_folders_pages.sh - a synced folder looks at its group a page at a time
# (VERSIONS_PAGE, issue 15, item 5): with pages of 3 rows (the tracker's
# P2PS_PAGE_ROWS test knob), a group of 11 files takes 4 pages.
#
#  - bob's new synced folder gets all 11 of alice's files, those of the
#    last page too (a look that stopped at the first page would fetch 3);
#  - a file alice changes later, on the last page, reaches bob: a notice
#    starts a new walk from the first page;
#  - a file alice removes stays in bob's folder (other members keep their
#    copies), and nothing is fetched twice or taken for a conflict;
#  - the clients log no failed look and no sanitizer report.
. "$(dirname "$0")/lib.sh"

export P2PS_PAGE_ROWS=3
cluster 1
start_tracker 1
make_group g alice bob
A=$T/A/sync
B=$T/B/sync
mkdir -p "$A" "$B"
for i in $(seq 10 20); do randfile "$A/f$i.bin" $((3000 + i)); done

start_in a "$T/A" "$T/tracker_info.txt"
csend a "login alice pw-alice" "sync_folder $A g" "echo A1"
check "folder pages: alice syncs" wait_for 200 has_line "$T/a.out" A1
shared() { [ "$(db_count 1 "SELECT count(*) FROM file WHERE grp = 'g'")" = 11 ]; }
check "folder pages: alice's 11 files are in the group" wait_for 600 shared

start_in b "$T/B" "$T/tracker_info.txt"
csend b "login bob pw-bob" "sync_folder $B g" "echo B1"
check "folder pages: bob syncs" wait_for 200 has_line "$T/b.out" B1
all_there() {
	local i
	for i in $(seq 10 20); do same_file "$A/f$i.bin" "$B/f$i.bin" || return 1; done
}
check "folder pages: all 11 files of 4 pages reach bob" wait_for 900 all_there

# The last page's file changes: a notice, a new walk, the new content.
randfile "$T/new.bin" 5555
mv "$T/new.bin" "$A/f20.bin"
check "folder pages: the changed file of the last page reaches bob" \
	wait_for 600 same_file "$A/f20.bin" "$B/f20.bin"
rm "$A/f10.bin"
gone() { [ "$(db_count 1 "SELECT count(*) FROM share WHERE name = 'f10.bin' AND present = 1 AND user = 'alice'")" = 0 ]; }
check "folder pages: alice's removed file is no longer hers" wait_for 600 gone
check "folder pages: bob keeps his copy" test -f "$B/f10.bin"
check_eq "folder pages: no conflict copy, nothing else in bob's folder" \
	"$( (cd "$A" && ls; echo f10.bin) | sort)" "$(cd "$B" && ls | sort)"

csend b "quit"
end_client b
check_eq "folder pages: bob's client exits 0" 0 "$RC"
csend a "quit"
end_client a
check_eq "folder pages: alice's client exits 0" 0 "$RC"
check "folder pages: no look at the group failed" \
	bash -c "! grep -h 'folder .*: group g:' '$T'/a.err '$T'/b.err"
check "folder pages: no sanitizer report" \
	bash -c "! grep -l 'runtime error\|AddressSanitizer\|LeakSanitizer' '$T'/*.err '$T'/t*/err.log"
exit "$FAILS"
