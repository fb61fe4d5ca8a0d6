// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-side scenarios of the per-PFN query, each checked against the pagemap oracle (oracle.c).
 * Usage: rmaptest SCENARIO...   (rmaptest list names them)
 * Every scenario freezes its processes (they block on a pipe) before any PFN is compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include "oracle.h"
#include "../../bpf/rmap_trace.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define HPAGE (2UL << 20)

/*
 * A helper process that runs @step(n) for each command byte n it is sent and acknowledges it; between
 * commands it blocks in read(), so its mappings are frozen while the tests look at them.
 */
struct child {
	pid_t pid;
	int cmd, ack;
};

typedef void (*step_fn)(int n, void *arg);

static void child_start(struct child *c, step_fn step, void *arg)
{
	int cmd[2], ack[2];
	unsigned char n;

	if (pipe(cmd) || pipe(ack)) {
		perror("pipe");
		exit(2);
	}
	c->pid = fork();
	if (c->pid < 0) {
		perror("fork");
		exit(2);
	}
	if (c->pid == 0) {
		close(cmd[1]);
		close(ack[0]);
		if (step)
			step(0, arg);
		for (;;) {
			if (write(ack[1], "k", 1) != 1)
				_exit(0);
			if (read(cmd[0], &n, 1) != 1 || n == 0xff)
				_exit(0);
			if (step)
				step(n, arg);
		}
	}
	close(cmd[0]);
	close(ack[1]);
	c->cmd = cmd[1];
	c->ack = ack[0];
	if (read(c->ack, &n, 1) != 1) {
		fprintf(stderr, "child %d died while starting\n", c->pid);
		exit(2);
	}
}

static void child_step(struct child *c, int n)
{
	unsigned char b = (unsigned char)n;

	if (write(c->cmd, &b, 1) != 1 || read(c->ack, &b, 1) != 1) {
		fprintf(stderr, "child %d died in step %d\n", c->pid, n);
		exit(2);
	}
}

/* The last step, one the child may not survive (it exits, or the kernel kills it): no acknowledgement. */
static void child_finish(struct child *c, int n)
{
	unsigned char b = (unsigned char)n;

	if (write(c->cmd, &b, 1) == 1)
		(void)!read(c->ack, &b, 1);	/* its ack, or EOF when it died */
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->cmd);
	close(c->ack);
}

static void child_stop(struct child *c)
{
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->cmd);
	close(c->ack);
}

/* Shared file mappings are not copied by fork (the child faults them in): children touch them first. */
static char *touch_addr;
static size_t touch_len;

static void touch_step(int n, void *arg)
{
	(void)arg;
	if (n != 0)
		return;
	for (size_t i = 0; i < touch_len; i += PAGE)
		(void)*(volatile char *)(touch_addr + i);
}

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static void fill(void *p, size_t len, int seed)
{
	for (size_t i = 0; i < len; i += PAGE)
		memset((char *)p + i, seed + (int)(i / PAGE), PAGE);
}

static const char *read_str(const char *path)
{
	static char buf[8][64];
	static int next;
	char *b = buf[next++ % 8];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, b, 63) : -1;

	b[n > 0 ? n - 1 : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return b;
}

/* 1. A private anonymous page, one mapper. */
static void scenario_anon_private(void)
{
	char *p = map_anon(4 * PAGE);

	fill(p, 4 * PAGE, 1);
	compare("anon private", pfn_of(getpid(), p + PAGE), "anon", "pte");
	munmap(p, 4 * PAGE);
}

/* 2. Anonymous pages shared by a parent and two forked children; then one child breaks COW. */
static char *cow_region;

static void cow_write(int n, void *arg)
{
	(void)arg;
	if (n == 1)
		cow_region[PAGE] = 'x';
}

static void scenario_anon_fork_cow(void)
{
	struct child a, b;
	uint64_t before;

	cow_region = map_anon(4 * PAGE);
	fill(cow_region, 4 * PAGE, 2);
	child_start(&a, cow_write, NULL);
	child_start(&b, NULL, NULL);
	before = pfn_of(getpid(), cow_region + PAGE);
	compare("anon shared by parent and two children", before, "anon", "pte");
	child_step(&a, 1);
	compare("anon after COW: the old page keeps parent and one child", pfn_of(getpid(), cow_region + PAGE), "anon", "pte");
	compare("anon after COW: the writer's new page", pfn_of(a.pid, cow_region + PAGE), "anon", "pte");
	result(pfn_of(a.pid, cow_region + PAGE) != before, "anon after COW: the writer has a new PFN");
	child_stop(&a);
	child_stop(&b);
	munmap(cow_region, 4 * PAGE);
}

/* 3. An anonymous region moved with mremap, before and after fork. */
static char *moved;

static void move_again(int n, void *arg)
{
	char *to;

	(void)arg;
	if (n != 1)
		return;
	to = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	moved = mremap(moved, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (moved == MAP_FAILED)
		_exit(3);
}

static void scenario_mremap(void)
{
	char *p = map_anon(4 * PAGE), *to;
	struct child c;
	uint64_t pfn;

	fill(p, 4 * PAGE, 3);
	to = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	moved = mremap(p, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to + 2 * PAGE);
	if (moved == MAP_FAILED) {
		result(false, "mremap: %s", strerror(errno));
		return;
	}
	pfn = pfn_of(getpid(), moved + 2 * PAGE);
	compare("anon moved with mremap", pfn, "anon", "pte");
	child_start(&c, move_again, NULL);
	compare("anon moved with mremap, then forked", pfn, "anon", "pte");
	child_step(&c, 1);
	compare("anon moved again in the child after fork", pfn, "anon", "pte");
	child_stop(&c);
	munmap(to, 8 * PAGE);
}

/* 4. A file page mapped MAP_SHARED by three processes at different addresses and file offsets. */
struct file_map {
	int fd;
	off_t first_page;
	char *addr;
	int prot, flags;
};

static void map_file_step(int n, void *arg)
{
	struct file_map *m = arg;

	if (n != 0)
		return;
	/* a different address in each process: leave a gap that depends on the offset */
	mmap(NULL, (size_t)(m->first_page + 1) * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m->addr = mmap(NULL, (size_t)(16 - m->first_page) * PAGE, m->prot, m->flags, m->fd,
		       m->first_page * (off_t)PAGE);
	if (m->addr == MAP_FAILED)
		_exit(3);
	for (int i = 0; i < 16 - m->first_page; i++)
		(void)*(volatile char *)(m->addr + i * PAGE);
	if (m->prot & PROT_WRITE && m->flags & MAP_PRIVATE)
		m->addr[(10 - m->first_page) * PAGE + 1] = 'w';	/* COW: anon page in a file vma */
}

static int make_file(const char *path, int pages)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char buf[PAGE];

	for (int i = 0; i < pages; i++) {
		memset(buf, 'a' + i, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return -1;
	}
	return fd;
}

/* The PFN page @index of @fd has in the page cache, found through a short-lived mapping of our own. */
static uint64_t file_pfn(int fd, int index)
{
	char *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)index * (off_t)PAGE);
	uint64_t pfn;

	(void)*(volatile char *)p;
	pfn = pfn_of(getpid(), p);
	munmap(p, PAGE);
	return pfn;
}

static void scenario_file_shared(const char *dir, const char *label)
{
	char path[128], name[128];
	struct file_map m[3];
	struct child c[3];
	int fd;

	snprintf(path, sizeof(path), "%s/rmaptest-shared", dir);
	fd = make_file(path, 16);
	for (int i = 0; i < 3; i++) {
		m[i] = (struct file_map){ fd, i * 4, NULL, PROT_READ | PROT_WRITE, MAP_SHARED };
		child_start(&c[i], map_file_step, &m[i]);
	}
	snprintf(name, sizeof(name), "%s page shared by three processes at three offsets", label);
	compare(name, file_pfn(fd, 10), "shmem", "pte");
	for (int i = 0; i < 3; i++)
		child_stop(&c[i]);
	close(fd);
	unlink(path);
}

/* 5. A MAP_PRIVATE file mapping: an untouched page is the file's, a written one is anonymous. */
static void scenario_file_private(const char *dir)
{
	char path[128];
	struct file_map m;
	struct child c;
	uint64_t pfn;
	int fd;

	snprintf(path, sizeof(path), "%s/rmaptest-private", dir);
	fd = make_file(path, 16);
	m = (struct file_map){ fd, 0, NULL, PROT_READ | PROT_WRITE, MAP_PRIVATE };
	child_start(&c, map_file_step, &m);
	compare("MAP_PRIVATE file: untouched page is the file's", file_pfn(fd, 9), "shmem", "pte");
	/* the child's page 10 was written: find it through the child's own mapping */
	pfn = 0;
	{
		char line[256], maps[64];
		FILE *f;
		unsigned long start, end;

		snprintf(maps, sizeof(maps), "/proc/%d/maps", c.pid);
		f = fopen(maps, "r");
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, "rmaptest-private") && sscanf(line, "%lx-%lx", &start, &end) == 2)
				pfn = pfn_of(c.pid, (void *)(start + 10 * PAGE));
		if (f)
			fclose(f);
	}
	compare("MAP_PRIVATE file: written page is anonymous", pfn, "anon", "pte");
	child_stop(&c);
	close(fd);
	unlink(path);
}

/* 6. shmem (memfd) shared across fork. */
static void scenario_memfd(void)
{
	int fd = memfd_create("rmaptest", 0);
	struct child a, b;
	char *p;

	if (fd < 0 || ftruncate(fd, 8 * PAGE)) {
		result(false, "memfd_create: %s", strerror(errno));
		return;
	}
	p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	fill(p, 8 * PAGE, 6);
	touch_addr = p;
	touch_len = 8 * PAGE;
	child_start(&a, touch_step, NULL);
	child_start(&b, touch_step, NULL);
	compare("memfd shared by parent and two children", pfn_of(getpid(), p + 3 * PAGE), "shmem", "pte");
	child_stop(&a);
	child_stop(&b);
	munmap(p, 8 * PAGE);
	close(fd);
}

/*
 * A large folio is asked at its head, a tail and its last page: each kind of page keeps its state elsewhere
 * (the head its type and counts, tails their own mapcounts, the last page the end of every range).
 */
static void compare_folio(const char *what, const char *p, unsigned long pages, const char *kind, const char *level)
{
	const struct { const char *name; unsigned long index; } at[] = {
		{ "head", 0 }, { "tail 5", 5 }, { "last page", pages - 1 },
	};
	char name[160];

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		snprintf(name, sizeof(name), "%s, %s", what, at[i].name);
		compare(name, pfn_of(getpid(), p + at[i].index * PAGE), kind, level);
	}
}

static void compare_huge(const char *what, const char *p)
{
	compare_folio(what, p, HPAGE / PAGE, "hugetlb", "pmd");
}

/* 7. A PMD-mapped anonymous THP, shared by fork, then split to PTEs by mprotect. */
static void scenario_thp(void)
{
	char *raw = map_anon(2 * HPAGE), *p;
	struct child c;
	uint64_t pfn;

	p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(p, HPAGE, MADV_HUGEPAGE);
	write_str("/proc/sys/vm/compact_memory", "1");
	fill(p, HPAGE, 7);
	pfn = pfn_of(getpid(), p + 5 * PAGE);
	if (!(kpageflags(pfn) >> KPF_THP & 1)) {
		result(false, "THP: no transparent huge page was allocated (pfn 0x%llx flags 0x%llx)",
		       (unsigned long long)pfn, (unsigned long long)kpageflags(pfn));
		return;
	}
	compare("THP mapped by a PMD, subpage 5", pfn, "anon", "pmd");
	child_start(&c, NULL, NULL);
	compare_folio("THP mapped by a PMD in parent and child", p, HPAGE / PAGE, "anon", "pmd");
	child_stop(&c);
	/* mprotect of one page splits the PMD mapping; the folio stays large */
	mprotect(p + 100 * PAGE, PAGE, PROT_READ);
	result(pfn_of(getpid(), p + 5 * PAGE) == pfn && (kpageflags(pfn) >> KPF_THP & 1),
	       "THP: still one large folio after the PMD split");
	compare_folio("THP after the split to PTEs", p, HPAGE / PAGE, "anon", "pte");
	compare("THP after the split to PTEs, the mprotected subpage", pfn_of(getpid(), p + 100 * PAGE), "anon", "pte");
	munmap(raw, 2 * HPAGE);
}

/* 8. A KSM-merged page of two processes. */
static char *ksm_addr;

/* @pages of anonymous memory at ksm_addr (the same address in every child), for KSM to merge */
static void ksm_map(size_t pages)
{
	if (mmap(ksm_addr, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
	    ksm_addr)
		_exit(3);
}

static void ksm_fill(int n, void *arg)
{
	(void)arg;
	if (n != 0)
		return;
	ksm_map(8);
	fill(ksm_addr, 8 * PAGE, 80);
	madvise(ksm_addr, 8 * PAGE, MADV_MERGEABLE);
}

static bool ksm_start(void)
{
	if (write_str("/sys/kernel/mm/ksm/pages_to_scan", "5000") ||
	    write_str("/sys/kernel/mm/ksm/sleep_millisecs", "10") || write_str("/sys/kernel/mm/ksm/run", "1")) {
		result(false, "KSM: cannot start ksmd: %s", strerror(errno));
		return false;
	}
	return true;
}

/* The PFN of the KSM page that @a's and @b's @addr were merged into, or 0 (a FAIL said why) after 60 s. */
static uint64_t ksm_wait_merged(pid_t a, pid_t b, const char *addr)
{
	uint64_t pa, pb;

	for (int i = 0; i < 600; i++) {
		pa = pfn_of(a, addr);
		pb = pfn_of(b, addr);
		if (pa && pa == pb && kpageflags(pa) >> KPF_KSM & 1)
			return pa;
		usleep(100000);
	}
	result(false, "KSM: ksmd did not merge the pages within 60 s (full_scans %s, pages_shared %s)",
	       read_str("/sys/kernel/mm/ksm/full_scans"), read_str("/sys/kernel/mm/ksm/pages_shared"));
	return 0;
}

/* The query's own account of its cost: "cost":{"vmas":N,"tables":N}. */
static uint64_t cost_tables(const char *json)
{
	const char *p = json ? strstr(json, "\"cost\":") : NULL;

	return p ? json_u64(p, "tables") : UINT64_MAX;
}

/*
 * Where users start, on a KSM page: rmapctl vaddr of the merged address in one child names the KSM page both map,
 * and rmapctl pid of that child counts its KSM pages shared with the other as pagemap finds them.
 */
static void vaddr_pid_ksm(pid_t a, pid_t b, uint64_t pfn)
{
	char cmd[1024];
	uint64_t shared = 0;

	snprintf(cmd, sizeof(cmd), "rmapctl vaddr %d 0x%lx --json | jq -e '.pages[0].report | .kind == \"ksm\" and "
		 ".pfn == %llu and ([.mappings[].pid] | index(%d) != null and index(%d) != null)' > /dev/null", a,
		 (unsigned long)(ksm_addr + 3 * PAGE), (unsigned long long)pfn, a, b);
	result(system(cmd) == 0, "vaddr of a merged address in one child: the KSM page, mapped by both children");
	for (int i = 0; i < 8; i++) {
		struct owner *o;
		size_t n = pagemap_owners(pfn_of(a, ksm_addr + i * PAGE), &o);
		bool with_b = false;

		for (size_t j = 0; j < n; j++)
			with_b |= o[j].pid == b;
		shared += with_b;
		free(o);
	}
	snprintf(cmd, sizeof(cmd), "rmapctl pid %d --range 0x%lx-0x%lx --json | jq -e '[.sharers[] | select(.pid == %d)]"
		 " | length == 1 and .[0].pages == %llu and .[0].ksm == %llu' > /dev/null", a, (unsigned long)ksm_addr,
		 (unsigned long)(ksm_addr + 8 * PAGE), b, (unsigned long long)shared, (unsigned long long)shared);
	result(shared > 0 && system(cmd) == 0, "pid of one child: its %llu KSM pages shared with the other, as "
	       "pagemap finds them, counted as ksm", (unsigned long long)shared);
}

/*
 * How the module found a KSM page's mappings: "stable" (its stable node walked, with the layout from the
 * kernel's BTF, which every line of the rig builds with) or "search"; "" if the answer does not say.
 */
static void ksm_walk_of(uint64_t pfn, char *walk, size_t size)
{
	struct answer ans;

	ask(pfn, &ans);
	walk[0] = 0;
	if (ans.raw)
		json_str(ans.raw, "ksm_walk", walk, size);
	answer_free(&ans);
}

#define KSM_SEARCH_PARAM "/sys/module/rmap_probe/parameters/ksm_search"

/*
 * How the loaded module said at load it finds KSM pages' mappings, the last time it was loaded: "stable" or
 * "search" ("" if it did not say). KSM_WALK= overrides (t-12-ksm-layout.sh: modules built with layouts they
 * must refuse). make check's builds all have their kernel's BTF, which tests/check.sh checks; a module built
 * by DKMS without it (check-packages) searches, and says so.
 */
static const char *ksm_walk_announced(void)
{
	static char walk[8];
	char line[512];
	FILE *f;

	if (getenv("KSM_WALK"))
		return getenv("KSM_WALK");
	f = popen("dmesg", "r");
	walk[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "rmap_probe: KSM pages are walked from their stable node"))
			snprintf(walk, sizeof(walk), "stable");
		else if (strstr(line, "rmap_probe: KSM pages are searched for"))
			snprintf(walk, sizeof(walk), "search");
	}
	if (f)
		pclose(f);
	return walk;
}

/*
 * The KSM page at @pfn compared with pagemap both ways: walked from its stable node (what a query does), then
 * searched for (ksm_search=1, as the module does without a layout); each must say which way it went.
 */
static void compare_ksm_both_ways(const char *what, uint64_t pfn)
{
	const char *want = ksm_walk_announced();
	char name[160], walk[16];

	compare(what, pfn, "ksm", "pte");
	ksm_walk_of(pfn, walk, sizeof(walk));
	result(want[0] && !strcmp(walk, want), "%s: %s, as the module said at load (ksm_walk \"%s\")", what,
	       strcmp(want, "stable") ? "searched for" : "walked from its stable node", walk);
	if (write_str(KSM_SEARCH_PARAM, "1")) {
		result(false, "%s: cannot set ksm_search: %s", what, strerror(errno));
		return;
	}
	snprintf(name, sizeof(name), "%s, searched for (ksm_search=1)", what);
	compare(name, pfn, "ksm", "pte");
	ksm_walk_of(pfn, walk, sizeof(walk));
	result(!strcmp(walk, "search"), "%s: ksm_search=1 searches (ksm_walk \"%s\")", what, walk);
	write_str(KSM_SEARCH_PARAM, "0");
}

