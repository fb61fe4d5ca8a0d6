/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel lines rmap_probe builds for lives here, and LINUX_VERSION_CODE is tested
 * nowhere else. Each entry says which kernel changed what.
 */
#ifndef RMAP_PROBE_COMPAT_H
#define RMAP_PROBE_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/page-isolation.h>
#include <linux/pageblock-flags.h>
#include <linux/pgtable.h>
#include <linux/sched.h>

/* 6.5 ("mm/pgtable: add pmdp_get_lockless()"): before it, a plain read is atomic on 64-bit. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
static inline pmd_t rmp_pmdp_get_lockless(pmd_t *pmdp)
{
	return READ_ONCE(*pmdp);
}
#else
#define rmp_pmdp_get_lockless pmdp_get_lockless
#endif

/*
 * The page's offset in its mapping, in base pages. Until 6.7 ("hugetlb: convert to base-page index") a hugetlb
 * folio's index counted huge pages.
 */
static inline pgoff_t rmp_page_pgoff(struct folio *folio, struct page *page)
{
	pgoff_t index = folio->index;

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	if (folio_test_hugetlb(folio))
		index <<= folio_order(folio);
#endif
	return index + folio_page_idx(folio, page);
}

/*
 * How many page-table entries map this page: its own PTE mappings plus the PMD/PUD mappings of its folio, as
 * /proc/kpagecount shows. 6.12 dropped page_mapcount() from mm.h (fs/proc keeps the same sum as
 * folio_precise_page_mapcount()). 6.15 made the per-page counts of large folios optional: with
 * CONFIG_NO_PAGE_MAPCOUNT (where a distribution enables it) only the folio's total is kept, and fs/proc/page.c
 * shows for each page the folio's average (folio_average_page_mapcount(), at least 1 when mapped); so does
 * this, and rmp_page_mapcount_exact() says that the number is no count of this page's own entries.
 */
#ifdef CONFIG_NO_PAGE_MAPCOUNT
static inline bool rmp_page_mapcount_exact(struct folio *folio)
{
	return !folio_test_large(folio) || folio_test_hugetlb(folio);
}

static inline int rmp_page_mapcount(struct page *page)
{
	struct folio *folio = page_folio(page);
	int mapcount, entire, avg;

	if (!folio_test_large(folio)) {
		mapcount = atomic_read(&page->_mapcount) + 1;
		return page_mapcount_is_type(mapcount) ? 0 : mapcount;
	}
	entire = folio_entire_mapcount(folio);
	if (folio_test_hugetlb(folio))
		return entire;
	mapcount = folio_large_mapcount(folio);
	if (mapcount <= 0)
		return 0;
	if (mapcount <= entire)
		return entire;
	mapcount -= entire;
	avg = ((unsigned int)mapcount + (1U << folio_large_order(folio)) / 2) >> folio_large_order(folio);
	return max(avg + entire, 1);
}

/* At most how many entries map this page: here the folio's total, as the average can be far below it. */
static inline int rmp_page_mapcount_bound(struct page *page)
{
	struct folio *folio = page_folio(page);

	if (rmp_page_mapcount_exact(folio))
		return rmp_page_mapcount(page);
	return folio_large_mapcount(folio);
}
#else
static inline bool rmp_page_mapcount_exact(struct folio *folio)
{
	return true;
}

static inline int rmp_page_mapcount(struct page *page)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	return page_mapcount(page);
#else
	struct folio *folio = page_folio(page);
	int mapcount = atomic_read(&page->_mapcount) + 1;

	if (page_mapcount_is_type(mapcount))
		mapcount = 0;
	if (folio_test_large(folio))
		mapcount += folio_entire_mapcount(folio);
	return mapcount;
#endif
}

static inline int rmp_page_mapcount_bound(struct page *page)
{
	return rmp_page_mapcount(page);
}
#endif

/*
 * 6.1's __free_slab() clears PG_slab and then ->mapping with nothing between; by 6.12 it sets ->mapping to
 * NULL, smp_wmb(), and then clears the flag, so a reader that saw the flag clear, after smp_rmb(), sees
 * NULL or a real mapping.
 */
