# SPDX-License-Identifier: GPL-2.0
# A slice of the stress test (make stress runs it longer: RACE_SECONDS on the kernel command line).
. /tests/lib.sh
run_group stress "stress run"
