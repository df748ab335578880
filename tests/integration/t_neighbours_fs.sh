#!/usr/bin/env bash
# Hostile neighbours on the file system (issue 15, item 1): files are
# written only where the user meant.  Another local user (nobody, through
# setpriv) plants, in a shared folder without the sticky bit, a symbolic
# link to the victim's file at NAME.part, a world-writable NAME.part of
# its own, a link at the destination, and a file at the destination
# while the download runs.  Each is refused with an error naming it and
# nothing of the victim's changes.  The .part is 0600 while it fills;
# the finished file gets 0666 less the umask (027 here: 0640); the
# user's own .part, left 0644 by an older client, still resumes.  A
# download that its disk (a 16 MiB tmpfs) cannot hold with 64 MiB to
# spare fails at once, before anything is allocated.
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 0; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
umask 027
chmod 711 "$T"			# nobody may reach $T/shared, nothing else
SH=$T/shared
mkdir -p "$SH" "$T/s" "$T/d"
chmod 0777 "$SH"		# shared, and no sticky bit

cluster 1
start_tracker 1
make_group g s d
size=$((4 * 1024 * 1024 + 5))
for f in a b c e h r m; do randfile "$T/s/$f.bin" "$size"; done
start_client S
send S "login s pw-s"
for f in a b c e h r m; do send S "upload_file $T/s/$f.bin g"; done
check "fs: the seeder shares seven files" wait_for 600 has_prefix "$T/S.out" \
	"sharing m.bin in group g"

echo "the victim's own file" >"$T/victim"
chmod 600 "$T/victim"
vsum=$(sha1_of "$T/victim")

# --- a link at the .part -----------------------------------------------
as_nobody ln -s "$T/victim" "$SH/a.bin.part"
run_client d1 <<<"login d pw-d
download_file g a.bin $SH"
check "fs: a linked .part: download_file fails" test "$RC" -ne 0
check "fs: a linked .part: the error names the link" grep -qF \
	"error: $SH/a.bin.part is a symbolic link: refused (remove it)" "$T/d1.err"
check_eq "fs: a linked .part: the victim's file is untouched" "$vsum" \
	"$(sha1_of "$T/victim")"
check "fs: a linked .part: nothing at the destination" test ! -e "$SH/a.bin"

# --- someone else's .part, world-writable ---------------------------------
as_nobody sh -c "umask 0; : >'$SH/b.bin.part'"
run_client d2 <<<"login d pw-d
download_file g b.bin $SH/b.bin"
check "fs: a foreign .part: refused with a clear error" grep -qF \
	"error: $SH/b.bin.part belongs to another user (uid 65534): refused" \
	"$T/d2.err"
check_eq "fs: a foreign .part: left as it was (empty, nobody's)" "0 nobody" \
	"$(stat -c '%s %U' "$SH/b.bin.part")"

# --- links at the destination: to a file, and to nothing ---------------------
as_nobody ln -s "$T/victim" "$SH/c.bin"
as_nobody ln -s "$T/made-by-link" "$SH/c2.bin"
run_client d3 <<<"login d pw-d
download_file g c.bin $SH
download_file g c.bin $SH/c2.bin"
check "fs: a link at the destination: already exists" grep -qxF \
	"error: $SH/c.bin already exists" "$T/d3.err"
check "fs: a dangling link at the destination: already exists" grep -qxF \
	"error: $SH/c2.bin already exists" "$T/d3.err"
check "fs: a dangling link: nothing made where it points" \
	test ! -e "$T/made-by-link"
check_eq "fs: links at the destination: the victim's file is untouched" \
	"$vsum" "$(sha1_of "$T/victim")"

# --- a .part with another name (a hard link, as without protected_hardlinks) --
cp "$T/victim" "$T/victim2"
ln "$T/victim2" "$T/d/h.bin.part"
run_client d4 <<<"login d pw-d
download_file g h.bin $T/d"
check "fs: a hard-linked .part: refused" grep -qF \
	"error: $T/d/h.bin.part has other names (hard links): refused" "$T/d4.err"
check_eq "fs: a hard-linked .part: its other name is untouched" "$vsum" \
	"$(sha1_of "$T/victim2")"

# --- modes; a file appearing at the destination during the download ----------
send S "set_limit up 1M"	# about 4 s a file
start_client D
send D "login d pw-d" "download_file g m.bin $T/d"
check "fs: the .part is there while it fills" wait_for 200 test -e "$T/d/m.bin.part"
check_eq "fs: the .part is 0600 while it fills" 600 "$(stat -c %a "$T/d/m.bin.part")"
check "fs: the download completes" wait_for 600 test -e "$T/d/m.bin"
check "fs: byte-identical" cmp -s "$T/s/m.bin" "$T/d/m.bin"
check_eq "fs: the finished file is 0666 less the umask (027)" 640 \
	"$(stat -c %a "$T/d/m.bin")"

send D "download_file g e.bin $SH"
check "fs: e.bin.part appears" wait_for 200 test -e "$SH/e.bin.part"
as_nobody sh -c "echo theirs >'$SH/e.bin'"
check "fs: a file made at the destination meanwhile: [F]" wait_for 600 \
	sent_has D show_downloads "[F] [g] e.bin"
check "fs: ... saying why" grep -qF \
	"$SH/e.bin appeared during the download: left alone (the file is in e.bin.part)" \
	"$T/D.out"
check_eq "fs: ... and their file is left alone" "theirs nobody" \
	"$(cat "$SH/e.bin") $(stat -c %U "$SH/e.bin")"
check "fs: ... our bytes stay in the .part" cmp -s "$T/s/e.bin" "$SH/e.bin.part"

# --- the user's own .part from an older client (0644) still resumes ---------
head -c $((2 * 1024 * 1024)) "$T/s/r.bin" >"$T/d/r.bin.part"
chmod 644 "$T/d/r.bin.part"
send D "download_file g r.bin $T/d"
mode_is() { [ "$(stat -c %a "$1" 2>/dev/null)" = "$2" ]; }
check "fs: own 0644 .part: made 0600 as it resumes" wait_for 100 \
	mode_is "$T/d/r.bin.part" 600
check "fs: own 0644 .part: resumes and completes" wait_for 600 test -e "$T/d/r.bin"
check "fs: own .part: byte-identical" cmp -s "$T/s/r.bin" "$T/d/r.bin"
check_eq "fs: own .part: finished 0640" 640 "$(stat -c %a "$T/d/r.bin")"
check_eq "fs: no .part left of it" "" "$(find "$T/d" -name 'r.bin.part')"

# --- free space is checked before the .part is allocated ------------------------
mkdir -p "$T/small"
if mount -t tmpfs -o size=16m tmpfs "$T/small" 2>/dev/null; then
	trap 'umount "$T/small" 2>/dev/null; cleanup' EXIT
	send D "download_file g h.bin $T/small" "echo after-small"
	check "fs: a download too big for its disk: refused at once" \
		wait_for 200 grep -qF "error: not enough free space for $T/small/h.bin.part: 4194309 bytes needed" "$T/D.err"
	check_eq "fs: ... and no .part left there" "" "$(ls -A "$T/small")"
	umount "$T/small"
else
	echo "  (no tmpfs mount here: free space not tested)"
fi

send D "logout"
wait_for 200 has_line "$T/D.out" "logged out"
end_client D
end_client S
check_eq "fs: the seeder exits 0" 0 "$RC"
stop_tracker 1 && pass "fs: tracker exits 0" || fail "fs: tracker exits 0"
