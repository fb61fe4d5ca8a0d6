#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unpack bookworm-backports' QEMU (10.x) into the cache: bookworm's 7.2 crashes 6.12 guests at random, and one
# emulator for every kernel line keeps results independent of what the host happens to have.
# Prints the directory holding qemu-system-x86_64 and the firmware search path (for -L).
set -euo pipefail
. "$(dirname "$0")/apt.sh"
rig_apt_setup

ver=$(rig_apt apt-cache policy qemu-system-x86 | awk '/bpo/ && $1 ~ /^[0-9]/ {print $1; exit} /bpo/ && $1 == "***" {print $2; exit}')
[ -n "$ver" ] || { echo "fetch-qemu: no qemu-system-x86 in bookworm-backports" >&2; exit 1; }
dest=$RIG_CACHE/qemu/$(echo "$ver" | tr ':~+' '___')
if [ ! -x "$dest/root/usr/bin/qemu-system-x86_64" ]; then
	rm -rf "$dest" && mkdir -p "$dest/deb"
	bios=$(rig_apt apt-cache depends "qemu-system-x86=$ver" | awk '$1 == "Depends:" && $2 == "seabios" {print $2}')
	biosver=$(rig_apt apt-cache policy seabios | awk '/bpo/ && $1 ~ /^[0-9]/ {print $1; exit}')
	(cd "$dest/deb" && rig_apt apt-get -q download "qemu-system-x86=$ver" "qemu-system-data=$ver" \
		"$bios${biosver:+=$biosver}" >&2)
	for d in "$dest"/deb/*.deb; do dpkg -x "$d" "$dest/root"; done
fi
if ! out=$("$dest/root/usr/bin/qemu-system-x86_64" --version 2>&1); then
	echo "fetch-qemu: $dest/root/usr/bin/qemu-system-x86_64 does not run: $out" >&2
	echo "fetch-qemu: its shared libraries come from bookworm; run 'make deps' as root" >&2
	exit 1
fi
echo "$dest/root"
