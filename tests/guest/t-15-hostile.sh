# SPDX-License-Identifier: GPL-2.0
# Hostile use of the interface: bad requests, odd pages, every PFN there is and some that are not, a fuzzed
# write parser, many open files.
. /tests/lib.sh

check "load for the hostile-input checks" load_module
for s in $(rmaptest list hostile); do
	rmaptest "$s"
	rc=$?
	[ $rc -le 1 ] || fail "scenario $s" "rmaptest exited $rc"
done
check "unload after the hostile-input checks" unload_module
