// SPDX-License-Identifier: GPL-2.0
/*
 * Which PFNs of a range deserve a report: not the holes, not the free pages, each skipped a block at a time.
 *
 * A hole (no online memory map: between memory blocks, offline, or device memory) is skipped a subsection
 * (2 MiB) at a time, the granularity at which pfn_to_online_page() can change its answer; where no section
 * exists at all, a section (128 MiB) or a whole root of sections at a time, so that even a range of the whole
 * physical address space is crossed in a bounded number of steps. A free page is skipped with the whole buddy
 * block it belongs to, found as is_free_buddy_page() finds it, but without the zone lock (which a scan of all
 * RAM must not take once per page): the order is read as compaction reads it (buddy_order_unsafe()), and
 * believed only if it is a valid order of an aligned block containing the PFN, so that a stale or torn read can
 * misjudge only that block, as any snapshot of live memory can. Nothing here takes a lock or a reference, and
 * no struct page outside an online section is touched (as /proc/kpageflags, through pfn_to_online_page()).
 */
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include "compat.h"
#include "rmap_probe.h"

/* The free buddy block covering @pfn (online): its size from @pfn on, or 0 if @pfn is not free. */
static unsigned long rmp_free_block_rest(unsigned long pfn)
{
	unsigned int order;

	for (order = 0; order < RMP_NR_PAGE_ORDERS; order++) {
		unsigned long head_pfn = pfn & ~((1UL << order) - 1);
		struct page *head = pfn_to_online_page(head_pfn);
		unsigned long head_order;

		if (!head)
			return 0;	/* a larger block would span a hole: there is none */
		if (!PageBuddy(head))
			continue;
		head_order = rmp_buddy_order_unsafe(head);
		smp_rmb();	/* orders our two loads only (the zone-lock writers use plain stores): a second look */
		if (head_order < order || head_order >= RMP_NR_PAGE_ORDERS || !PageBuddy(head))
			continue;
		if (head_pfn & ((1UL << head_order) - 1))
			continue;	/* torn: a block's head is aligned to its size */
		return head_pfn + (1UL << head_order) - pfn;
	}
	return 0;
}

/*
 * How many PFNs from @pfn on (before @end) to skip, and why (@hole, else free); 0 for a PFN to report.
 */
unsigned long rmp_range_skip(unsigned long pfn, unsigned long end, bool *hole)
{
	unsigned long nr = pfn_to_section_nr(pfn), n;

	*hole = !pfn_to_online_page(pfn);
	if (!*hole)
		n = rmp_free_block_rest(pfn);
	else if (nr >= NR_MEM_SECTIONS)
		n = end - pfn;
	else if (!__nr_to_section(nr))	/* no root of sections there (SPARSEMEM_EXTREME) */
		n = section_nr_to_pfn(ALIGN(nr + 1, SECTIONS_PER_ROOT)) - pfn;
	else if (!valid_section_nr(nr))
		n = section_nr_to_pfn(nr + 1) - pfn;
	else
		n = ALIGN(pfn + 1, PAGES_PER_SUBSECTION) - pfn;
	return min(n, end - pfn);
}
