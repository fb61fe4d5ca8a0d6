// SPDX-License-Identifier: GPL-2.0
/* The pagemap oracle and rmapctl's answers, compared. See oracle.h. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "oracle.h"

int test_failures;

const char *verdict_tag = "";

/* One verdict line, on the console and in the guest's results file (tests/guest/lib.sh) that init counts. */
static void verdict(const char *what, const char *fmt, va_list ap)
{
	FILE *results = fopen("/tmp/results", "a");
	va_list again;

	va_copy(again, ap);
	printf("%s: %s", what, verdict_tag);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	if (results) {
		fprintf(results, "%s: %s", what, verdict_tag);
		vfprintf(results, fmt, again);
		fprintf(results, "\n");
		fclose(results);
	}
	va_end(again);
}

void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verdict(ok ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	test_failures += !ok;
}

void skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verdict("SKIP", fmt, ap);
	va_end(ap);
}

unsigned long max_pfn_from_iomem(void)
{
	char line[256];
	unsigned long start, end, max = 0;
	FILE *f = fopen("/proc/iomem", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "System RAM") && sscanf(line, " %lx-%lx", &start, &end) == 2 && end / PAGE > max)
			max = end / PAGE;
	if (f)
		fclose(f);
	return max;
}

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, s, strlen(s));
		close(fd);
	}
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ramfs answers a second mount on the same place with another mount, not EBUSY: look at what is there. */
int ramfs_open(const char *name)
{
	char path[256];
	struct statfs st;

	mkdir("/mnt", 0755);
	mkdir("/mnt/ram", 0755);
	if ((statfs("/mnt/ram", &st) || st.f_type != RAMFS_MAGIC) && mount("ramfs", "/mnt/ram", "ramfs", 0, NULL))
		return -1;
	snprintf(path, sizeof(path), "/mnt/ram/%s", name);
	return open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
}

static uint64_t read_u64_at(const char *path, uint64_t index)
{
	uint64_t v = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &v, sizeof(v), (off_t)(index * 8)) != sizeof(v))
		v = 0;
	close(fd);
	return v;
}

static bool has_maps(const char *dir)
{
	char path[128], c;
	FILE *f;
	bool any;

	snprintf(path, sizeof(path), "%s/maps", dir);
	f = fopen(path, "r");
	if (!f)
		return false;
	any = fread(&c, 1, 1, f) == 1;
	fclose(f);
	return any;
}

/*
 * The /proc directory whose maps and pagemap show @pid's mm: /proc/PID, or when its main thread has exited
 * (a zombie leader shows an empty maps), /proc/PID/task/TID of a thread still running on it.
 */
static void mm_dir(long pid, char *dir, size_t size)
{
	char tasks[64];
	struct dirent *d;
	DIR *t;

	snprintf(dir, size, "/proc/%ld", pid);
	if (has_maps(dir))
		return;
	snprintf(tasks, sizeof(tasks), "/proc/%ld/task", pid);
	t = opendir(tasks);
	while (t && (d = readdir(t))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(dir, size, "/proc/%d/task/%d", (int)pid, atoi(d->d_name));
		if (has_maps(dir))
			break;
		snprintf(dir, size, "/proc/%ld", pid);
	}
	if (t)
		closedir(t);
}

uint64_t pfn_of(pid_t pid, const void *vaddr)
{
	char dir[96], path[128];
	uint64_t e;

	mm_dir(pid, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/pagemap", dir);
	e = read_u64_at(path, (uintptr_t)vaddr / PAGE);
	return (e >> 63) & 1 ? e & ((1ULL << 55) - 1) : 0;
}

long kpagecount(uint64_t pfn)
{
	return (long)read_u64_at("/proc/kpagecount", pfn);
}

uint64_t kpageflags(uint64_t pfn)
{
	return read_u64_at("/proc/kpageflags", pfn);
}

static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static void owner_add(struct owner **v, size_t *n, size_t *cap, long pid, unsigned long vaddr)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*v = realloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = (struct owner){ pid, vaddr };
}

