// SPDX-License-Identifier: GPL-2.0
/*
 * rmapctl pid: smem's question answered with names: not "how much of this process is shared" but "with whom".
 * Every present page of the process (from /proc/PID/maps and /proc/PID/pagemap), grouped into runs of pages of
 * one kind shared with the same processes, and a total per sharer. A page mapped once (/proc/kpagecount) is
 * private without asking the module; every other page is asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "json.h"
#include "pid.h"
#include "probe.h"
#include "rmapctl.h"

#define MAX_SHARERS 8	/* named per run; a run with more says how many */

static void usage_pid(FILE *out)
{
	fprintf(out, "usage: %s pid PID [--range START-END] [-j|--json]\n"
		     "  every present page of process PID (or of its addresses START-END, 0x hex), in runs of pages\n"
		     "  of one kind shared with the same other processes, and how much it shares with each\n", prog);
}

struct proc_name {
	long pid;
	char comm[64];
};

/* The other processes that map one page, by pid; -1 terminates. */
struct sharers {
	size_t n;		/* all of them */
	struct proc_name p[MAX_SHARERS];
};

struct run {
	uint64_t start, end;
	char kind[32];
	struct sharers with;
};

struct sharer_total {
	struct proc_name who;
	uint64_t pages, by_kind[4];	/* anon, file, shmem, ksm */
};

struct pid_state {
	long pid;
	bool json;
	struct json j;
	struct run run;		/* the run being grown; run.end == run.start: none */
	struct sharer_total *totals;
	size_t nr_totals, cap_totals;
	uint64_t present, private_, shared, runs;
	uint64_t changed;	/* pages that changed between pagemap and the query: not counted */
	int kpagecount_fd;
};

static int kind_index(const char *kind)
{
	static const char *const kinds[] = { "anon", "file", "shmem", "ksm" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(kind, kinds[i]))
			return i;
	return -1;
}

static bool same_sharers(const struct sharers *a, const struct sharers *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n && i < MAX_SHARERS; i++)
		if (a->p[i].pid != b->p[i].pid)
			return false;
	return true;
}

static void run_flush(struct pid_state *st)
{
	struct run *r = &st->run;

	if (r->end == r->start)
		return;
	st->runs++;
	if (st->json) {
		json_start_object(&st->j);
		json_key(&st->j, "start");
		json_hex(&st->j, r->start);
		json_key(&st->j, "end");
		json_hex(&st->j, r->end);
		json_key(&st->j, "pages");
		json_uint(&st->j, (r->end - r->start) / PAGE_SIZE_);
		json_key(&st->j, "kind");
		json_string(&st->j, r->kind);
		json_key(&st->j, "shared_with");
		json_start_array(&st->j);
		for (size_t i = 0; i < r->with.n && i < MAX_SHARERS; i++) {
			json_start_object(&st->j);
			json_key(&st->j, "pid");
			json_uint(&st->j, (uint64_t)r->with.p[i].pid);
			json_key(&st->j, "comm");
			json_string(&st->j, r->with.p[i].comm);
			json_end_object(&st->j);
		}
		json_end_array(&st->j);
		json_key(&st->j, "sharers");
		json_uint(&st->j, r->with.n);
		json_end_object(&st->j);
	} else {
		printf("0x%012" PRIx64 "-0x%012" PRIx64 " %7" PRIu64 " %-6s ", r->start, r->end,
		       (r->end - r->start) / PAGE_SIZE_, r->kind);
		if (!r->with.n)
			printf("-");
		for (size_t i = 0; i < r->with.n && i < MAX_SHARERS; i++)
			printf("%s%ld (%s)", i ? ", " : "", r->with.p[i].pid, r->with.p[i].comm);
		if (r->with.n > MAX_SHARERS)
			printf(" +%zu more", r->with.n - MAX_SHARERS);
		putchar('\n');
	}
	r->end = r->start;
}

