#!/usr/bin/env bash
# Sharing basics: upload_file and list_files (name, size, SHA1), downloads
# of edge sizes (0, 1, one piece, one piece + 1, ~5 MiB) byte-identical
# to the source, into a directory or to a file path, no .part left,
# show_downloads [C]; the errors: a different file under a taken name, a
# non-member listing, an existing destination, a missing file, uploading a
# missing path or a directory.  The same content uploaded by a second user
# makes one more sharer (the file stays listed until both stop).
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1
make_group g alice bob dave
run_client mkcarol <<<"create_user carol pw-carol"

src=$T/src
mkdir -p "$src" "$T/other" "$T/dave" "$T/dl/sub" "$T/dl2"
: >"$src/z0"
printf 'x' >"$src/s1"
randfile "$src/p512k" 524288
randfile "$src/p512k1" 524289
randfile "$src/big.bin" $((5 * 1024 * 1024 + 12345))

# Alice shares the five files from a long-running client.
start_client A
send A "login alice pw-alice"
for f in z0 s1 p512k p512k1 big.bin; do send A "upload_file $src/$f g"; done
send A "echo uploads-done"
wait_for 400 has_line "$T/A.out" "uploads-done"
check_eq "basic: upload_file lines" "logged in as alice
sharing z0 in group g (0 bytes, 0 pieces)
sharing s1 in group g (1 bytes, 1 pieces)
sharing p512k in group g (524288 bytes, 1 pieces)
sharing p512k1 in group g (524289 bytes, 2 pieces)
sharing big.bin in group g (5255225 bytes, 11 pieces)
uploads-done" "$(out A)"
check_eq "basic: uploads printed no error" "" "$(err A)"

# list_files: name, size and the SHA1 that sha1sum computes, by name.
want=$(for f in big.bin p512k p512k1 s1 z0; do
	printf '%s\t%s\t%s\n' "$f" "$(stat -c %s "$src/$f")" "$(sha1_of "$src/$f")"
done)
run_client lsbob <<<$'login bob pw-bob\nlist_files g'
check_eq "basic: list_files by a member exits 0" 0 "$RC"
check_eq "basic: list_files shows name, size, sha1" "logged in as bob
$want" "$(out lsbob)"

# Bob downloads every file at once: into a directory, and to file paths.
start_client B
send B "login bob pw-bob" \
	"download_file g z0 $T/dl" \
	"download_file g s1 $T/dl" \
	"download_file g p512k $T/dl/p512k.copy" \
	"download_file g p512k1 $T/dl/" \
	"download_file g big.bin $T/dl/sub/big.copy"
dests="$T/dl/z0 $T/dl/s1 $T/dl/p512k.copy $T/dl//p512k1 $T/dl/sub/big.copy"
all_there() { local f; for f in $dests; do [ -e "$f" ] || return 1; done; }
check "basic: five downloads complete" wait_for 600 all_there
check "basic: empty file identical" cmp -s "$src/z0" "$T/dl/z0"
check "basic: 1-byte file identical" cmp -s "$src/s1" "$T/dl/s1"
check "basic: 524288-byte file identical (to a file path)" \
	cmp -s "$src/p512k" "$T/dl/p512k.copy"
check "basic: 524289-byte file identical" cmp -s "$src/p512k1" "$T/dl/p512k1"
check "basic: 5 MiB file identical (to a path in a subdirectory)" \
	cmp -s "$src/big.bin" "$T/dl/sub/big.copy"
check_eq "basic: no .part left after completion" "" \
	"$(find "$T/dl" -name '*.part')"
check_eq "basic: nothing but the five files written" \
	"big.copy p512k.copy p512k1 s1 z0" \
	"$(cd "$T/dl" && find . -type f -printf '%f\n' | LC_ALL=C sort | xargs)"
send B "show_downloads" "echo shown"
wait_for 200 has_line "$T/B.out" "shown"
check_eq "basic: download_file lines" "logged in as bob
downloading z0 from group g to $T/dl/z0
downloading s1 from group g to $T/dl/s1
downloading p512k from group g to $T/dl/p512k.copy
downloading p512k1 from group g to $T/dl/p512k1
downloading big.bin from group g to $T/dl/sub/big.copy" \
	"$(head -6 "$T/B.out" | sed 's#//*#/#g')"
check_eq "basic: show_downloads shows [C] for each" "[C] [g] big.bin
[C] [g] p512k
[C] [g] p512k1
[C] [g] s1
[C] [g] z0" "$(sed -n '/^\[/p' "$T/B.out" | LC_ALL=C sort)"
send B "logout"
wait_for 200 has_line "$T/B.out" "logged out"
end_client B
check_eq "basic: downloader exits 0" 0 "$RC"
check_eq "basic: downloader printed no error" "" "$(err B)"

