/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The oracle for guest tests: what the kernel's own /proc/<pid>/pagemap, /proc/kpagecount and /proc/kpageflags
 * say, and what rmapctl says, side by side. Shared by the guest test programs.
 */
#ifndef RMAP_TEST_ORACLE_H
#define RMAP_TEST_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PAGE 4096UL

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) */
#define KPF_SLAB	7
#define KPF_BUDDY	10
#define KPF_THP		22
#define KPF_ZERO_PAGE	24
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE	17
#define KPF_KSM		21
#define KPF_PGTABLE	26
#define KPF_RESERVED	32

struct owner {
	long pid;
	unsigned long vaddr;
};

/* rmapctl's answer for one PFN, the fields the tests compare. */
struct answer {
	int exit_code;
	char kind[32], verdict[32];
	bool one_level;		/* every mapping at the same level, named in level */
	char level[8];
	long mapcount;
	size_t nr;
	struct owner *owners;
	char *raw;
};

extern int test_failures;
extern const char *verdict_tag;	/* printed before every verdict: which variant of a scenario ran */
void result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* say why */

uint64_t pfn_of(pid_t pid, const void *vaddr);	/* 0 if not present */
/* The PFN past the highest "System RAM" of /proc/iomem. */
unsigned long max_pfn_from_iomem(void);
/* Write @s to the file @path (sysfs, procfs): 0 if all of it was taken, -1 otherwise. */
int write_str(const char *path, const char *s);
/* CLOCK_MONOTONIC in seconds. */
double now_s(void);
/*
 * /mnt/ram/@name, created empty on ramfs (page cache that is neither anon nor shmem; ramfs is built into every
 * kernel), mounted there once: an fd, or -1.
 */
int ramfs_open(const char *name);
long kpagecount(uint64_t pfn);
uint64_t kpageflags(uint64_t pfn);

/* Every (pid, vaddr) that maps @pfn according to every process's pagemap, sorted. */
size_t pagemap_owners(uint64_t pfn, struct owner **out);

/* rmapctl ARGS' output (stdout and stderr, malloc'd) and exit code; NULL if it could not be run. */
char *rmapctl_output(const char *args, int *exit_code);
/* The value of "key" in rmapctl's JSON, first occurrence from @json on: a string, or a number (or "0x..."). */
void json_str(const char *json, const char *key, char *out, size_t size);
uint64_t json_u64(const char *json, const char *key);

int ask(uint64_t pfn, struct answer *a);
void answer_free(struct answer *a);
bool json_valid(const char *text);

/*
 * The whole comparison: the same (pid, vaddr) set as pagemap, the mapcount kpagecount says, verdict complete,
 * and the expected kind and entry level (pte, pmd) for every mapping.
 */
bool compare(const char *name, uint64_t pfn, const char *kind, const char *level);

#endif
