/* SPDX-License-Identifier: GPL-2.0 */
/* How rmapctl talks to rmap_probe.ko (probe.c): one PFN's report, or a range's reports as they are read. */
#ifndef RMAPCTL_PROBE_H
#define RMAPCTL_PROBE_H
#include <stdbool.h>
#include <stdint.h>
#include "report.h"

#define DEBUGFS "/sys/kernel/debug"
#define PROBE_DIR DEBUGFS "/rmap_probe"

/* Open one of the module's files; exits with a clear message (and exit code) when it cannot. */
int open_probe_file(const char *name, int flags);

/* /proc/PID/pagemap: one 64-bit entry per page (Documentation/admin-guide/mm/pagemap.rst). */
#define PAGE_SIZE_ ((uint64_t)4096)
#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_PFN_MASK ((1ULL << 55) - 1)	/* the PFN; swapped: type (bits 0-4) and offset */

/* /proc/@pid/pagemap opened for reading, or an error said and -(exit code): no process 7, not permitted 4. */
int open_pagemap(long pid);

/* Ask the module about @pfn (@arg as the user wrote it, for messages); an exit code. */
int probe_query(uint64_t pfn, const char *arg, struct report *r);

/* A range request being read: the module answers [start, end) a batch of pages per read(). */
struct range_reader {
	int fd;
	char *buf;
	size_t len, cap;
	uint64_t start, end;
	uint64_t next;				/* the PFN after the last one seen: progress */
	bool done;				/* the closing line was read */
	uint64_t reported, free, holes;		/* from the closing line */
};

/* Ask for [@start, @end); an exit code. */
int probe_range_open(struct range_reader *rr, uint64_t start, uint64_t end);
/*
 * Ask for the @n PFNs of @pfns (at most PROBE_LIST_MAX), each reported in turn as a single query reports it
 * (or its error), read with probe_range_next(); an exit code.
 */
#define PROBE_LIST_MAX 4096
int probe_list_open(struct range_reader *rr, const uint64_t *pfns, size_t n);
/*
 * The range's next page: 1 with @r filled (to report_free()), or with *@err set to the module's errno for a
 * page it could not report (@r then has only its pfn); 0 after the closing line; or -(exit code).
 */
int probe_range_next(struct range_reader *rr, struct report *r, int *err);
void probe_range_close(struct range_reader *rr);
/*
 * On a terminal, a long scan says how far it is, on one line it rewrites, at most ten times a second (call it
 * for every page); @final clears it.
 */
void probe_range_progress(const struct range_reader *rr, bool final);

/* The PFNs [*start, *end) of memory block @block (/sys/devices/system/memory/memoryN); an exit code. */
int memory_block_span(uint64_t block, uint64_t *start, uint64_t *end);
#endif
