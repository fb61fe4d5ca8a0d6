// SPDX-License-Identifier: GPL-2.0
/*
 * KSM folios, walked as rmap_walk_ksm() walks them. Their reverse map is private to mm/ksm.c: the folio's
 * stable node lists an rmap_item for each mapping KSM merged (its anon_vma, mm and address), and processes
 * forked since are in the anon_vma trees of those rmap_items. The module is built with the layout of
 * struct ksm_stable_node and struct ksm_rmap_item from its kernel's BTF (kernel-btf.sh); it is used only if
 * that BTF and the headers are of one build (the version string, and the sizes of public structs), and every
 * read of those structs is one that cannot fault (copy_from_kernel_nofault()) and is checked: the node must
 * name its page, each rmap_item its node. Otherwise, or with ksm_search=1, the page is searched for
 * (ksm_search.c).
 *
 * What keeps each object, under our folio reference and the folio lock, which rmap_walk_ksm()'s callers hold:
 *   the stable node: folio->mapping names it while the folio is locked. Nodes are freed by
 *     remove_stable_node() with the folio locked, after it set the folio's node to NULL, and otherwise only
 *     as "stale" (get_ksm_page()/ksm_get_folio(): their folio no longer names them, or is being freed), which
 *     our lock and reference rule out for this folio. folio_migrate_ksm() moves the node to the new folio
 *     with both locked and leaves NULL in the old one, as try_to_merge_one_page() leaves NULL until
 *     stable_tree_insert(): a NULL node is no layout error (rmap_walk_ksm() returns).
 *   the list of rmap_items and each rmap_item: every change holds the folio's lock (stable_tree_append()
 *     under lock_page(kpage); remove_rmap_item_from_tree() through get_ksm_page(LOCK) before hlist_del(),
 *     then put_anon_vma()).
 *   each rmap_item's anon_vma: its get_anon_vma() reference, held while it is listed; the root: the
 *     anon_vma's own reference on it.
 *   the tree, its vmas and their mms: the root's rwsem (read), as in walk.c: a vma leaves the tree in
 *     unlink_anon_vmas() under the rwsem for write before it is freed.
 * Lock order as mm/rmap.c (query.c): folio lock, anon_vma rwsem (trylock, a few tries), page-table lock.
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <generated/utsversion.h>
#include "compat.h"
#include "rmap_probe.h"
#include <ksm_layout.h>	/* generated, in $(obj)/module: see Kbuild */

static bool rmp_ksm_search_param;
module_param_named(ksm_search, rmp_ksm_search_param, bool, 0644);
MODULE_PARM_DESC(ksm_search, "Search for KSM pages' mappings even where their stable node can be walked (for comparison)");

/* Why KSM folios are not walked from their stable node (rmp_ksm_init()), or NULL. */
static const char *rmp_ksm_refused;
/* A stable node that did not look like one (the layout is wrong after all): searched from then on. */
static bool rmp_ksm_layout_failed;

#ifndef RMP_KSM_NO_LAYOUT
/*
 * The mappings the second pass finds are kept as sorted runs, each looked up by binary search, and a tail of
 * at most RMP_KSM_TAIL looked at one by one; a full tail is sorted into a run, and a run as long as the one
 * before it is sorted together with it (as a binary counter carries): about log2(n / RMP_KSM_TAIL) runs, so
 * a lookup costs O(log^2 n) and the sorting O(n log^2 n), with nothing allocated.
 */
#define RMP_KSM_TAIL 64
#define RMP_KSM_RUNS 40
/*
 * Tries at the anon_vma locks, over one walk: its sleeps under the folio lock stay about 2-4 ms, as ksmd
 * meanwhile skips merging into this folio (stable_tree_search()'s trylock).
 */
#define RMP_KSM_LOCK_TRIES 20

/* A field of mm/ksm.c's structs at the offset the BTF gave: false if it cannot be read (a wrong layout). */
static bool rmp_ksm_read(const void *obj, size_t offset, void *val, size_t size)
{
	return !copy_from_kernel_nofault(val, (const char *)obj + offset, size);
}

#define RMP_KSM_READ(obj, offset, var) rmp_ksm_read(obj, offset, &(var), sizeof(var))

/* One walk's state: what the passes share. */
struct rmp_ksm_walk {
	struct rmp_report *r;
	unsigned long pfn;
	bool own_mm;		/* first pass: each rmap_item's own mm; second: the others (forks since) */
	int lock_tries;		/* left of RMP_KSM_LOCK_TRIES */
	/* r->maps[run[i], run[i + 1]) sorted by (mm, vaddr); the tail from run[nr_runs] unsorted */
	size_t run[RMP_KSM_RUNS + 1];
	int nr_runs;
};

