// SPDX-License-Identifier: GPL-2.0

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "report.h"

int parse_pfn(const char *s, uint64_t *pfn, const char **why)
{
	const char *digits = s;
	int base = 10;
	char *end;
	unsigned long long v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	/* strtoull would accept a sign, spaces and an empty string: the PFN must be digits only */
	if (!*digits) {
		*why = "empty";
		return -1;
	}
	for (const char *p = digits; *p; p++) {
		if (base == 16 ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p)) {
			*why = "not a decimal or 0x-hex number";
			return -1;
		}
	}
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno == ERANGE) {
		*why = "too large";
		return -1;
	}
	*pfn = v;
	return 0;
}

/* Undo the module's escaping of spaces, tabs, newlines and backslashes as \ooo. */
static void unescape(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	while (*src && n + 1 < size) {
		if (src[0] == '\\' && src[1] >= '0' && src[1] <= '3' && src[2] >= '0' && src[2] <= '7' &&
		    src[3] >= '0' && src[3] <= '7') {
			dst[n++] = (char)((src[1] - '0') * 64 + (src[2] - '0') * 8 + (src[3] - '0'));
			src += 4;
		} else {
			dst[n++] = *src++;
		}
	}
	dst[n] = '\0';
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 0);
	return errno || end == v || *end ? -1 : 0;
}

static int parse_long(const char *v, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, 0);
	return errno || end == v || *end ? -1 : 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "0") && strcmp(v, "1"))
		return -1;
	*out = v[0] == '1';
	return 0;
}

#define COPY(dst, v) (unescape(dst, sizeof(dst), v), 0)

static int page_field(struct report *r, const char *k, const char *v)
{
	uint64_t u;
	long l;

	if (!strcmp(k, "pfn"))
		return parse_u64(v, &r->pfn);
	if (!strcmp(k, "head_pfn"))
		return parse_u64(v, &r->head_pfn);
	if (!strcmp(k, "order"))
		return parse_u64(v, &u) ? -1 : (r->order = (unsigned int)u, 0);
	if (!strcmp(k, "kind"))
		return COPY(r->kind, v);
	if (!strcmp(k, "flags"))
		return COPY(r->flags, v);
	if (!strcmp(k, "refcount"))
		return parse_long(v, &r->refcount);
	if (!strcmp(k, "mapcount"))
		return parse_long(v, &r->mapcount);
	if (!strcmp(k, "node"))
		return parse_long(v, &l) ? -1 : (r->node = (int)l, 0);
	if (!strcmp(k, "zone"))
		return COPY(r->zone, v);
	return 0; /* unknown keys are for newer rmapctl versions: ignore them */
}

static int file_field(struct report *r, const char *k, const char *v)
{
	r->has_file = true;
	if (!strcmp(k, "ino"))
		return parse_u64(v, &r->ino);
	if (!strcmp(k, "index"))
		return parse_u64(v, &r->index);
	if (!strcmp(k, "dev"))
		return COPY(r->dev, v);
	if (!strcmp(k, "path"))
		return COPY(r->path, v);
	return 0;
}

static int hold_field(struct report *r, const char *k, const char *v)
{
	struct hold *h = &r->hold;

	h->known = true;
	if (!strcmp(k, "mapped"))
		return parse_long(v, &h->mapped);
	if (!strcmp(k, "cache"))
		return parse_long(v, &h->cache);
	if (!strcmp(k, "private"))
		return parse_long(v, &h->private_);
	if (!strcmp(k, "extra"))
		return parse_long(v, &h->extra);
	if (!strcmp(k, "dma_pinned"))
		return parse_bool(v, &h->dma_pinned);
	if (!strcmp(k, "pincount"))
		return parse_long(v, &h->pincount);
	if (!strcmp(k, "migrate"))
		return COPY(h->migrate, v);
	if (!strcmp(k, "migrate_fn"))
		return COPY(h->migrate_fn, v);
	if (!strcmp(k, "pageblock"))
		return COPY(h->pageblock, v);
	return 0;
}

