// SPDX-License-Identifier: GPL-2.0
/*
 * rmapctl range: every page of a physical range that is in use, in one request to the module (holes and free
 * blocks skipped there, a block at a time): one line per page, or totals by kind and by process.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "json.h"
#include "probe.h"
#include "range.h"
#include "rmapctl.h"
#include "svg.h"

#define MAX_KINDS 16
#define MAPPERS_SHOWN 3

static void usage_range(FILE *out)
{
	fprintf(out, "usage: %s range [START END | --node N | --block N] [--summary] [-j|--json | --json-lines]\n"
		     "       [--svg FILE [--color kind|owner|movability]]\n"
		     "  every page in use in physical range [START, END) (PFNs, decimal or 0x hex; default: all\n"
		     "  memory), one line each: kind, order, mapcount, verdict, first mappers; free pages and holes\n"
		     "  are skipped. --node N: NUMA node N's span; --block N: memory block N\n"
		     "  (/sys/devices/system/memory/memoryN). --summary: only the totals, by kind and by process.\n"
		     "  --svg FILE: also draw the range, a cell per pageblock, coloured by kind, by top owner or by\n"
		     "  movability (its pageblocks' migratetype; kernel memory: unmovable pages)\n",
		prog);
}

struct kind_total {
	char kind[32];
	uint64_t pages;
};

struct proc_total {
	long pid;
	char comm[64];
	uint64_t pages;		/* pages of the range it maps (each counted once per process) */
};

struct totals {
	struct kind_total kinds[MAX_KINDS];
	size_t nr_kinds;
	struct proc_total *procs;
	size_t nr_procs, cap_procs;
	uint64_t errors;
};

static void count_kind(struct totals *t, const char *kind)
{
	size_t i;

	for (i = 0; i < t->nr_kinds && strcmp(t->kinds[i].kind, kind); i++)
		;
	if (i == t->nr_kinds) {
		if (i == MAX_KINDS)
			return;
		snprintf(t->kinds[i].kind, sizeof(t->kinds[i].kind), "%s", kind);
		t->nr_kinds++;
	}
	t->kinds[i].pages++;
}

static int count_proc(struct totals *t, long pid, const char *comm)
{
	size_t i;

	for (i = 0; i < t->nr_procs && t->procs[i].pid != pid; i++)
		;
	if (i == t->nr_procs) {
		if (t->nr_procs == t->cap_procs) {
			size_t cap = t->cap_procs ? 2 * t->cap_procs : 64;
			struct proc_total *p = realloc(t->procs, cap * sizeof(*p));

			if (!p)
				return -1;
			t->procs = p;
			t->cap_procs = cap;
		}
		t->procs[i].pid = pid;
		snprintf(t->procs[i].comm, sizeof(t->procs[i].comm), "%s", comm);
		t->procs[i].pages = 0;
		t->nr_procs++;
	}
	t->procs[i].pages++;
	return 0;
}

/* One page into the totals: its kind, and each process that maps it, once. */
static int count_page(struct totals *t, const struct report *r)
{
	count_kind(t, r->kind);
	for (size_t i = 0; i < r->nr_maps; i++) {
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = r->maps[k].pid == r->maps[i].pid;
		if (!seen && count_proc(t, r->maps[i].pid, r->maps[i].comm))
			return -1;
	}
	return 0;
}

