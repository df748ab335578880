#!/usr/bin/env bash
# t_folders.sh - synced folders (sync_folder, unsync_folder, list_folders)
# through a cluster of two trackers: alice's client talks to tracker 1
# only, bob's to tracker 2 only, so everything one folder learns of the
# other crosses the cluster.  Bytes on disk are compared by SHA1.
#
#  - initial fill: files already in each folder reach the other;
#  - a file added (written slowly, open for seconds: shared once, whole);
#  - a file changed: the group lists its new size and SHA1, the other
#    folder fetches it;
#  - a file removed: no longer shared by that client, not fetched back,
#    the other member keeps its copy;
#  - both members change one file at once: both contents survive, one
#    under a sync-conflict name, in both folders, and both trackers list
#    the same files;
#  - restart and resume: alice's client quits, a file is added meanwhile,
#    garbage is appended to both state files, a new client in the same
#    directory logs in and the folder (only it) resumes;
#  - logout and login on one client: stopped, then resumed;
#  - unsync_folder: files stay, and stay shared; errors;
#  - unsync_folder while a fetch runs (from a slow source): it ends, its
#    .part removed, and the file never lands in the folder.
. "$(dirname "$0")/lib.sh"

cluster 2
start_tracker 1
start_tracker 2
make_group g alice bob
I1=$(info_file i1 1)
I2=$(info_file i2 2)

A=$T/A/sync
B=$T/B/sync
mkdir -p "$A" "$B" "$A/sub"
randfile "$A/a1.bin" 300000
randfile "$A/a2.bin" 1200000		# three pieces
randfile "$B/b1.bin" 70000
echo "a file named as the folder's own index" >"$B/index"
echo "in a subfolder" >"$A/sub/deep.txt"

start_in a "$T/A" "$I1"
start_in b "$T/B" "$I2"
csend a "login alice pw-alice" "sync_folder $A g" "list_folders" "echo A1"
csend b "login bob pw-bob" "sync_folder sync g" "echo B1"
wait_for 200 has_line "$T/a.out" A1
wait_for 200 has_line "$T/b.out" B1
check "folders: sync_folder prints its line" has_line "$T/a.out" \
	"syncing folder $A with group g"
check "folders: a relative dir is made absolute" has_line "$T/b.out" \
	"syncing folder $B with group g"
check "folders: list_folders: dir<TAB>group, then more" \
	has_prefix "$T/a.out" "$A	g	"

check "folders: initial fill: a1 reaches bob" wait_for 600 same_file "$A/a1.bin" "$B/a1.bin"
check "folders: initial fill: a2 (3 pieces) reaches bob" wait_for 600 same_file "$A/a2.bin" "$B/a2.bin"
check "folders: initial fill: b1 reaches alice" wait_for 600 same_file "$B/b1.bin" "$A/b1.bin"
check "folders: a file named index is just a file" wait_for 600 same_file "$B/index" "$A/index"
check "folders: subfolders are not synced" test ! -e "$B/sub"
check "folders: no .part under a synced name" \
	bash -c "! ls '$A' '$B' | grep -q '\\.part\$'"
check_eq "folders: bob shared only his own files: nothing he was fetching" \
	"shared b1.bin (70000 bytes)
shared index ($(stat -c %s "$B/index") bytes)" \
	"$(grep -o 'shared [^ ]* ([0-9]* bytes)' "$T/b.err" | sort)"

# list_files on each tracker: the same three files.
files_on() {
	run_client "lf$1" "$(eval echo "\$I$1")" <<<$'login alice pw-alice\nlist_files g'
	grep -v '^logged in' "$T/lf$1.out"
}
want=$(printf '%s\t%s\t%s\n' a1.bin 300000 "$(sha1_of "$A/a1.bin")" \
	a2.bin 1200000 "$(sha1_of "$A/a2.bin")" b1.bin 70000 "$(sha1_of "$B/b1.bin")" \
	index "$(stat -c %s "$B/index")" "$(sha1_of "$B/index")")
check_eq "folders: tracker 1 lists the four files" "$want" "$(files_on 1)"
check_eq "folders: tracker 2 lists the four files" "$want" "$(files_on 2)"

