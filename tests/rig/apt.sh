#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Private apt configuration: Debian suites the rig needs, without touching the system's sources.
# Usage: tests/rig/apt.sh APT-GET-OR-APT-CACHE ARGS...   (source it for $RIG_CACHE and rig_apt)
set -euo pipefail
RIG_CACHE=${RIG_CACHE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.cache}
RIG_APT=$RIG_CACHE/apt

rig_apt_setup() {
	mkdir -p "$RIG_APT/lists/partial" "$RIG_APT/cache/archives/partial"
	local key=/usr/share/keyrings/debian-archive-keyring.gpg
	# A temporary file of this process's own, renamed into place: two rigs may set up at once.
	local tmp
	tmp=$(mktemp "$RIG_APT/sources.list.XXXXXX")
	cat > "$tmp" <<EOS
deb [signed-by=$key] http://deb.debian.org/debian bookworm main
deb [signed-by=$key] http://deb.debian.org/debian bookworm-updates main
deb [signed-by=$key] http://deb.debian.org/debian-security bookworm-security main
deb [signed-by=$key] http://deb.debian.org/debian bookworm-backports main
EOS
	chmod 644 "$tmp"
	mv "$tmp" "$RIG_APT/sources.list"
	# Refresh the lists at most once a day.
	if [ -z "$(find "$RIG_APT/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
		rig_apt apt-get -q update >&2
	fi
}

rig_apt() {
	local tool=$1
	shift
	"$tool" -o Dir::Etc::SourceList="$RIG_APT/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$RIG_APT/lists" -o Dir::Cache="$RIG_APT/cache" \
		-o Dir::State::Status=/var/lib/dpkg/status -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root "$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	rig_apt_setup
	rig_apt "$@"
fi