static int total_add(struct pid_state *st, const struct proc_name *who, const char *kind)
{
	size_t i;
	int k = kind_index(kind);

	for (i = 0; i < st->nr_totals && st->totals[i].who.pid != who->pid; i++)
		;
	if (i == st->nr_totals) {
		if (st->nr_totals == st->cap_totals) {
			size_t cap = st->cap_totals ? 2 * st->cap_totals : 64;
			struct sharer_total *t = realloc(st->totals, cap * sizeof(*t));

			if (!t)
				return -1;
			st->totals = t;
			st->cap_totals = cap;
		}
		memset(&st->totals[i], 0, sizeof(st->totals[i]));
		st->totals[i].who = *who;
		st->nr_totals++;
	}
	st->totals[i].pages++;
	if (k >= 0)
		st->totals[i].by_kind[k]++;
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	const struct proc_name *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The processes other than ours that map the page @r reports, sorted by pid, each once. */
static void others(const struct report *r, long self, struct sharers *with, struct proc_name *all, size_t *nall)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nr_maps; i++) {
		bool seen = r->maps[i].pid == self;

		for (size_t k = 0; k < n && !seen; k++)
			seen = all[k].pid == r->maps[i].pid;
		if (seen)
			continue;
		all[n].pid = r->maps[i].pid;
		snprintf(all[n].comm, sizeof(all[n].comm), "%s", r->maps[i].comm);
		n++;
	}
	qsort(all, n, sizeof(*all), by_pid);
	with->n = n;
	for (size_t i = 0; i < n && i < MAX_SHARERS; i++)
		with->p[i] = all[i];
	*nall = n;
}

/* One present page at @vaddr, frame @pfn, into the runs and the totals; an exit code. */
/*
 * The present page at @vaddr: @r is its report, or NULL for a page /proc/kpagecount says is mapped once (by
 * this process: its kind does not matter to a run of private pages).
 */
static int add_page(struct pid_state *st, uint64_t vaddr, const struct report *r)
{
	struct sharers with = { 0 };
	struct proc_name *all = NULL;
	char kind[32] = "-";
	size_t nall = 0;
	bool mine = false;

	st->present++;
	if (r) {
		/* the page can be freed and reused between pagemap and the query: ours only if it maps us there */
		for (size_t i = 0; i < r->nr_maps && !mine; i++)
			mine = r->maps[i].pid == st->pid && r->maps[i].vaddr == vaddr;
		if (!mine) {
			st->changed++;
			st->present--;
			return EXIT_OK;
		}
		snprintf(kind, sizeof(kind), "%s", r->kind);
		all = calloc(r->nr_maps + 1, sizeof(*all));
		if (!all)
			return fail(EXIT_FAILURE_, "out of memory");
		others(r, st->pid, &with, all, &nall);
		for (size_t i = 0; i < nall; i++)
			if (total_add(st, &all[i], kind)) {
				free(all);
				return fail(EXIT_FAILURE_, "out of memory");
			}
		free(all);
	}
	if (with.n)
		st->shared++;
	else
		st->private_++;
	if (st->run.end == vaddr && !strcmp(st->run.kind, kind) && same_sharers(&st->run.with, &with)) {
		st->run.end += PAGE_SIZE_;
		return EXIT_OK;
	}
	run_flush(st);
	st->run.start = vaddr;
	st->run.end = vaddr + PAGE_SIZE_;
	snprintf(st->run.kind, sizeof(st->run.kind), "%s", kind);
	st->run.with = with;
	return EXIT_OK;
}

static int by_pages(const void *a, const void *b)
{
	const struct sharer_total *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	return x->who.pid < y->who.pid ? -1 : x->who.pid > y->who.pid;
}

static void print_totals(struct pid_state *st)
{
	static const char *const kinds[] = { "anon", "file", "shmem", "ksm" };

	qsort(st->totals, st->nr_totals, sizeof(*st->totals), by_pages);
	if (st->json) {
		json_key(&st->j, "sharers");
		json_start_array(&st->j);
		for (size_t i = 0; i < st->nr_totals; i++) {
			const struct sharer_total *t = &st->totals[i];

			json_start_object(&st->j);
			json_key(&st->j, "pid");
			json_uint(&st->j, (uint64_t)t->who.pid);
			json_key(&st->j, "comm");
			json_string(&st->j, t->who.comm);
			json_key(&st->j, "pages");
			json_uint(&st->j, t->pages);
			json_key(&st->j, "bytes");
			json_uint(&st->j, t->pages * PAGE_SIZE_);
			for (int k = 0; k < 4; k++) {
				json_key(&st->j, kinds[k]);
				json_uint(&st->j, t->by_kind[k]);
			}
			json_end_object(&st->j);
		}
		json_end_array(&st->j);
		return;
	}
	printf("\n%" PRIu64 " pages present: %" PRIu64 " private, %" PRIu64 " shared, in %" PRIu64 " runs",
	       st->present, st->private_, st->shared, st->runs);
	if (st->changed)
		printf(" (%" PRIu64 " more changed while asked: not counted)", st->changed);
	putchar('\n');
	if (!st->nr_totals)
		return;
	printf("%8s %-16s %9s %10s %8s %8s %8s %8s\n", "PID", "COMM", "PAGES", "BYTES", "ANON", "FILE", "SHMEM",
	       "KSM");
	for (size_t i = 0; i < st->nr_totals; i++) {
		const struct sharer_total *t = &st->totals[i];

		printf("%8ld %-16s %9" PRIu64 " %10" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
		       t->who.pid, t->who.comm, t->pages, t->pages * PAGE_SIZE_, t->by_kind[0], t->by_kind[1],
		       t->by_kind[2], t->by_kind[3]);
	}
}

