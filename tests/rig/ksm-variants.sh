#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rmap_probe.ko for KERNEL-DIR built with KSM layouts it must not trust, for the guest's t-12-ksm-layout.sh:
#   other-btf      built with OTHER-KERNEL-DIR's BTF: refused at build time (its banner is not the headers'
#                  UTS_VERSION), KSM pages searched for
#   bad-sizes      the layout with a BTF size of task_struct that is not the headers': refused at load
#   other-build    built against a copy of the headers whose UTS_VERSION is another build's (of the same
#                  release, as two Debian uploads can be): refused at load, the running kernel being another
#   bad-kpfn       stable_node.kpfn read at hlist's offset: the first KSM query finds a node that does not name
#                  its page, follows nothing it points to, and searches, as every query after it
#   bad-item-head  rmap_item.head read at mm's offset: the first rmap_item does not name its stable node; the
#                  mappings found so far are dropped and the page searched for
# Usage: ksm-variants.sh KERNEL-DIR OTHER-KERNEL-DIR OUTDIR -> OUTDIR/NAME.ko and OUTDIR/NAME.expect (what
# the module must say in the kernel log); prints PASS:/FAIL: lines.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kernel=$(realpath "$1") other=$(realpath "$2") out=$(realpath -m "$3")
abi=$(basename "$(readlink -f "$kernel")")
rm -rf "$out" && mkdir -p "$out"
btf() { if [ -f "$1/build/vmlinux" ]; then echo "$1/build/vmlinux"; else echo "$1/vmlinuz"; fi; }
variant() { # NAME EXPECT KERNEL-DIR ENV...
	local name=$1 expect=$2 kdir=$3
	shift 3
	if env "$@" "$here/build-module.sh" "$kdir" "$out/$name" >"$out/$name.log" 2>&1; then
		cp "$out/$name/rmap_probe.ko" "$out/$name.ko"
		echo "$expect" >"$out/$name.expect"
		echo "PASS: $abi: the module builds with the KSM layout variant $name"
	else
		tail -5 "$out/$name.log" >&2
		echo "FAIL: $abi: the module with the KSM layout variant $name does not build"
	fi
	rm -rf "${out:?}/$name"
}
good=$out/layout.h
RMP_BTF=$(btf "$kernel") bash "$top/module/kernel-btf.sh" ksm-layout "$good" "$abi" "$kernel/build" 2>/dev/null
if ! grep -q RMP_KSM_NODE_KPFN "$good"; then
	echo "FAIL: $abi: no KSM layout from its own BTF: $(cat "$good")"
	exit 1
fi
offset() { sed -n "s/^#define $1 //p" "$good"; }
sed "s/^#define RMP_KSM_NODE_KPFN .*/#define RMP_KSM_NODE_KPFN $(offset RMP_KSM_NODE_HLIST)/" "$good" >"$out/bad-kpfn.h"
sed "s/^#define RMP_KSM_ITEM_HEAD .*/#define RMP_KSM_ITEM_HEAD $(offset RMP_KSM_ITEM_MM)/" "$good" >"$out/bad-item-head.h"
sed "s/^#define RMP_BTF_SIZEOF_task_struct .*/#define RMP_BTF_SIZEOF_task_struct 64/" "$good" >"$out/bad-sizes.h"
other_build="is not the build of $abi the headers are of"
refused="KSM pages are searched for: the BTF the module was built with is of another build than its headers"
misread="KSM's stable node is not laid out as this module's BTF said; searching from now on"
variant other-btf "$other_build" "$kernel" RMP_BTF="$other/vmlinuz"
variant bad-sizes "$refused" "$kernel" RMP_KSM_LAYOUT="$out/bad-sizes.h"
variant bad-kpfn "$misread" "$kernel" RMP_KSM_LAYOUT="$out/bad-kpfn.h"
variant bad-item-head "$misread" "$kernel" RMP_KSM_LAYOUT="$out/bad-item-head.h"
# Another build of the same release: Debian's headers (an arch tree of a few MB, its scripts and tools links
# made absolute) copied, with another UTS_VERSION; the layout given, as BTF of that build would give it.
if [ -f "$kernel/build/include/generated/utsversion.h" ] && [ ! -f "$kernel/build/vmlinux" ]; then
	fake=$out/other-build-kernel
	mkdir -p "$fake"
	cp -a "$(readlink -f "$kernel/build")" "$fake/build"
	for l in scripts tools; do
		[ -L "$kernel/build/$l" ] && ln -sfn "$(readlink -f "$kernel/build/$l")" "$fake/build/$l"
	done
	sed -i 's/^#define UTS_VERSION "\(.*\)"$/#define UTS_VERSION "\1 (another build)"/' \
		"$fake/build/include/generated/utsversion.h"
	ln -s "$kernel/vmlinuz" "$fake/vmlinuz"
	variant other-build "KSM pages are searched for: the module was built for another build of this kernel release" \
		"$fake" RMP_KSM_LAYOUT="$good"
	rm -rf "$fake"
else
	echo "SKIP: $abi: the KSM layout variant other-build (needs Debian's headers: include/generated/utsversion.h, no vmlinux)"
fi
