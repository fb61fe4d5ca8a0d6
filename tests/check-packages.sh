#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-packages: do the Debian packages install like any Debian tool's? `make deb`'s rmap-probe-dkms and
# rmapctl are installed with apt-get into a fresh minimal bookworm root (tests/rig/fresh-root.sh) that has the
# 6.1 line's headers, where DKMS builds the module; then that .ko and that rmapctl (with the libraries its
# package depends on) boot in a 6.1 guest and answer the query tests; then both packages are removed.
# Prints PASS:/FAIL: lines and "packages: N passed, N failed"; the lines also go to $BUILD/packages/results.txt.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=$(realpath -m "${BUILD:-build}")
. tests/rig/apt.sh
. tests/rig/fresh-root.sh
set +e
out=$BUILD/packages
results=$out/results.txt
rm -rf "$out" && mkdir -p "$out"
: > "$results"
t0=$(date +%s)

fresh_results_helpers packages "packages"

[ "$(id -u)" = 0 ] || { result FAIL "needs root (debootstrap, chroot, mounts)"; finish; }
# this machine's own build of the packages (and of the guests' programs), as make check would make them
tests/rig/deps.sh >"$out/deps.log" 2>&1 || { tail -5 "$out/deps.log"; result FAIL "make deps"; finish; }
make -s deb guest-progs >"$out/deb.log" 2>&1 || { tail -5 "$out/deb.log"; result FAIL "make deb"; finish; }
result PASS "make deb: $(cd "$BUILD/deb" && echo *.deb)"
kdir=$(tests/rig/fetch-kernel.sh 6.1) || { result FAIL "fetch the 6.1 kernel"; finish; }
kver=$(basename "$(readlink -f "$kdir")")
fresh_root_pristine "$out/debootstrap.log" || { tail -5 "$out/debootstrap.log"; result FAIL "debootstrap"; finish; }

run=$FRESH/packages
tree=$run/tree
rm -rf "$tree" && mkdir -p "$tree/debs" "$tree/out"
cp "$BUILD"/deb/*.deb "$tree/debs/"
cat > "$tree/.package-steps" <<EOS
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
kver=$kver
EOS
cp tests/rig/fresh-step.sh "$tree/"
cat >> "$tree/.package-steps" <<'EOS'
STEP_PREFIX=packages
. /src/fresh-step.sh
step "apt-get update" apt-get -q update || exit 0
step "the 6.1 line's headers: linux-headers-$kver" \
	apt-get -q install -y --no-install-recommends "linux-headers-$kver" || exit 0
step "apt-get install ./rmap-probe-dkms_*.deb ./rmapctl_*.deb" \
	sh -c 'apt-get -q install -y --no-install-recommends /src/debs/rmap-probe-dkms_*.deb /src/debs/rmapctl_*.deb' ||
	exit 0
ko=$(find "/lib/modules/$kver/updates" -name 'rmap_probe.ko*' 2>/dev/null | head -1)
step "DKMS built and installed rmap_probe.ko for $kver" test -n "$ko" && case $ko in
	*.xz) xz -dc "$ko" ;;
	*.zst) zstd -dcq "$ko" ;;
	*) cat "$ko" ;;
	esac > /src/out/rmap_probe.ko
step "dkms status: rmap_probe installed for $kver" sh -c "dkms status | grep -q 'rmap_probe/.*$kver.*installed'"
step "rmapctl from its package runs without the module" \
	sh -c 'rmapctl version | grep -q "^rmapctl .*, module not loaded"'
step "its manual page and bash completion are installed" test -f /usr/share/man/man8/rmapctl.8.gz -a \
	-f /usr/share/bash-completion/completions/rmapctl
cp /usr/sbin/rmapctl /src/out/rmapctl
step "apt-get remove takes the module out of every kernel" sh -c "apt-get -q remove -y rmap-probe-dkms rmapctl &&
	test -z \"\$(find /lib/modules/$kver -name 'rmap_probe.ko*')\" && ! command -v rmapctl"
EOS
fresh_root_run "$run" "$tree" .package-steps 2>"$out/log.txt" | tee -a "$results"
[ -s "$results" ] || result FAIL "the root did not start (see $out/log.txt)"

# That .ko and that rmapctl in a guest: the query tests against the pagemap oracle.
if [ -s "$tree/out/rmap_probe.ko" ] && [ -x "$tree/out/rmapctl" ]; then
	rm -rf "$out/guest" && cp -r "$BUILD/guest" "$out/guest" && cp "$tree/out/rmapctl" "$out/guest/rmapctl"
	tests/rig/run-guest.sh "$kdir" "$tree/out/rmap_probe.ko" "$out/guest" "$out/guest-run" \
		RIG_ONLY=t-00-load,t-10-query > "$out/guest.txt" 2>&1
	rc=$?
	result "$([ $rc -eq 0 ] && echo PASS || echo FAIL)" "the packaged module and rmapctl in a $kver guest: \
$(grep -c '^PASS' "$out/guest.txt") passed, $(grep -c '^FAIL' "$out/guest.txt") failed (log: $out/guest-run)"
	[ $rc -eq 0 ] || grep '^FAIL' "$out/guest.txt" | head -5
else
	result FAIL "no packaged module and rmapctl to boot"
fi
finish
