#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-fresh: does `make deps` install everything the builds need, on a machine that has nothing else?
# A minimal bookworm root (debootstrap --variant=minbase, made once and cached in .cache/fresh-root/pristine) gets
# a throw-away overlay per run; the tree is copied in, and inside it run what .ci/run would (make, if missing;
# make deps) and then the cheap first step of every build `make check` performs: the module against each kernel
# line's headers and its dkms build, checkpatch, the unit tests, rmapctl with its BPF programs and the guests'
# static programs, the guests' QEMU, and the debug kernel's configuration and one compile. A missing package
# fails here in minutes, not after the debug kernel's fifteen. What this cannot exercise is in README.md.
# Prints PASS:/FAIL: lines, then "fresh: N passed, N failed"; the lines also go to $BUILD/fresh/results.txt.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=$(realpath -m "${BUILD:-build}")
. tests/rig/apt.sh
. tests/rig/fresh-root.sh
set +e	# apt.sh sets -e for its own scripts; here every step's failure is counted, not fatal
out=$BUILD/fresh
results=$out/results.txt
mkdir -p "$out"
: > "$results"
t0=$(date +%s)

fresh_results_helpers fresh "fresh root"

[ "$(id -u)" = 0 ] || { result FAIL "needs root (debootstrap, chroot, mounts)"; finish; }
command -v debootstrap >/dev/null || tests/rig/deps.sh >&2 || { result FAIL "host lacks debootstrap"; finish; }

if ! fresh_root_pristine "$out/debootstrap.log"; then
	tail -5 "$out/debootstrap.log" >&2
	result FAIL "debootstrap of bookworm"
	finish
fi

# The tree as it is now (committed or not), without caches and build output.
run=$FRESH/run
tree=$run/tree
rm -rf "$tree" && mkdir -p "$tree"
tar -C "$top" --exclude=./.cache --exclude=./build --exclude=./.git -cf - . | tar -C "$tree" -xf -

# Inside the root, as .ci/run on a new machine. Each step prints its own PASS:/FAIL: line.
cat > "$tree/.fresh-steps" <<'EOS'
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
cd /src
STEP_PREFIX="fresh root"
. tests/rig/fresh-step.sh
command -v make >/dev/null || step "make installed as .ci/run does" sh -c 'apt-get -q update && apt-get -q install -y --no-install-recommends make' || exit 0
step "make deps" make deps || exit 0
step "debug kernel: configure with the option list, compile mm/rmap.o and certs/" \
	tests/rig/debug-kernel.sh --probe /tmp/debug-probe
rm -rf /tmp/debug-probe
step "checkpatch" tests/checkpatch.sh
step "host unit tests" make -s unit
step "rmapctl with its BPF programs" make -s rmapctl
step "the guests' static programs (rmapctl, tests)" make -s guest-progs
step "QEMU from bookworm-backports runs" tests/rig/fetch-qemu.sh
step "the kernel's mm selftests of 6.1 (headers_install, static, libnuma)" tests/rig/mm-selftests.sh 6.1 /tmp/selftests
for line in 6.1 6.12 newest; do
	kdir=$(tests/rig/fetch-kernel.sh $line 2>/tmp/fetch.log) || { tail -5 /tmp/fetch.log; echo "FAIL: fresh root: fetch kernel line $line"; continue; }
	step "module against $(basename "$kdir") headers" tests/rig/build-module.sh "$kdir" "/tmp/module-$line"
	tests/rig/dkms-build.sh "$kdir" "/tmp/dkms-$line" | sed 's/^\(PASS\|FAIL\): /\1: fresh root: /'
done
EOS

fresh_root_run "$run" "$tree" .fresh-steps 2>"$out/log.txt" | tee -a "$results"
[ -s "$results" ] || result FAIL "the root did not start (see $out/log.txt)"
grep -q '^PASS: fresh root: make deps' "$results" || grep -q '^FAIL:' "$results" || result FAIL "make deps did not run"
finish
