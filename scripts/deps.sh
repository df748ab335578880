#!/usr/bin/env bash
# Install the Debian packages the build, the tests, the demo and make lint
# need, as root or through sudo; do nothing when all are present.
# deps.sh PKG...: those packages instead (scripts/deps_bench.sh).
set -euo pipefail

pkgs=(build-essential make pkg-config clang libclang-rt-14-dev
      libsqlite3-dev libssl-dev libreadline-dev libcmocka-dev
      sqlite3 openssl procps psmisc python3 iproute2 tmux tcpdump
      cppcheck clang-tidy)
[ $# -eq 0 ] || pkgs=("$@")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null; then
	sudo=(sudo)
else
	echo "deps: need root or sudo to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
