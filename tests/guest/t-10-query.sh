# SPDX-License-Identifier: GPL-2.0
# The per-PFN query against the pagemap oracle, scenario by scenario (tests/guest/rmaptest.c).
. /tests/lib.sh

check "load for the query scenarios" load_module
for s in $(rmaptest list oracle); do
	rmaptest "$s"
	rc=$?
	# a scenario that crashed or bailed out before printing its verdicts must still fail
	[ $rc -le 1 ] || fail "scenario $s" "rmaptest exited $rc"
done
check "unload after the query scenarios" unload_module
