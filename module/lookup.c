// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table step of the walk: does the entry at an address of a vma map the queried PFN? Checked under
 * the page-table lock, as page_vma_mapped_walk() does; the rmap lock held by the caller keeps the vma's page
 * tables above the PTE level alive (see the lock order in query.c).
 */
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
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
int rmp_check_vma(struct rmp_report *r, struct vm_area_struct *vma, unsigned long addr,
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
