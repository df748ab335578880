#!/usr/bin/env bash
# t_pages_tab.sh - Tab's lists come a page at a time (GROUPS_PAGE,
# FILES_PAGE_REQ, REQUESTS_PAGE; issue 15, item 5), as the listing
# commands' do: with pages of 3 rows (the tracker's P2PS_PAGE_ROWS test
# knob), a group id, a file name and a user asking to join that are each
# on the last page of their list (page 5, 4 and 3) complete under tmux.
# Tab stops after the first pages of a very long list (suggest.c:
# SUGGEST_PAGES_MAX, COMPLETE_NAMES_MAX); these lists are well inside.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || { echo "SKIP: no tmux"; exit 0; }
export P2PS_PAGE_ROWS=3
cluster 1
start_tracker 1
mkdir -p "$T/src"
s="create_user tab pw-tab"
REQS="r1 r2 r3 r4 r5 r6 zreq"
for u in $REQS; do s+=$'\n'"create_user $u pw-$u"; done
s+=$'\n'"login tab pw-tab"
for i in 01 02 03 04 05 06 07 08 09 10 11 12 13; do s+=$'\n'"create_group g$i"; done
s+=$'\n'"create_group zlast"
for i in 1 2 3 4 5 6 7 8 9; do
	randfile "$T/src/f$i.bin" 100
	s+=$'\n'"upload_file $T/src/f$i.bin zlast"
done
randfile "$T/src/ztail.bin" 100
s+=$'\n'"upload_file $T/src/ztail.bin zlast"$'\n'"logout"
for u in $REQS; do
	s+=$'\n'"login $u pw-$u"$'\n'"join_group zlast"$'\n'"logout"
done
run_client setup <<<"$s"
check_eq "tab pages: 14 groups, 10 files, 7 requests" 0 "$RC"

tty_client "$T/tty.rc"
check "tab pages: prompt shown" wait_for 200 last_is "p2p>"
"${TMX[@]}" send-keys "login tab pw-tab" Enter
check "tab pages: login" wait_for 200 screen_has '^logged in as tab'
"${TMX[@]}" send-keys "join_group zl" Tab
check "tab pages: a group id of the 5th page" wait_for 200 \
	last_is "p2p> join_group zlast"
"${TMX[@]}" send-keys C-u "download_file zlast zt" Tab
check "tab pages: a file name of the 4th page" wait_for 200 \
	last_is "p2p> download_file zlast ztail.bin"
"${TMX[@]}" send-keys C-u "accept_request zlast z" Tab
check "tab pages: the latest join request, on the 3rd page" wait_for 200 \
	last_is "p2p> accept_request zlast zreq"
"${TMX[@]}" send-keys Enter
check "tab pages: the completed line runs" wait_for 200 \
	screen_has '^zreq accepted into group zlast$'
"${TMX[@]}" send-keys "quit" Enter
check "tab pages: quit exits" wait_for 200 test -s "$T/tty.rc"
check_eq "tab pages: exit status 0" 0 "$(cat "$T/tty.rc" 2>/dev/null)"
"${TMX[@]}" kill-server 2>/dev/null
stop_tracker 1 && pass "tab pages: tracker exits 0" || fail "tab pages: tracker exits 0"
