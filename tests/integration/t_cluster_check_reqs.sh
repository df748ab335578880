#!/usr/bin/env bash
# cluster_check.py --req-since, the window of request keys the nemesis
# checker compares (tests/netlab/nemesis_check.py): a key's age is its
# earliest `at` on any tracker.  A request retried on a second tracker
# before the first one's op reached it is carried out twice; the two ops
# carry one key with two stamps, and each tracker keeps the stamp of the
# op it applied first, so the key may sit on either side of the window's
# start.  Two real trackers' databases (a converged cluster, stopped),
# then keys written into copies of them.
. "$(dirname "$0")/lib.sh"

cluster 2
start_tracker 1
start_tracker 2
both=$(info_file both.txt 1 2)
run_client a "$both" <<'S'
create_user alice pa
login alice pa
create_group g1
S
check_converged "reqs: converged" 1 2
stop_tracker 1
stop_tracker 2
cp "$(tracker_db 1)" "$T/a.db"
cp "$(tracker_db 2)" "$T/b.db"

# put DB AT KEYBYTE: one request key (32 bytes of KEYBYTE) at AT.
put() {
	python3 - "$T/$1.db" "$2" "$3" <<'P'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO reqlog(at, req) VALUES(?, ?)",
           (int(sys.argv[2]), bytes([int(sys.argv[3])]) * 32))
db.commit()
P
}
cc() {
	python3 "$(dirname "$0")/cluster_check.py" --req-since 2000 "$T/a.db" "$T/b.db" \
		>"$T/cc.out" 2>&1
}

# One key, stamped 1000 where it was applied first and 3000 on the other.
put a 1000 1
put b 3000 1
check "reqs: a key first done before the window is not compared" cc
# A key only one tracker holds, older than the window on every tracker.
put a 1500 2
check "reqs: a key gone from one tracker before the window" cc
# One in the window on one tracker only: a lost request.
put b 2500 3
check "reqs: a key in the window on one tracker only fails" eval '! cc'
check "reqs: the failure names the key" grep -q "only in .*b.db: (030303" \
	"$T/cc.out"
put a 2600 3
check "reqs: the same key on both (other stamps): equal" cc
exit $((FAILS > 0))
