#!/usr/bin/env bash
# The client's shell: case-insensitive command names, blank and comment
# lines, double quotes, malformed lines (unterminated quote, unknown
# command, wrong arity, bad ids, overlong lines, NUL bytes), help, quit,
# exit status, file and pipe input alike, no prompt when piped, and the
# terminal mode (prompt, completion, history) under tmux.  The end of a
# background download: announced on a terminal above the line being typed
# (which stays as it was, cursor included), never printed when piped.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1

USAGE_ID="use 1 to 64 letters, digits, '.', '_' or '-'"
NOSESS="error: not logged in (use login <user_id> <password>)"

# Case, blank lines, comments, tabs.
run_client case <<'S'
CREATE_USER shelly pw

# a comment: create_user nobody pw
   
Login shelly pw
List_Groups
CREATE_group	Grp1
list_GROUPS
LOGOUT
S
check_eq "shell: case-insensitive names, blanks, comments, tabs" \
	"user shelly created
logged in as shelly
group Grp1 created
Grp1
logged out" "$(out case)"
check_eq "shell: no errors for blank and comment lines" "" "$(err case)"
check_eq "shell: all succeeded, exit status 0" 0 "$RC"

# Double quotes keep blanks inside one word.
run_client quote <<'S'
create_user qu "pass word"
login qu pass
login qu word
login qu "pass word" extra
login qu "pass word"
logout
login qu pa"ss wo"rd
logout
login qu ""
create_user "q u" pw
S
check_eq "shell: quoted password output" "user qu created
logged in as qu
logged out
logged in as qu
logged out" "$(out quote)"
check_eq "shell: quoted password errors" "error: wrong user id or password
error: wrong user id or password
error: usage: login <user_id> <password>
error: password must be 1 to 256 characters
error: invalid user id 'q u': $USAGE_ID" "$(err quote)"
check_eq "shell: exit status 1 after failures" 1 "$RC"

# Malformed lines: each gives one error line and the shell goes on.
ID65=$(printf 'a%.0s' {1..65})
ID64=$(printf 'b%.0s' {1..64})
{
	echo 'login "shelly pw'
	echo 'frobnicate now'
	echo 'create_user onlyone'
	echo 'create_user a b c'
	echo 'logout now'
	echo 'list_groups extra'
	echo 'accept_request g'
	echo 'help me too'
	echo "create_user $ID65 pw"
	echo 'create_user a/b pw'
	echo 'create_user wow! pw'
	echo "create_user $ID64 pw"
	echo 'login shelly pw'
	echo 'create_group ../etc'
	echo "join_group $ID65"
	echo 'accept_request Grp1 bad!user'
	echo 'list_groups'
} >"$T/bad.txt"
run_client bad <"$T/bad.txt"
check_eq "shell: malformed lines, output" "user $ID64 created
logged in as shelly
Grp1" "$(out bad)"
check_eq "shell: malformed lines, one error each" "error: unterminated quote
error: unknown command 'frobnicate' (try help)
error: usage: create_user <user_id> <password>
error: usage: create_user <user_id> <password>
error: usage: logout [--all]
error: usage: list_groups
error: usage: accept_request <group_id> <user_id>
error: usage: help [command]
error: invalid user id '$ID65': $USAGE_ID
error: invalid user id 'a/b': $USAGE_ID
error: invalid user id 'wow!': $USAGE_ID
error: invalid group id '../etc': $USAGE_ID
error: invalid group id '$ID65': $USAGE_ID
error: invalid user id 'bad!user': $USAGE_ID" "$(err bad)"
check_eq "shell: malformed lines, exit status 1" 1 "$RC"

# help lists every command.
run_client help <<'S'
help
S
# (Every command of the contract built so far; more may be listed.)
missing=
for c in create_user login logout create_group join_group leave_group \
	list_requests accept_request reject_request list_groups help quit exit; do
	out help | awk '{print $1}' | grep -qxF "$c" || missing="$missing $c"
done
check_eq "shell: help lists every command" "" "$missing"
check "shell: help prints one command a line" \
	bash -c "! grep -qv '^[a-z_]' '$T/help.out'"
check_eq "shell: help exits 0" 0 "$RC"

# help <command>: its usage line first, then what it does, prints and
# its errors; every command listed has one, in any case.
awk -F'\t' '{split($1, w, " "); print "help " toupper(w[1])}' "$T/help.out" \
	>"$T/helpeach.txt"
run_client helpeach <"$T/helpeach.txt"
check_eq "shell: help <command> exits 0 for every command" "0:" "$RC:$(err helpeach)"
check_eq "shell: help <command> starts with the usage of each" \
	"$(awk -F'\t' '{print "usage: " $1}' "$T/help.out")" \
	"$(grep '^usage: ' "$T/helpeach.out")"
