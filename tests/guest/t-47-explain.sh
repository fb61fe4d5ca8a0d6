# SPDX-License-Identifier: GPL-2.0
# rmapctl explain: each prediction checked against what the kernel then does (move_pages(), MADV_PAGEOUT).
. /tests/lib.sh
# a swap device, so that an unlocked anonymous page is reclaimable
swap_on "an unlocked page is predicted 'no swap', and MADV_PAGEOUT must leave it"
run_group explain "explain scenarios"
swap_off

check "load for explain's bad input" load_module
expect_exit "explain: a bad PFN is a usage error" 2 rmapctl explain 12abc
expect_exit "explain: no PFN is a usage error" 2 rmapctl explain
expect_exit "explain: beyond the physical address space is refused" 5 rmapctl explain 0x10000000000000
rmapctl explain --json 0x10000000000000 >/tmp/ej.out 2>/dev/null
jq -e '.error.exit_code == 5' /tmp/ej.out >/dev/null && pass "explain --json: an error is one JSON document" ||
	{ cat /tmp/ej.out; fail "explain --json: an error is one JSON document"; }
# a page table and a free page: the same answer for every operation, in words
pt=$(rmapctl range --json-lines 0 0x100000 2>/dev/null | jq -r 'select(.kind == "pagetable") | .pfn' | head -1)
if [ -n "$pt" ]; then
	rmapctl explain --json "$pt" | jq -e '[.answers[] | .answer == "no" and .reason == "not-movable" or
		.reason == "not-reclaimable"] | all' >/dev/null && rmapctl explain "$pt" | grep -q 'a page table is not movable' &&
		pass "explain of a page table ($pt): not movable, not reclaimable, its block cannot go offline" ||
		{ rmapctl explain "$pt"; fail "explain of a page table"; }
else
	fail "explain: no page table found below PFN 0x100000"
fi
check "unload after explain's bad input" unload_module

# explain --block against the kernel, both ways: memory blocks from the highest down, each predicted and then
# offlined (and put back online), until one predicted "yes" went offline (at most 8). A block predicted "no"
# must not go offline (the kernel refuses it at once: EBUSY); one predicted "yes" must.
if [ -e /sys/devices/system/memory/block_size_bytes ]; then
	check "load for explain --block" load_module
	offlined=0
	for b in $(ls -d /sys/devices/system/memory/memory* | sed 's/.*memory//' | sort -rn | head -8); do
		[ $offlined -eq 0 ] || break
		state=/sys/devices/system/memory/memory$b/state
		[ "$(cat $state)" = online ] || continue
		rmapctl explain --block "$b" --json >/tmp/eb.json
		v=$(jq -r .verdict /tmp/eb.json)
		why=$(jq -r '[.blockers[] | "\(.reason) \(.pages)"] | join(", ")' /tmp/eb.json)
		if timeout -s INT 60 sh -c "echo offline > $state" 2>/dev/null; then went=yes; else went=no; fi
		echo "  block $b: predicted $v${why:+ ($why)}; offline: $went"
		case $v in
		yes) [ $went = yes ] && pass "explain --block $b predicts offlinable, and the block goes offline" ||
			fail "explain --block $b predicts offlinable" "offline failed" ;;
		no) [ $went = no ] && pass "explain --block $b predicts 'no' ($why), and offlining it fails" ||
			fail "explain --block $b predicts 'no' ($why)" "the block went offline" ;;
		*) echo "  block $b: '$v' is no prediction to hold the kernel to" ;;
		esac
		if [ $went = yes ]; then
			offlined=$((offlined + 1))
			echo online >$state && [ "$(cat $state)" = online ] && pass "... and block $b comes back online" ||
				fail "block $b back online"
		fi
	done
	[ $offlined -gt 0 ] || skip "explain --block of an offlinable block" "none of the 8 highest blocks went offline"
	expect_exit "explain --block of a block that does not exist is refused" 5 rmapctl explain --block 999999
	expect_exit "explain --block and --range together are a usage error" 2 rmapctl explain --block 1 --range 1 2
	check "unload after explain --block" unload_module
else
	skip "explain --block" "this kernel has no memory blocks (CONFIG_MEMORY_HOTPLUG)"
fi
