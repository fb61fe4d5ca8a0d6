#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: host unit tests, kernel style, then for each kernel line: module build, dkms build, guest suite.
# Every case prints one PASS:/FAIL:/SKIP: line; the last line is the total. KERNELS= picks the lines.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=$(realpath -m "${BUILD:-build}")
# Kernel lines: Debian's 6.1 (bookworm) and 6.12 (bookworm-backports), "newest" (trixie-backports' newest,
# built for in a trixie root), and "debug", a 6.1 built here with lockdep, KASAN, DEBUG_VM and kmemleak
# (tests/rig/debug-kernel.sh; ~15 min the first time, then cached).
KERNELS=${KERNELS:-6.1 6.12 newest debug}
results=$BUILD/results.txt
mkdir -p "$BUILD"
: > "$results"
# .ci/run counts check-fresh's and check-packages' results in this run's closing line (files, space-separated).
for inc in ${CHECK_INCLUDE:-}; do
	grep -E '^(PASS|FAIL|SKIP):' "$inc" >> "$results" 2>/dev/null ||
		echo "FAIL: $inc holds no results" >> "$results"
done
t0=$(date +%s)

record() { tee -a "$results"; }
result() { echo "$1: $2" | record; }
took() { echo "check: $1 took $(($(date +%s) - $2))s" >&2; }

finish() {
	local p f s
	p=$(grep -c '^PASS:' "$results" 2>/dev/null)
	f=$(grep -c '^FAIL:' "$results" 2>/dev/null)
	s=$(grep -c '^SKIP:' "$results" 2>/dev/null)
	[ -f "$results" ] || { f=1; echo "check: $results vanished" >&2; }
	p=${p:-0} f=${f:-0} s=${s:-0}
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
		result FAIL "kernel line $line could not be fetched or built"
		continue
	fi
	abi=$(basename "$kdir")
	out=$BUILD/$abi
	if tests/rig/build-module.sh "$kdir" "$out/module"; then
		result PASS "$abi: module builds without warnings"
	else
		result FAIL "$abi: module build"
		continue
	fi
	# every line's kernel has BTF, and the rig gives it to the build: KSM pages are walked from their stable
	# node (the guest's KSM scenarios hold the module to what it says at load)
	if grep -q 'KSM pages will be walked by their stable node' "$out/module/build.log"; then
		result PASS "$abi: the module is built with KSM's layout from the kernel's BTF"
	else
		result FAIL "$abi: the module is built without KSM's layout: $(grep 'KSM pages will be' "$out/module/build.log")"
	fi
	tests/rig/dkms-build.sh "$kdir" "$out/dkms" 2>&1 | record
	# The module built with KSM layouts it must refuse (one line is enough: the checks are the module's own),
	# another line's BTF among them.
	variants=
	if [ "$line" = 6.1 ]; then
		if other=$(tests/rig/fetch-kernel.sh 6.12); then
			tests/rig/ksm-variants.sh "$kdir" "$other" "$out/ksm-variants" 2>&1 | record
			variants=$out/ksm-variants
		else
			result FAIL "$abi: the 6.12 kernel for its BTF could not be fetched"
		fi
	fi
	took "$abi: fetch and builds" "$t"
	# The kernel's own mm selftests, from the source of the line's kernel, run beside the queries
	# (t-60-selftests): 6.12 and the debug kernel (6.1's vm selftests); the other lines say why they skip.
	selftests=
	case $line in 6.12) stsrc=6.12 ;; debug) stsrc=6.1 ;; *) stsrc= ;; esac
	if [ -n "$stsrc" ]; then
		if selftests=$(tests/rig/mm-selftests.sh "$stsrc" "$out/selftests"); then
			result PASS "$abi: the kernel's mm selftests of $stsrc build"
		else
			result FAIL "$abi: the kernel's mm selftests of $stsrc do not build"
			selftests=
		fi
	fi
	t=$(date +%s)
	RIG_SELFTESTS=$selftests RIG_KSM_VARIANTS=$variants tests/rig/run-guest.sh "$kdir" "$out/module/rmap_probe.ko" "$BUILD/guest" "$out/guest" |
		record
	took "$abi: guest suite" "$t"
	# Kernel lockdown: a second boot with lockdown=integrity. A kernel built here signs the module with its own
	# key, so it loads and the query must be refused cleanly; Debian's kernels refuse the unsigned module.
	t=$(date +%s)
	ko=$out/module/rmap_probe.ko signed=
	if [ -f "$kdir/build/certs/signing_key.pem" ]; then
		ko=$out/module/rmap_probe.signed.ko signed=1
		cp "$out/module/rmap_probe.ko" "$ko"
		"$kdir/build/scripts/sign-file" sha512 "$kdir/build/certs/signing_key.pem" \
			"$kdir/build/certs/signing_key.x509" "$ko"
	fi
	tests/rig/run-guest.sh "$kdir" "$ko" "$BUILD/guest" "$out/lockdown" lockdown=integrity RIG_LOCKDOWN=1 \
		${signed:+RIG_SIGNED=1} | record
	took "$abi: lockdown boot" "$t"
done
finish
