#!/usr/bin/env bash
# make bench: figures, not pass/fail.  On loopback, with the release build:
#   - scripts/bench_download.sh: upload hashing, and a BENCH_MB file
#     (default 1024) downloaded from 1 and from 4 seeders, over TLS and
#     with the benchmark-only plaintext switch (P2PS_BENCH_PLAINTEXT), in
#     alternating runs (BENCH_ROUNDS of each, default 2);
#   - scripts/bench_tracker.sh: the tracker under 1000 clients, over TLS
#     and in plaintext;
#   - scripts/bench_snapshot.sh: a tracker catching up by snapshot;
#   - scripts/bench_search.sh: search among 100,000 files in 1,000 groups,
#     in-process and from a client, on a tracker and on one caught up by
#     snapshot;
#   - scripts/bench_swarm_lo.sh: one seeder and 4, 8, 16 downloaders on
#     uplinks limited to 20 Mbit/s, against the physical bound;
#   - scripts/bench_bigswarm.sh: 64 clients (a seeder, 63 downloaders),
#     each on its own 127.0.0.X, a 16 MiB file: time, every client's
#     peak RSS, the largest tracker replies;
#   - scripts/bench_swarm.sh, short: one seeder and 4 downloaders of a
#     16 MiB file in the network lab (20 Mbit/s up, 100 down), ours beside
#     libtorrent and aria2 (make bench-swarm runs the whole thing, with
#     plots).
# Each part runs in a temp directory and stops every process it started.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-2}
label() { sed -u "s/^/[$1] /"; }

for r in $(seq "$ROUNDS"); do
	echo "== downloads, round $r: TLS"
	"$top/scripts/bench_download.sh" | label tls
	echo "== downloads, round $r: plaintext (P2PS_BENCH_PLAINTEXT)"
	P2PS_BENCH_PLAINTEXT=1 "$top/scripts/bench_download.sh" |
	    label plain
done

# The tracker under load: reads/s, mutations/s, replication lag, catch-up
# (scripts/bench_tracker.sh, with build/rel/bin/tload).
echo "== tracker load: TLS"
"$top/scripts/bench_tracker.sh" | label tls
echo "== tracker load: plaintext (P2PS_BENCH_PLAINTEXT)"
P2PS_BENCH_PLAINTEXT=1 "$top/scripts/bench_tracker.sh" |
    label plain
"$top/scripts/bench_snapshot.sh"
"$top/scripts/bench_search.sh"

# A swarm on scarce uplinks, on loopback (the clients' own limits).
"$top/scripts/bench_swarm_lo.sh"

# A big swarm on one machine: 64 clients, their memory, the tracker's
# replies.
"$top/scripts/bench_bigswarm.sh"

# The same in the network lab (root, namespaces), beside libtorrent and aria2.
echo "== swarm in the network lab (short; make bench-swarm for N=4,8,16,24 of 64 MiB)"
SWARM_N=${SWARM_N:-4} SWARM_SIZE_MIB=${SWARM_SIZE_MIB:-16} \
    SWARM_SEEDERS=${SWARM_SEEDERS:-0} "$top/scripts/bench_swarm.sh"