run_client help1 <<'S'
help download_file
help nosuch
help logout
S
check "shell: help download_file says what it prints" \
	grep -qx 'prints:  downloading <file_name> from group <group_id> to <path>' "$T/help1.out"
check "shell: help download_file lists its errors" \
	grep -q '^errors:  no file named <file_name> in group <group_id>$' "$T/help1.out"
check_eq "shell: help logout" "usage: logout [--all]" "$(grep '^usage: logout' "$T/help1.out")"
check_eq "shell: help of no command" "error: help: no command 'nosuch' (try help)" "$(err help1)"
check_eq "shell: help of no command exits 1" 1 "$RC"

# Overlong lines: 4096 bytes is fine, 4097 is one error, 20000 bytes is
# one error too; the shell goes on with the next line.  A NUL byte too.
python3 - "$T/long.txt" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"#" + b"x" * 4095 + b"\n")          # 4096 bytes: a comment
    f.write(b"help" + b" " * 4092 + b"\n")       # 4096 bytes: runs
    f.write(b"#" + b"x" * 4096 + b"\n")          # 4097 bytes
    f.write(b"login shelly pw\n")
    f.write(b"list_groups " + b"y" * 20000 + b"\n")
    f.write(b"list_groups\n")
    f.write(b"create_user nul\x00user pw\n")
    f.write(b"\x00\n")
    f.write(b"logout\n")
PY
run_client long <"$T/long.txt"
check_eq "shell: overlong and NUL lines, output" "$(out help)
logged in as shelly
Grp1
logged out" "$(out long)"
check_eq "shell: overlong and NUL lines, errors" \
	"error: line too long (at most 4096 bytes)
error: line too long (at most 4096 bytes)
error: line contains a NUL byte
error: line contains a NUL byte" "$(err long)"
check_eq "shell: overlong lines, exit status 1" 1 "$RC"

# The same overlong line arriving in small pieces through a pipe.
python3 - "$T/long2.txt" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"create_user " + b"z" * 9000 + b" pw\nhelp\n")
PY
run_client long2 < <(dd if="$T/long2.txt" bs=100 status=none)
check_eq "shell: overlong line through a pipe, one error" \
	"error: line too long (at most 4096 bytes)" "$(err long2)"
check_eq "shell: next line after an overlong one runs" "$(out help)" "$(out long2)"

# quit and exit: nothing after them runs; the status reflects what ran.
run_client q1 <<'S'
help
QUIT
create_user afterquit pw
S
check_eq "shell: quit after success exits 0" 0 "$RC"
check_eq "shell: quit prints nothing more" "" "$(err q1)"
run_client q2 <<'S'
login shelly wrong
exit
create_user afterexit pw
S
check_eq "shell: exit after a failure exits 1" 1 "$RC"
check_eq "shell: nothing after exit ran" "" "$(out q2)"
run_client q3 <<'S'
login shelly pw
quit
logout
S
check_eq "shell: quit while logged in" "logged in as shelly" "$(out q3)"
check_eq "shell: quit while logged in exits 0" 0 "$RC"
run_client q4 <<'S'
create_user afterquit pw
create_user afterexit pw
S
check_eq "shell: the lines after quit/exit were never run" \
	"user afterquit created
user afterexit created" "$(out q4)"

# A regular file and a pipe give the same result; no prompt either way.
cat >"$T/same.txt" <<'S'
# same script twice
login shelly pw
list_groups
bogus
create_group Grp1
logout
logout
S
run_client file <"$T/same.txt"
RC_FILE=$RC
port=$(free_ports 1)
cat "$T/same.txt" | "$CLIENT" "127.0.0.1:$port" "$T/tracker_info.txt" \
	>"$T/pipe.out" 2>"$T/pipe.err"
RC_PIPE=$?
check_eq "shell: file input, exact output" "logged in as shelly
Grp1
logged out" "$(out file)"
check_eq "shell: file input, exact errors" "error: unknown command 'bogus' (try help)
error: group Grp1 already exists
$NOSESS" "$(err file)"
check_eq "shell: pipe output equals file output" "$(out file)" "$(out pipe)"
check_eq "shell: pipe errors equal file errors" "$(err file)" "$(err pipe)"
check_eq "shell: file and pipe exit status 1" "1 1" "$RC_FILE $RC_PIPE"
check "shell: no prompt in piped output" \
	bash -c "! grep -q 'p2p>' '$T/pipe.out' '$T/pipe.err' '$T/file.out' '$T/file.err'"

# Empty input: nothing printed, exit 0.
run_client empty </dev/null
check_eq "shell: empty input exits 0 silently" "0:" "$RC:$(out empty)$(err empty)"

