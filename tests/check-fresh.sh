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
set +e	# apt.sh sets -e for its own scripts; here every step's failure is counted, not fatal
fresh=$RIG_CACHE/fresh-root
pristine=$fresh/pristine
out=$BUILD/fresh
results=$out/results.txt
mkdir -p "$out"
: > "$results"
t0=$(date +%s)

result() { echo "$1: fresh root: $2" | tee -a "$results"; }
finish() {
	local p f
	p=$(grep -c '^PASS:' "$results" || true)	# grep -c exits 1 on a count of 0
	f=$(grep -c '^FAIL:' "$results" || true)
	echo "check-fresh: took $(($(date +%s) - t0))s (log: $out/log.txt)" >&2
	echo "fresh: $p passed, $f failed"
	[ "$f" -eq 0 ]
	exit
}

[ "$(id -u)" = 0 ] || { result FAIL "needs root (debootstrap, chroot, mounts)"; finish; }
command -v debootstrap >/dev/null || tests/rig/deps.sh >&2 || { result FAIL "host lacks debootstrap"; finish; }

# The pristine root: what a new Debian 12 machine has, with its usual apt sources (updates and security too).
if [ ! -e "$pristine/.complete" ]; then
	echo "check-fresh: debootstrap of a minimal bookworm into $pristine (~1 min, once)" >&2
	rm -rf "$pristine"
	if ! debootstrap --variant=minbase bookworm "$pristine" http://deb.debian.org/debian >"$out/debootstrap.log" 2>&1; then
		tail -5 "$out/debootstrap.log" >&2
		result FAIL "debootstrap of bookworm"
		finish
	fi
	cat > "$pristine/etc/apt/sources.list" <<EOS
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOS
	rm -f "$pristine"/var/lib/apt/lists/*_Packages
	touch "$pristine/.complete"
fi

# A fresh overlay on the pristine root each run; downloaded .debs are kept beside it, installed state is not.
run=$fresh/run
rm -rf "$run" && mkdir -p "$run/upper" "$run/work" "$run/root" "$fresh/archives/partial"
# The tree as it is now (committed or not), without caches and build output.
tree=$run/tree
mkdir -p "$tree"
tar -C "$top" --exclude=./.cache --exclude=./build --exclude=./.git -cf - . | tar -C "$tree" -xf -

# Inside the root, as .ci/run on a new machine. Each step prints its own PASS:/FAIL: line.
cat > "$tree/.fresh-steps" <<'EOS'
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
cd /src
step() {	# step NAME CMD...: PASS or FAIL with the tail of its output
	local name=$1 t=$(date +%s)
	shift
	if "$@" >/tmp/step.log 2>&1; then
		echo "PASS: fresh root: $name ($(($(date +%s) - t))s)"
	else
		tail -15 /tmp/step.log | sed 's/^/    /'
		echo "FAIL: fresh root: $name"
		return 1
	fi
}
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

# /proc, /sys and /dev, the overlay and the .deb cache live in a private mount namespace, gone on exit.
unshare --mount --fork -- bash -c '
	set -e
	fresh=$1 run=$2 tree=$3
	root=$run/root
	if ! mount -t overlay overlay -o "lowerdir=$fresh/pristine,upperdir=$run/upper,workdir=$run/work" "$root" 2>/dev/null; then
		cp -a "$fresh/pristine/." "$root/"	# no overlayfs here: a copy does the same
	fi
	mkdir -p "$root/src"
	mount --bind "$tree" "$root/src"
	mount --bind "$fresh/archives" "$root/var/cache/apt/archives"
	mount --bind /proc "$root/proc"
	mount --bind /sys "$root/sys"
	mount --bind /dev "$root/dev"
	mount --bind /dev/pts "$root/dev/pts"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	exec chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 bash /src/.fresh-steps' sh "$fresh" "$run" "$tree" 2>"$out/log.txt" | tee -a "$results"
[ -s "$results" ] || result FAIL "the root did not start (see $out/log.txt)"
grep -q '^PASS: fresh root: make deps' "$results" || grep -q '^FAIL:' "$results" || result FAIL "make deps did not run"
finish
