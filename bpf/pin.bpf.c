// SPDX-License-Identifier: GPL-2.0
/*
 * Pin events: FOLL_PIN references taken and dropped, the references DMA holds (io_uring fixed buffers, vfio,
 * RDMA, O_DIRECT in flight), which no migration, compaction or offlining gets past.
 *
 * mm/gup.c takes the pins in helpers that name folios, not the pages asked for (try_grab_folio() and its fast
 * twin); the API every driver calls, pin_user_pages(), _fast(), _remote() and _unlocked(), returns the pages
 * in its array. fexit reads the array and the number pinned at once, through bpf_get_func_arg() and
 * bpf_get_func_ret() since the arguments' positions differ between the four (and 6.1 has a vmas argument
 * more). None of the four calls another. The unpins are the unpin_user_page*() and unpin_folio*() API, each
 * hooked at entry, none calling another except unpin_user_pages_dirty_lock() without make_dirty, which is
 * unpin_user_pages() and counted there. fexit and fentry only: a kretprobe has no arguments.
 *
 * Arrays of pages or folios are read with bpf_get_func_arg(): 6.1's verifier refuses a typed read of a
 * pointer-to-pointer argument ("type PTR is not a struct").
 *
 * Each page is an event (at most RMP_PIN_MAX_PAGES of one call, the rest counted), named with the pinning
 * task and its kernel stack, kept once in pin_stacks and named by id: the stack is the same for every page of
 * a call, and bpf_loop() callbacks, which walk the pages, have no context to read one from.
 */
#include "common.bpf.h"

#define RMP_PAGE_SIZE	4096

/* One call's pages being walked: bpf_loop()'s context. */
struct pin_walk {
	__u64 pages;		/* struct page ** or struct folio **, as a number */
	__u64 start;		/* the user address of the first page; 0 when unknown (unpins) */
	bool folios;		/* the array holds folios (unpin_folios()) */
	struct rmp_event ev;	/* the call's event: type, task, flags, stack */
};

static __always_inline bool pin_wanted(const struct rmp_config *cfg, __u32 gup_flags)
{
	if (cfg->want_pin == RMP_PIN_ALL)
		return true;
	return cfg->want_pin == RMP_PIN_LONGTERM && (gup_flags & cfg->foll_longterm);
}

/* The call's event: the task that pins or unpins (its process), and its stack. false if filtered out. */
static __always_inline bool pin_event_init(void *ctx, const struct rmp_config *cfg, struct rmp_event *ev,
					   __u16 type)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	long id;

	rmp_event_init(ev, type);
	ev->pid = bpf_get_current_pid_tgid() >> 32;
	if (cfg->filter_pid && ev->pid != cfg->filter_pid)
		return false;
	BPF_CORE_READ_STR_INTO(&ev->comm, cur, group_leader, comm);
	id = bpf_get_stackid(ctx, &pin_stacks, 0);
	ev->reason = id >= 0 ? (__u32)id : RMP_REASON_UNKNOWN;
	ev->ok = 1;
	return true;
}

/*
 * @nr pages from @page pinned or unpinned: an event if the PFN passes the filter. With long-term pins only,
 * an unpin of a page is kept only where the recorder has the PFN (a pin it saw, most likely): short-term pins'
 * unpins (O_DIRECT) would otherwise churn its LRU.
 */
static __always_inline void pin_pages_event(struct rmp_event *ev, __u64 page, __u64 addr, __u32 nr,
					    bool whole_folio)
{
	const struct rmp_config *cfg = rmp_config();
	struct folio *folio;
	__u64 pfn;

	if (!cfg || !page)
		return;
	pfn = rmp_page_to_pfn(cfg, (const void *)page);
	folio = rmp_page_folio((struct page *)page);
	ev->order = rmp_folio_order(folio);
	if (whole_folio)
		nr = 1U << ev->order;
	if (cfg->filter_by_pfn && !rmp_pfn_in(cfg->filter_pfn, pfn, nr))
		return;
	if (ev->type == RMP_EV_UNPIN && cfg->want_pin == RMP_PIN_LONGTERM && !whole_folio &&
	    !bpf_map_lookup_elem(&history, &pfn))
		return;
	ev->pfn = pfn;
	ev->dst_pfn = pfn;
	ev->nr_pages = nr;
	ev->addr = addr;
	rmp_emit_no_ctx(cfg, ev);
}

static long pin_walk_one(__u32 i, void *data)
{
	struct pin_walk *w = data;
	__u64 page = 0;

	if (bpf_probe_read_kernel(&page, sizeof(page), (const void *)(w->pages + i * sizeof(__u64))))
		return 1;
	pin_pages_event(&w->ev, page, w->start ? w->start + (__u64)i * RMP_PAGE_SIZE : 0, 1, w->folios);
	return 0;
}

/* Walk @nr entries of the array, at most RMP_PIN_MAX_PAGES; the rest counted as unseen. */
static __always_inline void pin_walk(struct pin_walk *w, __u64 nr)
{
	if (nr > RMP_PIN_MAX_PAGES) {
		rmp_count_n(RMP_STAT_PIN_UNSEEN, nr - RMP_PIN_MAX_PAGES);
		nr = RMP_PIN_MAX_PAGES;
	}
	bpf_loop(nr, pin_walk_one, w, 0);
}

