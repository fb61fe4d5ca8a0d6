# SPDX-License-Identifier: GPL-2.0
# Sourced inside a fresh root (tests/rig/fresh-root.sh) by the steps of check-fresh and check-packages.
# step NAME CMD...: PASS or FAIL (prefixed with $STEP_PREFIX) with the tail of its output.
step() {
	local name=$1 t=$(date +%s)
	shift
	if "$@" >/tmp/step.log 2>&1; then
		echo "PASS: $STEP_PREFIX: $name ($(($(date +%s) - t))s)"
	else
		tail -15 /tmp/step.log | sed 's/^/    /'
		echo "FAIL: $STEP_PREFIX: $name"
		return 1
	fi
}
