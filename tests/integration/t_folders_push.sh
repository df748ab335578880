#!/usr/bin/env bash
# t_folders_push.sh - a synced folder hears of the group's changes from
# its tracker (SUBSCRIBE, CHANGED notices) instead of asking every second:
# two trackers, alice's client on tracker 1 only, bob's on tracker 2 then
# tracker 1.  The slow safety poll is 30 s, so each file below reaching
# the other folder within PUSH_S seconds was pushed, not polled.
#
#  - three new files in a row, each in bob's folder within PUSH_S
#    (the notice crosses the cluster: alice's op reaches tracker 2 by the
#    sync channel);
#  - a file of bob's reaches alice the same way (tracker 1 applies the op
#    from tracker 2);
#  - tracker 2 stops: bob's link fails over to tracker 1 and subscribes
#    again there: a file added after the first one that crossed reaches
#    him within PUSH_S as well;
#  - the trackers log no refused request, and no sanitizer report.
. "$(dirname "$0")/lib.sh"

PUSH_S=10
cluster 2
start_tracker 1
start_tracker 2
make_group g alice bob
I1=$(info_file i1 1)
I21=$(info_file i21 2 1)

A=$T/A/sync
B=$T/B/sync
mkdir -p "$A" "$B"
randfile "$A/first.bin" 5000

start_in a "$T/A" "$I1"
start_in b "$T/B" "$I21"
csend a "login alice pw-alice" "sync_folder $A g" "echo A1"
csend b "login bob pw-bob" "sync_folder $B g" "echo B1"
wait_for 200 has_line "$T/a.out" A1
wait_for 200 has_line "$T/b.out" B1
check "push: the first file reaches bob" wait_for 600 same_file "$A/first.bin" "$B/first.bin"

# carried NAME FROM TO [SECS]: a new file NAME moved into FROM reaches TO
# within SECS (PUSH_S).
carried() {
	randfile "$T/$1" 7000
	mv "$T/$1" "$2/$1"
	wait_for $((${4:-$PUSH_S} * 20)) same_file "$2/$1" "$3/$1"
}
for i in 1 2 3; do
	check "push: new file $i reaches bob within ${PUSH_S}s" carried "n$i.bin" "$A" "$B"
done
check "push: bob's file reaches alice within ${PUSH_S}s" carried "fromb.bin" "$B" "$A"

# Failover: bob's tracker stops; his link moves to tracker 1 and follows
# the group there.  The first file may come by the look a new connection
# takes; the second only by a notice on the new connection.
check "push: tracker 2 stops cleanly" stop_tracker 2
check "push: after failover, a file reaches bob" carried "f1.bin" "$A" "$B" 40
check "push: ...and the next one within ${PUSH_S}s" carried "f2.bin" "$A" "$B"

csend b "quit"
end_client b
check_eq "push: bob's client exits 0" 0 "$RC"
csend a "quit"
end_client a
check_eq "push: alice's client exits 0" 0 "$RC"
check "push: no SUBSCRIBE refused" bash -c "! grep -h 'not followed' '$T'/a.err '$T'/b.err"
check "push: no sanitizer report" \
	bash -c "! grep -l 'runtime error\|AddressSanitizer\|LeakSanitizer' '$T'/*.err '$T'/t*/err.log"
exit "$FAILS"
