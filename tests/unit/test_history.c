// SPDX-License-Identifier: GPL-2.0
/* Host-side unit tests of following a PFN's recorded history (userspace/history.c), over a table. */
#include <stdio.h>
#include <string.h>
#include "history.h"

#define SLOTS 16

static struct {
	uint64_t pfn;
	struct rmp_history h;
} table[SLOTS];
static int failed;

static void result(const char *name, int ok)
{
	printf("%s: unit %s\n", ok ? "PASS" : "FAIL", name);
	failed += !ok;
}

static int table_lookup(void *ctx, uint64_t pfn, struct rmp_history *h)
{
	(void)ctx;
	for (int i = 0; i < SLOTS; i++)
		if (table[i].h.next && table[i].pfn == pfn) {
			*h = table[i].h;
			return 0;
		}
	return -1;
}

/* What the BPF side's rmp_remember() does: a ring of the newest RMP_HISTORY_DEPTH events per PFN. */
static void remember(uint64_t pfn, const struct rmp_event *e)
{
	int i;

	for (i = 0; i < SLOTS && table[i].h.next && table[i].pfn != pfn; i++)
		;
	table[i].pfn = pfn;
	table[i].h.ev[table[i].h.next++ % RMP_HISTORY_DEPTH] = *e;
}

static void migrate(uint64_t ts, uint64_t src, uint64_t dst, unsigned int order, int ok)
{
	struct rmp_event e = { .ts_ns = ts, .type = RMP_EV_MIGRATE, .pfn = src, .dst_pfn = dst,
			       .nr_pages = 1U << order, .order = order, .ok = ok };

	remember(src, &e);
	if (dst != src)
		remember(dst, &e);
}

static void unmap(uint64_t ts, uint64_t pfn, uint32_t pid)
{
	struct rmp_event e = { .ts_ns = ts, .type = RMP_EV_UNMAP, .pfn = pfn, .dst_pfn = pfn, .nr_pages = 1,
			       .pid = pid, .reason = RMP_WHY_MIGRATION };

	remember(pfn, &e);
}

struct seen {
	uint64_t ts[32];
	int n;
};

static void collect(void *arg, const struct rmp_event *e)
{
	struct seen *s = arg;

	if (s->n < 32)
		s->ts[s->n++] = e->ts_ns;
}

static const struct history_source src = { .lookup = table_lookup };

static int seen_is(const struct seen *s, const uint64_t *want, int n)
{
	if (s->n != n)
		return 0;
	for (int i = 0; i < n; i++)
		if (s->ts[i] != want[i])
			return 0;
	return 1;
}

int main(void)
{
	struct seen s;

	memset(&s, 0, sizeof(s));
	result("history: nothing recorded, the PFN stays", history_follow(&src, 100, collect, &s) == 100 && !s.n);

	/* three mappers unmapped, moved 100 -> 200, then 200 -> 100 (the first PFN reused) */
	unmap(1, 100, 11);
	unmap(2, 100, 12);
	unmap(3, 100, 13);
	migrate(4, 100, 200, 0, 1);
	unmap(5, 200, 11);
	migrate(6, 200, 100, 0, 1);
	memset(&s, 0, sizeof(s));
	{
		const uint64_t want[] = { 1, 2, 3, 4, 5, 6 };

		result("history: follows two moves back to a reused PFN",
		       history_follow(&src, 100, collect, &s) == 100 && seen_is(&s, want, 6));
	}
	/* a later page at 200 is not ours: its events stop where the contents left */
	unmap(7, 200, 99);
	memset(&s, 0, sizeof(s));
	{
		const uint64_t want[] = { 1, 2, 3, 4, 5, 6 };

		result("history: events at a PFN after the contents left are not followed",
		       history_follow(&src, 100, collect, &s) == 100 && seen_is(&s, want, 6));
	}
	/* a failed move: the contents stay */
	migrate(8, 300, 300, 0, 0);
	memset(&s, 0, sizeof(s));
	result("history: a failed move is shown and the contents stay",
	       history_follow(&src, 300, collect, &s) == 300 && s.n == 1 && s.ts[0] == 8);
	/* a THP moved as one folio: a tail PFN finds the head's event and lands at the same offset */
	migrate(9, 0x1000, 0x2000, 9, 1);
	memset(&s, 0, sizeof(s));
	result("history: a tail page of a moved THP follows it to the same offset",
	       history_follow(&src, 0x1005, collect, &s) == 0x2005 && s.n == 1 && s.ts[0] == 9);
	/* the ring keeps the newest RMP_HISTORY_DEPTH events */
	for (int i = 0; i < RMP_HISTORY_DEPTH + 2; i++)
		unmap(20 + i, 400, 1);
	memset(&s, 0, sizeof(s));
	result("history: the newest events of a full ring, oldest first",
	       history_follow(&src, 400, collect, &s) == 400 && s.n == RMP_HISTORY_DEPTH && s.ts[0] == 22 &&
	       s.ts[RMP_HISTORY_DEPTH - 1] == 20 + RMP_HISTORY_DEPTH + 1);
	return failed ? 1 : 0;
}