/* Is (@mm, @vaddr) among the mappings found (the runs and the tail)? */
static bool rmp_ksm_known(struct rmp_ksm_walk *w, const struct mm_struct *mm, unsigned long vaddr)
{
	const struct rmp_report *r = w->r;
	size_t i;
	int k;

	for (k = 0; k < w->nr_runs; k++)
		if (rmp_mappings_find(r, w->run[k], w->run[k + 1], mm, vaddr))
			return true;
	for (i = w->run[w->nr_runs]; i < r->nr_maps; i++)
		if (r->maps[i].mm == mm && r->maps[i].vaddr == vaddr)
			return true;
	return false;
}

/* A full tail becomes a run; runs as long as the one before them are sorted together with it. */
static void rmp_ksm_settle(struct rmp_ksm_walk *w)
{
	size_t end = w->r->nr_maps;

	if (end - w->run[w->nr_runs] < RMP_KSM_TAIL)
		return;
	rmp_mappings_sort(w->r, w->run[w->nr_runs], end);
	w->run[++w->nr_runs] = end;
	while (w->nr_runs >= 2 && (w->nr_runs == RMP_KSM_RUNS ||
				   end - w->run[w->nr_runs - 1] >= w->run[w->nr_runs - 1] - w->run[w->nr_runs - 2])) {
		w->nr_runs--;
		rmp_mappings_sort(w->r, w->run[w->nr_runs - 1], end);
		w->run[w->nr_runs] = end;
	}
}

/*
 * anon_vma_trylock_read() (gone from 7.x's headers), a few times: a walk of many rmap_items would seldom get
 * every lock at the first try beside fork and exit. It sleeps under the folio lock only, where
 * rmap_walk_ksm() itself waits in anon_vma_lock_read(), and at most RMP_KSM_LOCK_TRIES times a walk.
 */
static bool rmp_ksm_lock(struct rmp_ksm_walk *w, struct anon_vma *root)
{
	while (!down_read_trylock(&root->rwsem)) {
		if (w->lock_tries <= 0)
			return false;
		w->lock_tries--;
		usleep_range(100, 200);
	}
	return true;
}

/*
 * The mappings of @item's page: as rmap_walk_ksm(), every vma of its anon_vma's tree covering its address
 * (the tree is ordered by the vma's pgoff, not KSM's address: all of it is read, as the kernel does). In the
 * second pass, a vma whose mapping is already known (found through another rmap_item) is passed over: forks
 * are in the trees of every ancestor's rmap_item.
 */
static int rmp_ksm_item_walk(struct rmp_ksm_walk *w, void *item)
{
	struct rmp_report *r = w->r;
	struct anon_vma *anon_vma, *root, *check;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	unsigned long addr;
	struct rb_node *rb;
	int ret = 0;
	u64 taken;

	if (!RMP_KSM_READ(item, RMP_KSM_ITEM_ANON_VMA, anon_vma) || !RMP_KSM_READ(item, RMP_KSM_ITEM_MM, mm) ||
	    !RMP_KSM_READ(item, RMP_KSM_ITEM_ADDRESS, addr))
		return -ENOENT;
	addr &= PAGE_MASK;	/* the low bits are KSM's flags */
	/* an anon_vma's root is its own root: nothing is locked that is not one */
	if (!RMP_KSM_READ(anon_vma, offsetof(struct anon_vma, root), root) ||
	    !RMP_KSM_READ(root, offsetof(struct anon_vma, root), check) || check != root)
		return -ENOENT;
	if (!rmp_ksm_lock(w, root))
		return -EAGAIN;
	taken = rmp_lock_clock();
	for (rb = rb_first_cached(&anon_vma->rb_root); rb; rb = rb_next(rb)) {
		cond_resched();
		r->nodes++;
		vma = rb_entry(rb, struct anon_vma_chain, rb)->vma;
		if (addr < vma->vm_start || addr >= vma->vm_end || (vma->vm_mm == mm) != w->own_mm)
			continue;
		if (!w->own_mm && rmp_ksm_known(w, vma->vm_mm, addr))
			continue;
		ret = rmp_check_vma(r, vma, addr, w->pfn);
		if (ret)
			break;
		if (!w->own_mm)
			rmp_ksm_settle(w);
	}
	up_read(&root->rwsem);
	rmp_lock_released(r, "anon_vma", taken);
	return ret;
}

