#!/usr/bin/env bash
# Run every test layer against the sanitized build and end with one line
# "N passed, N failed, N skipped".  Output of passing suites is dropped; a
# failing suite's log is printed in full.
#
#   unit         build/asan/tests/unit/test_*   (cmocka; each test counted)
#   fuzz replay  build/asan/tests/fuzz/replay_* over tests/fuzz/corpus/<name>
#   integration  tests/integration/t_*.sh       (each "PASS:"/"FAIL:" line)
#   network lab  tests/netlab/t_*.sh            (likewise; hosts in network
#                namespaces, tests/netlab/lab.sh).  Where no lab can be
#                built (not root, no namespaces...), each is listed as
#                "skip  NAME (REASON)" and counted as skipped, neither
#                passed nor failed; so is a script that prints "SKIP:".
#
# Set ONLY=<glob> to run only matching integration and network lab scripts
# (e.g. ONLY='*/netlab/*').
set -u
cd "$(dirname "$0")/.."
top=$PWD
passed=0 failed=0 skipped=0
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export P2P_BIN=$top/build/asan/bin

report() {	# name status log
	if [ "$2" = ok ]; then
		echo "  ok    $1"
	else
		echo "  FAIL  $1"
		sed 's/^/        | /' "$3" | tail -n 80
	fi
}

echo "== unit"
for t in build/asan/tests/unit/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log=$logs/$name.log
	"$t" >"$log" 2>&1
	rc=$?
	p=$(awk '/^\[  PASSED  \] [0-9]+/ {n += $4} END {print n + 0}' "$log")
	f=$(awk '/^\[  FAILED  \] [0-9]+/ {n += $4} END {print n + 0}' "$log")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)) failed=$((failed + f))
	report "$name ($p passed, $f failed)" "$([ "$f" -eq 0 ] && echo ok)" "$log"
done

echo "== fuzz corpus replay"
for t in build/asan/tests/fuzz/replay_*; do
	[ -x "$t" ] || continue
	name=${t##*/replay_fuzz_}
	log=$logs/fuzz_$name.log
	if "$t" tests/fuzz/corpus/"$name" >"$log" 2>&1; then
		passed=$((passed + 1)); report "fuzz_$name corpus" ok "$log"
	else
		failed=$((failed + 1)); report "fuzz_$name corpus" fail "$log"
	fi
done

# run_script FILE: one integration or network lab script, its PASS:/FAIL:
# lines counted (a nonzero exit with no FAIL: counts as one failure); a
# script that says "SKIP: why" and passes nothing is counted as skipped.
run_script() {
	local t=$1 name log rc p f
	name=$(basename "$t" .sh)
	log=$logs/$name.log
	timeout 300 bash "$t" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^PASS:' "$log")
	f=$(grep -c '^FAIL:' "$log")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL: $name exited $rc" >>"$log"; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && grep -q '^SKIP:' "$log"; then
		skipped=$((skipped + 1))
		echo "  skip  $name ($(sed -n 's/^SKIP: //p' "$log" | head -1))"
		return
	fi
	passed=$((passed + p)) failed=$((failed + f))
	report "$name ($p passed, $f failed)" "$([ "$f" -eq 0 ] && echo ok)" "$log"
}

echo "== integration"
for t in tests/integration/t_*.sh; do
	[ -f "$t" ] || continue
	if [ -n "${ONLY:-}" ] && [[ "$t" != $ONLY ]]; then continue; fi
	run_script "$t"
done

echo "== network lab"
# Can a lab be built here?  (A probe lab, made and removed at once.)
lab_reason=$(bash -c '. tests/netlab/lab.sh
	if lab_init; then lab_cleanup; else echo "$LAB_SKIP_REASON"; fi' 2>/dev/null)
for t in tests/netlab/t_*.sh; do
	[ -f "$t" ] || continue
	if [ -n "${ONLY:-}" ] && [[ "$t" != $ONLY ]]; then continue; fi
	if [ -n "$lab_reason" ]; then
		skipped=$((skipped + 1))
		echo "  skip  $(basename "$t" .sh) ($lab_reason)"
		continue
	fi
	run_script "$t"
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
