#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write vmlinux.h, the kernel types the CO-RE programs compile against, from a kernel's BTF.
# Usage: gen-vmlinux-h.sh OUT.h
# VMLINUX_BTF= names the BTF (a vmlinux ELF or /sys/kernel/btf/vmlinux); by default the rig's 6.1 kernel
# image is fetched and its vmlinux pulled out of the compressed vmlinuz, or on a host without apt the running
# kernel's /sys/kernel/btf/vmlinux is used. CO-RE relocates against the running
# kernel at load time, so which kernel's types these are only decides what the programs can name.
set -euo pipefail
out=$1
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

btf=${VMLINUX_BTF:-}
if [ -z "$btf" ] && ! command -v apt-get >/dev/null && [ -r /sys/kernel/btf/vmlinux ]; then
	# not Debian: there is no apt to fetch the rig's kernel with, and the running kernel's types serve as well
	echo "gen-vmlinux-h: no apt-get here: using the running kernel's BTF, /sys/kernel/btf/vmlinux" >&2
	btf=/sys/kernel/btf/vmlinux
fi
if [ -z "$btf" ]; then
	kdir=$("$top/tests/rig/fetch-kernel.sh" 6.1)
	btf=$tmp/vmlinux
	# The kernel's scripts/extract-vmlinux method: find a compressed stream that unpacks to an ELF file.
	unpack() { # MAGIC DECOMPRESSOR...
		local magic=$1 off
		shift
		for off in $(LC_ALL=C grep -aobP "$magic" "$kdir/vmlinuz" | cut -d: -f1 | head -5); do
			tail -c +$((off + 1)) "$kdir/vmlinuz" | "$@" > "$btf" 2>/dev/null || true
			[ "$(head -c 4 "$btf" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && return 0
		done
		return 1
	}
	unpack '\x02\x21\x4c\x18' lz4 -dc || unpack '\x28\xb5\x2f\xfd' zstd -dcq ||
		unpack '\xfd7zXZ\x00' xz -dcq || unpack '\x1f\x8b\x08' gzip -dcq ||
		{ echo "gen-vmlinux-h: no vmlinux found in $kdir/vmlinuz" >&2; exit 1; }
fi
bpftool btf dump file "$btf" format c > "$tmp/vmlinux.h"
mv "$tmp/vmlinux.h" "$out"
