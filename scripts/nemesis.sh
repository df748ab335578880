#!/usr/bin/env bash
# make nemesis [SEED=N] [MINUTES=M] [CLIENTS=C]: a long nemesis run
# (tests/netlab/t_lab_nemesis.sh) on the sanitized build: three trackers
# and C clients (default 6) on hosts of the network lab, faults chosen
# from SEED (default: from the clock, printed) for M minutes (default 5),
# then the verdicts (README: Fault injection).  The run's directory is
# kept (histories h*.jsonl, faults.tsv, verdicts.txt, each tracker's log
# and database); the same SEED replays the same faults and choices.
set -u
cd "$(dirname "$0")/.."
seed=${SEED:-$(date +%s)}
minutes=${MINUTES:-5}
echo "nemesis: SEED=$seed MINUTES=$minutes (replay: make nemesis SEED=$seed MINUTES=$minutes)"
export P2P_BIN=$PWD/build/asan/bin
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
KEEP=1 NEMESIS_SEED=$seed NEMESIS_SECONDS=$((minutes * 60)) \
	NEMESIS_CLIENTS=${CLIENTS:-6} NEMESIS_CONVERGE_MAX_MS=${CONVERGE_MAX_MS:-1000} \
	bash tests/netlab/t_lab_nemesis.sh
rc=$?
echo "nemesis: SEED=$seed: $([ $rc -eq 0 ] && echo passed || echo FAILED)"
exit $rc
