# SPDX-License-Identifier: GPL-2.0
# Booted with lockdown=integrity: debugfs refuses writable files. A signed module (RIG_SIGNED=1) loads and
# must refuse queries cleanly, with rmapctl saying why; an unsigned one is refused by the kernel.
. /tests/lib.sh

check "the kernel is locked down (integrity)" grep -q '\[integrity\]' /sys/kernel/security/lockdown
if [ -n "$RIG_SIGNED" ]; then
	check "the signed module loads under lockdown" load_module
	check "rmapctl version works under lockdown (the version file is read-only)" rmapctl version
	expect_exit "rmapctl pfn under lockdown exits with the permission code" 4 rmapctl pfn 1
	check "rmapctl says the kernel is locked down" grep -q "locked down" /tmp/expect.out
	check "unload under lockdown" unload_module
else
	expect_exit "the unsigned module is refused under lockdown" 1 insmod /rmap/rmap_probe.ko
	expect_exit "rmapctl then says the module is not loaded" 3 rmapctl pfn 1
fi
# Tracing needs no module, and integrity lockdown still allows kprobes and BPF reads of kernel memory.
check "rmapctl trace runs under integrity lockdown" rmapctl trace --duration 1
