/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RMAP_PROBE_H
#define RMAP_PROBE_H

#include <linux/sched.h>
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
};

/*
 * complete: every mapping the mapcount promises was found; raced: the page changed under every attempt;
 * mismatch: a stable page whose mapcount the reverse map does not explain; untracked: the page is not
 * reverse-mapped (slab, page table, zero page, driver page, free page), so there is nothing to walk.
 */
enum rmp_verdict { RMP_COMPLETE, RMP_RACED, RMP_MISMATCH, RMP_UNTRACKED };

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
};

extern const char * const rmp_flag_names[];
extern const char * const rmp_verdict_names[];
extern const char * const rmp_level_names[];

int rmp_query(unsigned long pfn, struct rmp_report *r);
void rmp_report_free(struct rmp_report *r);

int rmap_probe_debugfs_init(void);
void rmap_probe_debugfs_exit(void);

#endif /* RMAP_PROBE_H */
