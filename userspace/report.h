/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's per-PFN report, parsed: the format is documented in README.md ("Report format").
 */
#ifndef RMAPCTL_REPORT_H
#define RMAPCTL_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "json.h"

#define REPORT_FIELD_MAX 256

struct mapping {
	long pid;
	char comm[64];
	uint64_t vaddr, vma_start, vma_end, vm_flags;
	char level[8];
	bool writable, dirty, young, soft_dirty, uffd_wp;
	bool shared_table;	/* a hugetlb PMD table shared between processes: one entry for all */
};

struct report {
	uint64_t pfn, head_pfn;
	unsigned int order;
	char kind[32];
	char flags[REPORT_FIELD_MAX];	/* comma-separated names */
	long refcount, mapcount;
	int node;
	char zone[16];				/* "" if the module did not say (an older one) */
	struct hold {				/* what holds the folio: only for folios the module pinned */
		bool known;
		long mapped, cache, private_, extra;	/* references: page tables, page/swap cache, PG_private, rest */
		bool dma_pinned;
		long pincount;			/* a large folio's own pin count, -1 if none is kept */
		char migrate[24];		/* migrate_folio, fallback (clean only), isolated, unknown, none */
		char migrate_fn[64];		/* a file's migrate_folio callback, "" if none or not a file */
		char pageblock[16];		/* the pageblock's migratetype */
	} hold;
	bool has_file;
	uint64_t ino, index;
	char dev[32];
	char path[4096];
	char verdict[32];
	unsigned int attempts;
	long entries;				/* distinct page-table entries; -1 if the module did not say */
	bool has_cost;				/* older modules do not say */
	/*
	 * What the walk cost: interval-tree nodes visited, vmas looked at, page-table locks taken, the longest
	 * any one lock was held (ns) and which ("" if the module did not say, or took none), the longest a
	 * page-table lock was
	 */
	uint64_t cost_nodes, cost_vmas, cost_tables, cost_lock_ns, cost_ptl_ns;
	bool has_lock_cost;			/* nodes and lock_ns: older modules do not say */
	char cost_lock[16];
	char ksm_walk[8];	/* a KSM page's: "stable" (its stable node walked) or "search"; "" if neither */
	char note[REPORT_FIELD_MAX];
	struct mapping *maps;
	size_t nr_maps, cap_maps;
};

/* PFN as the kernel prints it: decimal or 0x hex, nothing else. 0 on success, -1 with a reason otherwise. */
int parse_pfn(const char *s, uint64_t *pfn, const char **why);

/* Parse the module's text; 0 on success, -1 with *line set to the offending line number. */
int report_parse(struct report *r, const char *text, int *line);
void report_free(struct report *r);

void report_print_human(const struct report *r, FILE *out);
/* pfn -v: what the walk cost, one line */
void report_print_cost(const struct report *r, FILE *out);
void report_print_json(const struct report *r, FILE *out);
/* The report as one JSON object, inside a document being written. */
void report_write_json(struct json *j, const struct report *r);

#endif
