#!/usr/bin/env bash
# Per-user quotas (issue 15, item 5): a tracker with small ones
# (--max-groups-per-user 3, --max-pending-per-user 2, --max-files-per-user
# 2) refuses the request that would go past each with a clear "error:"
# line, takes it again once the user made room, and never counts what is
# not the user's: a file shared already, another user's groups.  The
# counts go through indexes (EXPLAIN QUERY PLAN of each on the database);
# 0 means no limit.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1 --max-groups-per-user 3 --max-pending-per-user 2 \
	--max-files-per-user 2
mkdir -p "$T/f"
for i in 1 2 3; do randfile "$T/f/file$i" 1000; done

run_client a <<S
create_user u pw-u
create_user v pw-v
login u pw-u
create_group g1
create_group g2
create_group g3
create_group g4
leave_group g3
create_group g4
S
check_eq "quota: the 4th group refused" \
	"error: quota reached: a user may be a member of at most 3 groups (leave one to create another)" \
	"$(err a)"
check_eq "quota: room made by leaving" "user u created
user v created
logged in as u
group g1 created
group g2 created
group g3 created
left group g3
group g4 created" "$(out a)"

run_client b <<S
login v pw-v
join_group g1
join_group g2
join_group g4
create_group v1
S
check_eq "quota: the 3rd pending request refused" \
	"error: quota reached: a user may have at most 2 join requests pending (each ends when accepted or rejected)" \
	"$(err b)"
check "quota: another user's groups do not count" grep -qx "group v1 created" "$T/b.out"

run_client c <<S
login u pw-u
accept_request g1 v
S
run_client d <<S
login v pw-v
join_group g4
upload_file $T/f/file1 g1
upload_file $T/f/file2 g1
upload_file $T/f/file3 g1
upload_file $T/f/file1 g1
stop_share g1 file2
upload_file $T/f/file3 g1
list_files g1
S
check_eq "quota: the 3rd file refused, once" \
	"error: quota reached: a user may share at most 2 files (stop sharing one to share another)" \
	"$(err d)"
check "quota: a request accepted makes room" grep -qx "asked to join group g4" "$T/d.out"
check_eq "quota: a file shared already is not one more; stopping makes room" \
	"file1	1000
file3	1000" "$(grep -P '^file\d\t' "$T/d.out" | cut -f1,2)"

# Each count reads an index, never a table scan; groups are kept counted.
plan() {
	python3 - "$(tracker_db 1)" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute("EXPLAIN QUERY PLAN " + sys.argv[2], {"user": "v", "n": 5}):
    print(row[-1])
PY
}
check "quota: groups kept counted, one look-up" grep -q \
	"SEARCH member_count USING PRIMARY KEY (user=?)" \
	<(plan "SELECT min(coalesce((SELECT n FROM member_count WHERE user = :user), 0), :n)")
check_eq "quota: the kept counts are the members' counts" "u 3
v 2" "$(python3 - "$(tracker_db 1)" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
kept = dict(db.execute("SELECT user, n FROM member_count WHERE n > 0"))
real = dict(db.execute("SELECT user, count(*) FROM member WHERE state = 3 GROUP BY user"))
print("\n".join("%s %d" % kv for kv in sorted(kept.items())) if kept == real else (kept, real))
PY
)"
check "quota: pending requests through member_user" grep -q \
	"SEARCH m USING INDEX member_user (user=? AND state=?)" \
	<(plan "SELECT count(*) FROM (SELECT 1 FROM member m JOIN grp g ON g.name = m.grp WHERE m.user = :user AND m.state = 1 AND m.stamp > g.revived LIMIT :n)")
check "quota: shares through share_user" grep -q \
	"SEARCH share USING COVERING INDEX share_user (user=?)" \
	<(plan "SELECT count(*) FROM (SELECT 1 FROM share WHERE user = :user LIMIT :n)")
noscan() { ! plan "$1" | grep -qE '^SCAN [a-z_]+( |$)'; }
check "quota: live shares counted without a scan" noscan \
	"SELECT count(*) FROM (SELECT 1 FROM share s JOIN file f ON f.grp = s.grp AND f.name = s.name JOIN member m ON m.grp = s.grp AND m.user = s.user WHERE s.user = :user AND s.present = 1 AND s.sha1 = f.sha1 AND m.state = 3 AND s.stamp > m.stamp LIMIT :n)"
stop_tracker 1 && pass "quota: tracker exits 0" || fail "quota: tracker exits 0"

# 0: no limit.
start_tracker 1 --max-groups-per-user 0
run_client e <<S
login u pw-u
create_group g5
create_group g6
S
check_eq "quota: 0 is no limit" "logged in as u
group g5 created
group g6 created" "$(out e)"
stop_tracker 1 && pass "quota: tracker exits 0 again" || fail "quota: tracker exits 0 again"