static int by_pages(const void *a, const void *b)
{
	const struct proc_total *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* 4096 -> "4.0K": a size for people. */
static const char *human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTP";
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

static void print_page_line(const struct report *r, FILE *out)
{
	size_t shown = 0;

	fprintf(out, "0x%-12" PRIx64 " %-9s %5u %8ld  %-10s ", r->pfn, r->kind, r->order, r->mapcount, r->verdict);
	for (size_t i = 0; i < r->nr_maps && shown < MAPPERS_SHOWN; i++) {
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = r->maps[k].pid == r->maps[i].pid;
		if (seen)
			continue;
		fprintf(out, "%s%ld (%s)", shown ? ", " : "", r->maps[i].pid, r->maps[i].comm);
		shown++;
	}
	if (r->nr_maps > shown && shown == MAPPERS_SHOWN)
		fprintf(out, " +%zu mappings", r->nr_maps - shown);
	if (!r->nr_maps)
		fputc('-', out);
	fputc('\n', out);
}

static void print_summary(const struct range_reader *rr, struct totals *t, FILE *out)
{
	char size[32];

	fprintf(out, "range 0x%" PRIx64 "-0x%" PRIx64 ": %" PRIu64 " pages in use, %" PRIu64 " free, %" PRIu64
		" in holes", rr->start, rr->end, rr->reported, rr->free, rr->holes);
	if (t->errors)
		fprintf(out, ", %" PRIu64 " not reported (errors)", t->errors);
	fprintf(out, "\n%-12s %10s %10s\n", "KIND", "PAGES", "SIZE");
	for (size_t i = 0; i < t->nr_kinds; i++)
		fprintf(out, "%-12s %10" PRIu64 " %10s\n", t->kinds[i].kind, t->kinds[i].pages,
			human_size(t->kinds[i].pages * PAGE_SIZE_, size, sizeof(size)));
	qsort(t->procs, t->nr_procs, sizeof(*t->procs), by_pages);
	fprintf(out, "%8s %-16s %10s %10s\n", "PID", "COMM", "PAGES", "SIZE");
	for (size_t i = 0; i < t->nr_procs && i < 20; i++)
		fprintf(out, "%8ld %-16s %10" PRIu64 " %10s\n", t->procs[i].pid, t->procs[i].comm, t->procs[i].pages,
			human_size(t->procs[i].pages * PAGE_SIZE_, size, sizeof(size)));
	if (t->nr_procs > 20)
		fprintf(out, "(%zu more processes: --json lists them all)\n", t->nr_procs - 20);
}

static void write_summary(struct json *j, const struct range_reader *rr, struct totals *t)
{
	json_key(j, "summary");
	json_start_object(j);
	json_key(j, "start");
	json_uint(j, rr->start);
	json_key(j, "end");
	json_uint(j, rr->end);
	json_key(j, "in_use");
	json_uint(j, rr->reported);
	json_key(j, "free");
	json_uint(j, rr->free);
	json_key(j, "holes");
	json_uint(j, rr->holes);
	json_key(j, "errors");
	json_uint(j, t->errors);
	json_key(j, "by_kind");
	json_start_object(j);
	for (size_t i = 0; i < t->nr_kinds; i++) {
		json_key(j, t->kinds[i].kind);
		json_uint(j, t->kinds[i].pages);
	}
	json_end_object(j);
	qsort(t->procs, t->nr_procs, sizeof(*t->procs), by_pages);
	json_key(j, "by_process");
	json_start_array(j);
	for (size_t i = 0; i < t->nr_procs; i++) {
		json_start_object(j);
		json_key(j, "pid");
		json_uint(j, (uint64_t)t->procs[i].pid);
		json_key(j, "comm");
		json_string(j, t->procs[i].comm);
		json_key(j, "pages");
		json_uint(j, t->procs[i].pages);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

/*
 * The PFNs [*start, *end) that node @node's zones span (every node when @node is -1), from /proc/zoneinfo,
 * where each zone's "spanned" comes before its "start_pfn"; an exit code.
 */
static int node_span(long long node, uint64_t *start, uint64_t *end)
{
	unsigned long long n, v, spanned = 0;
	bool in_node = false;
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return fail(EXIT_FAILURE_, "cannot read /proc/zoneinfo: %s", strerror(errno));
	*start = UINT64_MAX;
	*end = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %llu,", &n) == 1) {
			in_node = node < 0 || n == (unsigned long long)node;
			spanned = 0;
		} else if (in_node && sscanf(line, " spanned %llu", &v) == 1) {
			spanned = v;
		} else if (in_node && spanned && sscanf(line, " start_pfn: %llu", &v) == 1) {
			if (v < *start)
				*start = v;
			if (v + spanned > *end)
				*end = v + spanned;
		}
	}
	fclose(f);
	if (*start >= *end) {
		if (node < 0)
			return fail(EXIT_FAILURE_, "/proc/zoneinfo names no memory");
		return fail(EXIT_BAD_PFN, "node %lld has no memory (or does not exist)", node);
	}
	return EXIT_OK;
}

/*
 * What colours a page in the picture: its kind, its first mapper ("pid (comm)"), or its movability: its
 * pageblock's migratetype where the module pinned it, and "unmovable pages" for kernel memory (slab, page
 * tables, reserved), which no pageblock type makes movable.
 */
static const char *svg_key(const struct report *r, const char *colour_by)
{
	static char owner[48];

	if (!strcmp(colour_by, "owner")) {
		owner[0] = '\0';
		if (r->nr_maps)
			snprintf(owner, sizeof(owner), "%ld (%.16s)", r->maps[0].pid, r->maps[0].comm);
		return owner;
	}
	if (!strcmp(colour_by, "movability")) {
		if (r->hold.known && strcmp(r->hold.pageblock, "unknown"))
			return r->hold.pageblock;
		return strcmp(r->kind, "unused") ? "unmovable pages" : "";
	}
	return r->kind;
}

enum range_output { OUT_LINES, OUT_JSON, OUT_JSON_LINES };

int cmd_range(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "block", required_argument, NULL, 'b' },
		{ "summary", no_argument, NULL, 's' },
		{ "svg", required_argument, NULL, 'S' },
		{ "color", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "json-lines", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum range_output output = OUT_LINES;
	struct totals t = { 0 };
	struct range_reader rr;
	struct report r;
	struct json j;
	FILE *out = stdout;
	char *doc = NULL;
	size_t doc_len = 0;
	uint64_t start = 0, end = 0, node = 0, block = 0;
	bool by_node = false, by_block = false, summary = false, tty;
	const char *colour_by = "kind";
	const char *svg_file = NULL;
	struct svg_map map = { 0 };
	const char *why;
	int c, rc, err, n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_uint(optarg, 1 << 20, &node))
				return fail(EXIT_USAGE, "bad node '%s'", optarg);
			by_node = true;
			break;
		case 'b':
			if (parse_uint(optarg, UINT32_MAX, &block))
				return fail(EXIT_USAGE, "bad memory block '%s'", optarg);
			by_block = true;
			break;
		case 's':
			summary = true;
			break;
		case 'S':
			svg_file = optarg;
			break;
		case 'C':
			if (strcmp(optarg, "kind") && strcmp(optarg, "owner") && strcmp(optarg, "movability"))
				return fail(EXIT_USAGE, "bad colour '%s': kind, owner or movability", optarg);
			colour_by = optarg;
			break;
		case 'j':
			output = OUT_JSON;
			break;
		case 'J':
			output = OUT_JSON_LINES;
			break;
		case 'h':
			usage_range(stdout);
			return EXIT_OK;
		default:
			return fail_usage(usage_range);
		}
	}
	n = argc - optind;
	if ((n != 0 && n != 2) || (n && (by_node || by_block)) || (by_node && by_block))
		return fail_usage(usage_range);
	if (n == 2) {
		if (parse_pfn(argv[optind], &start, &why))
			return fail(EXIT_USAGE, "bad START '%s': %s", argv[optind], why);
		if (parse_pfn(argv[optind + 1], &end, &why))
			return fail(EXIT_USAGE, "bad END '%s': %s", argv[optind + 1], why);
		if (start >= end)
			return fail(EXIT_USAGE, "empty range: START must be below END (END is not included)");
	} else if (by_block) {
		rc = memory_block_span(block, &start, &end);
		if (rc)
			return rc;
	} else {
		rc = node_span(by_node ? (long long)node : -1, &start, &end);
		if (rc)
			return rc;
	}
	if (svg_file && svg_map_init(&map, start, end, colour_by)) {
		svg_map_free(&map);
		return fail(EXIT_FAILURE_, "out of memory");
	}
	rc = probe_range_open(&rr, start, end);
	if (rc) {
		svg_map_free(&map);
		return rc;
	}
	tty = output == OUT_LINES && isatty(STDERR_FILENO);
	/* --json: one document, written only once whole (an error on the way is then the only document) */
	if (output == OUT_JSON) {
		out = open_memstream(&doc, &doc_len);
		if (!out) {
			probe_range_close(&rr);
			return fail(EXIT_FAILURE_, "out of memory");
		}
	}
	json_init(&j, out);
	if (output == OUT_JSON) {
		json_start_object(&j);
		if (!summary) {
			json_key(&j, "pages");
			json_start_array(&j);
		}
	} else if (output == OUT_LINES && !summary) {
		printf("%-14s %-9s %5s %8s  %-10s %s\n", "PFN", "KIND", "ORDER", "MAPCOUNT", "VERDICT", "MAPPED BY");
	}
	while ((rc = probe_range_next(&rr, &r, &err)) > 0) {
		if (err) {
			t.errors++;
			if (output == OUT_LINES && !summary)
				printf("0x%-12" PRIx64 " error: %s\n", r.pfn, strerror(err));
			continue;
		}
		if (svg_file) {
			svg_map_add(&map, r.pfn, svg_key(&r, colour_by));
		}
		if (count_page(&t, &r)) {
			report_free(&r);
			rc = -fail(EXIT_FAILURE_, "out of memory");
			break;
		}
		if (!summary && output == OUT_LINES) {
			print_page_line(&r, stdout);
		} else if (!summary) {
			if (output == OUT_JSON_LINES)
				json_init(&j, out);
			report_write_json(&j, &r);
		}
		report_free(&r);
		if (tty)
			probe_range_progress(&rr, false);
	}
	if (tty)
		probe_range_progress(&rr, true);
	probe_range_close(&rr);
	if (rc < 0) {
		if (output == OUT_JSON) {
			fclose(out);
			free(doc);
		}
		free(t.procs);
		svg_map_free(&map);
		return -rc;
	}
	if (svg_file) {
		FILE *f = fopen(svg_file, "w");
		char title[96];

		if (!f) {
			rc = errno;
			svg_map_free(&map);
			free(t.procs);
			return fail(EXIT_FAILURE_, "cannot write %s: %s", svg_file, strerror(rc));
		}
		snprintf(title, sizeof(title), "physical range 0x%" PRIx64 "-0x%" PRIx64, start, end);
		svg_map_write(&map, title, f);
		fclose(f);
		svg_map_free(&map);
	}
	if (output == OUT_LINES) {
		if (summary)
			print_summary(&rr, &t, stdout);
		else
			fprintf(stderr, "%s: 0x%" PRIx64 "-0x%" PRIx64 ": %" PRIu64 " pages in use, %" PRIu64 " free, %"
				PRIu64 " in holes\n", prog, rr.start, rr.end, rr.reported, rr.free, rr.holes);
	} else {
		if (output == OUT_JSON && !summary)
			json_end_array(&j);
		if (output == OUT_JSON_LINES) {
			json_init(&j, out);
			json_start_object(&j);
		}
		write_summary(&j, &rr, &t);
		json_end_object(&j);
	}
	if (output == OUT_JSON) {
		fclose(out);
		fwrite(doc, 1, doc_len, stdout);
		free(doc);
	}
	free(t.procs);
	return EXIT_OK;
}
