#!/bin/sh
# scripts/deps.sh - install the Debian packages in packages.txt that are
# missing: with apt-get as root, otherwise print the command to run.
cd "$(dirname "$0")/.." || exit 2
missing=""
for p in $(grep -v '^#' packages.txt); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "anybpf: missing packages:$missing (no apt-get here: install them with your package manager)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "anybpf: missing packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "anybpf: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || apt-get update
apt-get install -y -qq $missing >/dev/null || apt-get install -y $missing
