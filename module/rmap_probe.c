// SPDX-License-Identifier: GPL-2.0
/*
 * rmap_probe: who maps this physical page?
 *
 * Given a PFN, find every page-table entry that maps it, by walking the reverse map the way mm/rmap.c does,
 * with our own copies of the steps the kernel does not export:
 *
 *   anon folio:  folio->mapping -> anon_vma -> anon_vma_chain interval tree -> vma
 *   file/shmem:  folio->mapping -> address_space->i_mmap interval tree -> vma
 *   KSM folio:   its rmap is private to mm/ksm.c, so every VM_MERGEABLE vma of every mm is searched
 *   then:        vma + address -> pgd -> p4d -> pud -> pmd -> pte, checked under the page-table lock.
 *
 * Which pages are safe to walk: only a folio we hold a reference on, looked up again after the reference was
 * taken (page_folio() can change until then). A free page, a slab page, a page table, the zero page and pages
 * of drivers are not in the reverse map: they are described, not walked.
 *
 * Lock order (as in mm/rmap.c):
 *   folio_lock (trylock, file folios only)
 *     mapping->i_mmap_rwsem or anon_vma->root->rwsem (read; trylock, as folio_lock_anon_vma_read() does
 *       without a reference, since put_anon_vma() is not exported)
 *       page-table lock (pud: mm->page_table_lock; pmd and pte: split locks)
 *   mmap_lock (read, trylock) is taken alone, for the KSM search.
 * Nothing here ever waits for a lock another task holds: contention ends the attempt, which is retried a
 * bounded number of times and otherwise reported as "raced".
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/interval_tree_generic.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/page_ref.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "compat.h"
#include "rmap_probe.h"

#define RMP_MAX_ATTEMPTS 5

static inline unsigned long rmp_vma_start_pgoff(struct vm_area_struct *vma)
{
	return vma->vm_pgoff;
}

static inline unsigned long rmp_vma_last_pgoff(struct vm_area_struct *vma)
{
	return vma->vm_pgoff + vma_pages(vma) - 1;
}

static inline unsigned long rmp_avc_start_pgoff(struct anon_vma_chain *avc)
{
	return rmp_vma_anon_pgoff(avc->vma);
}

static inline unsigned long rmp_avc_last_pgoff(struct anon_vma_chain *avc)
{
	return rmp_vma_anon_pgoff(avc->vma) + vma_pages(avc->vma) - 1;
}

/*
 * The kernel's own interval-tree search (mm/interval_tree.c), instantiated here over the same nodes: the
 * kernel keeps their rb_subtree_last current, and its iterators are not exported. Only the lookups are used.
 */
INTERVAL_TREE_DEFINE(struct vm_area_struct, shared.rb, unsigned long, shared.rb_subtree_last,
		     rmp_vma_start_pgoff, rmp_vma_last_pgoff, static inline, rmp_file_tree)
INTERVAL_TREE_DEFINE(struct anon_vma_chain, rb, unsigned long, rb_subtree_last,
		     rmp_avc_start_pgoff, rmp_avc_last_pgoff, static inline, rmp_anon_tree)

enum {
	RMP_F_LOCKED, RMP_F_REFERENCED, RMP_F_UPTODATE, RMP_F_DIRTY, RMP_F_LRU, RMP_F_ACTIVE,
	RMP_F_WORKINGSET, RMP_F_WRITEBACK, RMP_F_RECLAIM, RMP_F_SWAPBACKED, RMP_F_SWAPCACHE,
	RMP_F_UNEVICTABLE, RMP_F_MLOCKED, RMP_F_RESERVED, RMP_F_PRIVATE, RMP_F_HWPOISON,
	RMP_F_HEAD, RMP_F_TAIL, RMP_F_THP, RMP_F_HUGETLB, RMP_F_ANON, RMP_F_KSM, RMP_F_MAPPED,
	RMP_F_SLAB, RMP_F_BUDDY, RMP_F_PGTABLE, RMP_F_ZERO, RMP_NR_FLAGS
};

const char * const rmp_flag_names[] = {
	"locked", "referenced", "uptodate", "dirty", "lru", "active",
	"workingset", "writeback", "reclaim", "swapbacked", "swapcache",
	"unevictable", "mlocked", "reserved", "private", "hwpoison",
	"head", "tail", "thp", "hugetlb", "anon", "ksm", "mapped",
	"slab", "buddy", "pgtable", "zero", NULL
};

