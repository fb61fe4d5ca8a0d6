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

/*
 * Seconds for the kernel's own reverse walk of each PFN: page_idle_bitmap_write() walks the rmap of every page
 * whose bit is set (page_idle_clear_pte_refs(): LRU folios only, and a file or KSM folio only if its trylock
 * succeeds, as ours), one write per PFN.
 */
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

/*
 * The same walks in as few writes as the bitmap allows: sysfs takes a page of it (32768 PFNs) per write(), and
 * only the pages that hold an asked PFN's bit are written. The kernel then steps over every PFN of each page
 * written, a bit test and a cond_resched() for those not asked: scattered PFNs cost it that, which is why the
 * goal is judged against the cheaper of its two ways.
 */
static double time_page_idle_batched(int idle, const uint64_t *pfns, int n)
{
	enum { CHUNK_WORDS = 4096 / 8 };
	uint64_t lo = UINT64_MAX, hi = 0, *words;
	size_t nwords;
	double t0, t;
	bool ok = true;

	for (int i = 0; i < n; i++) {
		lo = pfns[i] / 64 < lo ? pfns[i] / 64 : lo;
		hi = pfns[i] / 64 > hi ? pfns[i] / 64 : hi;
	}
	lo -= lo % CHUNK_WORDS;		/* writes start on a page of the bitmap */
	nwords = (hi - lo) / CHUNK_WORDS * CHUNK_WORDS + CHUNK_WORDS;
	words = calloc(nwords, sizeof(*words));
	for (int i = 0; i < n; i++)
		words[pfns[i] / 64 - lo] |= 1ULL << (pfns[i] % 64);
	t0 = now_s();
	for (size_t c = 0; c < nwords && ok; c += CHUNK_WORDS) {
		bool any = false;

		for (size_t w = c; w < c + CHUNK_WORDS && !any; w++)
			any = words[w] != 0;
		if (any)
			ok = pwrite(idle, words + c, CHUNK_WORDS * 8, (off_t)((lo + c) * 8)) == CHUNK_WORDS * 8;
	}
	t = now_s() - t0;
	free(words);
	return ok ? t : -1;
}

static double time_lists(int q, const uint64_t *pfns, int n, int *reports);

struct walk_times {
	double ours, listed, kernel, kernel_batched;	/* ns per PFN, medians; the kernel's -1 without page_idle */
	int complete, listed_reports;			/* of the last round */
};

/*
 * Ours, a query per PFN and one list request for them all, against the kernel's walk of the same PFNs, a
 * write per PFN and one for all: @rounds rounds, the order rotated each round (so neither side always runs
 * first, after the other warmed or cooled the caches), medians.
 */
static void compare_walks(int q, const uint64_t *pfns, int n, bool with_lists, struct walk_times *w)
{
	double t[4][9];
	int idle = open(PAGE_IDLE, O_WRONLY);

	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 4; k++) {
			switch ((r + k) % 4) {
			case 0:
				t[0][r] = time_queries(q, pfns, n, &w->complete);
				break;
			case 1:
				t[1][r] = with_lists ? time_lists(q, pfns, n, &w->listed_reports) : 0;
				break;
			case 2:
				t[2][r] = idle >= 0 ? time_page_idle(idle, pfns, n) : -1;
				break;
			case 3:
				t[3][r] = idle >= 0 && with_lists ? time_page_idle_batched(idle, pfns, n) : -1;
				break;
			}
		}
	}
	w->ours = median(t[0], rounds) / n * 1e9;
	w->listed = median(t[1], rounds) / n * 1e9;
	w->kernel = idle >= 0 ? median(t[2], rounds) / n * 1e9 : -1;
	w->kernel_batched = idle >= 0 && with_lists ? median(t[3], rounds) / n * 1e9 : -1;
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
	close(ready[1]);	/* a child that dies before it is ready ends the wait (EOF), not hangs it */
	for (int i = 0; i < started && read(ready[0], &c, 1) == 1; i++)
		;
	close(ready[0]);
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

