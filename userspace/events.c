// SPDX-License-Identifier: GPL-2.0
/* One event, for people (a line) and for programs (a JSON object); the kernel's enum names from its BTF. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "events.h"
#include "ksyms.h"
#include "session.h"

/* The names of one of the kernel's enums, from its BTF, looked up once (a BTF search is linear in its types). */
struct enum_names {
	const char *type;
	bool loaded;
	char name[32][24];	/* by value; "" unknown */
};

static struct enum_names migrate_reasons = { .type = "migrate_reason" };
static struct enum_names migrate_modes = { .type = "migrate_mode" };

/* MR_SYSCALL -> "syscall", MIGRATE_SYNC -> "sync": the kernel's name without its prefix, in lower case. */
static const char *kernel_enum_name(struct enum_names *names, uint32_t value, char *buf, size_t len)
{
	struct btf *btf = vmlinux_btf();
	const struct btf_type *t;
	const struct btf_enum *e;
	const char *us;
	int id;

	if (!names->loaded && btf && (id = btf__find_by_name_kind(btf, names->type, BTF_KIND_ENUM)) > 0) {
		t = btf__type_by_id(btf, id);
		e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++, e++) {
			const char *name = btf__name_by_offset(btf, e->name_off);
			char *n;

			if (e->val < 0 || e->val >= 32)
				continue;
			us = strchr(name, '_');
			n = names->name[e->val];
			snprintf(n, sizeof(names->name[0]), "%s", us ? us + 1 : name);
			for (; *n; n++)
				*n = (char)(*n >= 'A' && *n <= 'Z' ? *n - 'A' + 'a' : *n);
		}
	}
	names->loaded = true;
	if (value == RMP_REASON_UNKNOWN)
		return "?";
	if (value < 32 && names->name[value][0])
		return names->name[value];
	snprintf(buf, len, "%u", value);
	return buf;
}

const char *event_name(const struct rmp_event *e)
{
	if (e->type == RMP_EV_UNPIN)
		return "unpin";
	return e->type >= RMP_EV_MIGRATE && e->type <= RMP_EV_PIN ? event_kinds[e->type - 1] : "?";
}

static bool is_pin(const struct rmp_event *e)
{
	return e->type == RMP_EV_PIN || e->type == RMP_EV_UNPIN;
}

uint32_t pin_stack(int stacks_fd, const struct rmp_event *e, uint64_t *frames)
{
	uint32_t id = e->reason, n = 0;

	if (stacks_fd < 0 || !is_pin(e) || id == RMP_REASON_UNKNOWN)
		return 0;
	memset(frames, 0, RMP_STACK_DEPTH * sizeof(*frames));
	if (bpf_map_lookup_elem(stacks_fd, &id, frames))
		return 0;
	while (n < RMP_STACK_DEPTH && frames[n])
		n++;
	return n;
}

static const char *unmap_reason(uint32_t reason)
{
	static const char *const names[] = {
		[RMP_WHY_NONE] = "none", [RMP_WHY_RECLAIM] = "reclaim", [RMP_WHY_MIGRATION] = "migration",
		[RMP_WHY_MEMORY_FAILURE] = "memory-failure", [RMP_WHY_SPLIT] = "split",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "?";
}

/* The event's time: seconds since boot (CLOCK_MONOTONIC), or with @wall_offset_ns the wall clock, local time. */
static void time_print(uint64_t ts_ns, int64_t wall_offset_ns, FILE *out)
{
	uint64_t ns = ts_ns + (uint64_t)wall_offset_ns;
	time_t secs = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!wall_offset_ns) {
		fprintf(out, "%llu.%06llu", (unsigned long long)(ts_ns / 1000000000),
			(unsigned long long)(ts_ns % 1000000000 / 1000));
		return;
	}
	localtime_r(&secs, &tm);
	fprintf(out, "%02d:%02d:%02d.%06llu", tm.tm_hour, tm.tm_min, tm.tm_sec,
		(unsigned long long)(ns % 1000000000 / 1000));
}

void event_print_header(int64_t wall_offset_ns, FILE *out)
{
	fprintf(out, "%-*s EVENT   PFN, THEN WHAT HAPPENED\n", wall_offset_ns ? 15 : 12, "TIME");
}

