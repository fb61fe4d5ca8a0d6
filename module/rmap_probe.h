/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RMAP_PROBE_H
#define RMAP_PROBE_H

#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/types.h>

#define RMAP_PROBE_VERSION "0.1.0"

enum rmp_level { RMP_PTE, RMP_PMD, RMP_PUD };

/* One page-table entry that maps the queried page. */
struct rmp_mapping {
	const struct mm_struct *mm;	/* identity only, never printed */
	pid_t pid;			/* tgid of the mm's owner, initial PID namespace; 0 if none */
	char comm[TASK_COMM_LEN];
	unsigned long vaddr, vma_start, vma_end, vm_flags;
	enum rmp_level level;
	bool writable, dirty, young, soft_dirty, uffd_wp;
	bool shared_table;		/* a hugetlb PMD table shared with other processes (huge_pmd_share()) */
	const void *entry;		/* the page-table entry, identity only: shared tables count once */
};

/*
 * complete: every mapping the mapcount promises was found (README.md says exactly what that claims);
 * raced: the page changed under every attempt; mismatch: a stable page whose mapcount the reverse map does
 * not explain; untracked: the page is not reverse-mapped (slab, page table, zero page, driver page, free
 * page), so there is nothing to walk; unverified: the mappings were confirmed but the kernel keeps no count of
 * this page's own to check their number against (CONFIG_NO_PAGE_MAPCOUNT, large folios).
 */
enum rmp_verdict { RMP_COMPLETE, RMP_RACED, RMP_MISMATCH, RMP_UNTRACKED, RMP_UNVERIFIED };

struct rmp_report {
	unsigned long pfn, head_pfn;
	unsigned int order;
	const char *kind;
	u64 flags;			/* RMP_F_* bits, named by rmp_flag_names[] */
	int refcount, mapcount, node;
	bool has_file;
	unsigned long ino, index;
	dev_t dev;
	char *path;			/* points into path_buf, "" if unknown */
	char *path_buf;
	enum rmp_verdict verdict;
	unsigned int attempts;
	const char *note;
	struct rmp_mapping *maps;
	size_t nr_maps, cap_maps;
	size_t nr_entries;		/* distinct page-table entries among maps: what mapcount counts */
	/*
	 * What the walk cost, over every attempt: interval-tree nodes its searches visited, vmas looked at,
	 * page-table locks taken, the longest any one lock was held (@lock_ns, by @lock_name: "anon_vma",
	 * "i_mmap", "folio", "ptl" or "mmap"; NULL if none was taken) and the longest a page-table lock was.
	 */
	unsigned long nodes, vmas, tables;
	u64 lock_ns, ptl_ns;
	const char *lock_name;
	/*
	 * This attempt's KSM search could not look at every mm at one time: it let go of an mmap_lock (an
	 * mremap() meanwhile can move a PTE past it), or an mm was being torn down (its PTEs still counted): a
	 * count that does not match is then "raced", not "mismatch".
	 */
	bool ksm_gap;
	const char *ksm_walk;		/* a KSM folio's: "stable" (its stable node's list) or "search"; else NULL */
	const char *zone;
	/* What holds the folio (hold.c), for the folios a query pins: what would stop it moving or going. */
	struct rmp_hold {
		bool known;
		int mapped, cache, private, extra;	/* references: page tables, page/swap cache, PG_private, rest */
		bool dma_pinned;
		int pincount;			/* a large folio's own pin count; -1 for a small folio (none kept) */
		/* how migration would move it: migrate_folio, fallback (clean only), isolated, unknown, none */
		const char *migrate;
		const void *migrate_fn;		/* a file's a_ops->migrate_folio, named in the report */
		const char *pageblock;		/* its pageblock's migratetype */
		bool isolated;			/* the pageblock is isolated (offline or a contiguous allocation) */
	} hold;
};

/* The page flags a report names, in the order of rmp_flag_names[]. */
enum {
	RMP_F_LOCKED, RMP_F_REFERENCED, RMP_F_UPTODATE, RMP_F_DIRTY, RMP_F_LRU, RMP_F_ACTIVE,
	RMP_F_WORKINGSET, RMP_F_WRITEBACK, RMP_F_RECLAIM, RMP_F_SWAPBACKED, RMP_F_SWAPCACHE,
	RMP_F_UNEVICTABLE, RMP_F_MLOCKED, RMP_F_RESERVED, RMP_F_PRIVATE, RMP_F_HWPOISON,
	RMP_F_HEAD, RMP_F_TAIL, RMP_F_THP, RMP_F_HUGETLB, RMP_F_ANON, RMP_F_KSM, RMP_F_MAPPED,
	RMP_F_SLAB, RMP_F_BUDDY, RMP_F_PGTABLE, RMP_F_ZERO, RMP_NR_FLAGS
};