static int map_field(struct report *r, const char *k, const char *v)
{
	struct mapping *m = &r->maps[r->nr_maps - 1];

	if (!strcmp(k, "pid"))
		return parse_long(v, &m->pid);
	if (!strcmp(k, "comm"))
		return COPY(m->comm, v);
	if (!strcmp(k, "vaddr"))
		return parse_u64(v, &m->vaddr);
	if (!strcmp(k, "vma_start"))
		return parse_u64(v, &m->vma_start);
	if (!strcmp(k, "vma_end"))
		return parse_u64(v, &m->vma_end);
	if (!strcmp(k, "vm_flags"))
		return parse_u64(v, &m->vm_flags);
	if (!strcmp(k, "level"))
		return COPY(m->level, v);
	if (!strcmp(k, "writable"))
		return parse_bool(v, &m->writable);
	if (!strcmp(k, "dirty"))
		return parse_bool(v, &m->dirty);
	if (!strcmp(k, "young"))
		return parse_bool(v, &m->young);
	if (!strcmp(k, "soft_dirty"))
		return parse_bool(v, &m->soft_dirty);
	if (!strcmp(k, "uffd_wp"))
		return parse_bool(v, &m->uffd_wp);
	if (!strcmp(k, "shared_table"))
		return parse_bool(v, &m->shared_table);
	return 0;
}

static int end_field(struct report *r, const char *k, const char *v)
{
	uint64_t u;

	if (!strcmp(k, "verdict"))
		return COPY(r->verdict, v);
	if (!strcmp(k, "attempts"))
		return parse_u64(v, &u) ? -1 : (r->attempts = (unsigned int)u, 0);
	if (!strcmp(k, "note"))
		return COPY(r->note, v);
	if (!strcmp(k, "entries"))
		return parse_u64(v, &u) ? -1 : (r->entries = (long)u, 0);
	if (!strcmp(k, "nodes"))
		return parse_u64(v, &r->cost_nodes) ? -1 : (r->has_cost = true, 0);
	if (!strcmp(k, "lock_ns"))
		return parse_u64(v, &r->cost_lock_ns) ? -1 : (r->has_lock_cost = r->has_cost = true, 0);
	if (!strcmp(k, "lock"))
		return COPY(r->cost_lock, v);
	if (!strcmp(k, "ptl_ns"))
		return parse_u64(v, &r->cost_ptl_ns) ? -1 : 0;
	if (!strcmp(k, "ksm"))
		return COPY(r->ksm_walk, v);
	if (!strcmp(k, "vmas"))
		return parse_u64(v, &r->cost_vmas) ? -1 : (r->has_cost = true, 0);
	if (!strcmp(k, "tables"))
		return parse_u64(v, &r->cost_tables) ? -1 : (r->has_cost = true, 0);
	return 0;
}

static int add_mapping(struct report *r)
{
	if (r->nr_maps == r->cap_maps) {
		size_t cap = r->cap_maps ? 2 * r->cap_maps : 16;
		struct mapping *m = realloc(r->maps, cap * sizeof(*m));

		if (!m)
			return -1;
		r->maps = m;
		r->cap_maps = cap;
	}
	memset(&r->maps[r->nr_maps++], 0, sizeof(struct mapping));
	return 0;
}

static const struct record {
	const char *name;
	int (*field)(struct report *r, const char *k, const char *v);
} records[] = {
	{ "page", page_field },
	{ "file", file_field },
	{ "hold", hold_field },
	{ "map", map_field },
	{ "end", end_field },
};

static int parse_line(struct report *r, char *line)
{
	char *save, *word = strtok_r(line, " ", &save);
	const struct record *rec = NULL;

	if (!word)
		return 0;
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++)
		if (!strcmp(word, records[i].name))
			rec = &records[i];
	if (!rec)
		return 0;
	if (rec->field == map_field && add_mapping(r))
		return -1;
	while ((word = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(word, '=');

		if (!eq)
			return -1;
		*eq = '\0';
		if (rec->field(r, word, eq + 1))
			return -1;
	}
	return 0;
}

int report_parse(struct report *r, const char *text, int *lineno)
{
	char *copy = strdup(text), *save, *line;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->entries = -1;
	r->hold.pincount = -1;
	if (!copy)
		return -1;
	*lineno = 0;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		++*lineno;
		if (parse_line(r, line)) {
			ret = -1;
			break;
		}
	}
	free(copy);
	if (!ret && !r->verdict[0]) {
		ret = -1; /* a report without its end line was cut short */
		++*lineno;
	}
	return ret;
}

