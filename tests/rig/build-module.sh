#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build rmap_probe.ko for one kernel out of the source tree, so kernel lines never share objects.
# Usage: build-module.sh KDIR OUTDIR    -> OUTDIR/rmap_probe.ko
set -euo pipefail
kdir=$1 out=$(realpath -m "$2")
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
rm -rf "$out/src" && mkdir -p "$out/src"
cp -r "$top/Kbuild" "$top/module" "$out/src/"
make -s -C "$kdir" M="$out/src" modules >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
# A kernel-side warning is a defect like any other.
if grep -E 'warning:|WARNING:' "$out/build.log" | grep -v 'Skipping BTF generation' >&2; then
	echo "build-module: the build warned" >&2
	exit 1
fi
cp "$out/src/rmap_probe.ko" "$out/"
