// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests of rmapctl's reading of a range answer (probe.c): groups split across reads of any size,
 * error lines, the closing line, an answer cut short; and vaddr --len sizes. One PASS:/FAIL: line per case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "probe.h"
#include "vaddr.h"

static int failed;

static void result(const char *name, int ok)
{
	printf("%s: unit %s\n", ok ? "PASS" : "FAIL", name);
	failed += !ok;
}

static const char answer[] =
	"page pfn=0x10 head_pfn=0x10 order=0 kind=anon node=0 refcount=1 mapcount=1 flags=anon\n"
	"map pid=7 comm=a vaddr=0x1000 vma_start=0x1000 vma_end=0x2000 vm_flags=0x73 level=pte writable=1 "
	"dirty=1 young=1 soft_dirty=0 uffd_wp=0 shared_table=0\n"
	"end mappings=1 entries=1 verdict=complete attempts=1 vmas=1 tables=1\n"
	"error pfn=0x11 errno=7\n"
	"page pfn=0x12 head_pfn=0x12 order=0 kind=slab node=0 refcount=1 mapcount=0 flags=slab\n"
	"end mappings=0 entries=0 verdict=untracked attempts=1 vmas=0 tables=0\n"
	"range_done start=0x10 end=0x1a reported=3 free=5 holes=2\n";

/* A reader over @len bytes of the answer, delivered @chunk bytes per read (a SOCK_SEQPACKET keeps them apart). */
static void reader(struct range_reader *rr, size_t len, size_t chunk)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		perror("socketpair");
		exit(2);
	}
	/* a writer of its own: the socket holds only so many packets */
	if (fork() == 0) {
		close(sv[0]);
		for (size_t off = 0; off < len; off += chunk)
			if (write(sv[1], answer + off, len - off < chunk ? len - off : chunk) < 0)
				_exit(1);
		_exit(0);
	}
	close(sv[1]);
	memset(rr, 0, sizeof(*rr));
	rr->fd = sv[0];
	rr->cap = 1 << 16;
	rr->buf = malloc(rr->cap);
	rr->start = rr->next = 0x10;
	rr->end = 0x1a;
}

static void whole_answer(size_t chunk)
{
	struct range_reader rr;
	struct report r;
	char name[128];
	int err, ok;

	reader(&rr, strlen(answer), chunk);
	ok = probe_range_next(&rr, &r, &err) == 1 && !err && r.pfn == 0x10 && r.nr_maps == 1 &&
	     r.maps[0].pid == 7 && !strcmp(r.verdict, "complete");
	report_free(&r);
	ok = ok && probe_range_next(&rr, &r, &err) == 1 && err == 7 && r.pfn == 0x11;
	ok = ok && probe_range_next(&rr, &r, &err) == 1 && !err && r.pfn == 0x12 && !strcmp(r.kind, "slab");
	report_free(&r);
	ok = ok && probe_range_next(&rr, &r, &err) == 0 && rr.done && rr.reported == 3 && rr.free == 5 &&
	     rr.holes == 2 && probe_range_next(&rr, &r, &err) == 0;
	snprintf(name, sizeof(name), "a range answer read %zu bytes at a time: two reports, an error, the totals",
		 chunk);
	result(name, ok);
	probe_range_close(&rr);
}

static void size_case(const char *s, int want_rc, uint64_t want)
{
	uint64_t v = 0;
	char name[96];
	int rc = parse_size(s, &v);

	snprintf(name, sizeof(name), "parse_size '%s' %s", s, want_rc ? "is refused" : "is read");
	result(name, rc == want_rc && (rc || v == want));
}

int main(void)
{
	struct range_reader rr;
	struct report r;
	int err, rc;

	/* vaddr --len: bytes, decimal or 0x hex, with K, M or G */
	size_case("4096", 0, 4096);
	size_case("0x2000", 0, 8192);
	size_case("64K", 0, 65536);
	size_case("2M", 0, 2 << 20);
	size_case("1g", 0, 1ULL << 30);
	size_case("", -1, 0);
	size_case("12Q", -1, 0);
	size_case("-1", -1, 0);
	size_case("K", -1, 0);
	size_case("99999999999999999999", -1, 0);
	size_case("17179869184G", -1, 0);	/* 2^64 bytes: too big */

	whole_answer(strlen(answer));
	whole_answer(7);
	whole_answer(1);
	/* cut short before the closing line: an error, never a range presented as complete */
	reader(&rr, strlen(answer) - 20, 64);
	while ((rc = probe_range_next(&rr, &r, &err)) > 0)
		if (!err)
			report_free(&r);
	result("a range answer cut short before its closing line is an error (exit code 1)", rc == -1 && !rr.done);
	probe_range_close(&rr);
	/* a report cut short is never handed out */
	reader(&rr, 120, 16);
	rc = probe_range_next(&rr, &r, &err);
	result("a report cut short mid-group is an error, not a report", rc == -1);
	probe_range_close(&rr);
	while (wait(NULL) > 0)
		;
	return failed ? 1 : 0;
}
