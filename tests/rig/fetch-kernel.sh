#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch the newest Debian kernel of a line (image + headers) into the cache with apt-get download + dpkg -x.
# Usage: fetch-kernel.sh LINE     LINE: 6.1 (bookworm) or 6.12 (bookworm-backports)
# Prints the kernel's directory; it holds vmlinuz, config, modules/ (lib/modules/<abi>) and build/ (headers).
set -euo pipefail
. "$(dirname "$0")/apt.sh"
line=${1:?usage: fetch-kernel.sh LINE}
flavour=${RIG_FLAVOUR:-cloud-amd64}	# cloud boots fastest (LZ4), measured in shared/notes/vm-rig.md

rig_apt_setup
# The newest version of the meta package on that line; never a hard-coded ABI (security updates bump it).
meta=linux-image-$flavour
ver=$(rig_apt apt-cache madison "$meta" | awk -v l="$line." 'index($3, l) == 1 {print $3}' | sort -V | tail -1)
[ -n "$ver" ] || { echo "fetch-kernel: no $meta for line $line" >&2; exit 1; }
image=$(rig_apt apt-cache depends "$meta=$ver" | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
abi=${image#linux-image-}
dest=$RIG_CACHE/kernels/$abi
if [ ! -e "$dest/.complete" ]; then
	rm -rf "$dest" && mkdir -p "$dest/deb"
	headers=linux-headers-$abi
	deps=$(rig_apt apt-cache depends "$headers" | awk '$1 == "Depends:" && $2 ~ /^linux-(headers|kbuild)-/ {print $2}')
	(cd "$dest/deb" && rig_apt apt-get -q download "$image" "$headers" $deps >&2)
	for d in "$dest"/deb/*.deb; do dpkg -x "$d" "$dest/root"; done
	rm -rf "$dest/deb"
	# The arch headers include the -common ones by absolute path: point them at the unpacked tree.
	for mk in "$dest"/root/usr/src/linux-headers-"$abi"/Makefile; do
		sed -i "s|/usr/src/|$dest/root/usr/src/|g" "$mk"
	done
	ln -s "root/boot/vmlinuz-$abi" "$dest/vmlinuz"
	ln -s "root/boot/config-$abi" "$dest/config"
	ln -s "root/lib/modules/$abi" "$dest/modules"
	ln -s "root/usr/src/linux-headers-$abi" "$dest/build"
	touch "$dest/.complete"
fi
echo "$dest"