static void scenario_ksm(void)
{
	struct child a, b;
	uint64_t pfn;

	if (!ksm_start())
		return;
	/* an address that is free in both children: reserved here, released before they fork */
	ksm_addr = map_anon(8 * PAGE);
	munmap(ksm_addr, 8 * PAGE);
	child_start(&a, ksm_fill, NULL);
	child_start(&b, ksm_fill, NULL);
	pfn = ksm_wait_merged(a.pid, b.pid, ksm_addr + 3 * PAGE);
	if (pfn) {
		struct answer ans;
		const size_t reserve = 1UL << 40;
		char *huge;

		compare_ksm_both_ways("KSM page merged from two processes", pfn);
		vaddr_pid_ksm(a.pid, b.pid, pfn);
		/*
		 * An untouched mergeable reservation (an ASAN shadow, a VM's guest RAM) must cost nothing: the search
		 * visits the PTE tables present, not every address (it took 8 s per 256 GiB when it did).
		 */
		huge = mmap(NULL, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (huge == MAP_FAILED || madvise(huge, reserve, MADV_MERGEABLE)) {
			result(false, "KSM: a 1 TiB mergeable reservation: %s", strerror(errno));
		} else {
			double t0 = now_s(), took;

			ask(pfn, &ans);
			took = now_s() - t0;
			result(!strcmp(ans.verdict, "complete") && cost_tables(ans.raw) < 4096,
			       "KSM search beside a 1 TiB untouched mergeable reservation: %s, %" PRIu64
			       " page-table locks taken (the tables present, not the reservation's size), %.2f s",
			       ans.verdict, cost_tables(ans.raw), took);
			answer_free(&ans);
		}
		if (huge != MAP_FAILED)
			munmap(huge, reserve);
	}
	write_str("/sys/kernel/mm/ksm/run", "2");	/* unmerge everything */
	child_stop(&a);
	child_stop(&b);
}

/*
 * A process whose main thread called pthread_exit(): the leader is a zombie without an mm while its other
 * thread keeps the mm and 4 pages that KSM merges with 4 of another process (one KSM page, 8 mappings).
 */
static void *park(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void ksm_fill_same(int n, void *arg)
{
	(void)arg;
	if (n != 0)
		return;
	ksm_map(4);
	for (int i = 0; i < 4; i++)
		memset(ksm_addr + i * PAGE, 0x5a, PAGE);
	madvise(ksm_addr, 4 * PAGE, MADV_MERGEABLE);
}

static void scenario_ksm_leader_exit(void)
{
	struct child a;
	pthread_t t;
	uint64_t pfn;
	int ready[2];
	pid_t b;
	char c;

	if (!ksm_start())
		return;
	ksm_addr = map_anon(4 * PAGE);
	munmap(ksm_addr, 4 * PAGE);
	child_start(&a, ksm_fill_same, NULL);
	if (pipe(ready))
		exit(2);
	b = fork();
	if (b == 0) {
		ksm_fill_same(0, NULL);
		if (pthread_create(&t, NULL, park, NULL))
			_exit(3);
		(void)!write(ready[1], "k", 1);
		pthread_exit(NULL);	/* the leader goes; the process lives on in its other thread */
	}
	if (read(ready[0], &c, 1) != 1) {
		result(false, "KSM, main thread exited: the process did not start");
		kill(b, SIGKILL);
		waitpid(b, NULL, 0);
		child_stop(&a);
		return;
	}
	close(ready[0]);
	close(ready[1]);
	pfn = ksm_wait_merged(a.pid, b, ksm_addr + PAGE);
	if (pfn)
		compare_ksm_both_ways("KSM page mapped by a process whose main thread exited", pfn);
	write_str("/sys/kernel/mm/ksm/run", "2");
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
	child_stop(&a);
}

/*
 * A KSM page mapped by a process forked after ksmd merged it: the child has no rmap_item of its own, and is
 * found, as rmap_walk_ksm() finds it, in the anon_vma tree of its parent's rmap_item (its second pass). Four
 * equal pages of this process and of a child merge into one KSM page; ksmd is stopped (run=0 keeps the merged
 * pages); then this process forks: 12 mappings, 8 of them listed by rmap_items.
 */
/* Step 1 of a child: fork a grandchild that maps what it maps, and dies with it. */
static void fork_grandchild(int n, void *arg)
{
	(void)arg;
	if (n == 1 && fork() == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
}

/*
 * Then 20 more children, forked while ksmd runs: it gives each an rmap_item of its own (cmp_and_merge_page():
 * "ksm page forked"), as to the child forked before. Once ksmd stopped, each of the 20 forks a grandchild,
 * and 30 more children are forked: none of those has an rmap_item. The second pass, through this process's
 * rmap_items, meets the 21 scanned children again, and each grandchild twice (in this process's tree and in
 * its parent's): each must be found once, within the room the mapcount gives (a first version listed them
 * again, ran out of room and called every attempt raced), and the 200 found in the second pass are more than
 * were sorted after the first: they are sorted in on the way.
 */
static void ksm_forks_scanned(uint64_t pfn)
{
	enum { KIDS = 20, LATE = 30 };
	const char *full_scans = "/sys/kernel/mm/ksm/full_scans";
	struct child kids[KIDS], late[LATE];
	long scans = atol(read_str(full_scans));
	char name[160];

	write_str("/sys/kernel/mm/ksm/run", "1");
	for (int i = 0; i < KIDS; i++)
		child_start(&kids[i], fork_grandchild, NULL);
	for (int t = 0; t < 600 && atol(read_str(full_scans)) < scans + 3; t++)
		usleep(100000);
	result(atol(read_str(full_scans)) >= scans + 3, "KSM: ksmd scanned the %d children forked while it ran", KIDS);
	write_str("/sys/kernel/mm/ksm/run", "0");
	for (int i = 0; i < KIDS; i++)
		child_step(&kids[i], 1);
	for (int i = 0; i < LATE; i++)
		child_start(&late[i], NULL, NULL);
	/* this process, the one it merged with, the child forked before, the 20, their 20 and the 30 */
	result(kpagecount(pfn) == 4 * (3 + 2 * KIDS + LATE), "KSM page: %d mappings in %d processes (kpagecount %ld)",
	       4 * (3 + 2 * KIDS + LATE), 3 + 2 * KIDS + LATE, kpagecount(pfn));
	snprintf(name, sizeof(name), "KSM page of %d processes, %d of them forked after the merge and not scanned",
		 3 + 2 * KIDS + LATE, KIDS + LATE);
	compare_ksm_both_ways(name, pfn);
	for (int i = 0; i < LATE; i++)
		child_stop(&late[i]);
	for (int i = 0; i < KIDS; i++)
		child_stop(&kids[i]);
}

static void scenario_ksm_fork(void)
{
	struct child a, c;
	uint64_t pfn;

	if (!ksm_start())
		return;
	ksm_addr = map_anon(4 * PAGE);
	munmap(ksm_addr, 4 * PAGE);
	child_start(&a, ksm_fill_same, NULL);
	ksm_fill_same(0, NULL);
	pfn = ksm_wait_merged(getpid(), a.pid, ksm_addr + 3 * PAGE);
	/* every page of both, so that no rmap_item is left for ksmd to add once it is stopped */
	for (int i = 0; pfn && i < 600; i++) {
		bool all = true;

		for (int j = 0; j < 4; j++)
			all &= pfn_of(getpid(), ksm_addr + j * PAGE) == pfn && pfn_of(a.pid, ksm_addr + j * PAGE) == pfn;
		if (all)
			break;
		usleep(100000);
	}
	if (pfn && !write_str("/sys/kernel/mm/ksm/run", "0")) {
		child_start(&c, NULL, NULL);
		result(kpagecount(pfn) == 12, "KSM page: 12 mappings once this process forked (kpagecount %ld)",
		       kpagecount(pfn));
		compare_ksm_both_ways("KSM page mapped by a child forked after the merge (no rmap_item of its own)",
				      pfn);
		ksm_forks_scanned(pfn);
		child_stop(&c);
	}
	write_str("/sys/kernel/mm/ksm/run", "2");
	munmap(ksm_addr, 4 * PAGE);
	child_stop(&a);
}

/* 9. Hugetlb: a private anonymous huge page shared by fork, and a hugetlb memfd shared across fork. */
static void scenario_hugetlb(void)
{
	struct child c;
	char *p;
	int fd;

	if (write_str("/proc/sys/vm/nr_hugepages", "4")) {
		result(false, "hugetlb: cannot reserve huge pages");
		return;
	}
	p = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		result(false, "hugetlb: mmap MAP_HUGETLB: %s", strerror(errno));
		return;
	}
	fill(p, HPAGE, 9);
	child_start(&c, NULL, NULL);
	compare_huge("hugetlb anonymous page shared by fork", p);
	child_stop(&c);
	munmap(p, HPAGE);

	fd = memfd_create("rmaptest-huge", MFD_HUGETLB);
	if (fd < 0 || ftruncate(fd, HPAGE)) {
		result(false, "hugetlb memfd: %s", strerror(errno));
		return;
	}
	p = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	fill(p, HPAGE, 19);
	touch_addr = p;
	touch_len = PAGE;
	child_start(&c, touch_step, NULL);
	compare_huge("hugetlb memfd page shared by fork", p);
	child_stop(&c);
	munmap(p, HPAGE);
	close(fd);
}

/*
 * A shared hugetlb area covering an aligned 1 GiB: the processes that map it share one PMD table
 * (huge_pmd_share(), as databases with huge pages and forked backends do), so the page's mapcount counts the one
 * entry once while every process maps it. MAP_NORESERVE: only the huge page touched is allocated.
 */
static void scenario_hugetlb_shared_pmd(void)
{
	enum { N = 24 };	/* more sharers than the mapcount (1) leaves room for: the list must grow */
	const size_t gb = 1UL << 30;
	struct child c[N];
	char *raw, *p;
	struct answer a;
	const char *q;
	int fd, shared = 0;

	if (write_str("/proc/sys/vm/nr_hugepages", "4")) {
		result(false, "hugetlb shared PMD: cannot reserve huge pages");
		return;
	}
	fd = memfd_create("rmaptest-shared-pmd", MFD_HUGETLB);
	raw = mmap(NULL, 2 * gb, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (fd < 0 || ftruncate(fd, gb) || raw == MAP_FAILED) {
		result(false, "hugetlb shared PMD: memfd or address space: %s", strerror(errno));
		return;
	}
	p = (char *)(((uintptr_t)raw + gb - 1) & ~(gb - 1));
	if (mmap(p, gb, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_NORESERVE, fd, 0) != p) {
		result(false, "hugetlb shared PMD: mmap of 1 GiB at 0x%lx: %s", (unsigned long)p, strerror(errno));
		return;
	}
	memset(p, 7, PAGE);
	touch_addr = p;
	touch_len = PAGE;
	for (int i = 0; i < N; i++)
		child_start(&c[i], touch_step, NULL);
	compare_huge("hugetlb page of a shared 1 GiB area, one PMD table for the parent and 24 children", p);
	ask(pfn_of(getpid(), p), &a);
	for (q = a.raw; q && (q = strstr(q, "\"shared_table\":true")); q++)
		shared++;
	result(shared == N + 1 && json_u64(a.raw, "entries") == 1,
	       "hugetlb shared PMD: %d mappings marked shared_table through %llu page-table entry (want %d through 1)",
	       shared, (unsigned long long)json_u64(a.raw, "entries"), N + 1);
	if (shared != N + 1)
		printf("  raw: %.800s\n", a.raw);
	answer_free(&a);
	for (int i = 0; i < N; i++)
		child_stop(&c[i]);
	munmap(raw, 2 * gb);
	close(fd);
}

/* 10. The text page of one program run as 200 processes. */
static void scenario_many(void)
{
	enum { N = 200 };
	pid_t pids[N];
	uint64_t pfn = 0;
	int i;

	for (i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			execl("/bin/idle", "idle", (char *)NULL);
			_exit(127);
		}
	}
	/* wait until every one of them has exec'd: its comm is "idle" */
	for (i = 0; i < N; i++) {
		char path[64], comm[32] = "";

		snprintf(path, sizeof(path), "/proc/%d/comm", pids[i]);
		for (int tries = 0; tries < 600; tries++) {
			FILE *f = fopen(path, "r");

			if (f && fgets(comm, sizeof(comm), f) && !strncmp(comm, "idle", 4)) {
				fclose(f);
				break;
			}
			if (f)
				fclose(f);
			usleep(10000);
		}
	}
	{
		char line[256], maps[64];
		unsigned long start, end;
		FILE *f;

		snprintf(maps, sizeof(maps), "/proc/%d/maps", pids[N - 1]);
		f = fopen(maps, "r");
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, "r-xp") && strstr(line, "/bin/idle") &&
			    sscanf(line, "%lx-%lx", &start, &end) == 2) {
				pfn = pfn_of(pids[N - 1], (void *)start);
				break;
			}
		if (f)
			fclose(f);
	}
	compare("text page of one program run as 200 processes", pfn, "shmem", "pte");
	for (i = 0; i < N; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < N; i++)
		waitpid(pids[i], NULL, 0);
}

/*
 * Large folios smaller than a PMD (mTHP, 6.8 on): a 64 KiB anonymous folio mapped by PTEs, shared by fork,
 * then partially unmapped in the child.
 */
#define MTHP_CONTROL "/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled"

static char *mthp_region;

static void mthp_unmap_half(int n, void *arg)
{
	(void)arg;
	if (n == 1)
		munmap(mthp_region + 8 * PAGE, 8 * PAGE);
}

static void scenario_mthp(void)
{
	const size_t len = 16 * PAGE;
	struct child c;
	char *raw;
	uint64_t pfn;

	if (access(MTHP_CONTROL, W_OK)) {
		skip("mTHP: this kernel has no %s (mTHP came in 6.8)", MTHP_CONTROL);
		return;
	}
	write_str(MTHP_CONTROL, "always");
	/* a 64 KiB-aligned 64 KiB area: too small for a PMD THP, just right for one 64 KiB folio */
	raw = map_anon(2 * len);
	mthp_region = (char *)(((unsigned long)raw + len - 1) & ~(len - 1));
	fill(mthp_region, len, 21);
	pfn = pfn_of(getpid(), mthp_region + 3 * PAGE);
	if (!(kpageflags(pfn) >> KPF_THP & 1)) {
		result(false, "mTHP: no 64 KiB folio was allocated (flags 0x%llx)", (unsigned long long)kpageflags(pfn));
		write_str(MTHP_CONTROL, "never");
		return;
	}
	compare("mTHP 64 KiB anonymous folio, subpage 3", pfn, "anon", "pte");
	child_start(&c, mthp_unmap_half, NULL);
	compare_folio("mTHP shared by fork", mthp_region, len / PAGE, "anon", "pte");
	child_step(&c, 1);
	compare("mTHP partially unmapped in the child: subpage 3 still in both", pfn, "anon", "pte");
	compare("mTHP partially unmapped in the child: subpage 12 only in the parent",
		pfn_of(getpid(), mthp_region + 12 * PAGE), "anon", "pte");
	child_stop(&c);
	munmap(raw, 2 * len);
	write_str(MTHP_CONTROL, "never");
}

/*
 * A large folio in the page cache: a file on tmpfs mounted huge=always lives in PMD-sized folios. Mapped whole
 * (by a PMD where aligned) in one process and in part (by PTEs) in another.
 */
static void map_part_step(int n, void *arg)
{
	int fd = *(int *)arg;
	char *p;

	if (n != 0)
		return;
	p = mmap(NULL, 16 * PAGE, PROT_READ, MAP_SHARED, fd, 4 * (off_t)PAGE);	/* pages 4..19 */
	for (int i = 0; i < 16; i++)
		(void)*(volatile char *)(p + i * PAGE);
}

static void scenario_large_file(void)
{
	struct child c;
	char *raw, *p;
	uint64_t pfn;
	int fd;

	mkdir("/mnt", 0755);
	mkdir("/mnt/huge", 0755);
	if (mount("tmpfs", "/mnt/huge", "tmpfs", 0, "huge=always,size=8m")) {
		result(false, "large file folio: mount tmpfs huge=always: %s", strerror(errno));
		return;
	}
	fd = open("/mnt/huge/file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)HPAGE)) {
		result(false, "large file folio: %s", strerror(errno));
		return;
	}
	/* shmem's huge allocations do not compact by default: make a free 2 MiB block likely */
	write_str("/proc/sys/vm/compact_memory", "1");
	raw = mmap(NULL, 2 * HPAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	p = mmap(p, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	fill(p, HPAGE, 31);
	pfn = pfn_of(getpid(), p + 10 * PAGE);
	if (!(kpageflags(pfn) >> KPF_THP & 1)) {
		/* a precondition of the scenario, not the module: seen on the KASAN-heavy debug kernel only */
		skip("large file folio: this kernel's tmpfs (huge=always) gave no PMD-sized folio (flags 0x%llx)",
		     (unsigned long long)kpageflags(pfn));
	} else {
		compare_folio("large shmem folio mapped whole", p, HPAGE / PAGE, "shmem", "pmd");
		child_start(&c, map_part_step, &fd);
		/* the parent's PMD and the child's PTE both map subpage 10: check them one level at a time */
		munmap(p, HPAGE);
		compare("large shmem folio mapped in part by PTEs, subpage 10", pfn, "shmem", "pte");
		child_stop(&c);
	}
	munmap(raw, 2 * HPAGE);
	close(fd);
	umount("/mnt/huge");
}

/* Raw requests to the query file, bypassing rmapctl: each must get its errno, never an oops. */
#define QUERY "/sys/kernel/debug/rmap_probe/query"

static int raw_query(const void *req, size_t len, char *out, size_t outlen)
{
	int fd = open(QUERY, O_RDWR), err = 0;
	ssize_t n;

	if (fd < 0)
		return errno;
	if (write(fd, req, len) < 0)
		err = errno;
	else if (out && (n = read(fd, out, outlen - 1)) >= 0)
		out[n] = '\0';
	else if (out)
		err = errno;
	close(fd);
	return err;
}

static void expect_errno(const char *what, const char *req, size_t len, int want)
{
	int got = raw_query(req, len, NULL, 0);

	result(got == want, "hostile write %s: %s (wanted %s)", what, got ? strerror(got) : "accepted",
	       want ? strerror(want) : "accepted");
}

/* The @skip+1-th PFN whose kpageflags have every bit of @with and none of @without; 0 if none. */
static uint64_t find_pfn_with(uint64_t with, uint64_t without, int skip, unsigned long max_pfn)
{
	int fd = open("/proc/kpageflags", O_RDONLY);
	uint64_t buf[4096];

	for (uint64_t pfn = 1; fd >= 0 && pfn < max_pfn;) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)(pfn * 8));

		if (n <= 0)
			break;
		for (size_t i = 0; i < (size_t)n / 8; i++, pfn++)
			if ((buf[i] & with) == with && !(buf[i] & without) && skip-- <= 0) {
				close(fd);
				return pfn;
			}
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

static uint64_t find_pfn(int bit, uint64_t without, int skip, unsigned long max_pfn)
{
	return find_pfn_with(1ULL << bit, without, skip, max_pfn);
}

/*
 * A page that is not in the reverse map is described honestly: its kind, no mappings, "untracked". @with: the
 * kpageflags bits that make it one.
 */
static void expect_untracked(const char *what, uint64_t with, const char *kind, unsigned long max_pfn)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		uint64_t pfn = find_pfn_with(with, 0, attempt * 7, max_pfn);
		struct answer a;
		bool ok;

		if (!pfn) {
			result(false, "hostile pfn: no %s page found in kpageflags", what);
			return;
		}
		ask(pfn, &a);
		ok = a.exit_code == 0 && !strcmp(a.kind, kind) && a.nr == 0 && !strcmp(a.verdict, "untracked");
		/* the page may have changed between kpageflags and the query: then try another */
		if (ok || (kpageflags(pfn) & with) == with) {
			if (!ok)
				printf("  %s\n", a.raw);
			result(ok, "hostile pfn: a %s page (0x%llx) is reported as %s with no mappings", what,
			       (unsigned long long)pfn, a.kind);
			answer_free(&a);
			return;
		}
		answer_free(&a);
	}
	result(false, "hostile pfn: every %s page changed under the query", what);
}

static void scenario_hostile(void)
{
	unsigned long max_pfn = max_pfn_from_iomem();
	char big[200], req[64], out[4096];
	struct answer a;
	int fd, err;

	expect_errno("'abc'", "abc", 3, EINVAL);
	expect_errno("'-1'", "-1", 2, EINVAL);
	expect_errno("'+1'", "+1", 2, EINVAL);
	expect_errno("'0x'", "0x", 2, EINVAL);
	expect_errno("'0x0x1f' (a second prefix)", "0x0x1f", 6, EINVAL);
	expect_errno("'0x+1f' (a sign after the prefix)", "0x+1f", 5, EINVAL);
	expect_errno("'0X1F' (upper case)", "0X1F", 4, 0);
	expect_errno("'1 2'", "1 2", 3, EINVAL);
	expect_errno("'010' is decimal ten, not octal", "010\n", 4, 0);
	expect_errno("empty", "", 0, EINVAL);
	expect_errno("2^64 (overflow)", "18446744073709551616", 20, ERANGE);
	expect_errno("'1\\0' with a NUL", "1\0", 2, EINVAL);
	memset(big, '1', sizeof(big));
	expect_errno("200 digits (too long)", big, sizeof(big), EINVAL);
	expect_errno("2^52", "4503599627370496", 16, ENXIO);
	expect_errno("2^64-1", "18446744073709551615", 20, ENXIO);

	fd = open(QUERY, O_RDWR);
	err = fd >= 0 && read(fd, out, sizeof(out)) < 0 ? errno : 0;
	result(err == ENODATA, "hostile: a read before any write gets ENODATA (got %s)", strerror(err));
	if (fd >= 0)
		close(fd);

	/* past the end of memory: no page, or a reserved one inside the last section; never a mapping */
	snprintf(req, sizeof(req), "%lu", max_pfn + 1);
	err = raw_query(req, strlen(req), out, sizeof(out));
	result(max_pfn && (err == ENXIO || (!err && strstr(out, "end mappings=0 "))),
	       "hostile pfn max_pfn+1 (0x%lx): %s", max_pfn + 1, err ? strerror(err) : "zero mappings");
	ask(0, &a);
	result(a.exit_code == 0 && a.nr == 0, "hostile pfn 0: %s, no mappings (exit %d)", a.kind, a.exit_code);
	answer_free(&a);

	expect_untracked("free (buddy)", 1ULL << KPF_BUDDY, "free", max_pfn);
	expect_untracked("slab", 1ULL << KPF_SLAB, "slab", max_pfn);
	/* a multi-page slab asked at a tail: the slab's type is kept in its head page (7.x) */
	if (find_pfn_with(1ULL << KPF_SLAB | 1ULL << KPF_COMPOUND_TAIL, 0, 0, max_pfn))
		expect_untracked("slab tail", 1ULL << KPF_SLAB | 1ULL << KPF_COMPOUND_TAIL, "slab", max_pfn);
	else
		skip("hostile pfn: this kernel's kpageflags mark no slab tail page (6.1 and 6.12 flag the head only)");
	expect_untracked("page-table", 1ULL << KPF_PGTABLE, "pagetable", max_pfn);
	expect_untracked("reserved", 1ULL << KPF_RESERVED, "reserved", max_pfn);
}