extern const char * const rmp_flag_names[];
extern const char * const rmp_verdict_names[];
extern const char * const rmp_level_names[];

/*
 * The longest lock holds of a query. The sleeping locks (folio, anon_vma, i_mmap, mmap) are held across
 * cond_resched() and may be let go on another CPU: they are timed by the global monotonic clock,
 * rmp_lock_clock() when taken and rmp_lock_released() when let go (a few clock reads per query). A page-table
 * lock is held with preemption off, taken and let go on one CPU: rmp_ptl_clock() after spin_lock(),
 * rmp_ptl_unlock() reads it again before spin_unlock(), so sched_clock() (the TSC on x86, per-CPU, cheap: it
 * runs once per mapping) is compared only with itself. Not local_clock(): where the TSC is marked unstable
 * (every TCG guest here), it keeps each CPU's clock within a tick of the last tick's time, and once a late
 * tick's window is used up every hold read 0. The locks nest (query.c), so the longest is the outermost's;
 * page-table locks, in the way of faults, have their own maximum.
 */
static inline u64 rmp_lock_clock(void)
{
	return ktime_get_ns();
}

static inline void rmp_lock_note(struct rmp_report *r, const char *lock, u64 ns)
{
	if (!r->lock_name || ns > r->lock_ns) {
		r->lock_ns = ns;
		r->lock_name = lock;
	}
}

static inline void rmp_lock_released(struct rmp_report *r, const char *lock, u64 taken)
{
	rmp_lock_note(r, lock, ktime_get_ns() - taken);
}

static inline u64 rmp_ptl_clock(void)
{
	return sched_clock();
}

static inline void rmp_ptl_unlock(struct rmp_report *r, spinlock_t *ptl, u64 taken)
{
	u64 ns = sched_clock() - taken;

	spin_unlock(ptl);
	r->ptl_ns = max(r->ptl_ns, ns);
	rmp_lock_note(r, "ptl", ns);
}

/* query.c: the whole answer for one PFN */
int rmp_query(unsigned long pfn, struct rmp_report *r);
void rmp_report_free(struct rmp_report *r);

/*
 * The steps, one file each: lookup.c (the page tables and the list of mappings found), walk.c (anon and
 * file), ksm.c (KSM, from the stable node), ksm_search.c (KSM, searched for).
 */
int rmp_check_vma(struct rmp_report *r, struct vm_area_struct *vma, unsigned long addr, unsigned long pfn);
int rmp_scan_range(struct rmp_report *r, struct vm_area_struct *vma, unsigned long addr, unsigned long end,
		   unsigned long pfn, unsigned long budget, unsigned long *next);
int rmp_walk_anon(struct rmp_report *r, struct folio *folio, struct page *page);
int rmp_walk_file(struct rmp_report *r, struct folio *folio, struct page *page);
struct address_space *rmp_file_mapping(struct folio *folio);
int rmp_walk_ksm(struct rmp_report *r, struct folio *folio, struct page *page);
int rmp_ksm_search(struct rmp_report *r, struct folio *folio, struct page *page);
void rmp_mappings_unique(struct rmp_report *r);
void rmp_mappings_sort(struct rmp_report *r, size_t from, size_t to);
bool rmp_mappings_find(const struct rmp_report *r, size_t from, size_t to, const struct mm_struct *mm,
		       unsigned long vaddr);
void rmp_ksm_init(void);
/* hold.c: the references a pinned folio holds, and what its mapping and pageblock allow */
void rmp_account_hold(struct rmp_report *r, struct folio *folio);
const char *rmp_mapping_migrate(struct rmp_report *r, struct address_space *mapping);

/* report.c: a growing text buffer (a report has one line per mapping, a libc page thousands) and the format */
struct rmp_text {
	char *buf;
	size_t len, cap;
	int err;
};

void rmp_format(struct rmp_text *t, const struct rmp_report *r);

/* A range request's progress: [start, end), the next PFN to look at, and what became of those before it. */
struct rmp_range {
	unsigned long start, end, next;
	unsigned long reported, free, holes;
	bool done;			/* the closing line is written */
};

void rmp_format_error(struct rmp_text *t, unsigned long pfn, int err);
void rmp_format_range_done(struct rmp_text *t, const struct rmp_range *range);
void rmp_format_list_done(struct rmp_text *t, unsigned int count);

/* range.c: PFNs not worth a report (holes, free blocks), skipped a block at a time */
unsigned long rmp_range_skip(unsigned long pfn, unsigned long end, bool *hole);

int rmap_probe_debugfs_init(void);
void rmap_probe_debugfs_exit(void);

#endif /* RMAP_PROBE_H */