# A file added, written in three parts with the file open throughout: it
# is shared once, whole.
(
	exec 3>"$A/slow.bin"
	head -c 200000 /dev/urandom >&3; sleep 0.5
	head -c 200000 /dev/urandom >&3; sleep 0.5
	head -c 200000 /dev/urandom >&3
)
check "folders: a file added reaches bob" wait_for 600 same_file "$A/slow.bin" "$B/slow.bin"
check_eq "folders: a file still being written is shared once, whole" \
	"shared slow.bin (600000 bytes)" \
	"$(grep -o 'shared slow\.bin ([0-9]* bytes)' "$T/a.err")"

# A file changed.
randfile "$T/new-a1" 250000
cp "$T/new-a1" "$A/a1.bin"
check "folders: a changed file reaches bob" wait_for 600 same_file "$T/new-a1" "$B/a1.bin"
check "folders: tracker 2 lists the new size and SHA1" \
	grep -qxF "$(printf 'a1.bin\t250000\t%s' "$(sha1_of "$T/new-a1")")" <(files_on 2)

# A file removed: bob stops sharing it; it is not fetched back; alice
# keeps hers.  (After a later change has reached bob, b1 is still gone.)
rm "$B/b1.bin"
bob_stopped_b1() {
	[ "$(db_count 2 "SELECT count(*) FROM share WHERE name = 'b1.bin' AND user = 'bob' AND present = 1")" = 0 ]
}
check "folders: a removed file is no longer shared by that member" wait_for 400 bob_stopped_b1
echo "marker" >"$A/marker.txt"
check "folders: a later file arrives" wait_for 600 same_file "$A/marker.txt" "$B/marker.txt"
check "folders: the removed file is not fetched back" test ! -e "$B/b1.bin"
check "folders: the other member keeps its copy" test -f "$A/b1.bin"
check "folders: it is still listed (alice shares it)" \
	grep -q '^b1\.bin	' <(files_on 1)

# Both change a2 at once.
randfile "$T/a2-alice" 500000
randfile "$T/a2-bob" 400000
cp "$T/a2-alice" "$A/a2.bin" & P1=$!
cp "$T/a2-bob" "$B/a2.bin" & P2=$!
wait "$P1" "$P2"
# settled DIR: a2.bin and one conflict copy, holding both contents.
settled() {
	local d=$1 c
	c=$(ls "$d" | grep -c '^a2\.sync-conflict-[0-9]\{8\}-[0-9]\{6\}-[0-9a-f]\{7\}\.bin$')
	[ "$c" = 1 ] || return 1
	[ "$(sha1_of "$d/a2.bin"; sha1_of "$d"/a2.sync-conflict-*.bin)" = \
	  "$(sha1_of "$T/a2-alice"; sha1_of "$T/a2-bob")" ] ||
	[ "$(sha1_of "$d/a2.bin"; sha1_of "$d"/a2.sync-conflict-*.bin)" = \
	  "$(sha1_of "$T/a2-bob"; sha1_of "$T/a2-alice")" ]
}
check "folders: concurrent change: both copies in alice's folder" wait_for 800 settled "$A"
check "folders: concurrent change: both copies in bob's folder" wait_for 800 settled "$B"
check_eq "folders: concurrent change: the same winner on both sides" \
	"$(sha1_of "$A/a2.bin")" "$(sha1_of "$B/a2.bin")"
check_converged "folders: both trackers hold the same state" 1 2
check_eq "folders: both trackers list the same files" "$(files_on 1)" "$(files_on 2)"
check "folders: the conflict copy is listed" grep -q '^a2\.sync-conflict-' <(files_on 2)

# Restart and resume: alice's client quits; a file is added while it is
# down; a new client in the same directory logs in and syncs again.
csend a "quit"
end_client a
check_eq "folders: alice's client exits 0" 0 "$RC"
check "folders: the list of synced folders is mode 0600" \
	test "$(stat -c %a "$T/A/.p2ps-folders")" = 600
check "folders: the folder's index is mode 0600" \
	test "$(stat -c %a "$A/.p2ps-sync/index")" = 600
randfile "$A/offline.bin" 90000
# Both state files are read as untrusted: lines that do not parse are
# skipped (binary, too long, a relative folder, a bad hash or number).
{
	printf 'alice\tg\trelative/dir\n'
	printf 'alice\tbad group!\t%s\n' "$T"
	head -c 9000 /dev/urandom | tr -d '\n'; echo
	printf 'alice\tg\n'
} >>"$T/A/.p2ps-folders"
{
	printf 'x.bin\t1\t2\tnothex\t-\t-\t0\n'
	printf 'y.bin\t-1\t2\t-\t-\t-\t0\n'
	printf 'z.bin\t1\t2\t-\t-\t-\t7\n'
	printf '../up\t1\t2\t-\t-\t-\t0\n'
	head -c 9000 /dev/urandom; echo
} >>"$A/.p2ps-sync/index"
start_in a2 "$T/A" "$I1"
csend a2 "login alice pw-alice" "list_folders" "echo A2"
wait_for 200 has_line "$T/a2.out" A2
check "folders: resumed at login" has_prefix "$T/a2.out" "$A	g	"
check_eq "folders: the garbage lines resumed nothing else" 1 \
	"$(grep -c 'g	' "$T/a2.out")"
