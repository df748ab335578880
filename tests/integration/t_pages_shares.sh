#!/usr/bin/env bash
# A user's shares in pages (issue 15, item 5): the login's re-share asks
# MY_SHARES_PAGE a page at a time, so a user with 100,000 shares never
# needs a reply over a control frame.  The tracker runs with pages of 3
# rows (P2PS_PAGE_ROWS, the test knob), the user shares 11 files in 3
# groups ("ga" and "ga-x": one name a prefix of the other); a login on
# another client shares all 11 again (4 pages), and another member
# downloads from it files of the middle and the last page.  The pages
# themselves, read with the wire protocol: 3 shares each, the cursor
# "group name" of the last, every share once, in (group, name) order;
# a cursor that is not one is an error and the link goes on.
. "$(dirname "$0")/lib.sh"

export P2PS_PAGE_ROWS=3
cluster 1
start_tracker 1
check "shares pages: the tracker took the knob" grep -qF \
	"P2PS_PAGE_ROWS: pages of at most 3 rows" "$T/t1/err.log"
make_group gb u v
mkdir -p "$T/src" "$T/dl"
s="login u pw-u
create_group ga
create_group ga-x"
for i in $(seq 1 11); do
	randfile "$T/src/f$i.txt" $((1000 + 37 * i))
	if [ "$i" -le 4 ]; then g=ga; elif [ "$i" -le 8 ]; then g=ga-x; else g=gb; fi
	s+=$'\n'"upload_file $T/src/f$i.txt $g"
done
run_client up <<<"$s"
check_eq "shares pages: 11 uploads in 3 groups" 0 "$RC"
run_client join <<<"login v pw-v
join_group ga-x"
run_client acc <<<"login u pw-u
accept_request ga-x v"
check_eq "shares pages: v is a member of ga-x too" 0 "$RC"

# The pages, as the tracker sends them.
PYTHONPATH=$(dirname "$0") python3 - "${TPORTS[0]}" >"$T/pages.out" 2>&1 <<'PY'
import sys
import wireproto as wp
c, tok = wp.login(int(sys.argv[1]), "u", "pw-u")
cursor, pages, got, rid = "", 0, [], 2
while True:
    typ, _, _, f = c.request(wp.MY_SHARES_PAGE, rid, tok + wp.string(cursor))
    rid += 1
    assert typ == wp.SHARES_PAGE, (typ, f)
    more, nxt, shares = f
    pages += 1
    print("page", pages, more, nxt, len(shares))
    got += [(g, n) for g, n, _, _, _, _ in shares]
    if not more:
        break
    cursor = nxt
print("shares", len(got), got == sorted(got), len(set(got)))
print(" ".join("%s/%s" % s for s in got))
typ, _, _, f = c.request(wp.MY_SHARES_PAGE, rid, tok + wp.string("ga/f1.txt"))
print("bad cursor", typ == wp.ERROR)
typ, _, _, f = c.request(wp.MY_SHARES_PAGE, rid + 1, tok + wp.string(""))
print("then", typ == wp.SHARES_PAGE, len(f[2]))
PY
check_eq "shares pages: 3 shares a page, the cursor the last one's, all 11 in order" \
	"page 1 1 ga f3.txt 3
page 2 1 ga-x f6.txt 3
page 3 1 gb f10.txt 3
page 4 0  2
shares 11 True 11
ga/f1.txt ga/f2.txt ga/f3.txt ga/f4.txt ga-x/f5.txt ga-x/f6.txt ga-x/f7.txt ga-x/f8.txt gb/f10.txt gb/f11.txt gb/f9.txt
bad cursor True
then True 3" "$(cat "$T/pages.out")"

start_client U
send U "login u pw-u"
check "shares pages: the login ends" wait_for 300 has_prefix "$T/U.out" "logged in as u"
check_eq "shares pages: every share of every page shared again" \
	"logged in as u (sharing 11 files again)" "$(head -1 "$T/U.out")"
run_client dl <<<"login v pw-v
download_file ga-x f7.txt $T/dl
download_file gb f11.txt $T/dl"
check_eq "shares pages: downloads from the re-shared files" 0 "$RC"
check "shares pages: f7 (page 3) arrived whole" cmp -s "$T/src/f7.txt" "$T/dl/f7.txt"
check "shares pages: f11 (page 4, the last) arrived whole" cmp -s "$T/src/f11.txt" "$T/dl/f11.txt"
send U "logout"
check "shares pages: logged out" wait_for 200 has_line "$T/U.out" "logged out"
end_client U
check_eq "shares pages: the sharing client exits 0" 0 "$RC"
stop_tracker 1 && pass "shares pages: tracker exits 0" || fail "shares pages: tracker exits 0"
