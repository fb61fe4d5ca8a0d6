#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the host tools the build and the rig need, from the system's own (bookworm) sources. Idempotent.
set -euo pipefail
. "$(dirname "$0")/apt.sh"

tools="gcc make libc6-dev busybox-static cpio kmod debootstrap xz-utils zstd lz4 dwarves dkms clang llvm bpftool libbpf-dev
	libelf-dev zlib1g-dev bc linux-source-6.1"
rig_apt_setup
# backports' QEMU runs on bookworm's libraries: install the ones it links against.
qver=$(rig_apt apt-cache policy qemu-system-x86 | awk '/bpo/ && $1 ~ /^[0-9]/ {print $1; exit}')
qlibs=$(rig_apt apt-cache depends "qemu-system-x86=$qver" | awk '$1 == "Depends:" && $2 ~ /^lib/ {print $2}')

missing=
for p in $tools $qlibs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run 'sudo make deps' (or apt-get install them) and try again" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
apt-get -q update >&2
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends $missing >&2