const char * const rmp_verdict_names[] = { "complete", "raced", "mismatch", "untracked" };
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
	maps = kvmalloc_array(n, sizeof(*maps), GFP_KERNEL);
	if (!maps)
		return -ENOMEM;
	kvfree(r->maps);
	r->maps = maps;
	r->cap_maps = n;
	return 0;
}

/* -ENOSPC when more mappings turn up than the mapcount promised: the page changed, try again. */
static int rmp_add_mapping(struct rmp_report *r, const struct rmp_mapping *m)
{
	if (r->nr_maps == r->cap_maps)
		return -ENOSPC;
	r->maps[r->nr_maps++] = *m;
	return 0;
}

/* Who owns an mm: mm->owner where the kernel keeps one (CONFIG_MEMCG), as memory cgroups charge to it. */
static void rmp_mm_owner(struct mm_struct *mm, struct rmp_mapping *m)
{
	struct task_struct *task;

	m->pid = 0;
	m->comm[0] = '\0';
	rcu_read_lock();
	task = rmp_mm_owner_task(mm);
	if (task) {
		m->pid = task_tgid_nr(task);
		get_task_comm(m->comm, task);
	}
	rcu_read_unlock();
}

static bool rmp_pfn_in(unsigned long pfn, unsigned long first, unsigned long nr)
{
	return pfn >= first && pfn < first + nr;
}

/*
 * Does the entry at @addr in @vma's page tables map @pfn? Fills @m's level and bits if so. The caller holds
 * the rmap lock that keeps @vma's page tables from being freed (6.1), and the RCU read lock here covers
 * kernels that free PTE tables under RCU (6.5 on): the pmd is read locklessly, the PTE table mapped from that
 * value, and the pmd re-checked under the PTE lock, as __pte_offset_map_lock() does.
 */
static bool rmp_lookup(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn,
		       struct rmp_mapping *m)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud, pudval;
	pmd_t *pmd, pmdval;
	pte_t *ptep, pte;
	bool found = false;

	pgd = pgd_offset(mm, addr);
	if (pgd_none(READ_ONCE(*pgd)) || pgd_bad(READ_ONCE(*pgd)))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)) || p4d_bad(READ_ONCE(*p4d)))
		return false;
	pud = pud_offset(p4d, addr);
	pudval = READ_ONCE(*pud);
	if (pud_none(pudval) || pud_leaf(pudval)) {
		/* decided under the lock: a fault adds the rmap and sets the entry in one locked section */
		ptl = pud_lock(mm, pud);
		pudval = READ_ONCE(*pud);
		if (pud_leaf(pudval) && pud_present(pudval) &&
		    rmp_pfn_in(pfn, pud_pfn(pudval), PUD_SIZE >> PAGE_SHIFT)) {
			m->level = RMP_PUD;
			m->writable = pud_write(pudval);
			m->dirty = pud_dirty(pudval);
			m->young = pud_young(pudval);
			found = true;
		}
		spin_unlock(ptl);
		if (found || pud_none(pudval) || pud_leaf(pudval))
			return found;
	}
	if (pud_bad(pudval))
		return false;
	pmd = pmd_offset(pud, addr);
again:
	pmdval = rmp_pmdp_get_lockless(pmd);
	if (pmd_none(pmdval) || !pmd_present(pmdval) || pmd_leaf(pmdval)) {
		/*
		 * As for the pud: a THP fault adds the rmap before it sets the pmd, both under the pmd lock, so
		 * an empty pmd read without the lock may still be counted in the mapcount.
		 */
		ptl = pmd_lock(mm, pmd);
		pmdval = *pmd;
		if (pmd_present(pmdval) && !pmd_leaf(pmdval)) {
			spin_unlock(ptl);
			goto again;	/* a PTE table now */
		}
		if (pmd_present(pmdval) && rmp_pfn_in(pfn, pmd_pfn(pmdval), HPAGE_PMD_NR)) {
			m->level = RMP_PMD;
			m->writable = pmd_write(pmdval);
			m->dirty = pmd_dirty(pmdval);
			m->young = pmd_young(pmdval);
			m->soft_dirty = rmp_pmd_soft_dirty(pmdval);
			m->uffd_wp = rmp_pmd_uffd_wp(pmdval);
			found = true;
		}
		spin_unlock(ptl);
		return found;	/* a migration entry maps nothing now */
	}
	if (pmd_bad(pmdval))
		return false;

	rcu_read_lock();
	ptep = pte_offset_kernel(&pmdval, addr);
	ptl = pte_lockptr(mm, &pmdval);
	spin_lock(ptl);
	if (unlikely(!pmd_same(pmdval, rmp_pmdp_get_lockless(pmd)))) {
		spin_unlock(ptl);
		rcu_read_unlock();
		goto again;
	}
	pte = ptep_get(ptep);
	if (pte_present(pte) && pte_pfn(pte) == pfn) {
		m->level = RMP_PTE;
		m->writable = pte_write(pte);
		m->dirty = pte_dirty(pte);
		m->young = pte_young(pte);
		m->soft_dirty = pte_soft_dirty(pte);
		m->uffd_wp = rmp_pte_uffd_wp(pte);
		found = true;
	}
	spin_unlock(ptl);
	rcu_read_unlock();
	return found;
}

