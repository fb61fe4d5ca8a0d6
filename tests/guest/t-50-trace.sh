# SPDX-License-Identifier: GPL-2.0
# Unmap and migration history (bpf/, rmapctl trace/record): attach points, bad input, and the triggers of
# tests/guest/rmaptest.c's trace group checked against pagemap.
. /tests/lib.sh

# Swap on a ramdisk, for MADV_PAGEOUT of anonymous memory (built in on the debug kernel, a module elsewhere).
[ -b /dev/ram0 ] || insmod /lib/modules/brd.ko rd_nr=1 rd_size=65536
if [ -b /dev/ram0 ] && mkswap /dev/ram0 >/dev/null && swapon /dev/ram0; then
	pass "swap on a brd ramdisk"
else
	fail "swap on a brd ramdisk"
fi

# Attach points come from the running kernel's BTF: the rmap removal hook of each line, said with -v.
rmapctl trace -v --duration 1 >/tmp/v.out 2>&1
rc=$?
[ $rc -eq 0 ] && pass "trace -v --duration 1 exits 0" || { cat /tmp/v.out; fail "trace -v --duration 1" "exit $rc"; }
for f in try_to_unmap_one try_to_migrate_one move_to_new_folio page_remove_rmap folio_remove_rmap_ptes \
	folio_remove_rmap_pmd; do
	if grep -q " $f\$" /proc/kallsyms; then
		grep -qE "attach +kprobe:$f " /tmp/v.out && pass "trace -v: attaches $f (in kallsyms)" ||
			{ cat /tmp/v.out; fail "trace -v: $f is in kallsyms but not attached"; }
	else
		grep -qE "skip +kprobe:$f .*not in this kernel's BTF" /tmp/v.out &&
			pass "trace -v: skips $f and says why (not in kallsyms)" ||
			{ cat /tmp/v.out; fail "trace -v: $f is not in kallsyms; -v does not say it is skipped"; }
	fi
done

expect_exit "trace: unknown event type is a usage error" 2 rmapctl trace --events migrate,bogus
expect_exit "trace: --pfn with --pid is a usage error" 2 rmapctl trace --pfn 1 --pid 1
expect_exit "trace: duration 0 is a usage error" 2 rmapctl trace --duration 0
expect_exit "trace: bad PFN is a usage error" 2 rmapctl trace --pfn 12abc
expect_exit "record: unknown subcommand is a usage error" 2 rmapctl record begin
expect_exit "record stop when stopped fails" 1 rmapctl record stop
expect_exit "trace as nobody is refused" 4 rmaptest as-nobody rmapctl trace --duration 1

run_group trace "tracing scenarios"
swapoff /dev/ram0 2>/dev/null
