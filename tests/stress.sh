#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make stress: the stress scenario alone, for longer (STRESS_SECONDS, default 600), on each kernel of KERNELS
# (default: 6.1 and the debug kernel, whose lockdep, KASAN and kmemleak watch the module meanwhile).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=$(realpath -m "${BUILD:-build}")
seconds=${STRESS_SECONDS:-600}
tests/rig/deps.sh || exit 1
make -s guest-progs || exit 1
failed=0
for line in ${KERNELS:-6.1 debug}; do
	kdir=$(tests/rig/fetch-kernel.sh "$line") || exit 1
	abi=$(basename "$kdir")
	tests/rig/build-module.sh "$kdir" "$BUILD/$abi/module" || exit 1
	RIG_TIMEOUT=$((seconds + 600)) tests/rig/run-guest.sh "$kdir" "$BUILD/$abi/module/rmap_probe.ko" \
		"$BUILD/guest" "$BUILD/$abi/stress" RIG_ONLY=t-30-stress RACE_SECONDS="$seconds" || failed=1
	grep '^race:' "$BUILD/$abi/stress/console.txt"
done
exit $failed