/* Ask a zero page at @pfn: kind "zero", untracked, no mappings, whatever maps it. */
static void expect_zero(const char *what, uint64_t pfn)
{
	struct answer a;

	ask(pfn, &a);
	result(a.exit_code == 0 && !strcmp(a.kind, "zero") && a.nr == 0 && !strcmp(a.verdict, "untracked"),
	       "%s (0x%llx, kpageflags zero_page %d) is reported as %s, %s, %zu mappings", what,
	       (unsigned long long)pfn, (int)(kpageflags(pfn) >> KPF_ZERO_PAGE & 1), a.kind, a.verdict, a.nr);
	answer_free(&a);
}

/*
 * Reading untouched anonymous memory maps the shared zero page; with THP, a whole PMD of it maps the huge zero
 * folio (/sys/kernel/mm/transparent_hugepage/use_zero_page). Neither is reverse-mapped: both are zero pages,
 * the huge one asked at its head, a tail and its last page.
 */
static void scenario_zero(void)
{
	char *small = map_anon(PAGE), *raw = map_anon(2 * HPAGE), *p;
	volatile char c;
	uint64_t pfn;

	madvise(small, PAGE, MADV_NOHUGEPAGE);
	c = small[0];
	expect_zero("the zero page", pfn_of(getpid(), small));
	p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(p, HPAGE, MADV_HUGEPAGE);
	c = p[0];
	(void)c;
	pfn = pfn_of(getpid(), p);
	if (!(kpageflags(pfn) >> KPF_ZERO_PAGE & 1) || !(kpageflags(pfn) >> KPF_THP & 1)) {
		skip("the huge zero folio: a read of a THP-eligible range did not map it (pfn 0x%llx flags 0x%llx; "
		     "transparent_hugepage/use_zero_page off?)", (unsigned long long)pfn,
		     (unsigned long long)kpageflags(pfn));
	} else {
		expect_zero("the huge zero folio, head", pfn);
		expect_zero("the huge zero folio, tail 5", pfn_of(getpid(), p + 5 * PAGE));
		expect_zero("the huge zero folio, last page", pfn_of(getpid(), p + HPAGE - PAGE));
	}
	munmap(small, PAGE);
	munmap(raw, 2 * HPAGE);
}

/* Many open query files at once: each keeps its own answer. */
static void scenario_many_opens(void)
{
	enum { N = 64 };
	char *p = map_anon(N * PAGE), req[32], out[4096];
	int fds[N], good = 0;
	uint64_t pfns[N];

	fill(p, N * PAGE, 11);
	for (int i = 0; i < N; i++) {
		pfns[i] = pfn_of(getpid(), p + i * PAGE);
		fds[i] = open(QUERY, O_RDWR);
		snprintf(req, sizeof(req), "0x%llx\n", (unsigned long long)pfns[i]);
		if (fds[i] < 0 || write(fds[i], req, strlen(req)) < 0)
			fds[i] = -1;
	}
	for (int i = 0; i < N; i++) {
		ssize_t n = fds[i] >= 0 ? read(fds[i], out, sizeof(out) - 1) : -1;

		if (n > 0) {
			out[n] = '\0';
			snprintf(req, sizeof(req), "pfn=0x%llx ", (unsigned long long)pfns[i]);
			good += strstr(out, req) && strstr(out, "verdict=complete");
		}
		if (fds[i] >= 0)
			close(fds[i]);
	}
	result(good == N, "%d open query files each read back their own answer (%d of %d)", N, good, N);
	munmap(p, N * PAGE);
}

