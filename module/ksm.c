// SPDX-License-Identifier: GPL-2.0
/*
 * KSM folios. Their reverse map is private to mm/ksm.c: the folio's stable node lists an rmap_item for each
 * mapping KSM merged (its anon_vma, mm and address), and rmap_walk_ksm() follows that list, then each
 * rmap_item's anon_vma tree for processes forked since. Where the module is built with the layout of those
 * structs from its kernel's BTF (kernel-btf.sh, checked against the headers below), the walk is the same,
 * its cost per mapping; elsewhere, or with ksm_search=1, the mergeable vmas of every mm KSM knows
 * (MMF_VM_MERGEABLE; every mm on a retry) are searched instead. The search's cost is bounded by the PTE
 * tables present in those vmas, not by their virtual size (rmp_scan_range()), and it never holds one
 * mmap_lock for long: it lets go between batches of tables whenever someone waits for the lock or for the
 * CPU, and a fatal signal ends it (-EINTR).
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "compat.h"
#include "rmap_probe.h"
#include "ksm_layout.h"

static bool rmp_ksm_search;
module_param_named(ksm_search, rmp_ksm_search, bool, 0644);
MODULE_PARM_DESC(ksm_search, "Search for KSM pages' mappings even where their stable node can be walked (for comparison)");

/* Why KSM folios are not walked from their stable node (rmp_ksm_init()), or NULL. */
static const char *rmp_ksm_refused;
/* A stable node that did not look like one (the layout is wrong after all): searched from then on. */
static bool rmp_ksm_layout_failed;

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

static int rmp_ksm_search_all(struct rmp_report *r, struct folio *folio, struct page *page)
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

#ifndef RMP_KSM_NO_LAYOUT
/* A field of mm/ksm.c's structs, at the offset the BTF gives. */
#define rmp_ksm_field(obj, offset, type) (*(type *)((char *)(obj) + (offset)))

/*
 * The mappings of @rmap_item's page: as rmap_walk_ksm(), every vma of its anon_vma's tree covering its
 * address (the tree's interval is the vma's pgoff, not KSM's address: the whole tree is read, as the kernel
 * does). @own_mm: the first pass looks only at the rmap_item's own mm, the second at the others (processes
 * forked since ksmd passed). The anon_vma lives as long as the rmap_item (its get_anon_vma() reference);
 * its root's rwsem keeps the tree, taken by trylock as everywhere here.
 */
static int rmp_ksm_item_walk(struct rmp_report *r, void *rmap_item, unsigned long pfn, bool own_mm)
{
	struct anon_vma *anon_vma = rmp_ksm_field(rmap_item, RMP_KSM_ITEM_ANON_VMA, struct anon_vma *);
	struct anon_vma *root = anon_vma->root;
	struct mm_struct *mm = rmp_ksm_field(rmap_item, RMP_KSM_ITEM_MM, struct mm_struct *);
	unsigned long addr = rmp_ksm_field(rmap_item, RMP_KSM_ITEM_ADDRESS, unsigned long) & PAGE_MASK;
	struct anon_vma_chain *avc;
	struct vm_area_struct *vma;
	struct rb_node *rb;
	int ret = 0;
	u64 taken;

	/* anon_vma_trylock_read(), gone from 7.x's headers */
	if (!down_read_trylock(&root->rwsem))
		return -EAGAIN;
	taken = rmp_lock_clock();
	for (rb = rb_first_cached(&anon_vma->rb_root); rb; rb = rb_next(rb)) {
		r->nodes++;
		avc = rb_entry(rb, struct anon_vma_chain, rb);
		vma = avc->vma;
		if (addr < vma->vm_start || addr >= vma->vm_end || (vma->vm_mm == mm) != own_mm)
			continue;
		ret = rmp_check_vma(r, vma, addr, pfn);
		if (ret)
			break;
		cond_resched();
	}
	up_read(&root->rwsem);
	rmp_lock_released(r, "anon_vma", taken);
	return ret;
}

/*
 * The walk of rmap_walk_ksm(), under the lock it relies on: the folio lock. Every change to a stable node's
 * list of rmap_items holds its KSM folio's lock (stable_tree_append() under the lock of the page merged into;
 * remove_rmap_item_from_tree() through get_ksm_page()/ksm_get_folio() with the lock; ksm_migrate_page() with
 * both folios' locks), and a stable node is freed only once no folio points to it or with its folio locked
 * (remove_stable_node()). Our reference keeps the folio itself.
 *
 * The first pass stops once every counted mapping is found, as rmap_walk_ksm()'s rwc->done() lets callers
 * stop: forks since ksmd passed are looked for only if mappings are missing. A mapping found twice (an
 * rmap_item of each of two processes sharing an anon_vma tree) is one: rmp_sort_unique() keeps one.
 *
 * -ENOENT: the node does not say it is this folio's (kpfn) or an rmap_item does not name the node as its
 * head: the layout is not this kernel's after all, and nothing it points to was followed.
 */
