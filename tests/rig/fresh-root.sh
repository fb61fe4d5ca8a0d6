# SPDX-License-Identifier: GPL-2.0
# A minimal bookworm root, as a new Debian 12 machine has it (debootstrap --variant=minbase, made once and
# cached in $RIG_CACHE/fresh-root/pristine), and a throw-away overlay on it per run. Sourced (after apt.sh) by
# check-fresh.sh (does make deps install what the builds need?) and check-packages.sh (do the packages install?).
FRESH=$RIG_CACHE/fresh-root

# fresh_root_pristine LOG: the pristine root, made if missing; 0, or 1 with the reason in LOG.
fresh_root_pristine() {
	local pristine=$FRESH/pristine
	[ -e "$pristine/.complete" ] && return 0
	echo "fresh-root: debootstrap of a minimal bookworm into $pristine (~1 min, once)" >&2
	rm -rf "$pristine"
	debootstrap --variant=minbase bookworm "$pristine" http://deb.debian.org/debian >"$1" 2>&1 || return 1
	# its usual apt sources (updates and security too)
	cat > "$pristine/etc/apt/sources.list" <<EOS
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOS
	rm -f "$pristine"/var/lib/apt/lists/*_Packages
	touch "$pristine/.complete"
}

# fresh_root_run RUN TREE SCRIPT: bash /src/SCRIPT as root in a fresh overlay (its state under RUN) on the
# pristine root, with TREE at /src; downloaded .debs are kept beside the root, installed state is not. /proc,
# /sys and /dev, the overlay and the .deb cache live in a private mount namespace, gone on exit. Its stderr is
# the caller's.
fresh_root_run() {
	local run=$1 tree=$2 script=$3
	rm -rf "$run/upper" "$run/work" "$run/root"
	mkdir -p "$run/upper" "$run/work" "$run/root" "$FRESH/archives/partial"
	unshare --mount --fork -- bash -c '
		set -e
		fresh=$1 run=$2 tree=$3 script=$4
		root=$run/root
		if ! mount -t overlay overlay -o "lowerdir=$fresh/pristine,upperdir=$run/upper,workdir=$run/work" \
			"$root" 2>/dev/null; then
			cp -a "$fresh/pristine/." "$root/"	# no overlayfs here: a copy does the same
		fi
		mkdir -p "$root/src"
		mount --bind "$tree" "$root/src"
		mount --bind "$fresh/archives" "$root/var/cache/apt/archives"
		mount --bind /proc "$root/proc"
		mount --bind /sys "$root/sys"
		mount --bind /dev "$root/dev"
		mount --bind /dev/pts "$root/dev/pts"
		cp /etc/resolv.conf "$root/etc/resolv.conf"
		exec chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 bash "/src/$script"' sh "$FRESH" "$run" "$tree" "$script"
}

# fresh_results_helpers NAME PREFIX: result STATUS TEXT appends "STATUS: PREFIX: TEXT" to $results; finish counts
# them, says how long NAME took (since $t0, log in $out/log.txt) and exits non-zero on any FAIL.
fresh_results_helpers() {
	FRESH_NAME=$1 FRESH_PREFIX=$2
	result() { echo "$1: $FRESH_PREFIX: $2" | tee -a "$results"; }
	finish() {
		local p f
		p=$(grep -c '^PASS:' "$results" || true)	# grep -c exits 1 on a count of 0
		f=$(grep -c '^FAIL:' "$results" || true)
		echo "check-$FRESH_NAME: took $(($(date +%s) - t0))s (log: $out/log.txt)" >&2
		echo "$FRESH_NAME: $p passed, $f failed"
		[ "$f" -eq 0 ]
		exit
	}
}