/* Every PFN from 0 to max_pfn plus a margin: each an answer or ENXIO, never anything else. */
static void scenario_sweep(void)
{
	unsigned long max_pfn = max_pfn_from_iomem(), end = max_pfn + 65536, answered = 0, nxio = 0, other = 0;
	char req[32], out[1 << 16];
	int fd = open(QUERY, O_RDWR);
	time_t t0 = time(NULL);

	for (unsigned long pfn = 0; fd >= 0 && pfn <= end; pfn++) {
		if (getenv("SWEEP_PROGRESS") && pfn % 16384 == 0)
			printf("  sweep at pfn 0x%lx after %ld s\n", pfn, (long)(time(NULL) - t0));
		snprintf(req, sizeof(req), "%lu", pfn);
		if (write(fd, req, strlen(req)) < 0) {
			if (errno == ENXIO)
				nxio++;
			else if (other++ < 5)
				printf("  pfn %lu: %s\n", pfn, strerror(errno));
			continue;
		}
		if (read(fd, out, sizeof(out)) > 0)
			answered++;
		else if (other++ < 5)
			printf("  pfn %lu: read: %s\n", pfn, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	result(fd >= 0 && other == 0 && answered > max_pfn / 2,
	       "sweep of PFNs 0..0x%lx (max_pfn 0x%lx + 65536): %lu answered, %lu ENXIO, %lu other, in %ld s", end,
	       max_pfn, answered, nxio, other, (long)(time(NULL) - t0));
}

/*
 * Every allocation of a query failed in turn (fail-nth: CONFIG_FAULT_INJECTION with failslab and fail_page_alloc,
 * the debug kernel's): each query answers or fails with ENOMEM, never anything else, and the next one works.
 * kmemleak (tests/guest/init) then finds nothing, and the guest log no kernel report.
 */
static int fault_query(int nth_fd, uint64_t pfn, int nth, char *out, size_t size, bool *injected)
{
	char req[32], n[16];
	int fd = open(QUERY, O_RDWR), err = 0;	/* a fresh file: its report buffers are allocated anew */
	ssize_t got;

	if (fd < 0)
		return errno;
	snprintf(req, sizeof(req), "%llu", (unsigned long long)pfn);
	snprintf(n, sizeof(n), "%d", nth);
	if (pwrite(nth_fd, n, strlen(n), 0) < 0)
		err = errno;
	else if (write(fd, req, strlen(req)) < 0)
		err = errno;
	else if ((got = read(fd, out, size - 1)) < 0)
		err = errno;
	else
		out[got] = '\0';
	/* "0": the nth call failed as asked; else the query made fewer calls that may fail */
	got = pread(nth_fd, n, sizeof(n) - 1, 0);
	n[got > 0 ? got : 0] = '\0';
	*injected = atoi(n) == 0;
	(void)!pwrite(nth_fd, "0", 1, 0);
	close(fd);
	return err;
}

static void fault_inject_pfn(int nth_fd, const char *what, uint64_t pfn)
{
	int nth, injected = 0, enomem = 0, bad = 0;
	char out[1 << 16];
	bool hit = true;

	for (nth = 1; hit && nth < 100; nth++) {
		int err = fault_query(nth_fd, pfn, nth, out, sizeof(out), &hit);

		injected += hit;
		enomem += err == ENOMEM;
		if ((err && err != ENOMEM) || (!err && !strstr(out, "\nend mappings="))) {
			if (bad++ < 3)
				printf("  fail-nth %d: %s\n", nth, err ? strerror(err) : "a report without its end line");
		}
		err = fault_query(nth_fd, pfn, 0, out, sizeof(out), &(bool){ 0 });
		if (err || !strstr(out, "verdict=complete")) {
			if (bad++ < 3)
				printf("  the query after fail-nth %d: %s\n", nth, err ? strerror(err) : out);
		}
	}
	result(bad == 0 && injected > 0 && !hit,
	       "fault injection, %s (pfn 0x%llx): each of the query's %d allocations failed in turn: %d ENOMEM, the "
	       "others answered, and every next query was complete", what, (unsigned long long)pfn, injected, enomem);
}

static void scenario_fault_inject(void)
{
	char path[64];
	struct child a, b;
	int nth_fd;
	char *p;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", (long)syscall(SYS_gettid));
	nth_fd = open(path, O_RDWR);
	if (nth_fd < 0) {
		skip("fault injection: no %s (CONFIG_FAULT_INJECTION; the debug kernel has it)", path);
		return;
	}
	/*
	 * GFP_KERNEL allocations may fail too (both ignore them by default), and quietly: an injected failure
	 * prints a stack trace by default, which the rig rightly takes for a kernel report.
	 */
	if (write_str("/sys/kernel/debug/failslab/ignore-gfp-wait", "N") ||
	    write_str("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N") ||
	    write_str("/sys/kernel/debug/fail_page_alloc/min-order", "0") ||
	    write_str("/sys/kernel/debug/failslab/verbose", "0") ||
	    write_str("/sys/kernel/debug/fail_page_alloc/verbose", "0")) {
		result(false, "fault injection: cannot configure failslab and fail_page_alloc: %s", strerror(errno));
		close(nth_fd);
		return;
	}
	p = map_anon(PAGE);
	fill(p, PAGE, 61);
	child_start(&a, NULL, NULL);
	child_start(&b, NULL, NULL);
	fault_inject_pfn(nth_fd, "an anonymous page of three processes", pfn_of(getpid(), p));
	fault_inject_pfn(nth_fd, "a page of rmaptest's own text", pfn_of(getpid(), (void *)((uintptr_t)&scenario_fault_inject & ~(PAGE - 1))));
	child_stop(&a);
	child_stop(&b);
	munmap(p, PAGE);
	if (ksm_start()) {
		uint64_t pfn;

		ksm_addr = map_anon(8 * PAGE);
		munmap(ksm_addr, 8 * PAGE);
		child_start(&a, ksm_fill, NULL);
		child_start(&b, ksm_fill, NULL);
		pfn = ksm_wait_merged(a.pid, b.pid, ksm_addr + 2 * PAGE);
		if (pfn)
			fault_inject_pfn(nth_fd, "a KSM page (the search's list of processes)", pfn);
		write_str("/sys/kernel/mm/ksm/run", "2");
		child_stop(&a);
		child_stop(&b);
	}
	write_str("/sys/kernel/debug/failslab/ignore-gfp-wait", "Y");
	write_str("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "Y");
	close(nth_fd);
}

/* The write parser fed garbage: random bytes, partial, huge and positioned writes, reads before writes. */
static void scenario_fuzz(void)
{
	unsigned long accepted = 0, rejected = 0, other = 0;
	unsigned int seed = 12345;
	char buf[256], out[4096];
	static char huge[1 << 20];
	int fd;

	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand_r(&seed) % 40);
		ssize_t n;

		for (size_t j = 0; j < len; j++) {
			/* mostly digits, x and whitespace, so that some requests parse */
			int r = rand_r(&seed) % 16;

			buf[j] = r < 10 ? (char)('0' + r) : r == 10 ? 'x' : r == 11 ? '\n' : r == 12 ? ' ' :
				 (char)rand_r(&seed);
		}
		fd = open(QUERY, O_RDWR);
		if (fd < 0) {
			other++;
			continue;
		}
		if (i % 7 == 0 && read(fd, out, sizeof(out)) >= 0)	/* read before any write */
			other++;
		n = write(fd, buf, len);
		if (n == (ssize_t)len && len > 0)
			accepted++;
		else if (n < 0 && (errno == EINVAL || errno == ERANGE || errno == ENXIO))
			rejected++;
		else if (other++ < 5)
			printf("  fuzz write of %zu bytes: %zd (%s)\n", len, n, strerror(errno));
		if (i % 5 == 0)		/* a second, partial request on the same file */
			n = write(fd, buf, len / 2);
		close(fd);
	}
	fd = open(QUERY, O_RDWR);
	memset(huge, '1', sizeof(huge));
	result(fd >= 0 && write(fd, huge, sizeof(huge)) < 0 && errno == EINVAL, "fuzz: a 1 MiB write gets EINVAL");
	result(fd >= 0 && pwrite(fd, "1", 1, 4096) < 0 && errno == ESPIPE, "fuzz: a positioned write gets ESPIPE");
	result(fd >= 0 && write(fd, "1", 1) == 1 && pread(fd, out, sizeof(out), 10) < 0 && errno == ESPIPE,
	       "fuzz: a positioned read gets ESPIPE");
	if (fd >= 0)
		close(fd);
	result(other == 0 && accepted > 0 && rejected > 0,
	       "fuzz: 20000 random requests: %lu accepted, %lu rejected with EINVAL/ERANGE/ENXIO, %lu other",
	       accepted, rejected, other);
}

/*
 * Stress: queries race with processes that fork, write (COW), mremap, mprotect (THP splits), collapse THPs,
 * munmap and exit; with KSM merging and unmerging, compaction, move_pages() between NUMA nodes, and the module
 * being unloaded and loaded again. Mutators publish the PFNs of their pages in a shared table; one querier
 * sweeps every PFN of the guest, the others ask about published and random PFNs. Every answer must be
 * complete, raced or untracked; a "mismatch" fails unless pagemap itself disagrees with kpagecount then.
 */
enum { RACE_SLOTS = 4096, RACE_MUTATORS = 3, RACE_QUERIERS = 3 };

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif

struct race_stats {
	unsigned long queries, complete, raced, untracked, mismatch, confirmed, errors, nxio, absent;
	unsigned long moved, reloads;
};

static volatile uint64_t *race_pfns;
static volatile int *race_quiet;	/* set by the reloader: queriers close their files for a moment */

static void race_publish(char *p, size_t len, unsigned int *slot)
{
	for (size_t i = 0; i < len; i += PAGE)
		race_pfns[(*slot)++ % RACE_SLOTS] = pfn_of(getpid(), p + i);
}

/* Move @n pages at @p to the other NUMA node; the number moved (0 on a one-node guest). */
static unsigned long race_move(char *p, int n)
{
	void *pages[16];
	int nodes[16], status[16];
	unsigned long moved = 0;

	for (int i = 0; i < n && i < 16; i++) {
		pages[i] = p + (size_t)i * PAGE;
		nodes[i] = 1;
		status[i] = -1;
	}
	if (syscall(SYS_move_pages, 0, n, pages, nodes, status, MPOL_MF_MOVE) == 0) {
		for (int i = 0; i < n; i++)
			moved += status[i] == 1;
	} else {
		static bool said;

		if (!said)
			printf("  move_pages: %s\n", strerror(errno));
		said = true;
	}
	return moved;
}

static void race_mutator(int id, time_t deadline, struct race_stats *st)
{
	unsigned int slot = (unsigned int)id * (RACE_SLOTS / RACE_MUTATORS), round = 0;
	int fd = memfd_create("race", 0);

	if (ftruncate(fd, 64 * PAGE))
		_exit(3);
	srand((unsigned int)getpid());
	while (time(NULL) < deadline) {
		size_t len = (round & 3) == 3 ? 2 * HPAGE : 64 * PAGE;
		char *raw = map_anon(len), *p = raw, *f, *moved;
		pid_t child;

		if (len > 64 * PAGE) {	/* a THP, split later by mprotect in the child */
			p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
			madvise(p, HPAGE, MADV_HUGEPAGE);
			len = HPAGE;
		}
		fill(p, len, id + (int)round);
		if (id == 0)	/* identical content in every round of mutator 0: food for KSM */
			madvise(p, 64 * PAGE, MADV_MERGEABLE);
		f = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		fill(f, 64 * PAGE, (int)round);
		race_publish(p, len < 64 * PAGE ? len : 64 * PAGE, &slot);
		race_publish(f, 16 * PAGE, &slot);
		child = fork();
		if (child == 0) {
			p[PAGE * (size_t)(rand() % 16)] = 'c';		/* break COW on one page */
			mprotect(p + 8 * PAGE, PAGE, PROT_READ);	/* splits a PMD mapping */
			usleep((useconds_t)(rand() % 3000));
			munmap(p + 32 * PAGE, 16 * PAGE);
			if (rand() & 1) {
				pid_t grandchild = fork();

				if (grandchild == 0)
					_exit(0);
				waitpid(grandchild, NULL, 0);
			}
			_exit(0);
		}
		st->moved += race_move(p + 16 * PAGE, 8);
		moved = mremap(p, 16 * PAGE, 16 * PAGE, MREMAP_MAYMOVE);
		usleep((useconds_t)(rand() % 2000));
		munmap(f, 64 * PAGE);
		if (moved != MAP_FAILED)
			munmap(moved, 16 * PAGE);
		waitpid(child, NULL, 0);
		if (len == HPAGE)
			madvise(p, HPAGE, MADV_COLLAPSE);	/* back to a PMD mapping, where it can */
		munmap(raw, (round & 3) == 3 ? 2 * HPAGE : 64 * PAGE);
		if (id == 1 && round % 16 == 0)
			write_str("/proc/sys/vm/compact_memory", "1");
		if (id == 2 && round % 32 == 0)
			write_str("/sys/kernel/mm/ksm/run", round % 64 ? "1" : "2");	/* merge, then unmerge */
		round++;
	}
	_exit(0);
}

/* What pagemap says about a PFN the module called a mismatch: who maps it, in which vma. */
static bool race_explain(uint64_t pfn)
{
	struct owner *o;
	size_t n = pagemap_owners(pfn, &o);
	long count = kpagecount(pfn);

	printf("  pagemap now: %zu mapping%s, kpagecount %ld\n", n, n == 1 ? "" : "s", count);
	for (size_t i = 0; i < n; i++) {
		char path[64], line[256];
		unsigned long start, end;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%ld/maps", o[i].pid);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "%lx-%lx", &start, &end) == 2 && o[i].vaddr >= start && o[i].vaddr < end)
				printf("    pid %ld at 0x%lx in %s", o[i].pid, o[i].vaddr, line);
		if (f)
			fclose(f);
	}
	free(o);
	return (long)n != count;	/* the kernel's own two views disagree: a race pagemap confirms */
}

/* Count one answer by its verdict; a mismatch is printed and checked against pagemap (race_explain()). */
static void tally(struct race_stats *st, const char *out, ssize_t n, size_t size, uint64_t pfn)
{
	if (strstr(out, "verdict=complete")) {
		st->complete++;
	} else if (strstr(out, "verdict=raced")) {
		st->raced++;
	} else if (strstr(out, "verdict=untracked")) {
		st->untracked++;
	} else if (strstr(out, "verdict=mismatch")) {
		printf("  mismatch: %.600s\n", out);
		if (race_explain(pfn))
			st->confirmed++;
		else
			st->mismatch++;
	} else if (n < (ssize_t)size - 1) {
		st->errors++;
	}
}

/* One query on @fd, counted in @st by its verdict (tally()): the answer's length in @out, or -1. */
static ssize_t race_ask(int fd, struct race_stats *st, uint64_t pfn, char *out, size_t size)
{
	char req[32];
	ssize_t n;

	snprintf(req, sizeof(req), "%llu", (unsigned long long)pfn);
	st->queries++;
	if (write(fd, req, strlen(req)) < 0) {
		if (errno == ENXIO)
			st->nxio++;
		else
			st->errors++;
		return -1;
	}
	n = read(fd, out, size - 1);
	if (n <= 0) {
		st->errors++;
		return -1;
	}
	out[n] = '\0';
	tally(st, out, n, size, pfn);
	return n;
}

static void race_querier(int id, struct race_stats *st, time_t deadline, unsigned long max_pfn)
{
	char out[1 << 16];
	unsigned int seed = (unsigned int)getpid();
	uint64_t sweep = 0;
	int fd = -1;

	while (time(NULL) < deadline) {
		uint64_t pfn;

		if (fd < 0 || st->queries % 64 == 0 || *race_quiet) {	/* reopen now and then: windows for rmmod */
			if (fd >= 0)
				close(fd);
			fd = -1;
			if (*race_quiet) {
				usleep(1000);
				continue;
			}
			fd = open(QUERY, O_RDWR);
			if (fd < 0) {
				st->absent++;
				usleep(1000);
				continue;
			}
		}
		if (id == 0)
			pfn = sweep++ % (max_pfn + 1);
		else
			pfn = rand_r(&seed) % 8 ? race_pfns[rand_r(&seed) % RACE_SLOTS]
						: (uint64_t)rand_r(&seed) % (max_pfn + 1024);
		race_ask(fd, st, pfn, out, sizeof(out));
	}
	if (fd >= 0)
		close(fd);
}

/*
 * rmaptest query-loop: query every PFN of RAM, again and again, until SIGTERM; then one summary line. Exits 1
 * on a mismatch pagemap does not explain, or an error: the load run beside the kernel's mm selftests.
 */
static volatile sig_atomic_t loop_stop;

static void loop_on_term(int sig)
{
	(void)sig;
	loop_stop = 1;
}

static int query_loop(void)
{
	unsigned long max_pfn = max_pfn_from_iomem(), rounds = 0;
	struct race_stats st = { 0 };
	char req[32], out[1 << 16];
	int fd = open(QUERY, O_RDWR);

	signal(SIGTERM, loop_on_term);
	if (fd < 0) {
		perror("query-loop: " QUERY);
		return 2;
	}
	while (!loop_stop) {
		for (unsigned long pfn = 0; pfn <= max_pfn && !loop_stop; pfn++) {
			ssize_t n;

			snprintf(req, sizeof(req), "%lu", pfn);
			st.queries++;
			if (write(fd, req, strlen(req)) < 0) {
				if (errno == ENXIO)
					st.nxio++;
				else if (errno != EINTR && st.errors++ < 5)
					printf("  query-loop: pfn 0x%lx: %s\n", pfn, strerror(errno));
				continue;
			}
			n = read(fd, out, sizeof(out) - 1);
			if (n <= 0) {
				st.errors++;
				continue;
			}
			out[n] = '\0';
			tally(&st, out, n, sizeof(out), pfn);
		}
		rounds++;
	}
	close(fd);
	printf("query-loop: %lu rounds of PFNs 0..0x%lx, %lu queries: %lu complete, %lu raced, %lu untracked, "
	       "%lu mismatch (+%lu that pagemap confirmed), %lu ENXIO, %lu errors\n", rounds, max_pfn, st.queries,
	       st.complete, st.raced, st.untracked, st.mismatch, st.confirmed, st.nxio, st.errors);
	return st.mismatch || st.errors ? 1 : 0;
}

/* Unload and load the module again and again: rmmod fails while a query file is open, and that is fine. */
static void race_reloader(struct race_stats *st, time_t deadline)
{
	for (int round = 0; time(NULL) < deadline; round++) {
		usleep(200000);
		*race_quiet = round % 5 == 4;	/* mostly rmmod under open files (refused), sometimes not */
		if (*race_quiet)
			usleep(20000);
		if (system("rmmod rmap_probe 2>/dev/null") == 0) {
			st->reloads++;
			if (system("insmod /rmap/rmap_probe.ko"))
				st->errors++;
		}
		*race_quiet = 0;
	}
}

static void scenario_race(void)
{
	int seconds = getenv("RACE_SECONDS") ? atoi(getenv("RACE_SECONDS")) : 60;
	enum { N = RACE_MUTATORS + RACE_QUERIERS + 1 };
	time_t deadline = time(NULL) + seconds;
	unsigned long max_pfn = max_pfn_from_iomem();
	struct race_stats *stats, t = { 0 };
	pid_t pids[N];
	int i;

	race_pfns = mmap(NULL, RACE_SLOTS * 8, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	stats = mmap(NULL, N * sizeof(*stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	race_quiet = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	write_str("/sys/kernel/mm/ksm/pages_to_scan", "1000");
	write_str("/sys/kernel/mm/ksm/sleep_millisecs", "20");
	for (i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			if (i < RACE_MUTATORS)
				race_mutator(i, deadline, &stats[i]);
			else if (i < RACE_MUTATORS + RACE_QUERIERS)
				race_querier(i - RACE_MUTATORS, &stats[i], deadline, max_pfn);
			else
				race_reloader(&stats[i], deadline);
			_exit(0);
		}
	}
	for (i = 0; i < N; i++)
		waitpid(pids[i], NULL, 0);
	write_str("/sys/kernel/mm/ksm/run", "2");
	for (i = 0; i < N; i++) {
		t.queries += stats[i].queries;
		t.complete += stats[i].complete;
		t.raced += stats[i].raced;
		t.untracked += stats[i].untracked;
		t.mismatch += stats[i].mismatch;
		t.confirmed += stats[i].confirmed;
		t.errors += stats[i].errors;
		t.nxio += stats[i].nxio;
		t.absent += stats[i].absent;
		t.moved += stats[i].moved;
		t.reloads += stats[i].reloads;
	}
	/* the reloader may have left the module out: the next guest script expects it loaded or not at will */
	if (system("grep -q '^rmap_probe ' /proc/modules || insmod /rmap/rmap_probe.ko"))
		t.errors++;
	printf("race: %d s, %lu queries: %lu complete, %lu raced, %lu untracked, %lu mismatch (+%lu that pagemap "
	       "confirmed), %lu no such pfn, %lu while unloaded, %lu errors; %lu pages moved across nodes, "
	       "%lu module reloads\n", seconds, t.queries, t.complete, t.raced, t.untracked, t.mismatch, t.confirmed,
	       t.nxio, t.absent, t.errors, t.moved, t.reloads);
	result(t.complete > 0 && t.reloads > 0 && !t.mismatch && !t.errors,
	       "stress: %lu queries for %d s against fork/COW/mremap/mprotect/collapse/munmap/exit, KSM, compaction, "
	       "move_pages and module reloads: none wrong (%lu complete, %lu raced, %lu untracked, %lu mismatch, "
	       "%lu errors, %lu reloads)", t.queries, seconds, t.complete, t.raced, t.untracked, t.mismatch,
	       t.errors, t.reloads);
}

/*
 * KSM merging under queries: two processes with 255 pages of equal content (page i the same in both) are
 * merged, unmerged (run=2) and merged again, while a querier asks for those pages' PFNs over and over.
 * try_to_merge_two_pages() makes one page KSM with no stable node yet, maps the other process's copy to it,
 * and only then gives it its node (stable_tree_insert()); unmerging leaves KSM pages no node either
 * (remove_stable_node()). A query meanwhile must answer raced (or complete), never follow the NULL node: the
 * first version of the stable walk did. Every answer is complete, raced or untracked; none is an error.
 */
static void ksm_fill_numbered(int n, void *arg)
{
	(void)arg;
	if (n != 0)
		return;
	ksm_map(255);
	for (int i = 0; i < 255; i++) {
		memset(ksm_addr + i * PAGE, 0, PAGE);
		*(int *)(ksm_addr + i * PAGE) = i + 1;
	}
	madvise(ksm_addr, 255 * PAGE, MADV_MERGEABLE);
}

static void scenario_ksm_churn(void)
{
	enum { PAGES = 255, CYCLES = 6 };
	volatile uint64_t *pfns = mmap(NULL, 2 * PAGES * 8, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile int *stop = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct race_stats *st = mmap(NULL, sizeof(*st) + 8, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				     -1, 0);
	volatile unsigned long *stable = (unsigned long *)(st + 1);
	struct child a, b;
	int merged = 0;
	pid_t querier;

	if (!ksm_start())
		return;
	write_str("/sys/kernel/mm/ksm/run", "0");
	ksm_addr = map_anon(PAGES * PAGE);
	munmap(ksm_addr, PAGES * PAGE);
	child_start(&a, ksm_fill_numbered, NULL);
	child_start(&b, ksm_fill_numbered, NULL);
	querier = fork();
	if (querier == 0) {
		char out[1 << 16];
		int fd = open(QUERY, O_RDWR);

		for (unsigned long i = 0; fd >= 0 && !*stop; i++) {
			uint64_t pfn = pfns[i % (2 * PAGES)];

			if (pfn && race_ask(fd, st, pfn, out, sizeof(out)) > 0)
				*stable += strstr(out, " ksm=stable") != NULL;
		}
		_exit(fd < 0);
	}
	for (int c = 0; c < CYCLES; c++) {
		/* the pages as they are before the merge: one of each pair becomes the KSM page */
		for (int i = 0; i < PAGES; i++) {
			pfns[2 * i] = pfn_of(a.pid, ksm_addr + i * PAGE);
			pfns[2 * i + 1] = pfn_of(b.pid, ksm_addr + i * PAGE);
		}
		write_str("/sys/kernel/mm/ksm/run", "1");
		for (int t = 0; t < 300 && atol(read_str("/sys/kernel/mm/ksm/pages_shared")) < PAGES; t++)
			usleep(100000);
		merged += atol(read_str("/sys/kernel/mm/ksm/pages_shared")) >= PAGES;
		usleep(200000);
		write_str("/sys/kernel/mm/ksm/run", "2");	/* unmerge: each copy a page of its own again */
	}
	*stop = 1;
	waitpid(querier, NULL, 0);
	child_stop(&a);
	child_stop(&b);
	result(merged == CYCLES && st->queries > 0 && *stable > 0 && !st->mismatch && !st->errors && !st->nxio,
	       "KSM merged and unmerged %d times (%d merged all %d pairs) under %lu queries of those pages: %lu "
	       "complete (%lu walked from the stable node), %lu raced, %lu untracked, %lu mismatch, %lu errors",
	       CYCLES, merged, PAGES, st->queries, st->complete, *stable, st->raced, st->untracked, st->mismatch,
	       st->errors);
}

static void scenario_shmem_shared(void)
{
	scenario_file_shared("/tmp", "tmpfs file");
}

static void scenario_file_private_tmpfs(void)
{
	scenario_file_private("/tmp");
}

/*
 * Tracing (bpf/, rmapctl trace and record): each trigger runs under `rmapctl trace --json-lines` and the events
 * are checked against pagemap before and after, or against the processes and addresses the test set up.
 */
#define TRACE_OUT "/tmp/trace.out"
#define TRACE_ERR "/tmp/trace.err"
#ifndef MPOL_MF_MOVE_ALL
#define MPOL_MF_MOVE_ALL (1 << 2)
#endif

struct event {
	char type[16], reason[32];
	uint64_t pfn, dst_pfn;
	unsigned long addr;
	long pid;
	bool moved;
};

static pid_t tracer;

/* A whole small file (rmapctl's messages, /proc/swaps), or "" */
static const char *slurp(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return buf;
}

/* Start `rmapctl trace --json-lines ARGS...` and wait until it says it is attached. */
static bool trace_start(const char *const *args)
{
	const char *argv[16] = { "rmapctl", "trace", "--json-lines" };
	int n = 3;

	if (getenv("TRACE_ATTACH")) {
		argv[n++] = "--attach";
		argv[n++] = getenv("TRACE_ATTACH");
	}

	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	unlink(TRACE_OUT);
	unlink(TRACE_ERR);
	tracer = fork();
	if (tracer == 0) {
		int out = open(TRACE_OUT, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(TRACE_ERR, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(out, 1);
		dup2(err, 2);
		execvp("rmapctl", (char **)argv);
		_exit(127);
	}
	for (int i = 0; i < 600; i++) {
		const char *err = slurp(TRACE_ERR);

		if (strstr(err, "tracing "))
			return true;
		if (waitpid(tracer, NULL, WNOHANG) == tracer) {
			printf("  rmapctl trace ended early: %s\n", err);
			return false;
		}
		usleep(100000);
	}
	printf("  rmapctl trace did not start in 60 s\n");
	return false;
}

/* SIGTERM, as Ctrl-C would: a clean exit with its summary line. Reads the events into @ev. */
static size_t trace_stop(const char *name, struct event *ev, size_t max)
{
	char line[1024];
	const char *err;
	size_t n = 0;
	int status;
	FILE *f;

	kill(tracer, SIGTERM);
	waitpid(tracer, &status, 0);
	err = slurp(TRACE_ERR);
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0 && strstr(err, " events (") && strstr(err, ", 0 lost"),
	       "%s: rmapctl trace ends cleanly on SIGTERM, summary says none lost", name);
	if (!strstr(err, ", 0 lost"))
		printf("  %s", err);
	result(system("jq -s -e 'length >= 1 and all(.[:-1][]; has(\"event\")) and .[-1].summary.events == "
		      "length - 1' <" TRACE_OUT " >/dev/null") == 0,
	       "%s: every line rmapctl trace wrote is JSON (jq), the last its summary", name);
	f = fopen(TRACE_OUT, "r");
	while (f && fgets(line, sizeof(line), f) && n < max) {
		struct event *e = &ev[n++];

		json_str(line, "event", e->type, sizeof(e->type));
		json_str(line, "reason", e->reason, sizeof(e->reason));
		e->pfn = json_u64(line, "pfn");
		e->dst_pfn = json_u64(line, "dst_pfn");
		e->addr = json_u64(line, "addr");
		e->pid = (long)json_u64(line, "pid");
		e->moved = strstr(line, "\"moved\":true") != NULL;
	}
	if (f)
		fclose(f);
	return n;
}

/* Move @n pages to the node they are not on; how many moved. */
static int move_to_other_node(char *p, int n, int flags)
{
	void *pages[256];
	int nodes[256], status[256], moved = 0;

	for (int i = 0; i < n; i++)
		pages[i] = p + (size_t)i * PAGE;
	if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0))
		return -1;
	for (int i = 0; i < n; i++)
		nodes[i] = status[i] == 0 ? 1 : 0;
	if (syscall(SYS_move_pages, 0, n, pages, nodes, status, flags))
		return -1;
	for (int i = 0; i < n; i++)
		moved += status[i] == nodes[i];
	return moved;
}

#define TRACE_PAGES 64

/*
 * TRACE_PAGES private pages of this process, filled (no zero pages), their PFNs in @pfns, and rmapctl trace
 * started on this pid for @events. NULL (a failed case) when the tracer does not start.
 */
static char *trace_own_pages(const char *name, const char *events, int seed, uint64_t *pfns)
{
	char pid[16], *p = map_anon(TRACE_PAGES * PAGE);
	const char *args[] = { "--pid", pid, "--events", events, NULL };

	fill(p, TRACE_PAGES * PAGE, seed);
	for (int i = 0; i < TRACE_PAGES; i++)
		pfns[i] = pfn_of(getpid(), p + i * PAGE);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (trace_start(args))
		return p;
	result(false, "%s: rmapctl trace starts", name);
	munmap(p, TRACE_PAGES * PAGE);
	return NULL;
}

static void scenario_trace_move(void)
{
	static struct event ev[4 * TRACE_PAGES];
	uint64_t before[TRACE_PAGES], after[TRACE_PAGES];
	char *p = trace_own_pages("trace-move", "migrate", 7, before);
	int moved, matched = 0, migrates = 0;
	size_t n;

	if (!p)
		return;
	moved = move_to_other_node(p, TRACE_PAGES, MPOL_MF_MOVE);
	for (int i = 0; i < TRACE_PAGES; i++)
		after[i] = pfn_of(getpid(), p + i * PAGE);
	n = trace_stop("trace-move", ev, sizeof(ev) / sizeof(ev[0]));
	for (size_t k = 0; k < n; k++) {
		if (strcmp(ev[k].type, "migrate"))
			continue;
		migrates++;
		for (int i = 0; i < TRACE_PAGES; i++)
			if (ev[k].pfn == before[i] && ev[k].dst_pfn == after[i] && after[i] != before[i] &&
			    ev[k].moved && !strcmp(ev[k].reason, "syscall"))
				matched++;
	}
	if (moved <= 0) {
		result(false, "trace-move: move_pages moved %d of %d pages", moved, TRACE_PAGES);
		munmap(p, TRACE_PAGES * PAGE);
		return;
	}
	result(migrates == moved && matched == moved,
	       "trace-move: move_pages of %d pages: %d migrate events, %d match pagemap's PFNs before and after",
	       moved, migrates, matched);
	munmap(p, TRACE_PAGES * PAGE);
}

static void scenario_trace_move_all(void)
{
	static struct event ev[64];
	struct child c[2];
	char pfn_arg[32], *p = map_anon(PAGE);
	const char *args[] = { "--pfn", pfn_arg, NULL };
	long pids[3];
	uint64_t old, now;
	int moved, migrates = 0, good_migrate = 0, unmaps = 0, seen[3] = { 0 };
	size_t n;

	fill(p, PAGE, 3);
	pids[0] = getpid();
	for (int i = 0; i < 2; i++) {
		child_start(&c[i], NULL, NULL);
		pids[i + 1] = c[i].pid;
	}
	old = pfn_of(getpid(), p);
	snprintf(pfn_arg, sizeof(pfn_arg), "0x%llx", (unsigned long long)old);
	if (!trace_start(args)) {
		result(false, "trace-move-all: rmapctl trace starts");
		goto out;
	}
	moved = move_to_other_node(p, 1, MPOL_MF_MOVE_ALL);
	now = pfn_of(getpid(), p);
	n = trace_stop("trace-move-all", ev, sizeof(ev) / sizeof(ev[0]));
	for (size_t k = 0; k < n; k++) {
		if (!strcmp(ev[k].type, "migrate")) {
			migrates++;
			good_migrate += ev[k].pfn == old && ev[k].dst_pfn == now && ev[k].moved;
			continue;
		}
		if (strcmp(ev[k].type, "unmap"))
			continue;
		unmaps++;
		for (int i = 0; i < 3; i++)
			if (ev[k].pid == pids[i] && ev[k].addr == (unsigned long)p && ev[k].pfn == old &&
			    !strcmp(ev[k].reason, "migration"))
				seen[i]++;
	}
	result(moved == 1 && now != old && pfn_of(c[0].pid, p) == now && pfn_of(c[1].pid, p) == now,
	       "trace-move-all: the page shared by 3 processes moved (pfn 0x%llx -> 0x%llx)",
	       (unsigned long long)old, (unsigned long long)now);
	result(migrates == 1 && good_migrate == 1, "trace-move-all: one migrate event, 0x%llx -> 0x%llx (%d seen)",
	       (unsigned long long)old, (unsigned long long)now, migrates);
	result(unmaps == 3 && seen[0] == 1 && seen[1] == 1 && seen[2] == 1,
	       "trace-move-all: one unmap event (reason migration) per mapper with its pid and address "
	       "(%d unmaps; per mapper %d %d %d)", unmaps, seen[0], seen[1], seen[2]);
out:
	for (int i = 0; i < 2; i++)
		child_stop(&c[i]);
	munmap(p, PAGE);
}

static bool swapped_out(const void *p)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", getpid());
	fd = open(path, O_RDONLY);
	if (fd >= 0 && pread(fd, &e, sizeof(e), (off_t)((uintptr_t)p / PAGE * sizeof(e))) != sizeof(e))
		e = 0;
	if (fd >= 0)
		close(fd);
	return (e >> 62) & 1;
}

static void scenario_trace_pageout(void)
{
	static struct event ev[4 * TRACE_PAGES];
	uint64_t before[TRACE_PAGES];
	int out = 0, reclaim = 0, matched = 0;
	size_t n;
	char *p;

	if (!strstr(slurp("/proc/swaps"), "/dev/")) {
		skip("trace-pageout: no swap device (brd) in this guest");
		return;
	}
	p = trace_own_pages("trace-pageout", "unmap", 11, before);
	if (!p)
		return;
	if (madvise(p, TRACE_PAGES * PAGE, MADV_PAGEOUT))
		printf("  madvise(MADV_PAGEOUT): %s\n", strerror(errno));
	for (int i = 0; i < TRACE_PAGES; i++)
		out += swapped_out(p + i * PAGE);
	n = trace_stop("trace-pageout", ev, sizeof(ev) / sizeof(ev[0]));
	for (size_t k = 0; k < n; k++) {
		if (strcmp(ev[k].type, "unmap") || strcmp(ev[k].reason, "reclaim"))
			continue;
		reclaim++;
		for (int i = 0; i < TRACE_PAGES; i++)
			if (ev[k].pfn == before[i] && ev[k].addr == (unsigned long)(p + i * PAGE) &&
			    ev[k].pid == getpid())
				matched++;
	}
	result(out == TRACE_PAGES, "trace-pageout: MADV_PAGEOUT swapped out %d of %d pages", out, TRACE_PAGES);
	result(reclaim == out && matched == out,
	       "trace-pageout: %d unmap events with reason reclaim for %d pages swapped out, %d with their PFN, pid "
	       "and address", reclaim, out, matched);
	munmap(p, TRACE_PAGES * PAGE);
}

static void scenario_trace_zap(void)
{
	static struct event ev[4 * TRACE_PAGES];
	uint64_t before[TRACE_PAGES];
	char *p = trace_own_pages("trace-zap", "zap", 13, before);
	int zaps = 0, matched = 0;
	size_t n;

	if (!p)
		return;
	munmap(p, TRACE_PAGES * PAGE);
	n = trace_stop("trace-zap", ev, sizeof(ev) / sizeof(ev[0]));
	for (size_t k = 0; k < n; k++) {
		if (strcmp(ev[k].type, "zap"))
			continue;
		zaps++;
		for (int i = 0; i < TRACE_PAGES; i++)
			if (ev[k].pfn == before[i] && ev[k].addr == (unsigned long)(p + i * PAGE))
				matched++;
	}
	result(zaps == TRACE_PAGES && matched == TRACE_PAGES,
	       "trace-zap: munmap of %d pages: %d zap events, %d with their PFN and address", TRACE_PAGES, zaps,
	       matched);
}

/* --- range: the batched request --- */

#define RANGE_ANON 64
#define RANGE_SHM 16
#define RANGE_OUT "/tmp/range.out"

/* The PFNs of @n pages from @p into @pfns, after the @k already there. */
static size_t add_pfns(uint64_t *pfns, size_t k, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pfns[k++] = pfn_of(getpid(), p + i * PAGE);
	return k;
}

/*
 * The batched request answers as single queries do: anonymous pages shared with a child, shmem shared with it,
 * and a THP (head, tail 5, last page), all asked in one range request spanning them, each also asked alone;
 * the two answers (kind, mapcount, verdict, every (pid, vaddr)) must be equal.
 */
/*
 * The module's list request over @pfns (and one PFN with no memory): one group per PFN in the order written,
 * each the kind and mapcount its single query gives (the answers of the same pages must agree), the hole an
 * error line (ENXIO), then pfns_done with the count.
 */
static void list_matches_single(const uint64_t *pfns, size_t k)
{
	size_t cap = 1 << 20, len = 0, n = 0, groups = 0, agree = 0;
	char *req = malloc(16 + (k + 1) * 24), *out = malloc(cap), *line, *save;
	uint64_t hole = 1ULL << 33;	/* 32 TiB: below x86-64's 46-bit physical limit, above any guest's memory */
	bool order = true, error_line = false, done = false;
	int fd = open(QUERY, O_RDWR);
	ssize_t got;

	n = (size_t)sprintf(req, "pfns");
	for (size_t i = 0; i < k; i++)
		n += (size_t)sprintf(req + n, " 0x%llx", (unsigned long long)pfns[i]);
	n += (size_t)sprintf(req + n, " 0x%llx\n", (unsigned long long)hole);
	if (fd < 0 || write(fd, req, n) != (ssize_t)n) {
		result(false, "list request: written (%s)", strerror(errno));
		goto out;
	}
	while (len < cap - 1 && (got = read(fd, out + len, cap - 1 - len)) > 0)
		len += (size_t)got;
	out[len] = '\0';
	for (line = strtok_r(out, "\n", &save), n = 0; line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long pfn, count;
		char kind[32], want[256], *single;
		long mapcount;
		int rc;

		if (sscanf(line, "page pfn=%llx head_pfn=%*s order=%*s kind=%31s node=%*s zone=%*s refcount=%*s "
			   "mapcount=%ld", &pfn, kind, &mapcount) == 3) {
			order &= n < k && pfn == pfns[n];
			snprintf(want, sizeof(want), "pfn 0x%llx --json", pfn);
			single = rmapctl_output(want, &rc);
			snprintf(want, sizeof(want), "\"kind\":\"%s\"", kind);
			agree += single && strstr(single, want) && json_u64(single, "mapcount") == (uint64_t)mapcount;
			free(single);
			groups++;
			n++;
		} else if (sscanf(line, "error pfn=%llx errno=%*d", &pfn) == 1) {
			error_line = pfn == hole && strstr(line, "errno=6") && n == k;
			n++;
		} else if (sscanf(line, "pfns_done count=%llu", &count) == 1) {
			done = count == k + 1;
		}
	}
	result(groups == k && order && agree == k && error_line && done,
	       "list request of %zu PFNs and a hole: %zu reports in the order written, %zu as their single queries "
	       "(kind, mapcount), the hole an ENXIO error line, pfns_done", k, groups, agree);
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(out);
}

static void scenario_range_batch(void)
{
	static uint64_t pfns[RANGE_ANON + RANGE_SHM + 3];
	char *anon = map_anon(RANGE_ANON * PAGE), *raw = map_anon(2 * HPAGE), *thp, *shm, cmd[1024];
	int fd = memfd_create("range", 0);
	uint64_t lo = UINT64_MAX, hi = 0;
	struct child c;
	size_t k = 0;
	FILE *f;
	int rc;

	if (fd < 0 || ftruncate(fd, RANGE_SHM * PAGE)) {
		result(false, "range-batch: memfd");
		return;
	}
	shm = mmap(NULL, RANGE_SHM * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	thp = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(thp, HPAGE, MADV_HUGEPAGE);
	fill(anon, RANGE_ANON * PAGE, 31);
	fill(shm, RANGE_SHM * PAGE, 37);
	fill(thp, HPAGE, 41);
	touch_addr = shm;
	touch_len = RANGE_SHM * PAGE;
	child_start(&c, touch_step, NULL);
	k = add_pfns(pfns, k, anon, RANGE_ANON);
	k = add_pfns(pfns, k, shm, RANGE_SHM);
	k = add_pfns(pfns, k, thp, 1);
	k = add_pfns(pfns, k, thp + 5 * PAGE, 1);
	k = add_pfns(pfns, k, thp + HPAGE - PAGE, 1);
	f = fopen("/tmp/range.pfns", "w");
	for (size_t i = 0; i < k; i++) {
		if (pfns[i] < lo)
			lo = pfns[i];
		if (pfns[i] > hi)
			hi = pfns[i];
		fprintf(f, "%llu\n", (unsigned long long)pfns[i]);
	}
	fclose(f);
	/* one request from the lowest to the highest, every page of ours in it; the same fields of each */
	snprintf(cmd, sizeof(cmd),
		 "set -e; norm='{pfn,kind,mapcount,verdict,m:([.mappings[]|[.pid,.vaddr]]|sort)}'; "
		 "rmapctl range --json-lines %llu %llu > " RANGE_OUT "; "
		 "jq -c --slurpfile want /tmp/range.pfns \"select(.pfn != null and (.pfn as \\$p | \\$want | "
		 "index(\\$p))) | $norm\" " RANGE_OUT " | sort > /tmp/range.batch; "
		 "for p in $(cat /tmp/range.pfns); do rmapctl pfn $p --json | jq -c \"$norm\"; done | sort -u "
		 "> /tmp/range.single; "
		 "test $(wc -l < /tmp/range.batch) -eq $(sort -u /tmp/range.pfns | wc -l); "
		 "cmp /tmp/range.batch /tmp/range.single",
		 (unsigned long long)lo, (unsigned long long)hi + 1);
	rc = system(cmd);
	result(rc == 0, "range-batch: %zu pages (anon shared by fork, shmem, THP head/tail/last) in one range "
	       "request of %llu PFNs answer as their single queries do", k, (unsigned long long)(hi + 1 - lo));
	if (rc)
		(void)!system("diff /tmp/range.batch /tmp/range.single | head -20; tail -c 300 " RANGE_OUT);
	list_matches_single(pfns, k);
	child_stop(&c);
	munmap(anon, RANGE_ANON * PAGE);
	munmap(raw, 2 * HPAGE);
	munmap(shm, RANGE_SHM * PAGE);
	close(fd);
}

#define KPF_NOPAGE 20

/*
 * All of memory in one range request, against /proc/kpageflags and /proc/kpagecount read before and after:
 * every PFN is reported, free or a hole; the holes are exactly kpageflags' NOPAGE PFNs (both ask
 * pfn_to_online_page()); every page in use both before and after was reported, and none was reported free
 * (the module's own look at a page it reports, is_free_buddy_page(), agrees with the skip).
 */
static void scenario_range_all(void)
{
	uint64_t start = 0, end = 0, reported = 0, free_ = 0, holes = 0, nopage = 0, in_lines = 0;
	uint64_t missed = 0, wrongly = 0, first_missed = 0, first_wrong = 0;
	uint64_t *f0, *f1, *c0, *c1;
	unsigned char *seen;
	char line[16384];
	FILE *f;
	int rc, kf, kc;

	/* the span, first: what rmapctl range scans by default */
	rc = system("rmapctl range --summary --json > /tmp/range.sum");
	f = fopen("/tmp/range.sum", "r");
	if (rc || !f || !fgets(line, sizeof(line), f)) {
		result(false, "range-all: rmapctl range --summary --json (exit %d)", rc);
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	start = json_u64(line, "start");
	end = json_u64(line, "end");
	if (start >= end || end - start > (64ULL << 20)) {
		result(false, "range-all: a sane span (0x%llx-0x%llx)", (unsigned long long)start,
		       (unsigned long long)end);
		return;
	}
	f0 = calloc(end - start, 8);
	f1 = calloc(end - start, 8);
	c0 = calloc(end - start, 8);
	c1 = calloc(end - start, 8);
	seen = calloc(end - start, 1);
	kf = open("/proc/kpageflags", O_RDONLY);
	kc = open("/proc/kpagecount", O_RDONLY);
	if (!f0 || !f1 || !c0 || !c1 || !seen || kf < 0 || kc < 0 ||
	    pread(kf, f0, (end - start) * 8, (off_t)(start * 8)) != (ssize_t)((end - start) * 8) ||
	    pread(kc, c0, (end - start) * 8, (off_t)(start * 8)) != (ssize_t)((end - start) * 8)) {
		result(false, "range-all: read /proc/kpageflags and /proc/kpagecount");
		return;
	}
	snprintf(line, sizeof(line), "rmapctl range --json-lines 0x%llx 0x%llx > " RANGE_OUT,
		 (unsigned long long)start, (unsigned long long)end);
	rc = system(line);
	if (pread(kf, f1, (end - start) * 8, (off_t)(start * 8)) != (ssize_t)((end - start) * 8) ||
	    pread(kc, c1, (end - start) * 8, (off_t)(start * 8)) != (ssize_t)((end - start) * 8))
		rc = -1;
	close(kf);
	close(kc);
	result(rc == 0 && system("jq -e -s '.[-1].summary.in_use == length - 1' " RANGE_OUT " > /dev/null") == 0,
	       "range-all: rmapctl range over all of memory (0x%llx-0x%llx) completes; every line is JSON, the "
	       "last its summary", (unsigned long long)start, (unsigned long long)end);
	f = fopen(RANGE_OUT, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "{\"summary\"", 10)) {
			reported = json_u64(line, "in_use");
			free_ = json_u64(line, "free");
			holes = json_u64(line, "holes");
			continue;
		}
		uint64_t pfn = json_u64(line, "pfn");

		in_lines++;
		if (pfn >= start && pfn < end)
			seen[pfn - start] = 1;
		/* the module found it free when it asked: the skip before should have passed it */
		if (strstr(line, "\"kind\":\"free\"") && !wrongly++)
			first_wrong = pfn;
	}
	if (f)
		fclose(f);
	for (uint64_t i = 0; i < end - start; i++) {
		bool used = c0[i] > 0 && c1[i] > 0 && !(f0[i] >> KPF_BUDDY & 1) && !(f1[i] >> KPF_BUDDY & 1) &&
			    !(f0[i] >> KPF_NOPAGE & 1);

		nopage += f0[i] >> KPF_NOPAGE & 1;
		if (used && !seen[i] && !missed++)
			first_missed = start + i;
	}
	result(reported + free_ + holes == end - start && reported == in_lines,
	       "range-all: %llu reported + %llu free + %llu in holes = the %llu PFNs of the range, %llu lines",
	       (unsigned long long)reported, (unsigned long long)free_, (unsigned long long)holes,
	       (unsigned long long)(end - start), (unsigned long long)in_lines);
	result(holes == nopage, "range-all: its holes are kpageflags' NOPAGE PFNs (%llu and %llu)",
	       (unsigned long long)holes, (unsigned long long)nopage);
	/* a page freed and reused while the scan passed it can be missed: a few, never many */
	result(missed <= 16, "range-all: every page in use before and after the scan was reported (%llu missed, "
	       "first 0x%llx)", (unsigned long long)missed, (unsigned long long)first_missed);
	/* a block freed between the skip's look and the query's: a few, never many */
	result(wrongly <= 4, "range-all: free pages are skipped, not reported (%llu reported as free, first 0x%llx)",
	       (unsigned long long)wrongly, (unsigned long long)first_wrong);
	if (wrongly) {
		snprintf(line, sizeof(line), "grep -m1 '\"pfn\":%llu,' " RANGE_OUT " | cut -c1-300",
			 (unsigned long long)first_wrong);
		(void)!system(line);
	}
	(void)!system("printf '  kinds reported: '; jq -r -s '.[-1].summary.by_kind | tojson' " RANGE_OUT);
	free(f0);
	free(f1);
	free(c0);
	free(c1);
	free(seen);
}

/* --- vaddr: from a process and an address --- */

/*
 * rmapctl vaddr PID ADDR --len LEN answers each page as rmapctl pfn answers the PFN pagemap gives for it, and
 * that answer is the pagemap oracle's (compare()): pages anon shared by fork, shmem shared, a THP's head, tail
 * and last page. @kind and @level: what compare() expects of each page.
 */
static void vaddr_matches(const char *what, char *p, size_t pages, const char *kind, const char *level)
{
	char cmd[1024];
	int rc;

	for (size_t i = 0; i < pages; i++)
		compare(what, pfn_of(getpid(), p + i * PAGE), kind, level);
	snprintf(cmd, sizeof(cmd),
		 "norm='{pfn,kind,mapcount,verdict,m:([.mappings[]|[.pid,.vaddr]]|sort)}'; "
		 "rmapctl vaddr %d 0x%lx --len %zu --json > /tmp/vaddr.json && "
		 "jq -c \".pages[] | .report | $norm\" /tmp/vaddr.json > /tmp/vaddr.got && "
		 "jq -e --argjson a %lu '[.pages[] | .offset] == [range(0; %zu) | . * 4096] and "
		 "all(.pages[]; .state == \"present\")' /tmp/vaddr.json > /dev/null && "
		 "for i in $(seq 0 %zu); do rmapctl pfn $(rmaptest pfn-of %d $((0x%lx + i * 4096))) --json | "
		 "jq -c \"$norm\"; done > /tmp/vaddr.want && cmp /tmp/vaddr.got /tmp/vaddr.want",
		 getpid(), (unsigned long)p, pages * PAGE, (unsigned long)p, pages, pages - 1, getpid(),
		 (unsigned long)p);
	rc = system(cmd);
	result(rc == 0, "vaddr %s: %zu pages, each answered as rmapctl pfn answers its PFN from pagemap", what,
	       pages);
	if (rc)
		(void)!system("diff /tmp/vaddr.got /tmp/vaddr.want | head; head -c 400 /tmp/vaddr.json");
}

static void scenario_vaddr(void)
{
	char *anon = map_anon(8 * PAGE), *raw = map_anon(2 * HPAGE), *thp, *shm, *untouched = map_anon(PAGE);
	char cmd[512], pid[16], *file = NULL;
	int fd = memfd_create("vaddr", 0), ffd = -1;
	struct child c;
	uint64_t e;

	if (fd < 0 || ftruncate(fd, 4 * PAGE)) {
		result(false, "vaddr: memfd");
		return;
	}
	shm = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	thp = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(thp, HPAGE, MADV_HUGEPAGE);
	fill(anon, 8 * PAGE, 43);
	fill(shm, 4 * PAGE, 47);
	fill(thp, HPAGE, 53);
	/* page cache that is neither anon nor shmem: ramfs (built into every kernel), mapped right after shm */
	ffd = ramfs_open("vaddr");
	if (ffd >= 0 && !ftruncate(ffd, 4 * PAGE)) {
		file = mmap(shm + 4 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, ffd, 0);
		if (file == MAP_FAILED)
			file = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
		if (file == MAP_FAILED)
			file = NULL;
		else
			fill(file, 4 * PAGE, 57);
	}
	/* the child maps shmem and the file: touch both (they are adjacent when MAP_FIXED_NOREPLACE took) */
	touch_addr = shm;
	touch_len = file == shm + 4 * PAGE ? 8 * PAGE : 4 * PAGE;
	child_start(&c, touch_step, NULL);
	vaddr_matches("anon shared by fork", anon, 8, "anon", "pte");
	vaddr_matches("shmem shared", shm, 4, "shmem", "pte");
	if (file)
		vaddr_matches("file (ramfs page cache) shared", file, 4, "file", "pte");
	else
		result(false, "vaddr: a ramfs file to map: %s", strerror(errno));
	if (kpageflags(pfn_of(getpid(), thp)) >> KPF_THP & 1) {
		vaddr_matches("THP head", thp, 1, "anon", "pmd");
		vaddr_matches("THP tail 5", thp + 5 * PAGE, 1, "anon", "pmd");
		vaddr_matches("THP last page", thp + HPAGE - PAGE, 1, "anon", "pmd");
	} else {
		skip("vaddr THP: no transparent huge page was allocated");
	}
	child_stop(&c);
	/* what is not there: each a clear error, exit 7, and with --json one error document */
	snprintf(pid, sizeof(pid), "%d", getpid());
	snprintf(cmd, sizeof(cmd), "rmapctl vaddr %s 0x%lx > /tmp/vaddr.out 2>&1; test $? -eq 7 && "
		 "grep -q 'not present' /tmp/vaddr.out", pid, (unsigned long)untouched);
	result(system(cmd) == 0, "vaddr of a page never touched: exit 7, 'not present'");
	snprintf(cmd, sizeof(cmd), "rmapctl vaddr %s 0x1000 > /tmp/vaddr.out 2>&1; test $? -eq 7 && "
		 "grep -q 'not mapped' /tmp/vaddr.out", pid);
	result(system(cmd) == 0, "vaddr of an address with no mapping: exit 7, 'not mapped'");
	result(system("rmapctl vaddr 2147483646 0x1000 --json > /tmp/vaddr.out 2>/dev/null; test $? -eq 7 && "
		      "jq -e '.error.exit_code == 7' /tmp/vaddr.out > /dev/null") == 0,
	       "vaddr of no process: exit 7, one JSON error document");
	/* swapped out: the swap entry, as pagemap gives it */
	if (!strstr(slurp("/proc/swaps"), "/dev/")) {
		skip("vaddr of a swapped-out page: no swap device");
	} else {
		madvise(anon + PAGE, PAGE, MADV_PAGEOUT);
		e = 0;
		for (int i = 0; i < 50 && !(e >> 62 & 1); i++) {
			int pm = open("/proc/self/pagemap", O_RDONLY);

			if (pm >= 0 && pread(pm, &e, 8, (off_t)((unsigned long)(anon + PAGE) / PAGE * 8)) != 8)
				e = 0;
			if (pm >= 0)
				close(pm);
			if (!(e >> 62 & 1))
				usleep(100000);
		}
		if (!(e >> 62 & 1)) {
			skip("vaddr of a swapped-out page: MADV_PAGEOUT did not swap it out");
		} else {
			snprintf(cmd, sizeof(cmd), "rmapctl vaddr %s 0x%lx > /tmp/vaddr.out 2>&1; test $? -eq 7 && "
				 "grep -q 'swapped out (swap type %llu, offset 0x%llx)' /tmp/vaddr.out && "
				 "rmapctl vaddr %s 0x%lx --len 8K --json > /tmp/vaddr.json && jq -e '.pages[0].state == "
				 "\"present\" and .pages[1].state == \"swapped\" and .pages[1].swap_offset == %llu' "
				 "/tmp/vaddr.json > /dev/null", pid, (unsigned long)(anon + PAGE),
				 (unsigned long long)(e & 0x1f), (unsigned long long)((e & ((1ULL << 55) - 1)) >> 5), pid,
				 (unsigned long)anon, (unsigned long long)((e & ((1ULL << 55) - 1)) >> 5));
			result(system(cmd) == 0, "vaddr of a swapped-out page: exit 7 with pagemap's swap entry; in a "
			       "range, its state and swap entry");
		}
	}
	munmap(anon, 8 * PAGE);
	munmap(raw, 2 * HPAGE);
	munmap(shm, 4 * PAGE);
	munmap(untouched, PAGE);
	close(fd);
	if (file)
		munmap(file, 4 * PAGE);
	if (ffd >= 0) {
		close(ffd);
		unlink("/mnt/ram/vaddr");
	}
	umount("/mnt/ram");
}

/* --- pid: a process's pages, and with whom it shares them --- */

/*
 * rmapctl pid against every process's pagemap: an arena of 16 anonymous pages shared by fork with two children,
 * 8 shmem pages one child touched, and 8 anonymous pages made private again by writing them after the fork.
 * The pages shared with each process are what pagemap_owners() finds; the runs are those three.
 */
/*
 * pid over a THP shared with a child by fork: one run of 512 anon pages shared with the child, and the
 * child's 512 pages, as its pagemap gives them (the same PFNs at the same addresses).
 */
static void scenario_pid_thp(void)
{
	char *raw = map_anon(2 * HPAGE), *thp = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1)), cmd[1024];
	struct child c;
	int same = 0;

	madvise(thp, HPAGE, MADV_HUGEPAGE);
	fill(thp, HPAGE, 73);
	if (!(kpageflags(pfn_of(getpid(), thp)) & (1ULL << KPF_THP))) {
		skip("pid of a THP: no transparent huge page was allocated");
		munmap(raw, 2 * HPAGE);
		return;
	}
	touch_len = 0;
	child_start(&c, touch_step, NULL);
	for (int i = 0; i < 512; i++)
		same += pfn_of(c.pid, thp + i * PAGE) == pfn_of(getpid(), thp + i * PAGE);
	snprintf(cmd, sizeof(cmd), "rmapctl pid %d --range 0x%lx-0x%lx --json > /tmp/pidthp.json && "
		 "jq -e '.present == 512 and .shared == 512 and (.runs | length) == 1 and .runs[0].pages == 512 and "
		 ".runs[0].kind == \"anon\" and [.runs[0].shared_with[].pid] == [%d] and (.sharers | length) == 1 and "
		 ".sharers[0].pid == %d and .sharers[0].pages == %d and .sharers[0].anon == %d' /tmp/pidthp.json "
		 "> /dev/null || { head -c 800 /tmp/pidthp.json; echo; exit 1; }", getpid(), (unsigned long)thp,
		 (unsigned long)thp + HPAGE, c.pid, c.pid, same, same);
	result(same == 512 && system(cmd) == 0, "pid of a THP shared by fork: one run of 512 anon pages shared with "
	       "the child, its 512 pages as its pagemap gives them (%d the same)", same);
	child_stop(&c);
	munmap(raw, 2 * HPAGE);
}