/* Scan one process's pagemap over all its vmas for @pfn. */
static void scan_pid(long pid, uint64_t pfn, struct owner **v, size_t *n, size_t *cap)
{
	char dir[96], path[128], line[512];
	unsigned long start, end;
	uint64_t buf[512];
	FILE *maps;
	int pm;

	mm_dir(pid, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/maps", dir);
	maps = fopen(path, "r");
	if (!maps)
		return;
	snprintf(path, sizeof(path), "%s/pagemap", dir);
	pm = open(path, O_RDONLY);
	if (pm < 0) {
		fclose(maps);
		return;
	}
	while (fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%lx-%lx", &start, &end) != 2 || strstr(line, "[vsyscall]"))
			continue;
		for (unsigned long a = start; a < end;) {
			size_t want = (end - a) / PAGE;
			ssize_t got;

			if (want > 512)
				want = 512;
			got = pread(pm, buf, want * 8, (off_t)(a / PAGE * 8));
			if (got <= 0)
				break;
			for (size_t i = 0; i < (size_t)got / 8; i++)
				if ((buf[i] >> 63) & 1 && (buf[i] & ((1ULL << 55) - 1)) == pfn)
					owner_add(v, n, cap, pid, a + i * PAGE);
			a += (unsigned long)got / 8 * PAGE;
		}
	}
	close(pm);
	fclose(maps);
}

size_t pagemap_owners(uint64_t pfn, struct owner **out)
{
	struct owner *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *proc = opendir("/proc");

	while (proc && (d = readdir(proc)))
		if (isdigit((unsigned char)d->d_name[0]))
			scan_pid(atol(d->d_name), pfn, &v, &n, &cap);
	if (proc)
		closedir(proc);
	if (n)
		qsort(v, n, sizeof(*v), owner_cmp);
	*out = v;
	return n;
}

void json_str(const char *json, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p;
	size_t i = 0;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(json, pat);
	if (!p)
		return;
	for (p += strlen(pat); *p && *p != '"' && i + 1 < size; p++)
		out[i++] = *p;
	out[i] = '\0';
}

uint64_t json_u64(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (!p)
		return 0;
	p += strlen(pat);
	if (*p == '"')	/* "0x..." addresses */
		p++;
	return strtoull(p, NULL, 0);
}

char *rmapctl_output(const char *args, int *exit_code)
{
	char cmd[256], *out;
	size_t len = 0, cap = 1 << 16;
	FILE *f;
	int status;

	snprintf(cmd, sizeof(cmd), "rmapctl %s 2>&1", args);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	out = malloc(cap);
	for (size_t got; (got = fread(out + len, 1, cap - len - 1, f)) > 0;) {
		len += got;
		if (cap - len < 4096)
			out = realloc(out, cap *= 2);
	}
	out[len] = '\0';
	status = pclose(f);
	*exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	return out;
}

/* Is @text one JSON document? Asked of jq, a parser nobody here wrote. */
bool json_valid(const char *text)
{
	FILE *f = popen("jq -e -s 'length == 1' >/dev/null 2>&1", "w");

	if (!f)
		return false;
	fputs(text, f);
	return pclose(f) == 0;
}

/* Run rmapctl pfn PFN --json and pick out what the tests compare; output that is not JSON fails (exit 126). */
int ask(uint64_t pfn, struct answer *a)
{
	char args[64];
	const char *p;
	size_t ncap = 0;

	memset(a, 0, sizeof(*a));
	snprintf(args, sizeof(args), "pfn --json %llu", (unsigned long long)pfn);
	a->raw = rmapctl_output(args, &a->exit_code);
	if (!a->raw)
		return -1;
	if (!json_valid(a->raw)) {
		printf("  rmapctl %s printed no JSON document (jq): %.300s\n", args, a->raw);
		a->exit_code = 126;
	}
	json_str(a->raw, "kind", a->kind, sizeof(a->kind));
	json_str(a->raw, "verdict", a->verdict, sizeof(a->verdict));
	json_str(a->raw, "level", a->level, sizeof(a->level));
	a->one_level = true;
	for (p = strstr(a->raw, "\"level\":\""); p; p = strstr(p + 1, "\"level\":\""))
		a->one_level &= !strncmp(p + strlen("\"level\":\""), a->level, strlen(a->level));
	p = strstr(a->raw, "\"mapcount\":");
	a->mapcount = p ? atol(p + strlen("\"mapcount\":")) : -1;
	p = strstr(a->raw, "\"mappings\":[");
	while (p && (p = strstr(p, "{\"pid\":"))) {
		long pid = atol(p + strlen("{\"pid\":"));
		const char *va = strstr(p, "\"vaddr\":\"");

		if (!va)
			break;
		owner_add(&a->owners, &a->nr, &ncap, pid, strtoul(va + strlen("\"vaddr\":\""), NULL, 16));
		p = va;
	}
	if (a->nr)
		qsort(a->owners, a->nr, sizeof(*a->owners), owner_cmp);
	return 0;
}

void answer_free(struct answer *a)
{
	free(a->owners);
	free(a->raw);
}

static void print_owners(const char *who, const struct owner *v, size_t n)
{
	printf("  %s (%zu):", who, n);
	for (size_t i = 0; i < n && i < 12; i++)
		printf(" %ld@0x%lx", v[i].pid, v[i].vaddr);
	printf("%s\n", n > 12 ? " ..." : "");
}

bool compare(const char *name, uint64_t pfn, const char *kind, const char *level)
{
	struct owner *want;
	size_t nwant = pagemap_owners(pfn, &want);
	long count = kpagecount(pfn);
	struct answer a;
	bool same, ok;

	ask(pfn, &a);
	same = a.nr == nwant && (!nwant || !memcmp(a.owners, want, nwant * sizeof(*want)));
	ok = a.exit_code == 0 && same && a.mapcount == count && !strcmp(a.verdict, "complete") &&
	     !strcmp(a.kind, kind) && a.one_level && !strcmp(a.level, level);
	if (!ok || !nwant) {
		printf("  pfn 0x%llx: rmapctl exit %d kind %s (want %s) level %s%s (want %s) verdict %s "
		       "mapcount %ld, kpagecount %ld\n", (unsigned long long)pfn, a.exit_code, a.kind, kind,
		       a.level, a.one_level ? "" : " and others", level, a.verdict, a.mapcount, count);
		print_owners("rmapctl", a.owners, a.nr);
		print_owners("pagemap", want, nwant);
		if (!ok)
			printf("  raw: %.600s\n", a.raw);
	}
	result(ok && nwant > 0, "%s: pfn 0x%llx %s, %zu %s mapping%s as pagemap says, mapcount %ld", name,
	       (unsigned long long)pfn, a.kind, nwant, level, nwant == 1 ? "" : "s", count);
	answer_free(&a);
	free(want);
	return ok;
}
