// SPDX-License-Identifier: GPL-2.0
/*
 * How rmapctl talks to rmap_probe.ko: its debugfs files, one PFN's report, and a range's reports as they are
 * read (the protocol is in README.md, "The module's interface").
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include "probe.h"
#include "rmapctl.h"

#define DEBUGFS_MAGIC 0x64626720


/* Kernel lockdown (Debian enables it under Secure Boot) forbids writable debugfs files, even to root. */
static const char *lockdown_mode(void)
{
	static char mode[32];
	char buf[128], *sel, *end;
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	sel = strchr(buf, '[');
	end = sel ? strchr(sel, ']') : NULL;
	if (!end || !strncmp(sel + 1, "none", 4))
		return NULL;
	snprintf(mode, sizeof(mode), "%.*s", (int)(end - sel - 1), sel + 1);
	return mode;
}

int open_probe_file(const char *name, int flags)
{
	char path[256];
	struct statfs fs;
	int fd, err;

	snprintf(path, sizeof(path), PROBE_DIR "/%s", name);
	fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	err = errno;
	if (err == EPERM && geteuid() == 0 && (flags & O_ACCMODE) != O_RDONLY && lockdown_mode())
		exit(fail(EXIT_PERMISSION, "%s: the kernel is locked down (%s): debugfs refuses writable files, so "
			  "queries cannot be made while lockdown is on", path, lockdown_mode()));
	if (err == EACCES || err == EPERM)
		exit(fail(EXIT_PERMISSION, "%s: %s: rmap_probe needs root (CAP_SYS_ADMIN): physical page layout is "
			  "sensitive", path, strerror(err)));
	if (err == ENOENT) {
		if (statfs(DEBUGFS, &fs) || fs.f_type != DEBUGFS_MAGIC)
			exit(fail(EXIT_NO_MODULE, "debugfs is not mounted on %s (mount -t debugfs none %s)", DEBUGFS,
				  DEBUGFS));
		exit(fail(EXIT_NO_MODULE, "%s not found: is the module loaded? (modprobe rmap_probe)", path));
	}
	exit(fail(EXIT_FAILURE_, "%s: %s", path, strerror(err)));
}

/* Read a file descriptor to its end into a NUL-terminated, growing buffer. */
static char *read_all(int fd, const char *what)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;

	for (;;) {
		if (!buf)
			exit(fail(EXIT_FAILURE_, "out of memory reading %s", what));
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			exit(fail(EXIT_FAILURE_, "reading %s: %s", what, strerror(errno)));
		if (n == 0)
			break;
		len += (size_t)n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	buf[len] = '\0';
	return buf;
}

#define KPF_THP		22	/* include/uapi/linux/kernel-page-flags.h */
#define KPF_ZERO_PAGE	24

/* The page's /proc/kpageflags word; 0 when it cannot be read. */
static uint64_t kpageflags(uint64_t pfn)
{
	uint64_t flags = 0;
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (pread(fd, &flags, sizeof(flags), (off_t)(pfn * sizeof(flags))) != sizeof(flags))
			flags = 0;
		close(fd);
	}
	return flags;
}

static bool is_huge_zero(uint64_t kflags)
{
	return (kflags >> KPF_ZERO_PAGE & 1) && (kflags >> KPF_THP & 1);
}

/*
 * The huge zero folio is the one zero page the module cannot name: no kernel line exports huge_zero_folio or
 * its PFN to modules, so the module describes it as "other" (unmapped kernel memory: not wrong, only vague).
 * /proc/kpageflags marks it (fs/proc/page.c tests is_huge_zero_page() for every page of it). The shrinker can
 * free it and the PFN be reused, so only a large untracked "other" page that kpageflags called the huge zero
 * folio both before and after the query (@before) is renamed.
 */
static void name_huge_zero(struct report *r, uint64_t before)
{
	if (strcmp(r->kind, "other") || strcmp(r->verdict, "untracked") || !r->order || r->nr_maps ||
	    !is_huge_zero(before) || !is_huge_zero(kpageflags(r->pfn)))
		return;
	snprintf(r->kind, sizeof(r->kind), "zero");
	if (strlen(r->flags) + sizeof(",zero") <= sizeof(r->flags))
		strcat(r->flags, *r->flags ? ",zero" : "zero");
	snprintf(r->note, sizeof(r->note), "the huge zero page, mapped without reverse-map tracking "
		 "(named from /proc/kpageflags: the kernel does not tell modules where it is)");
}

int open_pagemap(long pid)
{
	char path[64];
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%ld/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	err = errno;
	return -fail(err == ENOENT ? EXIT_NOT_FOUND : err == EACCES || err == EPERM ? EXIT_PERMISSION :
		     EXIT_FAILURE_, "%s: %s", path, strerror(err));
}