# Background downloads: a seeder NS that can be held with SIGSTOP, so a
# download ends exactly when the test lets it.
make_group ng nseed ntty npipe
mkdir -p "$T/nseed" "$T/ntty" "$T/npipe"
randfile "$T/nseed/notice.bin" $((3 * 524288 + 7))
start_client NS
send NS "login nseed pw-nseed" "upload_file $T/nseed/notice.bin ng"
check "notice: the seeder shares notice.bin" wait_for 400 has_line \
	"$T/NS.out" "sharing notice.bin in group ng (1572871 bytes, 4 pieces)"
nspid=$(client_pid NS)

# Piped, the end of a download prints nothing (scripts ask show_downloads).
run_client npipe <<S
login npipe pw-npipe
download_file ng notice.bin $T/npipe
S
check_eq "notice: piped download exits 0" 0 "$RC"
check "notice: piped download identical" \
	cmp -s "$T/nseed/notice.bin" "$T/npipe/notice.bin"
check_eq "notice: piped output has no notice line" "logged in as npipe
downloading notice.bin from group ng to $T/npipe/notice.bin" "$(out npipe)"
check_eq "notice: piped download printed no error" "" "$(err npipe)"

run_client nlg <<<$'login npipe pw-npipe\nlist_groups'
GROUPS_NOW=$(tail -n +2 "$T/nlg.out")

# The terminal: prompt, tab completion, history, output, quit.
if command -v tmux >/dev/null 2>&1; then
	tty_client "$T/tty.rc"
	check "tty: prompt shown" wait_for 200 last_is "p2p>"
	"${TMX[@]}" send-keys "hel" Tab
	check "tty: tab completes hel to help" wait_for 200 screen_has '^p2p> help ?$'
	"${TMX[@]}" send-keys Enter
	check "tty: help runs" wait_for 200 screen_has '^exit +same as quit$'
	check "tty: prompt again after help" wait_for 200 last_is "p2p>"
	"${TMX[@]}" send-keys "list_" Tab
	"${TMX[@]}" send-keys Tab
	check "tty: ambiguous completion lists candidates" \
		wait_for 200 screen_has 'list_groups +list_requests'
	"${TMX[@]}" send-keys C-u Up
	check "tty: history recalls help" wait_for 200 last_is "p2p> help"
	"${TMX[@]}" send-keys C-u "bogus" Enter
	check "tty: error shown" wait_for 200 screen_has "^error: unknown command 'bogus' \\(try help\\)$"
	"${TMX[@]}" send-keys "login shelly pw" Enter
	check "tty: login" wait_for 200 screen_has '^logged in as shelly$'
	"${TMX[@]}" send-keys "quit" Enter
	check "tty: quit exits" wait_for 200 test -s "$T/tty.rc"
	check_eq "tty: exit status 1 after the error" 1 "$(cat "$T/tty.rc" 2>/dev/null)"
	"${TMX[@]}" kill-server 2>/dev/null

	# A download ends while a line is half typed, the cursor inside it.
	tty_client "$T/ntty.rc"
	# The screen's non-blank lines, the last N of them.
	bottom() { screen | sed '/^$/d' | tail -n "$1"; }
	bottom_is() { [ "$(bottom "$(printf '%s\n' "$1" | wc -l)")" = "$1" ]; }
	cursor_x() { "${TMX[@]}" display-message -p '#{cursor_x}'; }
	cursor_at() { [ "$(cursor_x)" = "$1" ]; }
	DL1="downloading notice.bin from group ng to $T/ntty/notice.bin"
	check "notice: prompt shown" wait_for 200 last_is "p2p>"
	"${TMX[@]}" send-keys "login ntty pw-ntty" Enter
	check "notice: login" wait_for 200 bottom_is "logged in as ntty
p2p>"
	# Tab completion: group ids (fetched at login), a group's file names
	# (fetched at the first Tab that needs them, which completes once
	# they come), local directories for a destination, paths, commands.
	"${TMX[@]}" send-keys "join_group n" Tab
	check "tab: a group id" wait_for 200 last_is "p2p> join_group ng"
	"${TMX[@]}" send-keys C-u "download_file ng no" Tab
	check "tab: a file name of the group" wait_for 200 \
		last_is "p2p> download_file ng notice.bin"
	"${TMX[@]}" send-keys "$T/nt" Tab
	check "tab: a directory as destination (not the file ntty.rc)" \
		wait_for 200 last_is "p2p> download_file ng notice.bin $T/ntty/"
	"${TMX[@]}" send-keys C-u "upload_file $T/nseed/noti" Tab "n" Tab
	check "tab: a local path, then a group id" wait_for 200 \
		last_is "p2p> upload_file $T/nseed/notice.bin ng"
	"${TMX[@]}" send-keys C-u "help downl" Tab
	check "tab: help takes a command name" wait_for 200 \
		last_is "p2p> help download_file"
	"${TMX[@]}" send-keys C-u "set_limit u" Tab "o" Tab
	check "tab: set_limit's words" wait_for 200 last_is "p2p> set_limit up off"
	"${TMX[@]}" send-keys C-u
	check "tab: the line cleared" wait_for 200 last_is "p2p>"
	kill -STOP "$nspid"
	"${TMX[@]}" send-keys "download_file ng notice.bin $T/ntty" Enter
	check "notice: download started" wait_for 200 bottom_is "$DL1
