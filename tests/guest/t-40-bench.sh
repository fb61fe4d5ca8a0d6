# SPDX-License-Identifier: GPL-2.0
# Speed, as a ratio measured side by side in one boot (absolute times mean nothing under TCG).
. /tests/lib.sh
run_group bench "benchmark"