void report_free(struct report *r)
{
	free(r->maps);
	r->maps = NULL;
	r->nr_maps = r->cap_maps = 0;
}

void report_print_human(const struct report *r, FILE *out)
{
	fprintf(out, "pfn 0x%" PRIx64 " (head 0x%" PRIx64 ", order %u)  %s  node %d\n", r->pfn, r->head_pfn,
		r->order, r->kind, r->node);
	fprintf(out, "  refcount %ld  mapcount %ld  flags %s\n", r->refcount, r->mapcount,
		r->flags[0] ? r->flags : "-");
	if (r->hold.known) {
		const struct hold *h = &r->hold;

		fprintf(out, "  references: %ld mapped, %ld cache, %ld private, %ld extra%s", h->mapped, h->cache,
			h->private_, h->extra, h->dma_pinned ? "  DMA-pinned" : "");
		if (h->pincount >= 0)
			fprintf(out, " (%ld pin%s)", h->pincount, h->pincount == 1 ? "" : "s");
		fprintf(out, "  zone %s  pageblock %s  migrates by %s\n", r->zone, h->pageblock, h->migrate);
	}
	if (r->has_file)
		fprintf(out, "  file %s  ino %" PRIu64 "  dev %s  index %" PRIu64 "\n", r->path[0] ? r->path : "?",
			r->ino, r->dev, r->index);
	if (r->nr_maps) {
		fprintf(out, "  %8s %-16s %-18s %-5s %-4s %s\n", "PID", "COMM", "VADDR", "LEVEL", "BITS", "VMA");
		for (size_t i = 0; i < r->nr_maps; i++) {
			const struct mapping *m = &r->maps[i];

			fprintf(out, "  %8ld %-16s 0x%016" PRIx64 " %-5s %c%c%c%c 0x%" PRIx64 "-0x%" PRIx64 "%s\n", m->pid,
				m->comm, m->vaddr, m->level, m->writable ? 'w' : '-', m->dirty ? 'd' : '-',
				m->young ? 'y' : '-', m->soft_dirty ? 's' : '-', m->vma_start, m->vma_end,
				m->shared_table ? "  shared pmd table" : "");
		}
	}
	fprintf(out, "  %zu mapping%s", r->nr_maps, r->nr_maps == 1 ? "" : "s");
	if (r->entries >= 0 && (size_t)r->entries != r->nr_maps)
		fprintf(out, " through %ld page-table entr%s", r->entries, r->entries == 1 ? "y" : "ies");
	fprintf(out, ", verdict %s", r->verdict);
	if (r->attempts > 1)
		fprintf(out, " after %u attempts", r->attempts);
	if (r->note[0])
		fprintf(out, " (%s)", r->note);
	fputc('\n', out);
}

void report_print_cost(const struct report *r, FILE *out)
{
	if (!r->has_cost) {
		fprintf(out, "  walk cost: not reported by this module version\n");
		return;
	}
	fprintf(out, "  walk cost: ");
	if (r->has_lock_cost)
		fprintf(out, "%" PRIu64 " tree node%s, ", r->cost_nodes, r->cost_nodes == 1 ? "" : "s");
	fprintf(out, "%" PRIu64 " vma%s, %" PRIu64 " page-table lock%s, %u attempt%s", r->cost_vmas,
		r->cost_vmas == 1 ? "" : "s", r->cost_tables, r->cost_tables == 1 ? "" : "s", r->attempts,
		r->attempts == 1 ? "" : "s");
	if (r->cost_lock[0])
		fprintf(out, "; longest lock hold %s %.1f us, page-table lock %.1f us", r->cost_lock,
			r->cost_lock_ns / 1000.0, r->cost_ptl_ns / 1000.0);
	if (r->ksm_walk[0])
		fprintf(out, "; KSM %s", strcmp(r->ksm_walk, "stable") ? "mappings searched for" :
			"stable node walked");
	fputc('\n', out);
}

void report_print_json(const struct report *r, FILE *out)
{
	struct json j;

	json_init(&j, out);
	report_write_json(&j, r);
}