/*
 * The oracle of `rmapctl pid`: for each of the @n pages at @addr, the other processes every process's pagemap
 * finds its PFN in; written to @path as "pid pages" lines, one per sharer.
 */
static void pid_oracle(char *addr, int n, const char *path)
{
	FILE *f = fopen(path, "w");
	long pids[64];
	uint64_t pages[64];
	size_t np = 0;

	for (int i = 0; i < n; i++) {
		struct owner *o;
		size_t no = pagemap_owners(pfn_of(getpid(), addr + (size_t)i * PAGE), &o), k;

		for (size_t j = 0; j < no; j++) {
			bool dup = o[j].pid == getpid();

			for (size_t m = 0; m < j && !dup; m++)
				dup = o[m].pid == o[j].pid;
			if (dup)
				continue;
			for (k = 0; k < np && pids[k] != o[j].pid; k++)
				;
			if (k == np && np < 64) {
				pids[np] = o[j].pid;
				pages[np++] = 0;
			}
			if (k < np)
				pages[k]++;
		}
		free(o);
	}
	for (size_t k = 0; k < np; k++)
		fprintf(f, "%ld %llu\n", pids[k], (unsigned long long)pages[k]);
	fclose(f);
}

/*
 * Page cache that is not shmem (ramfs): 8 pages mapped shared and 4 of them again privately, both inherited by
 * a child that reads them all; then 2 of the private ones written by us alone (copy on write: anon, private).
 * The child maps the same page-cache pages through its two vmas: one sharer, counted once per page of ours.
 */
