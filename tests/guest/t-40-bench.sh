# SPDX-License-Identifier: GPL-2.0
# Speed, as ratios measured side by side in one boot (absolute times mean nothing under TCG). rmapbench prints
# one "BENCH {json}" line per measurement, which tests/bench.sh gathers; its verdicts only say a series ran.
# RIG_BENCH=full (make bench) runs every series at full size; CI runs the quick sizes, to keep them working.
. /tests/lib.sh
run_group bench "benchmark"
check "load for rmapbench" load_module
rmapbench "${RIG_BENCH:-quick}" ${RIG_BENCH_SERIES:-}
rc=$?
[ $rc -le 1 ] || fail "rmapbench" "exited $rc"
check "unload after rmapbench" unload_module
