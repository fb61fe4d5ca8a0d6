// SPDX-License-Identifier: GPL-2.0
/*
 * rmap_probe: who maps this physical page?
 *
 * Given a PFN, find every page-table entry that maps it, by walking the reverse map the way mm/rmap.c does,
 * with our own copies of the steps the kernel does not export:
 *
 *   anon folio:  folio->mapping -> anon_vma -> anon_vma_chain interval tree -> vma
 *   file/shmem:  folio->mapping -> address_space->i_mmap interval tree -> vma
 *   KSM folio:   folio->mapping -> stable node -> rmap_items -> anon_vma trees (their layout from BTF), or
 *                where it is not known, every VM_MERGEABLE vma of every mm is searched (ksm_search.c)
 *   then:        vma + address -> pgd -> p4d -> pud -> pmd -> pte, checked under the page-table lock.
 *
 * One step per file: this one decides what the page is and whether to walk it, walk.c walks anon and file
 * folios, ksm.c walks KSM folios from their stable node and ksm_search.c searches for them, lookup.c checks the
 * page tables, report.c writes the answer and debugfs.c is the interface.
 *
 * Which pages are safe to walk: only a folio we hold a reference on, looked up again after the reference was
 * taken (page_folio() can change until then). A free page, a slab page, a page table, the zero page and pages
 * of drivers are not in the reverse map: they are described, not walked.
 *
 * Lock order (as in mm/rmap.c):
 *   folio_lock (trylock; file and, walked from their stable node, KSM folios)
 *     mapping->i_mmap_rwsem or anon_vma->root->rwsem (read; trylock, as folio_lock_anon_vma_read() does
 *       without a reference, since put_anon_vma() is not exported)
 *       page-table lock (pud: mm->page_table_lock; pmd and pte: split locks)
 *   mmap_lock (read, trylock) is taken alone, for the KSM search.
 * Nothing here ever waits for a lock another task holds: contention ends the attempt, which is retried a
 * bounded number of times and otherwise reported as "raced".
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/page_ref.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "compat.h"
#include "rmap_probe.h"

#define RMP_MAX_ATTEMPTS 5
/* A page mapped more often is refused (E2BIG) rather than listed: 1M mappings are ~100 MiB of report. */
#define RMP_MAX_MAPPINGS (1U << 20)
/* Doublings of the room for mappings a query may make (shared hugetlb tables): 16 reach RMP_MAX_MAPPINGS */
#define RMP_MAX_GROWTH 16

const char * const rmp_flag_names[] = {
	"locked", "referenced", "uptodate", "dirty", "lru", "active",
	"workingset", "writeback", "reclaim", "swapbacked", "swapcache",
	"unevictable", "mlocked", "reserved", "private", "hwpoison",
	"head", "tail", "thp", "hugetlb", "anon", "ksm", "mapped",
	"slab", "buddy", "pgtable", "zero", NULL
};

const char * const rmp_verdict_names[] = { "complete", "raced", "mismatch", "untracked", "unverified" };
const char * const rmp_level_names[] = { "pte", "pmd", "pud" };

