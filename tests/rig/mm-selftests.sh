#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the kernel's own mm selftests, static, from Debian's source of a kernel line: the adversary nobody
# here wrote, run in the guests beside rmap_probe's queries (tests/guest/t-60-selftests.sh).
# Usage: mm-selftests.sh 6.1|6.12 OUTDIR
# OUTDIR gets one static binary per test that builds, and "tests": one line per run, "NAME ARGS..." (as
# run_vmtests.sh runs them, durations cut for TCG). Cached in $RIG_CACHE/selftests/, keyed on the source
# package's version and this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt.sh"
line=${1:?usage: mm-selftests.sh 6.1|6.12 OUTDIR}
out=$(realpath -m "${2:?usage: mm-selftests.sh 6.1|6.12 OUTDIR}")

# What runs, and how: as run_vmtests.sh of that source, with shorter durations. Left out: khugepaged (hours
# under TCG); on 6.1, hugetlb-madvise (Debian's 6.1.192 warns in hugetlb_split() under lockdep when it
# munmaps part of a hugetlb vma, with or without rmap_probe: a kernel bug) and transhuge-stress (no duration
# option before 6.2: it runs until killed).
case $line in
6.1)
	pkg=linux-source-6.1 dir=vm
	runs="ksm_tests -M -p 10
ksm_tests -U
ksm_tests -Z -p 10 -z 0
ksm_tests -Z -p 10 -z 1
ksm_tests -N -m 1
hugepage-mremap /tmp/huge/mremap
madv_populate
migration
mremap_test
split_huge_page_test
userfaultfd anon 8 16
userfaultfd shmem 8 16
mlock2-tests"
	;;
6.12)
	pkg=linux-source-6.12 dir=mm
	runs="cow
ksm_tests -M -p 10
ksm_tests -U
ksm_tests -Z -p 10 -z 0
ksm_tests -Z -p 10 -z 1
ksm_tests -N -m 1
ksm_functional_tests
hugepage-mremap
hugetlb-madvise
madv_populate
migration
mremap_test
transhuge-stress -d 10
split_huge_page_test
uffd-unit-tests
mlock2-tests
mkdirty"
	;;
*) echo "mm-selftests: no selftests for line $line" >&2; exit 1 ;;
esac

if [ "$line" = 6.1 ]; then
	tarball=/usr/src/linux-source-6.1.tar.xz
	[ -f "$tarball" ] || { echo "mm-selftests: $tarball missing (make deps installs linux-source-6.1)" >&2; exit 1; }
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
else
	# 6.12's source comes from the line's own suite, unpacked (not installed) like the kernels
	rig_apt_setup
	srcver=$(rig_apt apt-cache policy "$pkg" | awk '$1 == "Candidate:" {print $2}')
	[ -n "$srcver" ] && [ "$srcver" != "(none)" ] || { echo "mm-selftests: no $pkg in the rig's suites" >&2; exit 1; }
fi
key="$srcver $(sha256sum "$0" | cut -c1-12)"
cache=$RIG_CACHE/selftests/$line
if [ ! -e "$cache/.complete" ] || [ "$(cat "$cache/.key")" != "$key" ]; then
	echo "mm-selftests: building the $dir selftests of $pkg $srcver" >&2
	rm -rf "$cache" && mkdir -p "$cache/bin"
	work=$(mktemp -d "$RIG_CACHE/selftests/work.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	if [ "$line" != 6.1 ]; then
		(cd "$work" && rig_apt apt-get -q download "$pkg=$srcver" >&2)
		dpkg -x "$work"/"$pkg"_*.deb "$work/pkg"
		tarball=$(ls "$work"/pkg/usr/src/"$pkg".tar.*)
	fi
	tar -xf "$tarball" -C "$work"
	src=$work/$pkg
	# The selftests include the uapi headers of their own kernel, not the build host's.
	make -s -C "$src" headers_install INSTALL_HDR_PATH="$src/usr" >&2
	cd "$src/tools/testing/selftests/$dir"
	cflags="-static -O2 -w -U_FORTIFY_SOURCE -D_GNU_SOURCE -I $src -isystem $src/usr/include -isystem $src/tools/include/uapi -I ."
	helpers=$(ls vm_util.c thp_settings.c 2>/dev/null | tr '\n' ' ' || true)
	: > local_config.h	# what check_config.sh writes without liburing: cow's io_uring cases skip
	for t in $(echo "$runs" | awk '{print $1}' | sort -u); do
		extra=
		case $t in uffd-unit-tests|uffd-stress) extra=uffd-common.c ;; esac
		# shellcheck disable=SC2086
		if gcc $cflags -o "$cache/bin/$t" "$t.c" $helpers $extra -lnuma -lrt -lpthread -lm \
			>"$cache/build-$t.log" 2>&1; then
			echo "mm-selftests: built $t" >&2
		else
			echo "mm-selftests: $t does not build (see $cache/build-$t.log)" >&2
			rm -f "$cache/bin/$t"
		fi
	done
	echo "$runs" > "$cache/tests"
	echo "$key" > "$cache/.key"
	touch "$cache/.complete"
fi
rm -rf "$out" && mkdir -p "$out"
cp "$cache"/bin/* "$out/"
# only the runs whose program built
while read -r t args; do
	[ -x "$out/$t" ] && echo "$t $args"
done < "$cache/tests" > "$out/tests"
echo "$out"