static void scenario_pid_file(void)
{
	char *arena = mmap(NULL, 12 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), cmd[1200];
	int fd = -1, rc;
	struct child a;

	fd = ramfs_open("pid");
	if (arena == MAP_FAILED || fd < 0 || ftruncate(fd, 8 * PAGE) ||
	    mmap(arena, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) != arena ||
	    mmap(arena + 8 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) !=
	    arena + 8 * PAGE) {
		result(false, "pid of file pages: a ramfs file mapped shared and private");
		return;
	}
	fill(arena, 8 * PAGE, 79);
	for (int i = 8; i < 12; i++)
		(void)*(volatile char *)(arena + i * PAGE);	/* read: the page-cache page itself */
	/* fork copies no PTE of a file vma without an anon_vma (vma_needs_copy()): the child faults them in */
	touch_addr = arena;
	touch_len = 12 * PAGE;
	child_start(&a, touch_step, NULL);
	fill(arena + 8 * PAGE, 2 * PAGE, 83);	/* copy on write, after the fork: ours alone */
	pid_oracle(arena, 12, "/tmp/pidf.want");
	snprintf(cmd, sizeof(cmd), "rmapctl pid %d --range 0x%lx-0x%lx --json > /tmp/pidf.json && "
		 "jq -r '.sharers[] | \"\\(.pid) \\(.pages)\"' /tmp/pidf.json | sort > /tmp/pidf.got && "
		 "sort /tmp/pidf.want | cmp - /tmp/pidf.got && "
		 "jq -e '.present == 12 and .shared == 10 and .private == 2 and "
		 "[.runs[] | [.pages, .kind, [.shared_with[].pid]]] == [[8, \"file\", [%d]], [2, \"-\", []], "
		 "[2, \"file\", [%d]]] and .sharers[0].file == 10 and .sharers[0].anon == 0' /tmp/pidf.json "
		 "> /dev/null", getpid(), (unsigned long)arena, (unsigned long)arena + 12 * PAGE, a.pid, a.pid);
	rc = system(cmd);
	result(rc == 0, "pid of file pages: 8 shared and 2 private-clean page-cache pages shared with the child, 2 "
	       "copied on write private; each sharer's pages as every process's pagemap gives them");
	if (rc)
		(void)!system("cat /tmp/pidf.want; echo got:; cat /tmp/pidf.got; head -c 900 /tmp/pidf.json");
	child_stop(&a);
	munmap(arena, 12 * PAGE);
	close(fd);
	unlink("/mnt/ram/pid");
}

static void scenario_pid(void)
{
	char *arena = mmap(NULL, 32 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), cmd[1024];
	int fd = memfd_create("pid", 0);
	struct child a, b;
	int rc;

	if (arena == MAP_FAILED || fd < 0 || ftruncate(fd, 8 * PAGE) ||
	    mmap(arena, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != arena ||
	    mmap(arena + 16 * PAGE, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) !=
	    arena + 16 * PAGE || mmap(arena + 24 * PAGE, 8 * PAGE, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != arena + 24 * PAGE) {
		result(false, "pid: the arena's mappings");
		return;
	}
	madvise(arena, 32 * PAGE, MADV_NOHUGEPAGE);
	fill(arena, 16 * PAGE, 59);
	fill(arena + 16 * PAGE, 8 * PAGE, 61);
	fill(arena + 24 * PAGE, 8 * PAGE, 67);
	touch_addr = arena + 16 * PAGE;
	touch_len = 8 * PAGE;
	child_start(&a, touch_step, NULL);
	touch_len = 0;
	child_start(&b, touch_step, NULL);
	fill(arena + 24 * PAGE, 8 * PAGE, 71);	/* copy on write: ours alone again */
	pid_oracle(arena, 32, "/tmp/pid.want");
	snprintf(cmd, sizeof(cmd), "rmapctl pid %d --range 0x%lx-0x%lx --json > /tmp/pid.json && "
		 "jq -r '.sharers[] | \"\\(.pid) \\(.pages)\"' /tmp/pid.json | sort > /tmp/pid.got && "
		 "sort /tmp/pid.want | cmp - /tmp/pid.got && "
		 "jq -e '.present == 32 and .shared == 24 and .private == 8 and "
		 "[.runs[] | [.pages, .kind, [.shared_with[].pid]]] == [[16, \"anon\", [%d, %d]], [8, \"shmem\", [%d]], "
		 "[8, \"-\", []]]' /tmp/pid.json > /dev/null", getpid(), (unsigned long)arena,
		 (unsigned long)arena + 32 * PAGE, a.pid < b.pid ? a.pid : b.pid, a.pid < b.pid ? b.pid : a.pid, a.pid);
	rc = system(cmd);
	result(rc == 0, "pid: 32 pages: 16 anon shared with both children, 8 shmem with one, 8 private; each "
	       "sharer's pages as every process's pagemap gives them");
	if (rc)
		(void)!system("cat /tmp/pid.want; echo got:; cat /tmp/pid.got; head -c 600 /tmp/pid.json");
	result(system("rmapctl pid 2147483646 --json > /tmp/pid.out 2>/dev/null; test $? -eq 7 && "
		      "jq -e '.error.exit_code == 7' /tmp/pid.out > /dev/null") == 0,
	       "pid of no process: exit 7, one JSON error document");
	child_stop(&a);
	child_stop(&b);
	munmap(arena, 32 * PAGE);
	close(fd);
}

/* trace --stack: each zap of a munmap comes with the kernel stack it happened on, through munmap's unmap_vmas(). */
static void scenario_trace_zap_stack(void)
{
	static struct event ev[4 * TRACE_PAGES];
	char pid[16], cmd[512], *p = map_anon(TRACE_PAGES * PAGE);
	const char *args[] = { "--pid", pid, "--events", "zap", "--stack", NULL };
	bool ok;

	fill(p, TRACE_PAGES * PAGE, 29);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!trace_start(args)) {
		result(false, "trace-zap-stack: rmapctl trace --stack starts");
		munmap(p, TRACE_PAGES * PAGE);
		return;
	}
	munmap(p, TRACE_PAGES * PAGE);
	trace_stop("trace-zap-stack", ev, sizeof(ev) / sizeof(ev[0]));
	snprintf(cmd, sizeof(cmd), "jq -s -e --argjson pid %d --argjson n %d '[.[:-1][] | select(.event == \"zap\" "
		 "and .pid == $pid)] | length == $n and all(.stack | any(startswith(\"unmap_vmas+\")) and "
		 "any(test(\"munmap\")) and (.[0] | test(\"^(page_remove_rmap|folio_remove_rmap_ptes)\\\\+\")))' <"
		 TRACE_OUT " >/dev/null", getpid(), TRACE_PAGES);
	ok = system(cmd) == 0;
	result(ok, "trace-zap-stack: munmap of %d pages: each zap's stack starts in the rmap removal hook, and has "
	       "unmap_vmas() and munmap", TRACE_PAGES);
	if (!ok)
		printf("  %s", slurp(TRACE_OUT));
}

/*
 * A loss forced and counted: the consumer stopped (SIGSTOP) while more zaps than its 1 MiB ring holds happen,
 * then resumed. Every zap is either delivered or counted as lost to a full ring, to the event.
 */
#define RING_FULL_PAGES 32768

static void scenario_trace_ring_full(void)
{
	char pid[16], cmd[512], *p = map_anon((size_t)RING_FULL_PAGES * PAGE);
	const char *args[] = { "--pid", pid, "--events", "zap", "--buffer", "1", NULL };
	int status;
	bool ok;

	madvise(p, (size_t)RING_FULL_PAGES * PAGE, MADV_NOHUGEPAGE);
	fill(p, (size_t)RING_FULL_PAGES * PAGE, 23);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!trace_start(args)) {
		result(false, "trace-ring-full: rmapctl trace starts");
		munmap(p, (size_t)RING_FULL_PAGES * PAGE);
		return;
	}
	kill(tracer, SIGSTOP);
	/* stopped for sure before the zaps: SIGSTOP is delivered asynchronously */
	if (waitpid(tracer, &status, WUNTRACED) != tracer || !WIFSTOPPED(status)) {
		result(false, "trace-ring-full: the tracer stops on SIGSTOP");
		munmap(p, (size_t)RING_FULL_PAGES * PAGE);
		return;
	}
	munmap(p, (size_t)RING_FULL_PAGES * PAGE);
	kill(tracer, SIGCONT);
	sleep(1);
	kill(tracer, SIGTERM);
	waitpid(tracer, &status, 0);
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0, "trace-ring-full: rmapctl trace exits 0 on SIGTERM");
	/* this process does nothing else between the stop and the resume: every zap of its pid is one of those */
	snprintf(cmd, sizeof(cmd), "jq -s -e --argjson pid %d --argjson n %d "
		 "'.[-1].summary.lost_by_cause.ring_buffer_full as $lost | $lost > 0 and $lost == .[-1].summary.lost "
		 "and ([.[:-1][] | select(.event == \"zap\" and .pid == $pid)] | length) + $lost == $n' "
		 "<" TRACE_OUT " >/dev/null", getpid(), RING_FULL_PAGES);
	ok = system(cmd) == 0;
	result(ok, "trace-ring-full: %d zaps with the consumer stopped: each one delivered or counted lost to the "
	       "full ring", RING_FULL_PAGES);
	if (!ok)
		printf("  %s", slurp(TRACE_ERR));
}

/* A process that exits: its mm is torn down after it left it, and the zaps still name it. */
static void exit_step(int n, void *arg)
{
	if (n == 0)
		fill(arg, TRACE_PAGES * PAGE, 19);
	else
		_exit(0);
}

static void scenario_trace_exit_zap(void)
{
	static struct event ev[16 * TRACE_PAGES];
	char pid[16], *p = map_anon(TRACE_PAGES * PAGE);
	const char *args[] = { "--pid", pid, "--events", "zap", NULL };
	struct child c;
	int zaps = 0;
	size_t n;

	child_start(&c, exit_step, p);
	snprintf(pid, sizeof(pid), "%d", c.pid);
	if (!trace_start(args)) {
		result(false, "trace-exit-zap: rmapctl trace starts");
		child_stop(&c);
		munmap(p, TRACE_PAGES * PAGE);
		return;
	}
	child_finish(&c, 1);
	n = trace_stop("trace-exit-zap", ev, sizeof(ev) / sizeof(ev[0]));
	for (size_t k = 0; k < n; k++)
		zaps += !strcmp(ev[k].type, "zap") && ev[k].pid == c.pid && ev[k].addr >= (unsigned long)p &&
			ev[k].addr < (unsigned long)p + TRACE_PAGES * PAGE;
	result(zaps == TRACE_PAGES, "trace-exit-zap: a process exits: %d zap events in its %d pages name it", zaps,
	       TRACE_PAGES);
	munmap(p, TRACE_PAGES * PAGE);
}

struct remote_read {
	pid_t pid;
	void *remote;
	char *local;
	ssize_t got;
	int err;
};

/* Where trace-exit-zap-elsewhere is, for its watchdog: a stuck step fails the scenario, it does not hang it. */
static const char *volatile elsewhere_step = "start";

static void elsewhere_watchdog(int sig)
{
	char msg[160];
	int n = snprintf(msg, sizeof(msg), "FAIL: trace-exit-zap-elsewhere: stuck for 120 s at: %s\n", elsewhere_step);

	(void)sig;
	(void)!write(1, msg, (size_t)n);
	_exit(1);
}

static void *remote_reader(void *arg)
{
	struct remote_read *r = arg;
	struct iovec local = { r->local, PAGE }, remote = { r->remote, PAGE };

	r->got = process_vm_readv(r->pid, &local, 1, &remote, 1, 0);
	r->err = errno;
	return NULL;
}

/*
 * The last reference to an exiting process's mm dropped by another task, on purpose: a thread of ours holds the
 * child's mm in process_vm_readv() (mm_access()), stopped in a userfaultfd fault on its own buffer, while the
 * child exits; then the fault is resolved and that thread's mmput() tears the child's mm down. Its zaps run in
 * our thread, after exit_mm() cleared mm->owner: they must still name the child.
 */
static void scenario_trace_exit_zap_elsewhere(void)
{
	static struct event ev[16 * TRACE_PAGES];
	char pid[16], *p = map_anon(TRACE_PAGES * PAGE);
	const char *args[] = { "--pid", pid, "--events", "zap", NULL };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = { 0 };
	struct remote_read rr = { 0 };
	struct uffd_msg msg;
	struct pollfd pfd;
	struct child c;
	pthread_t t;
	int uffd, zaps = 0;
	size_t n;

	/* non-blocking: poll() on a blocking userfaultfd says POLLERR at once, and its read() may wait forever */
	uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		skip("trace-exit-zap-elsewhere: no userfaultfd here (%s)", strerror(errno));
		return;
	}
	if (process_vm_readv(getpid(), NULL, 0, NULL, 0, 0) < 0 && errno == ENOSYS) {
		skip("trace-exit-zap-elsewhere: no process_vm_readv() here (CONFIG_CROSS_MEMORY_ATTACH)");
		close(uffd);
		return;
	}
	rr.local = map_anon(PAGE);
	reg.range.start = (unsigned long)rr.local;
	reg.range.len = PAGE;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		result(false, "trace-exit-zap-elsewhere: UFFDIO_REGISTER: %s", strerror(errno));
		return;
	}
	elsewhere_step = "starting the child";
	child_start(&c, exit_step, p);
	rr.pid = c.pid;
	rr.remote = p;
	snprintf(pid, sizeof(pid), "%d", c.pid);
	if (!trace_start(args)) {
		result(false, "trace-exit-zap-elsewhere: rmapctl trace starts");
		child_stop(&c);
		return;
	}
	signal(SIGALRM, elsewhere_watchdog);
	alarm(180);
	elsewhere_step = "process_vm_readv() into the userfaultfd range";
	pthread_create(&t, NULL, remote_reader, &rr);
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	if (poll(&pfd, 1, 60000) != 1 || !(pfd.revents & POLLIN) || read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		result(false, "trace-exit-zap-elsewhere: process_vm_readv() did not stop in our fault handler "
		       "(revents 0x%x; the read %s: %zd, %s)", pfd.revents, rr.got || rr.err ? "returned" : "is on",
		       rr.got, strerror(rr.err));
		child_stop(&c);
		alarm(0);
		return;
	}
	elsewhere_step = "the child's exit";
	child_finish(&c, 1);
	elsewhere_step = "UFFDIO_ZEROPAGE";
	zero.range.start = (unsigned long)rr.local;
	zero.range.len = PAGE;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero))
		printf("  UFFDIO_ZEROPAGE: %s\n", strerror(errno));
	elsewhere_step = "process_vm_readv() finishing, and its mmput()";
	pthread_join(t, NULL);
	elsewhere_step = "stopping rmapctl trace";
	n = trace_stop("trace-exit-zap-elsewhere", ev, sizeof(ev) / sizeof(ev[0]));
	alarm(0);
	for (size_t k = 0; k < n; k++)
		zaps += !strcmp(ev[k].type, "zap") && ev[k].pid == c.pid && ev[k].addr >= (unsigned long)p &&
			ev[k].addr < (unsigned long)p + TRACE_PAGES * PAGE;
	result(rr.got == PAGE && zaps == TRACE_PAGES, "trace-exit-zap-elsewhere: an exited process's mm torn down "
	       "by another task: %d zap events in its %d pages name it (the read got %zd bytes)", zaps, TRACE_PAGES,
	       rr.got);
	close(uffd);
	munmap(rr.local, PAGE);
	munmap(p, TRACE_PAGES * PAGE);
}

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif

/*
 * Memory failure, injected (CONFIG_MEMORY_FAILURE): a child soft-offlines one page (the kernel migrates it,
 * reason memory_failure) and poisons another (the kernel unmaps it with TTU_HWPOISON, and may kill the child).
 */
static void poison_step(int n, void *arg)
{
	char *p = arg;

	if (n == 0)
		fill(p, 2 * PAGE, 17);
	else if (n == 1 && madvise(p, PAGE, MADV_SOFT_OFFLINE))
		printf("  madvise(MADV_SOFT_OFFLINE): %s\n", strerror(errno));
	else if (n == 2 && madvise(p + PAGE, PAGE, MADV_HWPOISON))
		printf("  madvise(MADV_HWPOISON): %s\n", strerror(errno));
}

static void scenario_trace_hwpoison(void)
{
	static struct event ev[64];
	char pid[16], *p;
	const char *args[] = { "--pid", pid, "--events", "migrate,unmap", NULL };
	uint64_t soft, soft_now, hard;
	int migrated = 0, poisoned = 0;
	struct child c;
	size_t n;

	if (access("/proc/sys/vm/memory_failure_early_kill", F_OK)) {
		skip("trace-hwpoison: this kernel has no CONFIG_MEMORY_FAILURE (Debian's 6.1 cloud kernel)");
		return;
	}
	p = map_anon(2 * PAGE);
	child_start(&c, poison_step, p);
	soft = pfn_of(c.pid, p);
	hard = pfn_of(c.pid, p + PAGE);
	snprintf(pid, sizeof(pid), "%d", c.pid);
	if (!trace_start(args)) {
		result(false, "trace-hwpoison: rmapctl trace starts");
		child_stop(&c);
		munmap(p, 2 * PAGE);
		return;
	}
	child_step(&c, 1);
	soft_now = pfn_of(c.pid, p);
	child_finish(&c, 2);	/* the poison may kill the child */
	n = trace_stop("trace-hwpoison", ev, sizeof(ev) / sizeof(ev[0]));
	munmap(p, 2 * PAGE);
	for (size_t k = 0; k < n; k++) {
		migrated += !strcmp(ev[k].type, "migrate") && ev[k].pfn == soft && ev[k].dst_pfn == soft_now &&
			    ev[k].moved && !strcmp(ev[k].reason, "memory_failure");
		poisoned += !strcmp(ev[k].type, "unmap") && ev[k].pfn == hard && ev[k].pid == c.pid &&
			    ev[k].addr == (unsigned long)(p + PAGE) && !strcmp(ev[k].reason, "memory-failure");
	}
	result(soft_now && soft_now != soft && migrated == 1,
	       "trace-hwpoison: MADV_SOFT_OFFLINE: one migrate event 0x%llx -> 0x%llx, reason memory_failure (%d)",
	       (unsigned long long)soft, (unsigned long long)soft_now, migrated);
	result(poisoned == 1, "trace-hwpoison: MADV_HWPOISON: one unmap event for pfn 0x%llx, reason memory-failure "
	       "(%d)", (unsigned long long)hard, poisoned);
}