/* A ramfs file of @len bytes, unlinked: its page cache lives while it is open or mapped. */
static int ramfs_file(const char *name, size_t len)
{
	int fd = ramfs_open(name);
	char path[128];

	snprintf(path, sizeof(path), "/mnt/ram/%s", name);
	unlink(path);
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
	struct walk_times w;

	compare_walks(q, pfns, n, true, &w);
	if (w.kernel >= 0 && !why_no_kernel)
		emit("shapes", "\"shape\":\"%s\",\"pfns\":%d,\"mappers\":%d,\"complete\":%d,\"listed\":%d,"
		     "\"ours_ns\":%.0f,\"ours_list_ns\":%.0f,\"kernel_ns\":%.0f,\"kernel_batched_ns\":%.0f,"
		     "\"ratio\":%.3f,\"ratio_list\":%.3f", shape, n, MAPPERS, w.complete, w.listed_reports, w.ours,
		     w.listed, w.kernel, w.kernel_batched, w.ours / w.kernel,
		     w.listed / (w.kernel_batched > 0 && w.kernel_batched < w.kernel ? w.kernel_batched : w.kernel));
	else
		emit("shapes", "\"shape\":\"%s\",\"pfns\":%d,\"mappers\":%d,\"complete\":%d,\"listed\":%d,"
		     "\"ours_ns\":%.0f,\"ours_list_ns\":%.0f,\"kernel_ns\":null,\"kernel_batched_ns\":null,"
		     "\"ratio\":null,\"ratio_list\":null,\"why\":\"%s\"", shape, n, MAPPERS, w.complete,
		     w.listed_reports, w.ours, w.listed,
		     why_no_kernel ? why_no_kernel : "no page_idle on this kernel (CONFIG_IDLE_PAGE_TRACKING)");
	result(w.complete == n && w.listed_reports == n, "bench shapes: %s: %d of %d queries complete, %d listed",
	       shape, w.complete, n, w.listed_reports);
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

/*
 * THPs by their head PFNs: on 6.1 the kernel's walk takes a THP only by its head (page_idle_get_page() cannot
 * pin a tail page, whose own refcount is 0), while our query of any page of it walks the whole folio.
 */
static void shape_thps(int q, const char *shape, char *p, int nthp)
{
	uint64_t *heads = calloc(nthp, sizeof(*heads));
	pid_t kids[MAPPERS - 1];

	for (int i = 0; i < nthp; i++)
		heads[i] = pfn_of(getpid(), p + (size_t)i * HPAGE);
	if (spawn(kids, MAPPERS - 1, p, (size_t)nthp * HPAGE) != MAPPERS - 1)
		exit(2);
	shape_record(q, shape, heads, nthp, NULL);
	reap(kids, MAPPERS - 1);
	free(heads);
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
	write_str(KSM "run", "0");	/* no merging while we measure, nor in the series after */
	if (done < pages)
		return NULL;
	pfns = pfns_of(p, pages);
	return pfns;
}

#define KSM_SEARCH "/sys/module/rmap_probe/parameters/ksm_search"

/*
 * The worst case of a search: KSM pages with a 4 TiB mergeable reservation beside them (never touched: no page
 * tables, so the search should not see its size; the walk from the stable node never looks at it), without and
 * with it, alternated: it is mapped and unmapped each round. @searched: with ksm_search=1, as a module built
 * without its kernel's BTF.
 */
static void worst_ksm_reservation(int q, const uint64_t *pfns, int n, bool searched)
{
	const char *name = searched ? "ksm_4tib_reservation_searched" : "ksm_4tib_reservation";
	size_t big_len = 4UL << 40;
	double without[9], with[9];
	struct walk_times w;
	uint64_t tables = 0;
	char *big;

	if (searched && write_str(KSM_SEARCH, "1")) {
		skip("bench worst: %s: %s: %s", name, KSM_SEARCH, strerror(errno));
		return;
	}
	for (int r = 0; r < rounds; r++) {
		compare_walks(q, pfns, n, false, &w);
		without[r] = w.ours;
		big = mmap(NULL, big_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (big == MAP_FAILED || madvise(big, big_len, MADV_MERGEABLE)) {
			skip("bench worst: %s: %s", name, strerror(errno));
			write_str(KSM_SEARCH, "0");
			return;
		}
		compare_walks(q, pfns, n, false, &w);
		with[r] = w.ours;
		query(q, pfns[0]);
		tables = report_u64(qbuf, "tables");
		munmap(big, big_len);
	}
	query(q, pfns[0]);
	emit("worst", "\"case\":\"%s\",\"pfns\":%d,\"ours_ns\":%.0f,\"baseline_ns\":%.0f,"
	     "\"ratio\":%.3f,\"tables\":%llu,\"baseline_tables\":%llu", name, n, median(with, rounds),
	     median(without, rounds), median(with, rounds) / median(without, rounds), (unsigned long long)tables,
	     (unsigned long long)report_u64(qbuf, "tables"));
	result(w.complete == n, "bench worst: KSM pages beside a 4 TiB untouched mergeable reservation%s: %d of %d "
	       "complete", searched ? ", searched for" : "", w.complete, n);
	write_str(KSM_SEARCH, "0");
}

/*
 * KSM pages: walked from their stable node (the module's way where it was built with its kernel's BTF), and
 * searched for (ksm_search=1: a module without), side by side; then the worst case of each.
 */
static void shape_ksm(int q)
{
	enum { PAGES = 64 };
	char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t kids[MAPPERS - 1];
	uint64_t *pfns = ksm_pages(p, PAGES, kids);

	if (!pfns) {
		result(false, "bench shapes: ksm: ksmd merged the pages of %d processes", MAPPERS);
		reap(kids, MAPPERS - 1);
		return;
	}
	shape_record(q, "ksm", pfns, PAGES, NULL);
	if (write_str(KSM_SEARCH, "1")) {
		skip("bench shapes: ksm_searched: %s: %s", KSM_SEARCH, strerror(errno));
	} else {
		shape_record(q, "ksm_searched", pfns, PAGES, NULL);
		write_str(KSM_SEARCH, "0");
	}
	worst_ksm_reservation(q, pfns, PAGES, false);
	worst_ksm_reservation(q, pfns, PAGES, true);
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
		write_str(HUGEPAGES, "0");
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
	int pages = full ? 1024 : 128, nthp = full ? 16 : 4, fd;
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

	p = map_thps(nthp, &raw);
	if (p) {
		shape_thps(q, "thp_pmd", p, nthp);
		/* each PMD split into PTEs (mprotect of one page), the folios left whole */
		for (int i = 0; i < nthp; i++)
			mprotect(p + i * HPAGE + PAGE, PAGE, PROT_READ);
		shape_thps(q, "thp_pte", p, nthp);
	} else {
		skip("bench shapes: thp: no transparent huge page was allocated");
	}
	munmap(raw, (nthp + 1) * HPAGE);
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
	char path[64], *line = NULL;
	size_t found = 0, cap = 0;
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
		while (maps && pm >= 0 && getline(&line, &cap, maps) > 0) {
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
	free(line);
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

/*
 * A PFN set: the scan a script does per PFN (one PFN's scan, measured, times the set: extrapolated, as 10,000
 * scans would take minutes to hours) and the best a scan can do (one pass over every pagemap, each entry looked
 * up in the set), against a query per PFN and list requests; alternated rounds, medians. @what names the
 * process population.
 */
static void pfn_set(int q, const uint64_t *pfns, const uint64_t *sorted, int n, const char *what, double scan_each)
{
	double one_pass[9], singles[9], lists[9];
	int ok = 0, reports = 0;

	for (int r = 0; r < rounds; r++) {
		double t0 = now_s();

		pagemap_scan(sorted, n);
		one_pass[r] = now_s() - t0;
		singles[r] = time_queries(q, pfns, n, &ok);
		lists[r] = time_lists(q, pfns, n, &reports);
	}
	emit("pagemap", "\"what\":\"%s\",\"pfns\":%d,\"processes\":%d,\"scan_per_pfn_extrapolated_ns\":%.0f,"
	     "\"scan_one_pass_ns\":%.0f,\"singles_ns\":%.0f,\"lists_ns\":%.0f,\"speedup_lists_vs_scan_per_pfn\":%.1f,"
	     "\"speedup_singles_vs_scan_per_pfn\":%.1f,\"speedup_lists_vs_one_pass\":%.2f", what, n, count_processes(),
	     scan_each * n * 1e9, median(one_pass, rounds) * 1e9, median(singles, rounds) * 1e9,
	     median(lists, rounds) * 1e9, scan_each * n / median(lists, rounds),
	     scan_each * n / median(singles, rounds), median(one_pass, rounds) / median(lists, rounds));
	result(ok == n && reports == n, "bench pagemap: %s: %d single queries and %d listed complete of %d", what, ok,
	       reports, n);
}

/*
 * @n processes of /bin/idle, each past its exec when this returns (the write end of a pipe, O_CLOEXEC, closes
 * in each at exec: an rmapbench copy not yet exec'd would be scanned with all our mappings).
 */
static int spawn_idle(pid_t *pids, int n)
{
	int fds[2], started = 0;
	char c;

	if (pipe2(fds, O_CLOEXEC))
		return 0;
	for (; started < n; started++) {
		pids[started] = fork();
		if (pids[started] < 0)
			break;
		if (pids[started] == 0) {
			execl("/bin/idle", "idle", (char *)NULL);
			_exit(127);
		}
	}
	close(fds[1]);
	(void)!read(fds[0], &c, 1);	/* EOF once every child exec'd or died */
	close(fds[0]);
	return started;
}

static void series_pagemap(int q)
{
	enum { IDLE = 250 };
	int pages = full ? 10000 : 1000;
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t *pfns, *sorted;
	double scan1[9], ours1[9], range_s, range_rate = 0;
	unsigned long reported;
	pid_t kids[MAPPERS - 1], idle[IDLE];
	int started;

	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	fill(p, pages * PAGE, 5);
	if (spawn(kids, MAPPERS - 1, NULL, 0) != MAPPERS - 1)
		exit(2);
	pfns = pfns_of(p, pages);
	sorted = malloc(pages * sizeof(*sorted));
	memcpy(sorted, pfns, pages * sizeof(*sorted));
	qsort(sorted, pages, sizeof(*sorted), cmp_u64);
	one_pfn(q, pfns[0], "one_pfn", scan1, ours1);
	pfn_set(q, pfns, sorted, pages, "pfn_set", median(scan1, rounds));
	range_s = time_range_all(q, &reported, &range_rate);
	emit("pagemap", "\"what\":\"range_all_ram\",\"pfns\":%lu,\"reported\":%lu,\"seconds\":%.3f,"
	     "\"pfns_per_s\":%.0f,\"reports_per_s\":%.0f", max_pfn_from_iomem(), reported, range_s, range_rate,
	     reported / range_s);
	result(reported > 0, "bench pagemap: a range of all RAM reported %lu pages", reported);
	/* a small server's worth of processes: the scan reads every one's maps and pagemap, the query none */
	started = spawn_idle(idle, IDLE);
	if (started == IDLE) {
		one_pfn(q, pfns[0], "one_pfn_busy", scan1, ours1);
		pfn_set(q, pfns, sorted, pages, "pfn_set_busy", median(scan1, rounds));
	} else {
		skip("bench pagemap: %d more processes: fork failed after %d", IDLE, started);
	}
	reap(idle, started);
	reap(kids, MAPPERS - 1);
	munmap(p, pages * PAGE);
	free(pfns);
	free(sorted);
}

/* One point of a scaling series: our query and the kernel's walk of @pfn, alternated, medians. */
static void scaling_record(int q, const char *what, uint64_t pfn, int n)
{
	int idle = open(PAGE_IDLE, O_WRONLY);
	double ours[9], kernel[9];
	bool ok = true;

	for (int r = 0; r < rounds; r++) {
		double t0 = now_s();

		ok &= query(q, pfn);
		ours[r] = now_s() - t0;
		kernel[r] = idle >= 0 ? time_page_idle(idle, &pfn, 1) : -1;
	}
	if (idle >= 0)
		close(idle);
	emit("scaling", "\"what\":\"%s\",\"n\":%d,\"mappings\":%llu,\"ns\":%.0f,\"ns_per_mapping\":%.1f,"
	     "\"nodes\":%llu,\"longest_lock_ns\":%llu,\"longest_ptl_ns\":%llu,\"kernel_ns\":%.0f", what, n,
	     (unsigned long long)report_u64(qbuf, "mappings"), median(ours, rounds) * 1e9,
	     median(ours, rounds) * 1e9 / (report_u64(qbuf, "mappings") ? report_u64(qbuf, "mappings") : 1),
	     (unsigned long long)report_u64(qbuf, "nodes"), (unsigned long long)report_u64(qbuf, "lock_ns"),
	     (unsigned long long)report_u64(qbuf, "ptl_ns"), idle >= 0 ? median(kernel, rounds) * 1e9 : -1);
	result(ok, "bench scaling: %s at %d: complete, %llu mappings", what, n,
	       (unsigned long long)report_u64(qbuf, "mappings"));
}

#define PID_MAX "/proc/sys/kernel/pid_max"

/* Room for @n more processes: pid_max raised where a small kernel keeps it low (BASE_SMALL: 4096); the old one. */
static long pid_room(int n)
{
	char buf[32];
	FILE *f = fopen(PID_MAX, "r");
	long max = 0;

	if (f && fgets(buf, sizeof(buf), f))
		max = strtol(buf, NULL, 10);
	if (f)
		fclose(f);
	if (max && max < n + 2000) {
		snprintf(buf, sizeof(buf), "%d", n + 2000 > 32768 ? n + 2000 : 32768);
		write_str(PID_MAX, buf);
	}
	return max;
}

/* One anon page and one file page, mapped by 1 … 10,000 processes: the caller, then forked children. */
static void series_processes(int q)
{
	static const int steps[] = { 1, 10, 100, 1000, 10000 };
	int nsteps = full ? 5 : 3, have = 1, fd = ramfs_file("bench-scale", PAGE);
	char *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *file = fd >= 0 ? mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	pid_t *kids = calloc(10000, sizeof(*kids));
	char old_max[32];
	long pid_max;

	if (file == MAP_FAILED) {
		result(false, "bench scaling: a ramfs file");
		return;
	}
	pid_max = pid_room(steps[nsteps - 1]);
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
	snprintf(old_max, sizeof(old_max), "%ld", pid_max);
	if (pid_max)
		write_str(PID_MAX, old_max);
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
 * in phases of equal length, alternated: alone; while another process scans all RAM with range requests (what
 * rmapctl range sends), over and over until the phase ends; and, as a control for the CPU the scan takes
 * (two vCPUs here), while another process only spins.
 */
enum { PHASE_ALONE, PHASE_SCANNED, PHASE_SPIN, NR_PHASES };

static int loop_latencies(double seconds, double *lat, int max)
{
	int n = 0, fd = ramfs_file("bench-loop", 16 * PAGE);
	double end = now_s() + seconds;

	while (n < max && now_s() < end) {
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

/* The longest holds the scanner's reports named, by lock; the page-table lock's from ptl_ns. */
static const char *const lock_names[] = { "folio", "anon_vma", "i_mmap", "mmap", "ptl" };
#define NR_LOCKS 5

struct scan_result {
	unsigned long long hold[NR_LOCKS];
	unsigned long reported;
};

static void note_holds(const char *text, struct scan_result *sr)
{
	for (const char *l = strstr(text, "\nend "); l; l = strstr(l + 1, "\nend ")) {
		const char *eol = strchr(l + 1, '\n'), *k = strstr(l, " lock=");
		unsigned long long ns = report_u64(l, "lock_ns"), ptl = report_u64(l, "ptl_ns");

		if (k && (!eol || k < eol))
			for (int i = 0; i < NR_LOCKS; i++)
				if (!strncmp(k + 6, lock_names[i], strlen(lock_names[i])) && ns > sr->hold[i])
					sr->hold[i] = ns;
		if (ptl > sr->hold[NR_LOCKS - 1])
			sr->hold[NR_LOCKS - 1] = ptl;
	}
}

/* The scanner: range requests over all RAM, one after another, until @seconds pass; its result to @out. */
static void scan_until(double seconds, int out)
{
	double end = now_s() + seconds;
	struct scan_result sr = { 0 };
	char req[64];
	ssize_t got;

	snprintf(req, sizeof(req), "range 0 %lu", max_pfn_from_iomem());
	while (now_s() < end) {
		int q = open(QUERY, O_RDWR);

		if (q < 0 || write(q, req, strlen(req)) <= 0)
			_exit(1);
		while (now_s() < end && (got = read(q, qbuf + 1, QBUF_SIZE - 2)) > 0) {
			qbuf[0] = '\n';	/* so the first line is found as every other */
			qbuf[got + 1] = '\0';
			note_holds(qbuf, &sr);
			sr.reported += count_lines(qbuf + 1, "end ");
		}
		close(q);
	}
	(void)!write(out, &sr, sizeof(sr));
	_exit(0);
}

static double p99(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n * 99 / 100];
}

static void series_impact(void)
{
	enum { MAX = 400000 };
	int pairs = full ? 5 : 2, n[NR_PHASES] = { 0 }, fds[2];
	double *lat[NR_PHASES], secs = full ? 4 : 1, med[NR_PHASES], tail[NR_PHASES];
	struct scan_result sr = { 0 }, one;
	char holds[256] = "";
	size_t len = 0;

	for (int k = 0; k < NR_PHASES; k++)
		lat[k] = calloc(MAX, sizeof(double));
	for (int r = 0; r < pairs; r++) {
		for (int k = 0; k < NR_PHASES; k++) {
			pid_t other = 0;

			if (k == PHASE_SCANNED) {
				if (pipe(fds))
					exit(2);
				other = fork();
				if (other == 0)
					scan_until(secs, fds[1]);
				close(fds[1]);
			} else if (k == PHASE_SPIN) {
				other = fork();
				if (other == 0)
					for (;;)
						;
			}
			n[k] += loop_latencies(secs, lat[k] + n[k], MAX - n[k]);
			if (k == PHASE_SPIN && other > 0)
				kill(other, SIGKILL);
			if (other > 0)
				waitpid(other, NULL, 0);
			if (k == PHASE_SCANNED) {
				if (read(fds[0], &one, sizeof(one)) == sizeof(one)) {
					sr.reported += one.reported;
					for (int i = 0; i < NR_LOCKS; i++)
						sr.hold[i] = one.hold[i] > sr.hold[i] ? one.hold[i] : sr.hold[i];
				}
				close(fds[0]);
			}
		}
	}
	for (int k = 0; k < NR_PHASES; k++) {
		qsort(lat[k], n[k], sizeof(double), cmp_double);
		med[k] = n[k] ? lat[k][n[k] / 2] : 0;
		tail[k] = n[k] ? p99(lat[k], n[k]) : 0;
	}
	for (int i = 0; i < NR_LOCKS; i++)
		len += snprintf(holds + len, sizeof(holds) - len, "%s\"%s\":%llu", i ? "," : "", lock_names[i],
				sr.hold[i]);
	emit("impact", "\"loop\":\"mmap+touch+munmap of 16 anon and 16 file pages, fork every 16th\",\"pairs\":%d,"
	     "\"phase_s\":%.0f,\"iterations_alone\":%d,\"iterations_scanned\":%d,\"iterations_spin\":%d,"
	     "\"median_alone_ns\":%.0f,\"median_scanned_ns\":%.0f,\"median_spin_ns\":%.0f,\"p99_alone_ns\":%.0f,"
	     "\"p99_scanned_ns\":%.0f,\"p99_spin_ns\":%.0f,\"p99_ratio\":%.3f,\"p99_ratio_spin\":%.3f,"
	     "\"scan_reported\":%lu,\"longest_hold_ns\":{%s}", pairs, secs, n[PHASE_ALONE], n[PHASE_SCANNED],
	     n[PHASE_SPIN], med[0] * 1e9, med[1] * 1e9, med[2] * 1e9, tail[0] * 1e9, tail[1] * 1e9, tail[2] * 1e9,
	     tail[0] > 0 ? tail[1] / tail[0] : 0, tail[0] > 0 ? tail[2] / tail[0] : 0, sr.reported, holds);
	result(n[PHASE_ALONE] >= 100 && n[PHASE_SCANNED] >= 100 && n[PHASE_SPIN] >= 100 && sr.reported > 0,
	       "bench impact: %d, %d and %d loop iterations alone, during scans of all RAM (%lu pages reported) and "
	       "beside a spinning process", n[0], n[1], n[2], sr.reported);
	for (int k = 0; k < NR_PHASES; k++)
		free(lat[k]);
}

/* A 1 GiB shared hugetlb region (512 huge pages, aligned: the processes share its PMD table), two processes. */
/*
 * A 1 GiB shared hugetlb region (512 huge pages, aligned: the two processes share its PMD table, which the
 * report must say), against an anon page the same two processes map (fork), alternated.
 */
static void series_worst_hugetlb(int q)
{
	size_t len = full ? 1UL << 30 : 32UL << 20;
	char count[16], *raw, *p, *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t huge_pfn, anon_pfn, mappings = 0;
	double huge[9], base[9];
	bool ok = true, shared = false;
	pid_t kid;

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
	fill(anon, PAGE, 18);
	if (spawn(&kid, 1, p, len) != 1)
		exit(2);
	huge_pfn = pfn_of(getpid(), p + len / 2 + 5 * PAGE);
	anon_pfn = pfn_of(getpid(), anon);
	for (int r = 0; r < rounds; r++) {
		double t0 = now_s();

		ok &= query(q, huge_pfn);
		huge[r] = now_s() - t0;
		mappings = report_u64(qbuf, "mappings");
		shared = strstr(qbuf, "shared_table=1") != NULL;
		t0 = now_s();
		ok &= query(q, anon_pfn);
		base[r] = now_s() - t0;
	}
	emit("worst", "\"case\":\"hugetlb_shared_%zumib\",\"ns\":%.0f,\"baseline_anon_ns\":%.0f,\"ratio\":%.3f,"
	     "\"mappings\":%llu,\"shared_table\":%s", len >> 20, median(huge, rounds) * 1e9,
	     median(base, rounds) * 1e9, median(huge, rounds) / median(base, rounds), (unsigned long long)mappings,
	     shared ? "true" : "false");
	result(ok && mappings == 2 && (shared || !full), "bench worst: a page of a %zu MiB shared hugetlb region: "
	       "complete, %llu mappings%s", len >> 20, (unsigned long long)mappings,
	       shared ? ", through one shared PMD table" : "");
	reap(&kid, 1);
	munmap(raw, len + (1UL << 30));
	munmap(anon, PAGE);
	write_str(HUGEPAGES, "0");
}

static void run_series(int q, const char *name)
{
	double t0;

	sync();
	sleep(1);	/* what the series before freed (10,000 processes) settles before this one's first numbers */
	t0 = now_s();
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
