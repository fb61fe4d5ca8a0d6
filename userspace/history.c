// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "history.h"

static bool event_covers(const struct rmp_event *e, uint64_t pfn)
{
	uint64_t nr = e->nr_pages ? e->nr_pages : 1;

	if (pfn >= e->pfn && pfn < e->pfn + nr)
		return true;
	return e->type == RMP_EV_MIGRATE && pfn >= e->dst_pfn && pfn < e->dst_pfn + nr;
}

static bool moved_away(const struct rmp_event *e, uint64_t pfn)
{
	return e->type == RMP_EV_MIGRATE && e->ok && pfn >= e->pfn && pfn < e->pfn + e->nr_pages;
}

static int by_time(const void *a, const void *b)
{
	const struct rmp_event *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/*
 * Events about @pfn newer than @after, oldest first: kept under the PFN itself, or under the head of a larger
 * folio (up to PMD order) or of a batch of PTEs that covers it.
 */
static size_t events_of(const struct history_source *src, uint64_t pfn, uint64_t after, struct rmp_event *out)
{
	struct rmp_history h;
	uint64_t key, prev = ~0ULL;
	size_t n = 0, kept = 0;

	for (int order = 0; order <= 9; order++) {
		key = pfn & ~((1ULL << order) - 1);
		if (key == prev)
			continue;
		prev = key;
		if (src->lookup(src->ctx, key, &h))
			continue;
		for (uint32_t i = 0; i < RMP_HISTORY_DEPTH && i < h.next && n < HISTORY_MAX_EVENTS; i++)
			if (h.ev[i].ts_ns > after && event_covers(&h.ev[i], pfn))
				out[n++] = h.ev[i];
	}
	qsort(out, n, sizeof(*out), by_time);
	/* the same migration is kept under its source and its destination: once is enough */
	for (size_t i = 0; i < n; i++)
		if (!kept || memcmp(&out[i], &out[kept - 1], sizeof(*out)))
			out[kept++] = out[i];
	return kept;
}

uint64_t history_follow(const struct history_source *src, uint64_t pfn,
			void (*emit)(void *arg, const struct rmp_event *e), void *arg)
{
	struct rmp_event ev[HISTORY_MAX_EVENTS];
	uint64_t after = 0;

	for (int hop = 0; hop < HISTORY_MAX_HOPS; hop++) {
		size_t n = events_of(src, pfn, after, ev), i;

		for (i = 0; i < n; i++) {
			emit(arg, &ev[i]);
			if (moved_away(&ev[i], pfn))
				break;
		}
		if (i == n)
			break;
		/* follow the contents; only what happened to them after the move */
		pfn = ev[i].dst_pfn + (pfn - ev[i].pfn);
		after = ev[i].ts_ns;
	}
	return pfn;
}