void event_print(const struct rmp_event *e, int64_t wall_offset_ns, FILE *out)
{
	char mode[32], why[32];

	time_print(e->ts_ns, wall_offset_ns, out);
	fprintf(out, " %-7s pfn 0x%llx", event_name(e), (unsigned long long)e->pfn);
	if (e->type == RMP_EV_MIGRATE) {
		fprintf(out, " -> 0x%llx order %u reason %s mode %s %s\n", (unsigned long long)e->dst_pfn,
			e->order, kernel_enum_name(&migrate_reasons, e->reason, why, sizeof(why)),
			kernel_enum_name(&migrate_modes, e->mode, mode, sizeof(mode)),
			e->ok ? "moved" : "failed (contents stayed)");
		return;
	}
	if (e->nr_pages > 1)
		fprintf(out, "+%u", e->nr_pages);
	fprintf(out, " pid %u (%.*s)", e->pid, RMP_COMM_LEN, e->comm);
	if (is_pin(e)) {
		if (e->addr)
			fprintf(out, " addr 0x%llx", (unsigned long long)e->addr);
		if (e->type == RMP_EV_PIN)
			fprintf(out, " %s", e->mode & kernel_foll_longterm() ? "long-term" : "short-term");
		fprintf(out, "\n");
		return;
	}
	if (e->addr)
		fprintf(out, " addr 0x%llx", (unsigned long long)e->addr);
	else
		fprintf(out, " addr ?");
	fprintf(out, " %s", e->level == RMP_LEVEL_PMD ? "pmd" : "pte");
	if (e->type == RMP_EV_UNMAP)
		fprintf(out, " reason %s", unmap_reason(e->reason));
	fprintf(out, "\n");
}

void event_write_json(struct json *j, const struct rmp_event *e, const uint64_t *frames, uint32_t nr_frames)
{
	char buf[32], comm[RMP_COMM_LEN + 1];

	json_start_object(j);
	json_key(j, "time_ns");
	json_uint(j, e->ts_ns);
	json_key(j, "event");
	json_string(j, event_name(e));
	json_key(j, "pfn");
	json_uint(j, e->pfn);
	json_key(j, "nr_pages");
	json_uint(j, e->nr_pages);
	json_key(j, "order");
	json_uint(j, e->order);
	if (e->type == RMP_EV_MIGRATE) {
		json_key(j, "dst_pfn");
		json_uint(j, e->dst_pfn);
		json_key(j, "moved");
		json_bool(j, e->ok);
		json_key(j, "reason");
		json_string(j, kernel_enum_name(&migrate_reasons, e->reason, buf, sizeof(buf)));
		json_key(j, "mode");
		json_string(j, kernel_enum_name(&migrate_modes, e->mode, buf, sizeof(buf)));
	} else if (is_pin(e)) {
		snprintf(comm, sizeof(comm), "%.*s", RMP_COMM_LEN, e->comm);
		json_key(j, "pid");
		json_uint(j, e->pid);
		json_key(j, "comm");
		json_string(j, comm);
		if (e->type == RMP_EV_PIN) {
			json_key(j, "addr");
			if (e->addr)
				json_hex(j, e->addr);
			else
				json_null(j);
			json_key(j, "longterm");
			json_bool(j, e->mode & kernel_foll_longterm());
		}
	} else {
		snprintf(comm, sizeof(comm), "%.*s", RMP_COMM_LEN, e->comm);
		json_key(j, "pid");
		json_uint(j, e->pid);
		json_key(j, "comm");
		json_string(j, comm);
		json_key(j, "addr");
		if (e->addr)
			json_hex(j, e->addr);
		else
			json_null(j);	/* unknown */
		json_key(j, "level");
		json_string(j, e->level == RMP_LEVEL_PMD ? "pmd" : "pte");
		if (e->type == RMP_EV_UNMAP) {
			json_key(j, "reason");
			json_string(j, unmap_reason(e->reason));
		}
	}
	if (frames) {
		char sym[KSYM_NAME_MAX];

		json_key(j, "stack");
		json_start_array(j);
		for (uint32_t i = 0; i < nr_frames; i++)
			json_string(j, ksym_name(frames[i], sym, sizeof(sym)));
		json_end_array(j);
	}
	json_end_object(j);
}

void event_print_stack(const uint64_t *frames, uint32_t nr_frames, FILE *out)
{
	char buf[KSYM_NAME_MAX];

	for (uint32_t i = 0; i < nr_frames; i++)
		fprintf(out, "        %s\n", ksym_name(frames[i], buf, sizeof(buf)));
	if (!nr_frames)
		fprintf(out, "        (no stack)\n");
}
