# SPDX-License-Identifier: GPL-2.0
# Hostile use of the interface: bad requests, odd pages, every PFN there is and some that are not, a fuzzed
# write parser, many open files.
. /tests/lib.sh
run_group hostile "hostile-input checks"
