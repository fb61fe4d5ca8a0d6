// SPDX-License-Identifier: GPL-2.0
/*
 * Unmap events: a mapping of a page removed from one mm.
 *
 * There is no unmap tracepoint. Every path that removes a mapping ends in the rmap removal hook of its kernel
 * line (page_remove_rmap() until 6.6, folio_remove_rmap_ptes()/_pmd() since), which names the page and the vma
 * but not why. The reverse map's per-vma steps, try_to_unmap_one() and try_to_migrate_one(), run just before
 * it in the same task for the same folio and vma: they leave their reason in unmap_ctx, and a removal that
 * matches it is an unmap through the reverse map; any other removal is the mm's own zap.
 *
 * The context is checked (same folio, same vma), and cleared when the step returns (where its fexit or
 * kretprobe attached): a return probe could miss and leave a stale context behind, the check cannot.
 */
#include "common.bpf.h"

struct unmap_ctx {
	struct folio *folio;
	struct vm_area_struct *vma;
	__u32 reason;
};

RMP_PER_THREAD_MAP(unmap_ctx, struct unmap_ctx);

static __always_inline __u32 ttu_flag(int has, int value)
{
	return has ? value : 0;
}

static __always_inline void enter_unmap(struct folio *folio, struct vm_area_struct *vma, unsigned long flags,
					__u32 reason)
{
	__u32 hwpoison = ttu_flag(bpf_core_enum_value_exists(enum ttu_flags, TTU_HWPOISON),
				  bpf_core_enum_value(enum ttu_flags, TTU_HWPOISON));
	__u32 rmap_locked = ttu_flag(bpf_core_enum_value_exists(enum ttu_flags, TTU_RMAP_LOCKED),
				     bpf_core_enum_value(enum ttu_flags, TTU_RMAP_LOCKED));
	struct unmap_ctx step = { .folio = folio, .vma = vma, .reason = reason }, *ctx;

	/* memory-failure passes TTU_HWPOISON; splitting a huge page unmaps with the rmap lock already held */
	if (flags & hwpoison)
		step.reason = RMP_WHY_MEMORY_FAILURE;
	else if (flags & rmap_locked)
		step.reason = RMP_WHY_SPLIT;
	ctx = rmp_thread_get(&unmap_ctx, &step);
	if (!ctx) {
		rmp_count(RMP_STAT_NO_CONTEXT);	/* its unmaps will be reported as zaps */
		return;
	}
	*ctx = step;
}

/*
 * Each hook twice: fentry (BPF trampolines, typed arguments, no breakpoint) where the kernel has trampolines,
 * and kprobe where it does not; rmapctl loads one set.
 */
SEC("fentry/try_to_unmap_one")
int BPF_PROG(fentry_try_to_unmap_one, struct folio *folio, struct vm_area_struct *vma, unsigned long address,
	     void *arg)
{
	enter_unmap(folio, vma, (unsigned long)arg, RMP_WHY_RECLAIM);
	return 0;
}

SEC("kprobe/try_to_unmap_one")
int BPF_KPROBE(try_to_unmap_one, struct folio *folio, struct vm_area_struct *vma, unsigned long address,
	       void *arg)
{
	enter_unmap(folio, vma, (unsigned long)arg, RMP_WHY_RECLAIM);
	return 0;
}

SEC("fentry/try_to_migrate_one")
int BPF_PROG(fentry_try_to_migrate_one, struct folio *folio, struct vm_area_struct *vma, unsigned long address,
	     void *arg)
{
	enter_unmap(folio, vma, (unsigned long)arg, RMP_WHY_MIGRATION);
	return 0;
}

SEC("kprobe/try_to_migrate_one")
int BPF_KPROBE(try_to_migrate_one, struct folio *folio, struct vm_area_struct *vma, unsigned long address,
	       void *arg)
{
	enter_unmap(folio, vma, (unsigned long)arg, RMP_WHY_MIGRATION);
	return 0;
}

/*
 * exit_mm() calls mm_update_next_owner() after the exiting task left its mm and before it puts its reference:
 * while the mm's owner is still the current task, remember it (rmp_mm_owner() reads it back).
 */
static __always_inline void owner_leaving(struct mm_struct *mm)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	struct rmp_owner who = {};
	__u64 key = rmp_addr(mm);

	if (!bpf_core_field_exists(mm->owner) || rmp_addr(BPF_CORE_READ(mm, owner)) != rmp_addr(cur))
		return;
	who.mm_id = rmp_mm_id(mm);
	who.tgid = BPF_CORE_READ(cur, tgid);
	/* the process's name, not the exiting thread's */
	BPF_CORE_READ_STR_INTO(&who.comm, cur, group_leader, comm);
	bpf_map_update_elem(&mm_owners, &key, &who, BPF_ANY);
}

SEC("fentry/mm_update_next_owner")
int BPF_PROG(fentry_mm_update_next_owner, struct mm_struct *mm)
{
	owner_leaving(mm);
	return 0;
}

SEC("kprobe/mm_update_next_owner")
int BPF_KPROBE(mm_update_next_owner, struct mm_struct *mm)
{
	owner_leaving(mm);
	return 0;
}

