// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table step of the walk: does the entry at an address of a vma map the queried PFN? Checked under
 * the page-table lock, as page_vma_mapped_walk() does. What keeps the tables alive (see the lock order in
 * query.c): the caller's rmap lock (anon_vma or i_mmap_rwsem) or mmap_lock keeps the vma's tables above the
 * PTE level, since free_pgtables() unlinks the vma from both trees and runs under mmap_lock; PTE tables
 * themselves can go under only i_mmap_rwsem held for read (retract_page_tables(), 6.5+) or with no rmap lock
 * at all (empty-table reclaim after MADV_DONTNEED, 7.x PT_RECLAIM), and both free them by RCU
 * (pte_free_defer(), tlb_remove_table()). So a PTE table is only ever reached from a pmd value read inside
 * rcu_read_lock(), and used after the pmd was found unchanged under the PTE lock, as __pte_offset_map_lock().
 */
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/bsearch.h>
#include <linux/sort.h>
#include "compat.h"
#include "rmap_probe.h"

/* -ENOSPC when more mappings turn up than the mapcount promised: the page changed, try again. */
static int rmp_add_mapping(struct rmp_report *r, const struct rmp_mapping *m)
{
	if (r->nr_maps == r->cap_maps)
		return -ENOSPC;
	r->maps[r->nr_maps++] = *m;
	return 0;
}

static int rmp_cmp_mm_vaddr(const void *a, const void *b)
{
	const struct rmp_mapping *x = a, *y = b;

	if (x->mm != y->mm)
		return x->mm < y->mm ? -1 : 1;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/*
 * The mappings sorted by (mm, address), each once: while a vma is split or merged, the tree briefly holds two
 * vmas of one mm covering the same address (__split_vma() links the new vma before it shrinks the old one),
 * and the walk finds the same entry through both; a KSM walk finds a forked child through each ancestor's
 * rmap_item. By mm, not by pid: the mm's owner can change between the two (mm_update_next_owner() when it
 * exits), naming the same entry twice under two pids. sort() is in place: nothing is allocated.
 */
void rmp_mappings_unique(struct rmp_report *r)
{
	size_t i, n = 0;

	sort(r->maps, r->nr_maps, sizeof(*r->maps), rmp_cmp_mm_vaddr, NULL);
	for (i = 0; i < r->nr_maps; i++) {
		if (n && r->maps[n - 1].mm == r->maps[i].mm && r->maps[n - 1].vaddr == r->maps[i].vaddr)
			continue;
		r->maps[n++] = r->maps[i];
	}
	r->nr_maps = n;
}

/* The mappings [@from, @to) sorted by (mm, address). */
void rmp_mappings_sort(struct rmp_report *r, size_t from, size_t to)
{
	sort(r->maps + from, to - from, sizeof(*r->maps), rmp_cmp_mm_vaddr, NULL);
}

/* Is (@mm, @vaddr) among the mappings [@from, @to), sorted by rmp_mappings_sort() or rmp_mappings_unique()? */
bool rmp_mappings_find(const struct rmp_report *r, size_t from, size_t to, const struct mm_struct *mm,
		       unsigned long vaddr)
{
	const struct rmp_mapping key = { .mm = mm, .vaddr = vaddr };

	return bsearch(&key, r->maps + from, to - from, sizeof(key), rmp_cmp_mm_vaddr);
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

/*
 * The rest of a mapping found at @m->vaddr in @vma, filled in after the page-table lock is dropped. @prev, the
 * mapping found just before it, if any: when that is in the same mm (a file mapped many times by one process,
 * its vmas next to each other in the tree), the owner is not looked up again.
 */
static void rmp_describe_mapping(struct rmp_report *r, struct vm_area_struct *vma, struct rmp_mapping *m,
				 const struct rmp_mapping *prev)
{
	if (prev && prev->mm == vma->vm_mm) {
		m->pid = prev->pid;
		memcpy(m->comm, prev->comm, sizeof(m->comm));
	} else {
		rmp_mm_owner(vma->vm_mm, m);
	}
	m->mm = vma->vm_mm;
	m->vma_start = vma->vm_start;
	m->vma_end = vma->vm_end;
	m->vm_flags = vma->vm_flags;
	if (vma->vm_file && !r->path[0] && r->path_buf) {
		char *p = d_path(&vma->vm_file->f_path, r->path_buf, PATH_MAX);

		if (!IS_ERR(p))
			r->path = p;
	}
}

static bool rmp_pfn_in(unsigned long pfn, unsigned long first, unsigned long nr)
{
	return pfn >= first && pfn < first + nr;
}

static void rmp_pte_bits(struct rmp_mapping *m, pte_t *ptep, pte_t pte)
{
	m->entry = ptep;
	m->level = RMP_PTE;
	m->writable = pte_write(pte);
	m->dirty = pte_dirty(pte);
	m->young = pte_young(pte);
	m->soft_dirty = pte_soft_dirty(pte);
	m->uffd_wp = rmp_pte_uffd_wp(pte);
}

/*
 * Map the PTE table @pmdval points to and take its lock, noting when in *@taken; NULL if *@pmd changed
 * meanwhile (read it again). Called inside rcu_read_lock(), taken before @pmdval was read: see the top of this
 * file. rmp_ptl_unlock() lets go.
 */
static pte_t *rmp_pte_map_lock(struct rmp_report *r, struct mm_struct *mm, pmd_t *pmd, pmd_t pmdval,
			       unsigned long addr, spinlock_t **ptlp, u64 *taken)
{
	spinlock_t *ptl = pte_lockptr(mm, &pmdval);

	spin_lock(ptl);
	*taken = rmp_ptl_clock();
	r->tables++;
	if (unlikely(!pmd_same(pmdval, rmp_pmdp_get_lockless(pmd)))) {
		rmp_ptl_unlock(r, ptl, *taken);
		return NULL;
	}
	*ptlp = ptl;
	return pte_offset_kernel(&pmdval, addr);
}

/*
 * Does the entry at @addr in @vma's page tables map @pfn? Fills @m's level and bits if so. Empty and huge
 * entries are decided under their lock: a fault adds the rmap and then sets the entry, in one locked section.
 */
static bool rmp_lookup(struct rmp_report *r, struct vm_area_struct *vma, unsigned long addr, unsigned long pfn,
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
	u64 taken;

	pgd = pgd_offset(mm, addr);
	if (pgd_none(READ_ONCE(*pgd)) || pgd_bad(READ_ONCE(*pgd)))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)) || p4d_bad(READ_ONCE(*p4d)))
		return false;
	pud = pud_offset(p4d, addr);
	pudval = READ_ONCE(*pud);
	if (pud_none(pudval) || pud_leaf(pudval)) {
		ptl = pud_lock(mm, pud);
		taken = rmp_ptl_clock();
		r->tables++;
		pudval = READ_ONCE(*pud);
		if (pud_leaf(pudval) && pud_present(pudval) &&
		    rmp_pfn_in(pfn, pud_pfn(pudval), PUD_SIZE >> PAGE_SHIFT)) {
			m->entry = pud;
			m->level = RMP_PUD;
			m->writable = pud_write(pudval);
			m->dirty = pud_dirty(pudval);
			m->young = pud_young(pudval);
			found = true;
		}
		rmp_ptl_unlock(r, ptl, taken);
		if (found || pud_none(pudval) || pud_leaf(pudval))
			return found;
	}
	if (pud_bad(pudval))
		return false;
	pmd = pmd_offset(pud, addr);
