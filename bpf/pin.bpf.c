// SPDX-License-Identifier: GPL-2.0
/*
 * Pin events: FOLL_PIN references taken and dropped, the references DMA holds (io_uring fixed buffers, vfio,
 * RDMA, udmabuf, O_DIRECT in flight), which no migration, compaction or offlining gets past.
 *
 * mm/gup.c takes the pins in helpers that name folios, not the pages asked for (try_grab_folio() and its fast
 * twin); the API every driver calls, pin_user_pages(), _fast(), _remote() and _unlocked(), returns the pages
 * in its array, and memfd_pin_folios() (6.12+: udmabuf, iommufd) the folios. fexit reads the array and the
 * number pinned at once, through bpf_get_func_arg() and bpf_get_func_ret() since the arguments' positions
 * differ (6.1 has a vmas argument more; _fast() returns an int). None of them calls another. The unpins are
 * the unpin_user_page*() and unpin_folio*() API, each hooked at entry, none calling another except
 * unpin_user_pages_dirty_lock() without make_dirty, which is unpin_user_pages() and counted there. fexit and
 * fentry only: a kretprobe has no arguments. Arrays are read with bpf_get_func_arg() too: 6.1's verifier
 * refuses a typed read of a pointer-to-pointer argument ("type PTR is not a struct").
 *
 * The kernel counts pins per folio, and so does the recorder's account (pin_owners, by head PFN): a long-term
 * pin opens it, every pin and unpin of that folio moves it, zero closes it. Unpins of whole folios or of one
 * page of a large folio then settle the right folio, which a per-page history could not. Each page is also an
 * event (at most RMP_PIN_MAX_PAGES of one call, the rest counted, though all are accounted: an account that
 * missed pages would never close) for trace and pfn --history, named with the
 * pinning task and its kernel stack, kept once in pin_stacks and named by id: the stack is the same for every
 * page of a call, and bpf_loop() callbacks, which walk the pages, have no context to read one from.
 */
#include "common.bpf.h"

#define RMP_PAGE_SIZE	4096

/* One call's pages or folios being walked: bpf_loop()'s context. */
struct pin_walk {
	__u64 array;		/* struct page ** or struct folio **, as a number */
	__u64 start;		/* the user address of the first page; 0 when unknown (unpins, folios) */
	bool folios;		/* the array holds folios */
	bool longterm;		/* pins: FOLL_LONGTERM */
	struct rmp_event ev;	/* the call's event: type, task, flags, stack */
};

static __always_inline bool pin_wanted(const struct rmp_config *cfg, bool longterm)
{
	return cfg->want_pin == RMP_PIN_ALL || (cfg->want_pin == RMP_PIN_LONGTERM && longterm);
}

/*
 * The call's event: the task that pins or unpins (its process), and with @stack its kernel stack. false if
 * filtered out.
 */
static __always_inline bool pin_event_init(void *ctx, const struct rmp_config *cfg, struct rmp_event *ev,
					   __u16 type, bool stack)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	long id = -1;

	rmp_event_init(ev, type);
	ev->pid = bpf_get_current_pid_tgid() >> 32;
	if (cfg->filter_pid && ev->pid != cfg->filter_pid)
		return false;
	BPF_CORE_READ_STR_INTO(&ev->comm, cur, group_leader, comm);
	if (stack)
		id = bpf_get_stackid(ctx, &pin_stacks, 0);
	ev->reason = id >= 0 ? (__u32)id : RMP_REASON_UNKNOWN;
	ev->ok = 1;
	return true;
}

/*
 * The recorder's account of folio @head: @nr pins (negative: unpins). A long-term pin opens it and names
 * itself the pinner; other pins and unpins move only an account already open. false when none is open.
 */
static __always_inline bool pin_account(const struct rmp_event *ev, __u64 head, __s64 nr, bool longterm)
{
	struct rmp_pin_owner *o = bpf_map_lookup_elem(&pin_owners, &head), fresh = {};

	if (!o && !longterm)
		return false;
	if (!o) {
		/* another CPU may open it first (EEXIST): then both count into the same account */
		bpf_map_update_elem(&pin_owners, &head, &fresh, BPF_NOEXIST);
		o = bpf_map_lookup_elem(&pin_owners, &head);
		if (!o) {
			rmp_count(RMP_STAT_PIN_NO_ROOM);
			return false;
		}
	}
	if (longterm) {
		o->ts_ns = ev->ts_ns;
		o->addr = ev->addr;
		o->pid = ev->pid;
		o->stack_id = ev->reason;
		__builtin_memcpy(o->comm, ev->comm, sizeof(o->comm));
	}
	if (__sync_fetch_and_add(&o->pins, nr) + nr <= 0)
		bpf_map_delete_elem(&pin_owners, &head);
	return true;
}

