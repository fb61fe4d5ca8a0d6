#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel coding style of the kernel-side sources, with checkpatch.pl from Debian's linux-source-6.1 tarball.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${RIG_CACHE:-$top/.cache}/checkpatch
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -1)
cp=$(ls "$cache"/*/scripts/checkpatch.pl 2>/dev/null | head -1)
if [ -z "$cp" ] && [ -n "$tarball" ]; then
	mkdir -p "$cache"
	tar -xf "$tarball" -C "$cache" --wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	cp=$(ls "$cache"/*/scripts/checkpatch.pl 2>/dev/null | head -1)
fi
if [ -z "$cp" ]; then
	echo "FAIL: checkpatch: no linux-source-6.1 tarball (make deps installs it)"
	exit 1
fi
cd "$top"
files=$(ls module/*.c module/*.h bpf/*.c bpf/*.h 2>/dev/null)
rc=0
for f in $files; do
	# The compat header is where version tests belong (an out-of-tree module builds for several kernels).
	ignore=
	[ "$f" = module/compat.h ] && ignore="--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON"
	# shellcheck disable=SC2086
	if out=$(perl "$cp" --no-tree --terse --show-types $ignore -f "$f" 2>&1) && ! echo "$out" | grep -qE 'ERROR|WARNING'; then
		echo "PASS: checkpatch $f"
	else
		echo "$out" | grep -E 'ERROR|WARNING' | head -10 >&2
		echo "FAIL: checkpatch $f"
		rc=1
	fi
done
exit $rc
