/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel lines rmap_probe builds for lives here, and LINUX_VERSION_CODE is tested
 * nowhere else. Each entry says which kernel changed what.
 */
#ifndef RMAP_PROBE_COMPAT_H
#define RMAP_PROBE_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
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
 * folio_precise_page_mapcount()).
 */
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

/* 7.3 ("mm: anonymous vmas carry their own page offset"): the anon rmap is keyed by vma_start_anon_pgoff(). */
static inline pgoff_t rmp_vma_anon_pgoff(struct vm_area_struct *vma)
{
	return vma->vm_pgoff;
}

/* The low bits of folio->mapping: PAGE_MAPPING_ANON, renamed FOLIO_MAPPING_ANON in 7.x. */
#define RMP_MAPPING_ANON	PAGE_MAPPING_ANON
static inline bool rmp_mapping_is_anon(unsigned long mapping)
{
	/* anon but not KSM (both bits), as folio_lock_anon_vma_read() checks */
	return (mapping & PAGE_MAPPING_FLAGS) == PAGE_MAPPING_ANON;
}

/* mm->owner exists only with CONFIG_MEMCG; without it there is no cheap owner to name. */
static inline struct task_struct *rmp_mm_owner_task(struct mm_struct *mm)
{
#ifdef CONFIG_MEMCG
	return rcu_dereference(mm->owner);
#else
	return NULL;
#endif
}

/* Entry bits that depend on the architecture's options rather than on the kernel version. */
static inline bool rmp_pte_uffd_wp(pte_t pte)
{
#ifdef CONFIG_HAVE_ARCH_USERFAULTFD_WP
	return pte_uffd_wp(pte);
#else
	return false;
#endif
}

static inline bool rmp_pmd_uffd_wp(pmd_t pmd)
{
#ifdef CONFIG_HAVE_ARCH_USERFAULTFD_WP
	return pmd_uffd_wp(pmd);
#else
	return false;
#endif
}

static inline bool rmp_pmd_soft_dirty(pmd_t pmd)
{
#ifdef CONFIG_HAVE_ARCH_SOFT_DIRTY
	return pmd_soft_dirty(pmd);
#else
	return false;
#endif
}

static inline void rmp_task_comm(char *buf, size_t size, struct task_struct *task)
{
	__get_task_comm(buf, size, task);
}

#endif /* RMAP_PROBE_COMPAT_H */