/* The folio's flags with their stable meanings, after fs/proc/page.c:stable_page_flags(). */
static u64 rmp_folio_flags(struct folio *folio, struct page *page)
{
	u64 u = 0;

#define RMP_FLAG_IF(cond, bit) do { if (cond) u |= BIT_ULL(bit); } while (0)
	RMP_FLAG_IF(folio_test_locked(folio), RMP_F_LOCKED);
	RMP_FLAG_IF(folio_test_referenced(folio), RMP_F_REFERENCED);
	RMP_FLAG_IF(folio_test_uptodate(folio), RMP_F_UPTODATE);
	RMP_FLAG_IF(folio_test_dirty(folio), RMP_F_DIRTY);
	RMP_FLAG_IF(folio_test_lru(folio), RMP_F_LRU);
	RMP_FLAG_IF(folio_test_active(folio), RMP_F_ACTIVE);
	RMP_FLAG_IF(folio_test_workingset(folio), RMP_F_WORKINGSET);
	RMP_FLAG_IF(folio_test_writeback(folio), RMP_F_WRITEBACK);
	RMP_FLAG_IF(folio_test_reclaim(folio), RMP_F_RECLAIM);
	RMP_FLAG_IF(folio_test_swapbacked(folio), RMP_F_SWAPBACKED);
	RMP_FLAG_IF(folio_test_swapbacked(folio) && folio_test_swapcache(folio), RMP_F_SWAPCACHE);
	RMP_FLAG_IF(folio_test_unevictable(folio), RMP_F_UNEVICTABLE);
	RMP_FLAG_IF(folio_test_mlocked(folio), RMP_F_MLOCKED);
	RMP_FLAG_IF(PageReserved(page), RMP_F_RESERVED);
	RMP_FLAG_IF(folio_test_private(folio), RMP_F_PRIVATE);
	RMP_FLAG_IF(PageHWPoison(page), RMP_F_HWPOISON);
	RMP_FLAG_IF(folio_test_large(folio) && page == &folio->page, RMP_F_HEAD);
	RMP_FLAG_IF(folio_test_large(folio) && page != &folio->page, RMP_F_TAIL);
	RMP_FLAG_IF(folio_test_hugetlb(folio), RMP_F_HUGETLB);
	RMP_FLAG_IF(!folio_test_hugetlb(folio) && folio_test_large(folio) &&
		    (folio_test_lru(folio) || folio_test_anon(folio)), RMP_F_THP);
	RMP_FLAG_IF(folio_test_anon(folio), RMP_F_ANON);
	RMP_FLAG_IF(folio_test_ksm(folio), RMP_F_KSM);
#undef RMP_FLAG_IF
	return u;
}

/*
 * Room for @n mappings, made before any lock is taken: the walk itself never allocates, as reclaim under
 * i_mmap_rwsem or an anon_vma lock could wait on a writer queued behind us.
 */
static int rmp_reserve(struct rmp_report *r, size_t n)
{
	struct rmp_mapping *maps;

	if (n <= r->cap_maps)
		return 0;
	if (n > RMP_MAX_MAPPINGS)
		return -E2BIG;
	maps = kvmalloc_array(n, sizeof(*maps), GFP_KERNEL | __GFP_NOWARN);
	if (!maps)
		return -ENOMEM;
	kvfree(r->maps);
	r->maps = maps;
	r->cap_maps = n;
	return 0;
}

static int rmp_cmp_mapping(const void *a, const void *b)
{
	const struct rmp_mapping *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return x->mm < y->mm ? -1 : x->mm > y->mm;
}

/* Each page-table entry once (rmp_mappings_unique()), then the mappings by process and address. */
static void rmp_sort_unique(struct rmp_report *r)
{
	rmp_mappings_unique(r);
	sort(r->maps, r->nr_maps, sizeof(*r->maps), rmp_cmp_mapping, NULL);
}