/* Fault in and unmap @n private pages: each page goes through the rmap add and removal paths once. */
static double fault_unmap_seconds(int n)
{
	double t0 = now_s();
	char *p = map_anon((size_t)n * PAGE);

	madvise(p, (size_t)n * PAGE, MADV_NOHUGEPAGE);
	for (int i = 0; i < n; i++)
		p[(size_t)i * PAGE] = 1;
	munmap(p, (size_t)n * PAGE);
	return now_s() - t0;
}

/* The median of ROUNDS fault-and-unmap runs: TCG's timing noise is large, single runs mean little. */
static double fault_unmap_median(int n)
{
	enum { ROUNDS = 5 };
	double r[ROUNDS], t;

	for (int i = 0; i < ROUNDS; i++) {
		r[i] = fault_unmap_seconds(n);
		for (int k = i; k > 0 && r[k - 1] > r[k]; k--) {
			t = r[k];
			r[k] = r[k - 1];
			r[k - 1] = t;
		}
	}
	return r[ROUNDS / 2];
}

/*
 * What tracing costs the traced: the same fault-and-unmap loop with no tracer (before and after), with the
 * default events (the removal hook runs on every unmap and filters out zaps), and with zaps streamed, in one
 * boot.
 */
static void scenario_trace_bench(void)
{
	enum { N = 4096 };
	static struct event ev[1];
	const char *def[] = { "--events", "migrate,unmap", NULL }, *zap[] = { "--events", "migrate,unmap,zap", NULL };
	double off, with_def, with_zap;

	off = fault_unmap_median(N);
	if (!trace_start(def)) {
		result(false, "trace-bench: rmapctl trace starts");
		return;
	}
	with_def = fault_unmap_median(N);
	trace_stop("trace-bench (default events)", ev, 0);
	if (!trace_start(zap)) {
		result(false, "trace-bench: rmapctl trace --events ...,zap starts");
		return;
	}
	with_zap = fault_unmap_median(N);
	trace_stop("trace-bench (zap events streamed)", ev, 0);
	off = (off + fault_unmap_median(N)) / 2;
	printf("bench: fault+unmap of %d pages, median of 5: untraced %.1f us/page; traced, default events: "
	       "ratio %.2f; traced with zap events streamed: ratio %.2f\n", N, off / N * 1e6, with_def / off,
	       with_zap / off);
	result(off > 0, "trace-bench: tracing overhead measured: ratio %.2f (default events), %.2f (zap streamed) "
	       "to untraced", with_def / off, with_zap / off);
}

/* rmapctl ARGS into *@out (freeing what it held, "" if it could not run); the exit code. */
static int rmapctl_into(char **out, const char *args)
{
	int rc;

	free(*out);
	*out = rmapctl_output(args, &rc);
	if (!*out) {
		*out = strdup("");
		rc = -1;
	}
	return rc;
}

static void scenario_trace_record(void)
{
	char *out = NULL;
	struct child c[2];
	char args[64], want[64], *p;
	const char *now_part, *hop1, *hop2;
	uint64_t old, mid, now;
	int rc, moved, mappers = 0;

	snprintf(args, sizeof(args), "record start --attach %s", getenv("TRACE_ATTACH") ?: "auto");
	rc = rmapctl_into(&out, args);
	result(rc == 0, "trace-record: rmapctl %s (exit %d)", args, rc);
	if (rc) {
		printf("%s", out);
		free(out);
		return;
	}
	p = map_anon(PAGE);
	fill(p, PAGE, 5);
	for (int i = 0; i < 2; i++)
		child_start(&c[i], NULL, NULL);
	/* two moves, there and back: the history must follow both */
	old = pfn_of(getpid(), p);
	moved = move_to_other_node(p, 1, MPOL_MF_MOVE_ALL);
	mid = pfn_of(getpid(), p);
	moved += move_to_other_node(p, 1, MPOL_MF_MOVE_ALL);
	now = pfn_of(getpid(), p);
	snprintf(args, sizeof(args), "pfn 0x%llx --history --json", (unsigned long long)old);
	rc = rmapctl_into(&out, args);
	hop1 = strstr(out, "\"event\":\"migrate\"");
	hop2 = hop1 ? strstr(hop1 + 1, "\"event\":\"migrate\"") : NULL;
	now_part = strstr(out, "\"now\":");
	for (int i = 0; i < 2 && now_part; i++) {
		char pid[32];

		snprintf(pid, sizeof(pid), "\"pid\":%d,", c[i].pid);
		mappers += strstr(now_part, pid) != NULL;
	}
	result(rc == 0 && moved == 2 && old != mid && mid != now && hop1 && hop2 && json_u64(hop1, "pfn") == old &&
	       json_u64(hop1, "dst_pfn") == mid && json_u64(hop2, "pfn") == mid && json_u64(hop2, "dst_pfn") == now &&
	       json_u64(out, "now_pfn") == now,
	       "trace-record: pfn 0x%llx --history follows both migrations, 0x%llx -> 0x%llx -> 0x%llx",
	       (unsigned long long)old, (unsigned long long)old, (unsigned long long)mid, (unsigned long long)now);
	result(rc == 0 && now_part && mappers == 2 && json_u64(now_part, "pfn") == now,
	       "trace-record: --history then reports the current PFN and its mappers (the 2 children found: %d)",
	       mappers);
	if (!hop2 || mappers != 2)
		printf("%s\n", out);
	/* the same for a person: the events, where the contents are now, and who maps them there */
	snprintf(args, sizeof(args), "pfn 0x%llx --history", (unsigned long long)old);
	rc = rmapctl_into(&out, args);
	snprintf(want, sizeof(want), "-> 0x%llx order 0 reason syscall", (unsigned long long)mid);
	result(rc == 0 && strstr(out, "history of pfn") && strstr(out, want) && strstr(out, "verdict complete"),
	       "trace-record: pfn --history, human: names the move (%s) and reports the mappings", want);
	printf("%s", out);
	rc = rmapctl_into(&out, "record status");
	result(rc == 0 && strstr(out, "running") && strstr(out, "memory:"), "trace-record: record status says it runs "
	       "and what it costs");
	printf("%s", out);
	rc = rmapctl_into(&out, "record start");
	result(rc == 1 && strstr(out, "already running"), "trace-record: a second record start is refused (exit %d)", rc);
	rc = rmapctl_into(&out, "record stop");
	result(rc == 0 && access("/sys/fs/bpf/rmap_probe", F_OK), "trace-record: record stop removes the pins");
	rc = rmapctl_into(&out, args);
	result(rc == 1 && strstr(out, "not running"), "trace-record: --history without the recorder says so (exit %d)", rc);
	for (int i = 0; i < 2; i++)
		child_stop(&c[i]);
	munmap(p, PAGE);
	free(out);
}

/* explain: its predictions, each checked against what the kernel then did (move_pages(), MADV_PAGEOUT). */

/* The node @p's page is on, or -1. */
static int node_of(void *p)
{
	int status = -1;

	if (syscall(SYS_move_pages, 0, 1, &p, NULL, &status, 0))
		return -1;
	return status;
}

/* Ask move_pages() to move @p's page to the other node; the node it is on afterwards. */
static int try_move(void *p)
{
	int from = node_of(p), to = from == 0 ? 1 : 0, status;

	syscall(SYS_move_pages, 0, 1, &p, &to, &status, MPOL_MF_MOVE);
	return node_of(p);
}

/*
 * Empty every CPU's LRU batches (a freshly faulted page waits in one, holding a reference, until it fills):
 * move_pages() drains them all (lru_cache_disable()) before it migrates. @scratch is moved for it.
 */
static void drain_lru_batches(void *scratch)
{
	try_move(scratch);
}

/* rmapctl explain --json PFN, tested by jq's expression @expr; true if it holds. */
static bool explain_holds(uint64_t pfn, const char *expr)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rmapctl explain --json 0x%llx > /tmp/explain.json 2>&1 && "
		 "jq -e '%s' /tmp/explain.json > /dev/null || { cat /tmp/explain.json; echo; exit 1; }",
		 (unsigned long long)pfn, expr);
	return system(cmd) == 0;
}

