// SPDX-License-Identifier: GPL-2.0
/*
 * The report's text: line-oriented key=value pairs, the format README.md documents ("The module's interface").
 */
#include <linux/ctype.h>
#include <linux/kdev_t.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "rmap_probe.h"

/* Room for @need more bytes and the NUL: the buffer doubled, or at least what this line needs. */
static bool rmp_grow(struct rmp_text *t, size_t need)
{
	size_t cap = max(2 * t->cap, t->len + need + 1);
	char *buf = kvmalloc(cap, GFP_KERNEL | __GFP_NOWARN);

	if (!buf && cap > t->len + need + 1) {
		cap = t->len + need + 1;	/* no room to double: what this line needs */
		buf = kvmalloc(cap, GFP_KERNEL | __GFP_NOWARN);
	}
	if (!buf) {
		t->err = -ENOMEM;
		return false;
	}
	if (t->len)
		memcpy(buf, t->buf, t->len);
	kvfree(t->buf);
	t->buf = buf;
	t->cap = cap;
	return true;
}

/*
 * Formatted into the room left, and again only if it did not fit: one vsnprintf() per piece, as a report of
 * thousands of mappings is mostly this.
 */
static __printf(2, 3) void rmp_printf(struct rmp_text *t, const char *fmt, ...)
{
	size_t room = t->cap - t->len, need;
	va_list args;

	if (t->err)
		return;
	va_start(args, fmt);
	need = vsnprintf(room ? t->buf + t->len : NULL, room, fmt, args);
	va_end(args);
	if (need < room) {
		t->len += need;
		return;
	}
	if (!rmp_grow(t, need))
		return;
	va_start(args, fmt);
	t->len += vsnprintf(t->buf + t->len, t->cap - t->len, fmt, args);
	va_end(args);
}

/* Anything but printable ASCII: the kernel's isprint() passes Latin-1's 0xa0-0xff, which would split UTF-8. */
static bool rmp_needs_escape(char c)
{
	unsigned char u = c;

	return u <= ' ' || u > '~' || u == '\\' || u == '=';
}

static bool rmp_plain(const char *s)
{
	for (; *s; s++)
		if (rmp_needs_escape(*s))
			return false;
	return true;
}

/* Values may hold any byte: spaces, newlines and backslashes become \ooo, as in /proc/mounts. */
static void rmp_print_escaped(struct rmp_text *t, const char *s)
{
	size_t n;

	while (*s) {
		/* a run that needs no escape in one piece, kept below vsnprintf()'s precision limit (32767) */
		for (n = 0; n < 4096 && s[n] && !rmp_needs_escape(s[n]); n++)
			;
		if (n) {
			rmp_printf(t, "%.*s", (int)n, s);
			s += n;
		} else {
			rmp_printf(t, "\\%03o", (unsigned char)*s++);
		}
	}
}

/* The names of @flags' bits, comma-separated, into @buf (every name fits: RMP_NR_FLAGS of them, short). */
static void rmp_flag_list(char *buf, size_t size, u64 flags)
{
	size_t len = 0;
	int bit;

	buf[0] = '\0';
	for (bit = 0; rmp_flag_names[bit]; bit++)
		if (flags & BIT_ULL(bit))
			len += scnprintf(buf + len, size - len, "%s%s", len ? "," : "", rmp_flag_names[bit]);
}

/*
 * A report is mostly this, a page after another in a range or a list: each line in as few vsnprintf() calls
 * as its optional parts allow.
 */
void rmp_format(struct rmp_text *t, const struct rmp_report *r)
{
	char flags[RMP_NR_FLAGS * 12];
	size_t i;

	rmp_flag_list(flags, sizeof(flags), r->flags);
	rmp_printf(t, "page pfn=0x%lx head_pfn=0x%lx order=%u kind=%s node=%d zone=%s refcount=%d mapcount=%d flags=%s\n",
		   r->pfn, r->head_pfn, r->order, r->kind, r->node, r->zone, r->refcount, r->mapcount, flags);
	if (r->has_file) {
		bool plain = rmp_plain(r->path);

		rmp_printf(t, "file ino=%lu dev=%u:%u index=%lu path=%s%s", r->ino, MAJOR(r->dev), MINOR(r->dev),
			   r->index, plain ? r->path : "", plain ? "\n" : "");
		if (!plain) {
			rmp_print_escaped(t, r->path);
			rmp_printf(t, "\n");
		}
	}
	if (r->hold.known) {
		const struct rmp_hold *h = &r->hold;
		char pins[24] = "";

		if (h->pincount >= 0)
			scnprintf(pins, sizeof(pins), " pincount=%d", h->pincount);
		rmp_printf(t, "hold mapped=%d cache=%d private=%d extra=%d dma_pinned=%d%s migrate=%s", h->mapped,
			   h->cache, h->private, h->extra, h->dma_pinned, pins, h->migrate);
		if (h->migrate_fn)
			rmp_printf(t, " migrate_fn=%ps", h->migrate_fn);
		rmp_printf(t, " pageblock=%s\n", h->pageblock);
	}
	for (i = 0; i < r->nr_maps; i++) {
		const struct rmp_mapping *m = &r->maps[i];
		bool plain = rmp_plain(m->comm);

		/* the whole line in one piece unless the name needs escapes */
		rmp_printf(t, "map pid=%d comm=%s", m->pid, plain ? m->comm : "");
		if (!plain)
			rmp_print_escaped(t, m->comm);
		rmp_printf(t, " vaddr=0x%lx vma_start=0x%lx vma_end=0x%lx vm_flags=0x%lx level=%s writable=%d dirty=%d young=%d soft_dirty=%d uffd_wp=%d shared_table=%d\n",
			   m->vaddr, m->vma_start, m->vma_end, m->vm_flags, rmp_level_names[m->level], m->writable,
			   m->dirty, m->young, m->soft_dirty, m->uffd_wp, m->shared_table);
	}
	rmp_printf(t, "end mappings=%zu entries=%zu verdict=%s attempts=%u nodes=%lu vmas=%lu tables=%lu lock_ns=%llu%s%s ptl_ns=%llu%s%s%s",
		   r->nr_maps, r->nr_entries, rmp_verdict_names[r->verdict], r->attempts, r->nodes, r->vmas,
		   r->tables, r->lock_ns, r->lock_name ? " lock=" : "", r->lock_name ?: "", r->ptl_ns,
		   r->ksm_walk ? " ksm=" : "", r->ksm_walk ?: "", r->note ? " note=" : "\n");
	if (r->note) {
		rmp_print_escaped(t, r->note);
		rmp_printf(t, "\n");
	}
}

/*
 * A page of a range or a list that has no report: the query's error (E2BIG: more mappings than a report holds;
 * ENOMEM; in a list, ENXIO: no online memory there).
 */
void rmp_format_error(struct rmp_text *t, unsigned long pfn, int err)
{
	rmp_printf(t, "error pfn=0x%lx errno=%d\n", pfn, -err);
}

/* The last line of a list's answer: how many PFNs it had (each has its report or error line). */
void rmp_format_list_done(struct rmp_text *t, unsigned int count)
{
	rmp_printf(t, "pfns_done count=%u\n", count);
}

/* The last line of a range's answer: what became of each of its PFNs. */
void rmp_format_range_done(struct rmp_text *t, const struct rmp_range *range)
{
	rmp_printf(t, "range_done start=0x%lx end=0x%lx reported=%lu free=%lu holes=%lu\n", range->start,
		   range->end, range->reported, range->free, range->holes);
}