static inline bool rmp_slab_mapping_ordered(void)
{
	return LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0);
}

/*
 * 7.3: anonymous vmas carry their own page offset (absent from 7.2), and the anon rmap is keyed by it
 * rather than by vm_pgoff.
 */
static inline pgoff_t rmp_vma_anon_pgoff(struct vm_area_struct *vma)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 3, 0)
	return vma->vm_pgoff;
#else
	return vma_start_anon_pgoff(vma);
#endif
}

/* The low bits of folio->mapping: PAGE_MAPPING_* were renamed FOLIO_MAPPING_* (present in 7.2). */
#ifdef FOLIO_MAPPING_ANON
#define RMP_MAPPING_ANON	FOLIO_MAPPING_ANON
#define RMP_MAPPING_FLAGS	FOLIO_MAPPING_FLAGS
#else
#define RMP_MAPPING_ANON	PAGE_MAPPING_ANON
#define RMP_MAPPING_FLAGS	PAGE_MAPPING_FLAGS
#endif

static inline bool rmp_mapping_is_anon(unsigned long mapping)
{
	/* anon but not KSM (both bits), as folio_lock_anon_vma_read() checks */
	return (mapping & RMP_MAPPING_FLAGS) == RMP_MAPPING_ANON;
}

/* Has KSM seen this mm (madvise(MADV_MERGEABLE) or prctl(PR_SET_MEMORY_MERGE))? 6.18 made mm->flags a bitmap. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 18, 0)
#include <linux/sched/coredump.h>
static inline bool rmp_mm_ksm_enabled(struct mm_struct *mm)
{
	return test_bit(MMF_VM_MERGEABLE, &mm->flags);
}
#else
static inline bool rmp_mm_ksm_enabled(struct mm_struct *mm)
{
	return mm_flags_test(MMF_VM_MERGEABLE, mm);
}
#endif

/* mm->owner exists only with CONFIG_MEMCG; without it there is no cheap owner to name. */
static inline struct task_struct *rmp_mm_owner_task(struct mm_struct *mm)
{
#ifdef CONFIG_MEMCG
	return rcu_dereference(mm->owner);
#else
	return NULL;
#endif
}

/*
 * The userfaultfd write-protect bit: pte_uffd_wp() became pte_uffd() in 7.3 (x86's _PAGE_BIT_UFFD_WP became
 * _PAGE_BIT_UFFD), and it exists only where the architecture has it.
 */
#if !defined(CONFIG_HAVE_ARCH_USERFAULTFD_WP)
#define rmp_pte_uffd_wp(pte)	false
#define rmp_pmd_uffd_wp(pmd)	false
#elif defined(_PAGE_BIT_UFFD_WP)
#define rmp_pte_uffd_wp(pte)	pte_uffd_wp(pte)
#define rmp_pmd_uffd_wp(pmd)	pmd_uffd_wp(pmd)
#else
#define rmp_pte_uffd_wp(pte)	pte_uffd(pte)
#define rmp_pmd_uffd_wp(pmd)	pmd_uffd(pmd)
#endif

static inline bool rmp_pmd_soft_dirty(pmd_t pmd)
{
#ifdef CONFIG_HAVE_ARCH_SOFT_DIRTY
	return pmd_soft_dirty(pmd);
#else
	return false;
#endif
}

/*
 * The number of buddy orders: 6.8 ("mm, treewide: introduce NR_PAGE_ORDERS") named it; 6.4 ("mm: make
 * MAX_ORDER inclusive") made MAX_ORDER the top order; before, as on 6.1, orders run 0 to MAX_ORDER - 1.
 */
#ifdef NR_PAGE_ORDERS
#define RMP_NR_PAGE_ORDERS	NR_PAGE_ORDERS
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define RMP_NR_PAGE_ORDERS	(MAX_ORDER + 1)
#else
#define RMP_NR_PAGE_ORDERS	MAX_ORDER
#endif