static int rmp_ksm_stable_walk(struct rmp_report *r, struct folio *folio, struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	struct hlist_node *pos;
	void *node, *item;
	int ret = 0, pass;
	u64 taken;

	if (!folio_trylock(folio))
		return -EAGAIN;
	taken = rmp_lock_clock();
	/* no longer KSM (unmerged, or migrated away): the mapping's change makes the attempt raced */
	if (!folio_test_ksm(folio))
		goto unlock;
	node = (void *)((unsigned long)READ_ONCE(folio->mapping) & ~RMP_MAPPING_FLAGS);
	if (rmp_ksm_field(node, RMP_KSM_NODE_KPFN, unsigned long) != folio_pfn(folio)) {
		ret = -ENOENT;
		goto unlock;
	}
	for (pass = 0; pass < 2 && !ret; pass++) {
		if (pass && r->nr_maps >= rmp_page_mapcount(page))
			break;
		for (pos = rmp_ksm_field(node, RMP_KSM_NODE_HLIST, struct hlist_head).first; pos; pos = pos->next) {
			item = (char *)pos - RMP_KSM_ITEM_HLIST;
			if (rmp_ksm_field(item, RMP_KSM_ITEM_HEAD, void *) != node) {
				ret = -ENOENT;
				break;
			}
			ret = rmp_ksm_item_walk(r, item, pfn, !pass);
			if (ret)
				break;
			cond_resched();
		}
	}
unlock:
	folio_unlock(folio);
	rmp_lock_released(r, "folio", taken);
	return ret;
}
#else
static int rmp_ksm_stable_walk(struct rmp_report *r, struct folio *folio, struct page *page)
{
	return -ENOENT;
}
#endif

/*
 * Why the stable node cannot be walked, or NULL. The layout comes from BTF found at build time; it is used only
 * if that BTF agrees with the headers the module is compiled against on the size of public structs that differ
 * between builds (task_struct with nearly any config change): BTF of another kernel is refused.
 */
static const char *rmp_ksm_refusal(void)
{
#ifdef RMP_KSM_NO_LAYOUT
	return RMP_KSM_NO_LAYOUT;
#else
	static const struct {
		size_t headers, btf;
		const char *why;
	} sizes[] = {
		{ sizeof(struct page), RMP_BTF_SIZEOF_page, "struct page" },
		{ sizeof(struct mm_struct), RMP_BTF_SIZEOF_mm_struct, "struct mm_struct" },
		{ sizeof(struct vm_area_struct), RMP_BTF_SIZEOF_vm_area_struct, "struct vm_area_struct" },
		{ sizeof(struct anon_vma), RMP_BTF_SIZEOF_anon_vma, "struct anon_vma" },
		{ sizeof(struct anon_vma_chain), RMP_BTF_SIZEOF_anon_vma_chain, "struct anon_vma_chain" },
		{ sizeof(struct task_struct), RMP_BTF_SIZEOF_task_struct, "struct task_struct" },
		{ sizeof(struct address_space), RMP_BTF_SIZEOF_address_space, "struct address_space" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (sizes[i].headers != sizes[i].btf) {
			pr_info("rmap_probe: sizeof(%s) is %zu, its BTF says %zu\n", sizes[i].why, sizes[i].headers,
				sizes[i].btf);
			return "the BTF the module was built with is of another build than its headers";
		}
	}
	return NULL;
#endif
}

/* At load: how this module finds KSM folios' mappings, said in the kernel log. */
void rmp_ksm_init(void)
{
	rmp_ksm_refused = rmp_ksm_refusal();
	if (rmp_ksm_refused)
		pr_info("rmap_probe: KSM pages are searched for: %s\n", rmp_ksm_refused);
	else
		pr_info("rmap_probe: KSM pages are walked from their stable node (laid out by the kernel's BTF)\n");
}

int rmp_walk_ksm(struct rmp_report *r, struct folio *folio, struct page *page)
{
	int ret;

	if (!rmp_ksm_refused && !READ_ONCE(rmp_ksm_search) && !READ_ONCE(rmp_ksm_layout_failed)) {
		r->ksm_walk = "stable";
		ret = rmp_ksm_stable_walk(r, folio, page);
		if (ret != -ENOENT)
			return ret;
		WRITE_ONCE(rmp_ksm_layout_failed, true);
		pr_warn_once("rmap_probe: pfn 0x%lx: KSM's stable node is not laid out as this module's BTF said; searching from now on\n",
			     page_to_pfn(page));
		r->nr_maps = 0;
	}
	r->ksm_walk = "search";
	return rmp_ksm_search_all(r, folio, page);
}
