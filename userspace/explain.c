// SPDX-License-Identifier: GPL-2.0
/*
 * rmapctl explain: the module's facts about a page (what kind it is, the references it holds and what they
 * are, its flags, its mappings and their vmas) turned into an answer per operation, each in the kernel's own
 * terms:
 *
 *   migrate  compaction, NUMA balancing, move_pages(), CMA: migrate_pages() unmaps the folio and then wants
 *            its refcount to be exactly what its mappings and caches hold (folio_expected_ref_count());
 *            anything more and it gives up: a DMA pin never ends by itself, other references do.
 *   reclaim  shrink_folio_list(): never an mlocked or unevictable folio, nor an anonymous one without swap;
 *            dirty ones are written back first; it too fails on references beyond the expected ones.
 *   offline  offline_pages() of the folio's memory block: every page must be free or migrate; pages that are
 *            not movable at all (slab, page tables, reserved) make it refuse at once (EBUSY), pinned ones make
 *            it retry until a signal.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "explain.h"
#include "probe.h"
#include "rmapctl.h"

const char *const explain_op_names[NR_OPS] = { "migrate", "reclaim", "offline" };

/* vm_flags bits (include/linux/mm.h), the same on every line */
#define VM_LOCKED_ 0x00002000ULL

/* A FOLL_PIN pin adds this to a small folio's refcount (GUP_PIN_COUNTING_BIAS) */
#define PIN_BIAS 1024

