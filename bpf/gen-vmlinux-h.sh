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
	"$top/module/kernel-btf.sh" unpack "$kdir/vmlinuz" "$btf" ||
		{ echo "gen-vmlinux-h: no vmlinux found in $kdir/vmlinuz" >&2; exit 1; }
fi
bpftool btf dump file "$btf" format c > "$tmp/vmlinux.h"
mv "$tmp/vmlinux.h" "$out"