/* "0x7f00-0x7f80": two addresses. 0, or -1. */
static int parse_vrange(const char *s, uint64_t *start, uint64_t *end)
{
	char buf[64], *dash;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (!dash)
		return -1;
	*dash = '\0';
	if (parse_uint(buf, UINT64_MAX, start) || parse_uint(dash + 1, UINT64_MAX, end) || *start >= *end)
		return -1;
	return 0;
}

/* Every vma of the process within [@lo, @hi), page by page through pagemap; an exit code. */
/* A chunk of pagemap: its present pages, and the reports of those mapped more than once. */
#define CHUNK 512

struct chunk {
	uint64_t vaddr[CHUNK], pfn[CHUNK];
	struct report report[CHUNK];
	bool asked[CHUNK], changed[CHUNK];
	size_t n;
};

/*
 * Ask the module about the chunk's pages that /proc/kpagecount says are mapped more than once, in one list
 * request (a single query each would cost three system calls a page); an exit code.
 */
static int chunk_ask(struct pid_state *st, struct chunk *c)
{
	uint64_t pfns[CHUNK];
	size_t idx[CHUNK], nq = 0, k = 0;
	struct range_reader rr;
	struct report r;
	int rc, err;

	for (size_t i = 0; i < c->n; i++) {
		uint64_t count = 0;

		c->asked[i] = c->changed[i] = false;
		if (pread(st->kpagecount_fd, &count, 8, (off_t)(c->pfn[i] * 8)) != 8)
			count = 2;	/* unknown: ask */
		if (count > 1) {
			idx[nq] = i;
			pfns[nq++] = c->pfn[i];
		}
	}
	if (!nq)
		return EXIT_OK;
	rc = probe_list_open(&rr, pfns, nq);
	if (rc)
		return rc;
	while ((rc = probe_range_next(&rr, &r, &err)) > 0 && k < nq) {
		size_t i = idx[k++];

		if (err == ENXIO) {
			c->changed[i] = true;	/* offlined since pagemap: not ours to count */
		} else if (err) {
			rc = -fail(EXIT_FAILURE_, "pfn 0x%llx: %s", (unsigned long long)r.pfn, strerror(err));
			break;
		} else {
			c->report[i] = r;
			c->asked[i] = true;
		}
	}
	probe_range_close(&rr);
	if (rc < 0)
		return -rc;
	if (k != nq)
		return fail(EXIT_FAILURE_, "the module answered %zu of %zu PFNs", k, nq);
	return EXIT_OK;
}

/* Count the chunk's pages in order, then free its reports; an exit code. */
static int chunk_add(struct pid_state *st, struct chunk *c, int rc)
{
	for (size_t i = 0; i < c->n; i++) {
		if (!rc && c->changed[i])
			st->changed++;
		else if (!rc)
			rc = add_page(st, c->vaddr[i], c->asked[i] ? &c->report[i] : NULL);
		if (c->asked[i])
			report_free(&c->report[i]);
		c->asked[i] = false;
	}
	c->n = 0;
	return rc;
}

