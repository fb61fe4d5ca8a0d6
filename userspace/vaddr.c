// SPDX-License-Identifier: GPL-2.0
/*
 * rmapctl vaddr: start from a process and an address ("who else maps my buffer?"): each page of the range
 * translated through /proc/PID/pagemap, then reported as rmapctl pfn reports it.
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
#include "probe.h"
#include "rmapctl.h"
#include "vaddr.h"

/* Pages one vaddr command reports: a query each. */
#define VADDR_MAX_PAGES (1ULL << 20)

static void usage_vaddr(FILE *out)
{
	fprintf(out, "usage: %s vaddr PID ADDR [--len SIZE] [-j|--json]\n"
		     "  who maps the pages of process PID at ADDR (decimal or 0x hex) for SIZE bytes (default one\n"
		     "  page; K, M, G suffixes): each page translated through /proc/PID/pagemap, then reported as\n"
		     "  'rmapctl pfn' reports it, with its offset in the range\n", prog);
}

/* "4096", "0x1000", "64K", "2M", "1G": bytes. 0, or -1. */
int parse_size(const char *s, uint64_t *bytes)
{
	char num[32];
	size_t len = strlen(s);
	unsigned int shift = 0;
	uint64_t v;

	if (!len || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 'K': case 'k':
		shift = 10;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	}
	if (shift)
		num[len - 1] = '\0';
	if (parse_uint(num, UINT64_MAX >> shift, &v))
		return -1;
	*bytes = v << shift;
	return 0;
}

/* Whether [@start, @end) lies in mappings of @pid (/proc/PID/maps); an exit code. */
static int check_mapped(long pid, uint64_t start, uint64_t end)
{
	char path[64], line[512];
	unsigned long long lo, hi;
	uint64_t covered = start;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return fail(EXIT_NOT_FOUND, "no process %ld", pid);
		return fail(errno == EACCES || errno == EPERM ? EXIT_PERMISSION : EXIT_FAILURE_, "%s: %s", path,
			    strerror(errno));
	}
	/* the vmas are in address order: walk them until the range is covered or a gap shows */
	while (covered < end && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && lo <= covered && covered < hi)
			covered = hi;
	fclose(f);
	if (covered < end)
		return fail(EXIT_NOT_FOUND, "0x%" PRIx64 " is not mapped in process %ld (see /proc/%ld/maps)",
			    covered, pid, pid);
	return EXIT_OK;
}

/* What one page is: present at a PFN, swapped out (type, offset), or neither. */
struct vpage {
	uint64_t vaddr;
	uint64_t entry;		/* its /proc/PID/pagemap entry */
};

static uint64_t swap_type(uint64_t e)
{
	return e & 0x1f;
}

static uint64_t swap_offset(uint64_t e)
{
	return (e & PM_PFN_MASK) >> 5;
}

static void print_absent(const struct vpage *p, uint64_t offset, FILE *out)
{
	fprintf(out, "offset 0x%" PRIx64 " vaddr 0x%" PRIx64 ": ", offset, p->vaddr);
	if (p->entry & PM_SWAP)
		fprintf(out, "swapped out (swap type %" PRIu64 ", offset 0x%" PRIx64 ")\n", swap_type(p->entry),
			swap_offset(p->entry));
	else
		fprintf(out, "not present (never touched, or dropped)\n");
}

static void write_absent(struct json *j, const struct vpage *p)
{
	json_key(j, "state");
	if (p->entry & PM_SWAP) {
		json_string(j, "swapped");
		json_key(j, "swap_type");
		json_uint(j, swap_type(p->entry));
		json_key(j, "swap_offset");
		json_uint(j, swap_offset(p->entry));
	} else {
		json_string(j, "not_present");
	}
}

/*
 * The report of the page @p's entry names. The page can be freed and its PFN reused while it is asked: the
 * entry is read again after, and the query made again (a few times) until the two agree; an exit code.
 */
static int query_present(int fd, struct vpage *p, struct report *r)
{
	uint64_t again;
	char arg[32];
	int rc;

	for (int attempt = 0;; attempt++) {
		snprintf(arg, sizeof(arg), "0x%llx", (unsigned long long)(p->entry & PM_PFN_MASK));
		rc = probe_query(p->entry & PM_PFN_MASK, arg, r);
		if (rc)
			return rc;
		if (pread(fd, &again, 8, (off_t)(p->vaddr / PAGE_SIZE_ * 8)) != 8 ||
		    (again & (PM_PRESENT | PM_PFN_MASK)) == (p->entry & (PM_PRESENT | PM_PFN_MASK)))
			return EXIT_OK;
		report_free(r);
		if (attempt == 3 || !(again & PM_PRESENT))
			return fail(EXIT_FAILURE_, "the page at 0x%" PRIx64 " kept changing while it was asked (moved, "
				    "or unmapped): try again", p->vaddr);
		p->entry = again;
	}
}