/*
 * @count pins or unpins at @page: pages from it, or with @whole_folio of the folio @page is (an event then
 * covers the folio). The account of its folio (recorder only), and an event if its PFN passes the filter.
 * With long-term pins only, unpins are events only where an account is open: short-term pins' unpins
 * (O_DIRECT) would otherwise churn the history.
 */
static __always_inline void pin_pages(struct rmp_event *ev, __u64 page, __u64 addr, __u32 count,
				      bool whole_folio, bool longterm, bool event)
{
	const struct rmp_config *cfg = rmp_config();
	struct folio *folio;
	__u64 pfn, head;
	bool open = false;
	__u32 nr;

	if (!cfg || !page)
		return;
	pfn = rmp_page_to_pfn(cfg, (const void *)page);
	folio = rmp_page_folio((struct page *)page);
	head = rmp_page_to_pfn(cfg, folio);
	ev->order = rmp_folio_order(folio);
	nr = whole_folio ? 1U << ev->order : count;
	ev->addr = addr;
	if (cfg->want_history)
		open = pin_account(ev, head, ev->type == RMP_EV_PIN ? (__s64)count : -(__s64)count, longterm);
	if (!event) {
		rmp_count(RMP_STAT_PIN_UNSEEN);
		return;
	}
	if (cfg->filter_by_pfn && !rmp_pfn_in(cfg->filter_pfn, pfn, nr))
		return;
	if (ev->type == RMP_EV_PIN ? !pin_wanted(cfg, longterm) : cfg->want_pin == RMP_PIN_LONGTERM && !open)
		return;
	ev->pfn = pfn;
	ev->dst_pfn = pfn;
	ev->nr_pages = nr;
	rmp_emit_no_ctx(cfg, ev);
}

static long pin_walk_one(__u32 i, void *data)
{
	struct pin_walk *w = data;
	__u64 entry = 0;

	if (bpf_probe_read_kernel(&entry, sizeof(entry), (const void *)(w->array + i * sizeof(__u64))))
		return 1;
	/* a page's pin is one of its folio's; memfd_pin_folios() and unpin_folios() take or drop one a folio */
	pin_pages(&w->ev, entry, w->start ? w->start + (__u64)i * RMP_PAGE_SIZE : 0, 1, w->folios, w->longterm,
		  i < RMP_PIN_MAX_PAGES);
	return 0;
}

/*
 * Walk @nr entries of the array: every one accounted, the first RMP_PIN_MAX_PAGES events (the rest counted as
 * unseen). bpf_loop() takes up to 2^23: io_uring's largest buffer is 2^18 pages.
 */
#define RMP_PIN_WALK_MAX	(1 << 23)

static __always_inline void pin_walk(struct pin_walk *w, __s64 nr)
{
	if (nr <= 0)
		return;
	bpf_loop(nr < RMP_PIN_WALK_MAX ? nr : RMP_PIN_WALK_MAX, pin_walk_one, w, 0);
}

/*
 * A pin call returned: its arguments by position (they differ; -1: none), the number it pinned (an int from
 * _fast(), whose errors must not pass for a count), pages or folios. A remote pin (@mm_arg) is named after
 * the process whose memory it pins, not the task asking (a kworker, a vfio ioctl of another process).
 */
static __always_inline int pinned(void *ctx, int start_arg, int flags_arg, int array_arg, int mm_arg,
				  bool int_ret, bool folios)
{
	const struct rmp_config *cfg = rmp_config();
	struct pin_walk w = { .folios = folios };
	__u64 ret = 0, flags = 0, mm = 0;
	__s64 nr;

	if (!cfg || !cfg->want_pin || bpf_get_func_ret(ctx, &ret))
		return 0;
	nr = int_ret ? (__s64)(int)ret : (__s64)ret;
	if (nr <= 0 || bpf_get_func_arg(ctx, array_arg, &w.array) || !w.array)
		return 0;
	/* memfd_pin_folios() has no flags: its pins are long-term (FOLL_PIN | FOLL_LONGTERM) */
	if (flags_arg >= 0 && bpf_get_func_arg(ctx, flags_arg, &flags))
		return 0;
	w.longterm = flags_arg < 0 || (flags & cfg->foll_longterm);
	/* short-term pins are counted in an open account even when they are no events */
	if (!pin_wanted(cfg, w.longterm) && !cfg->want_history)
		return 0;
	if (start_arg >= 0 && !bpf_get_func_arg(ctx, start_arg, &w.start))
		w.start &= ~(__u64)(RMP_PAGE_SIZE - 1);
	if (!pin_event_init(ctx, cfg, &w.ev, RMP_EV_PIN, pin_wanted(cfg, w.longterm)))
		return 0;
	if (mm_arg >= 0 && !bpf_get_func_arg(ctx, mm_arg, &mm) && mm)
		rmp_mm_owner((struct mm_struct *)mm, &w.ev);
	w.ev.mode = (__u32)flags;
	pin_walk(&w, nr);
	return 0;
}

