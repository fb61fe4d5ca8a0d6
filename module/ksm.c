// SPDX-License-Identifier: GPL-2.0
/*
 * KSM folios: their reverse map (stable node -> rmap_items) is private to mm/ksm.c, so the mergeable vmas of
 * every mm are searched instead.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "rmap_probe.h"

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
int rmp_walk_ksm(struct rmp_report *r, struct folio *folio, struct page *page)
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
