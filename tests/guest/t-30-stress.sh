# SPDX-License-Identifier: GPL-2.0
# A slice of the stress test (make stress runs it longer: RACE_SECONDS on the kernel command line).
. /tests/lib.sh

check "load for the stress run" load_module
for s in $(rmaptest list stress); do
	rmaptest "$s"
	rc=$?
	[ $rc -le 1 ] || fail "scenario $s" "rmaptest exited $rc"
done
check "unload after the stress run" unload_module
