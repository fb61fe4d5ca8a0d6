#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `dkms add` + `dkms build` against a fetched kernel, in private trees (the system's dkms state is untouched).
# Usage: dkms-build.sh KERNEL-DIR OUTDIR; prints one PASS:/FAIL: line.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kernel=$1 out=$(realpath -m "$2")
abi=$(basename "$(readlink -f "$kernel")")
eval "$(grep -E '^PACKAGE_(NAME|VERSION)=' "$top/dkms.conf")"
# The newest line builds inside the trixie root, with that root's dkms, as a Debian 13 user's would.
run=() inside=
if [ -f "$kernel/chroot" ]; then
	. "$here/trixie-root.sh"
	inside=/dkms/$abi
	out=$TRIXIE_ROOT$inside
	run=(trixie_run)
fi
rm -rf "$out" && mkdir -p "$out/src/$PACKAGE_NAME-$PACKAGE_VERSION" "$out/tree"
cp -r "$top/Kbuild" "$top/Makefile" "$top/dkms.conf" "$top/module" "$out/src/$PACKAGE_NAME-$PACKAGE_VERSION/"
want=$(sed -n 's/^#define RMAP_PROBE_VERSION "\(.*\)"/\1/p' "$top/module/rmap_probe.h")
if [ "$want" != "$PACKAGE_VERSION" ]; then
	echo "FAIL: $abi: dkms.conf PACKAGE_VERSION $PACKAGE_VERSION differs from the module's $want"
	exit 1
fi
where=${inside:-$out}
args=(-m "$PACKAGE_NAME" -v "$PACKAGE_VERSION" --sourcetree "$where/src" --dkmstree "$where/tree")
if [ -n "$inside" ]; then ksrc=$(cat "$kernel/kdir"); else ksrc=$(readlink -f "$kernel/build"); fi
if "${run[@]}" dkms add "${args[@]}" >"$out/dkms.log" 2>&1 &&
	"${run[@]}" dkms build "${args[@]}" -k "$abi" --kernelsourcedir "$ksrc" >>"$out/dkms.log" 2>&1 &&
	[ -n "$(find "$out/tree" -name 'rmap_probe.ko*' -path "*/$abi/*")" ]; then
	echo "PASS: $abi: dkms add + dkms build"
else
	tail -20 "$out/dkms.log" >&2
	echo "FAIL: $abi: dkms add + dkms build (log: $out/dkms.log)"
	exit 1
fi