int cmd_vaddr(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "len", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t pid, addr, len = PAGE_SIZE_, start, end, n;
	char path[64], *doc = NULL;
	size_t doc_len = 0;
	FILE *out = stdout;
	bool json = false;
	struct report r;
	struct vpage p;
	struct json j;
	int c, fd, rc = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'l') {
			if (parse_size(optarg, &len) || !len)
				return fail(EXIT_USAGE, "bad length '%s': bytes, decimal or 0x hex, with K, M or G", optarg);
		} else if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			usage_vaddr(stdout);
			return EXIT_OK;
		} else {
			return fail_usage(usage_vaddr);
		}
	}
	if (argc - optind != 2)
		return fail_usage(usage_vaddr);
	if (parse_uint(argv[optind], 0x7fffffff, &pid) || !pid)
		return fail(EXIT_USAGE, "bad pid '%s'", argv[optind]);
	if (parse_uint(argv[optind + 1], UINT64_MAX, &addr))
		return fail(EXIT_USAGE, "bad address '%s': decimal or 0x hex", argv[optind + 1]);
	start = addr & ~(PAGE_SIZE_ - 1);
	if (addr + len < addr)
		return fail(EXIT_USAGE, "the range wraps around the address space");
	end = (addr + len + PAGE_SIZE_ - 1) & ~(PAGE_SIZE_ - 1);
	if ((end - start) / PAGE_SIZE_ > VADDR_MAX_PAGES)
		return fail(EXIT_USAGE, "at most %llu pages at a time", (unsigned long long)VADDR_MAX_PAGES);
	rc = check_mapped((long)pid, start, end);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/proc/%llu/pagemap", (unsigned long long)pid);
	fd = open_pagemap((long)pid);
	if (fd < 0)
		return -fd;
	/* one page: absent is an error, with what the kernel says of it (a range lists each page's state) */
	if (end - start == PAGE_SIZE_) {
		if (pread(fd, &p.entry, 8, (off_t)(start / PAGE_SIZE_ * 8)) != 8) {
			close(fd);
			return fail(EXIT_FAILURE_, "%s: cannot read the entry of 0x%" PRIx64 "", path, start);
		}
		if (!(p.entry & PM_PRESENT)) {
			close(fd);
			if (p.entry & PM_SWAP)
				return fail(EXIT_NOT_FOUND, "0x%" PRIx64 " in process %llu is swapped out (swap type %"
					    PRIu64 ", offset 0x%" PRIx64 "): no page maps it now", addr,
					    (unsigned long long)pid, swap_type(p.entry), swap_offset(p.entry));
			return fail(EXIT_NOT_FOUND, "0x%" PRIx64 " in process %llu is not present (never touched, "
				    "or dropped)", addr, (unsigned long long)pid);
		}
	}
	if (json) {
		out = open_memstream(&doc, &doc_len);
		if (!out) {
			close(fd);
			return fail(EXIT_FAILURE_, "out of memory");
		}
		json_init(&j, out);
		json_start_object(&j);
		json_key(&j, "pid");
		json_uint(&j, pid);
		json_key(&j, "addr");
		json_hex(&j, addr);
		json_key(&j, "len");
		json_uint(&j, len);
		json_key(&j, "pages");
		json_start_array(&j);
	}
	for (n = 0; start + n * PAGE_SIZE_ < end && !rc; n++) {
		p.vaddr = start + n * PAGE_SIZE_;
		if (pread(fd, &p.entry, 8, (off_t)(p.vaddr / PAGE_SIZE_ * 8)) != 8) {
			rc = fail(EXIT_FAILURE_, "%s: cannot read the entry of 0x%" PRIx64, path, p.vaddr);
			break;
		}
		if (json) {
			json_start_object(&j);
			json_key(&j, "offset");
			json_uint(&j, p.vaddr - start);
			json_key(&j, "vaddr");
			json_hex(&j, p.vaddr);
		}
		if (!(p.entry & PM_PRESENT)) {
			if (json) {
				write_absent(&j, &p);
				json_end_object(&j);
			} else {
				print_absent(&p, p.vaddr - start, stdout);
			}
			continue;
		}
		if (!(p.entry & PM_PFN_MASK)) {
			rc = fail(EXIT_PERMISSION, "%s hides PFNs: CAP_SYS_ADMIN needed", path);
			break;
		}
		rc = query_present(fd, &p, &r);
		if (rc)
			break;
		if (json) {
			json_key(&j, "state");
			json_string(&j, "present");
			json_key(&j, "report");
			report_write_json(&j, &r);
			json_end_object(&j);
		} else {
			printf("offset 0x%" PRIx64 " vaddr 0x%" PRIx64 ": ", p.vaddr - start, p.vaddr);
			report_print_human(&r, stdout);
		}
		report_free(&r);
	}
	close(fd);
	if (json) {
		if (!rc) {
			json_end_array(&j);
			json_end_object(&j);
		}
		fclose(out);
		if (!rc)
			fwrite(doc, 1, doc_len, stdout);
		free(doc);
	}
	return rc;
}