again:
	rcu_read_lock();
	pmdval = rmp_pmdp_get_lockless(pmd);
	if (pmd_none(pmdval) || !pmd_present(pmdval) || pmd_leaf(pmdval)) {
		rcu_read_unlock();
		/* a THP fault adds the rmap before it sets the pmd, both under the pmd lock */
		ptl = pmd_lock(mm, pmd);
		taken = rmp_ptl_clock();
		r->tables++;
		pmdval = *pmd;
		if (pmd_present(pmdval) && !pmd_leaf(pmdval)) {
			rmp_ptl_unlock(r, ptl, taken);
			goto again;	/* a PTE table now */
		}
		if (pmd_present(pmdval) && rmp_pfn_in(pfn, pmd_pfn(pmdval), HPAGE_PMD_NR)) {
			m->entry = pmd;
			/* one entry seen by every process sharing the table, counted once in the mapcount */
			m->shared_table = is_vm_hugetlb_page(vma) && hugetlb_pmd_shared((pte_t *)pmd);
			m->level = RMP_PMD;
			m->writable = pmd_write(pmdval);
			m->dirty = pmd_dirty(pmdval);
			m->young = pmd_young(pmdval);
			m->soft_dirty = rmp_pmd_soft_dirty(pmdval);
			m->uffd_wp = rmp_pmd_uffd_wp(pmdval);
			found = true;
		}
		rmp_ptl_unlock(r, ptl, taken);
		return found;	/* a migration entry maps nothing now */
	}
	if (pmd_bad(pmdval)) {
		rcu_read_unlock();
		return false;
	}
	ptep = rmp_pte_map_lock(r, mm, pmd, pmdval, addr, &ptl, &taken);
	if (!ptep) {
		rcu_read_unlock();
		goto again;
	}
	pte = ptep_get(ptep);
	if (pte_present(pte) && pte_pfn(pte) == pfn) {
		rmp_pte_bits(m, ptep, pte);
		found = true;
	}
	rmp_ptl_unlock(r, ptl, taken);
	rcu_read_unlock();
	return found;
}

