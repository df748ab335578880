#!/usr/bin/env bash
# The nemesis: the tracker cluster under real faults, checked from the
# outside, as Jepsen does.  Three trackers on three hosts of the lab,
# NEMESIS_CLIENTS clients (tests/netlab/nemesis_client.py) on three more,
# making mutations and reads through whichever tracker answers, every one
# recorded with its outcome; meanwhile the nemesis, one fault at a time
# with pauses between, chosen from NEMESIS_SEED:
#   partition   a tracker's host silent (its link down) for 1.5-5.5 s
#   oneway-in   nothing reaches the tracker's host (it still sends)
#   oneway-out  nothing the tracker's host sends arrives
#   kill        SIGKILL of a tracker, restarted 1.5-5.5 s later
#   stop        SIGSTOP of a tracker, SIGCONT 1.5-5.5 s later
#   clock       a tracker's clock jumps 1 to 5 minutes ahead or behind
#               (the test switch "clock MS"), back 1.5-5.5 s later
# The run ends with a fault that lasts to its end, so the last heal comes
# with the last writes; then tests/netlab/nemesis_check.py gives a
# verdict per property (README: Fault injection) and the time from the
# last heal to every tracker holding every op.
#
# Then the checker is shown to catch a bug: a short run without faults in
# which tracker 3 is build/asan/bin/tracker-mutant (it drops the 3rd group
# creation it applies from another tracker) must fail a verdict.
#
#   NEMESIS_SEED (1)          the faults' and the clients' choices
#   NEMESIS_SECONDS (20)      how long clients write under faults
#   NEMESIS_CLIENTS (4)
#   NEMESIS_CONVERGE_MAX_MS (2500; make nemesis: 1000)
#   NEMESIS_MUTANT (1)        0: skip the mutant run
# A failing seed replays with the same choices: make nemesis SEED=N
# MINUTES=M (scripts/nemesis.sh), or this script with those variables.
. "$(dirname "$0")/nl.sh"

SEED=${NEMESIS_SEED:-1}
RUN_S=${NEMESIS_SECONDS:-20}
NCLIENTS=${NEMESIS_CLIENTS:-4}
# make test's bound: the sanitized build on a shared machine; make nemesis
# holds a run to the target, 1000 ms (scripts/nemesis.sh).
CONVERGE_MAX_MS=${NEMESIS_CONVERGE_MAX_MS:-2500}
MUTANT=${NEMESIS_MUTANT:-1}
HERE=$(dirname "$0")
RANDOM=$SEED	# bash's generator: the same faults in the same order
echo "  nemesis: seed $SEED, $RUN_S s, $NCLIENTS clients"

lab_host T1 100 100
lab_host T2 100 100
lab_host T3 100 100
lab_host C1 100 100
lab_host C2 100 100
lab_host C3 100 100
NL_HOST=C1
nl_cluster T1 T2 T3
TADDRS=()
for n in 1 2 3; do TADDRS+=("${LAB_ADDR[T$n]}:$NL_TPORT"); done

count() { [ "$(grep -cF -- "$3" "$2" 2>/dev/null)" -ge "$1" ]; }
all_up() {
	count 1 "$T/t1/err.log" "sync: tracker 2: channel up" &&
	count 1 "$T/t1/err.log" "sync: tracker 3: channel up" &&
	count 1 "$T/t2/err.log" "sync: tracker 3: channel up"
}

