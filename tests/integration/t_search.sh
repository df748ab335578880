#!/usr/bin/env bash
# search <pattern> on a cluster of two trackers (--log-keep 40).
#   - Lines are name<TAB>group<TAB>size<TAB>sha1, in (group, name) order;
#     only groups the user is a member of are searched: a file of a group
#     they are not in is never found, and after leave_group the group's
#     files are gone from their searches.
#   - A pattern without '*' or '?' matches any part of the name, with
#     them the whole name; case is ignored (ASCII), '?' is one UTF-8
#     character; no match prints nothing and is no error.
#   - Files uploaded through tracker 1 are found through tracker 2 and
#     the other way; a tracker that was down catches up by a snapshot
#     and then finds what was uploaded meanwhile.
#   - More hits than one reply holds (1200) come whole, page after page.
#   - Not logged in, no pattern, a pattern too long or with a control
#     character: one "error: " line each, from the client; the tracker
#     refuses the same (and a bad cursor) sent straight to it.
. "$(dirname "$0")/lib.sh"

cluster 2
start_tracker 1 --log-keep 40
start_tracker 2 --log-keep 40
only1=$(info_file only1.txt 1)
only2=$(info_file only2.txt 2)
F=$T/files
mkdir -p "$F"
for f in Report_2024.pdf notes.txt "caf$(printf '\xc3\xa9').txt" \
	report-final.PDF secret-report.pdf bob-photo.JPG 'what?.txt'; do
	randfile "$F/$f" $((1000 + ${#f} * 37))
done
HERE=$(cd "$(dirname "$0")" && pwd)
# line FILE GROUP: the line search prints for a file.
line() { printf '%s\t%s\t%s\t%s' "$(basename "$1")" "$2" \
	"$(stat -c %s "$1")" "$(sha1_of "$1")"; }
# after_login NAME: the client's output after its first line (the login,
# which may say how many files it shares again).
after_login() { sed 1d "$T/$1.out"; }
# wp SCRIPT ARGS...: a Python script of the test, with wireproto.py.
wp() { PYTHONPATH=$HERE python3 "$@" 2>&1; }

make_group g1 alice bob
run_client setup1 "$only1" <<S
create_user carol pw-carol
login alice pw-alice
create_group g2
upload_file "$F/Report_2024.pdf" g1
upload_file "$F/notes.txt" g1
upload_file "$F/café.txt" g1
upload_file "$F/what?.txt" g1
upload_file "$F/report-final.PDF" g2
S
check_eq "search: alice's uploads through tracker 1" 0 "$RC"
run_client setup2 "$only2" <<S
login bob pw-bob
create_group g3
upload_file "$F/secret-report.pdf" g3
upload_file "$F/bob-photo.JPG" g1
S
check_eq "search: bob's uploads through tracker 2" 0 "$RC"
check_converged "search: converged" 1 2

# Through tracker 2, what was uploaded through tracker 1 (and 2).
run_client a2 "$only2" <<'S'
login alice pw-alice
search report
echo --
search *.PDF
echo --
search ?otes.txt
search ?otes
echo --
search caf?.txt
search CAF
echo --
search what?
search what?.*
search ?
search zzz
echo --
search *
S
check_eq "search: alice through tracker 2" "$(line "$F/Report_2024.pdf" g1)
$(line "$F/report-final.PDF" g2)
--
$(line "$F/Report_2024.pdf" g1)
$(line "$F/report-final.PDF" g2)
--
$(line "$F/notes.txt" g1)
--
$(line "$F/café.txt" g1)
$(line "$F/café.txt" g1)
--
$(line "$F/what?.txt" g1)
--
$(line "$F/Report_2024.pdf" g1)
$(line "$F/bob-photo.JPG" g1)
$(line "$F/café.txt" g1)
$(line "$F/notes.txt" g1)
$(line "$F/what?.txt" g1)
$(line "$F/report-final.PDF" g2)" "$(after_login a2)"
check_eq "search: no error, status 0 (no match prints nothing)" "0 " \
	"$RC $(err a2)"

# Through tracker 1, bob: g1 and g3, never alice's g2.
run_client b1 "$only1" <<'S'
login bob pw-bob
search REPORT
echo --
search photo
leave_group g1
echo --
search report
search photo
search *
S
check_eq "search: bob through tracker 1, before and after leave_group" \
	"$(line "$F/Report_2024.pdf" g1)
$(line "$F/secret-report.pdf" g3)
--
$(line "$F/bob-photo.JPG" g1)
left group g1
--
$(line "$F/secret-report.pdf" g3)
$(line "$F/secret-report.pdf" g3)" "$(after_login b1)"
run_client c2 "$only2" <<'S'
login carol pw-carol
search report
search *
S
check_eq "search: carol, in no group, finds nothing" "" \
	"$(after_login c2)"
check_converged "search: converged after the leave" 1 2
run_client a1 "$only1" <<'S'
login alice pw-alice
search photo
search secret
S
check_eq "search: bob's share in g1 ended with his leaving, g3 unseen" \
	"" "$(after_login a1)"

# Errors: not logged in, no pattern, too long, a control character.
long=$(head -c 256 /dev/zero | tr '\0' x)
run_client e1 "$only1" <<S
search report
login alice pw-alice
search
search $long
search $(head -c 255 /dev/zero | tr '\0' x)
search a$(printf '\001')b
search "a b"
S
check_eq "search: errors, one line each" \
	"error: not logged in (use login <user_id> <password>)
error: usage: search <pattern>
error: pattern too long (at most 255 bytes)
error: pattern contains a control character" "$(err e1)"
check_eq "search: nothing printed but the login" "" "$(after_login e1)"
check_eq "search: a failed command makes the exit status 1" 1 "$RC"

# The tracker itself refuses what the client would not send.
cat >"$T/raw.py" <<'PY'
import sys
import wireproto as wp
port = int(sys.argv[1])
c = wp.Conn(port)
c.hello()
ask = [(b"\x01" * 16, "report", "", "")]
c2, tok = wp.login(port, "alice", "pw-alice")
ask += [(tok, "x" * 256, "", ""), (tok, "a\x01b", "", ""), (tok, "", "", ""),
        (tok, "report", "", "name-without-group"),
        (tok, "report", "bad group!", "x"), (tok, "report", "g1", "a/b")]
for i, (t, pat, g, n) in enumerate(ask):
    typ, _, _, f = (c if i == 0 else c2).request(
        wp.SEARCH, 100 + i, wp.search_body(t, pat, g, n))
    print(typ == wp.ERROR and f[0], f[1] if typ == wp.ERROR else f)
PY
wp "$T/raw.py" "${TPORTS[1]}" >"$T/raw.out"
check_eq "search: the tracker's answers to bad requests" \
	"2 not logged in (session ended)
6 pattern too long (at most 255 bytes)
6 pattern contains a control character
6 empty pattern
6 bad search cursor
6 bad search cursor
6 bad search cursor" "$(cat "$T/raw.out")"

# More hits than one reply holds: 1200 uploads (made straight, as a client
# would send them), listed whole and in order through the other tracker.
cat >"$T/bulk.py" <<'PY'
import sys
import wireproto as wp
port, n = int(sys.argv[1]), int(sys.argv[2])
c, tok = wp.login(port, "alice", "pw-alice")
sha = bytes(20)
for i in range(n):
    name = "bulk-%05d.bin" % i
    body = (tok + wp.ident("g2") + wp.string(name) +
            (1).to_bytes(8, "big") + sha + (1).to_bytes(4, "big") + sha +
            wp.string("/nonexistent/" + name) + (1).to_bytes(8, "big"))
    typ, _, _, f = c.request(27, 1000 + i, body)
    assert typ == wp.OK, (typ, f)
print("ok")
PY
wp "$T/bulk.py" "${TPORTS[0]}" 1200 >"$T/bulk.out"
check_eq "search: 1200 uploads through tracker 1" ok "$(cat "$T/bulk.out")"
check_converged "search: converged after the bulk" 1 2
run_client p2 "$only2" <<'S'
login alice pw-alice
search BULK-
S
for i in $(seq 0 1199); do
	printf 'bulk-%05d.bin\tg2\t1\t%040d\n' "$i" 0
done >"$T/bulk.want"
after_login p2 >"$T/bulk.got"
if cmp -s "$T/bulk.want" "$T/bulk.got"; then
	pass "search: 1200 hits, in order, each once (pages)"
else
	fail "search: 1200 hits, in order, each once (pages)"
	diff "$T/bulk.want" "$T/bulk.got" | head -5
fi
cat >"$T/pages.py" <<'PY'
import sys
import wireproto as wp
c, tok = wp.login(int(sys.argv[1]), "alice", "pw-alice")
g = n = ""
sizes = []
while True:
    typ, _, _, (more, g, n, hits) = c.request(
        wp.SEARCH, 7 + len(sizes), wp.search_body(tok, "bulk-", g, n))
    sizes.append(len(hits))
    if not more:
        break
print(" ".join(map(str, sizes)))
PY
check_eq "search: tracker 2 sent them in two pages" "1024 176" \
	"$(wp "$T/pages.py" "${TPORTS[1]}")"

# Tracker 2 away while more than a log's worth happens: back, it catches
# up by a snapshot, and finds what was uploaded meanwhile.
snaps=$(grep -c "snapshot sent" "$T/t1/err.log")
stop_tracker 2 && pass "search: tracker 2 stops" || fail "search: tracker 2 stops"
randfile "$F/late-arrival.txt" 4321
{
	echo "login alice pw-alice"
	echo "upload_file $F/late-arrival.txt g2"
	for i in $(seq 1 60); do echo "create_group late$i"; done
} | run_client late "$only1"
check_eq "search: uploads while tracker 2 is down" 0 "$RC"
log_rows_le() { local n; n=$(db_count 1 'SELECT count(*) FROM oplog') &&
	[ -n "$n" ] && [ "$n" -le 40 ]; }
check "search: tracker 1's log trimmed" wait_for 200 log_rows_le
start_tracker 2 --log-keep 40
check_converged "search: tracker 2 caught up" 1 2
check "search: ... by a snapshot" \
	test "$(grep -c "snapshot sent" "$T/t1/err.log")" -gt "$snaps"
run_client l2 "$only2" <<'S'
login alice pw-alice
search late-
search *arrival*
S
check_eq "search: tracker 2 finds the file it learnt of by snapshot" \
	"$(line "$F/late-arrival.txt" g2)
$(line "$F/late-arrival.txt" g2)" "$(after_login l2)"
stop_tracker 1 && pass "search: tracker 1 stops with status 0" ||
	fail "search: tracker 1 stops with status 0"
stop_tracker 2 && pass "search: tracker 2 stops with status 0" ||
	fail "search: tracker 2 stops with status 0"
