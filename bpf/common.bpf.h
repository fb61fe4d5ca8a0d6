/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the tracing programs: their maps and settings, and the reads of mm structures whose layout changed
 * between kernel lines (every such difference is here, resolved by CO-RE at load time).
 */
#ifndef RMAP_COMMON_BPF_H
#define RMAP_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "rmap_trace.h"

/*
 * The maps and settings, written once: maps.bpf.c defines RMP_DEFINE to own them, every other program sees
 * extern declarations of the very same definitions, and `bpftool gen object` links them into one.
 */
#ifdef RMP_DEFINE
#define RMP_SHARED
#else
#define RMP_SHARED extern
#endif

RMP_SHARED struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rmp_config);
} settings SEC(".maps");

RMP_SHARED struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RMP_RINGBUF_BYTES);
} events SEC(".maps");

RMP_SHARED struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RMP_HISTORY_ENTRIES);
	__type(key, __u64);
	__type(value, struct rmp_history);
} history SEC(".maps");

RMP_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RMP_NR_STATS);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* PFNs that an unmap from the filtered pid touched: their migrations pass the pid filter too. */
RMP_SHARED struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} pid_pfns SEC(".maps");

/*
 * Who owned an mm that its owner has left (exit_mm()), by the mm's address: the last mmput() may run in any
 * task that held a reference (a /proc reader, process_vm_readv(), an asynchronous put), after mm->owner was
 * cleared, and the mm's own events still belong to the process that exited.
 */
struct rmp_owner {
	__u64 mm_id;		/* the mm's own number (x86's mm->context.ctx_id, never reused): the address is */
	__u32 tgid;
	char comm[RMP_COMM_LEN];
};

/*
 * An mm's number that no later mm shares: x86's mm->context.ctx_id. An entry of mm_owners is that mm's only if
 * the numbers match: an mm freed without passing mm_update_next_owner() (a failed fork) leaves its address to
 * the next mm, and an exited process must not be named for another's events.
 */
static __always_inline __u64 rmp_mm_id(struct mm_struct *mm)
{
	if (bpf_core_field_exists(mm->context.ctx_id))
		return BPF_CORE_READ(mm, context.ctx_id);
	return 0;
}

RMP_SHARED struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct rmp_owner);
} mm_owners SEC(".maps");

/* The kernel stacks of pins and unpins, by the id their events carry (in reason): pinned with the recorder. */
RMP_SHARED struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, RMP_PIN_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, RMP_STACK_DEPTH * sizeof(__u64));
} pin_stacks SEC(".maps");

/*
 * The recorder's account of pinned folios (struct rmp_pin_owner): what explain names a pinner from. Not
 * preallocated: a deleted account's element then outlives an RCU grace period instead of being reused at once
 * for another folio, which a CPU still holding it would write into.
 */
RMP_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, RMP_PIN_OWNERS);
	__type(key, __u64);
	__type(value, struct rmp_pin_owner);
} pin_owners SEC(".maps");

/* An empty history ring to start a PFN's entry from; never written. */
RMP_SHARED struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rmp_history);
} blank SEC(".maps");

/*
 * What one task's program leaves for its next one, in task-local storage: freed with the task, never evicted
 * by other tasks' entries (an LRU hash of thread ids evicts early, in per-CPU batches, and a lost entry turns
 * an unmap into a zap).
 */
#define RMP_PER_THREAD_MAP(name, value_type)			\
	struct {						\
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE);	\
		__uint(map_flags, BPF_F_NO_PREALLOC);		\
		__type(key, int);				\
		__type(value, value_type);			\
	} name SEC(".maps")

/*
 * The current task's entry in @map; with @init, created from it if absent. NULL when it cannot be had: no
 * memory, or the helper's per-CPU lock already taken by a program this one interrupted.
 */
#define rmp_thread_get(map, init)							\
	bpf_task_storage_get(map, bpf_get_current_task_btf(), init,			\
			     (init) ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0)

/* --- layouts that differ between kernel lines --- */

/* 6.1 kept the order in its own byte; 6.5 moved it into the low byte of _flags_1. */
struct folio___v61 {
	unsigned char _folio_order;
} __attribute__((preserve_access_index));

/* 7.3 gave anonymous vmas their own page offset, which anonymous folios' index is relative to. */
struct vm_area_struct___v73 {
	unsigned int __vm_anon_pgoff_lo;
	unsigned int __vm_anon_pgoff_hi;
} __attribute__((preserve_access_index));

/*
 * With KASLR's memory randomization the struct page array moves: rmapctl looks up where the kernel keeps its
 * base (the vmemmap_base variable, from /proc/kallsyms), and without randomization it sits at the fixed base.
 */
#define RMP_VMEMMAP_FIXED	0xffffea0000000000ULL

static __always_inline const struct rmp_config *rmp_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&settings, &zero);
}