p2p>"
	# "list_grps" with the cursor before "ps": 5 + 7 columns in.
	"${TMX[@]}" send-keys "list_grps" Left Left
	check "notice: half a line typed, cursor inside it" \
		wait_for 200 cursor_at 12
	check_eq "notice: nothing ends while the seeder is held" "p2p> list_grps" \
		"$(bottom 1)"
	kill -CONT "$nspid"
	check "notice: the download completes" \
		wait_for 400 test -e "$T/ntty/notice.bin"
	check "notice: [C] line above the typed line, which is intact" \
		wait_for 200 bottom_is "$DL1
[C] [ng] notice.bin
p2p> list_grps"
	check_eq "notice: the typed text is shown once" 1 \
		"$(screen | grep -c 'list_grps')"
	check_eq "notice: the cursor stays where it was" 12 "$(cursor_x)"
	check "notice: downloaded file identical" \
		cmp -s "$T/nseed/notice.bin" "$T/ntty/notice.bin"
	# Typing goes on at the cursor: "list_gr" + "ou" + "ps".
	"${TMX[@]}" send-keys "ou" Enter
	check "notice: the completed line runs as typed" \
		wait_for 200 bottom_is "p2p> list_groups
$GROUPS_NOW
p2p>"
	"${TMX[@]}" send-keys "show_downloads" Enter
	check "notice: the notice is the line show_downloads prints" \
		wait_for 200 bottom_is "p2p> show_downloads
[C] [ng] notice.bin
p2p>"
	# A download that cannot start is its command's error, no notice.
	"${TMX[@]}" send-keys "download_file ng nosuch.bin $T/ntty" Enter \
		"echo fence" Enter
	check "notice: none for a download_file that failed" wait_for 200 \
		bottom_is "p2p> download_file ng nosuch.bin $T/ntty
error: no file named nosuch.bin in group ng
p2p> echo fence
fence
p2p>"
	# During a history search: the search stays on screen as it was,
	# and leaving it brings the prompt back.
	kill -STOP "$nspid"
	"${TMX[@]}" send-keys "download_file ng notice.bin $T/ntty/search.bin" Enter
	check "notice: a download held during a search" wait_for 200 bottom_is \
		"downloading notice.bin from group ng to $T/ntty/search.bin
p2p>"
	"${TMX[@]}" send-keys C-r "list_gro"
	check "notice: searching the history" wait_for 200 \
		last_is "(reverse-i-search)\`list_gro': list_groups"
	kill -CONT "$nspid"
	check "notice: [C] above the search, which goes on" wait_for 400 \
		bottom_is "downloading notice.bin from group ng to $T/ntty/search.bin
[C] [ng] notice.bin
(reverse-i-search)\`list_gro': list_groups"
	"${TMX[@]}" send-keys C-g
	check "notice: the prompt is back after the search" \
		wait_for 200 last_is "p2p>"
	# A download that fails while a command runs: its notice waits for
	# the command's output and comes before the prompt.
	kill -STOP "$nspid"
	"${TMX[@]}" send-keys "download_file ng notice.bin $T/ntty/failing.bin" Enter
	check "notice: a download held until logout" wait_for 200 bottom_is \
		"downloading notice.bin from group ng to $T/ntty/failing.bin
p2p>"
	"${TMX[@]}" send-keys "logout" Enter
	check "notice: [F] after the output of the command that ended it" \
		wait_for 200 bottom_is "p2p> logout
logged out
[F] [ng] notice.bin logged out
p2p>"
	kill -CONT "$nspid"
	"${TMX[@]}" send-keys "quit" Enter
	check "notice: quit exits" wait_for 200 test -s "$T/ntty.rc"
	check_eq "notice: exit status 1 (a download failed)" 1 \
		"$(cat "$T/ntty.rc" 2>/dev/null)"
	"${TMX[@]}" kill-server 2>/dev/null
else
	echo "SKIP: tmux missing, terminal mode not tested"
fi

send NS "logout"
wait_for 200 has_line "$T/NS.out" "logged out"
end_client NS
check_eq "notice: the seeder exits 0" 0 "$RC"

stop_tracker 1 && pass "shell: tracker stops with status 0" ||
	fail "shell: tracker stops with status 0"