static bool has_flag(const struct report *r, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = r->flags; (p = strstr(p, name)); p += n)
		if ((p == r->flags || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static bool kind_is(const struct report *r, const char *kind)
{
	return !strcmp(r->kind, kind);
}

static void say(struct answer *a, const char *verdict, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(struct answer *a, const char *verdict, const char *reason, const char *fmt, ...)
{
	va_list args;

	a->verdict = verdict;
	a->reason = reason;
	va_start(args, fmt);
	vsnprintf(a->detail, sizeof(a->detail), fmt, args);
	va_end(args);
}

/* Append ", pid N (comm) at 0x..." for each mapping @pick chooses, at most a few, to @a's detail. */
static void name_mappers(struct answer *a, const struct report *r, const char *intro,
			 bool (*pick)(const struct mapping *m))
{
	size_t len = strlen(a->detail), shown = 0, more = 0;

	for (size_t i = 0; i < r->nr_maps; i++) {
		const struct mapping *m = &r->maps[i];

		if (pick && !pick(m))
			continue;
		if (shown == 4) {
			more++;
			continue;
		}
		len += (size_t)snprintf(a->detail + len, len < sizeof(a->detail) ? sizeof(a->detail) - len : 0,
					"%s pid %ld (%s) at 0x%" PRIx64, shown ? "," : intro, m->pid, m->comm, m->vaddr);
		shown++;
		if (len >= sizeof(a->detail))
			return;
	}
	if (more)
		snprintf(a->detail + len, sizeof(a->detail) - len, " and %zu more", more);
}

static bool is_mlocked_mapping(const struct mapping *m)
{
	return m->vm_flags & VM_LOCKED_;
}

/* Pages that are not folios the module could look into: the same answer for every operation, or false. */
static bool explain_untracked(const struct report *r, struct answer out[NR_OPS])
{
	if (kind_is(r, "free")) {
		for (int op = 0; op < NR_OPS; op++)
			say(&out[op], "yes", "free", "the page is free (in the buddy allocator)");
		return true;
	}
	if (kind_is(r, "unused")) {
		for (int op = 0; op < NR_OPS; op++) {
			if (!strcmp(r->verdict, "raced"))
				say(&out[op], "waits", "in-transit",
				    "its refcount is frozen: a split, migration or reclaim is in progress; ask again");
			else
				say(&out[op], "yes", "free", "the page is not in use (a per-CPU free list or being freed)");
		}
		return true;
	}
	if (kind_is(r, "slab") || kind_is(r, "pagetable") || kind_is(r, "reserved") || kind_is(r, "zero") ||
	    kind_is(r, "other")) {
		const char *what = kind_is(r, "slab") ? "slab memory (kernel objects)" :
				   kind_is(r, "pagetable") ? "a page table" :
				   kind_is(r, "zero") ? "the shared zero page" :
				   kind_is(r, "reserved") ? "reserved memory" :
				   "kernel or driver memory, not on the LRU";

		say(&out[OP_MIGRATE], "no", "not-movable", "%s is not movable", what);
		say(&out[OP_RECLAIM], "no", "not-reclaimable", "%s is not reclaimed: %s", what,
		    kind_is(r, "slab") ? "only its cache's shrinker frees objects, and the page when all are free" :
		    kind_is(r, "pagetable") ? "it goes when its process unmaps the range or exits" :
		    "its owner frees it");
		say(&out[OP_OFFLINE], "no", "not-movable",
		    "%s is not movable: offlining its memory block is refused (EBUSY)", what);
		return true;
	}
	if (!r->hold.known) {
		for (int op = 0; op < NR_OPS; op++)
			say(&out[op], "unknown", "no-facts",
			    "the loaded rmap_probe.ko does not report what holds a page: load this version's module");
		return true;
	}
	return false;
}

/* Who pinned it, as the flight recorder saw it, appended to @a's detail. */
static void name_pinner(struct answer *a, const struct explain_env *env)
{
	size_t len = strlen(a->detail);

	if (env->pinner == PINNER_KNOWN)
		snprintf(a->detail + len, sizeof(a->detail) - len, "; pinned by pid %ld (%s) %.0f s ago%s%s%s%s%s",
			 env->pinner_pid, env->pinner_comm, env->pinner_age_s,
			 env->pinner_longterm ? ", long-term" : "", env->pinner_via[0] ? " via " : "",
			 env->pinner_via, env->pinner_gone ? " (that process has exited: the pin outlived it)" : "",
			 env->pinner_stale ? " (the recorder counts more pins than the kernel holds: it missed "
			 "unpins, and this may name an older pin)" : "");
	else if (env->pinner == PINNER_UNSEEN)
		snprintf(a->detail + len, sizeof(a->detail) - len,
			 "; the flight recorder saw no long-term pin of it (pinned before it started, short-term, or "
			 "by a path it does not hook: folio_add_pin(), past the first 1024 pages of one call)");
	else if (env->pinner == PINNER_NOT_FOLLOWED)
		snprintf(a->detail + len, sizeof(a->detail) - len,
			 "; the flight recorder runs without pin events (--attach kprobe, or refused): it cannot say");
	else
		snprintf(a->detail + len, sizeof(a->detail) - len,
			 "; 'rmapctl record start' names who pins pages from then on");
}

/* References beyond mappings and caches: a DMA pin (no), or others that end by themselves (waits). */
static bool explain_extra(const struct report *r, const struct explain_env *env, struct answer *a,
			  const char *what_fails)
{
	const struct hold *h = &r->hold;

	if (h->dma_pinned) {
		long pins = h->pincount >= 0 ? h->pincount : h->extra / PIN_BIAS;

		say(a, "no", "dma-pinned",
		    "DMA-pinned: %ld reference%s beyond mappings and caches (%ld pin%s: io_uring fixed buffers, RDMA, "
		    "vfio, O_DIRECT in flight); %s", h->extra, h->extra == 1 ? "" : "s", pins, pins == 1 ? "" : "s",
		    what_fails);
		name_pinner(a, env);
		name_mappers(a, r, "; mapped by", NULL);
		return true;
	}
	if (h->extra > 0) {
		say(a, "waits", "extra-references",
		    "%ld reference%s beyond mappings and caches: %sget_user_pages() without FOLL_PIN, O_DIRECT or "
		    "vmsplice in flight, or another migration or reclaim in progress", h->extra, h->extra == 1 ? "" : "s",
		    has_flag(r, "lru") ? "" : "not on the LRU: likely a per-CPU LRU batch (move_pages() and "
		    "offlining drain them first); or ");
		return true;
	}
	return false;
}

/* Filesystems whose migrate_folio() refuses every folio: their memory never moves. */
static bool refuses_migration(const struct hold *h)
{
	return !strncmp(h->migrate_fn, "secretmem_migrate_folio", 23) ||
	       !strncmp(h->migrate_fn, "kvm_gmem_migrate_folio", 22);
}

/* Why migration cannot move the folio at all or yet, whatever its references; false if it can. */
static bool explain_mover(const struct report *r, struct answer *a, const char *what)
{
	const struct hold *h = &r->hold;

	if (!strcmp(h->migrate, "none"))
		say(a, "no", "not-migratable", "no longer in a file nor anonymous: nothing moves it, %s", what);
	else if (refuses_migration(h))
		say(a, "no", "not-migratable", "its filesystem refuses to migrate its folios (%s): %s",
		    h->migrate_fn, what);
	else if (!strcmp(h->migrate, "isolated"))
		say(a, "waits", "isolated", "a hugetlb folio isolated (being migrated) or not yet in use");
	else if (!strcmp(h->migrate, "unknown"))
		say(a, "waits", "locked", "the folio stayed locked (I/O, or another migration or reclaim): ask again");
	else
		return false;
	return true;
}

static void explain_migrate(const struct report *r, const struct explain_env *env, struct answer *a)
{
	const struct hold *h = &r->hold;

	if (has_flag(r, "hwpoison"))
		say(a, "no", "hwpoison", "a memory failure took the page out of use (hwpoison)");
	else if (explain_mover(r, a, "it stays"))
		;
	else if (explain_extra(r, env, a, "migrate_pages() gives up (move_pages() leaves it)"))
		;
	else if (has_flag(r, "writeback"))
		say(a, "waits", "writeback", "under writeback: migration waits for the I/O (compaction skips it)");
	else if (has_flag(r, "locked"))
		say(a, "waits", "locked", "the folio is locked (I/O, or another migration or reclaim)");
	else if (!strcmp(h->migrate, "fallback") && has_flag(r, "dirty"))
		say(a, "waits", "dirty", "dirty, and its filesystem has no migrate_folio: it moves once written back");
	else
		say(a, "yes", "movable", "%s", has_flag(r, "mlocked") ?
		    "mlocked pages migrate too (compaction skips them only with vm.compact_unevictable_allowed=0)" :
		    "nothing holds it beyond its mappings and caches");
}

static void explain_reclaim(const struct report *r, const struct explain_env *env, struct answer *a)
{
	bool swapbacked = kind_is(r, "anon") || kind_is(r, "ksm") || kind_is(r, "shmem");

	if (kind_is(r, "hugetlb")) {
		say(a, "no", "hugetlb", "hugetlb pages are never reclaimed: only their owner frees them");
	} else if (has_flag(r, "mlocked")) {
		say(a, "no", "mlocked", "mlocked");
		name_mappers(a, r, " by", is_mlocked_mapping);
	} else if (has_flag(r, "unevictable")) {
		say(a, "no", "unevictable", "unevictable: its mapping is (ramfs, SHM_LOCK, secretmem, a VM_LOCKED "
		    "range being munlocked)");
		name_mappers(a, r, "; mlocked by", is_mlocked_mapping);
	} else if (has_flag(r, "hwpoison")) {
		say(a, "no", "hwpoison", "a memory failure took the page out of use (hwpoison)");
	} else if (explain_extra(r, env, a, "reclaim cannot free it")) {
		;
	} else if (swapbacked && !has_flag(r, "swapcache") && !env->swap_free) {
		say(a, "no", "no-swap", "%s memory and no free swap space to write it to",
		    kind_is(r, "shmem") ? "shmem" : "anonymous");
	} else if (has_flag(r, "writeback")) {
		say(a, "waits", "writeback", "under writeback: reclaimed once the I/O completes");
	} else if (has_flag(r, "dirty") && !swapbacked) {
		say(a, "waits", "dirty", "dirty: written back first, then reclaimed");
	} else {
		say(a, "yes", "reclaimable", "%s", r->nr_maps ?
		    "reclaim unmaps it from every process and frees it" : "not mapped: reclaim frees it");
	}
}

static void explain_offline(const struct report *r, const struct explain_env *env, struct answer *a)
{
	const struct hold *h = &r->hold;

	if (has_flag(r, "hwpoison"))
		say(a, "yes", "hwpoison", "poisoned pages do not stop offlining");
	else if (explain_mover(r, a, "so its memory block cannot go offline"))
		;
	else if (explain_extra(r, env, a, "offlining retries its migration until interrupted"))
		;
	else
		say(a, "yes", "movable", "migrated elsewhere (zone %s, pageblock %s), then the block goes", r->zone,
		    h->pageblock);
}

void explain_report(const struct report *r, const struct explain_env *env, struct answer out[NR_OPS])
{
	memset(out, 0, NR_OPS * sizeof(*out));
	if (explain_untracked(r, out))
		return;
	explain_migrate(r, env, &out[OP_MIGRATE]);
	explain_reclaim(r, env, &out[OP_RECLAIM]);
	explain_offline(r, env, &out[OP_OFFLINE]);
}

void explain_env_read(struct explain_env *env)
{
	char line[256];
	unsigned long long kb;
	FILE *f = fopen("/proc/meminfo", "re");

	memset(env, 0, sizeof(*env));
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "SwapFree: %llu kB", &kb) == 1)
			env->swap_free = kb > 0;
	if (f)
		fclose(f);
}

void explain_print_human(const struct report *r, const struct answer a[NR_OPS], FILE *out)
{
	static const char *const what[NR_OPS] = {
		"migrate (compaction, NUMA, CMA)", "reclaim", "offline (its memory block)",
	};

	fprintf(out, "pfn 0x%" PRIx64 " (head 0x%" PRIx64 ", order %u)  %s  node %d", r->pfn, r->head_pfn, r->order,
		r->kind, r->node);
	if (r->zone[0])
		fprintf(out, "  zone %s", r->zone);
	if (r->hold.known)
		fprintf(out, "  pageblock %s", r->hold.pageblock);
	fputc('\n', out);
	if (r->hold.known)
		fprintf(out, "  refcount %ld = %ld mapped + %ld cache + %ld private + %ld extra\n", r->refcount,
			r->hold.mapped, r->hold.cache, r->hold.private_, r->hold.extra);
	for (int op = 0; op < NR_OPS; op++)
		fprintf(out, "  %-32s %s: %s\n", what[op], a[op].verdict, a[op].detail);
}

void explain_write_json(struct json *j, const struct report *r, const struct explain_env *env,
			const struct answer a[NR_OPS])
{
	json_start_object(j);
	json_key(j, "pfn");
	json_uint(j, r->pfn);
	json_key(j, "answers");
	json_start_object(j);
	for (int op = 0; op < NR_OPS; op++) {
		json_key(j, explain_op_names[op]);
		json_start_object(j);
		json_key(j, "answer");
		json_string(j, a[op].verdict);
		json_key(j, "reason");
		json_string(j, a[op].reason);
		json_key(j, "detail");
		json_string(j, a[op].detail);
		json_end_object(j);
	}
	json_end_object(j);
	if (env && env->pinner == PINNER_KNOWN) {
		json_key(j, "pinned_by");
		json_start_object(j);
		json_key(j, "pid");
		json_int(j, env->pinner_pid);
		json_key(j, "comm");
		json_string(j, env->pinner_comm);
		json_key(j, "age_s");
		json_uint(j, (uint64_t)(env->pinner_age_s > 0 ? env->pinner_age_s : 0));
		json_key(j, "longterm");
		json_bool(j, env->pinner_longterm);
		json_key(j, "exited");
		json_bool(j, env->pinner_gone);
		json_key(j, "recorded_pins");
		json_int(j, env->pinner_recorded_pins);
		json_key(j, "kernel_pins");
		json_int(j, env->pinner_kernel_pins);
		json_key(j, "maybe_stale");
		json_bool(j, env->pinner_stale);
		json_key(j, "stack");
		json_start_array(j);
		for (unsigned int i = 0; i < env->pinner_frames; i++)
			json_string(j, env->pinner_stack[i]);
		json_end_array(j);
		json_end_object(j);
	}
	json_key(j, "report");
	report_write_json(j, r);
	json_end_object(j);
}

/* A region's pages, grouped by why they would stop its memory going offline, and by owner. */
#define REGION_EXAMPLES 16

struct blocker {
	const char *verdict, *reason;
	uint64_t pages;
	size_t nr_examples;
	struct example {
		uint64_t pfn;
		char kind[32];
		char detail[ANSWER_DETAIL];
		long pid;			/* its first mapper, 0 if none (kernel memory) */
		char comm[64];
		uint64_t vaddr;
	} examples[REGION_EXAMPLES];
};

struct owner_total {
	long pid;
	char comm[64];
	uint64_t pages;
};

struct region {
	uint64_t start, end, in_use, free, holes, errors;
	struct blocker *blockers;
	size_t nr_blockers;
	struct owner_total *owners;
	size_t nr_owners;
};

static struct blocker *region_blocker(struct region *g, const struct answer *a)
{
	struct blocker *b;

	for (size_t i = 0; i < g->nr_blockers; i++)
		if (!strcmp(g->blockers[i].reason, a->reason))
			return &g->blockers[i];
	b = realloc(g->blockers, (g->nr_blockers + 1) * sizeof(*b));
	if (!b)
		return NULL;
	g->blockers = b;
	b = &g->blockers[g->nr_blockers++];
	memset(b, 0, sizeof(*b));
	b->verdict = a->verdict;	/* string literals: they outlive the answer */
	b->reason = a->reason;
	return b;
}

static int region_owner(struct region *g, long pid, const char *comm)
{
	struct owner_total *o;

	for (size_t i = 0; i < g->nr_owners; i++) {
		if (g->owners[i].pid == pid) {
			g->owners[i].pages++;
			return 0;
		}
	}
	o = realloc(g->owners, (g->nr_owners + 1) * sizeof(*o));
	if (!o)
		return -1;
	g->owners = o;
	o = &g->owners[g->nr_owners++];
	o->pid = pid;
	snprintf(o->comm, sizeof(o->comm), "%s", comm);
	o->pages = 1;
	return 0;
}

/* Count a page whose offline answer is @a; -1 when out of memory. */
static int region_add(struct region *g, const struct report *r, const struct answer *a)
{
	const struct mapping *m = r->nr_maps ? &r->maps[0] : NULL;
	struct blocker *b;
	struct example *e;

	if (!strcmp(a->verdict, "yes"))
		return 0;
	b = region_blocker(g, a);
	if (!b || region_owner(g, m ? m->pid : 0, m ? m->comm : "kernel"))
		return -1;
	if (b->nr_examples < REGION_EXAMPLES) {
		e = &b->examples[b->nr_examples++];
		e->pfn = r->pfn;
		snprintf(e->kind, sizeof(e->kind), "%s", r->kind);
		memcpy(e->detail, a->detail, sizeof(e->detail));
		e->pid = m ? m->pid : 0;
		snprintf(e->comm, sizeof(e->comm), "%s", m ? m->comm : "");
		e->vaddr = m ? m->vaddr : 0;
	}
	b->pages++;
	/* the worse answer of the group: "no" over "waits" */
	if (!strcmp(a->verdict, "no"))
		b->verdict = a->verdict;
	return 0;
}

/* The region's answer: no if any page says no, waits if any waits, yes otherwise. */
static const char *region_verdict(const struct region *g)
{
	const char *v = "yes";

	for (size_t i = 0; i < g->nr_blockers; i++) {
		if (!strcmp(g->blockers[i].verdict, "no"))
			return "no";
		if (strcmp(g->blockers[i].verdict, "yes"))
			v = "waits";
	}
	return g->errors && !strcmp(v, "yes") ? "unknown" : v;
}

static int by_owner_pages(const void *a, const void *b)
{
	const struct owner_total *x = a, *y = b;

	return x->pages < y->pages ? 1 : x->pages > y->pages ? -1 : (x->pid > y->pid) - (x->pid < y->pid);
}

static void region_print_human(const struct region *g, const char *name, FILE *out)
{
	const char *v = region_verdict(g);

	fprintf(out, "%s (pfn 0x%" PRIx64 "-0x%" PRIx64 "): offline %s", name, g->start, g->end, v);
	if (!strcmp(v, "yes"))
		fprintf(out, ": every page in use can migrate\n");
	else if (!strcmp(v, "unknown"))
		fprintf(out, ": %" PRIu64 " page%s could not be asked\n", g->errors, g->errors == 1 ? "" : "s");
	else
		fprintf(out, "\n");
	for (size_t i = 0; i < g->nr_blockers; i++) {
		const struct blocker *b = &g->blockers[i];

		fprintf(out, "  %s, %" PRIu64 " page%s:\n", b->reason, b->pages, b->pages == 1 ? "" : "s");
		for (size_t k = 0; k < b->nr_examples; k++) {
			const struct example *e = &b->examples[k];

			fprintf(out, "    pfn 0x%" PRIx64 " %-9s", e->pfn, e->kind);
			if (e->pid)
				fprintf(out, " pid %ld (%s) at 0x%" PRIx64, e->pid, e->comm, e->vaddr);
			fprintf(out, ": %s\n", e->detail);
		}
		if (b->pages > b->nr_examples)
			fprintf(out, "    ... and %" PRIu64 " more\n", b->pages - b->nr_examples);
	}
	if (g->nr_owners) {
		fprintf(out, "  by owner:");
		for (size_t i = 0; i < g->nr_owners; i++) {
			const struct owner_total *o = &g->owners[i];

			if (o->pid)
				fprintf(out, "%s pid %ld (%s) %" PRIu64, i ? "," : "", o->pid, o->comm, o->pages);
			else
				fprintf(out, "%s kernel %" PRIu64, i ? "," : "", o->pages);
		}
		fputc('\n', out);
	}
	fprintf(out, "  %" PRIu64 " pages in use, %" PRIu64 " free, %" PRIu64 " in holes\n", g->in_use, g->free,
		g->holes);
}

static void region_write_json(const struct region *g, long long block, FILE *out)
{
	struct json j;

	json_init(&j, out);
	json_start_object(&j);
	json_key(&j, "block");
	if (block >= 0)
		json_int(&j, block);
	else
		json_null(&j);
	json_key(&j, "start");
	json_uint(&j, g->start);
	json_key(&j, "end");
	json_uint(&j, g->end);
	json_key(&j, "verdict");
	json_string(&j, region_verdict(g));
	json_key(&j, "blockers");
	json_start_array(&j);
	for (size_t i = 0; i < g->nr_blockers; i++) {
		const struct blocker *b = &g->blockers[i];

		json_start_object(&j);
		json_key(&j, "answer");
		json_string(&j, b->verdict);
		json_key(&j, "reason");
		json_string(&j, b->reason);
		json_key(&j, "pages");
		json_uint(&j, b->pages);
		json_key(&j, "examples");
		json_start_array(&j);
		for (size_t k = 0; k < b->nr_examples; k++) {
			const struct example *e = &b->examples[k];

			json_start_object(&j);
			json_key(&j, "pfn");
			json_uint(&j, e->pfn);
			json_key(&j, "kind");
			json_string(&j, e->kind);
			json_key(&j, "detail");
			json_string(&j, e->detail);
			json_key(&j, "owner");
			if (e->pid) {
				json_start_object(&j);
				json_key(&j, "pid");
				json_int(&j, e->pid);
				json_key(&j, "comm");
				json_string(&j, e->comm);
				json_key(&j, "vaddr");
				json_hex(&j, e->vaddr);
				json_end_object(&j);
			} else {
				json_null(&j);
			}
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "by_owner");
	json_start_array(&j);
	for (size_t i = 0; i < g->nr_owners; i++) {
		json_start_object(&j);
		json_key(&j, "pid");
		json_int(&j, g->owners[i].pid);
		json_key(&j, "comm");
		json_string(&j, g->owners[i].pid ? g->owners[i].comm : "kernel");
		json_key(&j, "pages");
		json_uint(&j, g->owners[i].pages);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "in_use");
	json_uint(&j, g->in_use);
	json_key(&j, "free");
	json_uint(&j, g->free);
	json_key(&j, "holes");
	json_uint(&j, g->holes);
	json_key(&j, "errors");
	json_uint(&j, g->errors);
	json_end_object(&j);
}

/* explain --block N / --range START END: every page in use asked once, through the module's range request. */
static int explain_region(uint64_t start, uint64_t end, long long block, bool json)
{
	struct region g = { .start = start, .end = end };
	struct explain_env env;
	struct answer a[NR_OPS];
	struct range_reader rr;
	struct report r;
	char name[64];
	bool tty = !json && isatty(STDERR_FILENO);
	int rc, err;

	explain_env_read(&env);
	rc = probe_range_open(&rr, start, end);
	if (rc)
		return rc;
	while ((rc = probe_range_next(&rr, &r, &err)) > 0) {
		if (err) {
			g.errors++;
			continue;
		}
		env.pinner = PINNER_NO_RECORDER;
		if (r.hold.dma_pinned)
			explain_env_pinner(&env, &r);
		explain_report(&r, &env, a);
		rc = region_add(&g, &r, &a[OP_OFFLINE]);
		report_free(&r);
		if (rc) {
			rc = -fail(EXIT_FAILURE_, "out of memory");
			break;
		}
		if (tty)
			probe_range_progress(&rr, false);
	}
	if (tty)
		probe_range_progress(&rr, true);
	g.in_use = rr.reported;
	g.free = rr.free;
	g.holes = rr.holes;
	probe_range_close(&rr);
	if (rc == 0) {
		qsort(g.owners, g.nr_owners, sizeof(*g.owners), by_owner_pages);
		if (block >= 0)
			snprintf(name, sizeof(name), "memory block %lld", block);
		else
			snprintf(name, sizeof(name), "range");
		if (json)
			region_write_json(&g, block, stdout);
		else
			region_print_human(&g, name, stdout);
	}
	free(g.blockers);
	free(g.owners);
	return rc < 0 ? -rc : EXIT_OK;
}

static void usage_explain(FILE *out)
{
	fprintf(out, "usage: %s explain PFN [-j|--json]\n"
		     "       %s explain --block N | --range START END [-j|--json]\n"
		     "  why the page at PFN will or will not migrate (compaction, NUMA, CMA, move_pages), be\n"
		     "  reclaimed, or let its memory block go offline: each 'yes', 'waits' (for something that ends\n"
		     "  by itself) or 'no', with the reason and the processes responsible\n"
		     "  --block N, --range START END (PFNs, END excluded): whether the memory there can go offline\n"
		     "  (or serve a contiguous allocation), and the pages that would stop it, by reason and owner\n",
		prog, prog);
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "block", required_argument, NULL, 'b' },
		{ "range", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct answer answers[NR_OPS];
	uint64_t block = 0, start, end;
	bool by_block = false, by_range = false;
	struct explain_env env;
	struct report r;
	const char *why;
	uint64_t pfn;
	bool json = false;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'b') {
			if (parse_uint(optarg, UINT32_MAX, &block))
				return fail(EXIT_USAGE, "bad memory block '%s'", optarg);
			by_block = true;
		} else if (c == 'r') {
			by_range = true;
		} else if (c == 'h') {
			usage_explain(stdout);
			return EXIT_OK;
		} else {
			return fail_usage(usage_explain);
		}
	}
	if (by_block && by_range)
		return fail_usage(usage_explain);
	if (by_block) {
		if (optind != argc)
			return fail_usage(usage_explain);
		rc = memory_block_span(block, &start, &end);
		return rc ? rc : explain_region(start, end, (long long)block, json);
	}
	if (by_range) {
		if (optind != argc - 2)
			return fail_usage(usage_explain);
		if (parse_pfn(argv[optind], &start, &why))
			return fail(EXIT_USAGE, "bad START '%s': %s", argv[optind], why);
		if (parse_pfn(argv[optind + 1], &end, &why))
			return fail(EXIT_USAGE, "bad END '%s': %s", argv[optind + 1], why);
		if (start >= end)
			return fail(EXIT_USAGE, "empty range: START must be below END (END is not included)");
		return explain_region(start, end, -1, json);
	}
	if (optind != argc - 1)
		return fail_usage(usage_explain);
	if (parse_pfn(argv[optind], &pfn, &why))
		return fail(EXIT_USAGE, "bad PFN '%s': %s", argv[optind], why);
	rc = probe_query(pfn, argv[optind], &r);
	if (rc)
		return rc;
	explain_env_read(&env);
	if (r.hold.dma_pinned)
		explain_env_pinner(&env, &r);
	explain_report(&r, &env, answers);
	if (json) {
		struct json j;

		json_init(&j, stdout);
		explain_write_json(&j, &r, &env, answers);
	} else {
		explain_print_human(&r, answers, stdout);
	}
	report_free(&r);
	return EXIT_OK;
}
