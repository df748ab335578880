#!/usr/bin/env bash
# make install and make uninstall: with DESTDIR and PREFIX=/usr, exactly
# the two release binaries (byte-identical to the build tree's: install
# builds nothing new when they are up to date) as p2ps-tracker and
# p2ps-client, and their two manual pages with the version written in;
# PREFIX defaults to /usr/local.  The installed programs: --version and
# --help exit 0; every kind of bad argument exits 2 with an error line
# and the usage line; a tracker and a client run from there hold a real
# session.  The manual pages parse (man -l and groff -ww when they are
# installed) and, like the README, describe every command help lists.
# make uninstall leaves no file behind.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VERSION=$(cat "$ROOT/VERSION")
D=$T/root
BIN=$D/usr/bin
MAN=$D/usr/share/man/man1

make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr >"$T/install.log" 2>&1
check_eq "install: make install exits 0" "0" "$?"
check_eq "install: exactly the binaries and the pages" \
	"$D/usr/bin/p2ps-client
$D/usr/bin/p2ps-tracker
$D/usr/share/man/man1/p2ps-client.1
$D/usr/share/man/man1/p2ps-tracker.1" "$(find "$D" -type f | sort)"
check_eq "install: modes" "755 755 644 644" \
	"$(stat -c %a "$BIN/p2ps-tracker" "$BIN/p2ps-client" "$MAN/p2ps-tracker.1" "$MAN/p2ps-client.1" | xargs)"
check "install: p2ps-tracker is the release build" cmp -s "$ROOT/tracker/tracker" "$BIN/p2ps-tracker"
check "install: p2ps-client is the release build" cmp -s "$ROOT/client/client" "$BIN/p2ps-client"

# --version, --help.
for p in tracker client; do
	out=$("$BIN/p2ps-$p" --version 2>"$T/v.err"); rc=$?
	check_eq "install: p2ps-$p --version" "0 p2ps-$p $VERSION" "$rc $out"
	check_eq "install: p2ps-$p --version, no stderr" "" "$(cat "$T/v.err")"
	"$BIN/p2ps-$p" --help >"$T/help.out" 2>"$T/help.err"; rc=$?
	check_eq "install: p2ps-$p --help exits 0, nothing on stderr" "0:" "$rc:$(cat "$T/help.err")"
	check "install: p2ps-$p --help starts with its usage" \
		grep -q "^usage: p2ps-$p " "$T/help.out"
done

# bad_args NAME PROGRAM ARGS...: status 2, an error line, then the usage.
bad_args() {
	local name=$1 prog=$2 rc; shift 2
	(cd "$T/args" && exec timeout 10 "$BIN/$prog" "$@" </dev/null \
		>"$T/args/out" 2>"$T/args/err")
	rc=$?
	if [ "$rc" -eq 2 ] && [ ! -s "$T/args/out" ] &&
		[ "$(sed -n 1p "$T/args/err" | cut -c1-7)" = "error: " ] &&
		grep -q "^usage: $prog " "$T/args/err"; then
		pass "args: $prog $name: exit 2, error and usage"
	else
		fail "args: $prog $name: exit 2, error and usage (exit $rc)"
		cat "$T/args/err"
	fi
}
mkdir -p "$T/args"
read -r AP <<<"$(free_ports 1)"
printf '127.0.0.1:%s\n' "$AP" >"$T/args/info.txt"
printf 'short\n' >"$T/args/secret"
chmod 600 "$T/args/secret"
bad_args "no arguments" p2ps-tracker
bad_args "one operand" p2ps-tracker info.txt
bad_args "three operands" p2ps-tracker info.txt 1 2
bad_args "unknown option" p2ps-tracker info.txt 1 --frobnicate
bad_args "unknown short option" p2ps-tracker -x info.txt 1
bad_args "option without its value" p2ps-tracker info.txt 1 --db
bad_args "bad number" p2ps-tracker info.txt 1 --kdf-iter many
bad_args "number out of range" p2ps-tracker info.txt 1 --ticket-seconds 3
bad_args "negative number" p2ps-tracker info.txt 1 --log-keep -5
bad_args "N not a number" p2ps-tracker info.txt one
bad_args "N past the file" p2ps-tracker info.txt 2
bad_args "missing tracker_info.txt" p2ps-tracker nosuch.txt 1
bad_args "tracker_info.txt a directory" p2ps-tracker . 1
bad_args "missing secret file" p2ps-tracker info.txt 1 --secret nosuch
bad_args "secret too short" p2ps-tracker info.txt 1 --secret secret
check "args: no tracker started for a bad argument" \
	bash -c "! ls '$T/args' | grep -q '\\.db\$\\|\\.key\$'"
