// SPDX-License-Identifier: GPL-2.0
/*
 * The KSM search: where a KSM folio's stable node cannot be walked (ksm.c: no layout from the kernel's BTF,
 * or ksm_search=1), the mergeable vmas of every mm KSM knows (MMF_VM_MERGEABLE; every mm on a retry) are
 * searched for its PFN. The cost is bounded by the PTE tables present in those vmas, not by their virtual
 * size (rmp_scan_range()), and the search never holds one mmap_lock for long: it lets go between batches of
 * tables whenever someone waits for the lock or for the CPU, and a fatal signal ends it (-EINTR).
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "compat.h"
#include "rmap_probe.h"

/*
 * Page-table entries visited between two looks at the mmap_lock's waiters, the scheduler and signals: 16 PTE
 * tables, or as many empty upper entries.
 */
#define RMP_KSM_BATCH (16 * PTRS_PER_PTE)
/* Spare room in the list of mms for processes forked while it is allocated. */
#define RMP_MMS_SLACK 64

static int rmp_cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/*
 * A process's mm, grabbed (mmgrab(): the struct stays, its address space may still go): as
 * find_lock_task_mm(), through any live thread, since a main thread that called pthread_exit() stays a zombie
 * without an mm while its other threads run on. Under RCU; task_lock() is a spinlock.
 *
 * Not mmget(): holding mm_users for the whole search would hold back the teardown of every process that exits
 * meanwhile (exit_mmap() runs on the last mm_users reference), keeping its pages mapped; the kernel's own mm
 * selftests saw it (KSM refuses to change merge_across_nodes while a KSM page is still mapped). Each mm's
 * address space is held only while that mm is searched (mmget_not_zero()).
 */
static struct mm_struct *rmp_process_mm(struct task_struct *p)
{
	struct task_struct *t;
	struct mm_struct *mm;

	for_each_thread(p, t) {
		task_lock(t);
		mm = t->mm;
		if (mm)
			mmgrab(mm);
		task_unlock(t);
		if (mm)
			return mm;
	}
	return NULL;
}

/*
 * Every process's mm into @mms (at most @cap); -ENOSPC if there were more processes than that. *@gap is set
 * when a process is exiting with its mm already let go (exit_mm()) while that mm may still be torn down.
 */
static int rmp_fill_mms(struct mm_struct **mms, size_t cap, size_t *nr, bool *gap)
{
	struct task_struct *p;
	struct mm_struct *mm;
	size_t n = 0;
	int ret = 0;

	rcu_read_lock();
	for_each_process(p) {
		if (p->flags & PF_KTHREAD)
			continue;
		if (n == cap) {
			ret = -ENOSPC;
			break;
		}
		mm = rmp_process_mm(p);
		if (mm)
			mms[n++] = mm;
		else if ((p->flags & PF_EXITING) && !p->exit_state)
			*gap = true;
	}
	rcu_read_unlock();
	*nr = n;
	return ret;
}

/*
 * The mms of all processes, each once and grabbed (rmp_process_mm()), or with @only_ksm only those KSM has
 * seen (MMF_VM_MERGEABLE): from 6.x ksm_fork() is best effort, and a child whose mm KSM failed to register
 * still holds the KSM PTEs it copied, so the first attempt searches only the mms KSM saw and the retries
 * search all. Never cut short: when processes outgrow the list while it is allocated, it is made again, and
 * after three tries the attempt is "raced".
 */
static struct mm_struct **rmp_collect_mms(size_t *nr, bool only_ksm, bool *gap)
{
	struct task_struct *p;
	struct mm_struct **mms;
	size_t cap, n, i, j;
	int tries, ret;

	for (tries = 0; tries < 3; tries++) {
		cap = RMP_MMS_SLACK << tries;
		rcu_read_lock();
		for_each_process(p)
			cap++;
		rcu_read_unlock();
		mms = kvmalloc_array(cap, sizeof(*mms), GFP_KERNEL);
		if (!mms)
			return ERR_PTR(-ENOMEM);
		ret = rmp_fill_mms(mms, cap, &n, gap);
		if (!ret)
			break;
		for (i = 0; i < n; i++)
			mmdrop(mms[i]);
		kvfree(mms);
	}
	if (ret)
		return ERR_PTR(-EAGAIN);
	/* outside RCU: for processes sharing an mm, and mms not searched */
	sort(mms, n, sizeof(*mms), rmp_cmp_ptr, NULL);
	for (i = 0, j = 0; i < n; i++) {
		if ((j && mms[j - 1] == mms[i]) || (only_ksm && !rmp_mm_ksm_enabled(mms[i])))
			mmdrop(mms[i]);
		else
			mms[j++] = mms[i];
	}
	*nr = j;
	return mms;
}

/*
 * mmap_lock for read, never waiting behind a writer (the lock nests under nothing here, but a queued writer
 * would stall this query and everyone queued behind it): a few tries, then "raced".
 */
static bool rmp_mmap_trylock(struct mm_struct *mm)
{
	int i;

	for (i = 0; i < 10; i++) {
		if (mmap_read_trylock(mm))
			return true;
		usleep_range(100, 200);
	}
	return false;
}

/* The mergeable vmas of @mm, a batch of PTE tables at a time. */
static int rmp_scan_mm(struct rmp_report *r, struct mm_struct *mm, unsigned long pfn)
{
	struct vm_area_struct *vma;
	unsigned long addr = 0;
	int ret = 0;
	u64 taken;

	if (!rmp_mmap_trylock(mm))
		return -EAGAIN;
	taken = rmp_lock_clock();
	while ((vma = find_vma(mm, addr))) {
		if (vma->vm_flags & VM_MERGEABLE) {
			ret = rmp_scan_range(r, vma, max(addr, vma->vm_start), vma->vm_end, pfn, RMP_KSM_BATCH,
					     &addr);
			if (ret)
				break;
		} else {
			addr = vma->vm_end;
		}
		if (fatal_signal_pending(current) || need_resched() || mmap_lock_is_contended(mm)) {
			/* the vma may be gone once the lock is dropped: go on from the address */
			mmap_read_unlock(mm);
			rmp_lock_released(r, "mmap", taken);
			r->ksm_gap = true;
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
			if (!rmp_mmap_trylock(mm))
				return -EAGAIN;
			taken = rmp_lock_clock();
		}
	}
	mmap_read_unlock(mm);
	rmp_lock_released(r, "mmap", taken);
	return ret;
}

int rmp_ksm_search(struct rmp_report *r, struct folio *folio, struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	struct mm_struct **mms;
	size_t nr, i;
	int ret = 0;

	mms = rmp_collect_mms(&nr, r->attempts == 1, &r->ksm_gap);
	if (IS_ERR(mms))
		return PTR_ERR(mms);
	for (i = 0; i < nr; i++) {
		/*
		 * An mm with no users left is being torn down (__mmput(): its PTEs stay, and stay counted, until
		 * exit_mmap() unmaps them): it cannot be searched, and the attempt says so. mmput_async(): if ours
		 * is the last reference, the teardown (which takes the rmap locks and waits on them) runs in a
		 * worker, not here.
		 */
		if (!ret && mmget_not_zero(mms[i])) {
			ret = rmp_scan_mm(r, mms[i], pfn);
			mmput_async(mms[i]);
		} else if (!ret) {
			r->ksm_gap = true;
		}
		mmdrop(mms[i]);
	}
	kvfree(mms);
	return ret;
}