/* Record the mapping of @pfn at @addr in @vma, if the page tables confirm it. */
int rmp_check_vma(struct rmp_report *r, struct vm_area_struct *vma, unsigned long addr, unsigned long pfn)
{
	struct rmp_mapping m = { };

	r->vmas++;
	if (!rmp_lookup(r, vma, addr, pfn, &m))
		return 0;
	m.vaddr = addr;
	rmp_describe_mapping(r, vma, &m, r->nr_maps ? &r->maps[r->nr_maps - 1] : NULL);
	return rmp_add_mapping(r, &m);
}

/*
 * The KSM search's step: record every PTE in [@addr, @end) of @vma that maps @pfn, for at most @budget
 * entries visited (a PTE table costs its PTRS_PER_PTE entries, an empty or huge upper entry skipped costs one);
 * *@next says where to go on (@end when done). The caller holds mmap_lock for read.
 *
 * Unlike rmp_lookup(), empty and huge upper entries are skipped whole and without their lock, so the cost is
 * that of the PTE tables present, not of the virtual size: a KSM folio is order 0 and only ever mapped by a
 * PTE, and every PTE mapping it (replace_page() in mm/ksm.c, copy_present_pte() at fork) is made under the
 * lock of a PTE table already installed in its pmd, so a mapping counted before the walk has its table in
 * place when the walk reads the pmd.
 */
int rmp_scan_range(struct rmp_report *r, struct vm_area_struct *vma, unsigned long addr, unsigned long end,
		   unsigned long pfn, unsigned long budget, unsigned long *next)
{
	struct mm_struct *mm = vma->vm_mm;
	size_t first, i;
	spinlock_t *ptl;
	pmd_t *pmd, pmdval;
	pud_t *pud, pudval;
	pte_t *ptep, pte;
	unsigned long a, pmd_end;
	pgd_t *pgd;
	p4d_t *p4d;
	int ret = 0;
	u64 taken;

	r->vmas++;
	for (; addr < end && budget && !ret; budget--) {
		pgd = pgd_offset(mm, addr);
		if (pgd_none(READ_ONCE(*pgd)) || pgd_bad(READ_ONCE(*pgd))) {
			addr = pgd_addr_end(addr, end);
			continue;
		}
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(READ_ONCE(*p4d)) || p4d_bad(READ_ONCE(*p4d))) {
			addr = p4d_addr_end(addr, end);
			continue;
		}
		pud = pud_offset(p4d, addr);
		pudval = READ_ONCE(*pud);
		if (pud_none(pudval) || pud_leaf(pudval) || pud_bad(pudval)) {
			addr = pud_addr_end(addr, end);
			continue;
		}
		pmd = pmd_offset(pud, addr);
		pmd_end = pmd_addr_end(addr, end);
		rcu_read_lock();
		pmdval = rmp_pmdp_get_lockless(pmd);
		if (pmd_none(pmdval) || !pmd_present(pmdval) || pmd_leaf(pmdval) || pmd_bad(pmdval)) {
			rcu_read_unlock();
			addr = pmd_end;
			continue;
		}
		ptep = rmp_pte_map_lock(r, mm, pmd, pmdval, addr, &ptl, &taken);
		if (!ptep) {
			rcu_read_unlock();
			continue;	/* the pmd changed: read it again, at the cost of one entry */
		}
		budget -= min_t(unsigned long, budget - 1, PTRS_PER_PTE - 1);	/* the loop takes the last one */
		first = r->nr_maps;
		for (a = addr; a < pmd_end; a += PAGE_SIZE, ptep++) {
			struct rmp_mapping m = { .vaddr = a };

			pte = ptep_get(ptep);
			if (!pte_present(pte) || pte_pfn(pte) != pfn)
				continue;
			rmp_pte_bits(&m, ptep, pte);
			ret = rmp_add_mapping(r, &m);	/* no allocation: room was reserved */
			if (ret)
				break;
		}
		rmp_ptl_unlock(r, ptl, taken);
		rcu_read_unlock();
		for (i = first; i < r->nr_maps; i++)
			rmp_describe_mapping(r, vma, &r->maps[i], i ? &r->maps[i - 1] : NULL);
		addr = pmd_end;
	}
	*next = addr;
	return ret;
}