/* Record the mapping of @pfn at @addr in @vma, if the page tables confirm it. */
static int rmp_check_vma(struct rmp_report *r, struct vm_area_struct *vma, unsigned long addr,
			 unsigned long pfn)
{
	struct rmp_mapping m = { };

	if (!rmp_lookup(vma, addr, pfn, &m))
		return 0;
	rmp_mm_owner(vma->vm_mm, &m);
	m.mm = vma->vm_mm;
	m.vaddr = addr;
	m.vma_start = vma->vm_start;
	m.vma_end = vma->vm_end;
	m.vm_flags = vma->vm_flags;
	if (vma->vm_file && !r->path[0] && r->path_buf) {
		char *p = d_path(&vma->vm_file->f_path, r->path_buf, PATH_MAX);

		if (!IS_ERR(p))
			r->path = p;
	}
	return rmp_add_mapping(r, &m);
}

/*
 * Where @vma, whose first page has offset @vma_pgoff, maps page offset @pgoff; -EFAULT if it does not cover
 * it (as mm/internal.h:vma_address()).
 */
static unsigned long rmp_vma_address(struct vm_area_struct *vma, pgoff_t vma_pgoff, pgoff_t pgoff)
{
	unsigned long addr;

	if (pgoff < vma_pgoff)
		return -EFAULT;
	addr = vma->vm_start + ((pgoff - vma_pgoff) << PAGE_SHIFT);
	if (addr < vma->vm_start || addr >= vma->vm_end)
		return -EFAULT;
	return addr;
}

/* Anonymous folios: the locking of folio_lock_anon_vma_read(), then the walk of rmap_walk_anon(). */
static int rmp_walk_anon(struct rmp_report *r, struct folio *folio, struct page *page)
{
	unsigned long pfn = page_to_pfn(page), mapping, addr;
	pgoff_t pgoff = rmp_page_pgoff(folio, page);
	struct anon_vma *anon_vma, *root;
	struct anon_vma_chain *avc;
	int ret = 0;

	rcu_read_lock();
	mapping = (unsigned long)READ_ONCE(folio->mapping);
	if (!rmp_mapping_is_anon(mapping) || !folio_mapped(folio)) {
		rcu_read_unlock();
		return 0;
	}
	/* anon_vma is SLAB_TYPESAFE_BY_RCU: its root can be read until we know it is still ours. */
	anon_vma = (struct anon_vma *)(mapping - RMP_MAPPING_ANON);
	root = READ_ONCE(anon_vma->root);
	if (!down_read_trylock(&root->rwsem)) {
		rcu_read_unlock();
		return -EAGAIN;
	}
	rcu_read_unlock();
	/* Still mapped: then this anon_vma is still the folio's, and the lock keeps it (anon_vma_free()). */
	if (!folio_mapped(folio))
		goto out;

	for (avc = rmp_anon_tree_iter_first(&anon_vma->rb_root, pgoff, pgoff); avc;
	     avc = rmp_anon_tree_iter_next(avc, pgoff, pgoff)) {
		addr = rmp_vma_address(avc->vma, rmp_vma_anon_pgoff(avc->vma), pgoff);
		if (addr == -EFAULT)
			continue;
		ret = rmp_check_vma(r, avc->vma, addr, pfn);
		if (ret)
			break;
		cond_resched();
	}
out:
	up_read(&root->rwsem);
	return ret;
}

/*
 * The address_space of a page-cache folio; NULL for anonymous and KSM folios and for mappings with flag bits
 * (non-LRU movable pages of zsmalloc or balloon drivers), which are no address_space at all.
 */