void report_write_json(struct json *j, const struct report *r)
{
	char flags[REPORT_FIELD_MAX], *save, *f;

	json_start_object(j);
	json_key(j, "pfn");
	json_uint(j, r->pfn);
	json_key(j, "head_pfn");
	json_uint(j, r->head_pfn);
	json_key(j, "order");
	json_uint(j, r->order);
	json_key(j, "kind");
	json_string(j, r->kind);
	json_key(j, "flags");
	json_start_array(j);
	snprintf(flags, sizeof(flags), "%s", r->flags);
	for (f = strtok_r(flags, ",", &save); f; f = strtok_r(NULL, ",", &save))
		json_string(j, f);
	json_end_array(j);
	json_key(j, "refcount");
	json_int(j, r->refcount);
	json_key(j, "mapcount");
	json_int(j, r->mapcount);
	json_key(j, "node");
	json_int(j, r->node);
	if (r->zone[0]) {
		json_key(j, "zone");
		json_string(j, r->zone);
	}
	if (r->hold.known) {
		const struct hold *h = &r->hold;

		json_key(j, "hold");
		json_start_object(j);
		json_key(j, "mapped");
		json_int(j, h->mapped);
		json_key(j, "cache");
		json_int(j, h->cache);
		json_key(j, "private");
		json_int(j, h->private_);
		json_key(j, "extra");
		json_int(j, h->extra);
		json_key(j, "dma_pinned");
		json_bool(j, h->dma_pinned);
		if (h->pincount >= 0) {
			json_key(j, "pincount");
			json_int(j, h->pincount);
		}
		json_key(j, "migrate");
		json_string(j, h->migrate);
		if (h->migrate_fn[0]) {
			json_key(j, "migrate_fn");
			json_string(j, h->migrate_fn);
		}
		json_key(j, "pageblock");
		json_string(j, h->pageblock);
		json_end_object(j);
	}
	if (r->has_file) {
		json_key(j, "file");
		json_start_object(j);
		json_key(j, "path");
		json_string(j, r->path);
		json_key(j, "ino");
		json_uint(j, r->ino);
		json_key(j, "dev");
		json_string(j, r->dev);
		json_key(j, "index");
		json_uint(j, r->index);
		json_end_object(j);
	}
	json_key(j, "verdict");
	json_string(j, r->verdict);
	json_key(j, "attempts");
	json_uint(j, r->attempts);
	if (r->entries >= 0) {
		json_key(j, "entries");
		json_uint(j, (uint64_t)r->entries);
	}
	if (r->has_cost) {
		json_key(j, "cost");
		json_start_object(j);
		json_key(j, "vmas");
		json_uint(j, r->cost_vmas);
		json_key(j, "tables");
		json_uint(j, r->cost_tables);
		if (r->has_lock_cost) {
			json_key(j, "nodes");
			json_uint(j, r->cost_nodes);
			json_key(j, "longest_lock_ns");
			json_uint(j, r->cost_lock_ns);
			json_key(j, "longest_lock");
			if (r->cost_lock[0])
				json_string(j, r->cost_lock);
			else
				json_null(j);
			json_key(j, "longest_ptl_ns");
			json_uint(j, r->cost_ptl_ns);
		}
		if (r->ksm_walk[0]) {
			json_key(j, "ksm_walk");
			json_string(j, r->ksm_walk);
		}
		json_end_object(j);
	}
	if (r->note[0]) {
		json_key(j, "note");
		json_string(j, r->note);
	}
	json_key(j, "mappings");
	json_start_array(j);
	for (size_t i = 0; i < r->nr_maps; i++) {
		const struct mapping *m = &r->maps[i];

		json_start_object(j);
		json_key(j, "pid");
		json_int(j, m->pid);
		json_key(j, "comm");
		json_string(j, m->comm);
		json_key(j, "vaddr");
		json_hex(j, m->vaddr);
		json_key(j, "vma_start");
		json_hex(j, m->vma_start);
		json_key(j, "vma_end");
		json_hex(j, m->vma_end);
		json_key(j, "vm_flags");
		json_hex(j, m->vm_flags);
		json_key(j, "level");
		json_string(j, m->level);
		json_key(j, "writable");
		json_bool(j, m->writable);
		json_key(j, "dirty");
		json_bool(j, m->dirty);
		json_key(j, "young");
		json_bool(j, m->young);
		json_key(j, "soft_dirty");
		json_bool(j, m->soft_dirty);
		json_key(j, "uffd_wp");
		json_bool(j, m->uffd_wp);
		json_key(j, "shared_table");
		json_bool(j, m->shared_table);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}