/*
 * A kernel pointer as a plain number. fentry programs get typed (BTF) pointers, on which the verifier allows no
 * arithmetic; a copy through the stack comes back as a number.
 */
static __always_inline __u64 rmp_addr(const void *ptr)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &ptr);
	return v;
}

static __always_inline __u64 rmp_page_to_pfn(const struct rmp_config *cfg, const void *page)
{
	__u64 base = RMP_VMEMMAP_FIXED;

	if (cfg->vmemmap_base_addr)
		bpf_probe_read_kernel(&base, sizeof(base), (const void *)cfg->vmemmap_base_addr);
	return (rmp_addr(page) - base) / bpf_core_type_size(struct page);
}

/* page->flags is the first word on every line (a struct wrapping it on 7.x): read the word, not the type. */
static __always_inline __u64 rmp_page_flags(const void *page)
{
	__u64 flags = 0;

	bpf_probe_read_kernel(&flags, sizeof(flags), page);
	return flags;
}

static __always_inline __u32 rmp_folio_order(struct folio *folio)
{
	if (!(rmp_page_flags(folio) & (1ULL << bpf_core_enum_value(enum pageflags, PG_head))))
		return 0;
	if (bpf_core_field_exists(struct folio___v61, _folio_order))
		return BPF_CORE_READ((struct folio___v61 *)folio, _folio_order);
	return BPF_CORE_READ(folio, _flags_1) & 0xff;
}

/*
 * What the kernel's page_folio() does. The word after page->flags has bit 0 set in a tail page; the rest is
 * its head's address (compound_head until 7.x), or, in 7.x's compound_info when the kernel is built with
 * CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP (Debian's are) and struct page's size is a power of two, for every
 * compound page, a mask that turns the tail's address into the head's (_compound_head()). A mask is ones down
 * to the folio's size, which no struct page's address is. (Read as a word: the field's name changed.)
 */
static __always_inline struct folio *rmp_page_folio(struct page *page)
{
	unsigned long info = 0, head, inv;

	bpf_probe_read_kernel(&info, sizeof(info), (const void *)(rmp_addr(page) + 8));
	if (!(info & 1))
		return (struct folio *)page;
	head = info & ~1UL;
	inv = ~head;
	if (!(inv & (inv + 1)))
		return (struct folio *)(rmp_addr(page) & info);
	return (struct folio *)head;
}

#define RMP_VM_HUGETLB	0x00400000UL

/*
 * Where @page sits in @vma, as the kernel's vma_address() computes it from the folio's index. 0 (unknown) for
 * KSM folios, whose index is of no use here, and for hugetlb, whose index counted huge pages until 6.7.
 */
static __always_inline __u64 rmp_page_address(struct folio *folio, struct page *page, struct vm_area_struct *vma)
{
	unsigned long mapping = (unsigned long)BPF_CORE_READ(folio, mapping);
	__u64 index = BPF_CORE_READ(folio, index) + (rmp_addr(page) - rmp_addr(folio)) / bpf_core_type_size(struct page);
	__u64 pgoff = BPF_CORE_READ(vma, vm_pgoff), start = BPF_CORE_READ(vma, vm_start);
	__u64 addr;

	if ((mapping & 3) == 3 || (BPF_CORE_READ(vma, vm_flags) & RMP_VM_HUGETLB))
		return 0;
	if ((mapping & 1) && bpf_core_field_exists(struct vm_area_struct___v73, __vm_anon_pgoff_lo)) {
		struct vm_area_struct___v73 *v = (void *)vma;

		pgoff = ((__u64)BPF_CORE_READ(v, __vm_anon_pgoff_hi) << 32) | BPF_CORE_READ(v, __vm_anon_pgoff_lo);
	}
	addr = start + ((index - pgoff) << 12);
	if (addr < start || addr >= BPF_CORE_READ(vma, vm_end))
		return 0;
	return addr;
}

/*
 * The process an mm belongs to: mm->owner (CONFIG_MEMCG, which every Debian kernel has). Once its owner has
 * left it (exit_mm() clears the owner, then puts its reference), the owner it had, as the mm_update_next_owner()
 * hook remembered it: whichever task tears the mm down, the process that exited is the one. Without that hook,
 * a process tearing its own mm down still runs on it as active_mm.
 */
static __always_inline void rmp_mm_owner(struct mm_struct *mm, struct rmp_event *ev)
{
	struct task_struct *owner = NULL, *cur = (struct task_struct *)bpf_get_current_task();
	struct rmp_owner *left;
	__u64 key = rmp_addr(mm);

	if (bpf_core_field_exists(mm->owner))
		owner = BPF_CORE_READ(mm, owner);
	left = owner ? NULL : bpf_map_lookup_elem(&mm_owners, &key);
	if (left && left->mm_id && left->mm_id == rmp_mm_id(mm)) {
		ev->pid = left->tgid;
		__builtin_memcpy(ev->comm, left->comm, sizeof(ev->comm));
		return;
	}
	if (!owner && !BPF_CORE_READ(cur, mm) && rmp_addr(BPF_CORE_READ(cur, active_mm)) == key)
		owner = cur;
	if (!owner) {
		ev->pid = 0;
		__builtin_memcpy(ev->comm, "?", 2);
		return;
	}
	ev->pid = BPF_CORE_READ(owner, tgid);
	/* the process's name: the owner may be any of its threads once the first one exited */
	BPF_CORE_READ_STR_INTO(&ev->comm, owner, group_leader, comm);
}

