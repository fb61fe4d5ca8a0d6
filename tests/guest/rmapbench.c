// SPDX-License-Identifier: GPL-2.0
/*
 * rmapbench: what a query costs, as ratios measured side by side in one guest boot (TCG makes absolute times
 * meaningless). Each measurement prints one "BENCH {json}" line, which tests/bench.sh gathers into
 * build/bench/results.json; the verdicts only say that a series ran: no timed assertions.
 *
 *   shapes   rmap_probe's cost per PFN against the kernel's own reverse walk of the same PFNs (a write to
 *            /sys/kernel/mm/page_idle/bitmap walks the folio's rmap: the debug kernel has it), per kind of page
 *   pagemap  against what users do today: every process's /proc/PID/maps + pagemap scanned for the PFNs
 *   scaling  one page mapped by 1 … 10,000 processes (anon by fork, file by mmap); anon_vma trees and files
 *            of 10 … 10,000 vmas: the time per mapping found
 *   impact   a concurrent mmap/munmap/fork loop's latency, alone and while rmapctl range scans all RAM
 *   worst    a KSM page beside a multi-TiB untouched mergeable reservation; a 1 GiB shared hugetlb region
 *
 * usage: rmapbench quick|full [SERIES...]   (quick: small sizes, for every CI run; full: make bench)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "oracle.h"

#define QUERY "/sys/kernel/debug/rmap_probe/query"
#define PAGE_IDLE "/sys/kernel/mm/page_idle/bitmap"
#define HPAGE (2UL << 20)
#define KSM "/sys/kernel/mm/ksm/"
#define HUGEPAGES "/proc/sys/vm/nr_hugepages"

static bool full;
static int rounds;		/* measurements of each side, alternated; the median is kept */
static char *qbuf;		/* a report: 10,000 mappings are ~1.5 MiB of text */
#define QBUF_SIZE (8UL << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* One result line: "BENCH {...}" (the caller's JSON members), parsed on the host by tests/bench-report.py. */
static void __attribute__((format(printf, 2, 3))) emit(const char *series, const char *fmt, ...)
{
	va_list ap;

	printf("BENCH {\"series\":\"%s\",", series);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("}\n");
	fflush(stdout);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* The value after "key=" in a report, or 0. */
static uint64_t report_u64(const char *text, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(text, pat);
	return p ? strtoull(p + strlen(pat), NULL, 0) : 0;
}

/* The whole report for @pfn into qbuf; true if its verdict is complete (or unverified: a large folio on 7.x). */
static bool query(int q, uint64_t pfn)
{
	char req[32];
	size_t len = 0;
	ssize_t n;

	snprintf(req, sizeof(req), "%llu", (unsigned long long)pfn);
	if (write(q, req, strlen(req)) <= 0)
		return false;
	while (len < QBUF_SIZE - 1 && (n = read(q, qbuf + len, QBUF_SIZE - 1 - len)) > 0)
		len += n;
	qbuf[len] = '\0';
	return strstr(qbuf, "verdict=complete") || strstr(qbuf, "verdict=unverified");
}

/* Seconds for one query of each PFN; *@ok counts the complete answers. */
static double time_queries(int q, const uint64_t *pfns, int n, int *ok)
{
	double t0 = now_s();

	*ok = 0;
	for (int i = 0; i < n; i++)
		*ok += query(q, pfns[i]);
	return now_s() - t0;
}

/* Seconds for the kernel's own reverse walk of each PFN: page_idle_clear_pte_refs() for its bit. */
static double time_page_idle(int idle, const uint64_t *pfns, int n)
{
	double t0 = now_s();

	for (int i = 0; i < n; i++) {
		uint64_t bit = 1ULL << (pfns[i] % 64);

		if (pwrite(idle, &bit, sizeof(bit), (off_t)(pfns[i] / 64 * 8)) != sizeof(bit))
			return -1;
	}
	return now_s() - t0;
}

static double time_lists(int q, const uint64_t *pfns, int n, int *reports);

/*
 * Ours, a query per PFN and then one list request for them all, against the kernel's walk of the same PFNs,
 * alternated @rounds times (so drift of the host touches each); medians in ns per PFN. *@kernel_ns is -1
 * without page_idle; @list_ns may be NULL.
 */
static void compare_walks(int q, const uint64_t *pfns, int n, double *ours_ns, double *list_ns,
			  double *kernel_ns, int *ok)
{
	double ours[9], lists[9], kernel[9];
	int idle = open(PAGE_IDLE, O_WRONLY), listed;

	for (int r = 0; r < rounds; r++) {
		ours[r] = time_queries(q, pfns, n, ok);
		if (list_ns)
			lists[r] = time_lists(q, pfns, n, &listed);
		kernel[r] = idle >= 0 ? time_page_idle(idle, pfns, n) : -1;
	}
	*ours_ns = median(ours, rounds) / n * 1e9;
	if (list_ns)
		*list_ns = median(lists, rounds) / n * 1e9;
	*kernel_ns = idle >= 0 ? median(kernel, rounds) / n * 1e9 : -1;
	if (idle >= 0)
		close(idle);
}

/*
 * @n children that read [@addr, @addr + @len) (fork copies no PTE of a shared file vma), then wait to be
 * killed; how many started (fewer when fork fails: the caller says so).
 */
static int spawn(pid_t *pids, int n, const char *addr, size_t len)
{
	int ready[2], started = 0;
	char c;

	if (pipe(ready))
		return 0;
	for (; started < n; started++) {
		pids[started] = fork();
		if (pids[started] < 0)
			break;
		if (pids[started] == 0) {
			for (size_t off = 0; off < len; off += PAGE)
				(void)*(volatile const char *)(addr + off);
			(void)!write(ready[1], "k", 1);
			for (;;)
				pause();
		}
	}
	for (int i = 0; i < started; i++)
		(void)!read(ready[0], &c, 1);
	close(ready[0]);
	close(ready[1]);
	return started;
}

/* Kill and wait for @pids (a failed fork's -1 left alone: kill(-1) would end every process). */
static void reap(pid_t *pids, int n)
{
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

static void fill(char *p, size_t len, int seed)
{
	for (size_t i = 0; i < len; i += PAGE)
		for (size_t j = 0; j < PAGE; j += 512)
			p[i + j] = (char)(seed + i / PAGE + j);
}

static int ramfs_file(const char *name, size_t len)
{
	char path[128];
	int fd;

	mkdir("/mnt", 0755);
	mkdir("/mnt/ram", 0755);
	if (mount("ramfs", "/mnt/ram", "ramfs", 0, NULL) && errno != EBUSY)
		return -1;
	snprintf(path, sizeof(path), "/mnt/ram/%s", name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink(path);	/* the page cache lives while mapped */
	if (fd >= 0 && ftruncate(fd, (off_t)len)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A 2 MiB-aligned anonymous region of @nr THPs, faulted; NULL if no THP came. */
static char *map_thps(int nr, char **raw)
{
	char *p;

	*raw = mmap(NULL, (nr + 1) * HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*raw == MAP_FAILED)
		return NULL;
	p = (char *)(((unsigned long)*raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(p, nr * HPAGE, MADV_HUGEPAGE);
	fill(p, nr * HPAGE, 7);
	for (int i = 0; i < nr; i++)
		if (!(kpageflags(pfn_of(getpid(), p + i * HPAGE)) >> KPF_THP & 1))
			return NULL;
	return p;
}

enum { MAPPERS = 5 };

/* One shape's record: @pfns of @what, each mapped by MAPPERS processes (the caller and its children). */
static void shape_record(int q, const char *shape, const uint64_t *pfns, int n, const char *why_no_kernel)
{
	double ours, listed, kernel;
	int ok;

	compare_walks(q, pfns, n, &ours, &listed, &kernel, &ok);
	if (kernel >= 0 && !why_no_kernel)
		emit("shapes", "\"shape\":\"%s\",\"pfns\":%d,\"mappers\":%d,\"complete\":%d,\"ours_ns\":%.0f,"
		     "\"ours_list_ns\":%.0f,\"kernel_ns\":%.0f,\"ratio\":%.3f,\"ratio_list\":%.3f", shape, n, MAPPERS,
		     ok, ours, listed, kernel, ours / kernel, listed / kernel);
	else
		emit("shapes", "\"shape\":\"%s\",\"pfns\":%d,\"mappers\":%d,\"complete\":%d,\"ours_ns\":%.0f,"
		     "\"ours_list_ns\":%.0f,\"kernel_ns\":null,\"ratio\":null,\"ratio_list\":null,\"why\":\"%s\"",
		     shape, n, MAPPERS, ok, ours, listed,
		     why_no_kernel ? why_no_kernel : "no page_idle on this kernel (CONFIG_IDLE_PAGE_TRACKING)");
	result(ok == n, "bench shapes: %s: %d of %d queries complete", shape, ok, n);
}

/* The PFNs of [@p, @p + @pages pages) in this process. */
static uint64_t *pfns_of(const char *p, int pages)
{
	uint64_t *pfns = calloc(pages, sizeof(*pfns));

	for (int i = 0; i < pages; i++)
		pfns[i] = pfn_of(getpid(), p + (size_t)i * PAGE);
	return pfns;
}

static void shape_region(int q, const char *shape, char *p, int pages, const char *why_no_kernel)
{
	pid_t kids[MAPPERS - 1];
	uint64_t *pfns = pfns_of(p, pages);

	if (spawn(kids, MAPPERS - 1, p, (size_t)pages * PAGE) != MAPPERS - 1)
		exit(2);
	shape_record(q, shape, pfns, pages, why_no_kernel);
	reap(kids, MAPPERS - 1);
	free(pfns);
}

/* 64 KSM pages, each the merge of MAPPERS processes' copies (ksmd merges what fork's COW split apart). */
static uint64_t *ksm_pages(char *p, int pages, pid_t *kids)
{
	uint64_t *pfns;
	int done = 0;

	fill(p, (size_t)pages * PAGE, 31);
	madvise(p, (size_t)pages * PAGE, MADV_MERGEABLE);
	for (int i = 0; i < MAPPERS - 1; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			fill(p, (size_t)pages * PAGE, 31);	/* copy on write: a page of its own, the same bytes */
			for (;;)
				pause();
		}
	}
	if (write_str(KSM "pages_to_scan", "5000") || write_str(KSM "sleep_millisecs", "10") ||
	    write_str(KSM "run", "1"))
		return NULL;
	for (int t = 0; t < 600 && done < pages; t++) {
		usleep(100000);
		done = 0;
		for (int i = 0; i < pages; i++) {
			uint64_t pfn = pfn_of(getpid(), p + (size_t)i * PAGE);

			done += pfn && kpageflags(pfn) >> KPF_KSM & 1 && kpagecount(pfn) == MAPPERS;
		}
	}
	if (done < pages)
		return NULL;
	write_str(KSM "run", "0");	/* no merging while we measure */
	pfns = pfns_of(p, pages);
	return pfns;
}

/*
 * KSM, and the worst case of a search: the same KSM pages with a 4 TiB mergeable reservation beside them
 * (never touched: no page tables, so the search should not see its size).
 */
static void shape_ksm(int q)
{
	enum { PAGES = 64 };
	char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *big;
	size_t big_len = 4UL << 40;
	pid_t kids[MAPPERS - 1];
	uint64_t *pfns = ksm_pages(p, PAGES, kids);
	double without, with, kernel;
	int ok;

	if (!pfns) {
		result(false, "bench shapes: ksm: ksmd merged the pages of %d processes", MAPPERS);
		reap(kids, MAPPERS - 1);
		return;
	}
	shape_record(q, "ksm", pfns, PAGES, NULL);
	compare_walks(q, pfns, PAGES, &without, NULL, &kernel, &ok);
	big = mmap(NULL, big_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big == MAP_FAILED || madvise(big, big_len, MADV_MERGEABLE)) {
		skip("bench worst: ksm beside a 4 TiB mergeable reservation: %s", strerror(errno));
	} else {
		compare_walks(q, pfns, PAGES, &with, NULL, &kernel, &ok);
		emit("worst", "\"case\":\"ksm_4tib_reservation\",\"pfns\":%d,\"ours_ns\":%.0f,\"baseline_ns\":%.0f,"
		     "\"ratio\":%.3f", PAGES, with, without, with / without);
		result(ok == PAGES, "bench worst: KSM pages beside a 4 TiB untouched mergeable reservation: %d of %d "
		       "complete", ok, PAGES);
		munmap(big, big_len);
	}
	reap(kids, MAPPERS - 1);
	munmap(p, PAGES * PAGE);
	free(pfns);
}

static void shape_hugetlb(int q)
{
	char *p;

	if (write_str(HUGEPAGES, "4")) {
		skip("bench shapes: hugetlb: %s: %s", HUGEPAGES, strerror(errno));
		return;
	}
	p = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		skip("bench shapes: hugetlb: no 2 MiB huge pages (%s)", strerror(errno));
		return;
	}
	fill(p, 2 * HPAGE, 13);
	/* page_idle takes only LRU folios, and hugetlb folios are never on the LRU: no kernel walk to compare */
	shape_region(q, "hugetlb", p, 1024, "page_idle does not walk hugetlb folios (they are not on the LRU)");
	munmap(p, 2 * HPAGE);
	write_str(HUGEPAGES, "0");
}

static void series_shapes(int q)
{
	int pages = full ? 1024 : 128, fd;
	char *p, *raw;

	p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	fill(p, pages * PAGE, 1);
	shape_region(q, "anon", p, pages, NULL);
	munmap(p, pages * PAGE);

	fd = ramfs_file("bench-file", pages * PAGE);
	p = fd >= 0 ? mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (p != MAP_FAILED) {
		fill(p, pages * PAGE, 2);
		shape_region(q, "file", p, pages, NULL);
		munmap(p, pages * PAGE);
	} else {
		result(false, "bench shapes: file: a ramfs file");
	}
	if (fd >= 0)
		close(fd);

	fd = memfd_create("bench-shmem", 0);
	p = fd >= 0 && !ftruncate(fd, pages * PAGE) ?
	    mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (p != MAP_FAILED) {
		madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
		fill(p, pages * PAGE, 3);
		shape_region(q, "shmem", p, pages, NULL);
		munmap(p, pages * PAGE);
	}
	if (fd >= 0)
		close(fd);

	p = map_thps(2, &raw);
	if (p) {
		shape_region(q, "thp_pmd", p, 1024, NULL);
		/* a PMD split into PTEs (mprotect of one page), the folio left whole */
		mprotect(p + PAGE, PAGE, PROT_READ);
		mprotect(p + HPAGE + PAGE, PAGE, PROT_READ);
		shape_region(q, "thp_pte", p, 1024, NULL);
	} else {
		skip("bench shapes: thp: no transparent huge page was allocated");
	}
	munmap(raw, 3 * HPAGE);
	shape_ksm(q);
	shape_hugetlb(q);
}

/*
 * Against the pagemap scan (page-types, scripts): every process's maps and pagemap read for the PFNs wanted.
 * One pass for a whole set: each present entry looked up in the sorted set. Returns the owners found.
 */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int count_processes(void)
{
	DIR *dir = opendir("/proc");
	struct dirent *d;
	int n = 0;

	while (dir && (d = readdir(dir)))
		n += strtol(d->d_name, NULL, 10) > 0;
	if (dir)
		closedir(dir);
	return n;
}

static size_t pagemap_scan(const uint64_t *sorted, int n)
{
	char path[64], line[512];
	size_t found = 0;
	DIR *dir = opendir("/proc");
	struct dirent *d;

	while (dir && (d = readdir(dir))) {
		long pid = strtol(d->d_name, NULL, 10);
		FILE *maps;
		int pm;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
		maps = fopen(path, "r");
		snprintf(path, sizeof(path), "/proc/%ld/pagemap", pid);
		pm = open(path, O_RDONLY);
		while (maps && pm >= 0 && fgets(line, sizeof(line), maps)) {
			unsigned long start, end;
			uint64_t e[512];

			if (sscanf(line, "%lx-%lx", &start, &end) != 2)
				continue;
			for (unsigned long a = start; a < end; a += 512 * PAGE) {
				size_t cnt = (end - a) / PAGE < 512 ? (end - a) / PAGE : 512;
				ssize_t got = pread(pm, e, cnt * 8, (off_t)(a / PAGE * 8));

				for (ssize_t k = 0; k < got / 8; k++) {
					uint64_t pfn = e[k] & ((1ULL << 55) - 1);

					if (e[k] >> 63 & 1 && bsearch(&pfn, sorted, n, sizeof(*sorted), cmp_u64))
						found++;
				}
			}
		}
		if (maps)
			fclose(maps);
		if (pm >= 0)
			close(pm);
	}
	if (dir)
		closedir(dir);
	return found;
}

/* Lines of @text that start with @prefix (a batch is read whole: the buffer holds more than its 1 MiB). */
static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		n += !strncmp(l, prefix, strlen(prefix));
	return n;
}

/* Seconds for list requests ("pfns P1 P2 ...", 4096 at most per write) of @pfns, every answer read. */
static double time_lists(int q, const uint64_t *pfns, int n, int *reports)
{
	char *req = malloc(4096 * 24 + 16);
	double t0 = now_s();
	ssize_t got;

	*reports = 0;
	for (int i = 0; i < n; i += 4096) {
		int len = sprintf(req, "pfns");

		for (int k = i; k < n && k < i + 4096; k++)
			len += sprintf(req + len, " %llu", (unsigned long long)pfns[k]);
		req[len++] = '\n';
		if (write(q, req, len) != len)
			break;
		while ((got = read(q, qbuf, QBUF_SIZE - 1)) > 0) {
			qbuf[got] = '\0';
			*reports += count_lines(qbuf, "end ");
		}
	}
	free(req);
	return now_s() - t0;
}

/* A range request over all RAM, every batch read: PFNs per second, and the pages reported. */
static double time_range_all(int q, unsigned long *reported, double *pfns_per_s)
{
	char req[64];
	double t0 = now_s(), t;
	ssize_t got;
	unsigned long end = max_pfn_from_iomem();

	snprintf(req, sizeof(req), "range 0 %lu", end);
	*reported = 0;
	if (write(q, req, strlen(req)) <= 0)
		return -1;
	while ((got = read(q, qbuf, QBUF_SIZE - 1)) > 0) {
		qbuf[got] = '\0';
		if (strstr(qbuf, "range_done "))
			*reported = report_u64(strstr(qbuf, "range_done "), "reported");
	}
	t = now_s() - t0;
	*pfns_per_s = end / t;
	return t;
}

/* One PFN: the pagemap scan against a query, alternated; the times in @scan and @ours, and one record. */
static void one_pfn(int q, uint64_t pfn, const char *what, double *scan, double *ours)
{
	for (int r = 0; r < rounds; r++) {
		double t0 = now_s();

		pagemap_scan(&pfn, 1);
		scan[r] = now_s() - t0;
		t0 = now_s();
		query(q, pfn);
		ours[r] = now_s() - t0;
	}
	emit("pagemap", "\"what\":\"%s\",\"processes\":%d,\"ours_ns\":%.0f,\"scan_ns\":%.0f,\"speedup\":%.1f",
	     what, count_processes(), median(ours, rounds) * 1e9, median(scan, rounds) * 1e9,
	     median(scan, rounds) / median(ours, rounds));
}

static void series_pagemap(int q)
{
	int pages = full ? 10000 : 1000, ok, reports;
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t *pfns, *sorted;
	double scan1[9], ours1[9], scan, scan_each, singles, lists, range_s, range_rate = 0;
	unsigned long reported;
	pid_t kids[MAPPERS - 1];

	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	fill(p, pages * PAGE, 5);
	if (spawn(kids, MAPPERS - 1, NULL, 0) != MAPPERS - 1)
		exit(2);
	pfns = pfns_of(p, pages);
	sorted = malloc(pages * sizeof(*sorted));
	memcpy(sorted, pfns, pages * sizeof(*sorted));
	qsort(sorted, pages, sizeof(*sorted), cmp_u64);
	one_pfn(q, pfns[0], "one_pfn", scan1, ours1);
	scan = now_s();
	pagemap_scan(sorted, pages);
	scan = now_s() - scan;
	singles = time_queries(q, pfns, pages, &ok);
	lists = time_lists(q, pfns, pages, &reports);
	range_s = time_range_all(q, &reported, &range_rate);
	scan_each = median(scan1, rounds);
	/*
	 * A set of PFNs: the scan a script does per PFN (its cost measured above, times the set) and the best a
	 * scan can do (one pass over every pagemap, each entry looked up in the set), against a query per PFN
	 * and list requests.
	 */
	emit("pagemap", "\"what\":\"pfn_set\",\"pfns\":%d,\"scan_per_pfn_ns\":%.0f,\"scan_one_pass_ns\":%.0f,"
	     "\"singles_ns\":%.0f,\"lists_ns\":%.0f,\"speedup_lists_vs_scan_per_pfn\":%.1f,"
	     "\"speedup_singles_vs_scan_per_pfn\":%.1f,\"speedup_lists_vs_one_pass\":%.2f", pages,
	     scan_each * pages * 1e9, scan * 1e9, singles * 1e9, lists * 1e9, scan_each * pages / lists,
	     scan_each * pages / singles, scan / lists);
	emit("pagemap", "\"what\":\"range_all_ram\",\"pfns\":%lu,\"reported\":%lu,\"seconds\":%.3f,"
	     "\"pfns_per_s\":%.0f,\"reports_per_s\":%.0f", max_pfn_from_iomem(), reported, range_s, range_rate,
	     reported / range_s);
	result(ok == pages && reports == pages && reported > 0, "bench pagemap: %d single queries and %d listed "
	       "complete of %d, a range of all RAM reported %lu pages", ok, reports, pages, reported);
	/* a server's worth of processes: the scan reads every one's maps and pagemap, the query none */
	{
		enum { IDLE = 250 };
		pid_t idle[IDLE];

		for (int i = 0; i < IDLE; i++) {
			idle[i] = fork();
			if (idle[i] == 0) {
				execl("/bin/idle", "idle", (char *)NULL);
				_exit(127);
			}
		}
		usleep(2000000);
		one_pfn(q, pfns[0], "one_pfn_busy", scan1, ours1);
		/* the set among them: the lists cost what they cost above (they read no other process) */
		scan_each = median(scan1, rounds);
		emit("pagemap", "\"what\":\"pfn_set_busy\",\"pfns\":%d,\"processes\":%d,\"scan_per_pfn_ns\":%.0f,"
		     "\"lists_ns\":%.0f,\"speedup_lists_vs_scan_per_pfn\":%.1f", pages, count_processes(),
		     scan_each * pages * 1e9, lists * 1e9, scan_each * pages / lists);
		reap(idle, IDLE);
	}
	reap(kids, MAPPERS - 1);
	munmap(p, pages * PAGE);
	free(pfns);
	free(sorted);
}

/* The median of @rounds queries of @pfn: ns per query, and the report's cost keys of the last. */
static double time_one(int q, uint64_t pfn, bool *ok, uint64_t *nodes, uint64_t *lock_ns, uint64_t *mappings)
{
	double t[9];

	for (int r = 0; r < rounds; r++) {
		double t0 = now_s();

		*ok = query(q, pfn);
		t[r] = now_s() - t0;
	}
	*nodes = report_u64(qbuf, "nodes");
	*lock_ns = report_u64(qbuf, "lock_ns");
	*mappings = report_u64(qbuf, "mappings");
	return median(t, rounds) * 1e9;
}

static void scaling_record(int q, const char *what, uint64_t pfn, int n)
{
	uint64_t nodes, lock_ns, mappings;
	bool ok;
	double ns = time_one(q, pfn, &ok, &nodes, &lock_ns, &mappings), kernel = -1;
	int idle = open(PAGE_IDLE, O_WRONLY);

	if (idle >= 0) {
		double t[9];

		for (int r = 0; r < rounds; r++)
			t[r] = time_page_idle(idle, &pfn, 1);
		kernel = median(t, rounds) * 1e9;
		close(idle);
	}
	emit("scaling", "\"what\":\"%s\",\"n\":%d,\"mappings\":%llu,\"ns\":%.0f,\"ns_per_mapping\":%.1f,"
	     "\"nodes\":%llu,\"longest_lock_ns\":%llu,\"kernel_ns\":%.0f", what, n, (unsigned long long)mappings, ns,
	     ns / (mappings ? mappings : 1), (unsigned long long)nodes, (unsigned long long)lock_ns, kernel);
	result(ok, "bench scaling: %s at %d: complete, %llu mappings", what, n, (unsigned long long)mappings);
}

/* Room for @n more processes: pid_max raised where a small kernel keeps it low (BASE_SMALL: 4096). */
static void pid_room(int n)
{
	char buf[32];
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	long max = 0;

	if (f && fgets(buf, sizeof(buf), f))
		max = strtol(buf, NULL, 10);
	if (f)
		fclose(f);
	if (max && max < n + 2000) {
		snprintf(buf, sizeof(buf), "%d", n + 2000 > 32768 ? n + 2000 : 32768);
		write_str("/proc/sys/kernel/pid_max", buf);
	}
}

/* One anon page and one file page, mapped by 1 … 10,000 processes: the caller, then forked children. */
static void series_processes(int q)
{
	static const int steps[] = { 1, 10, 100, 1000, 10000 };
	int nsteps = full ? 5 : 3, have = 1, fd = ramfs_file("bench-scale", PAGE);
	char *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *file = fd >= 0 ? mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	pid_t *kids = calloc(10000, sizeof(*kids));

	if (file == MAP_FAILED) {
		result(false, "bench scaling: a ramfs file");
		return;
	}
	pid_room(steps[nsteps - 1]);
	fill(anon, PAGE, 9);
	fill(file, PAGE, 10);
	for (int s = 0; s < nsteps; s++) {
		int want = steps[s] - have, got = spawn(kids + have - 1, want, file, PAGE);

		have += got;
		if (got < want) {
			skip("bench scaling: %d processes: fork failed after %d (%s)", steps[s], have, strerror(errno));
			break;
		}
		scaling_record(q, "anon_processes", pfn_of(getpid(), anon), have);
		scaling_record(q, "file_processes", pfn_of(getpid(), file), have);
	}
	reap(kids, have - 1);
	free(kids);
	munmap(anon, PAGE);
	munmap(file, PAGE);
	close(fd);
}

/*
 * One process, K vmas in one tree: an anon region split by mprotect() of every other page (each piece keeps
 * the anon_vma: K anon_vma_chains in its tree, one covering the page asked), and one file page mapped K times
 * (K vmas, every one covering it).
 */
static void series_vmas(int q)
{
	static const int steps[] = { 1, 10, 100, 1000, 10000 };
	int nsteps = full ? 5 : 4, fd = ramfs_file("bench-vmas", PAGE);
	char **maps = calloc(10000, sizeof(*maps));
	int nmaps = 0;

	for (int s = 0; s < nsteps; s++) {
		int k = steps[s];
		char *p = mmap(NULL, (size_t)k * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		madvise(p, (size_t)k * PAGE, MADV_NOHUGEPAGE);
		fill(p, (size_t)k * PAGE, 11);
		for (int i = 1; i < k; i += 2)
			mprotect(p + (size_t)i * PAGE, PAGE, PROT_READ);
		scaling_record(q, "anon_vma_tree_vmas", pfn_of(getpid(), p + (size_t)(k / 2) * PAGE), k);
		munmap(p, (size_t)k * PAGE);
		for (; fd >= 0 && nmaps < k; nmaps++) {
			maps[nmaps] = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
			if (maps[nmaps] == MAP_FAILED)
				break;
			(void)*(volatile char *)maps[nmaps];
		}
		if (nmaps == k)
			scaling_record(q, "file_vmas", pfn_of(getpid(), maps[0]), k);
		else
			result(false, "bench scaling: a file mapped %d times (%d)", k, nmaps);
	}
	while (nmaps-- > 0)
		munmap(maps[nmaps], PAGE);
	free(maps);
	if (fd >= 0)
		close(fd);
}

/*
 * The cost to the inspected system: latencies of an mmap/munmap/fork loop over the same file and anon memory,
 * alone for a while, then for as long as a range request (what rmapctl range sends) scans all RAM in another
 * process, which reads each report's longest lock hold. @scanner: that process, 0 for the loop alone.
 */
static int loop_latencies(double seconds, pid_t scanner, double *lat, int max)
{
	int n = 0, fd = ramfs_file("bench-loop", 16 * PAGE);
	double end = now_s() + seconds;

	while (n < max && (scanner ? waitpid(scanner, NULL, WNOHANG) == 0 : now_s() < end)) {
		double t0 = now_s();
		char *a = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *f = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		fill(a, 16 * PAGE, n);
		fill(f, 16 * PAGE, n);
		if (n % 16 == 0) {
			pid_t c = fork();

			if (c == 0)
				_exit(0);
			waitpid(c, NULL, 0);
		}
		munmap(a, 16 * PAGE);
		munmap(f, 16 * PAGE);
		lat[n++] = now_s() - t0;
	}
	close(fd);
	return n;
}

/* The scanner: a range request over all RAM; writes "LOCK_NS LOCK SECONDS REPORTED" to @out. */
static void scan_all(int out)
{
	int q = open(QUERY, O_RDWR);
	unsigned long max_ns = 0, reported = 0;
	char req[64], lock[32] = "none", msg[128];
	double t0 = now_s();
	ssize_t got;

	snprintf(req, sizeof(req), "range 0 %lu", max_pfn_from_iomem());
	if (q < 0 || write(q, req, strlen(req)) <= 0)
		_exit(1);
	while ((got = read(q, qbuf, QBUF_SIZE - 1)) > 0) {
		qbuf[got] = '\0';
		for (const char *l = strstr(qbuf, " lock_ns="); l; l = strstr(l + 1, " lock_ns=")) {
			unsigned long ns = strtoul(l + 9, NULL, 10);

			if (ns > max_ns) {
				max_ns = ns;
				if (sscanf(l, " lock_ns=%*u lock=%31[a-z_]", lock) != 1)
					snprintf(lock, sizeof(lock), "none");
			}
		}
		if (strstr(qbuf, "range_done "))
			reported = report_u64(strstr(qbuf, "range_done "), "reported");
	}
	snprintf(msg, sizeof(msg), "%lu %s %.3f %lu\n", max_ns, lock, now_s() - t0, reported);
	(void)!write(out, msg, strlen(msg));
	_exit(0);
}

static void series_impact(void)
{
	enum { MAX = 200000 };
	double *alone = calloc(MAX, sizeof(double)), *scanned = calloc(MAX, sizeof(double)), secs = full ? 10 : 3;
	double scan_s = 0;
	unsigned long hold = 0, reported = 0;
	char msg[128] = "", which[32] = "none";
	int na, ns, fds[2];
	pid_t scanner;

	na = loop_latencies(secs, 0, alone, MAX);
	if (pipe(fds))
		exit(2);
	scanner = fork();
	if (scanner == 0)
		scan_all(fds[1]);
	close(fds[1]);
	ns = loop_latencies(0, scanner, scanned, MAX);
	if (read(fds[0], msg, sizeof(msg) - 1) <= 0 ||
	    sscanf(msg, "%lu %31s %lf %lu", &hold, which, &scan_s, &reported) != 4)
		hold = 0;
	close(fds[0]);
	qsort(alone, na, sizeof(double), cmp_double);
	qsort(scanned, ns, sizeof(double), cmp_double);
	emit("impact", "\"loop\":\"mmap+touch+munmap of 16 anon and 16 file pages, fork every 16th\","
	     "\"iterations_alone\":%d,\"iterations_scanned\":%d,\"median_alone_ns\":%.0f,\"median_scanned_ns\":%.0f,"
	     "\"p99_alone_ns\":%.0f,\"p99_scanned_ns\":%.0f,\"p99_ratio\":%.3f,\"scan_s\":%.3f,\"scan_reported\":%lu,"
	     "\"longest_lock_ns\":%lu,\"longest_lock\":\"%s\"", na, ns, alone[na / 2] * 1e9, scanned[ns / 2] * 1e9,
	     alone[na * 99 / 100] * 1e9, scanned[ns * 99 / 100] * 1e9, scanned[ns * 99 / 100] / alone[na * 99 / 100],
	     scan_s, reported, hold, which);
	result(na > 0 && ns > 0 && reported > 0 && hold > 0, "bench impact: %d loop iterations alone, %d during a "
	       "scan of all RAM (%lu pages reported; its longest lock hold: %s)", na, ns, reported, which);
	free(alone);
	free(scanned);
}

/* A 1 GiB shared hugetlb region (512 huge pages, aligned: the processes share its PMD table), two processes. */
static void series_worst_hugetlb(int q)
{
	size_t len = full ? 1UL << 30 : 32UL << 20;
	char count[16], *raw, *p;
	uint64_t nodes, lock_ns, mappings;
	pid_t kid;
	bool ok;
	double ns;

	snprintf(count, sizeof(count), "%zu", len / HPAGE);
	if (write_str(HUGEPAGES, count)) {
		skip("bench worst: hugetlb: %s", strerror(errno));
		return;
	}
	raw = mmap(NULL, len + (1UL << 30), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	p = (char *)(((unsigned long)raw + (1UL << 30) - 1) & ~((1UL << 30) - 1));
	if (raw == MAP_FAILED || mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB |
				      MAP_FIXED, -1, 0) != p) {
		skip("bench worst: hugetlb: %zu MiB of huge pages not available (%s)", len >> 20, strerror(errno));
		write_str(HUGEPAGES, "0");
		return;
	}
	fill(p, len, 17);
	if (spawn(&kid, 1, p, len) != 1)
		exit(2);
	ns = time_one(q, pfn_of(getpid(), p + len / 2 + 5 * PAGE), &ok, &nodes, &lock_ns, &mappings);
	emit("worst", "\"case\":\"hugetlb_shared_%zumib\",\"ns\":%.0f,\"mappings\":%llu,\"longest_lock_ns\":%llu",
	     len >> 20, ns, (unsigned long long)mappings, (unsigned long long)lock_ns);
	result(ok, "bench worst: a page of a %zu MiB shared hugetlb region: complete, %llu mappings", len >> 20,
	       (unsigned long long)mappings);
	reap(&kid, 1);
	munmap(raw, len + (1UL << 30));
	write_str(HUGEPAGES, "0");
}

static void run_series(int q, const char *name)
{
	double t0 = now_s();

	if (!strcmp(name, "shapes")) {
		series_shapes(q);
	} else if (!strcmp(name, "pagemap")) {
		series_pagemap(q);
	} else if (!strcmp(name, "scaling")) {
		series_processes(q);
		series_vmas(q);
	} else if (!strcmp(name, "impact")) {
		series_impact();
	} else if (!strcmp(name, "worst")) {
		series_worst_hugetlb(q);
	} else {
		result(false, "bench: no series '%s'", name);
		return;
	}
	printf("bench: series %s took %.0f s\n", name, now_s() - t0);
}

int main(int argc, char **argv)
{
	char all[] = "shapes,pagemap,scaling,impact,worst", *list, *name;
	int q;

	if (argc < 2 || (strcmp(argv[1], "quick") && strcmp(argv[1], "full"))) {
		fprintf(stderr, "usage: rmapbench quick|full [SERIES[,SERIES...]]   series: %s\n", all);
		return 2;
	}
	full = !strcmp(argv[1], "full");
	rounds = full ? 5 : 3;
	qbuf = malloc(QBUF_SIZE);
	q = open(QUERY, O_RDWR);
	if (q < 0 || !qbuf) {
		result(false, "bench: %s: %s", QUERY, strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	list = argc > 2 ? argv[2] : all;
	for (name = strtok(list, ","); name; name = strtok(NULL, ","))
		run_series(q, name);
	close(q);
	return test_failures ? 1 : 0;
}
