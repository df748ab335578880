#!/usr/bin/env bash
# Install what scripts/bench_swarm.sh needs for its comparisons and plots
# (Debian's python3-libtorrent, aria2, opentracker as the BitTorrent
# tracker, mktorrent, gnuplot-nox for the PNGs), as root or through sudo,
# only when missing; nothing else.
# opentracker's package ships a systemd unit: the bench never uses it (it
# runs its own opentracker inside a lab host, bound to that host's
# address), and where systemd runs the package may start it on
# 0.0.0.0:6969 (its Debian config: whitelist mode, so it announces
# nothing).
set -euo pipefail
exec "$(dirname "$0")/deps.sh" python3-libtorrent aria2 opentracker mktorrent \
	gnuplot-nox iproute2