# clients END_MS: start the clients, writing until END_MS (now_ms).  They
# take turns on the hosts T1 C1 T2 C2 T3 C3: one on a tracker's host
# writes there (its tracker first) even while that host is cut off, so a
# partition has writes on both sides; one on a client host starts with
# the tracker its number names.
HOSTS=(T1 C1 T2 C2 T3 C3)
CL_PIDS=()
clients() {
	local c h until k order
	until=$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))
	CL_PIDS=()
	for ((c = 1; c <= NCLIENTS; c++)); do
		h=${HOSTS[$(((c - 1) % 6))]}
		case $h in
		T*) k=$((${h#T} - 1)) ;;
		*) k=$((c % 3)) ;;
		esac
		order=("${TADDRS[@]:$k}" "${TADDRS[@]:0:$k}")
		# Each client its own key: not the test's shared one.
		lab_bg_io "$h" /dev/null "$T/c$c.log" "$T/c$c.log" \
			env -u WIREPROTO_KEYDIR python3 "$HERE/nemesis_client.py" \
			--id "$c" --seed "$SEED" --until "$until" \
			--peer "${LAB_ADDR[$h]}:$((6100 + c))" \
			--out "$T/h$c.jsonl" "${order[@]}"
		CL_PIDS+=("$LAB_LAST_PID")
		PIDS+=("$LAB_LAST_PID")
	done
}
clients_done() { local p; for p in "${CL_PIDS[@]}"; do exited "$p" || return 1; done; }

# --- the run ----------------------------------------------------------------
for n in 1 2 3; do nl_tracker "$n"; done
check "nemesis: sync channels up" wait_for 300 all_up
rm -f "$T"/h*.jsonl
start=$(now_ms)
end=$((start + RUN_S * 1000))
clients "$end"
declare -A nfault=()
: >"$T/faults.tsv"
heal=$start
while :; do
	k=$((RANDOM % 3 + 1))
	kind=$(( RANDOM % 6 ))
	jump=$(( (RANDOM % 240 + 60) * 1000 * (RANDOM % 2 ? 1 : -1) ))
	dur=$((1500 + RANDOM % 4000))
	gap=$((500 + RANDOM % 2000))
	left=$((end - $(now_ms)))
	# The last fault lasts to the end: no gap too short for another.
	[ $((left - dur - gap)) -lt 2000 ] && dur=$left
	[ "$dur" -lt 300 ] && break
	t0=$(now_ms)
	case $kind in
	0) what=partition; lab_link_down "T$k" ;;
	1) what=oneway-in; lab_isolate_oneway "T$k" in ;;
	2) what=oneway-out; lab_isolate_oneway "T$k" out ;;
	3) what=kill; kill -KILL "${TPID[$k]}"; reap "${TPID[$k]}" ;;
	4) what=stop; kill -STOP "${TPID[$k]}" ;;
	5) what=clock; nl_cmd "$k" "clock $jump" ;;
	esac
	nl_hold "$t0" "$dur"
	case $kind in
	0 | 1 | 2) lab_link_up "T$k" ;;
	3) nl_tracker "$k" ;;
	4) kill -CONT "${TPID[$k]}" ;;
	5) nl_cmd "$k" "clock 0" ;;
	esac
	heal=$(now_ms)
	nfault[$what]=$((${nfault[$what]:-0} + 1))
	printf '%s\t%s\ttracker %s\t%s ms\n' "$((t0 - start))" "$what" "$k" \
		"$((heal - t0))" >>"$T/faults.tsv"
	[ $((end - heal)) -lt 300 ] && break
	nl_hold "$heal" "$gap"
done
# From the heal on, while the last requests are still being answered:
# how soon does every tracker hold every op?
python3 "$HERE/converge.py" --since "$heal" --timeout 60 \
	"$(tracker_db 1)" "$(tracker_db 2)" "$(tracker_db 3)" >"$T/converge.txt" 2>&1 &
conv_pid=$!
PIDS+=("$conv_pid")
summary=""
for what in partition oneway-in oneway-out kill stop clock; do
	summary+=" $what ${nfault[$what]:-0},"
done
echo "  faults:${summary%,} ($(wc -l <"$T/faults.tsv") in all; $T/faults.tsv)"
check "nemesis: the clients ended" wait_for 600 clients_done
wait "$conv_pid"
conv=$(sed -n 's/^converged \([0-9]*\) ms.*/\1/p' "$T/converge.txt")
python3 "$HERE/nemesis_check.py" --heal-ms "$heal" ${conv:+--converged-ms "$conv"} \
	--converge-max-ms "$CONVERGE_MAX_MS" --hist "$T"/h*.jsonl \
	--db "$(tracker_db 1)" "$(tracker_db 2)" "$(tracker_db 3)" \
	>"$T/verdicts.txt" 2>&1
rc=$?
sed 's/^/  /' "$T/verdicts.txt"
check "nemesis: every verdict passes (seed $SEED)" test "$rc" -eq 0
check "nemesis: verdicts were given" grep -q "^verdict convergence" "$T/verdicts.txt"
check "nemesis: the clients made operations" \
	grep -qE "^history: [0-9]{3,} operations" "$T/verdicts.txt"
check "nemesis: no sanitizer report" \
	eval '! grep -l "ERROR: AddressSanitizer\|runtime error:" "$T"/t*/err.log'
for n in 1 2 3; do
	kill -TERM "${TPID[$n]}"
	check "nemesis: tracker $n stops" wait_for 200 exited "${TPID[$n]}"
done

# --- the checker catches a planted bug --------------------------------------
if [ "$MUTANT" = 0 ]; then exit $((FAILS > 0)); fi
for n in 1 2 3; do mv "$T/t$n" "$T/run-t$n"; done
nl_tracker 1
nl_tracker 2
TRACKER=$P2P_BIN/tracker-mutant nl_tracker 3
check "nemesis: mutant cluster up" wait_for 300 all_up
mkdir -p "$T/run" && mv "$T"/h*.jsonl "$T/run/"
clients $(($(now_ms) + 8000))
check "nemesis: mutant run: the clients ended" wait_for 600 clients_done
python3 "$HERE/nemesis_check.py" --heal-ms "$(now_ms)" --timeout 10 \
	--converge-max-ms 10000 --hist "$T"/h*.jsonl \
	--db "$(tracker_db 1)" "$(tracker_db 2)" "$(tracker_db 3)" \
	>"$T/mutant.txt" 2>&1
rc=$?
grep -E "^verdict .*FAIL|MUTANT" "$T/mutant.txt" "$T/t3/err.log" | sed 's/^/  mutant: /'
check "nemesis: the mutant dropped a group op" grep -q "MUTANT: group op" "$T/t3/err.log"
check "nemesis: the checker fails the mutant" test "$rc" -ne 0
exit $((FAILS > 0))	# make nemesis reports by this status
