// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel addresses to names for trace --stack, from /proc/kallsyms: its text symbols read once, sorted, and
 * searched by address (an address belongs to the nearest symbol at or below it).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct ksym {
	uint64_t addr;
	char *name;	/* "function" or "function [module]" */
	bool bpf;	/* a BPF program or trampoline */
};

static struct ksym *syms;
static size_t nr_syms;

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void ksyms_free(void)
{
	for (size_t i = 0; i < nr_syms; i++)
		free(syms[i].name);
	free(syms);
	syms = NULL;
	nr_syms = 0;
}

int ksyms_load(void)
{
	char line[KSYM_NAME_MAX], name[512], module[96], type;
	unsigned long long addr;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	if (syms)
		return 0;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%llx %c %511s %95s", &addr, &type, name, module);
		struct ksym *s;

		/* text: global, local and weak functions; BPF programs and trampolines are t [bpf] */
		if (n < 3 || !strchr("tTwW", type))
			continue;
		if (nr_syms == cap) {
			cap = cap ? 2 * cap : 65536;
			s = realloc(syms, cap * sizeof(*syms));
			if (!s) {
				err = -ENOMEM;
				break;
			}
			syms = s;
		}
		s = &syms[nr_syms];
		s->addr = addr;
		s->bpf = n == 4 && !strcmp(module, "[bpf]");
		s->name = n == 4 ? malloc(strlen(name) + strlen(module) + 2) : strdup(name);
		if (!s->name) {
			err = -ENOMEM;
			break;
		}
		if (n == 4)
			sprintf(s->name, "%s %s", name, module);
		nr_syms++;
	}
	fclose(f);
	if (!err && nr_syms && syms[nr_syms - 1].addr == 0)
		err = -EPERM;	/* kptr_restrict or no CAP_SYSLOG: every address reads 0 */
	if (!err && !nr_syms)
		err = -ENOENT;
	if (err) {
		ksyms_free();
		return err;
	}
	qsort(syms, nr_syms, sizeof(*syms), by_addr);
	return 0;
}

/* The symbol @addr is in: the last one at or below it; NULL below the first. */
static const struct ksym *ksym_of(uint64_t addr)
{
	size_t lo = 0, hi = nr_syms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &syms[lo - 1] : NULL;
}

bool ksym_is_bpf(uint64_t addr)
{
	const struct ksym *s = ksym_of(addr);

	return s && s->bpf;
}

uint32_t ksym_skip_bpf(const uint64_t **frames, uint32_t nr_frames)
{
	while (nr_frames && ksym_is_bpf(**frames)) {
		(*frames)++;
		nr_frames--;
	}
	return nr_frames;
}

const char *ksym_name(uint64_t addr, char *buf, size_t len)
{
	const struct ksym *s = ksym_of(addr);
	const char *mod;

	if (!s) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return buf;
	}
	/* "function+0x1a", or in a module "function+0x1a [module]", as the kernel's own stack dumps print */
	mod = strchr(s->name, ' ');
	if (mod)
		snprintf(buf, len, "%.*s+0x%llx%s", (int)(mod - s->name), s->name,
			 (unsigned long long)(addr - s->addr), mod);
	else
		snprintf(buf, len, "%s+0x%llx", s->name, (unsigned long long)(addr - s->addr));
	return buf;
}