static int io_uring_setup_(unsigned int entries, struct io_uring_params *p)
{
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int io_uring_register_(int fd, unsigned int op, void *arg, unsigned int nr)
{
	return (int)syscall(__NR_io_uring_register, fd, op, arg, nr);
}

/*
 * The memory block holding the pinned page at @pfn: explain --block predicts "no", naming the page and this
 * process, and offlining the block does not succeed (the kernel retries the migration until a signal: the
 * write is interrupted after a while, or refused at once if the block holds unmovable pages too).
 */
static void explain_block_of_pin(uint64_t pfn)
{
	const char *size = read_str("/sys/devices/system/memory/block_size_bytes");
	unsigned long long block_pages = strtoull(size, NULL, 16) / PAGE, block;
	char cmd[1024];

	if (!block_pages) {
		skip("explain --block of a pinned page: no memory blocks (CONFIG_MEMORY_HOTPLUG)");
		return;
	}
	block = pfn / block_pages;
	snprintf(cmd, sizeof(cmd), "rmapctl explain --block %llu --json > /tmp/explain-block.json && jq -e "
		 "'.verdict == \"no\" and any(.blockers[]; .reason == \"dma-pinned\" and any(.examples[]; "
		 ".pfn == %llu and .owner.pid == %d))' /tmp/explain-block.json > /dev/null || "
		 "{ head -c 1500 /tmp/explain-block.json; echo; exit 1; }", block, (unsigned long long)pfn, getpid());
	result(system(cmd) == 0, "explain --block %llu: offline 'no', naming the pinned page 0x%llx and pid %d",
	       block, (unsigned long long)pfn, getpid());
	/* pinned alone, the kernel retries until the signal (timeout's exit 124); with unmovable pages, EBUSY */
	snprintf(cmd, sizeof(cmd), "only_pin=$(jq '[.blockers[].reason] == [\"dma-pinned\"]' /tmp/explain-block.json); "
		 "timeout -s INT 15 sh -c 'echo offline > /sys/devices/system/memory/memory%llu/state' 2>/dev/null; "
		 "rc=$?; state=$(cat /sys/devices/system/memory/memory%llu/state); "
		 "echo \"  offline of block %llu: exit $rc, state $state, held by the pin alone: $only_pin\"; "
		 "[ \"$state\" = online ] && { [ $rc -eq 124 ] || { [ $rc -ne 0 ] && [ $only_pin = false ]; }; }",
		 block, block, block);
	result(system(cmd) == 0, "... and offlining block %llu does not succeed (interrupted, if the pin alone held "
	       "it); it stays online", block);
}

/*
 * A page registered as an io_uring fixed buffer is pinned (FOLL_PIN | FOLL_LONGTERM: 1024 references on a
 * small folio): explain says migrate "no, DMA-pinned" with those 1024 extra references, and move_pages()
 * leaves it where it is; a page beside it that nothing pins is predicted to move, and moves. Unregistered,
 * the pinned page is predicted to move, and moves.
 */
/* explain-pin given up half-way: the recorder stopped, and the tracer if it runs. */
static void explain_pin_abandon(bool tracing)
{
	system("rmapctl record stop > /dev/null 2>&1");
	if (tracing) {
		kill(tracer, SIGTERM);
		waitpid(tracer, NULL, 0);
	}
}

static void scenario_explain_pin(void)
{
	char *p = map_anon(3 * PAGE), *pinned = p, *free_ = p + PAGE, *scratch = p + 2 * PAGE;
	struct io_uring_params params;
	struct iovec iov = { .iov_base = pinned, .iov_len = PAGE };
	char expr[512], cmd[1024], pid[16];
	const char *trace_args[] = { "--pid", pid, "--events", "pin", "--stack", NULL };
	uint64_t pfn, pfn_free;
	int ring, before;
	bool recording, tracing;

	fill(p, 3 * PAGE, 61);
	/* on node 1 (no CPU's node: little kernel memory), its memory block is likelier held by the pin alone */
	try_move(pinned);
	/* the flight recorder, to name who pins it (long-term pins are among its default events) */
	recording = system("rmapctl record stop > /dev/null 2>&1; rmapctl record start > /tmp/record.out 2>&1 && "
			    "grep -q 'started: .*pin' /tmp/record.out") == 0;
	result(recording, "explain-pin: the flight recorder starts, pins among its events");
	/* and a trace of this process's pins, with their stacks */
	snprintf(pid, sizeof(pid), "%d", getpid());
	tracing = trace_start(trace_args);
	result(tracing, "explain-pin: rmapctl trace --events pin --stack starts");
	memset(&params, 0, sizeof(params));
	ring = io_uring_setup_(4, &params);
	if (ring < 0) {
		skip("explain of an io_uring fixed buffer: io_uring_setup: %s", strerror(errno));
		explain_pin_abandon(tracing);
		return;
	}
	if (io_uring_register_(ring, IORING_REGISTER_BUFFERS, &iov, 1)) {
		skip("explain of an io_uring fixed buffer: IORING_REGISTER_BUFFERS: %s", strerror(errno));
		explain_pin_abandon(tracing);
		close(ring);
		return;
	}
	drain_lru_batches(scratch);
	pfn = pfn_of(getpid(), pinned);
	pfn_free = pfn_of(getpid(), free_);
	result(explain_holds(pfn, ".answers.migrate.answer == \"no\" and .answers.migrate.reason == \"dma-pinned\" "
			     "and .report.hold.extra == 1024 and .report.hold.dma_pinned and "
			     ".answers.offline.reason == \"dma-pinned\" and .answers.reclaim.reason == \"dma-pinned\""),
	       "explain of an io_uring fixed buffer: migrate, reclaim and offline 'no, DMA-pinned', 1024 extra "
	       "references (one pin)");
	snprintf(expr, sizeof(expr), ".answers.migrate.detail | test(\"mapped by pid %d \")", getpid());
	result(explain_holds(pfn, expr), "... naming the process that maps it (pid %d)", getpid());
	/* the recorder saw the pin: this process, long-term, through io_uring_register(2) */
	snprintf(expr, sizeof(expr), ".pinned_by.pid == %d and .pinned_by.comm == \"rmaptest\" and .pinned_by.longterm "
		 "and (.pinned_by.stack | join(\" \") | test(\"io_uring_register\")) and (.answers.migrate.detail | "
		 "test(\"pinned by pid %d \\\\(rmaptest\\\\) [0-9]+ s ago, long-term via .*io_uring_register\"))",
		 getpid(), getpid());
	result(recording && explain_holds(pfn, expr), "... and, recorder on, who pinned it: pid %d (rmaptest), long-term, "
	       "via io_uring_register", getpid());
	before = node_of(pinned);
	result(before >= 0 && try_move(pinned) == before, "... and move_pages() leaves it on node %d", before);
	result(explain_holds(pfn_free, ".answers.migrate.answer == \"yes\" and .report.hold.extra == 0"),
	       "explain of the unpinned page beside it: migrate 'yes', no extra references");
	before = node_of(free_);
	result(before >= 0 && try_move(free_) != before, "... and move_pages() moves it off node %d", before);
	explain_block_of_pin(pfn);
	if (io_uring_register_(ring, IORING_UNREGISTER_BUFFERS, NULL, 0)) {
		result(false, "IORING_UNREGISTER_BUFFERS: %s", strerror(errno));
		explain_pin_abandon(tracing);
		close(ring);
		return;
	}
	drain_lru_batches(scratch);
	result(explain_holds(pfn, ".answers.migrate.answer == \"yes\" and .report.hold.extra == 0 and "
			     "(.report.hold.dma_pinned | not)"),
	       "explain after IORING_UNREGISTER_BUFFERS: migrate 'yes', no extra references");
	before = node_of(pinned);
	result(before >= 0 && try_move(pinned) != before, "... and move_pages() moves it off node %d", before);
	if (tracing) {
		static struct event ev[64];
		size_t n = trace_stop("explain-pin trace", ev, 64), pins = 0, unpins = 0;

		for (size_t i = 0; i < n; i++) {
			pins += !strcmp(ev[i].type, "pin") && ev[i].pfn == pfn && ev[i].addr == (unsigned long)pinned &&
				ev[i].pid == getpid();
			unpins += !strcmp(ev[i].type, "unpin") && ev[i].pfn == pfn && pins;
		}
		result(pins == 1 && unpins >= 1 && system("grep '\"event\":\"pin\"' " TRACE_OUT " | head -1 | "
							  "grep -q 'io_uring_register'") == 0,
		       "trace --events pin: the pin of 0x%llx at its address by pid %d, with its stack (io_uring_register), "
		       "then its unpin (%zu pins, %zu unpins)", (unsigned long long)pfn, getpid(), pins, unpins);
	}
	/* the recorder kept the pin and the unpin, in that order, with their stacks */
	snprintf(cmd, sizeof(cmd), "rmapctl pfn --history --json 0x%llx > /tmp/pin-history.json && jq -e "
		 "'[.history[] | select(.event == \"pin\" or .event == \"unpin\") | .event] as $e | "
		 "($e | index(\"pin\")) != null and ($e | rindex(\"unpin\")) > ($e | index(\"pin\")) and "
		 "([.history[] | select(.event == \"pin\")][0] | .pid == %d and .longterm and (.stack | length) > 0)' "
		 "/tmp/pin-history.json > /dev/null || { head -c 2000 /tmp/pin-history.json; echo; exit 1; }",
		 (unsigned long long)pfn, getpid());
	result(recording && system(cmd) == 0, "pfn --history shows the pin (pid %d, long-term, its stack) and then the "
	       "unpin", getpid());
	system("rmapctl record stop > /dev/null 2>&1");
	close(ring);
	munmap(p, 3 * PAGE);
}

/*
 * A small page mapped 1100 times holds more than GUP_PIN_COUNTING_BIAS references without any pin, where
 * folio_maybe_dma_pinned() would call it pinned: explain must say migrate "yes", nothing extra, and
 * move_pages(MPOL_MF_MOVE_ALL) must move it.
 */
static void scenario_explain_many_maps(void)
{
	enum { N = 1100 };
	static char *maps[N];
	int fd = memfd_create("explain-many", 0), n = 0, before, to, status = -1;
	uint64_t pfn;
	void *page;

	if (fd < 0 || ftruncate(fd, PAGE)) {
		result(false, "explain-many-maps: memfd");
		return;
	}
	for (n = 0; n < N; n++) {
		maps[n] = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (maps[n] == MAP_FAILED)
			break;
		*(volatile char *)maps[n] = 1;
	}
	if (n < N) {
		result(false, "explain-many-maps: only %d mappings", n);
	} else {
		drain_lru_batches(maps[0]);
		pfn = pfn_of(getpid(), maps[0]);
		result(explain_holds(pfn, ".report.refcount > 1024 and .report.hold.mapped == 1100 and "
				     ".report.hold.extra == 0 and (.report.hold.dma_pinned | not) and "
				     ".answers.migrate.answer == \"yes\""),
		       "explain of a page mapped 1100 times (refcount over 1024, no pin): not DMA-pinned, migrate 'yes'");
		page = maps[0];
		before = node_of(page);
		to = before == 0 ? 1 : 0;
		syscall(SYS_move_pages, 0, 1, &page, &to, &status, MPOL_MF_MOVE_ALL);
		result(node_of(page) == to, "... and move_pages(MPOL_MF_MOVE_ALL) moves it (node %d, status %d)",
		       node_of(page), status);
	}
	while (n-- > 0)
		munmap(maps[n], PAGE);
	close(fd);
}

/*
 * A THP registered whole as a fixed buffer: io_uring pins its 512 pages (and from 6.12 coalesces them into
 * one folio's pin, unpinning the tail pages at once): the head, a tail and the last page are each DMA-pinned,
 * and the recorder's account of the folio names this process for every one of them. Unregistered, each moves.
 */
static void scenario_explain_pin_thp(void)
{
	char *raw = map_anon(2 * HPAGE), *thp = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	static const int idx[] = { 0, 5, 511 };
	struct io_uring_params params;
	struct iovec iov = { .iov_base = thp, .iov_len = HPAGE };
	char expr[512];
	int ring;

	madvise(thp, HPAGE, MADV_HUGEPAGE);
	fill(thp, HPAGE, 71);
	if (!(kpageflags(pfn_of(getpid(), thp)) & (1ULL << KPF_THP))) {
		skip("explain of a THP fixed buffer: no transparent huge page was allocated");
		munmap(raw, 2 * HPAGE);
		return;
	}
	memset(&params, 0, sizeof(params));
	ring = io_uring_setup_(4, &params);
	if (ring < 0 || system("rmapctl record stop > /dev/null 2>&1; rmapctl record start > /dev/null 2>&1")) {
		skip("explain of a THP fixed buffer: %s", ring < 0 ? "no io_uring" : "no flight recorder");
		if (ring >= 0)
			close(ring);
		munmap(raw, 2 * HPAGE);
		return;
	}
	if (io_uring_register_(ring, IORING_REGISTER_BUFFERS, &iov, 1)) {
		skip("explain of a THP fixed buffer: IORING_REGISTER_BUFFERS: %s", strerror(errno));
	} else {
		for (size_t k = 0; k < sizeof(idx) / sizeof(idx[0]); k++) {
			snprintf(expr, sizeof(expr), ".answers.migrate.reason == \"dma-pinned\" and "
				 ".report.hold.pincount > 0 and .pinned_by.pid == %d and .pinned_by.recorded_pins == "
				 ".report.hold.pincount and (.pinned_by.maybe_stale | not) and (.pinned_by.exited | not)",
				 getpid());
			result(explain_holds(pfn_of(getpid(), thp + idx[k] * PAGE), expr),
			       "explain of page %d of a THP fixed buffer: DMA-pinned (the folio's pincount), pinned by "
			       "pid %d, the recorder's count of the folio's pins the kernel's", idx[k], getpid());
		}
		io_uring_register_(ring, IORING_UNREGISTER_BUFFERS, NULL, 0);
		result(explain_holds(pfn_of(getpid(), thp + 5 * PAGE), ".answers.migrate.answer != \"no\" and "
				     "(.report.hold.dma_pinned | not) and .pinned_by == null"),
		       "... unregistered: page 5 is pinned no more, and no pinner is named");
	}
	system("rmapctl record stop > /dev/null 2>&1");
	close(ring);
	munmap(raw, 2 * HPAGE);
}

/* Whether @p's page is present (pagemap): MADV_PAGEOUT took it when it is not. */
static bool present(void *p)
{
	return pfn_of(getpid(), p) != 0;
}

/*
 * An mlocked page: explain says reclaim "no, mlocked by" this process, and MADV_PAGEOUT leaves it. A page
 * beside it, not locked: explain says "yes" with swap free ("no, no swap" without), and MADV_PAGEOUT takes
 * it (leaves it).
 */
static void scenario_explain_mlock(void)
{
	char *p = map_anon(3 * PAGE), *locked = p, *plain = p + PAGE, *scratch = p + 2 * PAGE;
	char expr[256];
	bool swap = strstr(slurp("/proc/swaps"), "/dev/") != NULL;
	uint64_t pfn;

	fill(p, 3 * PAGE, 67);
	if (mlock(locked, PAGE)) {
		result(false, "explain-mlock: mlock: %s", strerror(errno));
		return;
	}
	drain_lru_batches(scratch);
	pfn = pfn_of(getpid(), locked);
	snprintf(expr, sizeof(expr), ".answers.reclaim.answer == \"no\" and .answers.reclaim.reason == \"mlocked\" "
		 "and (.answers.reclaim.detail | test(\"mlocked by pid %d \")) and .answers.migrate.answer == "
		 "\"yes\"", getpid());
	result(explain_holds(pfn, expr), "explain of an mlocked page: reclaim 'no, mlocked by pid %d', migrate "
	       "'yes'", getpid());
	madvise(locked, PAGE, MADV_PAGEOUT);
	result(present(locked) && pfn_of(getpid(), locked) == pfn, "... and MADV_PAGEOUT leaves it");
	pfn = pfn_of(getpid(), plain);
	result(explain_holds(pfn, swap ? ".answers.reclaim.answer == \"yes\"" :
			     ".answers.reclaim.answer == \"no\" and .answers.reclaim.reason == \"no-swap\""),
	       "explain of the page beside it, not locked: reclaim '%s'", swap ? "yes" : "no, no swap");
	madvise(plain, PAGE, MADV_PAGEOUT);
	for (int i = 0; i < 20 && swap && present(plain); i++)
		usleep(100000);
	result(present(plain) != swap, "... and MADV_PAGEOUT %s", swap ? "takes it" : "leaves it");
	munlock(locked, PAGE);
	munmap(p, 3 * PAGE);
}

/*
 * The walk's cost in the report: an anon page shared by fork with three children is found through four
 * anon_vma_chains of one tree (parent's and each child's vma, anon_vma_fork()), and its longest lock hold is
 * the anon_vma lock's (a page-table lock's only by clock skew); a ramfs page mapped by 100 vmas of one process
 * costs 100 vmas and at least as many tree nodes, under the folio lock the file walk holds throughout; a page
 * of an anon region split into 1000 vmas (one anon_vma tree of 1000 chains) is found in one vma after a search
 * of the tree's height, not of its size. pfn -v says the same in words.
 */
static void scenario_walk_cost(void)
{
	enum { CHILDREN = 3, FILE_MAPS = 100 };
	char *p = map_anon(PAGE), *maps[FILE_MAPS], cmd[1024];
	struct child c[CHILDREN];
	int fd = -1, n = 0;

	fill(p, PAGE, 89);
	for (int i = 0; i < CHILDREN; i++)
		child_start(&c[i], NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rmapctl pfn %llu --json > /tmp/cost.json && jq -e '.verdict == \"complete\" and "
		 "(.mappings | length) == 4 and .cost.vmas == 4 and .cost.nodes >= 4 and .cost.tables >= 4 and "
		 "(.cost.longest_lock == \"anon_vma\" or .cost.longest_lock == \"ptl\") and "
		 "(.cost | has(\"longest_ptl_ns\"))' "
		 "/tmp/cost.json > /dev/null || { cat /tmp/cost.json; exit 1; }",
		 (unsigned long long)pfn_of(getpid(), p));
	result(system(cmd) == 0, "walk cost of an anon page shared with 3 children: 4 tree nodes at least, 4 vmas, "
	       "a lock hold of the anon_vma or a page table");
	snprintf(cmd, sizeof(cmd), "rmapctl pfn -v %llu | grep -E '^  walk cost: [0-9]+ tree nodes, 4 vmas, [0-9]+ "
		 "page-table locks, [0-9]+ attempts?; longest lock hold (anon_vma|ptl) [0-9.]+ us, page-table lock "
		 "[0-9.]+ us$' > /dev/null",
		 (unsigned long long)pfn_of(getpid(), p));
	result(system(cmd) == 0, "pfn -v: the walk's cost in one line");
	for (int i = 0; i < CHILDREN; i++)
		child_stop(&c[i]);
	munmap(p, PAGE);

	fd = ramfs_open("cost");
	if (fd < 0 || ftruncate(fd, PAGE)) {
		result(false, "walk cost: a ramfs file");
		return;
	}
	for (; n < FILE_MAPS; n++) {
		maps[n] = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (maps[n] == MAP_FAILED)
			break;
		(void)*(volatile char *)maps[n];
	}
	snprintf(cmd, sizeof(cmd), "rmapctl pfn %llu --json > /tmp/cost.json && jq -e '.verdict == \"complete\" and "
		 ".kind == \"file\" and (.mappings | length) == %d and .cost.nodes >= %d and .cost.vmas == %d and "
		 ".cost.longest_lock == \"folio\"' /tmp/cost.json > /dev/null || "
		 "{ head -c 600 /tmp/cost.json; exit 1; }", (unsigned long long)pfn_of(getpid(), maps[0]), FILE_MAPS,
		 FILE_MAPS, FILE_MAPS);
	result(n == FILE_MAPS && system(cmd) == 0, "walk cost of a file page mapped by %d vmas: %d tree nodes at "
	       "least, %d vmas, the longest hold the folio lock's", FILE_MAPS, FILE_MAPS, FILE_MAPS);
	while (n--)
		munmap(maps[n], PAGE);
	close(fd);
	unlink("/mnt/ram/cost");

	/* an rbtree of 1000 nodes is at most 2 log2(1001) < 20 high: down to the match, then up to the root */
	p = map_anon(1000 * PAGE);
	madvise(p, 1000 * PAGE, MADV_NOHUGEPAGE);
	fill(p, 1000 * PAGE, 97);
	for (int i = 1; i < 1000; i += 2)
		mprotect(p + i * PAGE, PAGE, PROT_READ);
	snprintf(cmd, sizeof(cmd), "rmapctl pfn %llu --json > /tmp/cost.json && jq -e '.verdict == \"complete\" and "
		 ".cost.vmas == 1 and .cost.nodes >= 2 and .cost.nodes <= 40' /tmp/cost.json > /dev/null || "
		 "{ cat /tmp/cost.json; exit 1; }", (unsigned long long)pfn_of(getpid(), p + 500 * PAGE));
	result(system(cmd) == 0, "walk cost of a page in an anon_vma tree of 1000 vmas: one vma, a search of the "
	       "tree's height (2 to 40 nodes)");
	munmap(p, 1000 * PAGE);
}

/*
 * A process name of any bytes: the report escapes all but printable ASCII as \ooo (the kernel's isprint()
 * passes Latin-1's 0xa0-0xff, which let half of a UTF-8 name through raw: failed on 10ba5f8's module), and
 * rmapctl's JSON gives the bytes back, an invalid one as U+FFFD.
 */
static void name_step(int n, void *arg)
{
	(void)arg;
	if (n == 0)
		prctl(PR_SET_NAME, "caf\xc3\xa9 x\x85=");
}

static void scenario_comm_bytes(void)
{
	char *p = map_anon(PAGE), req[32], out[8192], cmd[512];
	struct child c;
	uint64_t pfn;

	fill(p, PAGE, 101);
	child_start(&c, name_step, NULL);
	pfn = pfn_of(c.pid, p);
	snprintf(req, sizeof(req), "%llu", (unsigned long long)pfn);
	result(raw_query(req, strlen(req), out, sizeof(out)) == 0 &&
	       strstr(out, " comm=caf\\303\\251\\040x\\205\\075 vaddr=") != NULL,
	       "a name of UTF-8, a space, an invalid byte and '=': every byte outside printable ASCII escaped");
	snprintf(cmd, sizeof(cmd), "rmapctl pfn %llu --json | jq -e '[.mappings[].comm] | index(\"caf\u00e9 "
		 "x\ufffd=\") != null' > /dev/null", (unsigned long long)pfn);
	result(system(cmd) == 0, "rmapctl's JSON gives the name back: UTF-8 kept, the invalid byte U+FFFD");
	child_stop(&c);
	munmap(p, PAGE);
}

static const struct scenario {
	const char *name, *group;	/* group: which guest script runs it */
	void (*fn)(void);
} scenarios[] = {
	{ "anon", "oracle", scenario_anon_private },
	{ "cow", "oracle", scenario_anon_fork_cow },
	{ "mremap", "oracle", scenario_mremap },
	{ "shmem-shared", "oracle", scenario_shmem_shared },
	{ "file-private", "oracle", scenario_file_private_tmpfs },
	{ "memfd", "oracle", scenario_memfd },
	{ "thp", "oracle", scenario_thp },
	{ "ksm", "oracle", scenario_ksm },
	{ "ksm-leader-exit", "oracle", scenario_ksm_leader_exit },
	{ "ksm-fork", "oracle", scenario_ksm_fork },
	{ "hugetlb", "oracle", scenario_hugetlb },
	{ "hugetlb-shared-pmd", "oracle", scenario_hugetlb_shared_pmd },
	{ "many", "oracle", scenario_many },
	{ "mthp", "oracle", scenario_mthp },
	{ "large-file", "oracle", scenario_large_file },
	{ "walk-cost", "oracle", scenario_walk_cost },
	{ "comm-bytes", "oracle", scenario_comm_bytes },
	{ "hostile", "hostile", scenario_hostile },
	{ "zero", "hostile", scenario_zero },
	{ "many-opens", "hostile", scenario_many_opens },
	{ "sweep", "hostile", scenario_sweep },
	{ "fuzz", "hostile", scenario_fuzz },
	{ "fault-inject", "hostile", scenario_fault_inject },
	{ "race", "stress", scenario_race },
	{ "ksm-churn", "stress", scenario_ksm_churn },
	{ "range-batch", "entry", scenario_range_batch },
	{ "range-all", "entry", scenario_range_all },
	{ "vaddr", "entry", scenario_vaddr },
	{ "pid", "entry", scenario_pid },
	{ "pid-thp", "entry", scenario_pid_thp },
	{ "pid-file", "entry", scenario_pid_file },
	{ "explain-pin", "explain", scenario_explain_pin },
	{ "explain-pin-thp", "explain", scenario_explain_pin_thp },
	{ "explain-mlock", "explain", scenario_explain_mlock },
	{ "explain-many-maps", "explain", scenario_explain_many_maps },
	{ "trace-move", "trace", scenario_trace_move },
	{ "trace-move-all", "trace", scenario_trace_move_all },
	{ "trace-pageout", "trace", scenario_trace_pageout },
	{ "trace-zap", "trace", scenario_trace_zap },
	{ "trace-zap-stack", "trace", scenario_trace_zap_stack },
	{ "trace-ring-full", "trace", scenario_trace_ring_full },
	{ "trace-exit-zap", "trace", scenario_trace_exit_zap },
	{ "trace-exit-zap-elsewhere", "trace", scenario_trace_exit_zap_elsewhere },
	{ "trace-hwpoison", "trace", scenario_trace_hwpoison },
	{ "trace-record", "trace", scenario_trace_record },
	{ "trace-bench", "bench", scenario_trace_bench },
};

/*
 * A flight recorder as another rmapctl version would leave it: a history map whose values are 4 KiB larger
 * than this version's struct rmp_history, pinned where rmapctl looks, with an entry for @pfn (its bytes 0x41).
 * rmapctl must refuse to read it rather than copy it over its stack.
 */
static int pin_skewed_history(uint64_t pfn)
{
	size_t size = sizeof(struct rmp_history) + 4096;
	unsigned char *value = malloc(size);
	union bpf_attr a;
	int fd;

	memset(value, 0x41, size);
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_LRU_HASH;
	a.key_size = sizeof(pfn);
	a.value_size = (uint32_t)size;
	a.max_entries = 64;
	fd = (int)syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0) {
		perror("rmaptest pin-skewed-history: BPF_MAP_CREATE");
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&pfn;
	a.value = (uint64_t)(uintptr_t)value;
	if (syscall(__NR_bpf, BPF_MAP_UPDATE_ELEM, &a, sizeof(a))) {
		perror("rmaptest pin-skewed-history: BPF_MAP_UPDATE_ELEM");
		return 1;
	}
	mkdir("/sys/fs/bpf/rmap_probe", 0700);
	memset(&a, 0, sizeof(a));
	a.pathname = (uint64_t)(uintptr_t)"/sys/fs/bpf/rmap_probe/history";
	a.bpf_fd = (uint32_t)fd;
	if (syscall(__NR_bpf, BPF_OBJ_PIN, &a, sizeof(a))) {
		perror("rmaptest pin-skewed-history: BPF_OBJ_PIN");
		return 1;
	}
	free(value);
	return 0;
}

/*
 * Fill @func's BPF trampoline: attach do-nothing fentry programs until the kernel refuses one (it takes
 * BPF_MAX_TRAMP_LINKS, 38 on x86-64, of fentry, fexit and fmod_ret together), say how many, and hold them until
 * killed. rmapctl's own fentry/fexit program on @func is then refused, as a trampoline another tool filled
 * would refuse it.
 */
static int hog_trampoline(const char *func)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct btf *btf = btf__load_vmlinux_btf();
	int id = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -1, n = 0, err = 0;

	if (id <= 0) {
		fprintf(stderr, "rmaptest hog-trampoline: %s is not in the kernel's BTF\n", func);
		return 1;
	}
	for (; n < 100; n++) {
		LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
			    .attach_btf_id = (uint32_t)id);
		int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);

		if (fd < 0 || bpf_raw_tracepoint_open(NULL, fd) < 0) {
			err = errno;
			break;
		}
	}
	printf("hogging %s: %d fentry programs attached, the next refused (%s)\n", func, n, strerror(err));
	fflush(stdout);
	if (!n)
		return 1;
	pause();
	return 0;
}

/*
 * Run @argv as nobody holding only the capabilities in @list (bpf,perfmon,syslog,sys_admin), as ambient
 * capabilities, which survive the exec: what a non-root tracer set up with capabilities has.
 */
static int as_nobody_with_caps(const char *list, char **argv)
{
	static const struct { const char *name; int cap; } known[] = {
		{ "bpf", CAP_BPF }, { "perfmon", CAP_PERFMON }, { "syslog", CAP_SYSLOG }, { "sys_admin", CAP_SYS_ADMIN },
	};
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
	char buf[128], *save, *tok;
	int caps[8], n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok && n < 8; tok = strtok_r(NULL, ",", &save)) {
		size_t k;

		for (k = 0; k < sizeof(known) / sizeof(known[0]) && strcmp(tok, known[k].name); k++)
			;
		if (k == sizeof(known) / sizeof(known[0])) {
			fprintf(stderr, "rmaptest as-nobody-with-caps: unknown capability %s\n", tok);
			return 2;
		}
		caps[n++] = known[k].cap;
	}
	for (int i = 0; i < n; i++) {
		data[caps[i] / 32].effective |= 1U << (caps[i] % 32);
		data[caps[i] / 32].permitted |= 1U << (caps[i] % 32);
		data[caps[i] / 32].inheritable |= 1U << (caps[i] % 32);
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) || setgid(65534) || setuid(65534) ||
	    syscall(SYS_capset, &hdr, data)) {
		perror("rmaptest as-nobody-with-caps");
		return 2;
	}
	for (int i = 0; i < n; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, caps[i], 0, 0)) {
			perror("rmaptest as-nobody-with-caps: ambient");
			return 2;
		}
	execvp(argv[0], argv);
	perror("rmaptest as-nobody-with-caps: exec");
	return 127;
}

int main(int argc, char **argv)
{
	const size_t n = sizeof(scenarios) / sizeof(scenarios[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* helpers for shell scripts */
	if (argc >= 3 && !strcmp(argv[1], "as-nobody")) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			perror("rmaptest as-nobody");
			return 2;
		}
		execvp(argv[2], argv + 2);
		perror("rmaptest as-nobody: exec");
		return 127;
	}
	if (argc >= 4 && !strcmp(argv[1], "as-nobody-with-caps"))
		return as_nobody_with_caps(argv[2], argv + 3);
	if (argc == 4 && !strcmp(argv[1], "pfn-of")) {
		printf("0x%llx\n", (unsigned long long)pfn_of(atoi(argv[2]), (void *)strtoul(argv[3], NULL, 0)));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "hog-trampoline"))
		return hog_trampoline(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "pin-skewed-history"))
		return pin_skewed_history(strtoull(argv[2], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "query-loop"))
		return query_loop();
	if (argc == 3 && !strcmp(argv[1], "find-pfn")) {
		int bit = !strcmp(argv[2], "buddy") ? KPF_BUDDY : !strcmp(argv[2], "slab") ? KPF_SLAB : -1;

		if (bit < 0)
			return 2;
		printf("0x%llx\n", (unsigned long long)find_pfn(bit, 0, 0, max_pfn_from_iomem()));
		return 0;
	}
	/* the trace scenarios again through another attach mode, or a KSM layout variant: say which in every verdict */
	if (getenv("TRACE_ATTACH") || getenv("KSM_VARIANT")) {
		static char tag[32];

		snprintf(tag, sizeof(tag), "[%s] ", getenv("TRACE_ATTACH") ? getenv("TRACE_ATTACH") : getenv("KSM_VARIANT"));
		verdict_tag = tag;
	}
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "list")) {
		for (size_t s = 0; s < n; s++)
			if (argc == 2 || !strcmp(argv[2], scenarios[s].group))
				printf("%s\n", scenarios[s].name);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		size_t s;

		for (s = 0; s < n && strcmp(argv[i], scenarios[s].name); s++)
			;
		if (s == n) {
			fprintf(stderr, "rmaptest: unknown scenario %s (rmaptest list)\n", argv[i]);
			return 2;
		}
		scenarios[s].fn();
	}
	return test_failures ? 1 : 0;
}
