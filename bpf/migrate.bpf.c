// SPDX-License-Identifier: GPL-2.0
/*
 * Migrate events: a folio's contents moved from one PFN to another, or failed to.
 *
 * The migrate: tracepoints carry no PFN pair: mm_migrate_pages_start/mm_migrate_pages only bracket one
 * migrate_pages() call with its reason, which is kept per task. Inside it, move_to_new_folio(dst, src, mode)
 * moves one folio's contents and returns 0 when they moved: fexit reads arguments and result at once, a
 * kretprobe needs its kprobe to keep the arguments. (The call that puts the mappings back,
 * remove_migration_ptes(), is inlined into its callers on 6.1: no probe there.)
 */
#include "common.bpf.h"

RMP_PER_THREAD_MAP(migrate_reason, __u32);	/* enum migrate_reason of the running migrate_pages() */

SEC("tp_btf/mm_migrate_pages_start")
int BPF_PROG(migrate_start, enum migrate_mode mode, int reason)
{
	__u32 unknown = RMP_REASON_UNKNOWN, *why = rmp_thread_get(&migrate_reason, &unknown);

	if (why)
		*why = reason;
	else
		rmp_count(RMP_STAT_NO_CONTEXT);	/* its migrations' reason will be unknown */
	return 0;
}

/* The run is over: a later migration outside migrate_pages() has no reason to report. */
SEC("tp_btf/mm_migrate_pages")
int BPF_PROG(migrate_end)
{
	__u32 *why = rmp_thread_get(&migrate_reason, NULL);

	if (why)
		*why = RMP_REASON_UNKNOWN;
	return 0;
}

struct moving {
	struct folio *src, *dst;
	__u32 mode;
};

RMP_PER_THREAD_MAP(moving, struct moving);

static __always_inline void moved(void *ctx, struct folio *src, struct folio *dst, __u32 mode, int rc)
{
	__u32 *why = rmp_thread_get(&migrate_reason, NULL);
	const struct rmp_config *cfg = rmp_config();
	struct rmp_event ev;
	__u64 pfn, dst_pfn;
	__u32 nr;

	if (!cfg)
		return;
	pfn = rmp_page_to_pfn(cfg, src);
	dst_pfn = rmp_page_to_pfn(cfg, dst);
	rmp_event_init(&ev, RMP_EV_MIGRATE);
	ev.order = rmp_folio_order(src);
	nr = 1U << ev.order;
	if (cfg->filter_by_pfn && !rmp_pfn_in(cfg->filter_pfn, pfn, nr) &&
	    !rmp_pfn_in(cfg->filter_pfn, dst_pfn, nr))
		return;
	if (cfg->filter_pid && !bpf_map_lookup_elem(&pid_pfns, &pfn))
		return;
	ev.pfn = pfn;
	ev.dst_pfn = dst_pfn;
	ev.nr_pages = nr;
	ev.ok = rc == 0;
	ev.mode = mode;
	ev.reason = why ? *why : RMP_REASON_UNKNOWN;
	rmp_emit(ctx, cfg, &ev);
}

/* fexit sees the arguments and the result at once. */
SEC("fexit/move_to_new_folio")
int BPF_PROG(fexit_move_to_new_folio, struct folio *dst, struct folio *src, enum migrate_mode mode, int rc)
{
	moved(ctx, src, dst, mode, rc);
	return 0;
}

/* Without BPF trampolines: a kprobe keeps the arguments for the kretprobe, per thread (src NULL: none). */
SEC("kprobe/move_to_new_folio")
int BPF_KPROBE(move_to_new_folio, struct folio *dst, struct folio *src, enum migrate_mode mode)
{
	struct moving none = {}, *m = rmp_thread_get(&moving, &none);

	/* nowhere to keep the arguments: this move is lost (its kretprobe, finding no entry, counts it) */
	if (!m)
		return 0;
	/* not recursive: arguments still here are a move whose kretprobe did not run (out of instances) */
	if (m->src)
		rmp_count(RMP_STAT_UNPAIRED);
	m->src = src;
	m->dst = dst;
	m->mode = mode;
	return 0;
}

SEC("kretprobe/move_to_new_folio")
int BPF_KRETPROBE(move_to_new_folio_ret, int rc)
{
	struct moving *m = rmp_thread_get(&moving, NULL);

	/*
	 * No arguments: its kprobe was skipped (another BPF program was running on this CPU) or had nowhere to
	 * keep them: the move is lost. (A kretprobe skipped, or out of instances, is counted by the next kprobe.)
	 */
	if (!m || !m->src) {
		rmp_count(RMP_STAT_UNPAIRED);
		return 0;
	}
	moved(ctx, m->src, m->dst, m->mode, rc);
	m->src = NULL;
	return 0;
}
