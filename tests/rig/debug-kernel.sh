#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once) a 6.1 debug kernel from Debian's linux-source-6.1: lockdep, KASAN, DEBUG_VM, kmemleak, KFENCE,
# hung-task and soft-lockup detectors, page_idle, lockdown. Cached in $RIG_CACHE/debug-kernel/debug-<source version>,
# rebuilt incrementally when the option list changes, laid out like fetch-kernel.sh's directories (vmlinuz,
# build/). Prints that directory. A cold build takes ~15 minutes on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt.sh"
options=$here/debug-kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "debug-kernel: $tarball missing (make deps installs linux-source-6.1)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
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
ln -sfn "linux-source-6.1/arch/x86/boot/bzImage" "$dest/vmlinuz"
ln -sfn "linux-source-6.1" "$dest/build"
ln -sfn "linux-source-6.1/.config" "$dest/config"
mkdir -p "$dest/modules/kernel"	# no modules: everything the tests need is built in
echo "$key" > "$dest/.key"
touch "$dest/.complete"
echo "$dest"
