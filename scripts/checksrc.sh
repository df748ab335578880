#!/usr/bin/env bash
# Refuse unbounded or error-swallowing C library calls in our sources, and
# keep each library behind its one module.
set -u
cd "$(dirname "$0")/.."
bad=0
files=$(ls common/*.[ch] tracker/*.[ch] client/*.[ch] 2>/dev/null)
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|strtok)[[:space:]]*\(' $files; then
	echo "checksrc: banned function above (use snprintf, parse_num, parse_words)" >&2
	bad=1
fi
only() {	# header allowed-files (an extended regex of paths)
	local hits
	hits=$(grep -lE "#include <$1" $files | grep -vxE "$2")
	if [ -n "$hits" ]; then
		echo "checksrc: <$1> may only be included by $2, found in: $hits" >&2
		bad=1
	fi
}
only 'sqlite3\.h' 'tracker/store_[a-z]+\.[ch]'
only 'openssl/' 'common/(crypto|tls)\.c'
only 'readline/' client/shell.c
if grep -nE '#include "\.\./(tracker|client)/' common/*.[ch] 2>/dev/null; then
	echo "checksrc: common/ must not include tracker/ or client/" >&2; bad=1
fi
[ $bad -eq 0 ] && echo "checksrc: ok"
exit $bad
