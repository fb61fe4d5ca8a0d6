#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build rmap_probe.ko for one kernel out of the source tree, so kernel lines never share objects.
# Usage: build-module.sh KERNEL-DIR OUTDIR    -> OUTDIR/rmap_probe.ko
# KERNEL-DIR is what fetch-kernel.sh or debug-kernel.sh printed: its build/ is the kernel's build tree, or
# for the newest line, the tree named in kdir inside the root named in chroot.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kernel=$1 out=$(realpath -m "$2")
mkdir -p "$out"
if [ -f "$kernel/chroot" ]; then
	. "$here/trixie-root.sh"
	src=/build/$(basename "$kernel")
	rm -rf "$TRIXIE_ROOT$src" && mkdir -p "$TRIXIE_ROOT$src"
	cp -r "$top/Kbuild" "$top/module" "$TRIXIE_ROOT$src/"
	# the BTF for ksm.c's layout (module/kernel-btf.sh), where the build inside the root can read it
	cp "$kernel/vmlinuz" "$TRIXIE_ROOT$src/vmlinuz"
	build() { RMP_BTF=$src/vmlinuz trixie_run make -s -C "$(cat "$kernel/kdir")" M="$src" modules; }
	ko=$TRIXIE_ROOT$src/rmap_probe.ko
else
	rm -rf "$out/src" && mkdir -p "$out/src"
	cp -r "$top/Kbuild" "$top/module" "$out/src/"
	# ksm.c's layout from the kernel's BTF: a kernel built from source has its vmlinux in the build tree, a
	# fetched one only its image (module/kernel-btf.sh unpacks it)
	btf=${RMP_BTF:-}
	[ -n "$btf" ] || [ -f "$kernel/build/vmlinux" ] || btf=$kernel/vmlinuz
	build() { RMP_BTF=$btf make -s -C "$kernel/build" M="$out/src" modules; }
	ko=$out/src/rmap_probe.ko
fi
build >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
# A kernel-side warning is a defect like any other.
if grep -E 'warning:|WARNING:' "$out/build.log" | grep -v 'Skipping BTF generation' >&2; then
	echo "build-module: the build warned" >&2
	exit 1
fi
cp "$ko" "$out/rmap_probe.ko"