/* Ask the module about @pfn (@arg as the user wrote it, for messages); an exit code. */
int probe_query(uint64_t pfn, const char *arg, struct report *r)
{
	uint64_t before = kpageflags(pfn);
	char req[32], *text;
	int fd, line, err;

	fd = open_probe_file("query", O_RDWR);
	snprintf(req, sizeof(req), "%llu\n", (unsigned long long)pfn);
	if (write(fd, req, strlen(req)) < 0) {
		err = errno;
		close(fd);
		if (err == EINVAL || err == ERANGE || err == ENXIO)
			return fail(EXIT_BAD_PFN, "pfn %s: %s", arg,
				    err == ENXIO ? "no online memory at this PFN" : strerror(err));
		if (err == EPERM || err == EACCES)
			return fail(EXIT_PERMISSION, "query refused: %s", strerror(err));
		return fail(EXIT_FAILURE_, "query for pfn %s failed: %s", arg, strerror(err));
	}
	text = read_all(fd, "query");
	close(fd);
	if (report_parse(r, text, &line)) {
		free(text);
		return fail(EXIT_FAILURE_, "cannot parse the module's report at line %d (module and rmapctl versions "
			    "differ?)", line);
	}
	free(text);
	name_huge_zero(r, before);
	return EXIT_OK;
}


/* The reader's buffer, once the request is written; an exit code (the file closed on failure). */
static int reader_buffer(struct range_reader *rr)
{
	rr->cap = 1 << 16;
	rr->buf = malloc(rr->cap);
	if (!rr->buf) {
		close(rr->fd);
		return fail(EXIT_FAILURE_, "out of memory");
	}
	return EXIT_OK;
}

int probe_range_open(struct range_reader *rr, uint64_t start, uint64_t end)
{
	char req[64];
	int err;

	memset(rr, 0, sizeof(*rr));
	rr->fd = open_probe_file("query", O_RDWR);
	rr->start = rr->next = start;
	rr->end = end;
	snprintf(req, sizeof(req), "range 0x%llx 0x%llx\n", (unsigned long long)start, (unsigned long long)end);
	if (write(rr->fd, req, strlen(req)) < 0) {
		err = errno;
		close(rr->fd);
		if (err == EINVAL && start < end)
			return fail(EXIT_FAILURE_, "the module does not take range requests (older than rmapctl?)");
		if (err == ERANGE || err == EINVAL)
			return fail(EXIT_BAD_PFN, "range 0x%llx-0x%llx: %s", (unsigned long long)start,
				    (unsigned long long)end, err == ERANGE ? "beyond the physical address space" :
				    strerror(err));
		return fail(EXIT_FAILURE_, "range request failed: %s", strerror(err));
	}
	return reader_buffer(rr);
}

int probe_list_open(struct range_reader *rr, const uint64_t *pfns, size_t n)
{
	size_t cap = 8 + n * 20, len;
	char *req;
	int err;

	if (!n || n > PROBE_LIST_MAX)
		return fail(EXIT_FAILURE_, "a list of %zu PFNs: 1 to %d", n, PROBE_LIST_MAX);
	req = malloc(cap);
	memset(rr, 0, sizeof(*rr));
	if (!req)
		return fail(EXIT_FAILURE_, "out of memory");
	len = (size_t)snprintf(req, cap, "pfns");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(req + len, cap - len, " 0x%llx", (unsigned long long)pfns[i]);
	req[len++] = '\n';
	rr->fd = open_probe_file("query", O_RDWR);
	rr->start = rr->next = pfns[0];
	rr->end = n;
	if (write(rr->fd, req, len) < 0) {
		err = errno;
		free(req);
		close(rr->fd);
		if (err == EINVAL)
			return fail(EXIT_FAILURE_, "the module does not take lists of PFNs (older than rmapctl?)");
		return fail(err == ERANGE ? EXIT_BAD_PFN : EXIT_FAILURE_, "list request of %zu PFNs failed: %s", n,
			    strerror(err));
	}
	free(req);
	return reader_buffer(rr);
}

/* The length of the first whole group in the buffer (a page..end report, an error or the closing line), or 0. */
static size_t group_length(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len), *end;

	if (!nl)
		return 0;
	if (strncmp(buf, "page ", 5))
		return (size_t)(nl - buf) + 1;	/* a one-line group */
	for (end = nl + 1; end < buf + len; end = nl + 1) {
		nl = memchr(end, '\n', (size_t)(buf + len - end));
		if (!nl)
			return 0;
		if (!strncmp(end, "end ", 4))
			return (size_t)(nl - buf) + 1;
	}
	return 0;
}

