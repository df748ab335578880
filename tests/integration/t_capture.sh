#!/usr/bin/env bash
# What someone watching the loopback sees: tcpdump captures the traffic on
# the test's ports (the tracker's and the two clients' peer ports) while a
# client creates a user with a distinctive password and logs in, a
# wireproto login of the same user gets a session token, and a 2 MiB
# random file goes from one client to another.  The raw capture must hold
# neither the password nor the token nor any of several 32-byte samples
# of the file; and, so that an empty or broken capture cannot pass, it
# must hold more TCP payload than the file, in TLS application-data
# records.  A control tracker and client under P2PS_BENCH_PLAINTEXT=1,
# captured at the same time, must show their password in clear: the
# search finds a secret that is there.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cluster 1
start_tracker 1
TP=${TPORTS[0]}
read -r UPORT DPORT CPORT CCPORT <<<"$(free_ports 4)"

command -v tcpdump >/dev/null || { fail "capture: tcpdump is installed"; exit 1; }
# The control: a tracker in clear on its own port, in the filter too.
mkdir -p "$T/ctl"
echo "127.0.0.1:$CPORT" >"$T/ctl/tracker_info.txt"
(cd "$T/ctl" && P2PS_BENCH_PLAINTEXT=1 exec "$TRACKER" tracker_info.txt 1 \
	--kdf-iter 1000 </dev/null >"$T/ctl/out.log" 2>"$T/ctl/err.log") &
CTLPID=$!
PIDS+=($CTLPID)
wait_for 200 port_open "$CPORT" || fail "capture: the control tracker starts"

tcpdump -i lo -n -U --immediate-mode -B 32768 -w "$T/cap.pcap" \
	"tcp and (port $TP or port $UPORT or port $DPORT or port $CPORT)" \
	>"$T/tcpdump.out" 2>"$T/tcpdump.err" &
TDPID=$!
PIDS+=($TDPID)
check "capture: tcpdump is listening" \
	wait_for 200 grep -q "listening on" "$T/tcpdump.err"

PW1="Cap-Pw1-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PW2="Cap-Pw2-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PWC="Ctl-Pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
size=$((2 * 1024 * 1024))
mkdir -p "$T/u" "$T/d"
randfile "$T/u/secret.bin" "$size"

# The control: a user created and logged in on the clear tracker.
echo "127.0.0.1:$CPORT" >"$T/ctl_info.txt"
P2PS_HOME=$T/ctlhome P2PS_BENCH_PLAINTEXT=1 timeout 60 "$CLIENT" \
	"127.0.0.1:$CCPORT" "$T/ctl_info.txt" >"$T/ctl.out" 2>"$T/ctl.err" <<S
create_user ctl $PWC
login ctl $PWC
S
check_eq "capture: the control client works in clear" "user ctl created
logged in as ctl" "$(cat "$T/ctl.out")"

start_client U "$T/tracker_info.txt" "$UPORT"
start_client D "$T/tracker_info.txt" "$DPORT"
send U "create_user cu $PW1" "login cu $PW1" "create_group gc"
check "capture: cu logged in" wait_for 200 has_line "$T/U.out" "logged in as cu"
check "capture: gc created" wait_for 200 has_line "$T/U.out" "group gc created"
send D "create_user cd $PW2" "login cd $PW2" "join_group gc"
check "capture: cd asked to join" wait_for 200 has_line "$T/D.out" "asked to join group gc"
send U "accept_request gc cd" "upload_file $T/u/secret.bin gc"
check "capture: U shares the file" wait_for 400 has_line "$T/U.out" \
	"sharing secret.bin in group gc ($size bytes, 4 pieces)"

python3 "$HERE/cluster_retry.py" login "$TP" cu "$PW1" "$T/tok" ||
	fail "capture: wireproto login"
TOK=$(cat "$T/tok")
check "capture: a 16-byte session token" grep -qE '^[0-9a-f]{32}$' <<<"$TOK"