static int walk_process(struct pid_state *st, int pagemap, uint64_t lo, uint64_t hi)
{
	static struct chunk c;
	char path[64], line[512];
	unsigned long long start, end;
	uint64_t buf[CHUNK];
	int rc = EXIT_OK;
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%ld/maps", st->pid);
	maps = fopen(path, "re");
	if (!maps)
		return fail(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_FAILURE_, "%s: %s", path, strerror(errno));
	while (!rc && fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%llx-%llx", &start, &end) != 2 || strstr(line, "[vsyscall]"))
			continue;
		if (start < lo)
			start = lo;
		if (end > hi)
			end = hi;
		for (uint64_t va = start & ~(PAGE_SIZE_ - 1); va < end && !rc;) {
			size_t n = (end - va + PAGE_SIZE_ - 1) / PAGE_SIZE_;
			ssize_t got;

			if (n > CHUNK)
				n = CHUNK;
			got = pread(pagemap, buf, n * 8, (off_t)(va / PAGE_SIZE_ * 8));
			if (got <= 0)
				break;
			c.n = 0;
			for (size_t i = 0; i < (size_t)got / 8 && !rc; i++, va += PAGE_SIZE_) {
				if (!(buf[i] & PM_PRESENT))
					continue;
				if (!(buf[i] & PM_PFN_MASK))
					rc = fail(EXIT_PERMISSION, "/proc/%ld/pagemap hides PFNs: CAP_SYS_ADMIN needed",
						  st->pid);
				c.vaddr[c.n] = va;
				c.pfn[c.n++] = buf[i] & PM_PFN_MASK;
			}
			if (!rc)
				rc = chunk_ask(st, &c);
			rc = chunk_add(st, &c, rc);
		}
	}
	fclose(maps);
	return rc;
}

int cmd_pid(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "range", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pid_state st = { 0 };
	uint64_t pid, lo = 0, hi = UINT64_MAX;
	char path[64], comm[64] = "?", *doc = NULL, *nl;
	size_t doc_len = 0;
	FILE *out = stdout, *f;
	int c, fd, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'r') {
			if (parse_vrange(optarg, &lo, &hi))
				return fail(EXIT_USAGE, "bad range '%s': START-END, addresses in decimal or 0x hex", optarg);
		} else if (c == 'j') {
			st.json = true;
		} else if (c == 'h') {
			usage_pid(stdout);
			return EXIT_OK;
		} else {
			return fail_usage(usage_pid);
		}
	}
	if (argc - optind != 1)
		return fail_usage(usage_pid);
	if (parse_uint(argv[optind], 0x7fffffff, &pid) || !pid)
		return fail(EXIT_USAGE, "bad pid '%s'", argv[optind]);
	st.pid = (long)pid;
	snprintf(path, sizeof(path), "/proc/%ld/comm", st.pid);
	f = fopen(path, "re");
	if (!f)
		return fail(EXIT_NOT_FOUND, "no process %ld", st.pid);
	if (fgets(comm, sizeof(comm), f) && (nl = strchr(comm, '\n')))
		*nl = '\0';
	fclose(f);
	fd = open_pagemap(st.pid);
	if (fd < 0)
		return -fd;
	st.kpagecount_fd = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	if (st.kpagecount_fd < 0) {
		close(fd);
		return fail(errno == EACCES || errno == EPERM ? EXIT_PERMISSION : EXIT_FAILURE_,
			    "/proc/kpagecount: %s", strerror(errno));
	}
	if (st.json) {
		out = open_memstream(&doc, &doc_len);
		if (!out) {
			close(fd);
			close(st.kpagecount_fd);
			return fail(EXIT_FAILURE_, "out of memory");
		}
		json_init(&st.j, out);
		json_start_object(&st.j);
		json_key(&st.j, "pid");
		json_uint(&st.j, pid);
		json_key(&st.j, "comm");
		json_string(&st.j, comm);
		json_key(&st.j, "runs");
		json_start_array(&st.j);
	} else {
		printf("process %ld (%s)\n%-31s %7s %-6s %s\n", st.pid, comm, "VADDR", "PAGES", "KIND", "SHARED WITH");
	}
	rc = walk_process(&st, fd, lo, hi);
	close(fd);
	close(st.kpagecount_fd);
	if (!rc) {
		run_flush(&st);
		if (st.json) {
			json_end_array(&st.j);
			json_key(&st.j, "present");
			json_uint(&st.j, st.present);
			json_key(&st.j, "private");
			json_uint(&st.j, st.private_);
			json_key(&st.j, "shared");
			json_uint(&st.j, st.shared);
			json_key(&st.j, "changed");
			json_uint(&st.j, st.changed);
		}
		print_totals(&st);
		if (st.json)
			json_end_object(&st.j);
	}
	if (st.json) {
		fclose(out);
		if (!rc)
			fwrite(doc, 1, doc_len, stdout);
		free(doc);
	}
	free(st.totals);
	return rc;
}
