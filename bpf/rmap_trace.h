/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tracing programs tell rmapctl: one event struct, shared by the BPF side and userspace
 * (the layout of bcc's libbpf-tools: tool.bpf.c + tool.c + tool.h).
 */
#ifndef RMAP_TRACE_H
#define RMAP_TRACE_H

#define RMP_COMM_LEN		16
/* Events the flight recorder keeps per PFN: the newest overwrite the oldest. */
#define RMP_HISTORY_DEPTH	8
#define RMP_HISTORY_ENTRIES	16384
#define RMP_RINGBUF_BYTES	(4 << 20)

enum rmp_event_type {
	RMP_EV_MIGRATE = 1,	/* contents moved from pfn to dst_pfn (or stayed, when the move failed) */
	RMP_EV_UNMAP,		/* the reverse map unmapped pfn from one mm (try_to_unmap/try_to_migrate) */
	RMP_EV_ZAP,		/* the mm itself dropped its mapping: munmap, MADV_DONTNEED, exit, COW */
	RMP_EV_PIN,		/* a FOLL_PIN reference taken (pin_user_pages*()): DMA may target the page */
	RMP_EV_UNPIN,		/* a FOLL_PIN reference dropped (unpin_user_page*(), unpin_folio*()) */
};

/* Why the reverse map unmapped a page, from the try_to_unmap flags and the path. */
enum rmp_unmap_reason {
	RMP_WHY_NONE,
	RMP_WHY_RECLAIM,
	RMP_WHY_MIGRATION,
	RMP_WHY_MEMORY_FAILURE,
	RMP_WHY_SPLIT,
};

/* A migration outside migrate_pages() has no reason to report. */
#define RMP_REASON_UNKNOWN	0xffffffffU

/* Which page-table level the mapping was removed from. */
enum rmp_level {
	RMP_LEVEL_PTE = 1,
	RMP_LEVEL_PMD,
};

/* Event slots in the per-CPU stats array. */
enum rmp_stat {
	RMP_STAT_LOST,		/* not delivered: the ring buffer was full */
	RMP_STAT_RECORDED,	/* events the flight recorder stored */
	RMP_STAT_NO_ROOM,	/* the recorder could not add a PFN (map update failed) */
	RMP_STAT_INSERTED,	/* PFNs the recorder added: less the PFNs it holds, the ones the LRU evicted */
	RMP_STAT_UNPAIRED,	/* a move's kprobe and kretprobe did not pair up (one of them skipped): event lost */
	RMP_STAT_NO_CONTEXT,	/* no task context stored: unmaps reported as zaps, a reason unknown (not lost) */
	RMP_STAT_PIN_UNSEEN,	/* pages of one pin or unpin call beyond the first RMP_PIN_MAX_PAGES: no event */
	RMP_STAT_PIN_NO_ROOM,	/* a long-term pinned folio the recorder could not add to pin_owners (map full) */
	RMP_NR_STATS,
};

struct rmp_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 pfn;		/* first PFN concerned; a migration's source */
	__u64 dst_pfn;		/* migration: where the contents went (== pfn: the move failed) */
	__u64 addr;		/* unmap/zap/pin: the user address of pfn in that mm; 0 when unknown */
	__u32 nr_pages;		/* pages from pfn (unmap/zap) or the folio's pages (migrate) */
	__u32 pid;		/* unmap/zap: the mm's owner (tgid); pin/unpin: the task's (tgid); 0 when unknown */
	__u32 mode;		/* migrate: the kernel's enum migrate_mode value; pin: the gup flags */
	/*
	 * migrate: enum migrate_reason value or RMP_REASON_UNKNOWN; unmap: rmp_unmap_reason; pin, unpin: the id
	 * of its kernel stack in the pin_stacks map, or RMP_REASON_UNKNOWN
	 */
	__u32 reason;
	__u16 type;		/* rmp_event_type */
	__u8 order;		/* the folio's order */
	__u8 level;		/* rmp_level (unmap/zap) */
	__u8 ok;		/* migrate: 1 moved, 0 failed and restored */
	__u8 pad[3];
	char comm[RMP_COMM_LEN];	/* unmap/zap: the mm owner's comm */
};

/* Pages of one pin_user_pages*() or unpin_user_pages*() call that become events; the rest are counted. */
#define RMP_PIN_MAX_PAGES	1024
/* Distinct kernel stacks of pins and unpins kept (pin and unpin events name theirs by id, in reason). */
#define RMP_PIN_STACKS		4096
/* Folios with long-term pins the recorder follows (pin_owners). */
#define RMP_PIN_OWNERS		16384

/*
 * The recorder's account of a folio's FOLL_PIN references, by its head PFN: created by a long-term pin,
 * counted up by every pin and down by every unpin of the folio from then on, removed at zero; and the newest
 * long-term pinner. The kernel counts pins per folio (_pincount, or the refcount bias), so does this.
 */
struct rmp_pin_owner {
	__s64 pins;		/* pages' pins counted since the first long-term one */
	__u64 ts_ns;		/* the newest long-term pin (CLOCK_MONOTONIC) */
	__u64 addr;		/* its user address of the folio's page */
	__u32 pid;		/* its process (tgid): the task pinning, or the mm's owner for a remote pin */
	__u32 stack_id;		/* its kernel stack in pin_stacks, or RMP_REASON_UNKNOWN */
	char comm[RMP_COMM_LEN];
};

/* Kernel return addresses of an event's stack (trace --stack): deep enough for reclaim under a syscall. */
#define RMP_STACK_DEPTH		32

/* An event followed by the kernel stack it happened on: the ring buffer's record with trace --stack. */
struct rmp_event_stack {
	struct rmp_event ev;
	__u32 nr_frames;
	__u32 pad;
	__u64 frames[RMP_STACK_DEPTH];	/* innermost first */
};

/*
 * What rmapctl asks for, written into the settings map before the programs attach. (A map, not .rodata: libbpf
 * probes global data support with a socket filter program, which kernels without CONFIG_NET refuse.)
 */
struct rmp_config {
	__u64 filter_pfn;
	__u64 vmemmap_base_addr;	/* where the kernel keeps vmemmap_base; 0: not randomized */
	__u32 filter_pid;		/* 0: any */
	__u8 filter_by_pfn;
	__u8 want_ringbuf;		/* rmapctl trace: stream events */
	__u8 want_history;		/* rmapctl record: keep each PFN's last events */
	__u8 want_unmap;
	__u8 want_zap;			/* migrate events: their programs are loaded or not */
	__u8 want_stack;		/* trace --stack: stream struct rmp_event_stack records */
	__u8 want_pin;			/* RMP_PIN_*: which pins (and their unpins) are events */
	__u8 pad[5];
	__u32 foll_longterm;		/* this kernel's FOLL_LONGTERM (an anonymous enum from 6.3 on) */
	__u32 pad2;
};

enum rmp_pin_events {
	RMP_PIN_NONE,
	RMP_PIN_LONGTERM,	/* FOLL_LONGTERM pins (io_uring fixed buffers, vfio, RDMA), and unpins of PFNs recorded */
	RMP_PIN_ALL,		/* every pin and unpin, short-term ones (O_DIRECT in flight) too */
};

/* The flight recorder's value per PFN: a small ring of that PFN's last events. */
struct rmp_history {
	__u32 next;		/* total events seen; slot = next % RMP_HISTORY_DEPTH */
	__u32 pad;
	struct rmp_event ev[RMP_HISTORY_DEPTH];
};

#endif
