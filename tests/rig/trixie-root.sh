#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A Debian 13 (trixie) root, cached, for the newest kernel line: its apt sees trixie-backports' kernels, and
# its gcc-14 and glibc build modules for them (bookworm cannot: those headers want gcc-14, and their modpost,
# objtool and resolve_btfids need GLIBC_2.38). It is also how a Debian 13 user's DKMS builds rmap_probe.
# Source it for trixie_setup and trixie_run, or run it: trixie-root.sh CMD... runs CMD inside the root.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
TRIXIE_ROOT=$RIG_CACHE/trixie-root

trixie_setup() {
	if [ ! -e "$TRIXIE_ROOT/.complete" ]; then
		echo "trixie-root: debootstrap of trixie into $TRIXIE_ROOT (~1 min)" >&2
		rm -rf "$TRIXIE_ROOT"
		debootstrap --variant=minbase trixie "$TRIXIE_ROOT" http://deb.debian.org/debian >&2
		echo "deb http://deb.debian.org/debian trixie-backports main" \
			> "$TRIXIE_ROOT/etc/apt/sources.list.d/backports.list"
		rm -f "$TRIXIE_ROOT"/var/lib/apt/lists/*Packages*
		touch "$TRIXIE_ROOT/.complete"
	fi
	# Refresh the lists at most once a day.
	if [ -z "$(find "$TRIXIE_ROOT/var/lib/apt/lists" -maxdepth 1 -name '*backports*Packages*' -mmin -1440 \
		2>/dev/null | head -1)" ]; then
		trixie_run apt-get -q update >&2
	fi
}

# Run a command inside the root, with /proc, /sys and /dev from a private mount namespace (gone on exit).
trixie_run() {
	unshare --mount --fork -- sh -c '
		root=$1; shift
		mount --bind /proc "$root/proc" && mount --bind /sys "$root/sys" && mount --bind /dev "$root/dev" &&
		exec chroot "$root" env DEBIAN_FRONTEND=noninteractive "$@"' sh "$TRIXIE_ROOT" "$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	trixie_setup
	trixie_run "$@"
fi
