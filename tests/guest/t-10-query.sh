# SPDX-License-Identifier: GPL-2.0
# The per-PFN query against the pagemap oracle, scenario by scenario (tests/guest/rmaptest.c).
. /tests/lib.sh
run_group oracle "query scenarios"