check "folders: a file added while away reaches bob" \
	wait_for 600 same_file "$A/offline.bin" "$B/offline.bin"
randfile "$T/new-b1" 33333
cp "$T/new-b1" "$B/bob2.bin"
check "folders: after resuming, new group files arrive" \
	wait_for 600 same_file "$B/bob2.bin" "$A/bob2.bin"

# logout and login on the same client: stopped, then resumed.
csend b "logout" "list_folders" "login bob pw-bob" "list_folders" "echo B3"
wait_for 200 has_line "$T/b.out" B3
check_eq "folders: logout stops the folder, login resumes it" \
	"logged out
logged in as bob
$B	g" "$(sed -n '/^B1$/,/^B3$/p' "$T/b.out" | grep -v '^B[13]$' |
	sed 's/	[0-9]* files*$//; s/ (sharing [0-9]* files again)$//')"
randfile "$T/new-a3" 4444
cp "$T/new-a3" "$A/after-login.bin"
check "folders: after logout and login, new group files arrive" \
	wait_for 600 same_file "$A/after-login.bin" "$B/after-login.bin"

# unsync_folder: the files stay and stay shared; errors.
csend b "unsync_folder $B" "list_folders" "unsync_folder $B" "sync_folder $T/nodir g" \
	"sync_folder $A/a1.bin g" "echo B2"
wait_for 200 has_line "$T/b.out" B2
check "folders: unsync_folder prints its line" has_line "$T/b.out" \
	"stopped syncing folder $B"
check_eq "folders: errors" "error: not logged in (use login <user_id> <password>)
error: $B is not a synced folder
error: $T/nodir: No such file or directory
error: $A/a1.bin: not a directory" "$(grep '^error' "$T/b.err")"
check "folders: files stay after unsync" same_file "$B/bob2.bin" "$A/bob2.bin"
check "folders: ...and stay shared" grep -q '^bob2\.bin	' <(files_on 2)

check_eq "folders: no .part was ever shared" "" \
	"$(grep -h 'shared [^ ]*\.part ' "$T"/a*.err "$T/b.err")"
csend a2 "quit"
end_client a2

# unsync_folder while a fetch runs: the fetch ends at once, its .part is
# removed, and the file never lands in the folder.  Its only source, a
# plain client of alice's, serves at 8 kB/s (2 MB: minutes).
randfile "$T/stall.bin" 2000000
start_in s "$T/S" "$I2"
csend s "login alice pw-alice" "set_limit up 8k" "upload_file $T/stall.bin g"
wait_for 400 has_line "$T/s.out" "sharing stall.bin in group g (2000000 bytes, 4 pieces)" ||
	fail "folders: the slow source shares stall.bin"
csend b "sync_folder $B g"
part_there() { [ -f "$B/.p2ps-sync/fetch/stall.bin.part" ]; }
check "folders: the fetch of stall.bin is under way" wait_for 600 part_there
csend b "unsync_folder $B" "show_downloads" "echo B4"
wait_for 200 has_line "$T/b.out" B4
# The ended fetch is [F] in show_downloads until it is freed (at once,
# once idle: t_folders_reap), never [D] again.
check_eq "folders: unsync_folder ends the running fetch" "" \
	"$(sed -n '/^B3$/,/^B4$/p' "$T/b.out" | grep '^\[D\] \[g\] stall\.bin')"
check "folders: ...its .part is removed" test ! -e "$B/.p2ps-sync/fetch/stall.bin.part"
check "folders: ...and it is not in the folder" test ! -e "$B/stall.bin"
check_eq "folders: nothing left in the fetch area" "" "$(ls -A "$B/.p2ps-sync/fetch")"
csend s "quit"
end_client s
csend b "quit"
end_client b
check "folders: no sanitizer report" \
	bash -c "! grep -l 'runtime error\|AddressSanitizer\|LeakSanitizer' '$T'/*.err"
exit "$FAILS"