# A piped downloader: run_client returns once the download is over.
run_client pipedl <<S
login bob pw-bob
download_file g big.bin $T/dl2
S
check_eq "basic: piped download exits 0" 0 "$RC"
check "basic: piped download identical" cmp -s "$src/big.bin" "$T/dl2/big.bin"

# The same name with different content in the same group fails.
printf 'not the same' >"$T/other/s1"
send A "upload_file $T/other/s1 g" "echo conflict-done"
wait_for 400 has_line "$T/A.out" "conflict-done"
check_eq "basic: a different file under a taken name fails" \
	"error: group g already has a different file named s1" "$(err A)"
run_client ls2 <<<$'login bob pw-bob\nlist_files g'
check_eq "basic: the listing is unchanged after the conflict" \
	"logged in as bob (sharing 5 files again)
$want" "$(out ls2)"

# The same content by a second user: one more sharer.  Alice and Bob
# (a sharer since his download) stop; Dave's copy keeps it listed.
cp "$src/p512k1" "$T/dave/p512k1"
run_client davesh <<S
login dave pw-dave
upload_file $T/dave/p512k1 g
list_files g
S
check_eq "basic: same content by a second user exits 0" 0 "$RC"
check_eq "basic: same content by a second user is accepted" \
	"logged in as dave
sharing p512k1 in group g (524289 bytes, 2 pieces)
$want" "$(out davesh)"
send A "stop_share g p512k1" "echo stop-done"
wait_for 200 has_line "$T/A.out" "stop-done"
check "basic: stop_share by the uploader" \
	has_line "$T/A.out" "stopped sharing p512k1 in group g"
run_client bobstop <<S
login bob pw-bob
stop_share g p512k1
list_files g
S
check_eq "basic: the file stays listed while dave shares it" \
	"logged in as bob (sharing 5 files again)
stopped sharing p512k1 in group g
$want" "$(out bobstop)"
run_client davestop <<S
login dave pw-dave
stop_share g p512k1
list_files g
S
check_eq "basic: gone from list_files once its last sharer stops" \
	"logged in as dave (sharing 1 file again)
stopped sharing p512k1 in group g
$(grep -v '^p512k1	' <<<"$want")" "$(out davestop)"

# list_files by a non-member fails.
run_client lscarol <<<$'login carol pw-carol\nlist_files g'
check_eq "basic: list_files by a non-member exits 1" 1 "$RC"
check_eq "basic: list_files by a non-member prints nothing" \
	"logged in as carol" "$(out lscarol)"
check_eq "basic: list_files by a non-member: error line" \
	"error: carol is not a member of group g" "$(err lscarol)"

# download_file to a path that exists fails, as a file or via a directory.
before=$(sha1_of "$T/dl/s1")
run_client exists <<S
login bob pw-bob
download_file g s1 $T/dl/s1
download_file g s1 $T/dl
download_file g z0 $T/dl/p512k.copy
S
check_eq "basic: download to an existing path exits 1" 1 "$RC"
check_eq "basic: download to an existing path: three error lines" \
	"error: $T/dl/s1 already exists
error: $T/dl/s1 already exists
error: $T/dl/p512k.copy already exists" "$(err exists)"
check_eq "basic: the existing file is untouched" "$before" "$(sha1_of "$T/dl/s1")"
check "basic: the other existing file is untouched" \
	cmp -s "$src/p512k" "$T/dl/p512k.copy"

# A missing file: one error line, exit status 1, nothing written.
run_client missing <<S
login bob pw-bob
download_file g nosuch $T/dl
S
check_eq "basic: download of a missing file exits 1" 1 "$RC"
check_eq "basic: download of a missing file prints only the login" \
	"logged in as bob (sharing 4 files again)" "$(out missing)"
check_eq "basic: download of a missing file: error line" \
	"error: no file named nosuch in group g" "$(err missing)"
check "basic: nothing written for a missing file" \
	test ! -e "$T/dl/nosuch" -a ! -e "$T/dl/nosuch.part"

# Uploading a missing path or a directory fails.
run_client badup <<S
login bob pw-bob
upload_file $T/nope g
upload_file $T/dl g
S
check_eq "basic: bad uploads exit 1" 1 "$RC"
check_eq "basic: bad uploads print only the login" \
	"logged in as bob (sharing 4 files again)" \
	"$(out badup)"
check_eq "basic: bad uploads: one error line each" \
	"error: $T/nope: No such file or directory
error: $T/dl: not a regular file" "$(err badup)"

send A "logout"
wait_for 200 has_line "$T/A.out" "logged out"
end_client A
check_eq "basic: the uploader exits 1 (its conflicting upload failed)" 1 "$RC"
stop_tracker 1 && pass "basic: tracker exits 0" || fail "basic: tracker exits 0"
