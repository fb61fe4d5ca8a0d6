#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once) a 6.1 debug kernel from Debian's linux-source-6.1: lockdep, KASAN, DEBUG_VM, kmemleak, KFENCE,
# hung-task and soft-lockup detectors, page_idle, lockdown. Cached in $RIG_CACHE/debug-kernel/<key>, keyed on
# the source package version and the option list, laid out like fetch-kernel.sh's directories (vmlinuz, build/).
# Prints that directory. A cold build takes ~15 minutes on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt.sh"
options=$here/debug-kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "debug-kernel: $tarball missing (make deps installs linux-source-6.1)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$srcver-$(sha256sum "$options" "$0" | sha256sum | cut -c1-12)
dest=$RIG_CACHE/debug-kernel/$key
if [ -e "$dest/.complete" ]; then
	echo "$dest"
	exit 0
fi
rm -rf "$RIG_CACHE/debug-kernel" && mkdir -p "$dest"
echo "debug-kernel: building $key (cold: ~15 min)" >&2
tar -xJf "$tarball" -C "$dest"
src=$(ls -d "$dest"/linux-source-6.1)
cd "$src"
make -s tinyconfig >&2
args=()
while read -r opt; do
	case $opt in ''|'#'*) continue ;; -*) args+=(--disable "${opt#-}") ;; *) args+=(--enable "$opt") ;; esac
done < "$options"
scripts/config "${args[@]}"
scripts/config --set-val FRAME_WARN 2048
make -s olddefconfig >&2
missing=
while read -r opt; do
	case $opt in
	''|'#'*) ;;
	-*) ! grep -q "^CONFIG_${opt#-}=y" .config || missing="$missing $opt" ;;
	*) grep -q "^CONFIG_$opt=y" .config || missing="$missing $opt" ;;
	esac
done < "$options"
[ -z "$missing" ] || { echo "debug-kernel: options that did not stick:$missing" >&2; exit 1; }
nice make -s -j"$(nproc)" bzImage modules >"$dest/build.log" 2>&1 || { tail -30 "$dest/build.log" >&2; exit 1; }
ln -s "linux-source-6.1/arch/x86/boot/bzImage" "$dest/vmlinuz"
ln -s "linux-source-6.1" "$dest/build"
ln -s "linux-source-6.1/.config" "$dest/config"
mkdir -p "$dest/modules/kernel"	# no modules: everything the tests need is built in
touch "$dest/.complete"
echo "$dest"
