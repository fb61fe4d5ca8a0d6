# SPDX-License-Identifier: GPL-2.0
# The module loads, shows its debugfs directory and unloads cleanly, twice over.
. /tests/lib.sh

for round in 1 2; do
	check "load round $round" load_module
	check "version file round $round" test "$(cat /sys/kernel/debug/rmap_probe/version)" = "$(cat /rmap/version)"
	check "rmapctl version round $round" rmapctl version
	check "unload round $round" unload_module
done
check "debugfs directory gone after unload" test ! -e /sys/kernel/debug/rmap_probe
expect_exit "rmapctl version without the module exits 0" 0 rmapctl version
check "rmapctl version without the module says so" grep -q "module not loaded" /tmp/expect.out
expect_exit "rmapctl pfn without the module says so" 3 rmapctl pfn 1
