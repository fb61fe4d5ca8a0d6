# SPDX-License-Identifier: GPL-2.0
# Where users start: rmapctl range (the module's batched request, range START END), rmapctl vaddr and pid, against
# the pagemap and kpageflags oracles; their bad input and their JSON.
. /tests/lib.sh
# a swap device, for vaddr's swapped-out page
swap_on "vaddr's swapped-out case will be skipped"
run_group entry "entry-point scenarios (range, vaddr, pid)"
swap_off

check "load for range's bad input" load_module
expect_exit "vaddr: a bad address is a usage error" 2 rmapctl vaddr 1 0xzz
expect_exit "vaddr: a bad length is a usage error" 2 rmapctl vaddr 1 0x1000 --len 12Q
expect_exit "pid: a bad range is a usage error" 2 rmapctl pid 1 --range 0x2000-0x1000
expect_exit "pid: pid 0 is a usage error" 2 rmapctl pid 0
rmapctl pid 1 >/tmp/p1.out 2>&1 && grep -q '^process 1 ' /tmp/p1.out && grep -q 'pages present' /tmp/p1.out &&
	pass "pid 1: its runs under a header, then its totals" || { head -5 /tmp/p1.out; fail "pid 1"; }
expect_exit "range: START not below END is a usage error" 2 rmapctl range 10 10
expect_exit "range: an unknown --color is a usage error" 2 rmapctl range 1 2 --svg /tmp/x.svg --color size
expect_exit "range: a bad number is a usage error" 2 rmapctl range 1 12abc
expect_exit "range: START END with --node is a usage error" 2 rmapctl range 1 2 --node 0
expect_exit "range: a node without memory is refused" 5 rmapctl range --node 999
if [ -e /sys/devices/system/memory/block_size_bytes ]; then
	expect_exit "range: a memory block that does not exist is refused" 5 rmapctl range --block 999999
else
	expect_exit "range --block on a kernel without memory blocks is refused" 1 rmapctl range --block 0
	grep -q 'CONFIG_MEMORY_HOTPLUG' /tmp/expect.out && pass "... and says why (no CONFIG_MEMORY_HOTPLUG)" ||
		{ cat /tmp/expect.out; fail "... and says why (no CONFIG_MEMORY_HOTPLUG)"; }
fi
expect_exit "range: beyond the physical address space is refused" 5 rmapctl range 0x10000000000000 0x10000000000001
rmapctl range --json 0x10000000000000 0x10000000000001 >/tmp/rj.out 2>/dev/null
jq -e '.error.exit_code == 5' /tmp/rj.out >/dev/null && pass "range --json: an error is one JSON document" ||
	{ cat /tmp/rj.out; fail "range --json: an error is one JSON document"; }
# the module itself: a range request it refuses, and one it answers in pieces however small the reads
if printf 'range 5 5' | dd of=/sys/kernel/debug/rmap_probe/query 2>/dev/null; then
	fail "module: an empty range is refused (EINVAL)"
else
	pass "module: an empty range is refused (EINVAL)"
fi
# a list request it refuses: no PFN, an empty word, a bad number, no newline (a write cut short), and more
# than 4096 PFNs (E2BIG); one it takes, as the control
for req in 'pfns \n' 'pfns 1  2\n' 'pfns 1 0x\n' 'pfns 1 2' 'pfns 1 2\n'; do
	printf "$req" | dd of=/sys/kernel/debug/rmap_probe/query 2>/tmp/dd.err
	rc=$?
	case "$req" in
	'pfns 1 2\n') [ $rc -eq 0 ] && pass "module: the list request '$req' is taken" ||
		{ cat /tmp/dd.err; fail "module: the list request '$req' is taken"; } ;;
	*) [ $rc -ne 0 ] && grep -q 'Invalid argument' /tmp/dd.err && pass "module: the list request '$req' is refused (EINVAL)" ||
		{ cat /tmp/dd.err; fail "module: the list request '$req' is refused (EINVAL)"; } ;;
	esac
done
# (from a file, which dd reads in one piece, so that it is one write)
{ printf 'pfns'; seq 4097 | sed 's/^/ /' | tr -d '\n'; echo; } >/tmp/list.req
dd if=/tmp/list.req of=/sys/kernel/debug/rmap_probe/query bs=1M 2>/tmp/dd.err
grep -q 'Argument list too long' /tmp/dd.err && pass "module: a list of 4097 PFNs is refused (E2BIG)" ||
	{ cat /tmp/dd.err; fail "module: a list of 4097 PFNs is refused (E2BIG)"; }
block=$(ls -d /sys/devices/system/memory/memory* 2>/dev/null | sed 's/.*memory//' | sort -n | tail -1)
if [ -n "$block" ]; then
	rmapctl range --block "$block" --json >/tmp/rb.out
	rc=$?
	[ $rc -eq 0 ] && jq -e '.summary.in_use + .summary.free + .summary.holes == .summary.end - .summary.start and
		(.pages | length) == .summary.in_use' /tmp/rb.out >/dev/null &&
		pass "range --block $block --json: one document, every PFN of the block accounted for" ||
		fail "range --block $block --json" "exit $rc"
	# the picture: a cell per pageblock of the block, and a legend
	cells=$(( $(printf %d 0x$(cat /sys/devices/system/memory/block_size_bytes)) / 4096 / 512 ))
	for color in kind owner movability; do
		rmapctl range --block "$block" --summary --svg /tmp/b.svg --color $color >/dev/null &&
			head -1 /tmp/b.svg | grep -q '^<?xml' && tail -1 /tmp/b.svg | grep -q '^</svg>$' &&
			[ "$(grep -c '^<rect .*<title>pfn' /tmp/b.svg)" -eq "$cells" ] &&
			pass "range --block $block --svg --color $color: $cells cells, one per pageblock, and a legend" ||
			{ head -c 400 /tmp/b.svg; fail "range --block $block --svg --color $color"; }
	done
	rmapctl range --block "$block" --summary >/tmp/rs.out && grep -q '^KIND' /tmp/rs.out && grep -q '^ *PID' /tmp/rs.out &&
		pass "range --block $block --summary: totals by kind and by process" ||
		{ cat /tmp/rs.out; fail "range --block $block --summary"; }
else
	skip "range --block" "this kernel has no memory blocks (CONFIG_MEMORY_HOTPLUG)"
fi
rmapctl range --node 0 >/tmp/rn.out 2>/tmp/rn.err && head -1 /tmp/rn.out | grep -q '^PFN' &&
	grep -q 'pages in use' /tmp/rn.err && pass "range --node 0: a table under a header, totals on stderr" ||
	{ head -3 /tmp/rn.out /tmp/rn.err; fail "range --node 0"; }
# past the last section of memory (x86-64: 32768 PFNs each; the end of the last zone can be inside one, whose
# remaining pages have a memory map, reserved): holes only, skipped a section at a time, none reported
end=$(rmapctl range --summary --json | jq .summary.end)
end=$(( (end + 32767) / 32768 * 32768 ))
rmapctl range --json "$end" $((end + 65536)) >/tmp/rh.out &&
	jq -e '.summary.holes == 65536 and .summary.in_use == 0 and (.pages | length) == 0' /tmp/rh.out >/dev/null &&
	pass "range past the end of memory: 65536 PFNs of holes, nothing reported" ||
	{ head -c 300 /tmp/rh.out; fail "range past the end of memory"; }
check "unload after range's bad input" unload_module