static int rmp_cmp_entry(const void *a, const void *b)
{
	const struct rmp_mapping *x = a, *y = b;

	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/*
 * How many page-table entries the mappings are: what the mapcount counts. Processes that share a hugetlb PMD
 * table (huge_pmd_share(): shared hugetlb areas covering an aligned 1 GiB) each map the page through one
 * entry, counted once, as fs/proc/task_mmu.c knows (hugetlb_pmd_shared()). Only those are merged: any other
 * entry found twice under two addresses is a table that moved during the walk (mremap), not sharing.
 */
static size_t rmp_count_entries(struct rmp_report *r)
{
	const struct rmp_mapping *m, *prev;
	size_t i, n = 0;

	for (i = 0; i < r->nr_maps && !r->maps[i].shared_table; i++)
		;
	if (i == r->nr_maps)
		return r->nr_maps;	/* the usual case: no table shared, every mapping its own entry */
	sort(r->maps, r->nr_maps, sizeof(*r->maps), rmp_cmp_entry, NULL);
	for (i = 0; i < r->nr_maps; i++) {
		m = &r->maps[i];
		prev = i ? &r->maps[i - 1] : NULL;
		n += !(prev && m->shared_table && prev->shared_table && m->entry == prev->entry);
	}
	sort(r->maps, r->nr_maps, sizeof(*r->maps), rmp_cmp_mapping, NULL);
	return n;
}

/*
 * Pin the folio @page belongs to: a reference keeps it from being freed and reused, and page_folio() is
 * looked up again after taking it, since the page may have joined or left a large folio meanwhile
 * (as mm/page_idle.c:page_idle_get_folio()). NULL if the page is free, frozen, or changed folio.
 */
static struct folio *rmp_get_folio(struct page *page)
{
	struct folio *folio = page_folio(page);

	if (!folio_try_get(folio))
		return NULL;
	if (unlikely(page_folio(page) != folio)) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

/*
 * Slab pages and page tables, told apart first without a reference (7.x freezes a slab's refcount at 0, so it
 * cannot be pinned), and again once the page is pinned: before 7.x both have refcount 1, so a page that became
 * a slab or a page table after the first look is pinned all the same, and its ->mapping is then the slab's
 * kmem_cache (or a page table's padding), no address_space. Our reference keeps a page that is not one of
 * them at the second look from becoming one (only a free page is allocated), and the caller reads ->mapping
 * only after an smp_rmb() that pairs with the smp_wmb() between "->mapping = NULL" and the clearing of the
 * slab flag in __free_slab() (6.12, 7.x). 6.1's __free_slab() clears the flag and then ->mapping with no
 * barrier, so there a stale kmem_cache pointer can follow a clear flag: rmp_untracked_kind() then takes
 * ->mapping for an address_space only on a folio that is on the LRU or mapped, which a slab never is (and a
 * kmem_cache pointer never carries the anon bit).
 */
static const char *rmp_typed_kind(struct page *page, struct rmp_report *r)
{
	/* the folio's: 7.x keeps the slab type in the head page only, and PageSlab() there reads this page */
	if (folio_test_slab(page_folio(page))) {
		r->flags = BIT_ULL(RMP_F_SLAB);
		return "slab";
	}
	if (PageTable(page)) {
		r->flags = BIT_ULL(RMP_F_PGTABLE);
		return "pagetable";
	}
	return NULL;
}

/* What a pinned page is that the reverse map does not track, or NULL if it is one to walk. */
static const char *rmp_untracked_kind(struct folio *folio, struct page *page, struct rmp_report *r)
{
	const char *kind;

	/* before page_has_type(): from 6.9 hugetlb is itself a page type, kept in the head page */
	if (folio_test_hugetlb(folio))
		return NULL;
	kind = rmp_typed_kind(page, r);
	if (kind)
		return kind;
	smp_rmb();	/* the page's type before its ->mapping: see rmp_typed_kind() */
	if (page_has_type(page))
		return "other";
	if (PageReserved(page))
		return "reserved";
	if (folio_test_ksm(folio) || folio_test_anon(folio))
		return NULL;
	if (rmp_file_mapping(folio)) {
		/*
		 * Where __free_slab() clears PG_slab before ->mapping with nothing between (6.1), a clear flag
		 * does not prove ->mapping is no kmem_cache: there a page-cache folio is trusted once it is on the
		 * LRU or mapped, which a slab never is. One that is neither (in a per-CPU LRU batch, isolated by
		 * reclaim or compaction) is in transit: the attempt is raced, and retried.
		 */
		if (rmp_slab_mapping_ordered() || folio_test_lru(folio) || folio_mapped(folio))
			return NULL;
		r->verdict = RMP_RACED;
		r->note = "a page-cache folio off the LRU and unmapped: in transit";
		return "other";
	}
	/* kernel or driver memory, or a page no longer in any file */
	r->mapcount = rmp_page_mapcount(page);
	if (r->mapcount > 0)
		r->note = "mapped outside the reverse map (a driver's page)";
	return "other";
}

static const char *rmp_kind(struct folio *folio)
{
	if (folio_test_hugetlb(folio))
		return "hugetlb";
	if (folio_test_ksm(folio))
		return "ksm";
	if (folio_test_anon(folio))
		return "anon";
	if (folio_test_swapbacked(folio))
		return "shmem";
	return "file";
}

/* One attempt at the whole answer for @page. */
static int rmp_query_once(struct rmp_report *r, struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	struct folio *folio;
	const void *mapping;
	int before, ret;

	r->nr_maps = 0;
	r->nr_entries = 0;
	r->ksm_gap = false;
	r->ksm_walk = NULL;
	r->has_file = false;
	r->path = "";
	r->note = NULL;
	r->verdict = RMP_UNTRACKED;
	r->head_pfn = pfn;
	r->order = 0;
	r->node = page_to_nid(page);
	r->mapcount = 0;
	r->flags = 0;
	r->zone = page_zone(page)->name;
	r->hold.known = false;
	r->hold.migrate = NULL;
	r->hold.migrate_fn = NULL;

	if (is_zero_pfn(pfn)) {
		r->kind = "zero";
		r->flags = BIT_ULL(RMP_F_ZERO) | BIT_ULL(RMP_F_RESERVED);
		r->refcount = page_count(page);
		r->note = "the shared zero page is mapped without reverse-map tracking";
		return 0;
	}
	r->kind = rmp_typed_kind(page, r);
	if (r->kind) {
		r->refcount = page_count(page);
		return 0;
	}
	folio = rmp_get_folio(page);
	if (!folio) {
		/* nothing to pin: not in use, or in transit */
		r->refcount = 0;
		if (is_free_buddy_page(page)) {
			r->kind = "free";
			r->flags = BIT_ULL(RMP_F_BUDDY);
		} else if (atomic_read(&page->_mapcount) >= 0 || PageLocked(page)) {
			/*
			 * In use: mapped (reused since the pin failed), or locked: every freeze of an in-use folio
			 * holds its lock (split, migration, reclaim's __remove_mapping(), 6.1's collapse_file()),
			 * and a page is locked only once allocated (free_pages_prepare() clears the flag). Ask
			 * again. PageLocked() reads the head's flag, asserting nothing of an unpinned page.
			 */
			r->kind = "unused";
			r->verdict = RMP_RACED;
			r->note = "its refcount is frozen (a split, migration or reclaim in progress)";
		} else if (page_count(page)) {
			/* unfrozen (and unlocked) since the pin failed */
			r->kind = "unused";
			r->verdict = RMP_RACED;
			r->note = "its refcount was frozen for a moment";
		} else {
			r->kind = "unused";
			r->note = "refcount 0 outside the buddy allocator: on a per-cpu free list, a free hugetlb page, or being allocated or freed";
		}
		return 0;
	}
	r->head_pfn = folio_pfn(folio);
	r->order = folio_order(folio);
	r->flags = rmp_folio_flags(folio, page);
	r->node = folio_nid(folio);

	r->kind = rmp_untracked_kind(folio, page, r);
	if (r->kind) {
		r->refcount = folio_ref_count(folio) - 1;
		folio_put(folio);
		return 0;
	}
	r->kind = rmp_kind(folio);

	mapping = READ_ONCE(folio->mapping);
	before = rmp_page_mapcount(page);
	ret = rmp_reserve(r, max(rmp_page_mapcount_bound(page), 0) + 16);
	if (ret) {
		folio_put(folio);
		return ret;
	}
	if (folio_test_ksm(folio))
		ret = rmp_walk_ksm(r, folio, page);
	else if (folio_test_anon(folio))
		ret = rmp_walk_anon(r, folio, page);
	else
		ret = rmp_walk_file(r, folio, page);
	rmp_sort_unique(r);
	r->nr_entries = rmp_count_entries(r);
	r->mapcount = rmp_page_mapcount(page);
	r->refcount = folio_ref_count(folio) - 1;
	rmp_account_hold(r, folio);
	if (r->mapcount > 0)
		r->flags |= BIT_ULL(RMP_F_MAPPED);

	if (ret == -ENOSPC && folio_test_hugetlb(folio)) {
		/*
		 * Processes sharing a hugetlb PMD table are all mappings, of one counted entry: their number has
		 * no bound in the mapcount (huge_pmd_share() and fork add them without changing it). Room for twice
		 * as many, and the attempt again (rmp_query()).
		 */
		ret = -ENOBUFS;
	} else if (ret == -EAGAIN || ret == -ENOSPC) {
		r->verdict = RMP_RACED;
		if (!r->note)	/* a walk may have said why itself */
			r->note = ret == -EAGAIN ? "lock contention" : "more mappings appeared during the walk";
		ret = 0;
	} else if (before != r->mapcount || mapping != READ_ONCE(folio->mapping)) {
		r->verdict = RMP_RACED;
		r->note = "the page's mappings changed during the walk";
	} else if (!rmp_page_mapcount_exact(folio)) {
		r->verdict = RMP_UNVERIFIED;
		r->note = "this kernel keeps no per-page mapcount of large folios (CONFIG_NO_PAGE_MAPCOUNT): each mapping listed was confirmed, their number cannot be checked";
	} else if (r->nr_entries == r->mapcount) {
		r->verdict = RMP_COMPLETE;
	} else if (r->ksm_gap) {
		r->verdict = RMP_RACED;
		r->note = "the KSM search could not see every mm at once (an mmap_lock let go, or a process exiting)";
	} else {
		r->verdict = RMP_MISMATCH;
		r->note = "mapcount differs from the mappings found";
	}
	folio_put(folio);
	return ret;
}

/*
 * The answer for @pfn in @r: -ENXIO if no online memory is there, -ENOMEM; otherwise 0 with a verdict.
 * "raced" and "mismatch" are retried: either can be a page changing under the walk.
 */
int rmp_query(unsigned long pfn, struct rmp_report *r)
{
	struct page *page = pfn_to_online_page(pfn);
	int ret, grown = 0;

	if (!page)
		return -ENXIO;
	r->pfn = pfn;
	r->nodes = 0;
	r->vmas = 0;
	r->tables = 0;
	r->lock_ns = 0;
	r->ptl_ns = 0;
	r->lock_name = NULL;
	if (!r->path_buf) {
		r->path_buf = kmalloc(PATH_MAX, GFP_KERNEL);
		if (!r->path_buf)
			return -ENOMEM;
	}
	for (r->attempts = 1; ; r->attempts++) {
		ret = rmp_query_once(r, page);
		if (ret == -ENOBUFS && grown++ < RMP_MAX_GROWTH) {
			ret = rmp_reserve(r, 2 * r->cap_maps);
			if (ret)
				return ret;
			r->attempts--;	/* not a race: more room, and the same attempt again */
			continue;
		}
		if (ret == -ENOBUFS)
			return -E2BIG;
		/* only "raced" and "mismatch" can be a page changing under the walk */
		if (ret || (r->verdict != RMP_RACED && r->verdict != RMP_MISMATCH) ||
		    r->attempts == RMP_MAX_ATTEMPTS)
			break;
		if (fatal_signal_pending(current))
			return -EINTR;
		usleep_range(500, 1000);
	}
	return ret;
}

void rmp_report_free(struct rmp_report *r)
{
	kvfree(r->maps);
	kfree(r->path_buf);
	memset(r, 0, sizeof(*r));
}