bad_args "no arguments" p2ps-client
bad_args "one operand" p2ps-client "127.0.0.1:$AP"
bad_args "three operands" p2ps-client "127.0.0.1:$AP" info.txt more
bad_args "unknown option" p2ps-client "127.0.0.1:$AP" info.txt --frobnicate
bad_args "option without its value" p2ps-client "127.0.0.1:$AP" info.txt --up-limit
bad_args "bad rate" p2ps-client "127.0.0.1:$AP" info.txt --down-limit fast
bad_args "bad listen address" p2ps-client "127.0.0.1:port" info.txt
bad_args "missing tracker_info.txt" p2ps-client "127.0.0.1:$AP" nosuch.txt

# A real session through the installed programs.
TRACKER=$BIN/p2ps-tracker
CLIENT=$BIN/p2ps-client
cluster 1
start_tracker 1
check "install: the tracker prints its identity" wait_for 200 \
	grep -q '^tracker 1 identity SHA256:' "$T/t1/out.log"
run_client inst <<'S'
create_user installed pw
login installed pw
create_group ig
list_groups
logout
S
check_eq "install: a session through the installed client" "user installed created
logged in as installed
group ig created
ig
logged out" "$(out inst)"
check_eq "install: the session exits 0, no errors" "0:" "$RC:$(err inst)"
stop_tracker 1 && pass "install: the installed tracker stops with 0" ||
	fail "install: the installed tracker stops with 0"

# The manual pages: the version written in, every command described.
for p in tracker client; do
	check "install: p2ps-$p.1 carries the version" \
		grep -q "^\\.TH P2PS-${p^^} 1 .*\"p2ps $VERSION\"" "$MAN/p2ps-$p.1"
	check "install: p2ps-$p.1 has no placeholder left" \
		bash -c "! grep -q '@VERSION@' '$MAN/p2ps-$p.1'"
done
printf 'help\n' | timeout 10 "$CLIENT" "127.0.0.1:$(free_ports 1)" \
	"$T/tracker_info.txt" 2>/dev/null | awk '{print $1}' >"$T/cmds"
check "install: help lists commands" test -s "$T/cmds"
undocumented= notinreadme=
while read -r c; do
	grep -qE "(^\\.B[IR]? \"?|\\\\fB)$c([ \"\\\\]|\$)" "$MAN/p2ps-client.1" ||
		undocumented="$undocumented $c"
	grep -qF "\`$c" "$ROOT/README.md" || notinreadme="$notinreadme $c"
done <"$T/cmds"
check_eq "install: p2ps-client(1) describes every command" "" "$undocumented"
check_eq "install: the README describes every command" "" "$notinreadme"
check "install: the README sends no one outside the repository" \
	bash -c "! grep -n 'shared/CONTRACT' '$ROOT/README.md'"
if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
	for p in tracker client; do
		MANWIDTH=80 man -l "$MAN/p2ps-$p.1" >"$T/$p.txt" 2>"$T/$p.merr" </dev/null
		check_eq "install: man -l p2ps-$p.1 exits 0, no warnings" "0:" "$?:$(cat "$T/$p.merr")"
		check "install: p2ps-$p.1 renders its NAME line" \
			grep -q "^ *p2ps-$p - " "$T/$p.txt"
		check_eq "install: groff -ww finds nothing in p2ps-$p.1" "" \
			"$(groff -man -Tutf8 -ww -z "$MAN/p2ps-$p.1" 2>&1)"
	done
else
	echo "NOTE: man or groff missing: the pages' rendering not checked"
fi

# make uninstall leaves no file; PREFIX defaults to /usr/local.
make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/usr >>"$T/install.log" 2>&1
check_eq "install: make uninstall exits 0" 0 "$?"
check_eq "install: uninstall leaves no file" "" "$(find "$D" -type f)"
make -s -C "$ROOT" install DESTDIR="$T/root2" >>"$T/install.log" 2>&1
check "install: PREFIX defaults to /usr/local" \
	test -x "$T/root2/usr/local/bin/p2ps-client" -a -f "$T/root2/usr/local/share/man/man1/p2ps-tracker.1"
make -s -C "$ROOT" uninstall DESTDIR="$T/root2" >>"$T/install.log" 2>&1
check_eq "install: uninstall under /usr/local leaves no file" "" "$(find "$T/root2" -type f)"
[ "$FAILS" -eq 0 ] || cat "$T/install.log"
