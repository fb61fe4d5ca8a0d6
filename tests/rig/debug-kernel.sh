#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once) a 6.1 debug kernel from Debian's linux-source-6.1: lockdep, KASAN, DEBUG_VM, kmemleak, KFENCE,
# hung-task and soft-lockup detectors, page_idle, lockdown. Cached in $RIG_CACHE/debug-kernel/debug-<source version>,
# rebuilt incrementally when the option list changes, laid out like fetch-kernel.sh's directories (vmlinuz,
# build/). Prints that directory. A cold build takes ~15 minutes on 2 cores.
# debug-kernel.sh --probe DIR: only the first steps of that build, in DIR (check-fresh): unpack, configure with the
# option list, and compile one file of mm/ and the module-signing certificates, so that a host tool the build
# needs and lacks fails in a minute, not after fifteen.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt.sh"
options=$here/debug-kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "debug-kernel: $tarball missing (make deps installs linux-source-6.1)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)

# Configure the tree in the current directory: tinyconfig + the option list, and check that every option stuck
# (an option whose dependency the host lacks, DEBUG_INFO_BTF without pahole for one, silently does not).
configure() {
	local opt args=() missing=
	make -s tinyconfig >&2
	while read -r opt; do
		case $opt in ''|'#'*) continue ;; -*) args+=(--disable "${opt#-}") ;; *) args+=(--enable "$opt") ;; esac
	done < "$options"
	scripts/config "${args[@]}"
	scripts/config --set-val FRAME_WARN 2048
	make -s olddefconfig >&2
	while read -r opt; do
		case $opt in
		''|'#'*) ;;
		-*) ! grep -q "^CONFIG_${opt#-}=y" .config || missing="$missing $opt" ;;
		*) grep -q "^CONFIG_$opt=y" .config || missing="$missing $opt" ;;
		esac
	done < "$options"
	[ -z "$missing" ] || { echo "debug-kernel: options that did not stick:$missing" >&2; return 1; }
}

if [ "${1:-}" = --probe ]; then
	dest=${2:?usage: debug-kernel.sh --probe DIR}
	rm -rf "$dest" && mkdir -p "$dest"
	tar -xJf "$tarball" -C "$dest"
	cd "$dest/linux-source-6.1"
	configure
	# mm/rmap.o needs `prepare` (kconfig, fixdep, objtool, the asm headers); certs/ the signing key (openssl) and
	# extract-cert (libssl). The link (pahole for BTF) and the rest of the tree are left to make check.
	nice make -s -j"$(nproc)" mm/rmap.o >&2
	nice make -s -j"$(nproc)" certs/ >&2
	test -s certs/signing_key.pem
	echo "debug-kernel: $srcver configures and compiles (probe in $dest)" >&2
	exit 0
fi

key=$(sha256sum "$options" "$0" | sha256sum | cut -c1-12)
# One tree per source version, reconfigured and rebuilt incrementally (about a minute) when the options change.
dest=$RIG_CACHE/debug-kernel/debug-$srcver	# its name is the line's name in results
if [ -e "$dest/.complete" ] && [ "$(cat "$dest/.key" 2>/dev/null)" = "$key" ]; then
	echo "$dest"
	exit 0
fi
rm -f "$dest/.complete"
if [ ! -e "$dest/.unpacked" ]; then
	rm -rf "$RIG_CACHE/debug-kernel" && mkdir -p "$dest"
	echo "debug-kernel: building Debian's linux-source $srcver (cold: ~15 min on 2 cores)" >&2
	tar -xJf "$tarball" -C "$dest"
	touch "$dest/.unpacked"
else
	echo "debug-kernel: options changed: reconfiguring and rebuilding $srcver" >&2
fi
src=$dest/linux-source-6.1
cd "$src"
configure
nice make -s -j"$(nproc)" bzImage modules >"$dest/build.log" 2>&1 || { tail -30 "$dest/build.log" >&2; exit 1; }
ln -sfn "linux-source-6.1/arch/x86/boot/bzImage" "$dest/vmlinuz"
ln -sfn "linux-source-6.1" "$dest/build"
ln -sfn "linux-source-6.1/.config" "$dest/config"
mkdir -p "$dest/modules/kernel"	# no modules: everything the tests need is built in
echo "$key" > "$dest/.key"
touch "$dest/.complete"
echo "$dest"