SEC("fexit/pin_user_pages")
int BPF_PROG(fexit_pin_user_pages)
{
	return pinned(ctx, 0, 2, 3, -1, false, false);	/* start, nr_pages, gup_flags, pages[, vmas] */
}

SEC("fexit/pin_user_pages_fast")
int BPF_PROG(fexit_pin_user_pages_fast)
{
	return pinned(ctx, 0, 2, 3, -1, true, false);	/* start, nr_pages, gup_flags, pages: int */
}

SEC("fexit/pin_user_pages_unlocked")
int BPF_PROG(fexit_pin_user_pages_unlocked)
{
	return pinned(ctx, 0, 3, 2, -1, false, false);	/* start, nr_pages, pages, gup_flags */
}

SEC("fexit/pin_user_pages_remote")
int BPF_PROG(fexit_pin_user_pages_remote)
{
	return pinned(ctx, 1, 3, 4, 0, false, false);	/* mm, start, nr_pages, gup_flags, pages, ... */
}

SEC("fexit/memfd_pin_folios")
int BPF_PROG(fexit_memfd_pin_folios)
{
	return pinned(ctx, -1, -1, 3, -1, false, true);	/* memfd, start, end, folios, max_folios, offset */
}

/* An unpin call's event (its stack only when every unpin is an event), or false. */
static __always_inline bool unpin_event(void *ctx, struct rmp_event *ev)
{
	const struct rmp_config *cfg = rmp_config();

	return cfg && cfg->want_pin &&
	       pin_event_init(ctx, cfg, ev, RMP_EV_UNPIN, cfg->want_pin == RMP_PIN_ALL);
}

SEC("fentry/unpin_user_page")
int BPF_PROG(fentry_unpin_user_page, struct page *page)
{
	struct rmp_event ev;

	if (unpin_event(ctx, &ev))
		pin_pages(&ev, rmp_addr(page), 0, 1, false, false, true);
	return 0;
}

/* An unpin of an array (argument 0) of a count (argument 1) of pages or folios. */
static __always_inline void unpin_array(void *ctx, bool folios)
{
	struct pin_walk w = { .folios = folios };
	__u64 nr = 0;

	if (bpf_get_func_arg(ctx, 0, &w.array) || bpf_get_func_arg(ctx, 1, &nr) || !w.array)
		return;
	if (unpin_event(ctx, &w.ev))
		pin_walk(&w, (__s64)nr);	/* a negative count: the kernel warns and returns */
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

/* A range of pages: one folio's pages at a time, as the kernel walks it (gup_folio_range_next()). */
struct range_walk {
	__u64 page, left;
	struct rmp_event ev;
};

static long range_one(__u32 i, void *data)
{
	struct range_walk *w = data;
	struct folio *folio;
	__u64 head_page, nr, in_folio;

	if (!w->left)
		return 1;
	folio = rmp_page_folio((struct page *)w->page);
	head_page = rmp_addr(folio);
	in_folio = (1ULL << rmp_folio_order(folio)) - (w->page - head_page) / bpf_core_type_size(struct page);
	nr = in_folio < w->left ? in_folio : w->left;
	pin_pages(&w->ev, w->page, 0, (__u32)nr, false, false, i < RMP_PIN_MAX_PAGES);
	w->page += nr * bpf_core_type_size(struct page);
	w->left -= nr;
	return 0;
}

SEC("fentry/unpin_user_page_range_dirty_lock")
int BPF_PROG(fentry_unpin_user_page_range_dirty_lock, struct page *page, unsigned long npages, bool make_dirty)
{
	struct range_walk w = { .page = rmp_addr(page), .left = npages };

	if (npages && unpin_event(ctx, &w.ev))
		bpf_loop(npages < RMP_PIN_WALK_MAX ? npages : RMP_PIN_WALK_MAX, range_one, &w, 0);
	return 0;
}

/* 6.12+: @npages pins of one folio dropped at once (io_uring's coalesced buffers, O_DIRECT's bios) */
SEC("fentry/unpin_user_folio")
int BPF_PROG(fentry_unpin_user_folio, struct folio *folio, unsigned long npages)
{
	struct rmp_event ev;

	if (unpin_event(ctx, &ev))
		pin_pages(&ev, rmp_addr(folio), 0, (__u32)npages, true, false, true);
	return 0;
}

SEC("fentry/unpin_folio")
int BPF_PROG(fentry_unpin_folio, struct folio *folio)
{
	struct rmp_event ev;

	if (unpin_event(ctx, &ev))
		pin_pages(&ev, rmp_addr(folio), 0, 1, true, false, true);
	return 0;
}

SEC("fentry/unpin_folios")
int BPF_PROG(fentry_unpin_folios)
{
	unpin_array(ctx, true);		/* folios, nfolios: one pin each */
	return 0;
}