static struct address_space *rmp_file_mapping(struct folio *folio)
{
	unsigned long mapping = (unsigned long)READ_ONCE(folio->mapping);

	if (mapping & RMP_MAPPING_FLAGS)
		return NULL;
	return (struct address_space *)mapping;
}

/* Called with the folio locked and still in @mapping, which pins the inode against eviction. */
static void rmp_describe_file(struct rmp_report *r, struct address_space *mapping, struct folio *folio,
			      struct page *page)
{
	struct inode *inode = mapping->host;

	r->has_file = true;
	r->ino = inode->i_ino;
	r->dev = inode->i_sb->s_dev;
	r->index = rmp_page_pgoff(folio, page);
}

/* A path for a page no process maps: relative to its filesystem's root, as no mount is at hand. */
static void rmp_path_of_inode(struct rmp_report *r, struct inode *inode)
{
	struct dentry *dentry = d_find_alias(inode);
	char *p;

	if (!dentry)
		return;
	p = dentry_path_raw(dentry, r->path_buf, PATH_MAX);
	if (!IS_ERR(p))
		r->path = p;
	dput(dentry);
}

/* File and shmem folios: the folio lock keeps ->mapping from truncation, i_mmap_rwsem the vma tree. */
static int rmp_walk_file(struct rmp_report *r, struct folio *folio, struct page *page)
{
	unsigned long pfn = page_to_pfn(page), addr;
	pgoff_t pgoff = rmp_page_pgoff(folio, page);
	struct address_space *mapping;
	struct vm_area_struct *vma;
	int ret = 0;

	if (!folio_trylock(folio))
		return -EAGAIN;
	mapping = rmp_file_mapping(folio);
	if (!mapping)
		goto unlock_folio;	/* truncated, or no longer a file page */
	rmp_describe_file(r, mapping, folio, page);
	if (!i_mmap_trylock_read(mapping)) {
		ret = -EAGAIN;
		goto unlock_folio;
	}
	for (vma = rmp_file_tree_iter_first(&mapping->i_mmap, pgoff, pgoff); vma;
	     vma = rmp_file_tree_iter_next(vma, pgoff, pgoff)) {
		addr = rmp_vma_address(vma, vma->vm_pgoff, pgoff);
		if (addr == -EFAULT)
			continue;
		ret = rmp_check_vma(r, vma, addr, pfn);
		if (ret)
			break;
		cond_resched();
	}
	i_mmap_unlock_read(mapping);
	if (!ret && !r->path[0])
		rmp_path_of_inode(r, mapping->host);
unlock_folio:
	folio_unlock(folio);
	return ret;
}

/* Search every page of @vma for a mapping of @pfn. */
static int rmp_scan_vma(struct rmp_report *r, struct vm_area_struct *vma, unsigned long pfn)
{
	unsigned long addr;
	int ret;

	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		ret = rmp_check_vma(r, vma, addr, pfn);
		if (ret)
			return ret;
		if (!(addr & (PMD_SIZE - 1)))
			cond_resched();
	}
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

/*
 * Sort the mappings by process and address, and count each page-table entry once: while a vma is split or
 * merged, the tree briefly holds two vmas of one mm covering the same address (__split_vma() links the new
 * vma before it shrinks the old one), and the walk finds the same entry through both.
 */
static void rmp_sort_unique(struct rmp_report *r)
{
	size_t i, n = 0;

	sort(r->maps, r->nr_maps, sizeof(*r->maps), rmp_cmp_mapping, NULL);
	for (i = 0; i < r->nr_maps; i++) {
		if (n && r->maps[n - 1].mm == r->maps[i].mm && r->maps[n - 1].vaddr == r->maps[i].vaddr)
			continue;
		r->maps[n++] = r->maps[i];
	}
	r->nr_maps = n;
}

static int rmp_cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The mms of all processes, each with a reference (mmget), each once. */
static struct mm_struct **rmp_collect_mms(size_t *nr)
{
	struct task_struct *p;
	struct mm_struct **mms, *mm;
	size_t cap = 0, n = 0, i, j;