/* Per CPU, but atomic all the same: a preempted fentry program may share the CPU's counter with another. */
static __always_inline void rmp_count_n(__u32 stat, __u64 nr)
{
	__u64 *n = bpf_map_lookup_elem(&stats, &stat);

	if (n)
		__sync_fetch_and_add(n, nr);
}

static __always_inline void rmp_count(__u32 stat)
{
	rmp_count_n(stat, 1);
}

/*
 * Events are built on the program's own stack: fentry programs run with only migration disabled, so another
 * task's program may run on this CPU in between, and a per-CPU buffer would be shared with it.
 */
static __always_inline void rmp_event_init(struct rmp_event *ev, __u16 type)
{
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->ts_ns = bpf_ktime_get_ns();
}

static __always_inline bool rmp_pfn_in(__u64 pfn, __u64 first, __u32 nr)
{
	return pfn >= first && pfn < first + (nr ? nr : 1);
}

/* Add @ev to @pfn's ring in the flight recorder. */
static __always_inline void rmp_remember(__u64 pfn, struct rmp_event *ev)
{
	struct rmp_history *h = bpf_map_lookup_elem(&history, &pfn), *empty;
	__u32 slot, zero = 0;

	if (!h) {
		empty = bpf_map_lookup_elem(&blank, &zero);
		if (empty && !bpf_map_update_elem(&history, &pfn, empty, BPF_NOEXIST))
			rmp_count(RMP_STAT_INSERTED);
		h = bpf_map_lookup_elem(&history, &pfn);
		if (!h) {
			rmp_count(RMP_STAT_NO_ROOM);
			return;
		}
	}
	slot = __sync_fetch_and_add(&h->next, 1) % RMP_HISTORY_DEPTH;
	h->ev[slot] = *ev;
	rmp_count(RMP_STAT_RECORDED);
}

/* Hand a finished event to the trace session and/or the flight recorder. */
/* With trace --stack: the event and the kernel stack of @ctx's program run, in one record. */
static __always_inline void rmp_output_with_stack(void *ctx, const struct rmp_event *ev)
{
	struct rmp_event_stack *rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	long n;

	if (!rec) {
		rmp_count(RMP_STAT_LOST);
		return;
	}
	__builtin_memcpy(&rec->ev, ev, sizeof(*ev));
	n = bpf_get_stack(ctx, rec->frames, sizeof(rec->frames), 0);
	rec->nr_frames = n > 0 ? n / sizeof(rec->frames[0]) : 0;
	rec->pad = 0;
	bpf_ringbuf_submit(rec, 0);
}

/* Into the flight recorder: under the PFN, and a migration under its destination too. */
static __always_inline void rmp_record(const struct rmp_config *cfg, struct rmp_event *ev)
{
	if (cfg->want_history) {
		rmp_remember(ev->pfn, ev);
		if (ev->type == RMP_EV_MIGRATE && ev->dst_pfn != ev->pfn)
			rmp_remember(ev->dst_pfn, ev);
	}
}

/* @ctx: the program's own context, which the stack is read from. */
static __always_inline void rmp_emit(void *ctx, const struct rmp_config *cfg, struct rmp_event *ev)
{
	if (cfg->want_ringbuf && cfg->want_stack)
		rmp_output_with_stack(ctx, ev);
	else if (cfg->want_ringbuf && bpf_ringbuf_output(&events, ev, sizeof(*ev), 0))
		rmp_count(RMP_STAT_LOST);
	rmp_record(cfg, ev);
}

/*
 * Without the program's context (a bpf_loop() callback): with trace --stack the record has no frames of its
 * own, and the event names its stack by id instead (pin events).
 */
static __always_inline void rmp_emit_no_ctx(const struct rmp_config *cfg, struct rmp_event *ev)
{
	struct rmp_event_stack *rec;

	if (cfg->want_ringbuf && cfg->want_stack) {
		rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
		if (rec) {
			__builtin_memcpy(&rec->ev, ev, sizeof(*ev));
			rec->nr_frames = 0;
			rec->pad = 0;
			bpf_ringbuf_submit(rec, 0);
		} else {
			rmp_count(RMP_STAT_LOST);
		}
	} else if (cfg->want_ringbuf && bpf_ringbuf_output(&events, ev, sizeof(*ev), 0)) {
		rmp_count(RMP_STAT_LOST);
	}
	rmp_record(cfg, ev);
}

#endif
