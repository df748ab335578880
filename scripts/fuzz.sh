#!/usr/bin/env bash
# Run libFuzzer harnesses for a while each and report.
#
#   scripts/fuzz.sh SECONDS build/fuzz/fuzz_<name>...
#
# Each harness fuzzes for SECONDS seconds a scratch copy of its seed corpus
# tests/fuzz/corpus/<name> (in build/fuzz/work/<name>, emptied first).
#
# After a clean run the corpus is minimized together with what the run
# found (libFuzzer -merge=1 -use_counters=0 into an empty directory: a
# small set of inputs that still reaches every code edge reached; hit
# counts are ignored, which keeps the set to a few dozen files).
# Hand-written seeds (any file not named by a 40-hex SHA1) always stay;
# fuzzer-found inputs (SHA1-named) are replaced by the SHA1-named files of
# the minimized set, smallest first, up to FUZZ_CORPUS_MAX files in all
# (default 200).  FUZZ_MERGE=0 leaves the corpus alone.
#
# A crash, leak, timeout or out-of-memory is left as build/fuzz/crash-<sha1>
# (leak-, timeout-, oom-) and named in the summary; each run's full log is
# build/fuzz/<name>.log.  One summary line per harness; exit status 1 if any
# harness failed.  Extra libFuzzer flags may be given in FUZZ_ARGS.
set -u
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 SECONDS build/fuzz/fuzz_<name>..." >&2; exit 2; }
[ $# -ge 2 ] || usage
secs=$1; shift
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || usage
max=${FUZZ_CORPUS_MAX:-200}
merge=${FUZZ_MERGE:-1}
read -r -a extra <<<"${FUZZ_ARGS:-}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

count() { find "$1" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l; }

failed=0
mkdir -p build/fuzz
for bin in "$@"; do
	name=${bin##*/fuzz_}
	if [ ! -x "$bin" ] || [ "$name" = "$bin" ]; then
		echo "fuzz_$name: FAIL: $bin is not a built harness" >&2
		failed=1
		continue
	fi
	corpus=tests/fuzz/corpus/$name
	work=build/fuzz/work/$name
	log=build/fuzz/$name.log
	rm -rf "$work"
	mkdir -p "$work" "$corpus"
	before=$(count "$corpus")
	[ "$before" -gt 0 ] && cp -p "$corpus"/* "$work"/
	[ "$before" -eq 0 ] && echo "fuzz_$name: warning: $corpus is empty" >&2

	"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=20 \
	    -artifact_prefix=build/fuzz/ ${extra[@]+"${extra[@]}"} \
	    "$work" >"$log" 2>&1
	rc=$?

	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	stats="${runs:-?} runs, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}"

	if [ $rc -ne 0 ]; then
		failed=1
		arts=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | paste -sd ' ')
		what=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer): [^ ]+|runtime error: .*|check failed: .*' "$log")
		echo "fuzz_$name: FAIL (exit $rc) ${what:-see log}; ${arts:-no artifact} ($stats; log $log)"
		continue
	fi

	after=$before dropped=0
	if [ "$merge" != 0 ]; then
		stage=build/fuzz/work/$name.merge
		rm -rf "$stage"; mkdir -p "$stage"
		if "$bin" -merge=1 -use_counters=0 "$stage" "$corpus" "$work" \
		    >>"$log" 2>&1; then
			# Names (SHA1 of contents) of the hand-written seeds.
			seeds=$(find "$corpus" -maxdepth 1 -regextype posix-extended \
			    -type f ! -name '.*' ! -regex '.*/[0-9a-f]{40}' \
			    -exec sha1sum {} + | cut -d' ' -f1)
			room=$((max - $(printf '%s' "$seeds" | grep -c .)))
			find "$corpus" -maxdepth 1 -regextype posix-extended \
			    -type f -regex '.*/[0-9a-f]{40}' -delete
			while IFS= read -r f; do
				h=${f##*/}
				grep -qx "$h" <<<"$seeds" && continue
				if [ "$room" -gt 0 ]; then
					cp -p "$f" "$corpus/$h"
					room=$((room - 1))
				else
					dropped=$((dropped + 1))
				fi
			done < <(find "$stage" -maxdepth 1 -regextype posix-extended \
			    -type f -regex '.*/[0-9a-f]{40}' \
			    -printf '%s %p\n' | sort -n | cut -d' ' -f2-)
			after=$(count "$corpus")
		else
			echo "fuzz_$name: warning: merge failed, see $log" >&2
		fi
		rm -rf "$stage"
	fi
	note=""
	[ "$dropped" -gt 0 ] && note=", $dropped not kept (corpus at $max)"
	echo "fuzz_$name: ok ($stats; corpus $before -> $after$note)"
done
exit $failed