	rcu_read_lock();
	for_each_process(p)
		cap++;
	rcu_read_unlock();
	cap += 64;	/* forks while we allocate: their pages show up as a changed mapcount */
	mms = kvmalloc_array(cap, sizeof(*mms), GFP_KERNEL);
	if (!mms)
		return NULL;
	rcu_read_lock();
	for_each_process(p) {
		if (n == cap)
			break;
		if (p->flags & PF_KTHREAD)
			continue;
		mm = get_task_mm(p);
		if (mm)
			mms[n++] = mm;
	}
	rcu_read_unlock();
	/* Processes sharing an mm (CLONE_VM): keep one reference, drop the others outside RCU. */
	sort(mms, n, sizeof(*mms), rmp_cmp_ptr, NULL);
	for (i = 0, j = 0; i < n; i++) {
		if (j && mms[j - 1] == mms[i])
			mmput(mms[i]);
		else
			mms[j++] = mms[i];
	}
	*nr = j;
	return mms;
}

/* The mergeable vmas of @mm, under its mmap_lock: taken by trylock, as it nests under nothing here. */
static int rmp_scan_mm(struct rmp_report *r, struct mm_struct *mm, unsigned long pfn)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;
	int ret = 0;

	if (!mmap_read_trylock(mm))
		return -EAGAIN;
	for_each_vma(vmi, vma) {
		if (vma->vm_flags & VM_MERGEABLE) {
			ret = rmp_scan_vma(r, vma, pfn);
			if (ret)
				break;
		}
	}
	mmap_read_unlock(mm);
	return ret;
}

/* KSM folios: their rmap_items are private to mm/ksm.c; search the mergeable vmas of every mm instead. */
static int rmp_walk_ksm(struct rmp_report *r, struct folio *folio, struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	struct mm_struct **mms;
	size_t nr, i;
	int ret = 0;

	mms = rmp_collect_mms(&nr);
	if (!mms)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (!ret)
			ret = rmp_scan_mm(r, mms[i], pfn);
		mmput(mms[i]);
	}
	kvfree(mms);
	return ret;
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
 * Slab pages and page tables, told apart without a reference: newer kernels freeze a slab's refcount at 0.
 * The flags may change under us; nothing is walked, so a stale answer only describes the page as it was.
 */
static const char *rmp_typed_kind(struct page *page, struct rmp_report *r)
{
	if (PageSlab(page)) {
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
	if (page_has_type(page))
		return "other";
	if (PageReserved(page))
		return "reserved";
	if (folio_test_hugetlb(folio))
		return NULL;
	if (folio_test_ksm(folio) || folio_test_anon(folio) || rmp_file_mapping(folio))
		return NULL;
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
	r->has_file = false;
	r->path = "";
	r->note = NULL;
	r->verdict = RMP_UNTRACKED;
	r->head_pfn = pfn;
	r->order = 0;
	r->node = page_to_nid(page);
	r->mapcount = 0;
	r->flags = 0;

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
		} else {
			r->kind = "unused";
			r->note = "refcount 0 outside the buddy allocator: on a per-cpu free list, or frozen for a moment by a split or migration";
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
	ret = rmp_reserve(r, max(before, 0) + 16);
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
	r->mapcount = rmp_page_mapcount(page);
	r->refcount = folio_ref_count(folio) - 1;
	if (r->mapcount > 0)
		r->flags |= BIT_ULL(RMP_F_MAPPED);

	if (ret == -EAGAIN || ret == -ENOSPC) {
		r->verdict = RMP_RACED;
		r->note = ret == -EAGAIN ? "lock contention" : "more mappings appeared during the walk";
		ret = 0;
	} else if (before != r->mapcount || mapping != READ_ONCE(folio->mapping)) {
		r->verdict = RMP_RACED;
		r->note = "the page's mappings changed during the walk";
	} else if (r->nr_maps == r->mapcount) {
		r->verdict = RMP_COMPLETE;
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
	int ret;

	if (!page)
		return -ENXIO;
	r->pfn = pfn;
	if (!r->path_buf) {
		r->path_buf = kmalloc(PATH_MAX, GFP_KERNEL);
		if (!r->path_buf)
			return -ENOMEM;
	}
	for (r->attempts = 1; ; r->attempts++) {
		ret = rmp_query_once(r, page);
		if (ret || r->verdict == RMP_COMPLETE || r->verdict == RMP_UNTRACKED ||
		    r->attempts == RMP_MAX_ATTEMPTS)
			break;
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

static int __init rmap_probe_init(void)
{
	return rmap_probe_debugfs_init();
}

static void __exit rmap_probe_exit(void)
{
	rmap_probe_debugfs_exit();
}

module_init(rmap_probe_init);
module_exit(rmap_probe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Reverse-map inspector: which page tables map a given PFN");
MODULE_VERSION(RMAP_PROBE_VERSION);
