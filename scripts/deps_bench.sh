#!/usr/bin/env bash
# Install what scripts/bench_swarm.sh needs for its libtorrent comparison
# (Debian's python3-libtorrent, opentracker as the BitTorrent tracker,
# mktorrent), as root or through sudo, only when missing; nothing else.
# opentracker's package ships a systemd unit: the bench never uses it (it
# runs its own opentracker inside a lab host, bound to that host's
# address), and where systemd runs the package may start it on
# 0.0.0.0:6969 (its Debian config: whitelist mode, so it announces
# nothing).
set -euo pipefail

pkgs=(python3-libtorrent opentracker mktorrent iproute2)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps_bench: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null; then
	sudo=(sudo)
else
	echo "deps_bench: need root or sudo to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
