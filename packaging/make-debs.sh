#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb: the two Debian packages, built with dpkg-deb alone (no debhelper needed):
#   rmap-probe-dkms  the module's source under /usr/src/rmap_probe-VERSION, built by DKMS on install for every
#                    kernel whose headers are installed (and later ones, through DKMS's kernel hooks)
#   rmapctl          the program, its manual page and its bash completion
# Usage: make-debs.sh OUTDIR   (needs build/rmapctl: make rmapctl)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "$1")
version=$(sed -n 's/^#define RMAP_PROBE_VERSION "\(.*\)"/\1/p' "$top/module/rmap_probe.h")
arch=$(dpkg --print-architecture)
stage=$out/stage
rm -rf "$stage" && mkdir -p "$stage"

# --- rmap-probe-dkms ---
d=$stage/dkms
src=$d/usr/src/rmap_probe-$version
mkdir -p "$src" "$d/DEBIAN" "$d/usr/share/doc/rmap-probe-dkms"
cp -r "$top/Kbuild" "$top/dkms.conf" "$top/module" "$src/"
cp "$top/README.md" "$d/usr/share/doc/rmap-probe-dkms/"
cat > "$d/DEBIAN/control" <<EOC
Package: rmap-probe-dkms
Version: $version
Architecture: all
Depends: dkms (>= 3)
Recommends: bpftool, lz4, zstd
Section: kernel
Priority: optional
Maintainer: rmap_probe developers <rmap-probe@localhost>
Description: who maps this physical page - kernel module (DKMS)
 rmap_probe.ko walks the kernel's reverse map (anon_vma and i_mmap trees, KSM,
 hugetlb) for a PFN, confirms each mapping in the page tables, and reports it
 through debugfs. This package builds it with DKMS for every installed kernel
 that has its headers. With bpftool (and lz4 and zstd to unpack kernel images),
 KSM pages are walked from their stable node, laid out by the kernel's BTF;
 without, they are searched for.
EOC
# as the postinst of a dh_dkms package: add the source, then build and install for each kernel with headers
cat > "$d/DEBIAN/postinst" <<EOC
#!/bin/sh
set -e
NAME=rmap_probe
VERSION=$version
if [ "\$1" = configure ]; then
	dkms status -m \$NAME -v \$VERSION | grep -q . || dkms add -m \$NAME -v \$VERSION
	for build in /lib/modules/*/build; do
		[ -e "\$build" ] || continue
		kver=\$(basename "\$(dirname "\$build")")
		dkms install -m \$NAME -v \$VERSION -k "\$kver" || echo "rmap-probe-dkms: no module for \$kver" >&2
	done
fi
EOC
cat > "$d/DEBIAN/prerm" <<EOC
#!/bin/sh
set -e
if [ "\$1" = remove ] || [ "\$1" = upgrade ]; then
	dkms remove -m rmap_probe -v $version --all >/dev/null 2>&1 || true
fi
EOC
chmod 0755 "$d/DEBIAN/postinst" "$d/DEBIAN/prerm"
dpkg-deb --root-owner-group -Zxz --build "$d" "$out/rmap-probe-dkms_${version}_all.deb" >/dev/null

# --- rmapctl ---
d=$stage/rmapctl
make -s -C "$top" install DESTDIR="$d" PREFIX=/usr >/dev/null
mkdir -p "$d/DEBIAN" "$d/usr/share/doc/rmapctl"
cp "$top/README.md" "$d/usr/share/doc/rmapctl/"
gzip -9n "$d/usr/share/man/man8/rmapctl.8"
# the shared libraries it links, as the packages that ship them
deps=$(for lib in $(ldd "$d/usr/sbin/rmapctl" | awk '/=> \//{print $3}'); do
	dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null
done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
cat > "$d/DEBIAN/control" <<EOC
Package: rmapctl
Version: $version
Architecture: $arch
Depends: ${deps:-libc6}
Recommends: rmap-probe-dkms (= $version)
Section: admin
Priority: optional
Maintainer: rmap_probe developers <rmap-probe@localhost>
Description: who maps this physical page, what happened to it
 rmapctl asks rmap_probe.ko who maps a PFN, a process's address (vaddr), a
 process's pages (pid) or a physical range (range), and traces unmaps and
 migrations with BPF (trace, record).
EOC
dpkg-deb --root-owner-group -Zxz --build "$d" "$out/rmapctl_${version}_${arch}.deb" >/dev/null
rm -rf "$stage"
ls "$out"/*.deb
