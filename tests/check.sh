#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: host unit tests, kernel style, then for each kernel line: module build, dkms build, guest suite.
# Every case prints one PASS:/FAIL:/SKIP: line; the last line is the total. KERNELS= picks the lines.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=$(realpath -m "${BUILD:-build}")
KERNELS=${KERNELS:-6.1 6.12}
results=$BUILD/results.txt
mkdir -p "$BUILD"
: > "$results"
t0=$(date +%s)

record() { tee -a "$results"; }
result() { echo "$1: $2" | record; }
took() { echo "check: $1 took $(($(date +%s) - $2))s" >&2; }

finish() {
	local p f s
	p=$(grep -c '^PASS:' "$results")
	f=$(grep -c '^FAIL:' "$results")
	s=$(grep -c '^SKIP:' "$results")
	grep '^FAIL:' "$results" >&2
	echo "check: whole run took $(($(date +%s) - t0))s" >&2
	if [ "$s" -gt 0 ]; then echo "$p passed, $f failed, $s skipped"; else echo "$p passed, $f failed"; fi
	[ "$f" -eq 0 ]
	exit
}

if ! tests/rig/deps.sh; then
	result FAIL "host dependencies could not be installed"
	finish
fi

t=$(date +%s)
make -s unit 2>&1 | grep -E '^(PASS|FAIL|SKIP):' | record
[ "${PIPESTATUS[0]}" -eq 0 ] || result FAIL "unit tests did not build or run"
tests/checkpatch.sh 2>&1 | record
took "host unit tests and checkpatch" "$t"

if ! make -s guest-progs >"$BUILD/guest-progs.log" 2>&1; then
	cat "$BUILD/guest-progs.log" >&2
	result FAIL "guest programs do not build"
	finish
fi

for line in $KERNELS; do
	t=$(date +%s)
	if ! kdir=$(tests/rig/fetch-kernel.sh "$line"); then
		result FAIL "kernel line $line could not be fetched"
		continue
	fi
	abi=$(basename "$kdir")
	out=$BUILD/$abi
	if tests/rig/build-module.sh "$kdir/build" "$out/module"; then
		result PASS "$abi: module builds without warnings"
	else
		result FAIL "$abi: module build"
		continue
	fi
	tests/rig/dkms-build.sh "$kdir" "$out/dkms" 2>&1 | record
	took "$abi: fetch and builds" "$t"
	t=$(date +%s)
	tests/rig/run-guest.sh "$kdir" "$out/module/rmap_probe.ko" "$BUILD/guest" "$out/guest" | record
	took "$abi: guest suite" "$t"
done
finish
