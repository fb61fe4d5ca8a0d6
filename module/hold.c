// SPDX-License-Identifier: GPL-2.0
/*
 * What holds a folio: its references accounted for as migration counts them (folio_expected_ref_count() of
 * 7.x, folio_expected_refs() before), the rest named "extra", and what its mapping and pageblock allow. This
 * is what rmapctl explain reads to say why a folio will not migrate, be reclaimed or be offlined.
 *
 * Called with the folio pinned by the query (that reference is not counted): the pin keeps the folio, and
 * its memory section online, since offlining cannot migrate a pinned page, except a hwpoisoned one, which
 * offlining skips whatever its refcount (6.1 mm/page_isolation.c, mm/memory_hotplug.c do_migrate_range()):
 * the section's usemap is read under RCU and only while ->usage is there (section_deactivate() frees it with
 * kfree_rcu() after clearing it), and not at all for a hwpoisoned page.
 * Everything is read without locks, as /proc/kpageflags reads it: a snapshot, each value as fresh as a single
 * load, which is what a user asking "why" can act on.
 */
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pagemap.h>
#include "compat.h"
#include "rmap_probe.h"

static const char *rmp_migratetype_name(int mt, bool isolated)
{
	if (isolated)
		return "isolate";
	switch (mt) {
	case MIGRATE_UNMOVABLE:
		return "unmovable";
	case MIGRATE_MOVABLE:
		return "movable";
	case MIGRATE_RECLAIMABLE:
		return "reclaimable";
	case MIGRATE_HIGHATOMIC:
		return "highatomic";
#ifdef CONFIG_CMA
	case MIGRATE_CMA:
		return "cma";
#endif
#ifdef CONFIG_MEMORY_ISOLATION
	case MIGRATE_ISOLATE:
		return "isolate";
#endif
	}
	return "unknown";
}

/*
 * How a file's folios migrate: with the mapping's migrate_folio(), or without one through
 * fallback_migrate_folio(), which moves only clean folios (dirty ones are written back first, where the
 * migration mode allows it). Called with the folio locked and still in @mapping (rmp_walk_file()), which
 * keeps the inode and so its a_ops.
 */
const char *rmp_mapping_migrate(struct rmp_report *r, struct address_space *mapping)
{
	r->hold.migrate_fn = mapping->a_ops->migrate_folio;
	return mapping->a_ops->migrate_folio ? "migrate_folio" : "fallback";
}

/*
 * The references of r->refcount (read once, the query's own not counted) as migration expects them; the rest
 * is "extra".
 */
void rmp_account_hold(struct rmp_report *r, struct folio *folio)
{
	struct rmp_hold *h = &r->hold;
	int mt;

	h->known = true;
	h->mapped = rmp_folio_mapcount(folio);
	h->cache = 0;
	h->private = 0;
	if (folio_test_swapcache(folio))
		h->cache = folio_nr_pages(folio);
	if (!folio_test_anon(folio)) {
		if (READ_ONCE(folio->mapping))
			h->cache += rmp_page_cache_refs(folio);
		h->private = folio_test_private(folio);
	}
	h->extra = r->refcount - h->mapped - h->cache - h->private;
	/*
	 * A large folio counts its pins (every line here keeps _pincount for order >= 1 on 64-bit); a small one
	 * only adds GUP_PIN_COUNTING_BIAS to its refcount, which folio_maybe_dma_pinned() compares with the whole
	 * refcount: a page mapped 1024 times would pass for pinned. Its references beyond the expected ones do not.
	 */
	if (folio_test_large(folio)) {
		h->pincount = rmp_folio_pincount(folio);
		h->dma_pinned = h->pincount > 0;
	} else {
		h->pincount = -1;
		h->dma_pinned = h->extra >= (int)GUP_PIN_COUNTING_BIAS;
	}
	if (folio_test_hugetlb(folio))
		/* cleared while the folio is isolated for migration, set once it is in use */
		h->migrate = folio_test_hugetlb_migratable(folio) ? "migrate_folio" : "isolated";
	else if (folio_test_anon(folio) || folio_test_swapcache(folio))
		h->migrate = "migrate_folio";	/* anon's own, or the swap cache's */
	else if (!h->migrate && rmp_file_mapping(folio))
		h->migrate = "unknown";		/* its lock was taken: the a_ops were not read */
	else if (!h->migrate)
		h->migrate = "none";		/* no longer in a file: nothing to move it with */
	h->pageblock = "unknown";
	h->isolated = false;
	if (!PageHWPoison(folio_page(folio, 0)) && rmp_pageblock_migratetype(r->pfn, &mt, &h->isolated))
		h->pageblock = rmp_migratetype_name(mt, h->isolated);
}
