#!/usr/bin/env bash
# Clock faults, with the test switch "clock MS" on a tracker's standard
# input (its store's wall clock jumps MS from the system's).  Three
# trackers.
#  1. Tracker 2's clock jumps 5 minutes ahead: it learns from the others'
#     BEATs that it is ahead of the cluster's clock and stamps by that;
#     its writes reach the others at once (no refusal), stamped within a
#     minute of the real time.
#  2. Tracker 2's clock jumps 5 minutes behind: it judges stamps by the
#     cluster's clock, so it takes the others' ops; a share made through
#     tracker 1 and stopped through tracker 2 stays stopped everywhere
#     (the hybrid clock never goes back).
#  3. The bound itself: tracker 3 starts alone (the others cut), its
#     clock 65 s ahead, and takes writes with no cluster clock to go by;
#     once the others hear it, they refuse its ops (stamped over 60 s
#     ahead: "refused op") and take them once their clocks come within
#     60 s, and every tracker converges.
. "$(dirname "$0")/lib.sh"

# stamp_ms N GROUP: the creation stamp of GROUP on tracker N, in ms.
stamp_ms() {
	python3 - "$(tracker_db "$1")" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=5)
r = db.execute("SELECT born FROM grp WHERE name = ?", (sys.argv[2],)).fetchone()
print(r[0] >> 16 if r else 0)
PY
}
now_ms() { date +%s%3N; }
# near_now MS: within 60 s of the real time.
near_now() { local d=$(($1 - $(now_ms))); [ "${d#-}" -lt 60000 ]; }

cluster 3
for n in 1 2 3; do start_ctl_tracker "$n"; done
only1=$(info_file only1.txt 1)
only2=$(info_file only2.txt 2)
only3=$(info_file only3.txt 3)
check "clock: channels up" wait_for 200 eval \
	'sync_log_has 1 "tracker 2: channel up" && sync_log_has 1 "tracker 3: channel up" &&
	 sync_log_has 2 "tracker 3: channel up"'
run_client setup "$only1" <<<"create_user ann pa"
check_eq "clock: setup" 0 "$RC"

# --- 1. five minutes ahead ---------------------------------------------------
tracker_cmd 2 "clock +300000"
check "clock: tracker 2 sees it is ahead of the cluster's clock" \
	wait_for 100 sync_log_has 2 "our clock is ahead of the cluster's"
run_client a2 "$only2" <<'S'
login ann pa
create_group ahead1
create_group ahead2
S
check_eq "clock: writes through tracker 2 (5 min ahead)" 0 "$RC"
check_converged "clock: converged with tracker 2 ahead" 1 2 3
for n in 1 3; do
	check "clock: tracker $n refused nothing" eval '! sync_log_has '"$n"' "refused op"'
done
s=$(stamp_ms 1 ahead2)
echo "  ahead2 stamped $((s - $(now_ms))) ms from the real time (tracker 2's clock: +300000)"
check "clock: tracker 2's stamps stay within 60 s of the real time" near_now "$s"

# --- 2. five minutes behind --------------------------------------------------
tracker_cmd 2 "clock -300000"
check "clock: tracker 2 sees it is behind the cluster's clock" \
	wait_for 100 sync_log_has 2 "our clock is behind the cluster's"
head -c 1000 /dev/urandom >"$T/f.bin"
run_client b1 "$only1" <<S
login ann pa
create_group behind
upload_file $T/f.bin behind
S
check_eq "clock: a share made through tracker 1" 0 "$RC"
check_converged "clock: tracker 2 (5 min behind) takes the others' ops" 1 2 3
run_client b2 "$only2" <<'S'
login ann pa
stop_share behind f.bin
S
check_eq "clock: the share stopped through tracker 2 (5 min behind)" 0 "$RC"
check_converged "clock: converged with tracker 2 behind" 1 2 3
run_client b3 "$only1" <<'S'
login ann pa
list_files behind
S
check_eq "clock: the stop holds on tracker 1 (nothing listed)" \
	"logged in as ann" "$(out b3)"
for n in 1 2 3; do
	check "clock: tracker $n refused nothing" eval '! sync_log_has '"$n"' "refused op"'
done
tracker_cmd 2 "clock 0"
check "clock: tracker 2 agrees again" \
	wait_for 100 sync_log_has 2 "our clock agrees with the cluster's again"

# --- 3. the bound: a tracker with no cluster clock, 65 s ahead ---------------
tracker_cmd 1 cut
tracker_cmd 2 cut
tracker_cmd 3 quit
wait "${TPID[3]}"
start_ctl_tracker 3
tracker_cmd 3 "clock +65000"
run_client c3 "$only3" <<'S'
create_user cal pc
login cal pc
create_group alone
S
check_eq "clock: tracker 3, alone and 65 s ahead, takes writes" 0 "$RC"
t0=$(now_ms)
tracker_cmd 1 heal
tracker_cmd 2 heal
check "clock: the others refuse its ops (over 60 s ahead)" \
	wait_for 200 eval 'sync_log_has 1 "refused op" || sync_log_has 2 "refused op"'
grep -hF "refused op" "$T/t1/err.log" "$T/t2/err.log" | head -2 | sed 's/^/  /'
check_converged "clock: converged once their clocks came within 60 s" 1 2 3
echo "  converged $(($(now_ms) - t0)) ms after the heal"
for n in 1 2 3; do
	check "clock: tracker $n stops with status 0" stop_tracker "$n"
done
