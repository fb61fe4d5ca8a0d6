// SPDX-License-Identifier: GPL-2.0
/* Host-side unit tests of rmapctl explain's reasoning: module reports in, answers out. One PASS:/FAIL: per case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "explain.h"
#include "report.h"

static int failed;

static void result(const char *name, int ok)
{
	printf("%s: unit explain %s\n", ok ? "PASS" : "FAIL", name);
	failed += !ok;
}

#define PAGE_LINE(kind, flags) "page pfn=0x1234 head_pfn=0x1234 order=0 kind=" kind " node=0 zone=Normal " \
	"refcount=1025 mapcount=1 flags=" flags "\n"
#define MAP_LINE(flags) "map pid=812 comm=postgres vaddr=0x7f0000001000 vma_start=0x7f0000000000 " \
	"vma_end=0x7f0000200000 vm_flags=" flags " level=pte writable=1 dirty=1 young=1 soft_dirty=0 uffd_wp=0\n"
#define END_LINE "end mappings=1 entries=1 verdict=complete attempts=1\n"

/* The recorder is rmapctl's, not the unit's: no pinner is known here (pinner.c needs a running recorder). */
void explain_env_pinner(struct explain_env *env, const struct report *r)
{
	(void)r;
	env->pinner = PINNER_NO_RECORDER;
}

/* Parse @text and explain it with @swap free; 0 on success. */
static int explain_text(const char *text, bool swap, struct answer a[NR_OPS])
{
	struct explain_env env = { .swap_free = swap, .pinner = PINNER_NO_RECORDER };
	struct report r;
	int line;

	if (report_parse(&r, text, &line))
		return -1;
	explain_report(&r, &env, a);
	report_free(&r);
	return 0;
}

static bool is(const struct answer *a, const char *verdict, const char *reason, const char *detail_part)
{
	bool ok = !strcmp(a->verdict, verdict) && !strcmp(a->reason, reason) &&
		  (!detail_part || strstr(a->detail, detail_part));

	if (!ok)
		fprintf(stderr, "  got %s/%s: %s\n", a->verdict, a->reason, a->detail);
	return ok;
}

static void test_pinned(void)
{
	struct answer a[NR_OPS];
	static const char small[] = PAGE_LINE("anon", "uptodate,lru,anon,mapped")
		"hold mapped=1 cache=0 private=0 extra=1024 dma_pinned=1 migrate=migrate_folio pageblock=movable\n"
		MAP_LINE("0x100073") END_LINE;
	static const char large[] = "page pfn=0x1234 head_pfn=0x1200 order=9 kind=anon node=0 zone=Normal "
		"refcount=2049 mapcount=1 flags=anon,thp\n"
		"hold mapped=1 cache=0 private=0 extra=2048 dma_pinned=1 pincount=2 migrate=migrate_folio "
		"pageblock=movable\n" MAP_LINE("0x100073") END_LINE;

	result("a small folio with 1024 extra references, pinned: no, DMA-pinned, one pin, its mapper named",
	       !explain_text(small, true, a) &&
	       is(&a[OP_MIGRATE], "no", "dma-pinned", "1024 references beyond mappings and caches (1 pin:") &&
	       strstr(a[OP_MIGRATE].detail, "mapped by pid 812 (postgres) at 0x7f0000001000") &&
	       is(&a[OP_RECLAIM], "no", "dma-pinned", NULL) && is(&a[OP_OFFLINE], "no", "dma-pinned", NULL));
	result("a large folio's own pin count is the number of pins",
	       !explain_text(large, true, a) && is(&a[OP_MIGRATE], "no", "dma-pinned", "(2 pins:"));
}

static void test_mlocked(void)
{
	struct answer a[NR_OPS];
	static const char text[] = PAGE_LINE("anon", "uptodate,lru,unevictable,mlocked,anon,mapped")
		"hold mapped=1 cache=0 private=0 extra=0 dma_pinned=0 migrate=migrate_folio pageblock=movable\n"
		MAP_LINE("0x102073") END_LINE;

	result("mlocked: reclaim no, mlocked by the VM_LOCKED mapper; migrate yes",
	       !explain_text(text, true, a) &&
	       is(&a[OP_RECLAIM], "no", "mlocked", "mlocked by pid 812 (postgres) at 0x7f0000001000") &&
	       is(&a[OP_MIGRATE], "yes", "movable", "mlocked pages migrate") && is(&a[OP_OFFLINE], "yes", "movable", NULL));
}

static void test_plain_anon(void)
{
	struct answer a[NR_OPS];
	static const char text[] = PAGE_LINE("anon", "uptodate,lru,anon,mapped")
		"hold mapped=1 cache=0 private=0 extra=0 dma_pinned=0 migrate=migrate_folio pageblock=movable\n"
		MAP_LINE("0x100073") END_LINE;
	static const char batched[] = PAGE_LINE("anon", "uptodate,anon,mapped")
		"hold mapped=1 cache=0 private=0 extra=1 dma_pinned=0 migrate=migrate_folio pageblock=movable\n"
		MAP_LINE("0x100073") END_LINE;

	result("anon with free swap: yes to all", !explain_text(text, true, a) &&
	       is(&a[OP_MIGRATE], "yes", "movable", NULL) && is(&a[OP_RECLAIM], "yes", "reclaimable", NULL) &&
	       is(&a[OP_OFFLINE], "yes", "movable", "zone Normal, pageblock movable"));
	result("anon without swap: reclaim no, no swap", !explain_text(text, false, a) &&
	       is(&a[OP_RECLAIM], "no", "no-swap", "anonymous memory and no free swap"));
	result("one extra reference, not pinned: waits, naming the per-CPU LRU batch among the holders",
	       !explain_text(batched, true, a) && is(&a[OP_MIGRATE], "waits", "extra-references", "LRU batch") &&
	       is(&a[OP_OFFLINE], "waits", "extra-references", "1 reference beyond"));
}

