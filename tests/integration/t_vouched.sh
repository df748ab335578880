#!/usr/bin/env bash
# A downloader takes data only from the key the tracker vouched for.
# share_wrongkey.py logs in (and registers files) with one key and serves
# them, honestly, under another key on its peer server ("wrong"); as a
# control, another of its users serves under the key it logged in with
# ("right").
#  1. The wrong-key seeder as the only source: the download ends [F] and
#     nothing is ever created at the destination; the seeder got no
#     application byte and sent no piece.
#  2. The wrong-key seeder beside an honest client seeder: the download
#     completes byte-identical, none of it from the wrong-key seeder.
#  3. Control: the right-key seeder as the only source is used, so the
#     refusals above are about the key, not a broken fake.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cluster 1
start_tracker 1
make_group g up h d1 d2 d3 fw fr
size=$((3 * 524288 + 1000))
mkdir -p "$T/up" "$T/h" "$T/d1" "$T/d2" "$T/d3"
for f in onlyfake.bin both.bin control.bin; do randfile "$T/up/$f" "$size"; done
cp "$T/up/both.bin" "$T/h/both.bin"
run_client up <<S
login up pw-up
upload_file $T/up/onlyfake.bin g
upload_file $T/up/control.bin g
S
check_eq "vouched: files uploaded (then the uploader logged out)" 0 "$RC"
start_client H
send H "login h pw-h" "upload_file $T/h/both.bin g"
check "vouched: H shares both.bin" wait_for 400 has_line "$T/H.out" \
	"sharing both.bin in group g ($size bytes, 4 pieces)"

python3 "$HERE/share_wrongkey.py" "${TPORTS[0]}" g \
	"wrong:fw:onlyfake.bin:$T/up/onlyfake.bin" \
	"wrong:fw:both.bin:$T/up/both.bin" \
	"right:fr:control.bin:$T/up/control.bin" >"$T/fake.out" 2>"$T/fake.err" &
FPID=$!
PIDS+=($FPID)
check "vouched: the fake seeders are registered" \
	wait_for 400 has_prefix "$T/fake.out" "ready "
read -r wrong right lkey wkey < <(sed -n 's/^ready //p' "$T/fake.out")
WRONG=${wrong#wrong=} RIGHT=${right#right=}
echo "  wrong-key seeder $WRONG serves as ${wkey#wrong_key=}, logged in as ${lkey#login_key=}"
LKEY=${lkey#login_key=} WKEY=${wkey#wrong_key=}
check "vouched: it serves under another key than it logged in with" \
	test -n "$LKEY" -a -n "$WKEY" -a "$LKEY" != "$WKEY" -a -n "$WRONG"

# 1. The wrong-key seeder alone (started first: it ends only when no
# source helped for a while; 2 and 3 run meanwhile).
start_client D1
send D1 "login d1 pw-d1" "download_file g onlyfake.bin $T/d1"

# 2. Beside an honest seeder.
run_client D2 <<S
login d2 pw-d2
download_file g both.bin $T/d2
S
check_eq "vouched: with an honest seeder: the download succeeds (exit 0)" 0 "$RC"
check "vouched: ... byte-identical" cmp -s "$T/up/both.bin" "$T/d2/both.bin"
check "vouched: ... the wrong-key seeder was dropped" grep -qF \
	"peer $WRONG: dropped: not the key the tracker vouched for" "$T/D2.err"

# 3. Control: the right-key seeder alone.
run_client D3 <<S
login d3 pw-d3
download_file g control.bin $T/d3
S
check_eq "vouched: control: a seeder with the vouched key is used (exit 0)" 0 "$RC"
check "vouched: control: byte-identical" cmp -s "$T/up/control.bin" "$T/d3/control.bin"
right_sent() {
	grep '^right conn ' "$T/fake.out" | sed 's/.*piece_bytes_out=//' |
		awk '{ s += $1 } END { exit !(s >= '"$size"') }'
}
check "vouched: control: the whole file came from it" wait_for 200 right_sent

# 1, the end.
check "vouched: only the wrong-key seeder: the download ends [F] (within 45 s)" \
	wait_for 900 sent_has D1 show_downloads "[F] [g] onlyfake.bin"
grep -m1 '^\[F\]' "$T/D1.out" | sed 's/^/  /'
check "vouched: ... never a file at the destination" test ! -e "$T/d1/onlyfake.bin"
check_eq "vouched: ... nothing but a .part in the directory" "" \
	"$(ls "$T/d1" | grep -v '\.part$')"
check "vouched: ... the wrong-key seeder was dropped" grep -qF \
	"peer $WRONG: dropped: not the key the tracker vouched for" "$T/D1.err"
echo "  D1 dropped it $(grep -cF "peer $WRONG: dropped" "$T/D1.err") times"

# What the wrong-key seeder saw: connections, and not a byte either way.
nwrong=$(grep -c '^wrong conn ' "$T/fake.out")
check "vouched: downloaders reached the wrong-key seeder ($nwrong connections)" \
	test "$nwrong" -ge 2
check_eq "vouched: it got no application byte and sent no piece" "" \
	"$(grep '^wrong conn ' "$T/fake.out" | grep -v 'app_bytes_in=0 piece_bytes_out=0$')"
check "vouched: ... though its handshakes completed" \
	grep -q '^wrong conn handshake=ok' "$T/fake.out"

kill "$FPID"
reap "$FPID"
send D1 "logout"
wait_for 200 has_line "$T/D1.out" "logged out"
end_client D1
check_eq "vouched: D1 exits 1 (its download failed)" 1 "$RC"
send H "logout"
wait_for 200 has_line "$T/H.out" "logged out"
end_client H
check_eq "vouched: H exits 0" 0 "$RC"
stop_tracker 1 && pass "vouched: tracker exits 0" || fail "vouched: tracker exits 0"
check "vouched: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' '$T/t1/err.log' $T/*.err"
