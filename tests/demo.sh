#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot a 6.1 guest, start processes that share pages, show what rmapctl reports about them.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=$(realpath -m "${BUILD:-build}")
tests/rig/deps.sh || exit 1
make -s guest-progs || exit 1
kdir=$(tests/rig/fetch-kernel.sh "${DEMO_KERNEL:-6.1}") || exit 1
abi=$(basename "$kdir")
tests/rig/build-module.sh "$kdir" "$BUILD/$abi/module" || exit 1
mkdir -p "$BUILD/$abi/demo"
tests/rig/run-guest.sh "$kdir" "$BUILD/$abi/module/rmap_probe.ko" "$BUILD/guest" "$BUILD/$abi/demo" RIG_DEMO=1 \
	>"$BUILD/$abi/demo/verdicts.txt" 2>&1
rc=$?
# The demo's own output: everything the guest printed between its start and the kernel log dump.
sed -n '/^RIG-START/,/^RIG-DMESG-BEGIN/p' "$BUILD/$abi/demo/console.txt" | grep -v -E '^(RIG-|\[ *[0-9]+\.[0-9]+\])'
[ $rc -eq 0 ] || { cat "$BUILD/$abi/demo/verdicts.txt"; exit 1; }