static void test_other_kinds(void)
{
	struct answer a[NR_OPS];
	static const char slab[] = "page pfn=0x10 head_pfn=0x10 order=0 kind=slab node=0 zone=DMA32 refcount=1 "
		"mapcount=0 flags=slab\nend mappings=0 verdict=untracked attempts=1\n";
	static const char free_[] = "page pfn=0x10 head_pfn=0x10 order=0 kind=free node=0 refcount=0 mapcount=0 "
		"flags=buddy\nend mappings=0 verdict=untracked attempts=1\n";
	static const char old[] = "page pfn=0x10 head_pfn=0x10 order=0 kind=anon node=0 refcount=2 mapcount=1 "
		"flags=anon\n" MAP_LINE("0x100073") END_LINE;
	static const char huge[] = "page pfn=0x1234 head_pfn=0x1200 order=9 kind=hugetlb node=0 zone=Normal "
		"refcount=2 mapcount=1 flags=head,hugetlb\n"
		"hold mapped=1 cache=1 private=0 extra=0 dma_pinned=0 pincount=0 migrate=isolated pageblock=movable\n"
		MAP_LINE("0x400fb") END_LINE;
	static const char secret[] = PAGE_LINE("file", "uptodate,unevictable,mlocked")
		"hold mapped=1 cache=1 private=0 extra=0 dma_pinned=0 migrate=migrate_folio "
		"migrate_fn=secretmem_migrate_folio pageblock=movable\n" MAP_LINE("0x2fb") END_LINE;
	static const char dirty[] = PAGE_LINE("file", "uptodate,dirty,lru")
		"hold mapped=1 cache=1 private=1 extra=0 dma_pinned=0 migrate=fallback pageblock=movable\n"
		"file ino=1 dev=8:1 index=0 path=/x\n" MAP_LINE("0xfb") END_LINE;

	result("slab: no to all, in words", !explain_text(slab, true, a) &&
	       is(&a[OP_MIGRATE], "no", "not-movable", "slab memory") && is(&a[OP_RECLAIM], "no", "not-reclaimable",
	       "shrinker") && is(&a[OP_OFFLINE], "no", "not-movable", "EBUSY"));
	result("free: yes to all", !explain_text(free_, true, a) && is(&a[OP_MIGRATE], "yes", "free", NULL) &&
	       is(&a[OP_OFFLINE], "yes", "free", NULL));
	result("a module that does not report what holds a page: unknown, and says to load this version's",
	       !explain_text(old, true, a) && is(&a[OP_MIGRATE], "unknown", "no-facts", "load this version"));
	result("hugetlb isolated (not migratable now): migrate and offline wait, reclaim never",
	       !explain_text(huge, true, a) && is(&a[OP_MIGRATE], "waits", "isolated", "hugetlb") &&
	       is(&a[OP_RECLAIM], "no", "hugetlb", NULL) && is(&a[OP_OFFLINE], "waits", "isolated", NULL));
	result("secretmem, whose migrate_folio refuses: migrate and offline no, naming it",
	       !explain_text(secret, true, a) && is(&a[OP_MIGRATE], "no", "not-migratable", "secretmem_migrate_folio") &&
	       is(&a[OP_OFFLINE], "no", "not-migratable", NULL) && is(&a[OP_RECLAIM], "no", "mlocked", NULL));
	result("a dirty file page without migrate_folio: migrate and reclaim wait for writeback",
	       !explain_text(dirty, true, a) && is(&a[OP_MIGRATE], "waits", "dirty", "no migrate_folio") &&
	       is(&a[OP_RECLAIM], "waits", "dirty", NULL));
}

/* The JSON document, for the Makefile to parse with python3. */
static void write_json(const char *path)
{
	static const char text[] = PAGE_LINE("anon", "uptodate,lru,anon,mapped")
		"hold mapped=1 cache=0 private=0 extra=1024 dma_pinned=1 migrate=migrate_folio pageblock=movable\n"
		"map pid=812 comm=post\\042gres\\134 vaddr=0x7f0000001000 vma_start=0x7f0000000000 "
		"vma_end=0x7f0000200000 vm_flags=0x100073 level=pte writable=1 dirty=1 young=1 soft_dirty=0 uffd_wp=0\n"
		END_LINE;
	struct explain_env env = { .swap_free = true };
	struct answer a[NR_OPS];
	struct report r;
	struct json j;
	int line;
	FILE *f = fopen(path, "w");

	if (!f || report_parse(&r, text, &line)) {
		result("the JSON sample is written", 0);
		return;
	}
	explain_report(&r, &env, a);
	json_init(&j, f);
	explain_write_json(&j, &r, &env, a);
	fclose(f);
	report_free(&r);
}

int main(int argc, char **argv)
{
	test_pinned();
	test_mlocked();
	test_plain_anon();
	test_other_kinds();
	if (argc > 1)
		write_json(argv[1]);
	return failed ? 1 : 0;
}