/* A pin_user_pages*() call returned: its arguments by position (they differ), its pages pinned. */
static __always_inline int pinned(void *ctx, __u32 start_arg, __u32 flags_arg, __u32 pages_arg)
{
	const struct rmp_config *cfg = rmp_config();
	struct pin_walk w = {};
	__u64 ret = 0, flags = 0;

	if (!cfg || !cfg->want_pin || bpf_get_func_ret(ctx, &ret) || (long)ret <= 0)
		return 0;
	if (bpf_get_func_arg(ctx, flags_arg, &flags) || !pin_wanted(cfg, (__u32)flags))
		return 0;
	if (bpf_get_func_arg(ctx, pages_arg, &w.pages) || !w.pages)
		return 0;
	bpf_get_func_arg(ctx, start_arg, &w.start);
	if (!pin_event_init(ctx, cfg, &w.ev, RMP_EV_PIN))
		return 0;
	w.ev.mode = (__u32)flags;
	pin_walk(&w, ret);
	return 0;
}

SEC("fexit/pin_user_pages")
int BPF_PROG(fexit_pin_user_pages)
{
	return pinned(ctx, 0, 2, 3);	/* start, nr_pages, gup_flags, pages[, vmas] */
}

SEC("fexit/pin_user_pages_fast")
int BPF_PROG(fexit_pin_user_pages_fast)
{
	return pinned(ctx, 0, 2, 3);	/* start, nr_pages, gup_flags, pages */
}

SEC("fexit/pin_user_pages_unlocked")
int BPF_PROG(fexit_pin_user_pages_unlocked)
{
	return pinned(ctx, 0, 3, 2);	/* start, nr_pages, pages, gup_flags */
}

SEC("fexit/pin_user_pages_remote")
int BPF_PROG(fexit_pin_user_pages_remote)
{
	return pinned(ctx, 1, 3, 4);	/* mm, start, nr_pages, gup_flags, pages, ... */
}

/* An unpin call's event, or false when no pin events are asked for or the task is filtered out. */
static __always_inline bool unpin_event(void *ctx, struct rmp_event *ev)
{
	const struct rmp_config *cfg = rmp_config();

	return cfg && cfg->want_pin && pin_event_init(ctx, cfg, ev, RMP_EV_UNPIN);
}

SEC("fentry/unpin_user_page")
int BPF_PROG(fentry_unpin_user_page, struct page *page)
{
	struct rmp_event ev;

	if (unpin_event(ctx, &ev))
		pin_pages_event(&ev, rmp_addr(page), 0, 1, false);
	return 0;
}

/* An unpin of an array (argument 0) of @nr (argument 1) pages or folios. */
static __always_inline void unpin_array(void *ctx, bool folios)
{
	struct pin_walk w = { .folios = folios };
	__u64 nr = 0;

	if (bpf_get_func_arg(ctx, 0, &w.pages) || bpf_get_func_arg(ctx, 1, &nr) || !w.pages)
		return;
	if (unpin_event(ctx, &w.ev))
		pin_walk(&w, nr);
}

SEC("fentry/unpin_user_pages")
int BPF_PROG(fentry_unpin_user_pages)
{
	unpin_array(ctx, false);	/* pages, npages */
	return 0;
}

/* Without make_dirty it calls unpin_user_pages(), whose hook counts the pages. */
SEC("fentry/unpin_user_pages_dirty_lock")
int BPF_PROG(fentry_unpin_user_pages_dirty_lock)
{
	__u64 make_dirty = 0;

	if (!bpf_get_func_arg(ctx, 2, &make_dirty) && (__u8)make_dirty)
		unpin_array(ctx, false);	/* pages, npages, make_dirty */
	return 0;
}

SEC("fentry/unpin_user_page_range_dirty_lock")
int BPF_PROG(fentry_unpin_user_page_range_dirty_lock, struct page *page, unsigned long npages, bool make_dirty)
{
	struct rmp_event ev;

	if (unpin_event(ctx, &ev))
		pin_pages_event(&ev, rmp_addr(page), 0, npages, false);
	return 0;
}

/* 6.12+: a folio's pins dropped at once (io_uring's coalesced buffers, memfd_pin_folios() users) */
SEC("fentry/unpin_user_folio")
int BPF_PROG(fentry_unpin_user_folio, struct folio *folio, unsigned long npages)
{
	struct rmp_event ev;

	if (unpin_event(ctx, &ev))
		pin_pages_event(&ev, rmp_addr(folio), 0, 0, true);
	return 0;
}

SEC("fentry/unpin_folio")
int BPF_PROG(fentry_unpin_folio, struct folio *folio)
{
	struct rmp_event ev;

	if (unpin_event(ctx, &ev))
		pin_pages_event(&ev, rmp_addr(folio), 0, 0, true);
	return 0;
}

SEC("fentry/unpin_folios")
int BPF_PROG(fentry_unpin_folios)
{
	unpin_array(ctx, true);		/* folios, nfolios */
	return 0;
}