send D "download_file gc secret.bin $T/d"
check "capture: the download completes" \
	wait_for 600 sent_has D show_downloads "[C] [gc] secret.bin"
check "capture: byte-identical" cmp -s "$T/u/secret.bin" "$T/d/secret.bin"
for n in U D; do
	send "$n" "logout"
	wait_for 200 has_line "$T/$n.out" "logged out"
	end_client "$n"
	check_eq "capture: $n exits 0" 0 "$RC"
done

# Stop it once it has written what was sent (the file at least).
bigger() { [ "$(stat -c %s "$1")" -gt "$2" ]; }
wait_for 200 bigger "$T/cap.pcap" "$size"
kill -INT "$TDPID"
wait "$TDPID"
check_eq "capture: tcpdump exits 0" 0 "$?"
grep -E 'captured|dropped' "$T/tcpdump.err" | sed 's/^/  tcpdump: /'

python3 - "$T/cap.pcap" "$T/u/secret.bin" "$PW1" "$PW2" "$TOK" "$PWC" \
	>"$T/scan.out" 2>&1 <<'PY'
import struct, sys
cap, path, pw1, pw2, tok, pwc = sys.argv[1:7]
raw = open(cap, "rb").read()
data = open(path, "rb").read()

# TCP payload bytes of every packet (Ethernet on lo, IPv4).
magic = struct.unpack("<I", raw[:4])[0]
end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
o, payload, npkt = 24, 0, 0
while o + 16 <= len(raw):
    incl = struct.unpack(end + "I", raw[o + 8:o + 12])[0]
    p = raw[o + 16:o + 16 + incl]
    o += 16 + incl
    npkt += 1
    if len(p) < 14 or p[12:14] != b"\x08\x00":
        continue
    ihl = (p[14] & 0x0f) * 4
    tot = struct.unpack(">H", p[16:18])[0]
    t = 14 + ihl
    thl = (p[t + 12] >> 4) * 4
    payload += max(0, tot - ihl - thl)

def found(b):
    return raw.find(b) != -1

print("ok" if not found(pw1.encode()) else "LEAK", "password of cu")
print("ok" if not found(pw2.encode()) else "LEAK", "password of cd")
print("ok" if not found(bytes.fromhex(tok)) else "LEAK", "session token")
print("ok" if not found(tok.encode()) else "LEAK", "session token in hex")
offs = [0, 1, 4095, 65536 + 7, 131072 - 16, 524288 - 5, 524288,
        1000003, 1048576 + 12345, 1572864 - 1, len(data) - 32]
leaks = [x for x in offs if found(data[x:x + 32])]
print("ok" if not leaks else "LEAK", "file samples at", offs, leaks)
print("ok" if found(pwc.encode()) else "MISSING",
      "control password in clear")
print("ok" if payload > len(data) else "SMALL",
      "tcp payload %d bytes in %d packets, file %d" % (payload, npkt, len(data)))
n = raw.count(b"\x17\x03\x03")
print("ok" if n >= 64 else "FEW", "%d TLS application-data headers" % n)
PY
sed 's/^/  /' "$T/scan.out"
line() { grep -q "^ok $1" "$T/scan.out"; }
check "capture: the password is not in the capture" line "password of cu"
check "capture: nor the other user's password" line "password of cd"
check "capture: the session token is not in the capture" line "session token$"
check "capture: nor its hex" line "session token in hex"
check "capture: no 32-byte sample of the file is in the capture" line "file samples"
check "capture: the control's password is found in clear" line "control password"
check "capture: the capture holds more payload than the file" line "tcp payload"
check "capture: the capture holds TLS application-data records" line "[0-9]* TLS"

kill -TERM "$CTLPID"
wait "$CTLPID"
check_eq "capture: the control tracker exits 0" 0 "$?"
stop_tracker 1 && pass "capture: tracker exits 0" || fail "capture: tracker exits 0"
check "capture: no sanitizer report" bash -c \
	"! grep -q 'Sanitizer\|runtime error' '$T/t1/err.log' '$T/ctl/err.log' $T/*.err"
