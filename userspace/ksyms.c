// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel addresses to names for trace --stack, from /proc/kallsyms: its text symbols read once, sorted, and
 * searched by address (an address belongs to the nearest symbol at or below it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct ksym {
	uint64_t addr;
	char *name;	/* "function" or "function [module]" */
};

static struct ksym *syms;
static size_t nr_syms;

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksyms_load(void)
{
	char line[KSYM_NAME_MAX], name[512], module[96], type;
	unsigned long long addr;
	size_t cap = 0;
	FILE *f;

	if (syms)
		return 0;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%llx %c %511s %95s", &addr, &type, name, module);
		struct ksym *s;

		if (n < 3 || (type != 't' && type != 'T'))
			continue;
		if (nr_syms == cap) {
			cap = cap ? 2 * cap : 65536;
			s = realloc(syms, cap * sizeof(*syms));
			if (!s)
				break;
			syms = s;
		}
		s = &syms[nr_syms];
		s->addr = addr;
		if (n == 4)
			s->name = malloc(strlen(name) + strlen(module) + 2);
		else
			s->name = strdup(name);
		if (!s->name)
			break;
		if (n == 4)
			sprintf(s->name, "%s %s", name, module);
		nr_syms++;
	}
	fclose(f);
	if (nr_syms && syms[nr_syms - 1].addr == 0)
		return -EPERM;	/* kptr_restrict or no CAP_SYSLOG: every address reads 0 */
	qsort(syms, nr_syms, sizeof(*syms), by_addr);
	return nr_syms ? 0 : -ENOENT;
}

const char *ksym_name(uint64_t addr, char *buf, size_t len)
{
	size_t lo = 0, hi = nr_syms;

	/* the last symbol at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
	else
		snprintf(buf, len, "%s+0x%llx", syms[lo - 1].name, (unsigned long long)(addr - syms[lo - 1].addr));
	return buf;
}