/*
 * A free buddy block's order, read without the zone lock: mm/internal.h's buddy_order_unsafe(), which is not
 * in the headers. Every line keeps it in the head page's ->private (set_buddy_order() is
 * set_page_private(page, order)). It can be stale or torn: callers bound it to a valid order and an aligned
 * block containing the PFN (as compaction does), so a wrong value can only misjudge that one block.
 */
static inline unsigned long rmp_buddy_order_unsafe(struct page *page)
{
	return READ_ONCE(page->private);
}

/*
 * How many page-table entries map the folio, each holding a reference: folio_mapcount(). 6.1's is out of line
 * and not exported, so this is its copy (PG_double_map went in 6.2); later lines have it inline. Lines between
 * are not built.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
static inline int rmp_folio_mapcount(struct folio *folio)
{
	int i, compound, nr, ret;

	if (likely(!folio_test_large(folio)))
		return atomic_read(&folio->_mapcount) + 1;
	compound = folio_entire_mapcount(folio);
	if (folio_test_hugetlb(folio))
		return compound;
	ret = compound;
	nr = folio_nr_pages(folio);
	for (i = 0; i < nr; i++)
		ret += atomic_read(&folio_page(folio, i)->_mapcount) + 1;
	/* file pages have the compound mapcount included in _mapcount */
	if (!folio_test_anon(folio))
		return ret - compound * nr;
	if (folio_test_double_map(folio))
		ret -= nr;
	return ret;
}
#else
#define rmp_folio_mapcount folio_mapcount
#endif

/*
 * The references a folio in the page cache holds from it: one per page, except hugetlb folios before 6.7
 * ("mm/filemap: remove hugetlb special casing in filemap.c"), which held one.
 */
static inline int rmp_page_cache_refs(struct folio *folio)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	if (folio_test_hugetlb(folio))
		return 1;
#endif
	return folio_nr_pages(folio);
}

/* A large folio's own count of DMA pins: in its first tail page until 6.3, then folio->_pincount. */
static inline int rmp_folio_pincount(struct folio *folio)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
	return atomic_read(folio_pincount_ptr(folio));
#else
	return atomic_read(&folio->_pincount);
#endif
}

/*
 * The pageblock's migratetype and whether it is isolated (false: the section is going away), read from the
 * section's usemap as
 * get_pfnblock_flags_mask() (6.1, 6.12) and get_pfnblock_migratetype() (7.x) do: neither is exported. 6.1 and 6.12 keep isolation as a
 * migratetype (MIGRATE_ISOLATE); by 7.3 ("mm/page_isolation: make page isolation a standalone bit") it is a
 * bit of its own, beside an unchanged migratetype.
 */
static inline bool rmp_pageblock_migratetype(unsigned long pfn, int *mt, bool *isolated)
{
	struct mem_section *ms = __pfn_to_section(pfn);
	struct mem_section_usage *usage;
	unsigned long bitidx, word = 0, *bitmap;
	bool ok = false;

	rcu_read_lock();
	usage = READ_ONCE(ms->usage);
	if (usage && valid_section(ms)) {
		bitidx = ((pfn & (PAGES_PER_SECTION - 1)) >> pageblock_order) * NR_PAGEBLOCK_BITS;
		/* through a pointer, as section_to_usemap(): 7.3 declares the array [0], bounds-checked */
		bitmap = usage->pageblock_flags;
		word = READ_ONCE(bitmap[bitidx / BITS_PER_LONG]) >> (bitidx % BITS_PER_LONG);
		ok = true;
	}
	rcu_read_unlock();
#ifdef PAGEBLOCK_MIGRATETYPE_MASK
	*isolated = word & PAGEBLOCK_ISO_MASK;
	*mt = word & PAGEBLOCK_MIGRATETYPE_MASK;
#else
	*isolated = is_migrate_isolate(word & MIGRATETYPE_MASK);
	*mt = word & MIGRATETYPE_MASK;
#endif
	return ok;
}

#endif /* RMAP_PROBE_COMPAT_H */