/* One pass over the node's rmap_items, from @first. */
static int rmp_ksm_pass(struct rmp_ksm_walk *w, void *node, struct hlist_node *first)
{
	struct hlist_node *pos, *next;
	void *item, *head;
	int ret;

	for (pos = first; pos; pos = next) {
		if (fatal_signal_pending(current))
			return -EINTR;
		item = (char *)pos - RMP_KSM_ITEM_HLIST;
		if (!RMP_KSM_READ(item, RMP_KSM_ITEM_HEAD, head) || head != node || !RMP_KSM_READ(pos, 0, next))
			return -ENOENT;
		ret = rmp_ksm_item_walk(w, item);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/*
 * The walk of rmap_walk_ksm() under the folio lock (what keeps what: at the top). The first pass looks at
 * each rmap_item's own mm; the second, for processes forked since ksmd passed, only if mappings are still
 * missing, as rmap_walk_ksm()'s callers stop once rwc->done() says so.
 *
 * -ENOENT: the node does not name this folio (kpfn), an rmap_item does not name the node (head), its
 * anon_vma's root is no root, or a read of them failed: the layout is not this kernel's after all.
 */
static int rmp_ksm_stable_walk(struct rmp_report *r, struct folio *folio, struct page *page)
{
	struct rmp_ksm_walk w = {
		.r = r, .pfn = page_to_pfn(page), .own_mm = true, .lock_tries = RMP_KSM_LOCK_TRIES,
	};
	struct hlist_node *first;
	unsigned long kpfn;
	void *node;
	int ret = 0;
	u64 taken;

	if (!folio_trylock(folio))
		return -EAGAIN;
	taken = rmp_lock_clock();
	/* no longer KSM (unmerged, or migrated away): the mapping's change makes the attempt raced */
	if (!folio_test_ksm(folio))
		goto unlock;
	node = (void *)((unsigned long)READ_ONCE(folio->mapping) & ~RMP_MAPPING_FLAGS);
	if (!node) {
		/*
		 * Being merged, or left behind by migration or unmerging (at the top); mapped, it may also stay so
		 * (break_cow() after a failed stable_tree_insert() ignores an OOM), where rmap_walk_ksm() finds
		 * nothing either.
		 */
		if (folio_mapped(folio)) {
			r->note = "a mapped KSM page without a stable node (being merged, or its merge failed)";
			ret = -EAGAIN;
		}
		goto unlock;
	}
	if (!RMP_KSM_READ(node, RMP_KSM_NODE_KPFN, kpfn) || kpfn != folio_pfn(folio) ||
	    !RMP_KSM_READ(node, RMP_KSM_NODE_HLIST, first)) {
		ret = -ENOENT;
		goto unlock;
	}
	ret = rmp_ksm_pass(&w, node, first);
	if (!ret) {
		/* each mapping once, to count them, and the first run the second pass looks up */
		rmp_mappings_unique(r);
		w.run[0] = 0;
		w.run[1] = r->nr_maps;
		w.nr_runs = 1;
		w.own_mm = false;
		if (r->nr_maps < rmp_page_mapcount(page))
			ret = rmp_ksm_pass(&w, node, first);
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
 * Why the stable node cannot be walked, or NULL. The layout comes from BTF found at build time, checked there
 * to be of the build the headers are of (kernel-btf.sh); here the headers are checked to be the running
 * kernel's (vermagic compares only the release, which two builds can share), and the BTF's sizes of public
 * structs against the headers'.
 */
static const char *rmp_ksm_refusal(void)
{
#ifdef RMP_KSM_NO_LAYOUT
	return RMP_KSM_NO_LAYOUT;
#else
	static const struct {
		size_t headers, btf;
		const char *name;
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

	if (strcmp(init_utsname()->version, UTS_VERSION)) {
		pr_info("rmap_probe: built for \"%s\", running \"%s\"\n", UTS_VERSION, init_utsname()->version);
		return "the module was built for another build of this kernel release";
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (sizes[i].headers != sizes[i].btf) {
			pr_info("rmap_probe: sizeof(%s) is %zu, its BTF says %zu\n", sizes[i].name, sizes[i].headers,
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

	if (!rmp_ksm_refused && !READ_ONCE(rmp_ksm_search_param) && !READ_ONCE(rmp_ksm_layout_failed)) {
		r->ksm_walk = "stable";
		ret = rmp_ksm_stable_walk(r, folio, page);
		if (ret != -ENOENT)
			return ret;
		WRITE_ONCE(rmp_ksm_layout_failed, true);
		/* the only message on the query path, once: no PFN in it (physical addresses are for root's queries) */
		pr_warn_once("rmap_probe: KSM's stable node is not laid out as this module's BTF said; searching from now on\n");
		r->nr_maps = 0;
	}
	r->ksm_walk = "search";
	return rmp_ksm_search(r, folio, page);
}