/*
 * The end of a step: its context goes, so that a later removal of the same folio in the same vma by this task
 * (a munmap after reclaim left a locked page alone) is not taken for part of it.
 */
static __always_inline void leave_unmap(void)
{
	struct unmap_ctx *ctx = rmp_thread_get(&unmap_ctx, NULL);

	if (ctx)
		ctx->folio = NULL;
}

SEC("fexit/try_to_unmap_one")
int BPF_PROG(fexit_try_to_unmap_one)
{
	leave_unmap();
	return 0;
}

SEC("kretprobe/try_to_unmap_one")
int BPF_KRETPROBE(try_to_unmap_one_ret)
{
	leave_unmap();
	return 0;
}

SEC("fexit/try_to_migrate_one")
int BPF_PROG(fexit_try_to_migrate_one)
{
	leave_unmap();
	return 0;
}

SEC("kretprobe/try_to_migrate_one")
int BPF_KRETPROBE(try_to_migrate_one_ret)
{
	leave_unmap();
	return 0;
}

static __always_inline int removed(void *ctx, struct folio *folio, struct page *page, __u32 nr, __u8 level,
				   struct vm_area_struct *vma)
{
	struct unmap_ctx *step = rmp_thread_get(&unmap_ctx, NULL);
	const struct rmp_config *cfg = rmp_config();
	struct rmp_event ev;
	__u32 reason = RMP_WHY_NONE;
	__u64 pfn;
	__u8 one = 1;

	if (!cfg)
		return 0;
	if (step && step->folio == folio && step->vma == vma)
		reason = step->reason;
	if (reason == RMP_WHY_NONE && !cfg->want_zap)
		return 0;
	pfn = rmp_page_to_pfn(cfg, page);
	if (cfg->filter_by_pfn && !rmp_pfn_in(cfg->filter_pfn, pfn, nr))
		return 0;
	rmp_event_init(&ev, reason ? RMP_EV_UNMAP : RMP_EV_ZAP);
	rmp_mm_owner(BPF_CORE_READ(vma, vm_mm), &ev);
	if (cfg->filter_pid && ev.pid != cfg->filter_pid)
		return 0;
	/* the pid filter lets through the migrations of the pages it saw unmapped for migration */
	if (cfg->filter_pid && reason == RMP_WHY_MIGRATION)
		bpf_map_update_elem(&pid_pfns, &pfn, &one, BPF_ANY);
	if (reason != RMP_WHY_NONE && !cfg->want_unmap)
		return 0;
	ev.pfn = pfn;
	ev.dst_pfn = pfn;
	ev.nr_pages = nr;
	ev.reason = reason;
	ev.level = level;
	ev.order = rmp_folio_order(folio);
	ev.addr = rmp_page_address(folio, page, vma);
	rmp_emit(ctx, cfg, &ev);
	return 0;
}

/* Until 6.6: one call per page, or per folio when compound (a PMD mapping). */
static __always_inline int page_removed(void *ctx, struct page *page, struct vm_area_struct *vma,
					bool compound)
{
	struct folio *folio = rmp_page_folio(page);

	if (compound)
		return removed(ctx, folio, page, 1U << rmp_folio_order(folio), RMP_LEVEL_PMD, vma);
	return removed(ctx, folio, page, 1, RMP_LEVEL_PTE, vma);
}

SEC("fentry/page_remove_rmap")
int BPF_PROG(fentry_page_remove_rmap, struct page *page, struct vm_area_struct *vma, bool compound)
{
	return page_removed(ctx, page, vma, compound);
}

SEC("kprobe/page_remove_rmap")
int BPF_KPROBE(page_remove_rmap, struct page *page, struct vm_area_struct *vma, bool compound)
{
	return page_removed(ctx, page, vma, compound);
}

SEC("fentry/folio_remove_rmap_ptes")
int BPF_PROG(fentry_folio_remove_rmap_ptes, struct folio *folio, struct page *page, int nr_pages,
	     struct vm_area_struct *vma)
{
	return removed(ctx, folio, page, nr_pages, RMP_LEVEL_PTE, vma);
}

SEC("kprobe/folio_remove_rmap_ptes")
int BPF_KPROBE(folio_remove_rmap_ptes, struct folio *folio, struct page *page, int nr_pages,
	       struct vm_area_struct *vma)
{
	return removed(ctx, folio, page, nr_pages, RMP_LEVEL_PTE, vma);
}

SEC("fentry/folio_remove_rmap_pmd")
int BPF_PROG(fentry_folio_remove_rmap_pmd, struct folio *folio, struct page *page, struct vm_area_struct *vma)
{
	return removed(ctx, folio, page, 512, RMP_LEVEL_PMD, vma);
}

SEC("kprobe/folio_remove_rmap_pmd")
int BPF_KPROBE(folio_remove_rmap_pmd, struct folio *folio, struct page *page, struct vm_area_struct *vma)
{
	return removed(ctx, folio, page, 512, RMP_LEVEL_PMD, vma);
}