/* More of the module's answer into the buffer; an exit code. */
static int range_fill(struct range_reader *rr)
{
	ssize_t n;

	if (rr->cap - rr->len < 4096) {
		char *b = realloc(rr->buf, rr->cap * 2);

		if (!b)
			return fail(EXIT_FAILURE_, "out of memory");
		rr->buf = b;
		rr->cap *= 2;
	}
	do
		n = read(rr->fd, rr->buf + rr->len, rr->cap - rr->len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(EXIT_FAILURE_, "reading the range's reports at pfn 0x%llx: %s", (unsigned long long)rr->next,
			    strerror(errno));
	if (n == 0)
		return fail(EXIT_FAILURE_, "the module's answer ended before its closing line (at pfn 0x%llx)",
			    (unsigned long long)rr->next);
	rr->len += (size_t)n;
	return EXIT_OK;
}

int probe_range_next(struct range_reader *rr, struct report *r, int *err)
{
	unsigned long long pfn, a, b, c, d, e;
	size_t glen;
	int line, rc, errnum;
	char *group;

	*err = 0;
	if (rr->done)
		return 0;
	while (!(glen = group_length(rr->buf, rr->len)))
		if ((rc = range_fill(rr)))
			return -rc;
	group = strndup(rr->buf, glen);
	memmove(rr->buf, rr->buf + glen, rr->len - glen);
	rr->len -= glen;
	if (!group)
		return -fail(EXIT_FAILURE_, "out of memory");
	rc = 1;
	if (sscanf(group, "range_done start=%llx end=%llx reported=%llu free=%llu holes=%llu", &a, &b, &c, &d,
		   &e) == 5) {
		rr->reported = c;
		rr->free = d;
		rr->holes = e;
		rr->next = rr->end;
		rr->done = true;
		rc = 0;
	} else if (sscanf(group, "pfns_done count=%llu", &a) == 1) {
		rr->reported = a;
		rr->done = true;
		rc = 0;
	} else if (sscanf(group, "error pfn=%llx errno=%d", &pfn, &errnum) == 2) {
		memset(r, 0, sizeof(*r));
		r->pfn = pfn;
		*err = errnum;
		rr->next = pfn + 1;
	} else if (report_parse(r, group, &line)) {
		report_free(r);
		rc = -fail(EXIT_FAILURE_, "cannot parse the module's report near pfn 0x%llx at line %d (module and "
			   "rmapctl versions differ?)", (unsigned long long)rr->next, line);
	} else {
		rr->next = r->pfn + 1;
	}
	free(group);
	return rc;
}

void probe_range_close(struct range_reader *rr)
{
	close(rr->fd);
	free(rr->buf);
	rr->buf = NULL;
}

/* A long scan on a terminal says how far it is, on one line it rewrites. */
void probe_range_progress(const struct range_reader *rr, bool final)
{
	static struct timespec last;
	struct timespec now;
	uint64_t span = rr->end - rr->start, done = rr->next - rr->start;

	if (final) {
		fprintf(stderr, "\r%60s\r", "");
		return;
	}
	/* at most ten times a second: a line per page would cost more than the scan */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - last.tv_sec) * 1000000000LL + (now.tv_nsec - last.tv_nsec) < 100000000LL)
		return;
	last = now;
	fprintf(stderr, "\r%s: scanning pfn 0x%" PRIx64 " (%" PRIu64 "%%)", prog, rr->next,
		span ? done * 100 / span : 100);
}

/* The PFNs of memory block @block (/sys/devices/system/memory/memoryN); an exit code. */
int memory_block_span(uint64_t block, uint64_t *start, uint64_t *end)
{
	char path[128], line[64];
	unsigned long long size = 0;
	FILE *f = fopen("/sys/devices/system/memory/block_size_bytes", "r");

	if (!f || !fgets(line, sizeof(line), f) || sscanf(line, "%llx", &size) != 1 || size < PAGE_SIZE_) {
		if (f)
			fclose(f);
		return fail(EXIT_FAILURE_, "cannot read /sys/devices/system/memory/block_size_bytes: no memory blocks "
			    "(CONFIG_MEMORY_HOTPLUG)?");
	}
	fclose(f);
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%llu", (unsigned long long)block);
	if (access(path, F_OK))
		return fail(EXIT_BAD_PFN, "no memory block %llu (%s)", (unsigned long long)block, path);
	*start = block * (size / PAGE_SIZE_);
	*end = *start + size / PAGE_SIZE_;
	return EXIT_OK;
}
