#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch the newest Debian kernel of a line (image + headers) into the cache with apt-get download + dpkg -x.
# Usage: fetch-kernel.sh LINE
#   LINE: 6.1 (bookworm), 6.12 (bookworm-backports), or newest (the newest in trixie-backports, built for in
#   the trixie root of trixie-root.sh), or debug (the 6.1 debug kernel debug-kernel.sh builds and caches)
# Prints the kernel's directory; it holds vmlinuz, config, modules/ and build/ (the headers), or for the newest
# line a file "chroot" naming the root whose /usr/src holds the headers (build-module.sh builds in there).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt.sh"
line=${1:?usage: fetch-kernel.sh LINE}
[ "$line" = debug ] && exec "$here/debug-kernel.sh"
flavour=${RIG_FLAVOUR:-cloud-amd64}	# cloud boots fastest (LZ4), measured in shared/notes/vm-rig.md

# Lay out an unpacked kernel: the 7.x packages keep vmlinuz and config under /usr/lib/modules/<abi>/.
link_kernel() {
	local dest=$1 abi=$2 f
	f=$(cd "$dest" && find root -path "*/$abi/vmlinuz" -o -name "vmlinuz-$abi" | head -1)
	ln -sfn "$f" "$dest/vmlinuz"
	f=$(cd "$dest" && find root -path "*/modules/$abi/config" -o -name "config-$abi" | head -1)
	ln -sfn "$f" "$dest/config"
	f=$(cd "$dest" && find root -type d -path "*/modules/$abi" | head -1)
	ln -sfn "$f" "$dest/modules"
}

if [ "$line" = newest ]; then
	. "$here/trixie-root.sh"
	trixie_setup
	meta=linux-image-$flavour
	ver=$(trixie_run apt-cache madison "$meta" | awk '{print $3}' | sort -V | tail -1)
	image=$(trixie_run apt-cache depends "$meta=$ver" | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; exit}')
	abi=${image#linux-image-}
	dest=$RIG_CACHE/kernels/$abi
	if [ ! -e "$dest/.complete" ]; then
		rm -rf "$dest" "$TRIXIE_ROOT/dl" && mkdir -p "$dest" "$TRIXIE_ROOT/dl"
		# 7.3 split the image: vmlinuz in linux-binary-*, the config in linux-base-*, modules in linux-modules-*
		pkgs=$image
		for p in "linux-binary-$abi" "linux-base-$abi" "linux-modules-$abi"; do
			trixie_run apt-cache show "$p" >/dev/null 2>&1 && pkgs="$pkgs $p"
		done
		trixie_run sh -c "cd /dl && apt-get -q -o APT::Sandbox::User=root download $pkgs" >&2
		for d in "$TRIXIE_ROOT"/dl/*.deb; do dpkg -x "$d" "$dest/root"; done
		rm -rf "$TRIXIE_ROOT/dl"
		trixie_run apt-get -q install -y --no-install-recommends -t trixie-backports gcc make dkms \
			"linux-headers-$abi" >&2
		link_kernel "$dest" "$abi"
		echo "$TRIXIE_ROOT" > "$dest/chroot"
		echo "/usr/src/linux-headers-$abi" > "$dest/kdir"
		touch "$dest/.complete"
	fi
	# what module/kernel-btf.sh reads the kernel's BTF with, as on a Debian 13 user's system (rmap-probe-dkms
	# recommends them): a root cached before they were needed gets them now
	trixie_run dpkg-query -W bpftool zstd lz4 >/dev/null 2>&1 ||
		trixie_run apt-get -q install -y --no-install-recommends bpftool zstd lz4 >&2
	echo "$dest"
	exit 0
fi

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
	link_kernel "$dest" "$abi"
	ln -s "root/usr/src/linux-headers-$abi" "$dest/build"
	touch "$dest/.complete"
fi
echo "$dest"
