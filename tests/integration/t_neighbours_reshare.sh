#!/usr/bin/env bash
# Only paths the client recorded itself are shared again (issue 15, item
# 2).  A tracker whose reply to login names a local secret (here: the
# tracker's database edited between runs, as a hostile tracker would
# answer) with its size and time gets nothing: the path is not in the
# client's record, and is never opened.  The record ($P2PS_HOME/shared)
# is 0600; an upload and a finished download are recorded and shared
# again at the next login; a file whose time changed is hashed again and
# shared if its content is the same; a record others may write is not
# trusted (a warning with the fix, nothing shared again).
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1
make_group g u d
mkdir -p "$T/u" "$T/d"
randfile "$T/u/n.bin" 700000
randfile "$T/u/k.bin" 411
head -c 411 /dev/urandom >"$T/secret_key"; chmod 600 "$T/secret_key"
REC=$P2PS_HOME/shared

run_client up <<<"login u pw-u
upload_file $T/u/n.bin g
upload_file $T/u/k.bin g"
check_eq "reshare: uploads" 0 "$RC"
check_eq "reshare: the record is the user's alone (0600)" 600 "$(stat -c %a "$REC")"
check "reshare: the record names both uploads" test "$(grep -c "$T/u/" "$REC")" -eq 2

# A normal login: both shared again.
run_client again <<<"login u pw-u"
check_eq "reshare: a login shares both again" "logged in as u (sharing 2 files again)" \
	"$(out again)"

# The tracker now names the secret in k.bin's place, with its size and time.
stop_tracker 1 || fail "reshare: tracker stops"
python3 - "$(tracker_db 1)" "$T/secret_key" <<'PY'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
st = os.stat(sys.argv[2])
db.execute("UPDATE share SET path = ?, mtime = ? WHERE name = 'k.bin'",
           (sys.argv[2], int(st.st_mtime)))
db.commit()
PY
start_tracker 1
serving() {
	db_count 1 "SELECT count(*) FROM serving WHERE name = '$1' AND present = 1"
}
start_client U
send U "login u pw-u"
check "reshare: hostile reply: the login ends" wait_for 200 has_prefix "$T/U.out" "logged in as u"
check_eq "reshare: hostile reply: only the recorded file is shared again" \
	"logged in as u (sharing 1 file again)" "$(head -1 "$T/U.out")"
check "reshare: hostile reply: n.bin served" wait_for 100 test "$(serving n.bin)" = 1
check_eq "reshare: hostile reply: k.bin (the secret's path) not served" 0 "$(serving k.bin)"
check "reshare: hostile reply: the client never opened the secret" \
	bash -c "! ls -l /proc/$(client_pid U)/fd 2>/dev/null | grep -qF '$T/secret_key'"
send U "logout"
wait_for 200 has_line "$T/U.out" "logged out"
end_client U

# A client with no record of its own (another home): nothing at all.
P2PS_HOME=$T/home-empty run_client fresh <<<"login u pw-u"
check_eq "reshare: no record: nothing shared again" "logged in as u" "$(out fresh)"

# A changed time, the same content: hashed again, then shared.
touch -d '2020-01-01' "$T/u/n.bin"
start_client V
send V "login u pw-u"
check "reshare: time changed: rechecked" wait_for 200 has_line "$T/V.out" \
	"logged in as u (sharing 1 file again, some being rechecked)"
check "reshare: time changed: served once its content checks out" \
	wait_for 200 test "$(serving n.bin)" = 1
check "reshare: the new time is recorded" grep -qP \
	"^u\tg\t700000\t$(stat -c %Y "$T/u/n.bin")\t" "$REC"
# A download (from V) is recorded too, by its absolute path, and shared again.
(cd "$T/d" && run_client dl <<<"login d pw-d
download_file g n.bin .")
check "reshare: the download completes" cmp -s "$T/u/n.bin" "$T/d/n.bin"
check "reshare: the download is recorded by its absolute path" \
	grep -qP "^d\tg\t700000\t[0-9]+\t[0-9a-f]{40}\tn.bin\t$T/d/n.bin\$" "$REC"
run_client dl2 <<<"login d pw-d"
check_eq "reshare: the downloaded file is shared again" \
	"logged in as d (sharing 1 file again)" "$(out dl2)"

send V "logout"
wait_for 200 has_line "$T/V.out" "logged out"
end_client V

# A record others may write: not trusted.
chmod 666 "$REC"
run_client loose <<<"login u pw-u"
check_eq "reshare: a record others may write: nothing shared again" \
	"logged in as u" "$(out loose)"
check "reshare: ... with a warning saying the fix" grep -qF \
	"$REC may be written by others or is not the user's: not trusted (chown it to the user, chmod 600 $REC); nothing shared again" \
	"$T/loose.err"
chmod 600 "$REC"
stop_tracker 1 && pass "reshare: tracker exits 0" || fail "reshare: tracker exits 0"
