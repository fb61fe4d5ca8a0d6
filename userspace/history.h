/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the flight recorder's history (bpf/rmap_trace.h, struct rmp_history per PFN): which events concern a
 * PFN, and where its contents went. Kept apart from the map itself so that the host unit tests can feed it a
 * table.
 */
#ifndef RMAPCTL_HISTORY_H
#define RMAPCTL_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "rmap_trace.h"

#define HISTORY_MAX_HOPS	16
#define HISTORY_MAX_EVENTS	(RMP_HISTORY_DEPTH * 10)

/* Where the history is kept: fills *@h for key @pfn, 0 if there is an entry. */
struct history_source {
	int (*lookup)(void *ctx, uint64_t pfn, struct rmp_history *h);
	void *ctx;
};

/*
 * Follow @pfn's contents from the oldest event recorded: call @emit for each event that concerns them, in
 * order (at each PFN until the contents moved away: later events there are about another page), and return the
 * PFN where they live now.
 */
uint64_t history_follow(const struct history_source *src, uint64_t pfn,
			void (*emit)(void *arg, const struct rmp_event *e), void *arg);

#endif
